// The shared op suite: one case per primitive or composite, reused by gradient, vmap and (later) jit/backend tests.
import { type Array, lax, np } from "../src/index.ts";
import { randn, randu } from "./helpers.ts";

/** One op under test: a function of arrays and a generator of valid float64 inputs. */
export interface OpCase {
  name: string;
  fn: (...args: Array[]) => Array;
  args: () => Array[];
  /** False for ops with no useful derivative (integer outputs, piecewise constant). */
  differentiable?: boolean;
}

const i32 = (xs: number[] | number[][]): Array => np.array(xs as any, { dtype: "int32" });

/** Every op case; inputs are float64 unless the op needs otherwise. */
export const OP_CASES: OpCase[] = [
  // elementwise unary
  { name: "neg", fn: np.neg, args: () => [randn([3, 4])] },
  { name: "exp", fn: np.exp, args: () => [randn([3, 4])] },
  { name: "log", fn: np.log, args: () => [randu([3, 4], 0.5, 3)] },
  { name: "expm1", fn: np.expm1, args: () => [randn([5])] },
  { name: "log1p", fn: np.log1p, args: () => [randu([5], -0.5, 2)] },
  { name: "sin", fn: np.sin, args: () => [randn([3, 4])] },
  { name: "cos", fn: np.cos, args: () => [randn([3, 4])] },
  { name: "tanh", fn: np.tanh, args: () => [randn([3, 4])] },
  { name: "sqrt", fn: np.sqrt, args: () => [randu([3, 4], 0.5, 3)] },
  { name: "rsqrt", fn: np.rsqrt, args: () => [randu([3, 4], 0.5, 3)] },
  { name: "abs", fn: np.abs, args: () => [np.array([-2.5, -0.7, 0.4, 1.9], { dtype: "float64" })] },
  { name: "erf", fn: np.erf, args: () => [randn([6])] },
  { name: "erfinv", fn: np.erfinv, args: () => [randu([6], -0.9, 0.9)] },
  { name: "sigmoid", fn: np.sigmoid, args: () => [randn([3, 4])] },
  { name: "softplus", fn: np.softplus, args: () => [randn([3, 4])] },
  { name: "square", fn: np.square, args: () => [randn([3, 4])] },
  { name: "sign", fn: np.sign, args: () => [randn([5])], differentiable: false },
  { name: "floor", fn: np.floor, args: () => [randu([5], 0.1, 0.9)] },
  { name: "round", fn: np.round, args: () => [np.array([0.5, 1.5, 2.5, -0.5, 1.2], { dtype: "float64" })], differentiable: false },
  // float → integer casts truncate and saturate, NaN → 0
  ...(["int32", "uint32"] as const).map((dtype) => ({
    name: `astype ${dtype}`,
    fn: (x: Array) => np.astype(x, dtype),
    args: () => [np.array([3e9, -3e9, 2.7, -2.7, -0.5, NaN, Infinity, -Infinity, 5e9, 123.9], { dtype: "float64" })],
    differentiable: false,
  })),
  // elementwise binary, with broadcasting
  { name: "add", fn: np.add, args: () => [randn([3, 4]), randn([4])] },
  { name: "sub", fn: np.sub, args: () => [randn([3, 1]), randn([1, 4])] },
  { name: "mul", fn: np.mul, args: () => [randn([2, 3, 4]), randn([3, 4])] },
  { name: "div", fn: np.div, args: () => [randn([3, 4]), randu([4], 1, 2)] },
  { name: "pow", fn: np.pow, args: () => [randu([3, 4], 0.5, 2), randn([3, 4])] },
  { name: "maximum", fn: np.maximum, args: () => [randn([3, 4]), randn([3, 4])] },
  { name: "minimum", fn: np.minimum, args: () => [randn([3, 4]), randn([4])] },
  { name: "rem", fn: np.rem, args: () => [randu([5], 2.1, 2.9), np.array([1.0, 1.0, 1.0, 1.0, 1.0], { dtype: "float64" })] },
  { name: "clip", fn: (x) => np.clip(x, -0.5, 0.5), args: () => [randn([8])] },
  { name: "where", fn: (x, y) => np.where(np.greater(x, 0), x, y), args: () => [randn([3, 4]), randn([4])] },
  { name: "greater", fn: np.greater, args: () => [randn([3, 4]), randn([4])], differentiable: false },
  // reductions
  { name: "sum", fn: (x) => np.sum(x, 1), args: () => [randn([3, 4, 2])] },
  { name: "sum-all", fn: (x) => np.sum(x), args: () => [randn([3, 4])] },
  { name: "sum-axis0-keepdims", fn: (x) => np.sum(x, 0, { keepdims: true }), args: () => [randn([3, 4])] },
  { name: "mean", fn: (x) => np.mean(x, [0, 2]), args: () => [randn([3, 4, 2])] },
  { name: "max", fn: (x) => np.max(x, -1), args: () => [randn([3, 5])] },
  { name: "min", fn: (x) => np.min(x, 0), args: () => [randn([3, 5])] },
  { name: "prod", fn: (x) => np.prod(x, 1), args: () => [randn([3, 5])] },
  { name: "var", fn: (x) => np.var(x, 1), args: () => [randn([3, 5])] },
  { name: "std", fn: (x) => np.std(x, 0), args: () => [randn([4, 3])] },
  { name: "logsumexp", fn: (x) => np.logsumexp(x, -1), args: () => [randn([3, 5])] },
  { name: "softmax", fn: (x) => np.softmax(x, -1), args: () => [randn([3, 5])] },
  { name: "logSoftmax", fn: (x) => np.logSoftmax(x, 0), args: () => [randn([3, 5])] },
  { name: "cumsum", fn: (x) => np.cumsum(x, 1), args: () => [randn([3, 5])] },
  { name: "cumsum-reverse", fn: (x) => np.cumsum(x, 0, { reverse: true }), args: () => [randn([3, 5])] },
  { name: "argmax", fn: (x) => np.argmax(x, 1), args: () => [randn([3, 5])], differentiable: false },
  { name: "argmin", fn: (x) => np.argmin(x, 0), args: () => [randn([3, 5])], differentiable: false },
  // movement
  { name: "reshape", fn: (x) => np.reshape(x, [2, -1]), args: () => [randn([3, 4])] },
  { name: "transpose", fn: (x) => np.transpose(x, [2, 0, 1]), args: () => [randn([2, 3, 4])] },
  { name: "broadcastTo", fn: (x) => np.broadcastTo(x, [2, 3, 4]), args: () => [randn([3, 1])] },
  { name: "expandDims", fn: (x) => np.expandDims(x, 1), args: () => [randn([3, 4])] },
  { name: "squeeze", fn: (x) => np.squeeze(x, 1), args: () => [randn([3, 1, 4])] },
  { name: "slice", fn: (x) => np.slice(x, [1, null], [null, null, 2]), args: () => [randn([4, 5])] },
  { name: "slice-negative-step", fn: (x) => np.slice(x, [null, null, -2]), args: () => [randn([7])] },
  { name: "pad", fn: (x) => np.pad(x, [[1, 2], [0, 1]]), args: () => [randn([3, 4])] },
  { name: "concatenate", fn: (x, y) => np.concatenate([x, y], 1), args: () => [randn([3, 2]), randn([3, 4])] },
  { name: "stack", fn: (x, y) => np.stack([x, y], 1), args: () => [randn([3, 4]), randn([3, 4])] },
  { name: "split", fn: (x) => np.split(x, 2, 1)[1]!, args: () => [randn([3, 4])] },
  { name: "tile", fn: (x) => np.tile(x, [2, 3]), args: () => [randn([2, 3])] },
  { name: "flip", fn: (x) => np.flip(x, 1), args: () => [randn([3, 4])] },
  { name: "moveaxis", fn: (x) => np.moveaxis(x, 0, -1), args: () => [randn([2, 3, 4])] },
  // indexing
  { name: "take", fn: (x) => np.take(x, i32([2, 0, 2, -1]), 1), args: () => [randn([3, 4])] },
  { name: "take-2d-indices", fn: (x) => np.take(x, i32([[0, 1], [2, 2]]), 0), args: () => [randn([3, 4])] },
  { name: "takeAlongAxis", fn: (x) => np.takeAlongAxis(x, i32([[1], [0], [3]]), 1), args: () => [randn([3, 4])] },
  { name: "sort", fn: (x) => np.sort(x, -1), args: () => [randn([3, 5])] },
  { name: "oneHot-dot", fn: (x) => np.sum(np.mul(x, np.oneHot(i32([1, 0, 3]), 4, { dtype: "float64" })), -1), args: () => [randn([3, 4])] },
  { name: "dynamicSlice", fn: (x) => lax.dynamicSlice(x, [1, np.array(2, { dtype: "int32" })], [2, 2]), args: () => [randn([4, 5])] },
  { name: "dynamicSlice-clamped", fn: (x) => lax.dynamicSlice(x, [3, -1], [2, 3]), args: () => [randn([4, 5])] },
  { name: "dynamicUpdateSlice", fn: (x, u) => lax.dynamicUpdateSlice(x, u, [1, np.array(3, { dtype: "int32" })]), args: () => [randn([4, 5]), randn([2, 2])] },
  // linear algebra
  { name: "matmul", fn: np.matmul, args: () => [randn([3, 4]), randn([4, 5])] },
  { name: "matmul-batched-broadcast", fn: np.matmul, args: () => [randn([2, 3, 4]), randn([4, 5])] },
  { name: "matmul-vector", fn: np.matmul, args: () => [randn([4]), randn([4, 5])] },
  { name: "matmul-transposed", fn: (a, b) => np.matmul(a.T, b.T), args: () => [randn([4, 3]), randn([5, 4])] },
  { name: "dot", fn: np.dot, args: () => [randn([3, 4]), randn([4])] },
  { name: "einsum-ij,jk", fn: (a, b) => np.einsum("ij,jk->ik", a, b), args: () => [randn([3, 4]), randn([4, 2])] },
  { name: "einsum-bij,bjk", fn: (a, b) => np.einsum("bij,bjk->bik", a, b), args: () => [randn([2, 3, 4]), randn([2, 4, 2])] },
  { name: "einsum-bi,bi", fn: (a, b) => np.einsum("bi,bi->b", a, b), args: () => [randn([3, 4]), randn([3, 4])] },
  { name: "einsum-i,j", fn: (a, b) => np.einsum("i,j->ij", a, b), args: () => [randn([3]), randn([4])] },
  { name: "einsum-bi,ij", fn: (a, b) => np.einsum("bi,ij->bj", a, b), args: () => [randn([2, 3]), randn([3, 4])] },
  { name: "einsum-...ij,jk (ellipsis)", fn: (a, b) => np.einsum("...ij,jk->...ik", a, b), args: () => [randn([2, 3, 4]), randn([4, 2])] },
  { name: "einsum-...i,...i (broadcast ellipsis)", fn: (a, b) => np.einsum("...i,...i", a, b), args: () => [randn([2, 1, 4]), randn([3, 4])] },
  { name: "einsum-bii->bi (diagonal)", fn: (a) => np.einsum("bii->bi", a), args: () => [randn([2, 3, 3])] },
  { name: "einsum-ii,ij (trace-like)", fn: (a, b) => np.einsum("ii,ij->j", a, b), args: () => [randn([3, 3]), randn([3, 2])] },
  { name: "diagonal", fn: (x) => np.diagonal(x, 1, 0, 2), args: () => [randn([3, 2, 4])] },
  { name: "trace", fn: (x) => np.trace(x, -1), args: () => [randn([4, 3])] },
  { name: "arcsin", fn: np.arcsin, args: () => [randu([5], -0.9, 0.9)] },
  { name: "arccos", fn: np.arccos, args: () => [randu([5], -0.9, 0.9)] },
  { name: "arctan", fn: np.arctan, args: () => [randn([5])] },
  { name: "arctan2", fn: np.arctan2, args: () => [randu([2, 3], 0.2, 2), randu([3], -2, -0.2)] },
  { name: "tan", fn: np.tan, args: () => [randu([5], -1.2, 1.2)] },
  { name: "sinh cosh", fn: (x) => np.add(np.sinh(x), np.cosh(x)), args: () => [randn([5])] },
  { name: "arcsinh arccosh", fn: (x, y) => np.add(np.arcsinh(x), np.arccosh(y)), args: () => [randn([5]), randu([5], 1.2, 4)] },
  { name: "arctanh", fn: np.arctanh, args: () => [randu([5], -0.9, 0.9)] },
  { name: "log2 log10 exp2", fn: (x) => np.add(np.add(np.log2(x), np.log10(x)), np.exp2(x)), args: () => [randu([5], 0.5, 3)] },
  { name: "hypot", fn: np.hypot, args: () => [randu([2, 3], 0.5, 2), randu([3], -2, -0.5)] },
  { name: "mod", fn: np.mod, args: () => [np.array([5.3, -5.3, 5.3, -5.3, 2.2], { dtype: "float64" }), np.array([3, 3, -3, -3, 0.7], { dtype: "float64" })] },
  {
    name: "isnan isinf nanToNum",
    fn: (x) => np.add(np.add(np.astype(np.isnan(x), x.dtype), np.astype(np.isinf(x), x.dtype)), np.nanToNum(x, { posinf: 9, neginf: -9 })),
    args: () => [np.array([1.5, NaN, Infinity, -Infinity, -2], { dtype: "float64" })],
    differentiable: false,
  },
  {
    name: "any all countNonzero isclose",
    fn: (x, y) => np.stack([np.any(np.greater(x, 0.5), 0), np.all(np.isclose(x, y), 0), np.greater(np.countNonzero(np.greater(x, 0), 0), 1)]),
    args: () => [np.array([[0.1, 0.9, -1], [0.2, 0.3, 2]], { dtype: "float64" }), np.array([[0.1, 0.9, -1], [0.2, 0.31, 2]], { dtype: "float64" })],
    differentiable: false,
  },
  { name: "linalg.norm (2-norm of rows)", fn: (x) => np.linalg.norm(x, null, -1), args: () => [randn([3, 4])] },
  { name: "linalg.norm (p = 3, keepdims)", fn: (x) => np.linalg.norm(x, 3, 0, { keepdims: true }), args: () => [randn([3, 4])] },
  { name: "linalg.norm (matrix 1 + Frobenius)", fn: (x) => np.add(np.linalg.norm(x, 1), np.linalg.norm(x, "fro")), args: () => [randn([3, 4])] },
  { name: "linalg.norm (matrix ∞, axes 2 and 0)", fn: (x) => np.linalg.norm(x, Infinity, [2, 0]), args: () => [randn([3, 2, 4])] },
  { name: "outer", fn: np.outer, args: () => [randn([3]), randn([2])] },
];
