// optax-style optimizers for Drift: gradient transformations, their combinators, aliases, schedules and helpers.
export type { GradientTransformation, StateOf, EmptyState, Schedule, ScalarOrSchedule, ScheduleState } from "./base.ts";
export { chain, identity, masked, multiTransform } from "./combine.ts";
export type { Mask, MaskedState, MultiTransformState } from "./combine.ts";
export {
  scale,
  scaleBySchedule,
  scaleByLearningRate,
  scaleByAdam,
  scaleByRms,
  scaleByStddev,
  trace,
  addDecayedWeights,
  clip,
  clipByGlobalNorm,
  globalNorm,
} from "./transform.ts";
export type { ScaleByAdamOptions, ScaleByAdamState, ScaleByRmsOptions, ScaleByRmsState, ScaleByStddevState, TraceOptions, TraceState } from "./transform.ts";
export { sgd, adam, adamw, rmsprop } from "./alias.ts";
export type { SgdOptions, AdamWOptions, RmspropOptions, LearningRateState } from "./alias.ts";
export { constantSchedule, linearSchedule, cosineDecaySchedule, warmupCosineDecaySchedule, exponentialDecay } from "./schedule.ts";
export type { StepSchedule, ExponentialDecayOptions } from "./schedule.ts";
export { multiSteps } from "./wrappers.ts";
export type { MultiStepsState } from "./wrappers.ts";
export { applyUpdates, emaUpdate } from "./update.ts";
