// Movement primitives (reshape, transpose, broadcast, slice, pad, concatenate, reverse) and numpy shape functions.
import { DriftError, fmtShape } from "../errors.ts";
import { allocate } from "../dtype.ts";
import { checkShape, normAxes, normAxis, shapesEqual, sizeOf, stridesOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { stridedCopy } from "../backend/js.ts";
import { type ArrayLike, asTensor, convert, scalar } from "./coerce.ts";
import { reduceSum } from "./reduce.ts";

const avalShape = (x: Tensor | UndefPrimal): readonly number[] => (x instanceof UndefPrimal ? x.aval.shape : x.shape);

/** reshape: same data, new shape of equal size (shares the buffer eagerly). */
export const reshapePrim: Primitive<{ shape: number[] }> = definePrimitive<{ shape: number[] }>({
  name: "reshape",
  abstractEval: ([x], p) => [new ShapedArray(p.shape, x!.dtype, x!.weakType)],
  impl: ([x]) => [x!.buf],
  jvp: ([x], [t], p) => [[reshapePrimitive(x!, p.shape)], [t && reshapePrimitive(t, p.shape)]],
  transpose: ([ct], [x]) => [ct && reshapePrimitive(ct, avalShape(x!))],
  batch: ([x], [d], p, size) => [[reshapePrimitive(moveaxis(x!, d!, 0), [size, ...p.shape])], [0]],
});

function reshapePrimitive(x: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(x.shape, shape) ? x : bind1(reshapePrim, [x], { shape: [...shape] });
}

/** Reshapes `x` (one dimension may be −1). */
export function reshape(x: ArrayLike, shape: number | readonly number[]): Tensor {
  const a = asTensor(x, "reshape");
  const dims = typeof shape === "number" ? [shape] : [...shape];
  const unknown = dims.filter((d) => d === -1).length;
  if (unknown > 1 || !dims.every((d) => Number.isInteger(d) && d >= -1))
    throw new DriftError("reshape", `shape must be non-negative integers with at most one -1; got ${JSON.stringify(shape)}`);
  if (unknown === 1) {
    const known = sizeOf(dims.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0)
      throw new DriftError("reshape", `cannot reshape an array of shape ${fmtShape(a.shape)} (size ${a.size}) into ${fmtShape(dims)}`);
    dims[dims.indexOf(-1)] = a.size / known;
  }
  if (sizeOf(dims) !== a.size)
    throw new DriftError("reshape", `cannot reshape an array of shape ${fmtShape(a.shape)} (size ${a.size}) into ${fmtShape(dims)}`);
  return reshapePrimitive(a, dims);
}

/** transpose: permutes axes. */
export const transposePrim: Primitive<{ perm: number[] }> = definePrimitive<{ perm: number[] }>({
  name: "transpose",
  abstractEval: ([x], p) => [new ShapedArray(p.perm.map((i) => x!.shape[i]!), x!.dtype, x!.weakType)],
  impl([x], p, [o]) {
    const strides = stridesOf(x!.shape);
    return [stridedCopy(x!.buf, 0, p.perm.map((i) => strides[i]!), o!.shape, allocate(o!.dtype, o!.size))];
  },
  jvp: ([x], [t], p) => [[transposePerm(x!, p.perm)], [t && transposePerm(t, p.perm)]],
  transpose: ([ct], _x, p) => [ct && transposePerm(ct, invertPerm(p.perm))],
  batch: ([x], [d], p) => [[transposePerm(moveaxis(x!, d!, 0), [0, ...p.perm.map((i) => i + 1)])], [0]],
});

function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function transposePerm(x: Tensor, perm: readonly number[]): Tensor {
  return perm.every((p, i) => p === i) ? x : bind1(transposePrim, [x], { perm: [...perm] });
}

/** Permutes the axes of `x` (reverses them by default). */
export function transpose(x: ArrayLike, axes?: readonly number[]): Tensor {
  const a = asTensor(x, "transpose");
  const perm = axes === undefined ? a.shape.map((_, i) => a.ndim - 1 - i) : axes.map((ax) => normAxis("transpose", ax, a.ndim, "axes"));
  if (perm.length !== a.ndim || new Set(perm).size !== perm.length)
    throw new DriftError("transpose", `axes must be a permutation of 0..${a.ndim - 1}; got [${axes?.join(",")}]`);
  return transposePerm(a, perm);
}

/** Moves axis `source` to position `destination`. */
export function moveaxis(x: ArrayLike, source: number, destination: number): Tensor {
  const a = asTensor(x, "moveaxis");
  const s = normAxis("moveaxis", source, a.ndim, "source");
  const d = normAxis("moveaxis", destination, a.ndim, "destination");
  if (s === d) return a;
  const perm = a.shape.map((_, i) => i).filter((i) => i !== s);
  perm.splice(d, 0, s);
  return transposePerm(a, perm);
}

/** Swaps two axes. */
export function swapaxes(x: ArrayLike, axis1: number, axis2: number): Tensor {
  const a = asTensor(x, "swapaxes");
  const i = normAxis("swapaxes", axis1, a.ndim, "axis1");
  const j = normAxis("swapaxes", axis2, a.ndim, "axis2");
  const perm = a.shape.map((_, k) => k);
  perm[i] = j;
  perm[j] = i;
  return transposePerm(a, perm);
}

interface BroadcastParams {
  shape: number[];
  /** For each operand axis, the output axis it maps to. */
  dims: number[];
}

/** broadcast_in_dim: places operand axes at `dims` of a larger shape, repeating along the others and size-1 axes. */
export const broadcastInDimPrim: Primitive<BroadcastParams> = definePrimitive<BroadcastParams>({
  name: "broadcast_in_dim",
  abstractEval([x], p) {
    x!.shape.forEach((d, i) => {
      const o = p.shape[p.dims[i]!];
      if (d !== 1 && d !== o) throw new DriftError("broadcast_in_dim", `cannot broadcast ${fmtShape(x!.shape)} to ${fmtShape(p.shape)}`);
    });
    return [new ShapedArray(p.shape, x!.dtype, x!.weakType)];
  },
  impl([x], p, [o]) {
    const inStrides = stridesOf(x!.shape);
    const strides = new Array<number>(p.shape.length).fill(0);
    p.dims.forEach((od, i) => (strides[od] = x!.shape[i] === 1 ? 0 : inStrides[i]!));
    return [stridedCopy(x!.buf, 0, strides, o!.shape, allocate(o!.dtype, o!.size))];
  },
  jvp: ([x], [t], p) => [[bind1(broadcastInDimPrim, [x!], p)], [t && bind1(broadcastInDimPrim, [t], p)]],
  transpose([ct], [x], p) {
    if (!ct) return [null];
    const inShape = avalShape(x!);
    const summed = p.shape.map((_, i) => i).filter((i) => !p.dims.includes(i) || inShape[p.dims.indexOf(i)] === 1 && p.shape[i] !== 1);
    return [reshape(reduceSum(ct, summed), inShape)];
  },
  batch: ([x], [d], p, size) => [
    [bind1(broadcastInDimPrim, [moveaxis(x!, d!, 0)], { shape: [size, ...p.shape], dims: [0, ...p.dims.map((i) => i + 1)] })],
    [0],
  ],
});

/** Broadcasts `x` to `shape` by numpy rules. */
export function broadcastTo(x: ArrayLike, shape: readonly number[]): Tensor {
  const a = asTensor(x, "broadcastTo");
  const target = checkShape("broadcastTo", shape);
  if (shapesEqual(a.shape, target)) return a;
  const off = target.length - a.ndim;
  if (off < 0 || a.shape.some((d, i) => d !== 1 && d !== target[off + i]))
    throw new DriftError("broadcastTo", `cannot broadcast an array of shape ${fmtShape(a.shape)} to ${fmtShape(target)}`);
  return bind1(broadcastInDimPrim, [a], { shape: [...target], dims: a.shape.map((_, i) => off + i) });
}

/** Sums `x` down to `shape` (the transpose of numpy broadcasting). */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  const off = x.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) if (i < off || (shape[i - off] === 1 && x.shape[i] !== 1)) axes.push(i);
  return reshape(reduceSum(x, axes), shape);
}

