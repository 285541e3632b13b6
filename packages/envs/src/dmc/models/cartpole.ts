// DMC cart-pole (Barto et al. 1983 as modelled in dm_control's cartpole.xml): a cart on a rail with one hinged pole.
import type { MjcfModel } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** The cart-pole model: slider (±1.8 m) + pole hinge, one motor with gear 10, RK4 at 0.01 s, contacts disabled. */
export function cartpoleModel(): MjcfModel {
  const rail = (name: string, y: number) => ({ name, type: "capsule", pos: [0, y, 1], zaxis: [1, 0, 0], size: [0.02, 2] }) as const;
  return {
    name: "cart-pole",
    option: { timestep: 0.01, integrator: "RK4", flag: { contact: "disable", energy: "enable" } },
    size: { memory: ARENA_MEMORY },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", pos: [0, 0, -0.05], size: [4, 4, 0.2] }, rail("rail1", 0.07), rail("rail2", -0.07)],
      bodies: [
        {
          name: "cart",
          pos: [0, 0, 1],
          joints: [{ name: "slider", type: "slide", limited: true, axis: [1, 0, 0], range: [-1.8, 1.8], solreflimit: [0.08, 1], damping: 5e-4 }],
          geoms: [{ name: "cart", type: "box", size: [0.2, 0.15, 0.1], mass: 1 }],
          bodies: [
            {
              name: "pole_1",
              joints: [{ name: "hinge_1", type: "hinge", axis: [0, 1, 0], damping: 2e-6 }],
              geoms: [{ name: "pole_1", type: "capsule", fromto: [0, 0, 0, 0, 0, 1], size: [0.045], mass: 0.1 }],
            },
          ],
        },
      ],
    },
    actuators: [{ name: "slide", joint: "slider", gear: 10, ctrllimited: true, ctrlrange: [-1, 1] }],
  };
}
