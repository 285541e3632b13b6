// Ant: the quadruped of Schulman et al. (2016, GAE) as published in Gymnasium's ant.xml (v4 and v5).
import type { BodySpec, MjcfModel, Vec2, Vec3 } from "../mjcf.ts";
import { ARENA_MEMORY } from "./arena.ts";

/** Geom names of one leg, as in the published model. */
interface LegNames {
  body: string;
  aux: string;
  upper: string;
  lower: string;
}

/**
 * Leg `i` (1-based) pointing along (dx, dy): a fixed stub from the torso, a hip (yaw) hinge, then an ankle hinge about
 * `ankleAxis`; the lower segment is twice the length of the others.
 */
function leg(i: number, dx: number, dy: number, names: LegNames, ankleAxis: Vec3, ankleRange: Vec2): BodySpec {
  const capsule = (name: string, scale: number) =>
    ({ name, type: "capsule", fromto: [0, 0, 0, scale * dx, scale * dy, 0], size: [0.08] }) as const;
  return {
    name: names.body,
    pos: [0, 0, 0],
    geoms: [capsule(names.aux, 1)],
    bodies: [
      {
        name: `aux_${i}`,
        pos: [dx, dy, 0],
        joints: [{ name: `hip_${i}`, type: "hinge", axis: [0, 0, 1], pos: [0, 0, 0], range: [-30, 30] }],
        geoms: [capsule(names.upper, 1)],
        bodies: [
          {
            pos: [dx, dy, 0],
            joints: [{ name: `ankle_${i}`, type: "hinge", axis: ankleAxis, pos: [0, 0, 0], range: ankleRange }],
            geoms: [capsule(names.lower, 2)],
          },
        ],
      },
    ],
  };
}

/** The Ant model (angles in degrees): a free torso sphere with 4 two-hinge legs (nq 15, nv 14), 8 motors with gear 150, RK4 at 0.01 s. */
export function antModel(): MjcfModel {
  return {
    name: "ant",
    compiler: { angle: "degree", inertiafromgeom: true },
    option: { integrator: "RK4", timestep: 0.01 },
    size: { memory: ARENA_MEMORY },
    defaults: {
      joint: { armature: 1, damping: 1, limited: true },
      geom: { conaffinity: 0, condim: 3, density: 5.0, friction: [1, 0.5, 0.5], margin: 0.01 },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, condim: 3, pos: [0, 0, 0], size: [40, 40, 40] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 0.75],
          joints: [{ name: "root", type: "free", armature: 0, damping: 0, limited: false, margin: 0.01, pos: [0, 0, 0] }],
          geoms: [{ name: "torso_geom", type: "sphere", pos: [0, 0, 0], size: [0.25] }],
          bodies: [
            leg(1, 0.2, 0.2, { body: "front_left_leg", aux: "aux_1_geom", upper: "left_leg_geom", lower: "left_ankle_geom" }, [-1, 1, 0], [30, 70]),
            leg(2, -0.2, 0.2, { body: "front_right_leg", aux: "aux_2_geom", upper: "right_leg_geom", lower: "right_ankle_geom" }, [1, 1, 0], [-70, -30]),
            leg(3, -0.2, -0.2, { body: "back_leg", aux: "aux_3_geom", upper: "back_leg_geom", lower: "third_ankle_geom" }, [-1, 1, 0], [-70, -30]),
            leg(4, 0.2, -0.2, { body: "right_back_leg", aux: "aux_4_geom", upper: "rightback_leg_geom", lower: "fourth_ankle_geom" }, [1, 1, 0], [30, 70]),
          ],
        },
      ],
    },
    // Actuator order of the published model: leg 4 first, then legs 1–3, hip before ankle.
    actuators: [4, 1, 2, 3].flatMap((i) =>
      [`hip_${i}`, `ankle_${i}`].map((joint) => ({ joint, gear: 150, ctrllimited: true, ctrlrange: [-1, 1] as const })),
    ),
  };
}
