// DMC acrobot (dm_control's acrobot.xml, after Coulom 2002): two 1 m links, only the elbow actuated, constraints off.
import type { MjcfModel } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** The DMC acrobot: shoulder and elbow hinges (damping 0.05), 1 kg capsules, elbow motor with gear 2, RK4 at 0.01 s. */
export function acrobotModel(): MjcfModel {
  return {
    name: "acrobot",
    option: { timestep: 0.01, integrator: "RK4", flag: { constraint: "disable", energy: "enable" } },
    size: { memory: ARENA_MEMORY },
    defaults: { joint: { damping: 0.05 }, geom: { type: "capsule", mass: 1 } },
    worldbody: {
      geoms: [{ name: "floor", size: [3, 3, 0.2], type: "plane" }],
      sites: [{ name: "target", type: "sphere", pos: [0, 0, 4], size: [0.2], group: 3 }],
      bodies: [
        {
          name: "upper_arm",
          pos: [0, 0, 2],
          joints: [{ name: "shoulder", type: "hinge", axis: [0, 1, 0] }],
          geoms: [
            { name: "upper_arm_decoration", type: "cylinder", fromto: [0, -0.06, 0, 0, 0.06, 0], size: [0.051], mass: 0 },
            { name: "upper_arm", fromto: [0, 0, 0, 0, 0, 1], size: [0.05] },
          ],
          bodies: [
            {
              name: "lower_arm",
              pos: [0, 0, 1],
              joints: [{ name: "elbow", type: "hinge", axis: [0, 1, 0] }],
              geoms: [{ name: "lower_arm", fromto: [0, 0, 0, 0, 0, 1], size: [0.049] }],
              sites: [{ name: "tip", pos: [0, 0, 1], size: [0.01] }],
            },
          ],
        },
      ],
    },
    actuators: [{ name: "elbow", joint: "elbow", gear: 2, ctrllimited: true, ctrlrange: [-1, 1] }],
  };
}
