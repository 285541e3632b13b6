// Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
import { DriftError, fmtShape } from "./errors.ts";

/** Product of the dimensions (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when both shapes are equal. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The numpy broadcast of several shapes, or a DriftError naming `op` and the shapes. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else
        throw new DriftError(
          op,
          `shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together (dimension ${j - rank}: ${out[j]} vs ${d})`,
        );
    }
  }
  return out;
}

/** Normalises a possibly negative axis for an array of rank `ndim`, naming `op` on error. */
export function normAxis(op: string, axis: number, ndim: number, argName = "axis"): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim)
    throw new DriftError(op, `${argName} ${axis} is out of range for an array of rank ${ndim} (valid: ${-ndim}..${ndim - 1})`);
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises `axis` (number | number[] | undefined = all) into sorted unique non-negative axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new DriftError(op, `axis contains duplicates: [${list.join(",")}]`);
  return out.sort((a, b) => a - b);
}

/** Checks that `shape` is a list of non-negative integers. */
export function checkShape(op: string, shape: unknown, argName = "shape"): number[] {
  const list = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d) && d >= 0))
    throw new DriftError(op, `${argName} must be a list of non-negative integers; got ${JSON.stringify(shape)}`);
  return list as number[];
}
