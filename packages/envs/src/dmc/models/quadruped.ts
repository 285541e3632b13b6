// DMC quadruped (dm_control's quadruped.xml) as edited for walk/run: no walls, ball, target, terrain geom or rangefinders.
import type { BodySpec, GeneralActuatorSpec, GeomSpec, JointSpec, MjcfModel, SiteSpec, Vec3 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** dm_control's "body" class: collision capsules with condim 1 and density 500; stiff-damped limited hinges. */
const BODY_GEOM = { type: "capsule", size: [0.08], condim: 1, density: 500 } as const satisfies Omit<GeomSpec, "name">;
const BODY_JOINT = { type: "hinge", damping: 30, armature: 0.01, limited: true, solimplimit: [0, 0.99, 0.01] } as const satisfies Omit<JointSpec, "name">;

/** Legs in the published order: name suffix, hip position and yaw of the hip frame (degrees). */
const LEGS = [
  ["front_left", [0.2, 0.2, 0], 45],
  ["front_right", [0.2, -0.2, 0], -45],
  ["back_right", [-0.2, -0.2, 0], -135],
  ["back_left", [-0.2, 0.2, 0], 135],
] as const;

/** One leg: hip (yaw + pitch) → knee → ankle → toe, with the toe's force/torque site. */
function leg(side: string, pos: Vec3, yaw: number): BodySpec {
  return {
    name: `hip_${side}`,
    pos,
    euler: [0, 0, yaw],
    joints: [
      { name: `yaw_${side}`, ...BODY_JOINT, axis: [0, 0, 1], range: [-50, 50] },
      { name: `pitch_${side}`, ...BODY_JOINT, axis: [0, 1, 0], range: [-20, 60] },
    ],
    geoms: [{ name: `thigh_${side}`, ...BODY_GEOM, fromto: [0, 0, 0, 0.3, 0, 0.11] }],
    bodies: [
      {
        name: `knee_${side}`,
        pos: [0.3, 0, 0.11],
        joints: [{ name: `knee_${side}`, ...BODY_JOINT, axis: [0, 1, 0], range: [-60, 50] }],
        geoms: [{ name: `shin_${side}`, ...BODY_GEOM, size: [0.065], fromto: [0, 0, 0, 0.25, 0, -0.25] }],
        bodies: [
          {
            name: `ankle_${side}`,
            pos: [0.25, 0, -0.25],
            joints: [{ name: `ankle_${side}`, ...BODY_JOINT, axis: [0, 1, 0], range: [-45, 55] }],
            geoms: [{ name: `foot_${side}`, ...BODY_GEOM, size: [0.055], fromto: [0, 0, 0, 0, 0, -0.25] }],
            bodies: [
              {
                name: `toe_${side}`,
                pos: [0, 0, -0.3],
                geoms: [{ name: `toe_${side}`, ...BODY_GEOM, type: "sphere", size: [0.08], friction: [1.5] }],
                sites: [{ name: `toe_${side}`, type: "sphere", size: [0.084], group: 4 }],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The 20 rangefinder sites on the torso's snout (rows 0–3, columns 0–4), as published (their sensors are removed). */
function rangefinderSites(): SiteSpec[] {
  const rows = [
    [0.11, 0.34, 0.115, [-0.02, -0.01, 0, 0.01, 0.02]],
    [0.1, 0.36, 0.11, [-0.02, -0.02, 0, 0.01, 0.02]],
    [0.09, 0.38, 0.105, [-0.02, -0.01, 0, 0.01, 0.02]],
    [0.08, 0.4, 0.1, [-0.02, -0.01, 0, 0.01, 0.02]],
  ] as const;
  return rows.flatMap(([z0, x1, z1, ys], r) =>
    ys.map((y, c): SiteSpec => ({ name: `rf_${r}${c}`, type: "capsule", size: [0.005, 0.1], group: 4, fromto: [0.41, y, z0, x1, 0, z1] })),
  );
}

/**
 * The DMC quadruped for walk/run (dm_control `quadruped.make_model(floor_size)`): a free torso with 4 legs of 4
 * hinges (nq 23, nv 22), 12 fixed tendons (4 coupled by equality constraints), 12 `general` actuators with first-order
 * filter activations (na 12) acting on yaw joints and lift/extend tendons, IMU, velocimeter and toe force/torque
 * sensors; Euler at 0.005 s. `floorSize` is the floor's half-width: 10 m for walk, 100 m for run.
 */
export function quadrupedModel(floorSize: number): MjcfModel {
  const sides = LEGS.map(([side]) => side);
  const actuator = (name: string, target: { joint: string } | { tendon: string }, ctrlrange: readonly [number, number]): GeneralActuatorSpec => ({
    kind: "general",
    name,
    ...target,
    ctrllimited: true,
    ctrlrange,
    gainprm: [1000],
    biasprm: [0, -1000],
    biastype: "affine",
    dyntype: "filter",
    dynprm: [0.1],
  });
  return {
    name: "quadruped",
    option: { timestep: 0.005 },
    size: { memory: ARENA_MEMORY },
    defaults: { geom: { solimp: [0.9, 0.99, 0.003], solref: [0.01, 1] } },
    asset: { hfields: [{ name: "terrain", ncol: 201, nrow: 201, size: [30, 30, 5, 0.1] }] },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", size: [floorSize, floorSize, 0.5] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 0.57],
          joints: [{ name: "root", type: "free" }],
          geoms: [
            { name: "eye_r", ...BODY_GEOM, type: "cylinder", size: [0.05], fromto: [0.1, -0.07, 0.12, 0.31, -0.07, 0.08], mass: 0 },
            { name: "eye_l", ...BODY_GEOM, type: "cylinder", size: [0.05], fromto: [0.1, 0.07, 0.12, 0.31, 0.07, 0.08], mass: 0 },
            { name: "torso", ...BODY_GEOM, type: "ellipsoid", size: [0.3, 0.27, 0.2], density: 1000 },
          ],
          sites: [
            { name: "pupil_r", type: "sphere", size: [0.033], pos: [0.3, -0.07, 0.08], zaxis: [1, 0, 0] },
            { name: "pupil_l", type: "sphere", size: [0.033], pos: [0.3, 0.07, 0.08], zaxis: [1, 0, 0] },
            { name: "workspace", type: "sphere", size: [0.3, 0.3, 0.3], pos: [0.8, 0, -0.2], group: 3 },
            ...rangefinderSites(),
            { name: "torso_touch", type: "box", size: [0.26, 0.26, 0.26] },
            { name: "torso", size: [0.05] },
          ],
          bodies: LEGS.map(([side, pos, yaw]) => leg(side, pos, yaw)),
        },
      ],
    },
    tendons: [
      ...sides.map((s) => ({ name: `coupling_${s}`, joints: ["pitch", "knee", "ankle"].map((j) => ({ joint: `${j}_${s}`, coef: 0.333 })) })),
      ...sides.flatMap((s) => [
        { name: `extend_${s}`, joints: [{ joint: `pitch_${s}`, coef: 0.25 }, { joint: `knee_${s}`, coef: -0.5 }, { joint: `ankle_${s}`, coef: 0.25 }] },
        { name: `lift_${s}`, joints: [{ joint: `pitch_${s}`, coef: 0.5 }, { joint: `ankle_${s}`, coef: -0.5 }] },
      ]),
    ],
    equality: { tendons: sides.map((s) => ({ name: `coupling_${s}`, tendon1: `coupling_${s}`, solimp: [0.95, 0.99, 0.01], solref: [0.005, 0.5] })) },
    actuators: sides.flatMap((s) => [
      actuator(`yaw_${s}`, { joint: `yaw_${s}` }, [-1, 1]),
      actuator(`lift_${s}`, { tendon: `lift_${s}` }, [-1, 1.1]),
      actuator(`extend_${s}`, { tendon: `extend_${s}` }, [-0.8, 0.8]),
    ]),
    sensors: [
      { type: "accelerometer", name: "imu_accel", site: "torso" },
      { type: "gyro", name: "imu_gyro", site: "torso" },
      { type: "velocimeter", name: "velocimeter", site: "torso" },
      ...sides.map((s) => ({ type: "force", name: `force_toe_${s}`, site: `toe_${s}` }) as const),
      ...sides.map((s) => ({ type: "torque", name: `torque_toe_${s}`, site: `toe_${s}` }) as const),
      { type: "subtreecom", name: "center_of_mass", body: "torso" },
    ],
  };
}
