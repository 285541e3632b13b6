// Array creation: from JS data, constants, ranges and identity matrices.
import { DriftError, fmtShape } from "../errors.ts";
import { type DType, type TypedArray, allocate, castScalar, checkDType, dtypeOfTypedArray } from "../dtype.ts";
import { checkShape, sizeOf } from "../shape.ts";
import { ConcreteArray, ShapedArray, Tensor } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert, scalar } from "./coerce.ts";
import { broadcastTo } from "./movement.ts";

/** Options naming the dtype of a created array. */
export interface DTypeOptions {
  dtype?: DType;
}

/** Nested JS arrays of numbers or booleans (any depth), as accepted by `np.array`. */
export type NestedArray = number | boolean | readonly NestedArray[];

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function fillFrom(data: NestedArray, shape: readonly number[], out: TypedArray, dtype: DType): void {
  let k = 0;
  const walk = (x: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof x === "number") out[k++] = castScalar(x, dtype);
      else if (typeof x === "boolean") out[k++] = x ? 1 : 0;
      else throw new DriftError("array", `element ${path || "[]"} is ${Array.isArray(x) ? "a nested list" : typeof x}; expected a number (ragged nesting?)`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim])
      throw new DriftError("array", `ragged nested list: ${path || "data"} should have length ${shape[dim]} (inferred shape ${fmtShape(shape)})`);
    x.forEach((c, i) => walk(c, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, "");
}

function firstScalar(data: NestedArray): unknown {
  let cur: unknown = data;
  while (Array.isArray(cur) && cur.length > 0) cur = cur[0];
  return cur;
}

/**
 * Creates an array from nested JS arrays, a typed array (1-D), a number/boolean (0-d) or another array.
 * Numbers default to float32 and booleans to bool; a typed array keeps its own dtype.
 */
export function array(data: NestedArray | ArrayBufferView | Tensor, opts: DTypeOptions = {}): Tensor {
  const dtype = opts.dtype === undefined ? undefined : checkDType("array", opts.dtype);
  // Scalars are the most frequent input (env rewards, flags, info): skip the nested-list walk.
  if (typeof data === "number" || typeof data === "boolean") {
    const dt = dtype ?? (typeof data === "boolean" ? "bool" : "float32");
    const out = allocate(dt, 1);
    out[0] = typeof data === "boolean" ? (data ? 1 : 0) : castScalar(data, dt);
    return new ConcreteArray(new ShapedArray([], dt), out);
  }
  if (data instanceof Tensor) return dtype ? convert(data, dtype) : data;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    if (!own) throw new DriftError("array", `unsupported typed array ${data.constructor.name}; use Float32Array, Float64Array, Int32Array, Uint32Array or Uint8Array`);
    const dt = dtype ?? own;
    const src = data as TypedArray;
    const out = allocate(dt, src.length);
    if (dt === "bool") for (let i = 0; i < src.length; i++) out[i] = src[i] ? 1 : 0;
    else out.set(src);
    return new ConcreteArray(new ShapedArray([src.length], dt), out);
  }
  const shape = inferShape(data);
  const first = firstScalar(data);
  const dt = dtype ?? (typeof first === "boolean" ? "bool" : "float32");
  const out = allocate(dt, sizeOf(shape));
  fillFrom(data, shape, out, dt);
  return new ConcreteArray(new ShapedArray(shape, dt), out);
}

/** An array of `shape` filled with `value`. */
export function full(shape: number | readonly number[], value: number | boolean, opts: DTypeOptions = {}): Tensor {
  const s = checkShape("full", shape);
  const dtype = opts.dtype ? checkDType("full", opts.dtype) : typeof value === "boolean" ? "bool" : "float32";
  const out = allocate(dtype, sizeOf(s));
  const v = castScalar(Number(value), dtype);
  if (v !== 0) out.fill(v);
  return new ConcreteArray(new ShapedArray(s, dtype), out);
}

/** Zeros of `shape` (float32 by default). */
export function zeros(shape: number | readonly number[], opts: DTypeOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** Ones of `shape` (float32 by default). */
export function ones(shape: number | readonly number[], opts: DTypeOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with the shape and dtype of `x` (traced under transformations). */
export function zerosLike(x: ArrayLike, opts: DTypeOptions = {}): Tensor {
  const a = asTensor(x, "zerosLike");
  return broadcastTo(scalar(0, opts.dtype ?? a.dtype), a.shape);
}

/** Ones with the shape and dtype of `x`. */
export function onesLike(x: ArrayLike, opts: DTypeOptions = {}): Tensor {
  const a = asTensor(x, "onesLike");
  return broadcastTo(scalar(1, opts.dtype ?? a.dtype), a.shape);
}

/** Values `start, start+step, ...` below `stop` (`arange(n)` = 0..n−1); int32 when all arguments are integers. */
export function arange(start: number, stop?: number, step = 1, opts: DTypeOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [name, v] of [["start", start], ["stop", stop], ["step", step]] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new DriftError("arange", `${name} must be a finite number; got ${v}`);
  if (step === 0) throw new DriftError("arange", "step must not be 0");
  const dtype = opts.dtype ?? ([start, stop, step].every(Number.isInteger) ? "int32" : "float32");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = castScalar(start + i * step, dtype);
  return new ConcreteArray(new ShapedArray([n], dtype), out);
}

/** int32 `0..n−1` (internal helper for index arithmetic). */
export function arangeInt(n: number): Tensor {
  return arange(0, n, 1, { dtype: "int32" });
}

/** `num` evenly spaced values from `start` to `stop` (inclusive unless `endpoint: false`). */
export function linspace(start: number, stop: number, num = 50, opts: DTypeOptions & { endpoint?: boolean } = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new DriftError("linspace", `num must be a non-negative integer; got ${num}`);
  const dtype = opts.dtype ?? "float32";
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out = allocate(dtype, num);
  for (let i = 0; i < num; i++) out[i] = castScalar(start + i * step, dtype);
  if (endpoint && num > 1) out[num - 1] = castScalar(stop, dtype);
  return new ConcreteArray(new ShapedArray([num], dtype), out);
}

/** The `n × m` identity (ones on diagonal `k`). */
export function eye(n: number, m?: number, opts: DTypeOptions & { k?: number } = {}): Tensor {
  const cols = m ?? n;
  checkShape("eye", [n, cols]);
  const dtype = opts.dtype ?? "float32";
  const k = opts.k ?? 0;
  const out = allocate(dtype, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) out[i * cols + j] = 1;
  }
  return new ConcreteArray(new ShapedArray([n, cols], dtype), out);
}

