// Shared helpers for @drift/tensor tests: random inputs and closeness assertions.
import { expect } from "vitest";
import { type Array, np, random } from "../src/index.ts";
import type { NestedArray } from "../src/ops/creation.ts";

let counter = 0;

/** A float64 array of standard normals (fresh values on each call, deterministic across runs). */
export function randn(shape: number[], dtype: "float32" | "float64" = "float64"): Array {
  return random.normal(random.key(1000 + counter++), shape, { dtype });
}

/** Uniform float64 values in [lo, hi). */
export function randu(shape: number[], lo: number, hi: number): Array {
  return random.uniform(random.key(5000 + counter++), shape, { dtype: "float64", minval: lo, maxval: hi });
}

/** Asserts equal shapes and elementwise |a − b| ≤ atol + rtol·|b|. */
export function expectClose(a: Array, b: Array | NestedArray, atol = 1e-6, rtol = 1e-6): void {
  const want = b instanceof np.Array ? b : np.array(b as any, { dtype: "float64" });
  expect(a.shape).toEqual(want.shape);
  const x = a.dataSync();
  const y = want.dataSync();
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isNaN(y[i]!) ? Number.isNaN(x[i]!) : Math.abs(x[i]! - y[i]!) <= atol + rtol * Math.abs(y[i]!);
    if (!ok) throw new Error(`element ${i}: got ${x[i]}, expected ${y[i]} (shape [${a.shape}])`);
  }
}
