// Inverted dropout with an explicit PRNG key and a `deterministic` switch, as Flax `nn.Dropout`.
import { DriftError, np, random, type Array } from "@drift/tensor";
import type { Module, NoParams } from "./module.ts";

/** Per-call options of `dropout().apply`. */
export interface DropoutOptions {
  /** Key of the random mask; required unless `deterministic`. */
  key?: Array;
  /** Return x unchanged (evaluation mode; default false). */
  deterministic?: boolean;
}

/**
 * Inverted dropout (Srivastava et al. 2014): each entry is zeroed with probability `rate` and the survivors are
 * scaled by 1/(1 − rate), so the expectation is unchanged; `deterministic` (or rate 0) returns x. Rate 1 gives
 * zeros, as Flax.
 */
export function dropout(rate: number): Module<NoParams, [x: Array, opts?: DropoutOptions]> {
  const op = "dropout";
  if (!(rate >= 0 && rate <= 1)) throw new DriftError(op, `rate must be in [0, 1]; got ${rate}`);
  return {
    init: () => ({}),
    apply(_params, x, opts = {}) {
      if (opts.deterministic || rate === 0) return x;
      if (opts.key === undefined) throw new DriftError(op, "a PRNG key is required unless deterministic is true (pass {key} or {deterministic: true})");
      if (rate === 1) return np.zerosLike(x);
      const keep = random.bernoulli(opts.key, 1 - rate, x.shape);
      return np.where(keep, np.div(x, 1 - rate), 0);
    },
  };
}
