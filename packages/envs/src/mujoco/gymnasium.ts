// Gymnasium 1.4 MuJoCo locomotion envs (HalfCheetah, Hopper, Walker2d, Ant, Humanoid; v4 and v5 semantics) as pure envs.
import { type LocomotionParams, type LocomotionTask, type MujocoEnv, type RewardTerms, type TaskContext, clippedSumOfSquares, makeLocomotionEnv, sumOfSquares } from "./locomotion.ts";
import { antModel } from "./models/ant.ts";
import { halfCheetahModel } from "./models/halfCheetah.ts";
import { hopperModel } from "./models/hopper.ts";
import { humanoidModel } from "./models/humanoid.ts";
import { walker2dModel } from "./models/walker2d.ts";

/** Gymnasium semantics version. v5 pays the healthy reward only while healthy; v4 pays it also on the terminating step. */
export type GymVersion = "v4" | "v5";

/** An open or closed interval as [low, high]. */
export type Range = readonly [number, number];

/** Parameters of envs with a healthy reward and early termination. */
export interface HealthyParams {
  /** Reward per step while healthy (v4: also on the terminating step). */
  healthyReward: number;
  /** End the episode when unhealthy. */
  terminateWhenUnhealthy: boolean;
  /** Healthy range of the torso height. */
  healthyZRange: Range;
}

/** HalfCheetah parameters (Gymnasium HalfCheetah-v4/v5 arguments). */
export type HalfCheetahParams = LocomotionParams;

/** Hopper parameters (Gymnasium Hopper-v4/v5 arguments). */
export interface HopperParams extends LocomotionParams, HealthyParams {
  /** Open range every element of [qpos[2:], qvel] must lie in. */
  healthyStateRange: Range;
  /** Open range of the torso pitch qpos[2]. */
  healthyAngleRange: Range;
}

/** Walker2d parameters (Gymnasium Walker2d-v4/v5 arguments). */
export interface Walker2dParams extends LocomotionParams, HealthyParams {
  /** Open range of the torso pitch qpos[2]. */
  healthyAngleRange: Range;
}

/** Ant parameters (Gymnasium Ant-v4/v5 arguments; v4 has no forward weight, so keep it 1 there). */
export interface AntParams extends LocomotionParams, HealthyParams {
  /** Weight of Σ clip(cfrc_ext)². */
  contactCostWeight: number;
  /** Clip range of each cfrc_ext element. */
  contactForceRange: Range;
  /** v5: append clip(cfrc_ext[1:]) to the observation and always pay the contact cost. v4 (`use_contact_forces`):
   * append clip(cfrc_ext) of every body and pay the contact cost only when true. */
  useContactForces: boolean;
}

/** Humanoid parameters (Gymnasium Humanoid-v4/v5 arguments). */
export interface HumanoidParams extends LocomotionParams, HealthyParams {
  /** v5 only: weight of Σ cfrc_ext². */
  contactCostWeight: number;
  /** v5 only: clip range of the contact cost. */
  contactCostRange: Range;
  /** v5 only: include cinert[1:]. */
  includeCinertInObservation: boolean;
  /** v5 only: include cvel[1:]. */
  includeCvelInObservation: boolean;
  /** v5 only: include qfrc_actuator[6:]. */
  includeQfrcActuatorInObservation: boolean;
  /** v5 only: include cfrc_ext[1:]. */
  includeCfrcExtInObservation: boolean;
}

const common = { excludeCurrentPositionsFromObservation: true } as const;

/** v4 pays the healthy reward while healthy or whenever terminateWhenUnhealthy (so also on the terminal step); v5 only while healthy. */
/**
 * Reward terms of a robot with a healthy reward: w_f·vx forward, the healthy reward (v4 pays it also on the terminating
 * step), w_c·Σa² control cost, the given contact cost, and termination when unhealthy (if enabled).
 */
function healthyTerms(version: GymVersion, p: HealthyParams & LocomotionParams, vx: number, action: Float64Array, healthy: boolean, contact = 0): RewardTerms {
  return {
    forward: p.forwardRewardWeight * vx,
    survive: (version === "v4" ? healthy || p.terminateWhenUnhealthy : healthy) ? p.healthyReward : 0,
    ctrl: p.ctrlCostWeight * sumOfSquares(action),
    contact,
    terminated: !healthy && p.terminateWhenUnhealthy,
  };
}

