// DMC humanoid (dm_control's humanoid.xml, after Tassa, Erez and Todorov 2012): 21 hinges, touch and force/torque sites.
import type { BodySpec, GeomSpec, JointSpec, MjcfModel, SiteSpec, Vec2, Vec3 } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** dm_control's "body" class: frictional capsules with condim 1 and soft contacts. */
const GEOM = { type: "capsule", condim: 1, friction: [0.7], solimp: [0.9, 0.99, 0.003], solref: [0.015, 1] } as const satisfies Omit<GeomSpec, "name">;
type Segment = readonly [number, number, number, number, number, number];
const capsule = (name: string, fromto: Segment, size: readonly number[]): GeomSpec => ({ name, ...GEOM, fromto, size });
const sphere = (name: string, radius: number): GeomSpec => ({ name, ...GEOM, type: "sphere", size: [radius] });

/** The class's hinge (damping 0.2, stiffness 1) and its "big_joint" (damping 5, stiffness 10) / "big_stiff_joint" (stiffness 20) variants. */
type JointClass = "body" | "big" | "big_stiff";
function hinge(name: string, axis: Vec3, range: Vec2, cls: JointClass, extra: Omit<JointSpec, "name" | "axis" | "range"> = {}): JointSpec {
  const passive = cls === "body" ? { damping: 0.2, stiffness: 1 } : { damping: 5, stiffness: cls === "big" ? 10 : 20 };
  return { name, type: "hinge", ...passive, armature: 0.01, limited: true, solimplimit: [0, 0.99, 0.01], axis, range, ...extra };
}

/** Sites in group 3: "force-torque" boxes (0.01 × 0.01 × 0.02) and "touch" capsules (or the given type). */
const forceTorque = (name: string, pos?: Vec3): SiteSpec => ({ name, type: "box", size: [0.01, 0.01, 0.02], group: 3, ...(pos ? { pos } : {}) });
const touch = (name: string, s: Omit<SiteSpec, "name" | "group">): SiteSpec => ({ name, type: "capsule", group: 3, ...s });

/** One leg; `s` mirrors y (−1 right, +1 left). The left hip_y range (−120°) differs from the right (−110°). */
function leg(side: "right" | "left"): BodySpec {
  const s = side === "left" ? 1 : -1;
  const other = side === "left" ? "right" : "left";
  const toes = [
    [`${side}_${side}_foot`, 0.02 * s, 0.04 * s, 0.03 * s],
    [`${other}_${side}_foot`, 0, -0.02 * s, -0.01 * s],
  ] as const;
  const footSites = [...toes]
    .sort((a, b) => a[3] - b[3])
    .map(([name, , , y]) => touch(name, { pos: [0.035, y, 0], size: [0.03, 0.11], zaxis: [21, y < 0 ? -2 : 2, 0] }));
  return {
    name: `${side}_thigh`,
    pos: [0, 0.1 * s, -0.04],
    joints: [
      hinge(`${side}_hip_x`, [s === 1 ? -1 : 1, 0, 0], [-25, 5], "big"),
      hinge(`${side}_hip_z`, [0, 0, s === 1 ? -1 : 1], [-60, 35], "big"),
      hinge(`${side}_hip_y`, [0, 1, 0], [side === "left" ? -120 : -110, 20], "big_stiff"),
    ],
    geoms: [capsule(`${side}_thigh`, [0, 0, 0, 0, -0.01 * s, -0.34], [0.06])],
    sites: [forceTorque(`${side}_hip`), touch(`${side}_thigh`, { pos: [0, -0.005 * s, -0.17], size: [0.061, 0.17], zaxis: [0, s, 34] })],
    bodies: [
      {
        name: `${side}_shin`,
        pos: [0, -0.01 * s, -0.403],
        joints: [hinge(`${side}_knee`, [0, -1, 0], [-160, 2], "body", { pos: [0, 0, 0.02] })],
        geoms: [capsule(`${side}_shin`, [0, 0, 0, 0, 0, -0.3], [0.049])],
        sites: [forceTorque(`${side}_knee`, [0, 0, 0.02]), touch(`${side}_shin`, { pos: [0, 0, -0.15], size: [0.05, 0.15] })],
        bodies: [
          {
            name: `${side}_foot`,
            pos: [0, 0, -0.39],
            joints: [
              hinge(`${side}_ankle_y`, [0, 1, 0], [-50, 50], "body", { pos: [0, 0, 0.08], stiffness: 6 }),
              hinge(`${side}_ankle_x`, [1, 0, 0.5], [-50, 50], "body", { pos: [0, 0, 0.04], stiffness: 3 }),
            ],
            geoms: toes.map(([name, y0, y1]) => capsule(name, [-0.07, y0, 0, 0.14, y1, 0], [0.027])),
            sites: [forceTorque(`${side}_ankle`), ...footSites],
          },
        ],
      },
    ],
  };
}

