// HalfCheetah: the planar cheetah of Wawrzyński (2009) as published in Gymnasium's half_cheetah.xml (v4 and v5).
import type { BodySpec, MjcfModel, Vec2 } from "../mjcf.ts";
import { ARENA_MEMORY } from "./arena.ts";

/** One leg segment: a y-axis hinge with its spring/damper and a tilted capsule. */
function segment(
  name: string,
  pos: readonly [number, number, number],
  joint: { damping: number; stiffness: number; range: Vec2 },
  geom: { tilt: number; pos: readonly [number, number, number]; halfLength: number },
  child?: BodySpec,
): BodySpec {
  return {
    name,
    pos,
    joints: [{ name, type: "hinge", axis: [0, 1, 0], damping: joint.damping, stiffness: joint.stiffness, range: joint.range }],
    geoms: [{ name, type: "capsule", axisangle: [0, 1, 0, geom.tilt], pos: geom.pos, size: [0.046, geom.halfLength] }],
    bodies: child ? [child] : [],
  };
}

/** The HalfCheetah model (angles in radians): 9 dofs (rootx, rootz, rooty + 6 leg hinges), 6 motors, timestep 0.01. */
export function halfCheetahModel(): MjcfModel {
  const root = { armature: 0, damping: 0, limited: false, stiffness: 0 } as const;
  return {
    name: "cheetah",
    compiler: { angle: "radian", inertiafromgeom: true, settotalmass: 14 },
    option: { gravity: [0, 0, -9.81], timestep: 0.01 },
    size: { memory: ARENA_MEMORY, nuser_geom: 1 },
    defaults: {
      joint: { armature: 0.1, damping: 0.01, limited: true, solimplimit: [0, 0.8, 0.03], solreflimit: [0.02, 1], stiffness: 8 },
      geom: { conaffinity: 0, condim: 3, contype: 1, friction: [0.4, 0.1, 0.1], solimp: [0, 0.8, 0.01], solref: [0.02, 1] },
      motor: { ctrllimited: true, ctrlrange: [-1, 1] },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, condim: 3, pos: [0, 0, 0], size: [40, 40, 40] }],
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
            { name: "torso", type: "capsule", fromto: [-0.5, 0, 0, 0.5, 0, 0], size: [0.046] },
            { name: "head", type: "capsule", axisangle: [0, 1, 0, 0.87], pos: [0.6, 0, 0.1], size: [0.046, 0.15] },
          ],
          bodies: [
            segment("bthigh", [-0.5, 0, 0], { damping: 6, stiffness: 240, range: [-0.52, 1.05] }, { tilt: -3.8, pos: [0.1, 0, -0.13], halfLength: 0.145 },
              segment("bshin", [0.16, 0, -0.25], { damping: 4.5, stiffness: 180, range: [-0.785, 0.785] }, { tilt: -2.03, pos: [-0.14, 0, -0.07], halfLength: 0.15 },
                segment("bfoot", [-0.28, 0, -0.14], { damping: 3, stiffness: 120, range: [-0.4, 0.785] }, { tilt: -0.27, pos: [0.03, 0, -0.097], halfLength: 0.094 }))),
            segment("fthigh", [0.5, 0, 0], { damping: 4.5, stiffness: 180, range: [-1, 0.7] }, { tilt: 0.52, pos: [-0.07, 0, -0.12], halfLength: 0.133 },
              segment("fshin", [-0.14, 0, -0.24], { damping: 3, stiffness: 120, range: [-1.2, 0.87] }, { tilt: -0.6, pos: [0.065, 0, -0.09], halfLength: 0.106 },
                segment("ffoot", [0.13, 0, -0.18], { damping: 1.5, stiffness: 60, range: [-0.5, 0.5] }, { tilt: -0.6, pos: [0.045, 0, -0.07], halfLength: 0.07 }))),
          ],
        },
      ],
    },
    actuators: (
      [["bthigh", 120], ["bshin", 90], ["bfoot", 60], ["fthigh", 120], ["fshin", 60], ["ffoot", 30]] as const
    ).map(([joint, gear]) => ({ name: joint, joint, gear })),
  };
}
