// jax.random in TypeScript: threefry2x32 keys, split/foldIn, and samplers bit-compatible with JAX's default mode.
import { DriftError, fmtShape } from "../errors.ts";
import { type DType, isFloat } from "../dtype.ts";
import { broadcastShapes, checkShape, shapesEqual, sizeOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, bind, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, broadcastData, convert, scalar } from "../ops/coerce.ts";
import {
  abs, add, bitwiseAnd as bitAnd, bitwiseOr as bitOr, bitwiseXor, clip, erf, erfinv, greater, less, lessEqual, log, logicalAnd,
  div, log1p, maximum, mul, neg, rem, shiftLeft, shiftRightLogical as shiftRight, sign, sub, where,
} from "../ops/elementwise.ts";
import { arange, array, zeros } from "../ops/creation.ts";
import { broadcastTo, expandDims, reshape, slice, squeeze, stack } from "../ops/movement.ts";
import { argmax, cumsum, sum } from "../ops/reduce.ts";
import { take } from "../ops/indexing.ts";
import { argsort } from "../ops/sort.ts";
import { matmul } from "../ops/linalg.ts";
import { cholesky } from "../ops/decompositions.ts";
import { threefry2x32 } from "./threefry.ts";

/**
 * threefry2x32 primitive: hashes counter pairs (x0, x1) under key words (k0, k1); all uint32, broadcast together.
 * Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC'11).
 */
export const threefryPrim: Primitive<null> = definePrimitive<null>({
  name: "threefry2x32",
  abstractEval(avals) {
    for (const a of avals) if (a.dtype !== "uint32") throw new DriftError("threefry2x32", `inputs must be uint32; got ${a.dtype}`);
    const shape = broadcastShapes("threefry2x32", ...avals.map((a) => a.shape));
    return [new ShapedArray(shape, "uint32"), new ShapedArray(shape, "uint32")];
  },
  impl(inputs, _p, [o]) {
    const [k0, k1, x0, x1] = inputs.map((x) => broadcastData(x, o!.shape).buf as Uint32Array);
    if (inputs[0]!.size === 1 && inputs[1]!.size === 1) return threefry2x32(k0![0]!, k1![0]!, x0!, x1!);
    const y0 = new Uint32Array(o!.size);
    const y1 = new Uint32Array(o!.size);
    for (let i = 0; i < y0.length; i++) {
      const [a, b] = threefry2x32(k0![i]!, k1![i]!, x0!.subarray(i, i + 1), x1!.subarray(i, i + 1));
      y0[i] = a[0]!;
      y1[i] = b[0]!;
    }
    return [y0, y1];
  },
  batch(args, dims) {
    const rank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d === null || d === undefined) return a;
      let m = d === 0 ? a : reshapeMove(a, d);
      if (m.ndim - 1 < rank) m = reshape(m, [m.shape[0]!, ...new Array(rank - (m.ndim - 1)).fill(1), ...m.shape.slice(1)]);
      return m;
    });
    return [bind(threefryPrim, moved, null), [0, 0]];
  },
});

function reshapeMove(a: Tensor, d: number): Tensor {
  const perm = [d, ...a.shape.map((_, i) => i).filter((i) => i !== d)];
  return a.transpose(perm);
}

/** A PRNG key: a uint32 array of shape [2] (or a batch of keys, shape [..., 2]). */
export type Key = Tensor;

function checkKey(op: string, k: ArrayLike): Tensor {
  const key = asTensor(k, op, "key");
  if (key.dtype !== "uint32" || key.ndim !== 1 || key.shape[0] !== 2)
    throw new DriftError(op, `key must be a uint32 array of shape [2] (from random.key); got ${key.dtype}${fmtShape(key.shape)}`);
  return key;
}

function words(key: Tensor): [Tensor, Tensor] {
  return [reshape(slice(key, [0, 1]), []), reshape(slice(key, [1, 2]), [])];
}

function hash(key: Tensor, hi: Tensor, lo: Tensor): [Tensor, Tensor] {
  const [k0, k1] = words(key);
  const [y0, y1] = bind(threefryPrim, [k0, k1, hi, lo], null);
  return [y0!, y1!];
}

