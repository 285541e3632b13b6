// Dtypes, their typed-array storage, and the promotion rules used by binary ops.
import { DriftError } from "./errors.ts";

/** The element types an array can hold. `float32` is the default for floating data. */
export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";

/** Every valid dtype, for validation messages. */
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"];

/** The typed array that stores each dtype. `bool` is stored as 0/1 bytes. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** The typed-array constructor for a dtype. */
export function storageFor(dtype: DType): new (n: number) => TypedArray {
  switch (dtype) {
    case "float32":
      return Float32Array;
    case "float64":
      return Float64Array;
    case "int32":
      return Int32Array;
    case "uint32":
      return Uint32Array;
    case "bool":
      return Uint8Array;
  }
}

/** Allocates zeroed storage of `n` elements for `dtype`. */
export function allocate(dtype: DType, n: number): TypedArray {
  return new (storageFor(dtype))(n);
}

/** The dtype a typed array naturally holds (Uint8Array is read as bool). */
export function dtypeOfTypedArray(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof Uint8Array) return "bool";
  return undefined;
}

/** True for float32/float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** True for int32/uint32. */
export function isInteger(dtype: DType): boolean {
  return dtype === "int32" || dtype === "uint32";
}

/** Validates a user-supplied dtype string, naming the valid choices on error. */
export function checkDType(op: string, dtype: unknown): DType {
  if (typeof dtype === "string" && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new DriftError(op, `dtype must be one of ${DTYPES.join(", ")}; got ${String(dtype)}`);
}

const RANK: Record<DType, number> = { bool: 0, uint32: 1, int32: 2, float32: 3, float64: 4 };

/**
 * Result dtype of combining two arrays, JAX-style: bool < uint32 < int32 < float32 < float64,
 * where a weakly typed operand (a JS number) never widens a strong one of the same kind.
 */
export function promoteTypes(a: DType, aWeak: boolean, b: DType, bWeak: boolean): DType {
  if (aWeak && !bWeak) return weakJoin(b, a);
  if (bWeak && !aWeak) return weakJoin(a, b);
  return RANK[a] >= RANK[b] ? a : b;
}

/** A strong dtype combined with a weak scalar keeps its dtype unless the scalar is of a higher kind. */
function weakJoin(strong: DType, weak: DType): DType {
  if (isFloat(strong)) return strong;
  if (isFloat(weak)) return "float32";
  if (strong === "bool") return weak;
  return strong;
}

/** Smallest and largest values of the 32-bit integer dtypes. */
export const INT_RANGE = { int32: [-2147483648, 2147483647], uint32: [0, 4294967295] } as const;

/** True for a float → 32-bit integer cast, which truncates toward zero and saturates at the integer range (NaN → 0). */
export function castSaturates(from: DType, to: DType): to is "int32" | "uint32" {
  return (from === "float32" || from === "float64") && (to === "int32" || to === "uint32");
}

/**
 * The value `convert_element_type` stores when casting `x` of dtype `from` to `to`: as XLA does, a float becomes an
 * integer by truncation toward zero, saturating at the integer type's range, with NaN → 0 (so 3e9 → 2147483647 as
 * int32 and −1.5 → 0 as uint32); integer sources wrap modulo 2^32 (−1 int32 → 4294967295 uint32), as in JAX.
 */
export function convertScalar(x: number, from: DType, to: DType): number {
  if (!castSaturates(from, to)) return castScalar(x, to);
  const [lo, hi] = INT_RANGE[to];
  return truncSaturate(x, lo, hi);
}

/** `x` truncated toward zero and clamped to [lo, hi]; NaN → 0. */
export function truncSaturate(x: number, lo: number, hi: number): number {
  return x === x ? Math.min(Math.max(Math.trunc(x), lo), hi) : 0;
}

/** Converts a JS number to the value stored for `dtype` (wrapping ints, 0/1 for bool). */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype) {
    case "float32":
      return Math.fround(x);
    case "float64":
      return x;
    case "int32":
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case "uint32":
      return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case "bool":
      return x ? 1 : 0;
  }
}
