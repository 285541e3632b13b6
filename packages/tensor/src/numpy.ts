// The `np` namespace: numpy-style functions over Drift arrays (positional args stay positional, keywords become options).
import "./ops/methods.ts";
import "./backend/install.ts";
import { norm } from "./ops/linalg.ts";
import { cholesky, det, eigh, eigvalsh, inv, qr, slogdet, solve, solveTriangular } from "./ops/decompositions.ts";
export { array, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye } from "./ops/creation.ts";
export type { DTypeOptions, NestedArray } from "./ops/creation.ts";
export {
  add, sub as subtract, sub, mul as multiply, mul, div as divide, div, pow as power, pow, rem, neg as negative, neg,
  square, sqrt, rsqrt, exp, expm1, log, log1p, abs, sign, sin, cos, tanh, sigmoid, softplus, erf, erfinv,
  floor, ceil, round, trunc, maximum, minimum, clip, where, isfinite,
  greater, greaterEqual, less, lessEqual, equal, notEqual,
  logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot, shiftLeft, shiftRightLogical,
  arcsin, arccos, arctan, arctan2, tan, sinh, cosh, arcsinh, arccosh, arctanh, log2, log10, exp2, hypot,
  mod, mod as remainder, fmod, floorDivide, divmod, isnan, isinf, nanToNum, isclose, logaddexp, deg2rad, deg2rad as radians, rad2deg, rad2deg as degrees,
} from "./ops/elementwise.ts";
export type { NanToNumOptions } from "./ops/elementwise.ts";
export {
  sum, mean, max, min, prod, argmax, argmin, variance as var, std, logsumexp, softmax, logSoftmax, cumsum, cumprod, any, all, countNonzero, allclose,
} from "./ops/reduce.ts";
export type { ReduceOptions, VarOptions } from "./ops/reduce.ts";
export {
  reshape, transpose, moveaxis, swapaxes, expandDims, squeeze, broadcastTo, concatenate, stack, split, slice, tile, flip, pad, roll, meshgrid,
  ravel, vstack, hstack,
} from "./ops/movement.ts";
export { take, takeAlongAxis, diagonal, diag, trace, repeat, diff, oneHot } from "./ops/indexing.ts";
export { matmul, dot, tensordot, einsum, outer, tril, triu } from "./ops/linalg.ts";
export type { NormOrder } from "./ops/linalg.ts";
/** `np.linalg`, as `jnp.linalg`: norms, solves (general and triangular), inverse, Cholesky, determinants, eigh, QR. */
export const linalg = { norm, solve, solveTriangular, inv, cholesky, det, slogdet, eigh, eigvalsh, qr } as const;
export { convert as astype } from "./ops/coerce.ts";
export type { ArrayLike } from "./ops/coerce.ts";
export { Tensor as Array } from "./core/tensor.ts";
export type { DType } from "./dtype.ts";
export { argsort, sort, quantile, percentile, median, searchsorted, interp } from "./ops/sort.ts";
export type { QuantileOptions } from "./ops/sort.ts";