const within = (x: number, [lo, hi]: Range): boolean => lo < x && x < hi;

/** Writes qpos[skip:], then qvel (clipped to ±clip when given) into `out` from index 0; returns the next index. */
function writeQposQvel(ctx: TaskContext, skip: number, out: Float64Array, clip?: number): number {
  const { qpos, qvel } = ctx.sim;
  let k = 0;
  for (let i = skip; i < qpos.length; i++) out[k++] = qpos[i]!;
  for (let i = 0; i < qvel.length; i++) out[k++] = clip === undefined ? qvel[i]! : Math.min(Math.max(qvel[i]!, -clip), clip);
  return k;
}

const rootX = (ctx: TaskContext, out: Float64Array): void => {
  out[0] = ctx.sim.qpos[0]!;
};

/** Planar robots: forward velocity from the root slide qpos[0]; the observation drops it by default. */
function planarTask<P extends LocomotionParams>(
  base: Pick<LocomotionTask<P>, "id" | "modelName" | "model" | "defaultParams" | "qvelNoise" | "rewardTerms">,
  velocityClip: number | undefined,
): LocomotionTask<P> {
  return {
    ...base,
    positionSize: 1,
    position: rootX,
    usesContactForces: () => false,
    obsSize: (p, m) => m.nq - (p.excludeCurrentPositionsFromObservation ? 1 : 0) + m.nv,
    observe: (p, ctx, out) => void writeQposQvel(ctx, p.excludeCurrentPositionsFromObservation ? 1 : 0, out, velocityClip),
    infoPosition: (_ctx, pos) => [pos[0]!, 0],
  };
}

/** HalfCheetah (Wawrzyński 2009): r = w_f·ẋ − w_c·Σa², never terminates. v4 and v5 are numerically identical. */
export function halfCheetah(version: GymVersion): MujocoEnv<HalfCheetahParams> {
  return makeLocomotionEnv(
    planarTask<HalfCheetahParams>(
      {
        id: `HalfCheetah-${version}`,
        modelName: "half_cheetah",
        model: halfCheetahModel,
        defaultParams: { ...common, frameSkip: 5, forwardRewardWeight: 1, ctrlCostWeight: 0.1, resetNoiseScale: 0.1 },
        qvelNoise: "normal",
        rewardTerms: (p, _ctx, a, [vx]) => ({
          forward: p.forwardRewardWeight * vx,
          survive: 0,
          ctrl: p.ctrlCostWeight * sumOfSquares(a),
          contact: 0,
          terminated: false,
        }),
      },
      undefined,
    ),
  );
}

/**
 * Hopper (Erez et al. 2011): r = w_f·ẋ + healthy − w_c·Σa²; healthy iff every element of [qpos[2:], qvel] is in
 * healthyStateRange, z = qpos[1] in healthyZRange and the pitch qpos[2] in healthyAngleRange (all open).
 */
export function hopper(version: GymVersion): MujocoEnv<HopperParams> {
  return makeLocomotionEnv(
    planarTask<HopperParams>(
      {
        id: `Hopper-${version}`,
        modelName: "hopper",
        model: hopperModel,
        defaultParams: {
          ...common,
          frameSkip: 4,
          forwardRewardWeight: 1,
          ctrlCostWeight: 1e-3,
          healthyReward: 1,
          terminateWhenUnhealthy: true,
          healthyStateRange: [-100, 100],
          healthyZRange: [0.7, Infinity],
          healthyAngleRange: [-0.2, 0.2],
          resetNoiseScale: 5e-3,
        },
        qvelNoise: "uniform",
        rewardTerms: (p, { sim }, a, [vx]) => {
          let healthy = within(sim.qpos[1]!, p.healthyZRange) && within(sim.qpos[2]!, p.healthyAngleRange);
          for (let i = 2; i < sim.qpos.length; i++) healthy &&= within(sim.qpos[i]!, p.healthyStateRange);
          for (let i = 0; i < sim.qvel.length; i++) healthy &&= within(sim.qvel[i]!, p.healthyStateRange);
          return healthyTerms(version, p, vx, a, healthy);
        },
      },
      10,
    ),
  );
}

