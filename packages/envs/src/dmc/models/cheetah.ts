// DMC cheetah (dm_control's cheetah.xml, after Wawrzyński 2009): the planar half-cheetah with DMC's gears and joint ranges.
import type { BodySpec, MjcfModel, Vec2, Vec3 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** Attributes of dm_control's "cheetah" class: springy limited hinges about y and colliding capsules. */
const JOINT = { limited: true, damping: 0.01, armature: 0.1, stiffness: 8, type: "hinge", axis: [0, 1, 0] } as const;
const GEOM = { contype: 1, conaffinity: 1, condim: 3, friction: [0.4, 0.1, 0.1] } as const;

/** One leg segment (angles in degrees): hinge with its range, stiffness and damping, and a capsule tilted by `pitch`. */
function segment(name: string, pos: Vec3, range: Vec2, stiffness: number, damping: number, geomPos: Vec3, pitch: number, halfLength: number, child?: BodySpec): BodySpec {
  return {
    name,
    pos,
    joints: [{ ...JOINT, name, range, stiffness, damping }],
    geoms: [{ ...GEOM, name, type: "capsule", pos: geomPos, euler: [0, pitch, 0], size: [0.046, halfLength] }],
    bodies: child ? [child] : [],
  };
}

/** The DMC cheetah: 9 dofs (rootx, rootz, rooty, 6 hinges), total mass 14 kg, 6 motors, Euler at 0.01 s. */
export function cheetahModel(): MjcfModel {
  const root = { limited: false, damping: 0, armature: 0, stiffness: 0 } as const;
  return {
    name: "cheetah",
    compiler: { settotalmass: 14 },
    option: { timestep: 0.01 },
    size: { memory: ARENA_MEMORY },
    statistic: { center: [0, 0, 0.7], extent: 2 },
    defaults: { motor: { ctrllimited: true, ctrlrange: [-1, 1] } },
    worldbody: {
      geoms: [{ name: "ground", type: "plane", conaffinity: 1, pos: [98, 0, 0], size: [100, 0.8, 0.5] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 0.7],
          joints: [
            { name: "rootx", type: "slide", axis: [1, 0, 0], ...root },
            { name: "rootz", type: "slide", axis: [0, 0, 1], ...root },
            { name: "rooty", type: "hinge", axis: [0, 1, 0], ...root },
          ],
          geoms: [
            { ...GEOM, name: "torso", type: "capsule", fromto: [-0.5, 0, 0, 0.5, 0, 0], size: [0.046] },
            { ...GEOM, name: "head", type: "capsule", pos: [0.6, 0, 0.1], euler: [0, 50, 0], size: [0.046, 0.15] },
          ],
          bodies: [
            segment("bthigh", [-0.5, 0, 0], [-30, 60], 240, 6, [0.1, 0, -0.13], -218, 0.145,
              segment("bshin", [0.16, 0, -0.25], [-50, 50], 180, 4.5, [-0.14, 0, -0.07], -116, 0.15,
                segment("bfoot", [-0.28, 0, -0.14], [-230, 50], 120, 3, [0.03, 0, -0.097], -15, 0.094))),
            segment("fthigh", [0.5, 0, 0], [-57, 0.4], 180, 4.5, [-0.07, 0, -0.12], 30, 0.133,
              segment("fshin", [-0.14, 0, -0.24], [-70, 50], 120, 3, [0.065, 0, -0.09], -34, 0.106,
                segment("ffoot", [0.13, 0, -0.18], [-28, 28], 60, 1.5, [0.045, 0, -0.07], -34, 0.07))),
          ],
        },
      ],
    },
    sensors: [{ type: "subtreelinvel", name: "torso_subtreelinvel", body: "torso" }],
    actuators: (
      [["bthigh", 120], ["bshin", 90], ["bfoot", 60], ["fthigh", 90], ["fshin", 60], ["ffoot", 30]] as const
    ).map(([joint, gear]) => ({ name: joint, joint, gear })),
  };
}