/** Inserts size-1 axes at `axis` (positions in the result). */
export function expandDims(x: ArrayLike, axis: number | readonly number[]): Tensor {
  const a = asTensor(x, "expandDims");
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const outRank = a.ndim + axes.length;
  const norm = normAxes("expandDims", axes, outRank);
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) shape.push(norm.includes(i) ? 1 : a.shape[j++]!);
  return reshapePrimitive(a, shape);
}

/** Removes size-1 axes (all of them, or those named). */
export function squeeze(x: ArrayLike, axis?: number | readonly number[]): Tensor {
  const a = asTensor(x, "squeeze");
  const axes = axis === undefined ? a.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes("squeeze", axis, a.ndim);
  for (const ax of axes)
    if (a.shape[ax] !== 1) throw new DriftError("squeeze", `axis ${ax} has size ${a.shape[ax]}, not 1 (shape ${fmtShape(a.shape)})`);
  return reshapePrimitive(
    a,
    a.shape.filter((_, i) => !axes.includes(i)),
  );
}

interface SliceParams {
  start: number[];
  limit: number[];
  step: number[];
}

function sliceShape(p: SliceParams): number[] {
  return p.start.map((s, i) => Math.max(0, Math.ceil((p.limit[i]! - s) / p.step[i]!)));
}