/**
 * Walker2d (Erez et al. 2011): r = w_f·ẋ + healthy − w_c·Σa²; healthy iff z = qpos[1] in healthyZRange and the pitch
 * qpos[2] in healthyAngleRange (open). v4 uses feet frictions 0.9/1.9, v5 1.9/1.9.
 */
export function walker2d(version: GymVersion): MujocoEnv<Walker2dParams> {
  return makeLocomotionEnv(
    planarTask<Walker2dParams>(
      {
        id: `Walker2d-${version}`,
        modelName: `walker2d_${version}`,
        model: () => walker2dModel(version),
        defaultParams: {
          ...common,
          frameSkip: 4,
          forwardRewardWeight: 1,
          ctrlCostWeight: 1e-3,
          healthyReward: 1,
          terminateWhenUnhealthy: true,
          healthyZRange: [0.8, 2],
          healthyAngleRange: [-1, 1],
          resetNoiseScale: 5e-3,
        },
        qvelNoise: "uniform",
        rewardTerms: (p, { sim }, a, [vx]) => {
          const healthy = within(sim.qpos[1]!, p.healthyZRange) && within(sim.qpos[2]!, p.healthyAngleRange);
          return healthyTerms(version, p, vx, a, healthy);
        },
      },
      10,
    ),
  );
}

/** Writes the (x, y) frame position of body 1 (the torso). */
const torsoXY = (ctx: TaskContext, out: Float64Array): void => {
  out[0] = ctx.sim.xpos[3]!;
  out[1] = ctx.sim.xpos[4]!;
};

/**
 * Ant (Schulman et al. 2016): r = w_f·ẋ + healthy − w_c·Σa² − w_contact·Σclip(cfrc_ext)², with ẋ from the torso
 * frame position; healthy iff qpos and qvel are finite and 0.2 ≤ z ≤ 1.0 (closed). v5 always pays the contact cost
 * and observes clip(cfrc_ext[1:]); v4 does both (over all bodies) only with `useContactForces`.
 */
export function ant(version: GymVersion): MujocoEnv<AntParams> {
  const contactBodies = (m: { nbody: number }) => (version === "v5" ? m.nbody - 1 : m.nbody);
  return makeLocomotionEnv<AntParams>({
    id: `Ant-${version}`,
    modelName: "ant",
    model: antModel,
    defaultParams: {
      ...common,
      frameSkip: 5,
      forwardRewardWeight: 1,
      ctrlCostWeight: 0.5,
      contactCostWeight: 5e-4,
      healthyReward: 1,
      terminateWhenUnhealthy: true,
      healthyZRange: [0.2, 1],
      contactForceRange: [-1, 1],
      resetNoiseScale: 0.1,
      useContactForces: version === "v5",
    },
    positionSize: 2,
    position: torsoXY,
    usesContactForces: (p) => version === "v5" || p.useContactForces,
    qvelNoise: "normal",
    obsSize: (p, m) => m.nq - (p.excludeCurrentPositionsFromObservation ? 2 : 0) + m.nv + (p.useContactForces ? 6 * contactBodies(m) : 0),
    observe: (p, ctx, out) => {
      let k = writeQposQvel(ctx, p.excludeCurrentPositionsFromObservation ? 2 : 0, out);
      if (!p.useContactForces) return;
      const [lo, hi] = p.contactForceRange;
      const f = ctx.sim.cfrc_ext;
      for (let i = 6 * (ctx.model.nbody - contactBodies(ctx.model)); i < f.length; i++) out[k++] = Math.min(Math.max(f[i]!, lo), hi);
    },
    rewardTerms: (p, { sim }, a, [vx]) => {
      let finite = true;
      for (let i = 0; i < sim.qpos.length; i++) finite &&= Number.isFinite(sim.qpos[i]);
      for (let i = 0; i < sim.qvel.length; i++) finite &&= Number.isFinite(sim.qvel[i]);
      const z = sim.qpos[2]!;
      const healthy = finite && p.healthyZRange[0] <= z && z <= p.healthyZRange[1];
      const [lo, hi] = p.contactForceRange;
      return healthyTerms(version, p, vx, a, healthy, version === "v5" || p.useContactForces ? p.contactCostWeight * clippedSumOfSquares(sim.cfrc_ext, lo, hi) : 0);
    },
    infoPosition: (ctx, pos) => (version === "v5" ? [ctx.sim.qpos[0]!, ctx.sim.qpos[1]!] : [pos[0]!, pos[1]!]),
  });
}

