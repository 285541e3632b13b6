// Humanoid: the 3-D biped of Tassa, Erez and Todorov (2012) as published in Gymnasium's humanoid.xml (v4 and v5).
import type { BodySpec, JointSpec, MjcfModel, Vec2, Vec3 } from "../mjcf.ts";
import { ARENA_MEMORY } from "./arena.ts";

/** A hinge with the given axis, range (degrees) and passive properties. */
function hinge(name: string, axis: Vec3, range: Vec2, props: Omit<JointSpec, "name" | "axis" | "range" | "type">): JointSpec {
  return { name, type: "hinge", axis, range, ...props };
}

/** One leg (thigh → shin → foot); the left leg mirrors the right one in y (s = +1 left, −1 right), with its own armatures and knee stiffness. */
function leg(name: "right" | "left"): BodySpec {
  const s = name === "left" ? 1 : -1;
  const left = name === "left";
  return {
    name: `${name}_thigh`,
    pos: [0, 0.1 * s, -0.04],
    joints: [
      hinge(`${name}_hip_x`, [-s, 0, 0], [-25, 5], { armature: 0.01, damping: 5, pos: [0, 0, 0], stiffness: 10 }),
      hinge(`${name}_hip_z`, [0, 0, -s], [-60, 35], { armature: 0.01, damping: 5, pos: [0, 0, 0], stiffness: 10 }),
      hinge(`${name}_hip_y`, [0, 1, 0], [-110, 20], { armature: left ? 0.01 : 0.008, damping: 5, pos: [0, 0, 0], stiffness: 20 }),
    ],
    geoms: [{ name: `${name}_thigh1`, type: "capsule", fromto: [0, 0, 0, 0, 0.01 * -s, -0.34], size: [0.06] }],
    bodies: [
      {
        name: `${name}_shin`,
        pos: [0, 0.01 * -s, -0.403],
        joints: [hinge(`${name}_knee`, [0, -1, 0], [-160, -2], { armature: 0.006, pos: [0, 0, 0.02], ...(left ? { stiffness: 1 } : {}) })],
        geoms: [{ name: `${name}_shin1`, type: "capsule", fromto: [0, 0, 0, 0, 0, -0.3], size: [0.049] }],
        bodies: [{ name: `${name}_foot`, pos: [0, 0, -0.45], geoms: [{ name: `${name}_foot`, type: "sphere", pos: [0, 0, 0.1], size: [0.075], user: [0] }] }],
      },
    ],
  };
}

/** One arm (upper arm → lower arm with a hand); the left arm mirrors the right one in y (s = +1 left, −1 right). */
function arm(name: "right" | "left"): BodySpec {
  const s = name === "left" ? 1 : -1;
  return {
    name: `${name}_upper_arm`,
    pos: [0, 0.17 * s, 0.06],
    joints: [
      hinge(`${name}_shoulder1`, [2, -s, 1], s === 1 ? [-60, 85] : [-85, 60], { armature: 0.0068, pos: [0, 0, 0], stiffness: 1 }),
      hinge(`${name}_shoulder2`, [0, s, 1], s === 1 ? [-60, 85] : [-85, 60], { armature: 0.0051, pos: [0, 0, 0], stiffness: 1 }),
    ],
    geoms: [{ name: `${name}_uarm1`, type: "capsule", fromto: [0, 0, 0, 0.16, 0.16 * s, -0.16], size: [0.04, 0.16] }],
    bodies: [
      {
        name: `${name}_lower_arm`,
        pos: [0.18, 0.18 * s, -0.18],
        joints: [hinge(`${name}_elbow`, [0, -1, -s], [-90, 50], { armature: 0.0028, pos: [0, 0, 0], stiffness: 0 })],
        geoms: [
          { name: `${name}_larm`, type: "capsule", fromto: [0.01, -0.01 * s, 0.01, 0.17, -0.17 * s, 0.17], size: [0.031] },
          { name: `${name}_hand`, type: "sphere", pos: [0.18, -0.18 * s, 0.18], size: [0.04] },
        ],
      },
    ],
  };
}

