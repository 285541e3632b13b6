// Stable argsort along the last axis, and sort / searchsorted-style helpers built on it.
import { DriftError } from "../errors.ts";
import { normAxis, sizeOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor } from "./coerce.ts";
import { moveaxis } from "./movement.ts";
import { takeAlongAxis } from "./indexing.ts";

/** argsort along the last axis: stable, NaNs last, int32 indices. */
export const argsortPrim: Primitive<{ descending: boolean }> = definePrimitive<{ descending: boolean }>({
  name: "argsort",
  abstractEval([x]) {
    if (x!.ndim === 0) throw new DriftError("argsort", "needs an array of rank ≥ 1; got a 0-d array");
    return [new ShapedArray(x!.shape, "int32")];
  },
  impl([x], p, [o]) {
    const n = x!.shape[x!.ndim - 1]!;
    const rows = sizeOf(x!.shape.slice(0, -1));
    const out = new Int32Array(o!.size);
    const src = x!.buf;
    const order = Array.from({ length: n }, (_, i) => i);
    const sign = p.descending ? -1 : 1;
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => {
        const va = src[base + a]!;
        const vb = src[base + b]!;
        if (va !== va) return vb !== vb ? a - b : 1;
        if (vb !== vb) return -1;
        return va === vb ? a - b : sign * (va < vb ? -1 : 1);
      });
      for (let i = 0; i < n; i++) out[base + i] = order[i]!;
    }
    return [out];
  },
  batch: ([x], [d], p) => [[bind1(argsortPrim, [moveaxis(x!, d!, 0)], p)], [0]],
});

/** Indices that sort `x` along `axis` (stable; NaNs last). */
export function argsort(x: ArrayLike, axis = -1, opts: { descending?: boolean } = {}): Tensor {
  const a = asTensor(x, "argsort");
  const ax = normAxis("argsort", axis, a.ndim);
  const out = bind1(argsortPrim, [moveaxis(a, ax, -1)], { descending: opts.descending ?? false });
  return moveaxis(out, -1, ax);
}

/** `x` sorted along `axis` (differentiable: gradients follow the permutation). */
export function sort(x: ArrayLike, axis = -1, opts: { descending?: boolean } = {}): Tensor {
  const a = asTensor(x, "sort");
  return takeAlongAxis(a, argsort(a, axis, opts), axis);
}
