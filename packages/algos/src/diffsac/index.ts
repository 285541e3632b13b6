// DiffSAC: networks, per-denoising-step losses and the agent with its taxonomy entry.
export { diffsac, diffsacAgent, priorEntropy } from "./train.ts";
export type { DiffSacConfig, DiffSacState } from "./train.ts";
export { criticLoss, chainTargets, envStepTargets, actorLoss, alphaLoss, entropyEstimate } from "./losses.ts";
export type { AugmentedStates } from "./losses.ts";
export { diffsacNetworks } from "./networks.ts";
export type { DiffSacNetworkConfig, DenoisingKernel, AugmentedCritic } from "./networks.ts";