/** Row-major counters 0..n−1 of `shape` as (high, low) uint32 words. */
function counters(shape: readonly number[]): [Tensor, Tensor] {
  const n = sizeOf(shape);
  if (n > 2 ** 32) throw new DriftError("random", `cannot draw more than 2^32 values in one call; shape ${fmtShape(shape)}`);
  const lo = reshape(arange(0, n, 1, { dtype: "uint32" }), shape);
  return [zeros(shape, { dtype: "uint32" }), lo];
}

/** `random.key(seed)`: the key [0, seed mod 2^32] for an integer seed, as `jax.random.key` with 32-bit ints. */
export function key(seed: number): Key {
  if (!Number.isInteger(seed)) throw new DriftError("random.key", `seed must be an integer; got ${seed}`);
  const lo = ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
  return array(new Uint32Array([0, lo]));
}

/** `split(key, num)`: `num` new keys (shape [num, 2], or [...num, 2] for a shape); key i equals `foldIn(key, i)`. */
export function split(k: Key, num: number | readonly number[] = 2): Tensor {
  const key = checkKey("random.split", k);
  const shape = checkShape("random.split", typeof num === "number" ? [num] : num, "num");
  const [hi, lo] = counters(shape);
  const [y0, y1] = hash(key, hi, lo);
  return stack([y0, y1], -1);
}

/** `foldIn(key, data)`: a new key derived from `key` and the integer `data`. */
export function foldIn(k: Key, data: number | Tensor): Key {
  const key = checkKey("random.foldIn", k);
  const d = typeof data === "number" ? scalar(data, "uint32") : convert(asTensor(data, "random.foldIn", "data"), "uint32");
  if (d.ndim !== 0) throw new DriftError("random.foldIn", `data must be a scalar; got shape ${fmtShape(d.shape)}`);
  const [y0, y1] = hash(key, scalar(0, "uint32"), d);
  return stack([y0, y1]);
}

/** Random uint32 bits of `shape`. */
export function bits(k: Key, shape: number | readonly number[] = []): Tensor {
  const key = checkKey("random.bits", k);
  const s = checkShape("random.bits", shape);
  const [hi, lo] = counters(s);
  const [y0, y1] = hash(key, hi, lo);
  return bitwiseXor(y0, y1);
}

/** Options shared by float samplers. */
export interface FloatOptions {
  dtype?: DType;
}

function floatDType(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? "float32";
  if (!isFloat(d)) throw new DriftError(op, `dtype must be float32 or float64; got ${d}`);
  return d;
}

/** Uniform floats in [0, 1) with the mantissa bits JAX uses: 23 for float32, 52 for float64. */
function unitFloats(key: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const [hi, lo] = counters(shape);
  const [y0, y1] = hash(key, hi, lo);
  if (dtype === "float32") {
    // (bits >> 9) · 2^-23 equals bitcast((bits >> 9) | 0x3F800000) − 1 exactly.
    const b = bitwiseXor(y0, y1);
    return mul(convert(shiftRight(b, 9), "float32"), scalar(2 ** -23, "float32"));
  }
  // float64 draws 64 bits (y0 high, y1 low) and keeps the top 52 as the mantissa.
  const top = convert(shiftRight(y0, 12), "float64");
  const low = convert(bitOr(shiftLeft(bitAnd(y0, 0xfff), 20), shiftRight(y1, 12)), "float64");
  return add(mul(top, 2 ** -20), mul(low, 2 ** -52));
}

/** Uniform samples in [minval, maxval) (JAX clamps only at minval). */
export function uniform(k: Key, shape: number | readonly number[] = [], opts: FloatOptions & { minval?: ArrayLike; maxval?: ArrayLike } = {}): Tensor {
  const key = checkKey("random.uniform", k);
  const s = checkShape("random.uniform", shape);
  const dtype = floatDType("random.uniform", opts.dtype);
  const f = unitFloats(key, s, dtype);
  if (opts.minval === undefined && opts.maxval === undefined) return f;
  const lo = convert(asTensor(opts.minval ?? 0, "random.uniform", "minval"), dtype);
  const hi = convert(asTensor(opts.maxval ?? 1, "random.uniform", "maxval"), dtype);
  return maximum(lo, add(mul(f, sub(hi, lo)), lo));
}

