// The module contract shared by every layer: a parameter pytree plus pure `init`/`apply` functions.
import { DriftError, random, type Array, type DType } from "@drift/tensor";

/** Options of every module's `init`. */
export interface InitOptions {
  /** Parameter dtype (default float32), as Flax's `param_dtype`. */
  dtype?: DType;
}

/**
 * A module: static configuration closed over by two pure functions. `init(key)` returns the parameter pytree;
 * `apply(params, ...args)` computes the output. Neither holds arrays between calls, so both compose with
 * `grad`, `vmap` and `jit`.
 */
export interface Module<P, Args extends unknown[] = [x: Array], Out = Array> {
  init(key: Array, opts?: InitOptions): P;
  apply(params: P, ...args: Args): Out;
}

/** Parameters of a module that has none (positional embeddings, dropout). */
export type NoParams = Record<string, never>;

/** `n` keys split from `key`, as a JS list. */
export function splitKeys(key: Array, n: number): Array[] {
  const keys = random.split(key, n);
  return globalThis.Array.from({ length: n }, (_, i) => keys.slice([i, i + 1]).reshape([2]));
}

/** Throws unless `n` is a positive integer. */
export function checkPositiveInt(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new DriftError(op, `${name} must be a positive integer; got ${n}`);
}

/** Throws unless `x` has rank ≥ `minRank` and its last axis has `features` entries. */
export function checkLastAxis(op: string, x: Array, features: number, minRank = 1): void {
  if (x.ndim < minRank || x.shape[x.ndim - 1] !== features)
    throw new DriftError(op, `x has shape [${x.shape.join(",")}] but its last axis must have ${features} features${minRank > 1 ? ` (rank ≥ ${minRank})` : ""}`);
}