/** One arm (upper → lower → hand); `s` mirrors y (−1 right, +1 left). */
function arm(side: "right" | "left"): BodySpec {
  const s = side === "left" ? 1 : -1;
  const range: Vec2 = side === "left" ? [-60, 85] : [-85, 60];
  return {
    name: `${side}_upper_arm`,
    pos: [0, 0.17 * s, 0.06],
    joints: [hinge(`${side}_shoulder1`, [2, -s, 1], range, "body"), hinge(`${side}_shoulder2`, [0, s, 1], range, "body")],
    geoms: [capsule(`${side}_upper_arm`, [0, 0, 0, 0.16, 0.16 * s, -0.16], [0.04, 0.16])],
    sites: [touch(`${side}_upper_arm`, { pos: [0.08, 0.08 * s, -0.08], size: [0.041, 0.14], zaxis: [1, s, -1] })],
    bodies: [
      {
        name: `${side}_lower_arm`,
        pos: [0.18, 0.18 * s, -0.18],
        joints: [hinge(`${side}_elbow`, [0, -1, -s], [-90, 50], "body", { stiffness: 0 })],
        geoms: [capsule(`${side}_lower_arm`, [0.01, -0.01 * s, 0.01, 0.17, -0.17 * s, 0.17], [0.031])],
        sites: [touch(`${side}_lower_arm`, { pos: [0.09, -0.09 * s, 0.09], size: [0.032, 0.14], zaxis: [1, -s, 1] })],
        bodies: [
          {
            name: `${side}_hand`,
            pos: [0.18, -0.18 * s, 0.18],
            geoms: [sphere(`${side}_hand`, 0.04)],
            sites: [touch(`${side}_hand`, { type: "sphere", size: [0.041] })],
          },
        ],
      },
    ],
  };
}

/** Actuated joints and gears, in ctrl order. */
const MOTORS = [
  ["abdomen_y", 40], ["abdomen_z", 40], ["abdomen_x", 40],
  ["right_hip_x", 40], ["right_hip_z", 40], ["right_hip_y", 120], ["right_knee", 80], ["right_ankle_x", 20], ["right_ankle_y", 20],
  ["left_hip_x", 40], ["left_hip_z", 40], ["left_hip_y", 120], ["left_knee", 80], ["left_ankle_x", 20], ["left_ankle_y", 20],
  ["right_shoulder1", 20], ["right_shoulder2", 20], ["right_elbow", 40],
  ["left_shoulder1", 20], ["left_shoulder2", 20], ["left_elbow", 40],
] as const;

/** Touch sensors' sites, in sensordata order. */
const TOUCH = [
  "torso", "head", "lower_waist", "butt", "right_thigh", "right_shin", "right_right_foot", "left_right_foot",
  "left_thigh", "left_shin", "right_left_foot", "left_left_foot", "right_upper_arm", "right_lower_arm", "right_hand",
  "left_upper_arm", "left_lower_arm", "left_hand",
] as const;

/**
 * The DMC humanoid: a free torso (nq 28, nv 27), 21 motors (ctrl ±1), subtree velocity, IMU, 6 force and 6 torque
 * sensors and 18 touch sensors; Euler at 0.005 s.
 */
export function humanoidModel(): MjcfModel {
  const joints6 = ["ankle", "knee", "hip"].flatMap((j) => ["left", "right"].map((side) => `${side}_${j}`));
  return {
    name: "humanoid",
    option: { timestep: 0.005 },
    size: { memory: ARENA_MEMORY },
    statistic: { extent: 2, center: [0, 0, 1] },
    defaults: { motor: { ctrlrange: [-1, 1], ctrllimited: true } },
    worldbody: {
      geoms: [{ name: "floor", type: "plane", conaffinity: 1, size: [100, 100, 0.2] }],
      bodies: [
        {
          name: "torso",
          pos: [0, 0, 1.5],
          joints: [{ name: "root", type: "free" }],
          geoms: [capsule("torso", [0, -0.07, 0, 0, 0.07, 0], [0.07]), capsule("upper_waist", [-0.01, -0.06, -0.12, -0.01, 0.06, -0.12], [0.06])],
          sites: [forceTorque("root"), touch("torso", { type: "box", pos: [0, 0, -0.05], size: [0.075, 0.14, 0.13] })],
          bodies: [
            { name: "head", pos: [0, 0, 0.19], geoms: [sphere("head", 0.09)], sites: [touch("head", { type: "sphere", size: [0.091] })] },
            {
              name: "lower_waist",
              pos: [-0.01, 0, -0.26],
              quat: [1, 0, -0.002, 0],
              geoms: [capsule("lower_waist", [0, -0.06, 0, 0, 0.06, 0], [0.06])],
              sites: [touch("lower_waist", { size: [0.061, 0.06], zaxis: [0, 1, 0] })],
              joints: [
                hinge("abdomen_z", [0, 0, 1], [-45, 45], "big_stiff", { pos: [0, 0, 0.065] }),
                hinge("abdomen_y", [0, 1, 0], [-75, 30], "big", { pos: [0, 0, 0.065] }),
              ],
              bodies: [
                {
                  name: "pelvis",
                  pos: [0, 0, -0.165],
                  quat: [1, 0, -0.002, 0],
                  joints: [hinge("abdomen_x", [1, 0, 0], [-35, 35], "big", { pos: [0, 0, 0.1] })],
                  geoms: [capsule("butt", [-0.02, -0.07, 0, -0.02, 0.07, 0], [0.09])],
                  sites: [touch("butt", { size: [0.091, 0.07], pos: [-0.02, 0, 0], zaxis: [0, 1, 0] })],
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
    actuators: MOTORS.map(([joint, gear]) => ({ name: joint, gear, joint })),
    sensors: [
      { type: "subtreelinvel", name: "torso_subtreelinvel", body: "torso" },
      { type: "accelerometer", name: "torso_accel", site: "root" },
      { type: "velocimeter", name: "torso_vel", site: "root" },
      { type: "gyro", name: "torso_gyro", site: "root" },
      ...joints6.map((j) => ({ type: "force", name: `${j}_force`, site: j }) as const),
      ...joints6.map((j) => ({ type: "torque", name: `${j}_torque`, site: j }) as const),
      ...TOUCH.map((site) => ({ type: "touch", name: `${site}_touch`, site }) as const),
    ],
  };
}