/** Standard normal samples: √2 · erfinv(u) with u uniform on (−1, 1), as JAX. */
export function normal(k: Key, shape: number | readonly number[] = [], opts: FloatOptions = {}): Tensor {
  const dtype = floatDType("random.normal", opts.dtype);
  const lo = dtype === "float32" ? -(1 - 2 ** -24) : -(1 - 2 ** -53);
  const u = uniform(k, shape, { dtype, minval: lo, maxval: 1 });
  return mul(erfinv(u), scalar(Math.SQRT2, dtype));
}

/** Normal samples truncated to the open interval (lower, upper), by inverse-CDF sampling as JAX. */
export function truncatedNormal(k: Key, lower: ArrayLike, upper: ArrayLike, shape?: number | readonly number[], opts: FloatOptions = {}): Tensor {
  const op = "random.truncatedNormal";
  const dtype = floatDType(op, opts.dtype);
  const lo = convert(asTensor(lower, op, "lower"), dtype);
  const hi = convert(asTensor(upper, op, "upper"), dtype);
  const s = shape === undefined ? broadcastShapes(op, lo.shape, hi.shape) : checkShape(op, shape);
  const a = erf(mul(lo, Math.SQRT1_2));
  const b = erf(mul(hi, Math.SQRT1_2));
  const u = uniform(k, s, { dtype, minval: a, maxval: b });
  const z = mul(erfinv(u), scalar(Math.SQRT2, dtype));
  // Keep samples strictly inside the bounds (JAX clips to nextafter of each bound).
  const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
  const tiny = dtype === "float32" ? 2 ** -126 : 2 ** -1022;
  const step = (x: Tensor): Tensor => maximum(mul(abs(x), eps), tiny);
  return clip(z, add(lo, step(lo)), sub(hi, step(hi)));
}

/** Bernoulli samples: true with probability `p` (broadcast to `shape`). */
export function bernoulli(k: Key, p: ArrayLike = 0.5, shape?: number | readonly number[]): Tensor {
  let prob = asTensor(p, "random.bernoulli", "p");
  if (!isFloat(prob.dtype)) prob = convert(prob, "float32");
  const s = shape === undefined ? prob.shape : checkShape("random.bernoulli", shape);
  return less(uniform(k, s, { dtype: prob.dtype }), prob);
}

/** Standard Gumbel samples: −log(−log u) with u uniform on [tiny, 1). */
export function gumbel(k: Key, shape: number | readonly number[] = [], opts: FloatOptions = {}): Tensor {
  const dtype = floatDType("random.gumbel", opts.dtype);
  const tiny = dtype === "float32" ? 1.1754943508222875e-38 : 2.2250738585072014e-308;
  return neg(log(neg(log(uniform(k, shape, { dtype, minval: tiny, maxval: 1 })))));
}

/** Samples class indices from unnormalised log-probabilities by the Gumbel-max trick (along `axis`). */
export function categorical(k: Key, logits: ArrayLike, opts: { axis?: number; shape?: readonly number[] } = {}): Tensor {
  const op = "random.categorical";
  let l = asTensor(logits, op, "logits");
  if (!isFloat(l.dtype)) l = convert(l, "float32");
  if (l.ndim === 0) throw new DriftError(op, "logits must have at least one axis");
  const axis = opts.axis ?? -1;
  const ax = axis < 0 ? axis + l.ndim : axis;
  if (ax < 0 || ax >= l.ndim) throw new DriftError(op, `axis ${axis} is out of range for logits of rank ${l.ndim}`);
  const batchShape = l.shape.filter((_, i) => i !== ax);
  const shape = opts.shape ? checkShape(op, opts.shape) : batchShape;
  if (!shapesEqual(shape.slice(shape.length - batchShape.length), batchShape))
    throw new DriftError(op, `shape ${fmtShape(shape)} must end with the logits batch shape ${fmtShape(batchShape)}`);
  const prefix = shape.slice(0, shape.length - batchShape.length);
  const full = [...prefix, ...l.shape];
  const g = gumbel(k, full, { dtype: l.dtype });
  return argmax(add(g, broadcastTo(l, full)), prefix.length + ax);
}

