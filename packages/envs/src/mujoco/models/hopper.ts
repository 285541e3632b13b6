// Hopper: the one-legged planar hopper of Erez, Tassa and Todorov (2011) as published in Gymnasium's hopper.xml (v4 and v5).
import type { MjcfModel } from "../mjcf.ts";
import { ARENA_MEMORY } from "./arena.ts";
import { planarRootJoints } from "./planar.ts";

/** The Hopper model (angles in degrees): 6 dofs, 3 motors with gear 200, RK4 at 0.002 s. */
export function hopperModel(): MjcfModel {
  const pitch = [0, -1, 0] as const;
  return {
    name: "hopper",
    compiler: { angle: "degree", inertiafromgeom: true },
    option: { integrator: "RK4", timestep: 0.002 },
    size: { memory: ARENA_MEMORY },
    defaults: {
      joint: { armature: 1, damping: 1, limited: true },
      geom: { conaffinity: 1, condim: 1, contype: 1, margin: 0.001, solimp: [0.8, 0.8, 0.01], solref: [0.02, 1] },
      motor: { ctrllimited: true, ctrlrange: [-0.4, 0.4] },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, condim: 3, pos: [0, 0, 0], size: [20, 20, 0.125] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1.25],
          joints: planarRootJoints(1.25),
          geoms: [{ name: "torso_geom", type: "capsule", friction: [0.9], size: [0.05, 0.19999999999999996] }],
          bodies: [
            {
              name: "thigh",
              pos: [0, 0, -0.19999999999999996],
              joints: [{ name: "thigh_joint", type: "hinge", axis: pitch, pos: [0, 0, 0], range: [-150, 0] }],
              geoms: [{ name: "thigh_geom", type: "capsule", friction: [0.9], pos: [0, 0, -0.22500000000000009], size: [0.05, 0.22500000000000003] }],
              bodies: [
                {
                  name: "leg",
                  pos: [0, 0, -0.70000000000000007],
                  joints: [{ name: "leg_joint", type: "hinge", axis: pitch, pos: [0, 0, 0.25], range: [-150, 0] }],
                  geoms: [{ name: "leg_geom", type: "capsule", friction: [0.9], size: [0.04, 0.25] }],
                  bodies: [
                    {
                      name: "foot",
                      pos: [0.13, 0, -0.35],
                      joints: [{ name: "foot_joint", type: "hinge", axis: pitch, pos: [-0.13, 0, 0.1], range: [-45, 45] }],
                      geoms: [
                        {
                          name: "foot_geom",
                          type: "capsule",
                          friction: [2.0],
                          pos: [-0.065, 0, 0.1],
                          quat: [0.70710678118654757, 0, -0.70710678118654746, 0],
                          size: [0.06, 0.195],
                        },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
    actuators: ["thigh_joint", "leg_joint", "foot_joint"].map((joint) => ({ joint, gear: 200, ctrllimited: true, ctrlrange: [-1, 1] as const })),
  };
}
