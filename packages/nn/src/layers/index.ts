// The `layers` namespace: module factories `{init, apply}` over parameter pytrees, and the activation functions.
export * as activations from "./activations.ts";
export type { Activation, ActivationName } from "./activations.ts";
export type { InitOptions, Module, NoParams } from "./module.ts";
export { linear } from "./linear.ts";
export type { LinearConfig, LinearParams } from "./linear.ts";
export { layerNorm, groupNorm } from "./norm.ts";
export type { LayerNormConfig, GroupNormConfig, NormParams } from "./norm.ts";
export { mlp, residualMlp } from "./mlp.ts";
export type { MlpConfig, MlpParams, ResidualMlpConfig, ResidualMlpParams, ResidualBlockParams } from "./mlp.ts";
export { simba } from "./simba.ts";
export type { SimbaConfig, SimbaParams, SimbaBlockParams } from "./simba.ts";
export { sinusoidalEmbedding, learnableFourier, damdpTimeEmbedding, randomFourierFeatures } from "./embeddings.ts";
export type {
  SinusoidalOptions,
  LearnableFourierOptions,
  LearnableFourierParams,
  DamdpTimeEmbeddingOptions,
  DamdpTimeEmbeddingParams,
  RandomFourierFeaturesConfig,
  RandomFourierFeaturesParams,
} from "./embeddings.ts";
export { ensemble } from "./ensemble.ts";
export type { Ensemble } from "./ensemble.ts";
export { conv1d } from "./conv.ts";
export type { Conv1dConfig, Conv1dParams, Padding } from "./conv.ts";
export { dropout } from "./dropout.ts";
export type { DropoutOptions } from "./dropout.ts";