/** slice: a strided window `start:limit:step` per axis (positive steps). */
export const slicePrim: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval: ([x], p) => [new ShapedArray(sliceShape(p), x!.dtype, x!.weakType)],
  impl([x], p, [o]) {
    const strides = stridesOf(x!.shape);
    const offset = p.start.reduce((acc, s, i) => acc + s * strides[i]!, 0);
    return [stridedCopy(x!.buf, offset, strides.map((s, i) => s * p.step[i]!), o!.shape, allocate(o!.dtype, o!.size))];
  },
  jvp: ([x], [t], p) => [[bind1(slicePrim, [x!], p)], [t && bind1(slicePrim, [t], p)]],
  transpose([ct], [x], p) {
    if (!ct) return [null];
    const shape = avalShape(x!);
    const lo = p.start;
    const interior = p.step.map((s) => s - 1);
    const hi = shape.map((d, i) => {
      const n = ct.shape[i]!;
      return d - lo[i]! - (n === 0 ? 0 : n + (n - 1) * interior[i]!);
    });
    return [bind1(padPrim, [ct], { lo, hi, interior, value: 0 })];
  },
  batch: ([x], [d], p, size) => [
    [bind1(slicePrim, [moveaxis(x!, d!, 0)], { start: [0, ...p.start], limit: [size, ...p.limit], step: [1, ...p.step] })],
    [0],
  ],
});

interface PadParams {
  lo: number[];
  hi: number[];
  interior: number[];
  value: number;
}

/** pad: adds `lo`/`hi` elements at each end and `interior` between elements, filled with `value`. */
export const padPrim: Primitive<PadParams> = definePrimitive<PadParams>({
  name: "pad",
  abstractEval: ([x], p) => [
    new ShapedArray(
      x!.shape.map((d, i) => p.lo[i]! + p.hi[i]! + d + Math.max(0, d - 1) * p.interior[i]!),
      x!.dtype,
      x!.weakType,
    ),
  ],
  impl([x], p, [o]) {
    const out = allocate(o!.dtype, o!.size);
    if (p.value !== 0) out.fill(p.value);
    const outStrides = stridesOf(o!.shape);
    const offset = p.lo.reduce((acc, l, i) => acc + l * outStrides[i]!, 0);
    const dst = outStrides.map((s, i) => s * (p.interior[i]! + 1));
    // Scatter the operand into the padded output: the strided view of `out` receives x in order.
    const src = x!.buf;
    const shape = x!.shape;
    let k = 0;
    const walk = (dim: number, base: number): void => {
      if (dim === shape.length) {
        out[base] = src[k++]!;
        return;
      }
      for (let i = 0; i < shape[dim]!; i++) walk(dim + 1, base + i * dst[dim]!);
    };
    if (src.length > 0) walk(0, offset);
    return [out];
  },
  jvp: ([x], [t], p) => [[bind1(padPrim, [x!], p)], [t && bind1(padPrim, [t], { ...p, value: 0 })]],
  transpose([ct], [x], p) {
    if (!ct) return [null];
    const shape = avalShape(x!);
    return [
      bind1(slicePrim, [ct], {
        start: p.lo,
        limit: shape.map((d, i) => p.lo[i]! + (d === 0 ? 0 : d + (d - 1) * p.interior[i]!)),
        step: p.interior.map((s) => s + 1),
      }),
    ];
  },
  batch: ([x], [d], p) => [[bind1(padPrim, [moveaxis(x!, d!, 0)], { lo: [0, ...p.lo], hi: [0, ...p.hi], interior: [0, ...p.interior], value: p.value })], [0]],
});

