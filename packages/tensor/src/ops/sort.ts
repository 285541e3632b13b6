// Stable argsort along the last axis, and what is built on it: sort, quantiles, topK, searchsorted and interp.
import { DriftError, fmtShape } from "../errors.ts";
import { normAxis, sizeOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert } from "./coerce.ts";
import { expandDims, moveaxis, reshape, slice, squeeze, stack } from "./movement.ts";
import { take, takeAlongAxis } from "./indexing.ts";
import { array } from "./creation.ts";
import { add, clip, div, greater, less, lessEqual, mul, sub, where } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { isFloat } from "../dtype.ts";

/** argsort along the last axis: stable, NaNs last, int32 indices. */
export const argsortPrim: Primitive<{ descending: boolean }> = definePrimitive<{ descending: boolean }>({
  name: "argsort",
  abstractEval([x]) {
    if (x!.ndim === 0) throw new DriftError("argsort", "needs an array of rank ≥ 1; got a 0-d array");
    return [new ShapedArray(x!.shape, "int32")];
  },
  impl([x], p, [o]) {
    const n = x!.shape[x!.ndim - 1]!;
    const rows = sizeOf(x!.shape.slice(0, -1));
    const out = new Int32Array(o!.size);
    const src = x!.buf;
    const order = Array.from({ length: n }, (_, i) => i);
    const sign = p.descending ? -1 : 1;
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => {
        const va = src[base + a]!;
        const vb = src[base + b]!;
        if (va !== va) return vb !== vb ? a - b : 1;
        if (vb !== vb) return -1;
        return va === vb ? a - b : sign * (va < vb ? -1 : 1);
      });
      for (let i = 0; i < n; i++) out[base + i] = order[i]!;
    }
    return [out];
  },
  batch: ([x], [d], p) => [[bind1(argsortPrim, [moveaxis(x!, d!, 0)], p)], [0]],
});

/** Indices that sort `x` along `axis` (stable; NaNs last). */
export function argsort(x: ArrayLike, axis = -1, opts: { descending?: boolean } = {}): Tensor {
  const a = asTensor(x, "argsort");
  const ax = normAxis("argsort", axis, a.ndim);
  const out = bind1(argsortPrim, [moveaxis(a, ax, -1)], { descending: opts.descending ?? false });
  return moveaxis(out, -1, ax);
}

/** `x` sorted along `axis` (differentiable: gradients follow the permutation). */
export function sort(x: ArrayLike, axis = -1, opts: { descending?: boolean } = {}): Tensor {
  const a = asTensor(x, "sort");
  return takeAlongAxis(a, argsort(a, axis, opts), axis);
}

/** Options of {@link quantile}, {@link percentile} and {@link median}. */
export interface QuantileOptions {
  /** Keep the reduced axis as size 1. */
  keepdims?: boolean;
}

/**
 * The q-th quantiles (q in [0, 1]) along `axis` (of the flattened array when omitted) by linear interpolation between
 * the sorted values, numpy's default method (`jnp.quantile`). A list of q gives a leading axis of one per q.
 */
export function quantile(x: ArrayLike, q: number | readonly number[], axis?: number | null, opts: QuantileOptions = {}): Tensor {
  return quantileOf("quantile", x, q, axis, opts);
}

/** The p-th percentiles (p in [0, 100]) along `axis`, as {@link quantile} of p / 100 (`jnp.percentile`). */
export function percentile(x: ArrayLike, p: number | readonly number[], axis?: number | null, opts: QuantileOptions = {}): Tensor {
  const ps = typeof p === "number" ? p / 100 : p.map((v) => v / 100);
  return quantileOf("percentile", x, ps, axis, opts);
}

/** The median along `axis` (of all elements when omitted), as `jnp.median`. */
export function median(x: ArrayLike, axis?: number | null, opts: QuantileOptions = {}): Tensor {
  return quantileOf("median", x, 0.5, axis, opts);
}

