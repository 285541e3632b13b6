// The diffusion-augmented MDP (papers.md §1.2(d)): an env wrapper and the replay-buffer-level transition transform.
export { damdpEnv, splitDamdpObservation } from "./env.ts";
export type { DamdpEnvOptions, DamdpEnvState, DamdpObservation } from "./env.ts";
export { augmentBatch, damdpDiscount, denoisingStepIndices, denoisingStepWeights } from "./transitions.ts";
export type { AugmentedBatch, DamdpDiscounting } from "./transitions.ts";