/** concatenate: joins arrays along an existing axis. */
export const concatenatePrim: Primitive<{ axis: number }> = definePrimitive<{ axis: number }>({
  name: "concatenate",
  abstractEval(xs, p) {
    const first = xs[0]!;
    for (const [i, x] of xs.entries()) {
      if (x.dtype !== first.dtype) throw new DriftError("concatenate", `array ${i} has dtype ${x.dtype}; array 0 has ${first.dtype}`);
      if (x.ndim !== first.ndim || x.shape.some((d, j) => j !== p.axis && d !== first.shape[j]))
        throw new DriftError(
          "concatenate",
          `array ${i} has shape ${fmtShape(x.shape)}, which does not match array 0's ${fmtShape(first.shape)} outside axis ${p.axis}`,
        );
    }
    const shape = [...first.shape];
    shape[p.axis] = xs.reduce((n, x) => n + x.shape[p.axis]!, 0);
    return [new ShapedArray(shape, first.dtype, xs.every((x) => x.weakType))];
  },
  impl(xs, p, [o]) {
    const out = allocate(o!.dtype, o!.size);
    const outer = sizeOf(o!.shape.slice(0, p.axis));
    const outRow = sizeOf(o!.shape.slice(p.axis));
    let col = 0;
    for (const x of xs) {
      const row = sizeOf(x.shape.slice(p.axis));
      const src = x.buf;
      if (outer === 1) out.set(src, col);
      // Short rows (e.g. obs ⊕ action along the last axis) copy element by element: a subarray per row costs more.
      else if (row < 64) for (let i = 0, s = 0, d = col; i < outer; i++, d += outRow - row) for (let j = 0; j < row; j++) out[d++] = src[s++]!;
      else for (let i = 0; i < outer; i++) out.set(src.subarray(i * row, (i + 1) * row), i * outRow + col);
      col += row;
    }
    return [out];
  },
  jvp(xs, ts, p) {
    const out = bind1(concatenatePrim, xs, p);
    if (ts.every((t) => t === null)) return [[out], [null]];
    const full = ts.map((t, i) => t ?? zerosLikeAval(xs[i]!));
    return [[out], [bind1(concatenatePrim, full, p)]];
  },
  transpose([ct], xs, p) {
    if (!ct) return xs.map(() => null);
    let start = 0;
    return xs.map((x) => {
      const shape = avalShape(x);
      const begin = start;
      start += shape[p.axis]!;
      if (!(x instanceof UndefPrimal)) return null;
      const s = ct.shape.map(() => 0);
      const limit = [...ct.shape];
      s[p.axis] = begin;
      limit[p.axis] = begin + shape[p.axis]!;
      return bind1(slicePrim, [ct], { start: s, limit, step: ct.shape.map(() => 1) });
    });
  },
  batch(xs, dims, p, size) {
    const moved = xs.map((x, i) => {
      const d = dims[i];
      if (d === null || d === undefined) return bind1(broadcastInDimPrim, [x], { shape: [size, ...x.shape], dims: x.shape.map((_, j) => j + 1) });
      return moveaxis(x, d, 0);
    });
    return [[bind1(concatenatePrim, moved, { axis: p.axis + 1 })], [0]];
  },
});

