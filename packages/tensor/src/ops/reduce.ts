// Reduction primitives (sum, max, min, argmax, argmin, cumsum) and the numpy reductions built on them.
import { DriftError, fmtShape } from "../errors.ts";
import { type TypedArray, allocate, isFloat } from "../dtype.ts";
import { normAxes, normAxis, sizeOf, stridesOf } from "../shape.ts";
import { type ConcreteArray, type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { forEachWithOffset } from "../backend/js.ts";
import { type ArrayLike, asTensor, convert, scalar } from "./coerce.ts";
import { add, div, equal, exp, greater, isclose, isfinite, log, mul, notEqual, sqrt, square, sub, where } from "./elementwise.ts";
import { broadcastInDimPrim, broadcastTo, concatenate, expandDims, moveaxis, reshape, slice, transpose } from "./movement.ts";
import { stopGradient } from "./stop-gradient.ts";

interface AxesParams {
  axes: number[];
}

const keptShape = (shape: readonly number[], axes: readonly number[]): number[] => shape.filter((_, i) => !axes.includes(i));

/** Output strides that map each input element to its reduced output slot (0 along reduced axes). */
function reduceStrides(shape: readonly number[], axes: readonly number[]): number[] {
  const outStrides = stridesOf(keptShape(shape, axes));
  let j = 0;
  return shape.map((_, i) => (axes.includes(i) ? 0 : outStrides[j++]!));
}

/** How a reduction combines: `a` is the accumulator, `v` the next value (NaN propagates through max/min). */
type Combine = "sum" | "max" | "min";
const COMBINE: Record<Combine, { init: number; expr: string }> = {
  sum: { init: 0, expr: "a + v" },
  max: { init: -Infinity, expr: "(v > a || v !== v) ? v : a" },
  min: { init: Infinity, expr: "(v < a || v !== v) ? v : a" },
};

type BlockLoop = (src: TypedArray, acc: Float64Array, pre: number, red: number, post: number) => void;
const blockLoops = new Map<Combine, BlockLoop>();

/** A compiled loop reducing x viewed as [pre, red, post] over the middle axis into acc [pre, post]. */
function blockLoop(kind: Combine): BlockLoop {
  let f = blockLoops.get(kind);
  if (!f) {
    const e = COMBINE[kind].expr;
    f = new Function(
      "src",
      "acc",
      "pre",
      "red",
      "post",
      `if (post === 1) {
        for (let p = 0; p < pre; p++) { let a = acc[p]; for (let j = p * red, end = j + red; j < end; j++) { const v = src[j]; a = ${e}; } acc[p] = a; }
        return;
      }
      for (let p = 0; p < pre; p++) {
        const o = p * post;
        for (let r = 0; r < red; r++) {
          const base = (p * red + r) * post;
          for (let q = 0; q < post; q++) { const a = acc[o + q]; const v = src[base + q]; acc[o + q] = ${e}; }
        }
      }`,
    ) as BlockLoop;
    blockLoops.set(kind, f);
  }
  return f;
}

/**
 * Reduces `x` over `axes` into a float64 accumulator, then stores it in the output dtype. Contiguous axis blocks
 * (leading, middle or trailing) run as one compiled loop with a contiguous inner pass; other patterns visit
 * each element.
 */
function reduceInto(x: ConcreteArray, axes: readonly number[], o: ShapedArray, kind: Combine) {
  const { init, expr } = COMBINE[kind];
  const acc = new Float64Array(o.size).fill(init);
  const src = x.buf;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  if (contiguous && axes.length > 0) {
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    blockLoop(kind)(src, acc, sizeOf(x.shape.slice(0, first)), sizeOf(x.shape.slice(first, last + 1)), sizeOf(x.shape.slice(last + 1)));
  } else {
    const step = new Function("a", "v", `return ${expr};`) as (a: number, v: number) => number;
    forEachWithOffset(x.shape, reduceStrides(x.shape, axes), (i, off) => (acc[off] = step(acc[off]!, src[i]!)));
  }
  const out = allocate(o.dtype, o.size);
  out.set(acc);
  return out;
}

const batchAxes = (prim: Primitive<AxesParams>) => ([x]: Tensor[], [d]: (number | null)[], p: AxesParams): [Tensor[], number[]] => [
  [bind1(prim, [moveaxis(x!, d!, 0)], { axes: p.axes.map((a) => a + 1) })],
  [0],
];

/** reduce_sum over `axes`. */
export const reduceSumPrim: Primitive<AxesParams> = definePrimitive<AxesParams>({
  name: "reduce_sum",
  abstractEval: ([x], p) => [new ShapedArray(keptShape(x!.shape, p.axes), x!.dtype === "bool" ? "int32" : x!.dtype, x!.weakType)],
  impl: ([x], p, [o]) => [reduceInto(x!, p.axes, o!, "sum")],
  jvp: ([x], [t], p) => [[bind1(reduceSumPrim, [x!], p)], [t && bind1(reduceSumPrim, [t], p)]],
  transpose([ct], [x], p) {
    if (!ct) return [null];
    const shape = (x as UndefPrimal).aval.shape;
    const dims = shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
    return [bind1(broadcastInDimPrim, [ct], { shape: [...shape], dims })];
  },
  batch: (args, dims, p) => batchAxes(reduceSumPrim)(args, dims, p),
});

/** JVP of max/min reductions: the tangent averaged over the positions that attain the extreme (as JAX). */
function chooserReduceJvp(prim: Primitive<AxesParams>) {
  return ([x]: Tensor[], [t]: (Tensor | null)[], p: AxesParams): [Tensor[], (Tensor | null)[]] => {
    const out = bind1(prim, [x!], p);
    const dims = x!.shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
    const outB = bind1(broadcastInDimPrim, [out], { shape: x!.shape, dims });
    const hits = convert(equal(x!, outB), x!.dtype);
    const counts = bind1(reduceSumPrim, [hits], p);
    const tOut = div(bind1(reduceSumPrim, [mul(t!, hits)], p), counts);
    return [[out], [tOut]];
  };
}

function defineChooser(name: string, isMax: boolean) {
  const prim: Primitive<AxesParams> = definePrimitive<AxesParams>({
    name,
    abstractEval([x], p) {
      for (const a of p.axes)
        if (x!.shape[a] === 0) throw new DriftError(isMax ? "max" : "min", `cannot reduce over axis ${a} of size 0 (shape ${fmtShape(x!.shape)}); the identity is undefined`);
      return [new ShapedArray(keptShape(x!.shape, p.axes), x!.dtype, x!.weakType)];
    },
    impl: ([x], p, [o]) => [reduceInto(x!, p.axes, o!, isMax ? "max" : "min")],
    jvp: (xs, ts, p) => chooserReduceJvp(prim)(xs, ts, p),
    batch: (args, dims, p) => batchAxes(prim)(args, dims, p),
  });
  return prim;
}

/** reduce_max over `axes`. */
export const reduceMaxPrim = defineChooser("reduce_max", true);
/** reduce_min over `axes`. */
export const reduceMinPrim = defineChooser("reduce_min", false);

function defineArgChooser(name: string, isMax: boolean) {
  const prim: Primitive<{ axis: number }> = definePrimitive<{ axis: number }>({
    name,
    abstractEval([x], p) {
      if (x!.shape[p.axis] === 0) throw new DriftError(isMax ? "argmax" : "argmin", `axis ${p.axis} has size 0 (shape ${fmtShape(x!.shape)})`);
      return [new ShapedArray(keptShape(x!.shape, [p.axis]), "int32")];
    },
    impl([x], p, [o]) {
      const n = x!.shape[p.axis]!;
      const inner = sizeOf(x!.shape.slice(p.axis + 1));
      const outer = sizeOf(x!.shape.slice(0, p.axis));
      const out = new Int32Array(o!.size);
      const src = x!.buf;
      for (let a = 0; a < outer; a++)
        for (let b = 0; b < inner; b++) {
          let best = src[a * n * inner + b]!;
          let bi = 0;
          for (let i = 1; i < n && best === best; i++) {
            const v = src[(a * n + i) * inner + b]!;
            if (v !== v || (isMax ? v > best : v < best)) {
              best = v;
              bi = i;
            }
          }
          out[a * inner + b] = bi;
        }
      return [out];
    },
    batch: ([x], [d], p) => [[bind1(prim, [moveaxis(x!, d!, 0)], { axis: p.axis + 1 })], [0]],
  });
  return prim;
}

/** argmax along one axis (first occurrence; NaN counts as the maximum). */
export const argmaxPrim = defineArgChooser("argmax", true);
/** argmin along one axis (first occurrence; NaN counts as the minimum). */
export const argminPrim = defineArgChooser("argmin", false);

/** cumsum along `axis`, optionally from the end. */
export const cumsumPrim: Primitive<{ axis: number; reverse: boolean }> = definePrimitive<{ axis: number; reverse: boolean }>({
  name: "cumsum",
  abstractEval: ([x]) => [new ShapedArray(x!.shape, x!.dtype === "bool" ? "int32" : x!.dtype, x!.weakType)],
  impl([x], p, [o]) {
    const out = allocate(o!.dtype, o!.size);
    const n = x!.shape[p.axis]!;
    const inner = sizeOf(x!.shape.slice(p.axis + 1));
    const outer = sizeOf(x!.shape.slice(0, p.axis));
    const src = x!.buf;
    for (let a = 0; a < outer; a++)
      for (let b = 0; b < inner; b++) {
        let s = 0;
        for (let k = 0; k < n; k++) {
          const i = p.reverse ? n - 1 - k : k;
          const idx = (a * n + i) * inner + b;
          s += src[idx]!;
          out[idx] = s;
        }
      }
    return [out];
  },
  jvp: ([x], [t], p) => [[bind1(cumsumPrim, [x!], p)], [t && bind1(cumsumPrim, [t], p)]],
  transpose: ([ct], _x, p) => [ct && bind1(cumsumPrim, [ct], { axis: p.axis, reverse: !p.reverse })],
  batch: ([x], [d], p) => [[bind1(cumsumPrim, [moveaxis(x!, d!, 0)], { axis: p.axis + 1, reverse: p.reverse })], [0]],
});

/** Options of numpy reductions. */
export interface ReduceOptions {
  /** Keep reduced axes as size 1. */
  keepdims?: boolean;
}

type Axis = number | readonly number[] | undefined | null;

function finish(op: string, x: Tensor, out: Tensor, axis: Axis, opts?: ReduceOptions): Tensor {
  if (!opts?.keepdims) return out;
  const axes = normAxes(op, axis, x.ndim);
  return reshape(
    out,
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}

function reduceWith(prim: any, op: string, x: ArrayLike, axis: Axis, opts?: ReduceOptions): Tensor {
  const a = asTensor(x, op);
  const axes = normAxes(op, axis, a.ndim);
  const out = axes.length === 0 ? a : bind1(prim, [a], { axes });
  return finish(op, a, out, axis, opts);
}

/** Sum over `axis` (all axes by default). */
export function sum(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  return reduceWith(reduceSumPrim, "sum", x, axis, opts);
}

/** Internal sum over a list of axes (no keepdims), used by transpose rules. */
export function reduceSum(x: Tensor, axes: readonly number[]): Tensor {
  return axes.length === 0 ? x : bind1(reduceSumPrim, [x], { axes: [...axes] });
}

/**
 * Cumulative product along `axis` (of the flattened array when omitted), as `jnp.cumprod`: log2(n) rounds of
 * y_i ← y_i · y_{i−d} for d = 1, 2, 4, … (an associative scan, as JAX's), so it is exact at zeros, differentiable and
 * stays elementwise work under jit. `reverse` accumulates from the end.
 */
export function cumprod(x: ArrayLike, axis?: number, opts: { reverse?: boolean } = {}): Tensor {
  let a = asTensor(x, "cumprod");
  if (axis === undefined || axis === null) {
    a = reshape(a, [-1]);
    axis = 0;
  }
  const ax = normAxis("cumprod", axis, a.ndim);
  if (opts.reverse) return flipAxis(cumprod(flipAxis(a, ax), ax), ax);
  const n = a.shape[ax]!;
  let y = a;
  for (let d = 1; d < n; d *= 2) {
    const ones = broadcastTo(scalar(1, y.dtype), y.shape.map((s, i) => (i === ax ? d : s)));
    const earlier = slice(y, ...y.shape.map((_, i) => (i === ax ? [0, n - d] : null)));
    y = mul(y, concatenate([ones, earlier], ax));
  }
  return y;
}

/** x reversed along one axis. */
function flipAxis(x: Tensor, axis: number): Tensor {
  return slice(x, ...x.shape.map((_, i) => (i === axis ? [null, null, -1] : null)));
}

/** Number of nonzero (true) elements over `axis` (int32), as `jnp.count_nonzero`. */
export function countNonzero(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  const a = asTensor(x, "countNonzero");
  return sum(convert(notEqual(a, scalar(0, a.dtype)), "int32"), axis, opts);
}

/** True where some element over `axis` is nonzero (true), as `jnp.any`; an empty selection gives false. */
export function any(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  return greater(countNonzero(asTensor(x, "any"), axis, opts), 0);
}

/** True where every element over `axis` is nonzero (true), as `jnp.all`; an empty selection gives true. */
export function all(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  const a = asTensor(x, "all");
  return equal(sum(convert(equal(a, scalar(0, a.dtype)), "int32"), axis, opts), 0);
}

/** True when every element of x is close to y's ({@link isclose}), as `jnp.allclose`: a bool scalar array. */
export function allclose(x: ArrayLike, y: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): Tensor {
  return all(isclose(x, y, opts));
}

/** Maximum over `axis`. */
export function max(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  return reduceWith(reduceMaxPrim, "max", x, axis, opts);
}

/** Minimum over `axis`. */
export function min(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  return reduceWith(reduceMinPrim, "min", x, axis, opts);
}

/** Mean over `axis` (integer input gives float32). */
export function mean(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  let a = asTensor(x, "mean");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const axes = normAxes("mean", axis, a.ndim);
  const count = axes.reduce((n, i) => n * a.shape[i]!, 1);
  if (count === 0) throw new DriftError("mean", `mean over an empty selection (shape ${fmtShape(a.shape)}, axes [${axes.join(",")}])`);
  return div(sum(a, axis, opts), count);
}

/** Product over `axis`, as a tree of multiplications so it is differentiable at zeros. */
export function prod(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  const a = asTensor(x, "prod");
  const axes = normAxes("prod", axis, a.ndim);
  const kept = a.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  let y = reshape(
    moveAxesLast(a, axes),
    [...kept.map((i) => a.shape[i]!), axes.reduce((n, i) => n * a.shape[i]!, 1)],
  );
  while (y.shape[y.ndim - 1]! > 1) {
    const n = y.shape[y.ndim - 1]!;
    if (n % 2 === 1) y = concatenate([y, broadcastTo(scalar(1, y.dtype), [...y.shape.slice(0, -1), 1])], -1);
    const half = y.shape[y.ndim - 1]! / 2;
    const lead = y.shape.slice(0, -1);
    const spec = (i: number) => [...lead.map(() => null), [i * half, (i + 1) * half]];
    y = mul(slice(y, ...spec(0)), slice(y, ...spec(1)));
  }
  const out = y.shape[y.ndim - 1] === 0 ? broadcastTo(scalar(1, y.dtype), y.shape.slice(0, -1)) : reshape(y, y.shape.slice(0, -1));
  return finish("prod", a, out, axis, opts);
}

function moveAxesLast(x: Tensor, axes: readonly number[]): Tensor {
  const perm = [...x.shape.map((_, i) => i).filter((i) => !axes.includes(i)), ...axes];
  return transpose(x, perm);
}

/** Arg-max along `axis` (over the flattened array when omitted). */
export function argmax(x: ArrayLike, axis?: number, opts?: ReduceOptions): Tensor {
  return argReduce(argmaxPrim, "argmax", x, axis, opts);
}

/** Arg-min along `axis` (over the flattened array when omitted). */
export function argmin(x: ArrayLike, axis?: number, opts?: ReduceOptions): Tensor {
  return argReduce(argminPrim, "argmin", x, axis, opts);
}

function argReduce(prim: any, op: string, x: ArrayLike, axis: number | undefined, opts?: ReduceOptions): Tensor {
  const a = asTensor(x, op);
  if (axis === undefined || axis === null) {
    const flat = reshape(a, [-1]);
    const out = bind1(prim, [flat], { axis: 0 });
    return opts?.keepdims ? reshape(out, a.shape.map(() => 1)) : out;
  }
  const ax = normAxis(op, axis, a.ndim);
  const out = bind1(prim, [a], { axis: ax });
  return opts?.keepdims ? expandDims(out, ax) : out;
}

/** Options of `var`/`std`. */
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is N − ddof. */
  ddof?: number;
}

/** Variance over `axis`. */
export function variance(x: ArrayLike, axis?: Axis, opts: VarOptions = {}): Tensor {
  let a = asTensor(x, "var");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const axes = normAxes("var", axis, a.ndim);
  const count = axes.reduce((n, i) => n * a.shape[i]!, 1);
  const centered = sub(a, mean(a, axis, { keepdims: true }));
  return div(sum(square(centered), axis, opts), Math.max(0, count - (opts.ddof ?? 0)));
}

/** Standard deviation over `axis`. */
export function std(x: ArrayLike, axis?: Axis, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, axis, opts));
}

