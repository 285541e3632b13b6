// MuJoCo environments of @drift/envs: runtime, MJCF builder, robot models and the Gymnasium locomotion envs with registry specs.
import { DriftError } from "@drift/tensor";
import type { EnvSpec } from "../registry.ts";
import { type GymVersion, ant, halfCheetah, hopper, humanoid, walker2d } from "./gymnasium.ts";
import type { LocomotionParams, MujocoEnv } from "./locomotion.ts";
import { initMujoco, mujocoReady } from "./runtime.ts";

export { initMujoco, mujocoReady, requireMujoco, compileModel, disposeMujocoModels, CompiledModel } from "./runtime.ts";
export type { MujocoModule, SimViews } from "./runtime.ts";
export { toMjcf } from "./mjcf.ts";
export type {
  MjcfModel, BodySpec, JointSpec, GeomSpec, SiteSpec, MotorSpec, GeneralActuatorSpec, ActuatorSpec, FixedTendonSpec, SpatialTendonSpec, TendonSpec,
  TendonEqualitySpec, SensorSpec, HfieldSpec, Vec2, Vec3, Quat,
} from "./mjcf.ts";
export { ARENA_MEMORY } from "./models/arena.ts";
export { halfCheetahModel } from "./models/halfCheetah.ts";
export { hopperModel } from "./models/hopper.ts";
export { walker2dModel } from "./models/walker2d.ts";
export { antModel } from "./models/ant.ts";
export { humanoidModel } from "./models/humanoid.ts";
export { makeLocomotionEnv, sumOfSquares, clippedSumOfSquares } from "./locomotion.ts";
export type { LocomotionParams, LocomotionTask, LocomotionInfo, MujocoEnv, MujocoState, RewardTerms, TaskContext } from "./locomotion.ts";
export { ant, halfCheetah, hopper, humanoid, walker2d } from "./gymnasium.ts";
export type { AntParams, GymVersion, HalfCheetahParams, HealthyParams, HopperParams, HumanoidParams, Range, Walker2dParams } from "./gymnasium.ts";

/** The five robots: constructor, one-line description and Gymnasium's reward threshold (where it defines one). */
const ROBOTS: { name: string; make: (v: GymVersion) => MujocoEnv<any>; description: string; rewardThreshold?: number }[] = [
  { name: "HalfCheetah", make: halfCheetah, description: "planar cheetah running forward", rewardThreshold: 4800 },
  { name: "Hopper", make: hopper, description: "one-legged planar hopper hopping forward", rewardThreshold: 3800 },
  { name: "Walker2d", make: walker2d, description: "planar biped walking forward" },
  { name: "Ant", make: ant, description: "quadruped walking forward", rewardThreshold: 6000 },
  { name: "Humanoid", make: humanoid, description: "3-D humanoid walking forward" },
];

/** Ids of the MuJoCo locomotion envs: HalfCheetah, Hopper, Walker2d, Ant and Humanoid, each "-v4" and "-v5". */
export const MUJOCO_ENV_IDS: readonly string[] = ROBOTS.flatMap(({ name }) => [`${name}-v4`, `${name}-v5`]);

/**
 * Registry specs of the MuJoCo locomotion envs (pass each to `register`): 1000-step time limit, Gymnasium's reward
 * thresholds, and `prepare = initMujoco` (so `await prepareEnv(id)` loads the wasm module). They take no
 * construction options; everything Gymnasium's constructors take is a param.
 */
export const mujocoEnvSpecs: readonly EnvSpec[] = ROBOTS.flatMap(({ name, make, description, rewardThreshold }) =>
  (["v4", "v5"] as const).map((v) => ({
    id: `${name}-${v}`,
    entryPoint: (kwargs: Record<string, unknown>) => {
      const extra = Object.keys(kwargs);
      if (extra.length) throw new DriftError("makeEnv", `unknown option "${extra[0]}": ${name}-${v} has no construction options (use params)`);
      return make(v);
    },
    maxEpisodeSteps: 1000,
    ...(rewardThreshold === undefined ? {} : { rewardThreshold }),
    description: `Gymnasium MuJoCo (${v} semantics, MuJoCo 3.3.8 wasm): ${description}`,
    prepare: async () => {
      await initMujoco();
    },
    isReady: mujocoReady,
  })),
);

/** Builds the bare env (no time limit) for a MuJoCo id such as "Hopper-v5"; a DriftError lists the valid ids. */
export function mujocoEnv(id: string): MujocoEnv<LocomotionParams> {
  const robot = ROBOTS.find((r) => id === `${r.name}-v4` || id === `${r.name}-v5`);
  if (!robot) throw new DriftError("mujocoEnv", `unknown MuJoCo env id ${JSON.stringify(id)}; valid ids: ${MUJOCO_ENV_IDS.join(", ")}`);
  return robot.make(id.endsWith("v4") ? "v4" : "v5");
}
