// @drift/algos: the algorithm taxonomy, the agent contract, shared critic pieces and the standard training loops.
export type { Family, Reference, PolicyClass, Regime, Suite, Taxonomy, ConfigValue, AlgorithmConfig, Algorithm } from "./taxonomy.ts";
export { registerAlgorithm, getAlgorithm, listAlgorithms, taxonomyTable } from "./taxonomy.ts";
export type { Agent, Batch, Metrics, SampleOptions } from "./agent.ts";
export { qEnsemble, reduceEnsemble, categoricalValue, toActionBox, fromActionBox } from "./common/critics.ts";
export type { QEnsemble, QEnsembleOptions, EnsembleReduction } from "./common/critics.ts";
export { makeTrain } from "./train/off-policy.ts";
export type { OffPolicyOptions, Progress, TrainCallbacks, TrainResult } from "./train/off-policy.ts";
export { OFF_POLICY_DEFAULTS } from "./train/loop-config.ts";
export type { LoopConfig } from "./train/loop-config.ts";
export * as sacFamily from "./sac/index.ts";
import { registerAlgorithm } from "./taxonomy.ts";
import { sac } from "./sac/train.ts";
registerAlgorithm(sac);
