// SAC networks: a tanh-Gaussian actor and twin Q critics (Haarnoja et al. 2018, arXiv 1812.05905).
import { tanhGaussianHead } from "@drift/policies";
import { type QEnsemble, qEnsemble } from "../common/critics.ts";

/** Network sizes read from the config. */
export interface SacNetworkConfig {
  hidden: readonly number[];
  activation: string;
  numCritics: number;
}

/** The actor head and the critic ensemble for given observation/action sizes. */
export function sacNetworks(obsDim: number, actDim: number, c: SacNetworkConfig) {
  const actor = tanhGaussianHead({ obsDim, actDim, hidden: c.hidden, activation: c.activation as any, logStdMin: -5, logStdMax: 2 });
  const critic: QEnsemble = qEnsemble({ obsDim, actDim, hidden: c.hidden, size: c.numCritics, activation: c.activation });
  return { actor, critic };
}