/** log Σ exp(x) over `axis`, stable for large inputs (the max is treated as a constant for gradients). */
export function logsumexp(x: ArrayLike, axis?: Axis, opts?: ReduceOptions): Tensor {
  let a = asTensor(x, "logsumexp");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const m = stopGradient(max(a, axis, { keepdims: true }));
  const safe = where(isfinite(m), m, scalar(0, a.dtype));
  const s = log(sum(exp(sub(a, safe)), axis, { keepdims: true }));
  const out = add(s, safe);
  return opts?.keepdims ? out : reshape(out, keptShape(a.shape, normAxes("logsumexp", axis, a.ndim)));
}

/** softmax along `axis` (last by default). */
export function softmax(x: ArrayLike, axis: Axis = -1): Tensor {
  let a = asTensor(x, "softmax");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const e = exp(sub(a, stopGradient(max(a, axis, { keepdims: true }))));
  return div(e, sum(e, axis, { keepdims: true }));
}

/** log-softmax along `axis` (last by default). */
export function logSoftmax(x: ArrayLike, axis: Axis = -1): Tensor {
  let a = asTensor(x, "logSoftmax");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  return sub(a, logsumexp(a, axis, { keepdims: true }));
}

/** Cumulative sum along `axis` (over the flattened array when omitted). */
export function cumsum(x: ArrayLike, axis?: number, opts: { reverse?: boolean } = {}): Tensor {
  let a = asTensor(x, "cumsum");
  if (axis === undefined || axis === null) {
    a = reshape(a, [-1]);
    axis = 0;
  }
  return bind1(cumsumPrim, [a], { axis: normAxis("cumsum", axis, a.ndim), reverse: opts.reverse ?? false });
}
