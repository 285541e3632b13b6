// DACER: networks, losses and the agent with its taxonomy entry.
export { dacer, dacerAgent } from "./train.ts";
export type { DacerConfig, DacerState } from "./train.ts";
export { criticLoss, actorLoss, alphaLoss, entropyEstimate, noisyActions, huber, DISTRIBUTIONAL } from "./losses.ts";
export { dacerNetworks, gaussianQEnsemble } from "./networks.ts";
export type { DacerNetworkConfig, GaussianQ, GaussianQEnsemble } from "./networks.ts";
