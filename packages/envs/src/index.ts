// @drift/envs: pure functional RL environments (gymnax/Brax style), wrappers, a registry and Gymnasium-shaped adapters.
export type { Env, VectorEnv, ResetResult, StepResult, Info } from "./types.ts";
export { isVectorEnv } from "./types.ts";
export { Box, Discrete, MultiDiscrete, batchSpace } from "./spaces.ts";
export type { Space, Bound, SpaceValue } from "./spaces.ts";
export type { Scalar } from "./internal/util.ts";

export { pendulum } from "./classic/pendulum.ts";
export type { PendulumParams, PendulumState, ClassicOptions } from "./classic/pendulum.ts";
export { mountainCarContinuous } from "./classic/mountain-car-continuous.ts";
export type { MountainCarContinuousParams, MountainCarContinuousState } from "./classic/mountain-car-continuous.ts";
export { turningDoubleWell, turningMultiWell, doubleWellReward, multiWellReward, multiWellMinimaDeg } from "./multimodal/turning-wells.ts";
export type { TurningDoubleWellParams, TurningMultiWellParams, TurningState } from "./multimodal/turning-wells.ts";
export { TOY_2D_TASKS, toyEnergy, toyBandit, sampleToyDataset, sampleToyTransitions } from "./multimodal/toy2d.ts";
export type { Toy2dTask, ToyBanditParams, ToyTransitions } from "./multimodal/toy2d.ts";
export { multiGoal } from "./multimodal/multigoal.ts";
export type { MultiGoalParams, MultiGoalState } from "./multimodal/multigoal.ts";

export { timeLimit } from "./wrappers/time-limit.ts";
export type { TimeLimitState } from "./wrappers/time-limit.ts";
export { episodeStatistics } from "./wrappers/episode-statistics.ts";
export type { EpisodeStatisticsState } from "./wrappers/episode-statistics.ts";
export { autoReset } from "./wrappers/auto-reset.ts";
export type { AutoresetMode, AutoResetOptions, NextStepState } from "./wrappers/auto-reset.ts";
export { normalizeObservation, normalizeReward, runningMeanStd, updateRunningMeanStd } from "./wrappers/normalize.ts";
export type { RunningMeanStd, NormalizeOptions, NormalizeRewardOptions, NormalizeObservationState, NormalizeRewardState } from "./wrappers/normalize.ts";
export { clipAction, rescaleAction, actionRepeat } from "./wrappers/action.ts";
export { vectorEnv, treeIndex, treeStack } from "./wrappers/vector.ts";
export type { VectorEnvOptions } from "./wrappers/vector.ts";

export { checkAction, checkKey, validateEnv, checkEnv } from "./validation.ts";
export type { ActionLike, CheckEnvOptions } from "./validation.ts";
export { register, listEnvs, spec, makeEnv, prepareEnv } from "./registry.ts";
export type { EnvSpec, RegisterOptions, MakeEnvOptions } from "./registry.ts";
export { make, makeVec, GymEnv, GymVectorEnv } from "./gym.ts";
export type { MakeOptions, MakeVecOptions, ResetOptions, VecResetOptions } from "./gym.ts";

export {
  initMujoco, mujocoReady, mujocoEnv, mujocoEnvSpecs, MUJOCO_ENV_IDS, halfCheetah, hopper, walker2d, ant, humanoid, toMjcf,
} from "./mujoco/index.ts";
import { register } from "./registry.ts";
import { mujocoEnvSpecs } from "./mujoco/index.ts";
for (const s of mujocoEnvSpecs) register(s);
export {
  DMC_ENV_IDS, dmcEnv, dmcEnvSpecs, makeDmcEnv, tolerance, SIGMOIDS,
  acrobotSwingup, acrobotSwingupSparse, ballInCupCatch, cartpoleBalance, cartpoleBalanceSparse, cartpoleSwingup, cartpoleSwingupSparse,
  cheetahRun, fingerSpin, hopperHop, hopperStand, humanoidRun, humanoidStand, humanoidWalk, pendulumSwingup, quadrupedRun, quadrupedWalk,
  reacherEasy, reacherHard, walkerRun, walkerStand, walkerWalk,
} from "./dmc/index.ts";
export type { DmcEnv, DmcParams, DmcState, DmcTask, ObservationField, Sigmoid, ToleranceOptions } from "./dmc/index.ts";
import { dmcEnvSpecs } from "./dmc/index.ts";
for (const s of dmcEnvSpecs) register(s);
export * from "./workers/index.ts";
