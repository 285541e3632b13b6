// Walker2d: the planar biped of Erez, Tassa and Todorov (2011) as published in Gymnasium's walker2d.xml (v4) and walker2d_v5.xml (v5).
import type { BodySpec, MjcfModel } from "../mjcf.ts";
import { ARENA_MEMORY } from "./arena.ts";
import { planarRootJoints } from "./planar.ts";

/** One leg (thigh → leg → foot) whose names carry `suffix` ("" for the right leg, "_left" for the left one). */
function leg(suffix: string, footFriction: number): BodySpec {
  const pitch = [0, -1, 0] as const;
  return {
    name: `thigh${suffix}`,
    pos: [0, 0, -0.19999999999999996],
    joints: [{ name: `thigh${suffix}_joint`, type: "hinge", axis: pitch, pos: [0, 0, 0], range: [-150, 0] }],
    geoms: [{ name: `thigh${suffix}_geom`, type: "capsule", friction: [0.9], pos: [0, 0, -0.22500000000000009], size: [0.05, 0.22500000000000003] }],
    bodies: [
      {
        name: `leg${suffix}`,
        pos: [0, 0, -0.70000000000000007],
        joints: [{ name: `leg${suffix}_joint`, type: "hinge", axis: pitch, pos: [0, 0, 0.25], range: [-150, 0] }],
        geoms: [{ name: `leg${suffix}_geom`, type: "capsule", friction: [0.9], size: [0.04, 0.25] }],
        bodies: [
          {
            name: `foot${suffix}`,
            pos: [0.2, 0, -0.35],
            joints: [{ name: `foot${suffix}_joint`, type: "hinge", axis: pitch, pos: [-0.2, 0, 0.1], range: [-45, 45] }],
            geoms: [
              {
                name: `foot${suffix}_geom`,
                type: "capsule",
                friction: [footFriction],
                pos: [-0.1, 0, 0.1],
                quat: [0.70710678118654757, 0, -0.70710678118654746, 0],
                size: [0.06, 0.1],
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * The Walker2d model (angles in degrees): 9 dofs, 6 motors with gear 100, RK4 at 0.002 s. The feet's sliding friction
 * is the only v4/v5 difference: v4 uses 0.9 (right) and 1.9 (left), v5 uses 1.9 on both.
 */
export function walker2dModel(version: "v4" | "v5"): MjcfModel {
  const rightFoot = version === "v4" ? 0.9 : 1.9;
  return {
    name: "walker2d",
    compiler: { angle: "degree", inertiafromgeom: true },
    option: { integrator: "RK4", timestep: 0.002 },
    size: { memory: ARENA_MEMORY },
    defaults: {
      joint: { armature: 0.01, damping: 0.1, limited: true },
      geom: { conaffinity: 0, condim: 3, contype: 1, density: 1000, friction: [0.7, 0.1, 0.1] },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, condim: 3, pos: [0, 0, 0], size: [40, 40, 40] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1.25],
          joints: planarRootJoints(1.25),
          geoms: [{ name: "torso_geom", type: "capsule", friction: [0.9], size: [0.05, 0.19999999999999996] }],
          bodies: [leg("", rightFoot), leg("_left", 1.9)],
        },
      ],
    },
    actuators: ["thigh_joint", "leg_joint", "foot_joint", "thigh_left_joint", "leg_left_joint", "foot_left_joint"].map((joint) => ({
      joint,
      gear: 100,
      ctrllimited: true,
      ctrlrange: [-1, 1] as const,
    })),
  };
}