/**
 * The Humanoid model (angles in degrees): free torso, abdomen, two legs and two arms (nq 24, nv 23), two fixed
 * hip–knee tendons, 17 motors, RK4 at 0.003 s with the PGS solver at 50 iterations.
 */
export function humanoidModel(): MjcfModel {
  const abdomen = { armature: 0.02, damping: 5 } as const;
  return {
    name: "humanoid",
    compiler: { angle: "degree", inertiafromgeom: true },
    option: { integrator: "RK4", iterations: 50, solver: "PGS", timestep: 0.003 },
    size: { memory: ARENA_MEMORY, nkey: 5, nuser_geom: 1 },
    defaults: {
      joint: { armature: 1, damping: 1, limited: true },
      geom: { conaffinity: 1, condim: 1, contype: 1, margin: 0.001 },
      motor: { ctrllimited: true, ctrlrange: [-0.4, 0.4] },
    },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", condim: 3, friction: [1, 0.1, 0.1], pos: [0, 0, 0], size: [20, 20, 0.125] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1.4],
          joints: [{ name: "root", type: "free", armature: 0, damping: 0, limited: false, pos: [0, 0, 0], stiffness: 0 }],
          geoms: [
            { name: "torso1", type: "capsule", fromto: [0, -0.07, 0, 0, 0.07, 0], size: [0.07] },
            { name: "head", type: "sphere", pos: [0, 0, 0.19], size: [0.09], user: [258] },
            { name: "uwaist", type: "capsule", fromto: [-0.01, -0.06, -0.12, -0.01, 0.06, -0.12], size: [0.06] },
          ],
          bodies: [
            {
              name: "lwaist",
              pos: [-0.01, 0, -0.26],
              quat: [1, 0, -0.002, 0],
              joints: [
                hinge("abdomen_z", [0, 0, 1], [-45, 45], { ...abdomen, pos: [0, 0, 0.065], stiffness: 20 }),
                hinge("abdomen_y", [0, 1, 0], [-75, 30], { ...abdomen, pos: [0, 0, 0.065], stiffness: 10 }),
              ],
              geoms: [{ name: "lwaist", type: "capsule", fromto: [0, -0.06, 0, 0, 0.06, 0], size: [0.06] }],
              bodies: [
                {
                  name: "pelvis",
                  pos: [0, 0, -0.165],
                  quat: [1, 0, -0.002, 0],
                  joints: [hinge("abdomen_x", [1, 0, 0], [-35, 35], { ...abdomen, pos: [0, 0, 0.1], stiffness: 10 })],
                  geoms: [{ name: "butt", type: "capsule", fromto: [-0.02, -0.07, 0, -0.02, 0.07, 0], size: [0.09] }],
                  bodies: [leg("right"), leg("left")],
                },
              ],
            },
            arm("right"),
            arm("left"),
          ],
        },
      ],
    },
    tendons: (["left", "right"] as const).map((side) => ({
      name: `${side}_hipknee`,
      joints: [
        { joint: `${side}_hip_y`, coef: -1 },
        { joint: `${side}_knee`, coef: 1 },
      ],
    })),
    actuators: (
      [
        ["abdomen_y", 100], ["abdomen_z", 100], ["abdomen_x", 100],
        ["right_hip_x", 100], ["right_hip_z", 100], ["right_hip_y", 300], ["right_knee", 200],
        ["left_hip_x", 100], ["left_hip_z", 100], ["left_hip_y", 300], ["left_knee", 200],
        ["right_shoulder1", 25], ["right_shoulder2", 25], ["right_elbow", 25],
        ["left_shoulder1", 25], ["left_shoulder2", 25], ["left_elbow", 25],
      ] as const
    ).map(([joint, gear]) => ({ name: joint, joint, gear })),
  };
}