/** Exponential samples with rate 1: −log1p(−u) for u uniform on [0, 1), as `jax.random.exponential`. */
export function exponential(k: Key, shape: number | readonly number[] = [], opts: FloatOptions = {}): Tensor {
  const dtype = floatDType("random.exponential", opts.dtype);
  return neg(log1p(neg(uniform(k, shape, { dtype }))));
}

/** Standard Laplace samples: sign(u)·log1p(−|u|) for u uniform on (−1, 1), as `jax.random.laplace`. */
export function laplace(k: Key, shape: number | readonly number[] = [], opts: FloatOptions = {}): Tensor {
  const dtype = floatDType("random.laplace", opts.dtype);
  const u = uniform(k, shape, { dtype, minval: -1 + machineEpsilonBelowOne(dtype), maxval: 1 });
  return mul(sign(u), log1p(neg(abs(u))));
}

/** Standard logistic samples: log(u / (1 − u)) for u uniform on (ε, 1), as `jax.random.logistic`. */
export function logistic(k: Key, shape: number | readonly number[] = [], opts: FloatOptions = {}): Tensor {
  const dtype = floatDType("random.logistic", opts.dtype);
  const u = uniform(k, shape, { dtype, minval: dtype === "float32" ? 2 ** -23 : 2 ** -52, maxval: 1 });
  return log(div(u, sub(1, u)));
}

/** ±1 with equal probability (int32), as `jax.random.rademacher`: 2·bernoulli(0.5) − 1. */
export function rademacher(k: Key, shape: number | readonly number[] = []): Tensor {
  return sub(mul(convert(bernoulli(k, 0.5, shape), "int32"), 2), 1);
}

/**
 * Samples of N(mean, cov) as `jax.random.multivariate_normal` (its Cholesky method): mean + L·z with L·Lᵀ = cov and z
 * standard normal of shape [...shape, d]; `shape` defaults to the broadcast batch of mean and cov.
 */
export function multivariateNormal(k: Key, mean: ArrayLike, cov: ArrayLike, shape?: number | readonly number[], opts: FloatOptions = {}): Tensor {
  let mu = asTensor(mean, "random.multivariateNormal", "mean");
  let sigma = asTensor(cov, "random.multivariateNormal", "cov");
  const dtype = floatDType("random.multivariateNormal", opts.dtype ?? (mu.dtype === "float64" || sigma.dtype === "float64" ? "float64" : "float32"));
  mu = convert(mu, dtype);
  sigma = convert(sigma, dtype);
  const d = mu.shape[mu.ndim - 1];
  if (mu.ndim < 1 || sigma.ndim < 2 || sigma.shape[sigma.ndim - 1] !== d || sigma.shape[sigma.ndim - 2] !== d)
    throw new DriftError("random.multivariateNormal", `mean must be [..., d] and cov [..., d, d]; got ${fmtShape(mu.shape)} and ${fmtShape(sigma.shape)}`);
  const batch = shape === undefined ? broadcastShapes("random.multivariateNormal", mu.shape.slice(0, -1), sigma.shape.slice(0, -2)) : checkShape("random.multivariateNormal", shape);
  const z = normal(k, [...batch, d!], { dtype });
  const factor = cholesky(sigma);
  return add(mu, squeeze(matmul(factor, expandDims(z, -1)), -1));
}

/** 1 − the largest float below 1 (float32 2^−24, float64 2^−53): the `epsneg` JAX offsets Laplace's lower bound by. */
function machineEpsilonBelowOne(dtype: DType): number {
  return dtype === "float32" ? 2 ** -24 : 2 ** -53;
}