function zerosLikeAval(x: Tensor): Tensor {
  return broadcastTo(scalar(0, x.dtype), x.shape);
}

/** rev: reverses the order of elements along `axes`. */
export const revPrim: Primitive<{ axes: number[] }> = definePrimitive<{ axes: number[] }>({
  name: "rev",
  abstractEval: ([x]) => [x!],
  impl([x], p, [o]) {
    const strides = stridesOf(x!.shape);
    let offset = 0;
    const s = strides.map((st, i) => {
      if (!p.axes.includes(i)) return st;
      offset += (x!.shape[i]! - 1) * st;
      return -st;
    });
    return [stridedCopy(x!.buf, x!.size === 0 ? 0 : offset, s, o!.shape, allocate(o!.dtype, o!.size))];
  },
  jvp: ([x], [t], p) => [[bind1(revPrim, [x!], p)], [t && bind1(revPrim, [t], p)]],
  transpose: ([ct], _x, p) => [ct && bind1(revPrim, [ct], p)],
  batch: ([x], [d], p) => [[bind1(revPrim, [moveaxis(x!, d!, 0)], { axes: p.axes.map((a) => a + 1) })], [0]],
});

/** Reverses `x` along `axis` (all axes by default). */
export function flip(x: ArrayLike, axis?: number | readonly number[]): Tensor {
  const a = asTensor(x, "flip");
  return bind1(revPrim, [a], { axes: normAxes("flip", axis, a.ndim) });
}

/** Joins arrays along an existing axis. */
export function concatenate(arrays: readonly ArrayLike[], axis = 0): Tensor {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new DriftError("concatenate", "needs a non-empty list of arrays");
  const xs = arrays.map((x, i) => asTensor(x, "concatenate", `arrays[${i}]`));
  const first = xs[0]!;
  if (first.ndim === 0) throw new DriftError("concatenate", "cannot concatenate 0-d arrays; use stack");
  for (const [i, x] of xs.entries())
    if (x.ndim !== first.ndim)
      throw new DriftError("concatenate", `array ${i} has rank ${x.ndim} but array 0 has rank ${first.ndim} (shapes ${fmtShape(x.shape)} vs ${fmtShape(first.shape)})`);
  const ax = normAxis("concatenate", axis, first.ndim);
  const dtype = xs.slice(1).reduce((d, x) => (rankOf(x.dtype) > rankOf(d) ? x.dtype : d), first.dtype);
  if (xs.length === 1) return first;
  return bind1(
    concatenatePrim,
    xs.map((x) => convert(x, dtype)),
    { axis: ax },
  );
}

const rankOf = (d: string): number => ["bool", "uint32", "int32", "float32", "float64"].indexOf(d);

/** Stacks arrays of equal shape along a new axis. */
export function stack(arrays: readonly ArrayLike[], axis = 0): Tensor {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new DriftError("stack", "needs a non-empty list of arrays");
  const xs = arrays.map((x, i) => asTensor(x, "stack", `arrays[${i}]`));
  for (const [i, x] of xs.entries())
    if (!shapesEqual(x.shape, xs[0]!.shape))
      throw new DriftError("stack", `array ${i} has shape ${fmtShape(x.shape)} but array 0 has ${fmtShape(xs[0]!.shape)}`);
  const ax = normAxis("stack", axis, xs[0]!.ndim + 1);
  const expanded = xs.map((x) => expandDims(x, ax));
  return expanded.length === 1 ? expanded[0]! : concatenate(expanded, ax);
}