/** Writes the (x, y) of the mass-weighted mean of the body centres of mass (xipos). */
const massCenterXY = (ctx: TaskContext, out: Float64Array): void => {
  const m = ctx.model.bodyMass;
  const x = ctx.sim.xipos;
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let b = 0; b < m.length; b++) {
    sx += m[b]! * x[3 * b]!;
    sy += m[b]! * x[3 * b + 1]!;
    total += m[b]!;
  }
  out[0] = sx / total;
  out[1] = sy / total;
};

/**
 * Humanoid (Tassa et al. 2012): r = 1.25·ẋ_com + healthy − w_c·Σctrl² − min(w_contact·Σcfrc_ext², 10), ẋ_com from
 * the mass-weighted body centres; healthy iff 1 < qpos[2] < 2. v4 has no contact cost and observes cinert, cvel,
 * qfrc_actuator and cfrc_ext of every body/dof (376); v5 drops the world body and the root dofs (348).
 */
export function humanoid(version: GymVersion): MujocoEnv<HumanoidParams> {
  const v5 = version === "v5";
  const parts = (p: HumanoidParams, nbody: number, nv: number) => {
    const bodies = v5 ? nbody - 1 : nbody;
    return {
      cinert: !v5 || p.includeCinertInObservation ? 10 * bodies : 0,
      cvel: !v5 || p.includeCvelInObservation ? 6 * bodies : 0,
      qfrc: !v5 || p.includeQfrcActuatorInObservation ? (v5 ? nv - 6 : nv) : 0,
      cfrc: !v5 || p.includeCfrcExtInObservation ? 6 * bodies : 0,
    };
  };
  return makeLocomotionEnv<HumanoidParams>({
    id: `Humanoid-${version}`,
    modelName: "humanoid",
    model: humanoidModel,
    defaultParams: {
      ...common,
      frameSkip: 5,
      forwardRewardWeight: 1.25,
      ctrlCostWeight: 0.1,
      contactCostWeight: 5e-7,
      contactCostRange: [-Infinity, 10],
      healthyReward: 5,
      terminateWhenUnhealthy: true,
      healthyZRange: [1, 2],
      resetNoiseScale: 1e-2,
      includeCinertInObservation: true,
      includeCvelInObservation: true,
      includeQfrcActuatorInObservation: true,
      includeCfrcExtInObservation: true,
    },
    positionSize: 2,
    position: massCenterXY,
    // v4 always observes cfrc_ext and v5 always pays the contact cost.
    usesContactForces: () => true,
    qvelNoise: "uniform",
    obsSize: (p, m) => {
      const s = parts(p, m.nbody, m.nv);
      return m.nq - (p.excludeCurrentPositionsFromObservation ? 2 : 0) + m.nv + s.cinert + s.cvel + s.qfrc + s.cfrc;
    },
    observe: (p, ctx, out) => {
      let k = writeQposQvel(ctx, p.excludeCurrentPositionsFromObservation ? 2 : 0, out);
      const s = parts(p, ctx.model.nbody, ctx.model.nv);
      const tail = (src: Float64Array, n: number) => {
        out.set(src.subarray(src.length - n), k);
        k += n;
      };
      tail(ctx.sim.cinert, s.cinert);
      tail(ctx.sim.cvel, s.cvel);
      tail(ctx.sim.qfrc_actuator, s.qfrc);
      tail(ctx.sim.cfrc_ext, s.cfrc);
    },
    rewardTerms: (p, { sim }, a, [vx]) => {
      const z = sim.qpos[2]!;
      const healthy = within(z, p.healthyZRange);
      const [lo, hi] = p.contactCostRange;
      return healthyTerms(version, p, vx, a, healthy, v5 ? Math.min(Math.max(p.contactCostWeight * sumOfSquares(sim.cfrc_ext), lo), hi) : 0);
    },
    infoPosition: (ctx, pos) => (v5 ? [ctx.sim.qpos[0]!, ctx.sim.qpos[1]!] : [pos[0]!, pos[1]!]),
  });
}