/** Uniform integers in [minval, maxval) (int32), from two 32-bit draws as JAX's `randint`. */
export function randint(k: Key, shape: number | readonly number[], minval: ArrayLike, maxval: ArrayLike): Tensor {
  const op = "random.randint";
  const key = checkKey(op, k);
  const s = checkShape(op, shape);
  const INT_MAX = 2 ** 31 - 1;
  const lowIn = asTensor(minval, op, "minval");
  const highIn = asTensor(maxval, op, "maxval");
  const outOfRange = greater(highIn, INT_MAX);
  const lo = convert(clip(lowIn, -(2 ** 31), INT_MAX), "int32");
  const hi = convert(clip(highIn, -(2 ** 31), INT_MAX), "int32");
  const keys = split(key);
  const higher = bits(reshape(slice(keys, [0, 1]), [2]), s);
  const lower = bits(reshape(slice(keys, [1, 2]), [2]), s);
  const u32 = (x: Tensor): Tensor => convert(x, "uint32");
  let span = sub(u32(hi), u32(lo));
  span = where(lessEqual(hi, lo), scalar(1, "uint32"), span);
  span = where(logicalAnd(outOfRange, greater(hi, lo)), add(span, scalar(1, "uint32")), span);
  let multiplier = rem(scalar(2 ** 16, "uint32"), span);
  multiplier = rem(mul(multiplier, multiplier), span);
  const offset = rem(add(mul(rem(higher, span), multiplier), rem(lower, span)), span);
  return add(lo, convert(offset, "int32"));
}

/** A random permutation of `0..n−1`, or of `x` along `axis`: stable sorts by random keys, as JAX's `_shuffle`. */
export function permutation(k: Key, x: number | ArrayLike, opts: { axis?: number } = {}): Tensor {
  const op = "random.permutation";
  let key = checkKey(op, k);
  const arr = typeof x === "number" ? arange(x) : asTensor(x, op, "x");
  const axis = opts.axis ?? 0;
  const n = arr.ndim === 0 ? 0 : arr.shape[axis < 0 ? axis + arr.ndim : axis]!;
  if (arr.ndim === 0) throw new DriftError(op, "x must be an integer or an array of rank ≥ 1");
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  let idx: Tensor = arange(n);
  for (let r = 0; r < rounds; r++) {
    const keys = split(key);
    key = reshape(slice(keys, [0, 1]), [2]);
    const sortKeys = bits(reshape(slice(keys, [1, 2]), [2]), [n]);
    idx = take(idx, argsort(sortKeys));
  }
  return typeof x === "number" ? idx : take(arr, idx, axis);
}

/** Samples from `a` (an integer n means 0..n−1) along axis 0, with or without replacement, optionally weighted by `p`. */
export function choice(
  k: Key,
  a: number | ArrayLike,
  shape: number | readonly number[] = [],
  opts: { replace?: boolean; p?: ArrayLike } = {},
): Tensor {
  const op = "random.choice";
  const key = checkKey(op, k);
  const s = checkShape(op, shape);
  const arr = typeof a === "number" ? null : asTensor(a, op, "a");
  const n = arr ? arr.shape[0] : a;
  if (arr && arr.ndim === 0) throw new DriftError(op, "a must be an integer or an array of rank ≥ 1");
  if (!Number.isInteger(n) || (n as number) <= 0) throw new DriftError(op, `a must be a positive integer or a non-empty array; got ${n}`);
  const count = sizeOf(s);
  const replace = opts.replace ?? true;
  if (!replace && count > (n as number)) throw new DriftError(op, `cannot take ${count} samples from ${n} without replacement`);
  let idx: Tensor;
  if (opts.p === undefined) {
    idx = replace ? randint(key, s, 0, n as number) : reshape(slice(permutation(key, n as number), [0, count]), s);
  } else {
    let p = asTensor(opts.p, op, "p");
    if (!isFloat(p.dtype)) p = convert(p, "float32");
    if (p.ndim !== 1 || p.shape[0] !== n) throw new DriftError(op, `p must have shape [${n}]; got ${fmtShape(p.shape)}`);
    if (replace) {
      const cdf = cumsum(p);
      const total = reshape(slice(cdf, [(n as number) - 1, n as number]), []);
      const r = mul(total, sub(1, uniform(key, s, { dtype: p.dtype })));
      // searchsorted(cdf, r, side="left") = number of cdf entries below r.
      idx = convert(sum(less(cdf, expandDims(r, -1)), -1), "int32");
    } else {
      const g = add(gumbel(key, [n as number], { dtype: p.dtype }), log(p));
      idx = reshape(slice(argsort(g, -1, { descending: true }), [0, count]), s);
    }
  }
  return arr ? take(arr, idx, 0) : idx;
}