/** Numpy-style slicing: one `[start, stop, step]` (entries may be null/undefined/negative) per leading axis. */
export function slice(x: ArrayLike, ...specs: (readonly (number | null | undefined)[] | null | undefined)[]): Tensor {
  const a = asTensor(x, "slice");
  if (specs.length > a.ndim) throw new DriftError("slice", `got ${specs.length} slice specs for an array of rank ${a.ndim}`);
  const start: number[] = [];
  const limit: number[] = [];
  const step: number[] = [];
  const flipAxes: number[] = [];
  a.shape.forEach((n, i) => {
    const [s0, e0, st0] = specs[i] ?? [];
    const st = st0 ?? 1;
    if (!Number.isInteger(st) || st === 0) throw new DriftError("slice", `step for axis ${i} must be a non-zero integer; got ${st0}`);
    const norm = (v: number | null | undefined, dflt: number): number => {
      if (v === null || v === undefined) return dflt;
      if (!Number.isInteger(v)) throw new DriftError("slice", `bounds for axis ${i} must be integers; got ${v}`);
      return v < 0 ? Math.max(v + n, st > 0 ? 0 : -1) : Math.min(v, st > 0 ? n : n - 1);
    };
    if (st > 0) {
      const s = norm(s0, 0);
      start.push(s);
      limit.push(Math.max(s, norm(e0, n)));
      step.push(st);
    } else {
      // Negative step: take the forward slice of the same elements, then reverse it.
      const s = norm(s0, n - 1);
      const e = norm(e0, -1);
      const count = Math.max(0, Math.ceil((s - e) / -st));
      const first = s - (count - 1) * -st;
      start.push(count === 0 ? 0 : first);
      limit.push(count === 0 ? 0 : s + 1);
      step.push(-st);
      flipAxes.push(i);
    }
  });
  const full = start.every((s, i) => s === 0 && limit[i] === a.shape[i] && step[i] === 1);
  const out = full ? a : bind1(slicePrim, [a], { start, limit, step });
  return flipAxes.length ? bind1(revPrim, [out], { axes: flipAxes }) : out;
}

/** Splits `x` along `axis` into `sections` equal parts, or at the given indices. */
export function split(x: ArrayLike, sections: number | readonly number[], axis = 0): Tensor[] {
  const a = asTensor(x, "split");
  const ax = normAxis("split", axis, a.ndim);
  const n = a.shape[ax]!;
  let bounds: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0)
      throw new DriftError("split", `axis ${ax} of size ${n} cannot be split into ${sections} equal sections`);
    bounds = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else bounds = [...sections];
  const edges = [0, ...bounds, n];
  return edges.slice(0, -1).map((s, i) => {
    const spec: ([number, number] | null)[] = a.shape.map(() => null);
    spec[ax] = [s, Math.max(s, edges[i + 1]!)];
    return slice(a, ...spec);
  });
}

/** Repeats `x` `reps` times along each axis. */
export function tile(x: ArrayLike, reps: number | readonly number[]): Tensor {
  const a = asTensor(x, "tile");
  const r = checkShape("tile", typeof reps === "number" ? [reps] : reps, "reps");
  const rank = Math.max(a.ndim, r.length);
  const shape = [...new Array(rank - a.ndim).fill(1), ...a.shape];
  const fullReps = [...new Array(rank - r.length).fill(1), ...r];
  const interleaved = shape.flatMap((d, i) => [fullReps[i]!, d]);
  const b = broadcastTo(reshape(a, shape.flatMap((d) => [1, d])), interleaved);
  return reshape(
    b,
    shape.map((d, i) => d * fullReps[i]!),
  );
}

/** Pads with a constant: `padWidth` is `[before, after]` per axis, one pair for all axes, or one number. */
export function pad(x: ArrayLike, padWidth: number | readonly [number, number] | readonly (readonly [number, number])[], opts: { constantValues?: number } = {}): Tensor {
  const a = asTensor(x, "pad");
  let pairs: (readonly [number, number])[];
  if (typeof padWidth === "number") pairs = a.shape.map(() => [padWidth, padWidth] as const);
  else if (padWidth.length === 2 && typeof padWidth[0] === "number") pairs = a.shape.map(() => padWidth as readonly [number, number]);
  else pairs = [...(padWidth as readonly (readonly [number, number])[])];
  if (pairs.length !== a.ndim || !pairs.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0)))
    throw new DriftError("pad", `padWidth must give non-negative [before, after] integers for each of ${a.ndim} axes; got ${JSON.stringify(padWidth)}`);
  return bind1(padPrim, [a], { lo: pairs.map((p) => p[0]), hi: pairs.map((p) => p[1]), interior: pairs.map(() => 0), value: opts.constantValues ?? 0 });
}

