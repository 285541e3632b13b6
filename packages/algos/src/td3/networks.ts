// TD3 networks: a tanh deterministic actor and twin Q critics (Fujimoto et al. 2018, arXiv 1802.09477).
import { deterministicHead, type PolicyHead } from "@drift/policies";
import type { layers } from "@drift/nn";
import { type QEnsemble, qEnsemble } from "../common/critics.ts";

/** Network sizes read from the config. */
export interface Td3NetworkConfig {
  hidden: readonly number[];
  activation: string;
  numCritics: number;
}

/** The deterministic actor a = tanh(MLP(s)) in [−1, 1] and the critic ensemble for given observation/action sizes. */
export function td3Networks(obsDim: number, actDim: number, c: Td3NetworkConfig): { actor: PolicyHead<layers.MlpParams>; critic: QEnsemble } {
  const actor = deterministicHead({ obsDim, actDim, hidden: c.hidden, activation: c.activation as layers.Activation });
  const critic = qEnsemble({ obsDim, actDim, hidden: c.hidden, size: c.numCritics, activation: c.activation });
  return { actor, critic };
}
