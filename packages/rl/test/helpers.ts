// Shared test helpers for @drift/rl: float64 arrays from JS numbers and element-wise closeness checks.
import { expect } from "vitest";
import { type Array, np } from "@drift/tensor";

/** A float64 array from nested JS numbers. */
export const f64 = (xs: number | number[] | number[][]): Array => np.array(xs, { dtype: "float64" });

/** A float32 array from nested JS numbers. */
export const f32 = (xs: number | number[] | number[][]): Array => np.array(xs, { dtype: "float32" });

/** Asserts `a` holds `want` (flattened) elementwise within `tol`, naming the first bad element. */
export function close(a: Array, want: number | number[] | number[][], tol = 1e-6): void {
  const w = (typeof want === "number" ? [want] : want.flat()) as number[];
  const got = globalThis.Array.from(a.dataSync(), Number);
  expect(got.length).toBe(w.length);
  got.forEach((x, i) => {
    if (!(Math.abs(x - w[i]!) <= tol)) throw new Error(`element ${i}: got ${x}, expected ${w[i]} (all: [${got}] vs [${w}])`);
  });
}

/** The raw bytes of an array's data. */
function bytesOf(a: Array): number[] {
  const d = a.dataSync();
  return globalThis.Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

/** Asserts two arrays have identical shape, dtype and bits. */
export function bitEqual(a: Array, b: Array, what = "array"): void {
  expect(a.shape, `${what} shape`).toEqual(b.shape);
  expect(a.dtype, `${what} dtype`).toBe(b.dtype);
  expect(bytesOf(a), `${what} bits`).toEqual(bytesOf(b));
}
