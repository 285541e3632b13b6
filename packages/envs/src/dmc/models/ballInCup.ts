// DMC ball-in-cup (dm_control's ball_in_cup.xml): a planar cup on x/z springs with a ball tied to it by a 0.3 m string.
import type { MjcfModel, Vec2 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** The DMC ball-in-cup: 2 actuated cup slides (damping 3, stiffness 20), 2 free ball slides, a limited spatial tendon; timestep 0.002 s. */
export function ballInCupModel(): MjcfModel {
  const cupSlide = (name: string, axis: readonly [number, number, number]) => ({ name, type: "slide", axis, damping: 3, stiffness: 20 }) as const;
  const part = (i: number, a: Vec2, b: Vec2) => ({ name: `cup_part_${i}`, type: "capsule", size: [0.008], fromto: [a[0], 0, a[1], b[0], 0, b[1]] }) as const;
  return {
    name: "ball in cup",
    size: { memory: ARENA_MEMORY },
    defaults: { motor: { ctrllimited: true, ctrlrange: [-1, 1], gear: 5 } },
    worldbody: {
      geoms: [{ name: "ground", type: "plane", pos: [0, 0, 0], size: [0.6, 0.2, 10] }],
      bodies: [
        {
          name: "cup",
          pos: [0, 0, 0.6],
          joints: [cupSlide("cup_x", [1, 0, 0]), cupSlide("cup_z", [0, 0, 1])],
          geoms: [
            part(0, [-0.05, 0], [-0.05, -0.075]),
            part(1, [-0.05, -0.075], [-0.025, -0.1]),
            part(2, [-0.025, -0.1], [0.025, -0.1]),
            part(3, [0.025, -0.1], [0.05, -0.075]),
            part(4, [0.05, -0.075], [0.05, 0]),
          ],
          sites: [
            { name: "cup", pos: [0, 0, -0.108], size: [0.005] },
            { name: "target", type: "box", pos: [0, 0, -0.05], size: [0.05, 0.006, 0.05], group: 4 },
          ],
        },
        {
          name: "ball",
          pos: [0, 0, 0.2],
          joints: [
            { name: "ball_x", type: "slide", axis: [1, 0, 0] },
            { name: "ball_z", type: "slide", axis: [0, 0, 1] },
          ],
          geoms: [{ name: "ball", type: "sphere", size: [0.025] }],
          sites: [{ name: "ball", size: [0.005] }],
        },
      ],
    },
    actuators: [
      { name: "x", joint: "cup_x" },
      { name: "z", joint: "cup_z" },
    ],
    tendons: [{ name: "string", limited: true, range: [0, 0.3], width: 0.003, sites: ["ball", "cup"] }],
  };
}
