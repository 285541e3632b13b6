// Critic pieces shared by algorithms: Q-ensembles (scalar or HL-Gauss categorical), target reductions, action scaling.
import { type Array, DriftError, np } from "@drift/tensor";
import { layers } from "@drift/nn";
import { hlGauss } from "@drift/rl";
import type { Box } from "@drift/envs";

/** Options of a Q-ensemble: an MLP on concat(obs, action) per member. */
export interface QEnsembleOptions {
  obsDim: number;
  actDim: number;
  /** Hidden widths, e.g. [256, 256]. */
  hidden: readonly number[];
  /** Number of members (2 for twin critics). */
  size: number;
  /** Hidden activation name (as `layers.mlp`). */
  activation?: string;
  /** LayerNorm after each hidden layer. */
  layerNorm?: boolean;
  /** Outputs per member: 1 for a scalar Q, the bin count for a categorical critic. */
  outputs?: number;
}

/** A Q-ensemble module: `apply(params, obs [B,o], act [B,a]) → [size, B]` (scalar) or `[size, B, outputs]`. */
export interface QEnsemble {
  size: number;
  init(key: Array, opts?: { dtype?: "float32" | "float64" }): any;
  apply(params: any, obs: Array, act: Array): Array;
}

/** An ensemble of MLP critics sharing inputs (vmapped over stacked parameters). */
export function qEnsemble(opts: QEnsembleOptions): QEnsemble {
  const outputs = opts.outputs ?? 1;
  const member = layers.mlp({
    inFeatures: opts.obsDim + opts.actDim,
    hidden: [...opts.hidden],
    outFeatures: outputs,
    activation: (opts.activation ?? "relu") as layers.ActivationName,
    layerNorm: opts.layerNorm ?? false,
  });
  const ens = layers.ensemble(member, opts.size);
  return {
    size: opts.size,
    init: (key, o) => ens.init(key, o),
    apply: (params, obs, act) => {
      const q = ens.apply(params, np.concatenate([obs, act], -1)) as Array;
      return outputs === 1 ? np.squeeze(q, -1) : q;
    },
  };
}

/** How an ensemble's member values become one target: the minimum (TD3/SAC), the mean, or a lower confidence bound. */
export type EnsembleReduction = "min" | "mean" | { lcb: number };

/** Reduces member values `q` [size, ...] along the ensemble axis. */
export function reduceEnsemble(q: Array, how: EnsembleReduction): Array {
  if (how === "min") return np.min(q, 0);
  if (how === "mean") return np.mean(q, 0);
  if (typeof how === "object" && typeof how.lcb === "number") return np.sub(np.mean(q, 0), np.mul(np.std(q, 0), how.lcb));
  throw new DriftError("reduceEnsemble", `reduction must be "min", "mean" or {lcb: κ}; got ${JSON.stringify(how)}`);
}

/** A categorical (HL-Gauss) critic head over `numBins` bins on [vmin, vmax] (Farebrother et al. 2024, σ = 0.75 bin). */
export function categoricalValue(vmin: number, vmax: number, numBins: number) {
  const t = hlGauss({ vmin, vmax, numBins });
  return {
    transform: t,
    /** Expected value of logits [..., numBins]. */
    value: (logits: Array): Array => t.fromLogits(logits),
    /** Cross-entropy against HL-Gauss targets of scalar values (stop-gradient on the target). */
    loss: (logits: Array, target: Array): Array => t.loss(logits, target),
  };
}

/** An action box as float32 arrays of shape [actDim] (kept in agent states; a `Box` also fits). */
export interface ActionBox {
  low: Array;
  high: Array;
}

/** Flattened observation and action sizes and the action box of a pair of Box spaces, for an agent's state. */
export function spaceInfo(obsSpace: Box, actSpace: Box): { obsDim: number; actDim: number; box: ActionBox } {
  const obsDim = obsSpace.shape.reduce((a, b) => a * b, 1);
  const actDim = actSpace.shape.reduce((a, b) => a * b, 1);
  const flat = (x: Array): Array => np.reshape(x, [actDim]).astype("float32");
  return { obsDim, actDim, box: { low: flat(actSpace.low), high: flat(actSpace.high) } };
}

/** Maps actions in [-1, 1] to the box [low, high]. */
export function toActionBox(u: Array, box: ActionBox): Array {
  return np.add(box.low, np.mul(np.add(u, 1), np.mul(np.sub(box.high, box.low), 0.5)));
}

/** Maps actions in the box [low, high] to [-1, 1]. */
export function fromActionBox(a: Array, box: ActionBox): Array {
  return np.sub(np.div(np.mul(np.sub(a, box.low), 2), np.sub(box.high, box.low)), 1);
}
