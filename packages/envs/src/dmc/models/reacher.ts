// DMC two-link planar reacher (dm_control's reacher.xml): a 2-joint arm reaching a target in a walled square, no contacts.
import type { MjcfModel, Vec3 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** The DMC reacher: shoulder (free hinge) and wrist (±160°) about z, motors with gear 0.05, Euler at 0.02 s. */
export function reacherModel(): MjcfModel {
  const wall = (name: string, pos: Vec3, zaxis: Vec3, size: Vec3) => ({ name, type: "plane", pos, zaxis, size }) as const;
  return {
    name: "two-link planar reacher",
    option: { timestep: 0.02, flag: { contact: "disable" } },
    size: { memory: ARENA_MEMORY },
    defaults: { joint: { type: "hinge", axis: [0, 0, 1], damping: 0.01 }, motor: { gear: 0.05, ctrlrange: [-1, 1], ctrllimited: true } },
    worldbody: {
      geoms: [
        { name: "ground", type: "plane", pos: [0, 0, 0], size: [0.3, 0.3, 10] },
        wall("wall_x", [-0.3, 0, 0.02], [1, 0, 0], [0.02, 0.3, 0.02]),
        wall("wall_y", [0, -0.3, 0.02], [0, 1, 0], [0.3, 0.02, 0.02]),
        wall("wall_neg_x", [0.3, 0, 0.02], [-1, 0, 0], [0.02, 0.3, 0.02]),
        wall("wall_neg_y", [0, 0.3, 0.02], [0, -1, 0], [0.3, 0.02, 0.02]),
        { name: "root", type: "cylinder", fromto: [0, 0, 0, 0, 0, 0.02], size: [0.011] },
        { name: "target", pos: [0, 0, 0.01], type: "sphere", size: [0.05] },
      ],
      bodies: [
        {
          name: "arm",
          pos: [0, 0, 0.01],
          geoms: [{ name: "arm", type: "capsule", fromto: [0, 0, 0, 0.12, 0, 0], size: [0.01] }],
          joints: [{ name: "shoulder" }],
          bodies: [
            {
              name: "hand",
              pos: [0.12, 0, 0],
              geoms: [{ name: "hand", type: "capsule", fromto: [0, 0, 0, 0.1, 0, 0], size: [0.01] }],
              joints: [{ name: "wrist", limited: true, range: [-160, 160] }],
              bodies: [{ name: "finger", pos: [0.12, 0, 0], geoms: [{ name: "finger", type: "sphere", size: [0.01] }] }],
            },
          ],
        },
      ],
    },
    actuators: [
      { name: "shoulder", joint: "shoulder" },
      { name: "wrist", joint: "wrist" },
    ],
  };
}