function quantileOf(op: string, x: ArrayLike, q: number | readonly number[], axis: number | null | undefined, opts: QuantileOptions): Tensor {
  let a = asTensor(x, op);
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const shape = a.shape;
  const all = axis === undefined || axis === null;
  if (all) a = reshape(a, [-1]);
  const ax = all ? 0 : normAxis(op, axis, a.ndim);
  const n = a.shape[ax]!;
  if (n === 0) throw new DriftError(op, `needs at least one element along the axis; got shape ${fmtShape(shape)}`);
  const qs = typeof q === "number" ? [q] : [...q];
  for (const v of qs) if (!(v >= 0 && v <= 1)) throw new DriftError(op, `quantiles must lie in [0, 1] (percentiles in [0, 100]); got ${v}`);
  const sorted = sort(a, ax);
  const results = qs.map((v) => {
    // numpy's linear method: position v·(n − 1) between the sorted neighbours, lerped from the nearer end.
    const pos = v * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const t = pos - lo;
    const below = take(sorted, array(Int32Array.of(lo)), ax);
    const above = take(sorted, array(Int32Array.of(hi)), ax);
    const diff = sub(above, below);
    const value = t < 0.5 ? add(below, mul(diff, t)) : sub(above, mul(diff, 1 - t));
    if (!opts.keepdims) return squeeze(value, ax);
    return all ? reshape(value, shape.map(() => 1)) : value;
  });
  return typeof q === "number" ? results[0]! : stack(results, 0);
}

/**
 * Indices where `values` would be inserted into the sorted 1-D array `sorted` to keep it sorted, as `jnp.searchsorted`:
 * the count of elements below each value ("left", the default) or at or below it ("right"); int32, shaped as `values`.
 * Every value is compared with every element (JAX's "compare_all").
 */
export function searchsorted(sorted: ArrayLike, values: ArrayLike, opts: { side?: "left" | "right" } = {}): Tensor {
  const a = asTensor(sorted, "searchsorted", "sorted");
  const v = asTensor(values, "searchsorted", "values");
  if (a.ndim !== 1) throw new DriftError("searchsorted", `sorted must be 1-D; got shape ${fmtShape(a.shape)}`);
  const side = opts.side ?? "left";
  if (side !== "left" && side !== "right") throw new DriftError("searchsorted", `side must be "left" or "right"; got ${JSON.stringify(side)}`);
  const before = side === "left" ? less(a, expandDims(v, -1)) : lessEqual(a, expandDims(v, -1));
  return sum(convert(before, "int32"), -1);
}

/**
 * The `k` largest entries along the last axis, largest first, and their indices (int32), as `lax.top_k`; equal values
 * keep their order (the lower index first).
 */
export function topK(x: ArrayLike, k: number): [Tensor, Tensor] {
  const a = asTensor(x, "topK");
  if (a.ndim === 0) throw new DriftError("topK", "x must have at least one axis");
  const n = a.shape[a.ndim - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new DriftError("topK", `k must be an integer in [0, ${n}] (the last axis of shape ${fmtShape(a.shape)}); got ${k}`);
  const order = argsort(a, -1, { descending: true });
  const indices = slice(order, ...a.shape.map((_, i) => (i === a.ndim - 1 ? [0, k] : null)));
  return [takeAlongAxis(a, indices, -1), indices];
}

/**
 * Piecewise-linear interpolation of the points (xp, fp) at x, as `jnp.interp`: xp increasing; below xp[0] gives
 * `left` (default fp[0]), above xp[−1] `right` (default fp[−1]).
 */
export function interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, opts: { left?: number; right?: number } = {}): Tensor {
  let at = asTensor(x, "interp", "x");
  let xs = asTensor(xp, "interp", "xp");
  let fs = asTensor(fp, "interp", "fp");
  if (xs.ndim !== 1 || fs.ndim !== 1 || xs.shape[0] !== fs.shape[0] || xs.shape[0] === 0)
    throw new DriftError("interp", `xp and fp must be 1-D of one nonzero length; got shapes ${fmtShape(xs.shape)} and ${fmtShape(fs.shape)}`);
  if (!isFloat(at.dtype)) at = convert(at, "float32");
  if (!isFloat(xs.dtype)) xs = convert(xs, at.dtype);
  if (!isFloat(fs.dtype)) fs = convert(fs, at.dtype);
  const n = xs.shape[0]!;
  const at0 = (v: Tensor, k: number): Tensor => reshape(take(v, array(Int32Array.of(k))), []);
  const [xFirst, xLast, fFirst, fLast] = [at0(xs, 0), at0(xs, n - 1), at0(fs, 0), at0(fs, n - 1)];
  let inside = fFirst;
  if (n > 1) {
    // Segment i covers [xp[i], xp[i + 1]]; x = xp[−1] falls in the last segment at t = 1.
    const i = clip(sub(searchsorted(xs, at, { side: "right" }), 1), 0, n - 2);
    const x0 = take(xs, i);
    const y0 = take(fs, i);
    const next = add(i, 1);
    inside = add(y0, mul(div(sub(at, x0), sub(take(xs, next), x0)), sub(take(fs, next), y0)));
  }
  return where(less(at, xFirst), opts.left ?? fFirst, where(greater(at, xLast), opts.right ?? fLast, inside));
}
