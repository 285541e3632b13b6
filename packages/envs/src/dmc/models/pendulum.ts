// DMC pendulum (dm_control's pendulum.xml): a 0.5 m massless rod with a 1 kg tip mass on a damped, torque-limited hinge.
import type { MjcfModel } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** The pendulum model: one hinge (damping 0.1) at 0.6 m, a unit motor limited to ±1 N·m, Euler at 0.02 s, no contacts. */
export function pendulumModel(): MjcfModel {
  return {
    name: "pendulum",
    option: { timestep: 0.02, flag: { contact: "disable", energy: "enable" } },
    size: { memory: ARENA_MEMORY },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", size: [2, 2, 0.2] }],
      bodies: [
        {
          name: "pole",
          pos: [0, 0, 0.6],
          joints: [{ name: "hinge", type: "hinge", axis: [0, 1, 0], damping: 0.1 }],
          geoms: [
            { name: "base", type: "cylinder", fromto: [0, -0.03, 0, 0, 0.03, 0], size: [0.021], mass: 0 },
            { name: "pole", type: "capsule", fromto: [0, 0, 0, 0, 0, 0.5], size: [0.02], mass: 0 },
            { name: "mass", type: "sphere", pos: [0, 0, 0.5], size: [0.05], mass: 1 },
          ],
        },
      ],
    },
    actuators: [{ name: "torque", joint: "hinge", gear: 1, ctrlrange: [-1, 1], ctrllimited: true }],
  };
}
