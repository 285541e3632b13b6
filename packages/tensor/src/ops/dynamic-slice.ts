// dynamic_slice and dynamic_update_slice: windows at traced start indices, clamped into range as in XLA.
import { DriftError, fmtShape } from "../errors.ts";
import { allocate, isInteger } from "../dtype.ts";
import { stridesOf } from "../shape.ts";
import { type ConcreteArray, type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert } from "./coerce.ts";
import { broadcastTo, moveaxis, reshape, slice } from "./movement.ts";
import { concatenate } from "./movement.ts";
import { zerosLike } from "./creation.ts";

/** Start positions clamped so the window of `sizes` fits in `shape` (XLA semantics). */
function clampedStarts(starts: ConcreteArray[], shape: readonly number[], sizes: readonly number[]): number[] {
  return starts.map((s, i) => Math.min(Math.max(s.buf[0]!, 0), shape[i]! - sizes[i]!));
}

/** Visits each element offset of a window of `sizes` at `starts` in an array of `shape`, in row-major order. */
function forWindow(shape: readonly number[], starts: readonly number[], sizes: readonly number[], visit: (offset: number, k: number) => void): void {
  const strides = stridesOf(shape);
  const r = shape.length;
  let n = 1;
  for (const d of sizes) n *= d;
  if (n === 0) return;
  const idx = new Int32Array(r);
  let off = starts.reduce((acc, s, i) => acc + s * strides[i]!, 0);
  for (let k = 0; k < n; k++) {
    visit(off, k);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < sizes[d]!) break;
      off -= strides[d]! * sizes[d]!;
      idx[d] = 0;
    }
  }
}

function checkStarts(op: string, operand: ShapedArray, starts: ShapedArray[]): void {
  if (starts.length !== operand.ndim)
    throw new DriftError(op, `needs one start index per axis (${operand.ndim}); got ${starts.length}`);
  starts.forEach((s, i) => {
    if (s.ndim !== 0 || !isInteger(s.dtype)) throw new DriftError(op, `start index ${i} must be an integer scalar; got ${s}`);
  });
}

/** dynamic_slice: the window of `sizes` at (clamped) start indices given as integer scalars. */
export const dynamicSlicePrim: Primitive<{ sizes: number[] }> = definePrimitive<{ sizes: number[] }>({
  name: "dynamic_slice",
  abstractEval([x, ...starts], p) {
    checkStarts("dynamicSlice", x!, starts);
    p.sizes.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > x!.shape[i]!)
        throw new DriftError("dynamicSlice", `slice size ${s} on axis ${i} does not fit in shape ${fmtShape(x!.shape)}`);
    });
    return [new ShapedArray(p.sizes, x!.dtype, x!.weakType)];
  },
  impl([x, ...starts], p, [o]) {
    const out = allocate(o!.dtype, o!.size);
    const src = x!.buf;
    forWindow(x!.shape, clampedStarts(starts, x!.shape, p.sizes), p.sizes, (off, k) => (out[k] = src[off]!));
    return [out];
  },
  jvp: ([x, ...starts], [t], p) => [[bind1(dynamicSlicePrim, [x!, ...starts], p)], [t && bind1(dynamicSlicePrim, [t, ...starts], p)]],
  transpose([ct], [x, ...starts]) {
    if (!ct) return [null, ...starts.map(() => null)];
    const aval = (x as UndefPrimal).aval;
    const zeros = broadcastTo(convert(zerosLike(0), aval.dtype), aval.shape);
    return [bind1(dynamicUpdateSlicePrim, [zeros, ct, ...(starts as Tensor[])], null), ...starts.map(() => null)];
  },
  batch([x, ...starts], [dx, ...ds], p, size) {
    if (ds.every((d) => d === null || d === undefined)) {
      const xb = moveaxis(x!, dx!, 0);
      return [[bind1(dynamicSlicePrim, [xb, asTensor(0, "dynamicSlice"), ...starts], { sizes: [size, ...p.sizes] })], [0]];
    }
    // Batched start indices: one slice per batch member.
    const member = (t: Tensor, d: number | null | undefined, b: number): Tensor =>
      d === null || d === undefined ? t : reshape(slice(moveaxis(t, d, 0), [b, b + 1]), t.shape.filter((_, i) => i !== d));
    const outs = Array.from({ length: size }, (_, b) =>
      bind1(dynamicSlicePrim, [member(x!, dx, b), ...starts.map((s, i) => member(s, ds[i], b))], p),
    );
    return [[concatenate(outs.map((o) => reshape(o, [1, ...o.shape])), 0)], [0]];
  },
});

