// Gather along an axis and its transpose scatter-add, with take, takeAlongAxis, diagonal, trace and oneHot on top.
import { DriftError, fmtShape } from "../errors.ts";
import { allocate, isInteger } from "../dtype.ts";
import { normAxis, sizeOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert } from "./coerce.ts";
import { add, equal, less, mul, sub, where } from "./elementwise.ts";
import { broadcastTo, expandDims, moveaxis, reshape, transpose } from "./movement.ts";
import { arangeInt, array } from "./creation.ts";
import { sum } from "./reduce.ts";

/** Output shape of gathering `idx` along `axis` of `shape`. */
const gatherShape = (shape: readonly number[], idx: readonly number[], axis: number): number[] => [
  ...shape.slice(0, axis),
  ...idx,
  ...shape.slice(axis + 1),
];

/** Normalises a negative index, or throws naming the bad index (eager only). */
function checkIndex(op: string, i: number, n: number, axis: number): number {
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new DriftError(op, `index ${i} is out of bounds for axis ${axis} with size ${n}`);
  return j;
}

/** gather along one axis: out[pre, i..., post] = x[pre, idx[i...], post] (negative indices count from the end). */
export const gatherPrim: Primitive<{ axis: number }> = definePrimitive<{ axis: number }>({
  name: "gather",
  abstractEval([x, idx], p) {
    if (!isInteger(idx!.dtype)) throw new DriftError("take", `indices must be int32 or uint32; got ${idx!.dtype}`);
    return [new ShapedArray(gatherShape(x!.shape, idx!.shape, p.axis), x!.dtype, x!.weakType)];
  },
  impl([x, idx], p, [o]) {
    const n = x!.shape[p.axis]!;
    const inner = sizeOf(x!.shape.slice(p.axis + 1));
    const outer = sizeOf(x!.shape.slice(0, p.axis));
    const m = idx!.size;
    const out = allocate(o!.dtype, o!.size);
    const src = x!.buf;
    const ids = idx!.buf;
    for (let k = 0; k < m; k++) {
      const j = checkIndex("take", ids[k]!, n, p.axis);
      for (let a = 0; a < outer; a++) {
        const from = (a * n + j) * inner;
        out.set(src.subarray(from, from + inner), (a * m + k) * inner);
      }
    }
    return [out];
  },
  jvp: ([x, idx], [t], p) => [[bind1(gatherPrim, [x!, idx!], p)], [t && bind1(gatherPrim, [t, idx!], p)]],
  transpose([ct], [x, idx], p) {
    if (!ct) return [null, null];
    if (idx instanceof UndefPrimal) throw new DriftError("take", "transpose with respect to the indices");
    return [bind1(scatterAddPrim, [idx!, ct], { axis: p.axis, shape: [...(x as UndefPrimal).aval.shape] }), null];
  },
  batch([x, idx], [dx, di], p, size) {
    if (di === null || di === undefined) return [[bind1(gatherPrim, [moveaxis(x!, dx!, 0), idx!], { axis: p.axis + 1 })], [0]];
    if (dx === null || dx === undefined) return [[bind1(gatherPrim, [x!, idx!], p)], [p.axis + di]];
    // Both batched: fold the batch into the gathered axis with per-member offsets.
    const xb = moveaxis(moveaxis(x!, dx, 0), p.axis + 1, 1);
    const n = xb.shape[1]!;
    const rest = xb.shape.slice(2);
    const flat = reshape(xb, [size * n, ...rest]);
    const ib = moveaxis(idx!, di, 0);
    const out = bind1(gatherPrim, [flat, offsetIndices(ib, n, size)], { axis: 0 });
    // out: [B, I..., pre..., post...] → [B, pre..., I..., post...]
    const nI = ib.ndim - 1;
    const nPre = p.axis;
    const perm = [0, ...range(nPre).map((i) => 1 + nI + i), ...range(nI).map((i) => 1 + i), ...range(out.ndim - 1 - nI - nPre).map((i) => 1 + nI + nPre + i)];
    return [[transpose(out, perm)], [0]];
  },
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Adds `b·n` to batch member b's indices (negative ones normalised first). */
function offsetIndices(idx: Tensor, n: number, size: number): Tensor {
  const i32 = convert(idx, "int32");
  const norm = where(less(i32, 0), add(i32, n), i32);
  const offsets = reshape(mul(arangeInt(size), n), [size, ...new Array(idx.ndim - 1).fill(1)]);
  return add(norm, offsets);
}

/** scatter_add along one axis into zeros of `shape`: the transpose of gather. */
export const scatterAddPrim: Primitive<{ axis: number; shape: number[] }> = definePrimitive<{ axis: number; shape: number[] }>({
  name: "scatter_add",
  abstractEval([idx, upd], p) {
    const expected = gatherShape(p.shape, idx!.shape, p.axis);
    if (upd!.shape.length !== expected.length || upd!.shape.some((d, i) => d !== expected[i]))
      throw new DriftError("scatter_add", `updates have shape ${fmtShape(upd!.shape)}; expected ${fmtShape(expected)}`);
    return [new ShapedArray(p.shape, upd!.dtype, upd!.weakType)];
  },
  impl([idx, upd], p, [o]) {
    const n = p.shape[p.axis]!;
    const inner = sizeOf(p.shape.slice(p.axis + 1));
    const outer = sizeOf(p.shape.slice(0, p.axis));
    const m = idx!.size;
    const out = allocate(o!.dtype, o!.size);
    const src = upd!.buf;
    const ids = idx!.buf;
    for (let k = 0; k < m; k++) {
      const j = checkIndex("scatter_add", ids[k]!, n, p.axis);
      for (let a = 0; a < outer; a++) {
        const to = (a * n + j) * inner;
        const from = (a * m + k) * inner;
        for (let b = 0; b < inner; b++) out[to + b] += src[from + b]!;
      }
    }
    return [out];
  },
  jvp: ([idx, upd], [, t], p) => [[bind1(scatterAddPrim, [idx!, upd!], p)], [t && bind1(scatterAddPrim, [idx!, t], p)]],
  transpose([ct], [idx], p) {
    if (!ct) return [null, null];
    return [null, bind1(gatherPrim, [ct, idx as Tensor], { axis: p.axis })];
  },
  batch([idx, upd], [di, du], p, size) {
    if (di === null || di === undefined)
      return [[bind1(scatterAddPrim, [idx!, moveaxis(upd!, du!, 0)], { axis: p.axis + 1, shape: [size, ...p.shape] })], [0]];
    const n = p.shape[p.axis]!;
    const ib = moveaxis(idx!, di, 0);
    const nI = ib.ndim - 1;
    const nPre = p.axis;
    const pre = p.shape.slice(0, p.axis);
    const post = p.shape.slice(p.axis + 1);
    const logical = gatherShape(p.shape, ib.shape.slice(1), p.axis);
    const ub = du === null || du === undefined ? broadcastTo(upd!, [size, ...logical]) : moveaxis(upd!, du, 0);
    // ub: [B, pre..., I..., post...] → [B, I..., pre..., post...]
    const perm = [0, ...range(nI).map((i) => 1 + nPre + i), ...range(nPre).map((i) => 1 + i), ...range(post.length).map((i) => 1 + nPre + nI + i)];
    const flat = bind1(scatterAddPrim, [offsetIndices(ib, n, size), transpose(ub, perm)], { axis: 0, shape: [size * n, ...pre, ...post] });
    const back = reshape(flat, [size, n, ...pre, ...post]);
    return [[moveaxis(back, 1, 1 + nPre)], [0]];
  },
});

/** Gathers `indices` along `axis` (along the flattened array when omitted), as `jnp.take`. */
export function take(x: ArrayLike, indices: ArrayLike, axis?: number): Tensor {
  let a = asTensor(x, "take");
  const idx = asTensor(indices, "take", "indices");
  if (!isInteger(idx.dtype)) throw new DriftError("take", `indices must be int32 or uint32; got ${idx.dtype}`);
  if (axis === undefined || axis === null) {
    a = reshape(a, [-1]);
    axis = 0;
  }
  return bind1(gatherPrim, [a, idx], { axis: normAxis("take", axis, a.ndim) });
}

/** Picks `x[..., indices[...], ...]` along `axis` with indices broadcast against x, as `jnp.take_along_axis`. */
export function takeAlongAxis(x: ArrayLike, indices: ArrayLike, axis: number): Tensor {
  const a = asTensor(x, "takeAlongAxis");
  const idx = asTensor(indices, "takeAlongAxis", "indices");
  if (idx.ndim !== a.ndim)
    throw new DriftError("takeAlongAxis", `indices must have the same rank as x (${a.ndim}); got shape ${fmtShape(idx.shape)}`);
  const ax = normAxis("takeAlongAxis", axis, a.ndim);
  const n = a.shape[ax]!;
  const outShape = a.shape.map((d, i) => (i === ax ? idx.shape[i]! : Math.max(d, idx.shape[i]!)));
  const xb = broadcastTo(a, a.shape.map((d, i) => (i === ax ? d : outShape[i]!)));
  const ib = broadcastTo(convert(idx, "int32"), outShape);
  // Flat index: move the axis last, then offset each row by its position times n.
  const xm = reshape(moveaxis(xb, ax, -1), [-1]);
  const im = moveaxis(ib, ax, -1);
  const rows = sizeOf(im.shape.slice(0, -1));
  const norm = where(less(im, 0), add(im, n), im);
  const offsets = reshape(mul(arangeInt(rows), n), [...im.shape.slice(0, -1), 1]);
  const picked = bind1(gatherPrim, [xm, add(norm, offsets)], { axis: 0 });
  return moveaxis(picked, -1, ax);
}

/**
 * Diagonal `offset` (above the main one when positive, below when negative) of the matrices on axes `axis1` and
 * `axis2`, as a new last axis after the other axes, as `jnp.diagonal`.
 */
export function diagonal(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const a = asTensor(x, "diagonal");
  if (a.ndim < 2) throw new DriftError("diagonal", `x must have at least 2 axes; got shape ${fmtShape(a.shape)}`);
  if (!Number.isInteger(offset)) throw new DriftError("diagonal", `offset must be an integer; got ${offset}`);
  const p = normAxis("diagonal", axis1, a.ndim);
  const q = normAxis("diagonal", axis2, a.ndim);
  if (p === q) throw new DriftError("diagonal", `axis1 and axis2 must be different axes; both are axis ${p} of shape ${fmtShape(a.shape)}`);
  const rest = a.shape.map((_, i) => i).filter((i) => i !== p && i !== q);
  const n = a.shape[p]!;
  const m = a.shape[q]!;
  // Element i of the diagonal is (row0 + i, col0 + i) of each n × m matrix, read from its row-major flattening.
  const row0 = Math.max(0, -offset);
  const col0 = Math.max(0, offset);
  const length = Math.max(0, Math.min(n - row0, m - col0));
  const flat = reshape(transpose(a, [...rest, p, q]), [...rest.map((i) => a.shape[i]!), n * m]);
  const picks = Int32Array.from({ length }, (_, i) => (row0 + i) * m + col0 + i);
  return bind1(gatherPrim, [flat, array(picks)], { axis: rest.length });
}

/** Sum of the diagonal `offset` of the matrices on axes `axis1` and `axis2` ({@link diagonal}), as `jnp.trace`. */
export function trace(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  return sum(diagonal(x, offset, axis1, axis2), -1);
}

/**
 * Repeats each element `repeats` times along `axis` (of the flattened array when omitted), as `jnp.repeat`; `repeats`
 * may also give one count per element along the axis (static non-negative integers).
 */
export function repeat(x: ArrayLike, repeats: number | readonly number[], axis?: number): Tensor {
  let a = asTensor(x, "repeat");
  if (axis === undefined || axis === null) {
    a = reshape(a, [-1]);
    axis = 0;
  }
  const ax = normAxis("repeat", axis, a.ndim);
  const n = a.shape[ax]!;
  const counts = typeof repeats === "number" ? new Array<number>(n).fill(repeats) : [...repeats];
  if (counts.length !== n)
    throw new DriftError("repeat", `repeats has ${counts.length} entries but axis ${ax} of shape ${fmtShape(a.shape)} has ${n}`);
  if (!counts.every((c) => Number.isInteger(c) && c >= 0)) throw new DriftError("repeat", `repeats must be non-negative integers; got ${JSON.stringify(repeats)}`);
  const picks = Int32Array.from(counts.flatMap((c, i) => new Array<number>(c).fill(i)));
  return bind1(gatherPrim, [a, array(picks)], { axis: ax });
}

/**
 * `jnp.diag`: for a 1-D v, the square matrix with v on diagonal `k` (zeros elsewhere); for a 2-D x, its diagonal `k`.
 */
export function diag(x: ArrayLike, k = 0): Tensor {
  const a = asTensor(x, "diag");
  if (a.ndim === 2) return diagonal(a, k);
  if (a.ndim !== 1) throw new DriftError("diag", `x must be 1-D (to build a matrix) or 2-D (to read a diagonal); got shape ${fmtShape(a.shape)}`);
  if (!Number.isInteger(k)) throw new DriftError("diag", `k must be an integer; got ${k}`);
  const len = a.shape[0]!;
  const n = len + Math.abs(k);
  const first = Math.max(-k, 0);
  if (len === 0) return broadcastTo(convert(array(0), a.dtype), [n, n]);
  // Cell (row, col) is on the diagonal when col − row = k; it then holds v[row − first]. Other cells read any v and
  // are masked to zero.
  const picks = Int32Array.from({ length: n * n }, (_, c) => Math.min(Math.max(Math.floor(c / n) - first, 0), len - 1));
  const onDiagonal = Uint8Array.from({ length: n * n }, (_, c) => (c % n) - Math.floor(c / n) === k ? 1 : 0);
  const spread = reshape(bind1(gatherPrim, [a, array(picks)], { axis: 0 }), [n, n]);
  return where(reshape(array(onDiagonal, { dtype: "bool" }), [n, n]), spread, 0);
}

/** n-th discrete difference along `axis` (default the last), as `jnp.diff`: out[i] = x[i + 1] − x[i], n times. */
export function diff(x: ArrayLike, n = 1, axis = -1): Tensor {
  let a = asTensor(x, "diff");
  if (!Number.isInteger(n) || n < 0) throw new DriftError("diff", `n must be a non-negative integer; got ${n}`);
  const ax = normAxis("diff", axis, a.ndim);
  for (let i = 0; i < n; i++) {
    const len = a.shape[ax]!;
    if (len === 0) break;
    const later = take(a, arangeFrom(1, len), ax);
    const earlier = take(a, arangeFrom(0, len - 1), ax);
    a = sub(later, earlier);
  }
  return a;
}

/** int32 [from, to). */
function arangeFrom(from: number, to: number): Tensor {
  return array(Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i));
}

/** One-hot encoding: a new last axis of `numClasses` with 1 at each index (float32 by default). */
export function oneHot(indices: ArrayLike, numClasses: number, opts: { dtype?: "float32" | "float64" | "int32" | "bool" } = {}): Tensor {
  const idx = asTensor(indices, "oneHot", "indices");
  if (!isInteger(idx.dtype)) throw new DriftError("oneHot", `indices must be int32 or uint32; got ${idx.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new DriftError("oneHot", `numClasses must be a positive integer; got ${numClasses}`);
  const hit = equal(expandDims(convert(idx, "int32"), -1), arangeInt(numClasses));
  return convert(hit, opts.dtype ?? "float32");
}

