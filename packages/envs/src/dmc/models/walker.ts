// DMC planar walker (dm_control's walker.xml): a 7-body biped in the x–z plane with soft joint limits.
import type { BodySpec, MjcfModel } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** Hinges of dm_control's "walker" class turn about −y. */
const AXIS = [0, -1, 0] as const;

/** One leg (thigh → leg → foot); `side` is "right" (y = −0.05) or "left" (y = +0.05). */
function leg(side: "right" | "left"): BodySpec {
  return {
    name: `${side}_thigh`,
    pos: [0, side === "right" ? -0.05 : 0.05, -0.3],
    joints: [{ name: `${side}_hip`, axis: AXIS, range: [-20, 100] }],
    geoms: [{ name: `${side}_thigh`, type: "capsule", pos: [0, 0, -0.225], size: [0.05, 0.225] }],
    bodies: [
      {
        name: `${side}_leg`,
        pos: [0, 0, -0.7],
        joints: [{ name: `${side}_knee`, axis: AXIS, pos: [0, 0, 0.25], range: [-150, 0] }],
        geoms: [{ name: `${side}_leg`, type: "capsule", size: [0.04, 0.25] }],
        bodies: [
          {
            name: `${side}_foot`,
            pos: [0.06, 0, -0.25],
            joints: [{ name: `${side}_ankle`, axis: AXIS, pos: [-0.06, 0, 0], range: [-45, 45] }],
            geoms: [{ name: `${side}_foot`, type: "capsule", zaxis: [1, 0, 0], size: [0.05, 0.1] }],
          },
        ],
      },
    ],
  };
}

/** The DMC walker: rootz, rootx, rooty + 6 hinges (nq 9), 6 motors, Euler at 0.0025 s. */
export function walkerModel(): MjcfModel {
  const root = { limited: false, armature: 0, damping: 0 } as const;
  return {
    name: "planar walker",
    option: { timestep: 0.0025 },
    size: { memory: ARENA_MEMORY },
    statistic: { extent: 2, center: [0, 0, 1] },
    defaults: {
      joint: { damping: 0.1, armature: 0.01, limited: true, solimplimit: [0, 0.99, 0.01] },
      geom: { contype: 1, conaffinity: 0, friction: [0.7, 0.1, 0.1] },
      motor: { ctrlrange: [-1, 1], ctrllimited: true },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, pos: [248, 0, 0], size: [250, 0.8, 0.2], zaxis: [0, 0, 1] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1.3],
          joints: [
            { name: "rootz", axis: [0, 0, 1], type: "slide", ...root },
            { name: "rootx", axis: [1, 0, 0], type: "slide", ...root },
            { name: "rooty", axis: [0, 1, 0], type: "hinge", ...root },
          ],
          geoms: [{ name: "torso", type: "capsule", size: [0.07, 0.3] }],
          bodies: [leg("right"), leg("left")],
        },
      ],
    },
    sensors: [{ type: "subtreelinvel", name: "torso_subtreelinvel", body: "torso" }],
    actuators: (
      [["right_hip", 100], ["right_knee", 50], ["right_ankle", 20], ["left_hip", 100], ["left_knee", 50], ["left_ankle", 20]] as const
    ).map(([joint, gear]) => ({ name: joint, joint, gear })),
  };
}
