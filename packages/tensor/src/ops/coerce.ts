// Turning user arguments (arrays, JS numbers, booleans) into arrays, and dtype conversion.
import { DriftError } from "../errors.ts";
import { type DType, INT_RANGE, allocate, castSaturates, castScalar, convertScalar, truncSaturate } from "../dtype.ts";
import { type Primitive, ConcreteArray, ShapedArray, Tensor, bind1, definePrimitive } from "../core/tensor.ts";
import { broadcastStrides, stridedCopy } from "../backend/js.ts";

/** What ops accept where an array is expected: an array, a JS number or a boolean (both act as scalars). */
export type ArrayLike = Tensor | number | boolean;

/** A concrete 0-d array. */
export function scalar(value: number, dtype: DType, weakType = false): ConcreteArray {
  const data = allocate(dtype, 1);
  data[0] = castScalar(value, dtype);
  const out = new ConcreteArray(new ShapedArray([], dtype, weakType), data);
  if (weakType && isFloatDType(dtype)) out.exactScalar = value;
  return out;
}

/**
 * The dtype of a weak scalar made from a JS number: int32 for an integer that fits (a Python int in JAX), uint32 for
 * one in [2^31, 2^32) (bit masks and hash constants on uint32 arrays), float32 for anything else: fractions, -0 and
 * integral values beyond 32 bits (1e10, 2 ** 40), which an integer dtype would wrap.
 */
function weakDTypeOf(x: number): DType {
  if (!Number.isInteger(x) || Object.is(x, -0) || x < -(2 ** 31) || x >= 2 ** 32) return "float32";
  return x < 2 ** 31 ? "int32" : "uint32";
}

/**
 * Converts an op argument to an array: JS numbers become weak scalars ({@link weakDTypeOf}), booleans bool scalars.
 * Anything else is an error naming the op and argument.
 */
export function asTensor(x: unknown, op: string, arg = "x"): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x, weakDTypeOf(x), true);
  if (typeof x === "boolean") return scalar(x ? 1 : 0, "bool");
  const what = Array.isArray(x) ? "a JS array (wrap it with np.array)" : x === null ? "null" : typeof x;
  throw new DriftError(op, `${arg} must be an array or a number; got ${what}`);
}

/**
 * convert_element_type: elementwise cast to another dtype. Float → int truncates toward zero and saturates at the
 * integer range, NaN → 0 (XLA's rule, {@link convertScalar}); integer → integer wraps modulo 2^32.
 */
export const convertPrim: Primitive<{ dtype: DType; weakType: boolean }> = definePrimitive<{ dtype: DType; weakType: boolean }>({
  name: "convert_element_type",
  abstractEval: ([x], p) => [new ShapedArray(x!.shape, p.dtype, p.weakType)],
  impl([x], p) {
    const out = allocate(p.dtype, x!.size);
    const src = x!.buf;
    if (p.dtype === "bool") for (let i = 0; i < out.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
    else if (castSaturates(x!.dtype, p.dtype)) {
      const [lo, hi] = INT_RANGE[p.dtype];
      for (let i = 0; i < out.length; i++) out[i] = truncSaturate(src[i]!, lo, hi);
    } else out.set(src);
    return [out];
  },
  jsExpr: ([x], p) => {
    if (p.dtype === "bool") return "(a !== 0 ? 1 : 0)";
    if (!castSaturates(x!.dtype, p.dtype)) return "a";
    const [lo, hi] = INT_RANGE[p.dtype];
    return `(a === a ? Math.min(Math.max(Math.trunc(a), ${lo}), ${hi}) : 0)`;
  },
  jvp: ([x], [t], p) => [[convert(x!, p.dtype, p.weakType)], [t && isFloatDType(p.dtype) ? convert(t, p.dtype, p.weakType) : null]],
  transpose: ([ct], [x]) => [ct === null ? null : convert(ct, (x as { aval: ShapedArray }).aval.dtype)],
  batch: ([x], [d], p) => [[convert(x!, p.dtype, p.weakType)], [d!]],
});

function isFloatDType(d: DType): boolean {
  return d === "float32" || d === "float64";
}

/** Casts `x` to `dtype`; a no-op when it already has it. Concrete scalars are converted without an op. */
export function convert(x: Tensor, dtype: DType, weakType = false): Tensor {
  if (x.dtype === dtype && x.weakType === weakType) return x;
  if (x instanceof ConcreteArray && x.size === 1 && x.ndim === 0) return scalar(convertScalar(x.exactScalar ?? x.buf[0]!, x.dtype, dtype), dtype, weakType);
  return bind1(convertPrim, [x], { dtype, weakType });
}

/** Materialises a concrete array broadcast to `shape` (used by eager kernels that need equal shapes). */
export function broadcastData(x: ConcreteArray, shape: readonly number[]): ConcreteArray {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  let n = 1;
  for (const d of shape) n *= d;
  const out = stridedCopy(x.buf, 0, broadcastStrides(x.shape, shape), shape, allocate(x.dtype, n));
  return new ConcreteArray(new ShapedArray(shape, x.dtype), out);
}