/** dynamic_update_slice: `x` with the window at (clamped) start indices replaced by `update`. */
export const dynamicUpdateSlicePrim: Primitive<null> = definePrimitive<null>({
  name: "dynamic_update_slice",
  abstractEval([x, u, ...starts]) {
    checkStarts("dynamicUpdateSlice", x!, starts);
    if (u!.dtype !== x!.dtype) throw new DriftError("dynamicUpdateSlice", `update dtype ${u!.dtype} differs from the operand's ${x!.dtype}`);
    if (u!.ndim !== x!.ndim || u!.shape.some((d, i) => d > x!.shape[i]!))
      throw new DriftError("dynamicUpdateSlice", `update of shape ${fmtShape(u!.shape)} does not fit in operand of shape ${fmtShape(x!.shape)}`);
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType)];
  },
  impl([x, u, ...starts]) {
    const out = x!.buf.slice();
    writeWindow(out, x!.shape, u!, starts);
    return [out];
  },
  jvp([x, u, ...starts], [tx, tu]) {
    const out = bind1(dynamicUpdateSlicePrim, [x!, u!, ...starts], null);
    if (!tx && !tu) return [[out], [null]];
    const zx = tx ?? broadcastTo(convert(zerosLike(0), x!.dtype), x!.shape);
    const zu = tu ?? broadcastTo(convert(zerosLike(0), u!.dtype), u!.shape);
    return [[out], [bind1(dynamicUpdateSlicePrim, [zx, zu, ...starts], null)]];
  },
  transpose([ct], [x, u, ...starts]) {
    if (!ct) return [null, null, ...starts.map(() => null)];
    const uAval = u instanceof UndefPrimal ? u.aval : (u as Tensor).aval;
    const s = starts as Tensor[];
    const ctX = x instanceof UndefPrimal ? bind1(dynamicUpdateSlicePrim, [ct, broadcastTo(convert(zerosLike(0), uAval.dtype), uAval.shape), ...s], null) : null;
    const ctU = u instanceof UndefPrimal ? bind1(dynamicSlicePrim, [ct, ...s], { sizes: [...uAval.shape] }) : null;
    return [ctX, ctU, ...starts.map(() => null)];
  },
  batch([x, u, ...starts], [dx, du, ...ds], _p, size) {
    const front = (t: Tensor, d: number | null | undefined): Tensor => (d === null || d === undefined ? broadcastTo(t, [size, ...t.shape]) : moveaxis(t, d, 0));
    if (ds.every((d) => d === null || d === undefined))
      return [[bind1(dynamicUpdateSlicePrim, [front(x!, dx), front(u!, du), asTensor(0, "dynamicUpdateSlice"), ...starts], null)], [0]];
    const member = (t: Tensor, d: number | null | undefined, b: number): Tensor =>
      d === null || d === undefined ? t : reshape(slice(moveaxis(t, d, 0), [b, b + 1]), t.shape.filter((_, i) => i !== d));
    const outs = Array.from({ length: size }, (_, b) =>
      bind1(dynamicUpdateSlicePrim, [member(x!, dx, b), member(u!, du, b), ...starts.map((s, i) => member(s, ds[i], b))], null),
    );
    return [[concatenate(outs.map((o) => reshape(o, [1, ...o.shape])), 0)], [0]];
  },
});

/** Writes `u` into `out` (an array of `shape`) at the clamped start indices: the in-place core of dynamic_update_slice. */
export function writeWindow(out: ReturnType<typeof allocate>, shape: readonly number[], u: ConcreteArray, starts: ConcreteArray[]): void {
  const src = u.buf;
  forWindow(shape, clampedStarts(starts, shape, u.shape), u.shape, (off, k) => (out[off] = src[k]!));
}

function startTensors(op: string, starts: readonly ArrayLike[], ndim: number): Tensor[] {
  if (starts.length !== ndim) throw new DriftError(op, `needs one start index per axis (${ndim}); got ${starts.length}`);
  return starts.map((s, i) => {
    const t = asTensor(s, op, `startIndices[${i}]`);
    if (!isInteger(t.dtype)) throw new DriftError(op, `startIndices[${i}] must be an integer; got ${t.dtype}`);
    return convert(t, "int32");
  });
}

/** The window of `sizes` starting at `startIndices` (numbers or traced int scalars; clamped into range), as `lax.dynamic_slice`. */
export function dynamicSlice(x: ArrayLike, startIndices: readonly ArrayLike[], sizes: readonly number[]): Tensor {
  const a = asTensor(x, "dynamicSlice");
  return bind1(dynamicSlicePrim, [a, ...startTensors("dynamicSlice", startIndices, a.ndim)], { sizes: [...sizes] });
}

/**
 * `x` with the window at `startIndices` replaced by `update`, as `lax.dynamic_update_slice`. Eagerly this copies
 * `x`; under `jit` with `x` donated it writes in place.
 */
export function dynamicUpdateSlice(x: ArrayLike, update: ArrayLike, startIndices: readonly ArrayLike[]): Tensor {
  const a = asTensor(x, "dynamicUpdateSlice");
  const u = convert(asTensor(update, "dynamicUpdateSlice", "update"), a.dtype);
  return bind1(dynamicUpdateSlicePrim, [a, u, ...startTensors("dynamicUpdateSlice", startIndices, a.ndim)], null);
}