/**
 * Rolls elements along `axis` by `shift` places (elements leaving one end come back at the other), as `jnp.roll`;
 * with no axis the flattened array is rolled and the shape kept. `shift` and `axis` may be matching lists.
 */
export function roll(x: ArrayLike, shift: number | readonly number[], axis?: number | readonly number[]): Tensor {
  const a = asTensor(x, "roll");
  if (axis === undefined || axis === null) return reshape(roll(reshape(a, [-1]), typeof shift === "number" ? shift : sumOf("roll", shift), 0), a.shape);
  const shifts = typeof shift === "number" ? [shift] : [...shift];
  const axes = typeof axis === "number" ? [axis] : [...axis];
  if (shifts.length !== axes.length && shifts.length !== 1)
    throw new DriftError("roll", `shift has ${shifts.length} entries but axis has ${axes.length}; give one shift or one per axis`);
  let out = a;
  axes.forEach((ax0, i) => {
    const s = shifts.length === 1 ? shifts[0]! : shifts[i]!;
    if (!Number.isInteger(s)) throw new DriftError("roll", `shift must be an integer; got ${s}`);
    const ax = normAxis("roll", ax0, a.ndim);
    const n = out.shape[ax]!;
    const k = n === 0 ? 0 : ((s % n) + n) % n;
    if (k === 0) return;
    const spec = (from: number, to: number) => [...new Array<null>(ax).fill(null), [from, to]] as (readonly number[] | null)[];
    out = concatenate([slice(out, ...spec(n - k, n)), slice(out, ...spec(0, n - k))], ax);
  });
  return out;
}

function sumOf(op: string, xs: readonly number[]): number {
  if (!xs.every(Number.isInteger)) throw new DriftError(op, `shift must be integers; got [${xs.join(",")}]`);
  return xs.reduce((t, v) => t + v, 0);
}

/**
 * Coordinate arrays from 1-D coordinate vectors, as `jnp.meshgrid`: with "xy" indexing (the default) the first two
 * outputs have shape [len(y), len(x), …]; with "ij" every output has shape [len(x0), len(x1), …].
 */
export function meshgrid(xs: readonly ArrayLike[], opts: { indexing?: "xy" | "ij" } = {}): Tensor[] {
  const vs = xs.map((x, i) => reshape(asTensor(x, "meshgrid", `xs[${i}]`), [-1]));
  const indexing = opts.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij") throw new DriftError("meshgrid", `indexing must be "xy" or "ij"; got ${JSON.stringify(indexing)}`);
  const lengths = vs.map((v) => v.shape[0]!);
  const shape = [...lengths];
  if (indexing === "xy" && vs.length >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return vs.map((v, i) => {
    // The axis of output i that runs along input i ("xy" swaps the first two).
    const along = indexing === "xy" && vs.length >= 2 && i < 2 ? 1 - i : i;
    const dims = shape.map((_, d) => (d === along ? lengths[i]! : 1));
    return broadcastTo(reshape(v, dims), shape);
  });
}

/** The array flattened to 1-D (row-major), as `jnp.ravel`. */
export function ravel(x: ArrayLike): Tensor {
  return reshape(asTensor(x, "ravel"), [-1]);
}

/** Stacks arrays vertically: 1-D arrays become rows, then they are joined on axis 0 (`jnp.vstack`). */
export function vstack(arrays: readonly ArrayLike[]): Tensor {
  return concatenate(arrays.map((x, i) => {
    const a = asTensor(x, "vstack", `arrays[${i}]`);
    return a.ndim < 2 ? reshape(a, [1, -1]) : a;
  }), 0);
}

/** Stacks arrays horizontally: joined on axis 1, or on axis 0 when they are 1-D (`jnp.hstack`). */
export function hstack(arrays: readonly ArrayLike[]): Tensor {
  const as = arrays.map((x, i) => {
    const a = asTensor(x, "hstack", `arrays[${i}]`);
    return a.ndim === 0 ? reshape(a, [1]) : a;
  });
  return concatenate(as, as.length > 0 && as[0]!.ndim === 1 ? 0 : 1);
}
