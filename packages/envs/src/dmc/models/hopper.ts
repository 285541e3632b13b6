// DMC planar hopper (dm_control's hopper.xml): torso, pelvis, thigh, calf and foot with toe/heel touch sensors.
import type { BodySpec, JointSpec, MjcfModel, Vec2 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** dm_control's "hopper" class: limited hinges about y; capsules; touch sites are spheres of radius 0.05 in group 3. */
const hinge = (name: string, range: Vec2): JointSpec => ({ name, range, type: "hinge", axis: [0, 1, 0], limited: true, damping: 0.05, armature: 0.2 });
const capsule = (name: string, fromto: readonly [number, number, number, number, number, number], radius: number) =>
  ({ name, type: "capsule", fromto, size: [radius] }) as const;

/** The DMC hopper: rootx, rootz, rooty + 4 hinges (nq 7), 4 motors, Euler at 0.005 s, toe and heel touch sensors. */
export function hopperModel(): MjcfModel {
  const root = { limited: false, damping: 0, armature: 0, stiffness: 0 } as const;
  const foot: BodySpec = {
    name: "foot",
    pos: [0, 0, -0.32],
    joints: [hinge("ankle", [-45, 45])],
    geoms: [capsule("foot", [-0.08, 0, 0, 0.17, 0, 0], 0.04)],
    sites: (["touch_toe", "touch_heel"] as const).map((name, i) => ({ name, type: "sphere", size: [0.05], group: 3, pos: [i === 0 ? 0.17 : -0.08, 0, 0] }) as const),
  };
  return {
    name: "planar hopper",
    option: { timestep: 0.005 },
    size: { memory: ARENA_MEMORY },
    statistic: { extent: 2, center: [0, 0, 0.5] },
    defaults: { motor: { ctrlrange: [-1, 1], ctrllimited: true } },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, pos: [48, 0, 0], size: [50, 1, 0.2] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1],
          joints: [
            { name: "rootx", type: "slide", axis: [1, 0, 0], ...root },
            { name: "rootz", type: "slide", axis: [0, 0, 1], ...root },
            { name: "rooty", type: "hinge", axis: [0, 1, 0], ...root },
          ],
          geoms: [capsule("torso", [0, 0, -0.05, 0, 0, 0.2], 0.0653), capsule("nose", [0.08, 0, 0.13, 0.15, 0, 0.14], 0.03)],
          bodies: [
            {
              name: "pelvis",
              pos: [0, 0, -0.05],
              joints: [hinge("waist", [-30, 30])],
              geoms: [capsule("pelvis", [0, 0, 0, 0, 0, -0.15], 0.065)],
              bodies: [
                {
                  name: "thigh",
                  pos: [0, 0, -0.2],
                  joints: [hinge("hip", [-170, 10])],
                  geoms: [capsule("thigh", [0, 0, 0, 0, 0, -0.33], 0.04)],
                  bodies: [
                    { name: "calf", pos: [0, 0, -0.33], joints: [hinge("knee", [5, 150])], geoms: [capsule("calf", [0, 0, 0, 0, 0, -0.32], 0.03)], bodies: [foot] },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
    sensors: [
      { type: "subtreelinvel", name: "torso_subtreelinvel", body: "torso" },
      { type: "touch", name: "touch_toe", site: "touch_toe" },
      { type: "touch", name: "touch_heel", site: "touch_heel" },
    ],
    actuators: ([["waist", 30], ["hip", 40], ["knee", 30], ["ankle", 10]] as const).map(([joint, gear]) => ({ name: joint, joint, gear })),
  };
}
