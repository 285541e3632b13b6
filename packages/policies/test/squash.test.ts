// tanh squashing: log-det against autodiff Jacobians (vmap of jvp and of grad), stability for large inputs, clip and inverse.
import { describe, expect, it } from "vitest";
import { DriftError, grad, jit, jvp, np, random, vmap, type Array } from "@drift/tensor";
import { tanhLogDerivative, tanhLogDet, tanhSquash, tanhUnsquash } from "../src/squash.ts";

/** log|det M| of a small square matrix (row-major values) by Gaussian elimination with partial pivoting, float64. */
function logAbsDet(values: ArrayLike<number>, n: number): number {
  const m = globalThis.Array.from({ length: n }, (_, i) => globalThis.Array.from({ length: n }, (_, j) => values[i * n + j]!));
  let logdet = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    logdet += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / piv;
      for (let k = c; k < n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return logdet;
}

describe("tanh squashing", () => {
  it("log-det equals log|det J| of autodiff Jacobians (vmap of jvp, vmap of grad) for random inputs", () => {
    const d = 4;
    const eye = np.eye(d, d, { dtype: "float64" });
    const f = (u: Array): Array => tanhSquash(u);
    for (let trial = 0; trial < 5; trial++) {
      const u = np.mul(random.normal(random.key(trial), [d], { dtype: "float64" }), 1.5);
      // Columns J·e_i by forward mode, rows e_iᵀJ by reverse mode.
      const jCols = vmap((e: Array) => jvp(f, [u], [e])[1])(eye);
      const jRows = vmap((e: Array) => grad((v: Array) => np.sum(np.mul(f(v), e)))(u))(eye);
      const want = tanhLogDet(u).item();
      expect(Math.abs(logAbsDet(jCols.dataSync(), d) - want)).toBeLessThan(1e-10);
      expect(Math.abs(logAbsDet(jRows.dataSync(), d) - want)).toBeLessThan(1e-10);
    }
  });

  it("is exact and finite in float32 where 1 − tanh² underflows", () => {
    const u = np.array([-30, -12, -3, 0, 0.5, 9, 25], { dtype: "float32" });
    const got = tanhLogDerivative(u).dataSync();
    const exact = [-30, -12, -3, 0, 0.5, 9, 25].map((x) => 2 * (Math.LN2 - Math.abs(x) - Math.log1p(Math.exp(-2 * Math.abs(x)))));
    got.forEach((g, i) => expect(Math.abs(g - exact[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(exact[i]!))));
    const naive = np.log(np.sub(1, np.square(np.tanh(u)))).dataSync();
    expect(Number.isFinite(naive[0]!)).toBe(false); // the naive form fails here
    // Summed over the last axis by default; elementwise with axis null; jit agrees.
    const x = random.normal(random.key(9), [3, 5]);
    expect(tanhLogDet(x).shape).toEqual([3]);
    expect(tanhLogDet(x, { axis: null }).shape).toEqual([3, 5]);
    const a = jit((v: Array) => tanhLogDet(v))(x).dataSync();
    tanhLogDet(x).dataSync().forEach((v, i) => expect(Math.abs(v - a[i]!)).toBeLessThan(1e-6));
  });

  it("clips to ±0.999 by default and inverts inside the clip", () => {
    const u = np.array([-20, -2, 0.3, 1.7, 20], { dtype: "float64" });
    const a = tanhSquash(u).dataSync();
    expect(a[0]).toBe(-0.999);
    expect(a[4]).toBe(0.999);
    const back = tanhUnsquash(tanhSquash(u)).dataSync();
    [-2, 0.3, 1.7].forEach((v, i) => expect(Math.abs(back[i + 1]! - v)).toBeLessThan(1e-12));
    expect(tanhSquash(u, 1).dataSync()[4]).toBe(1);
    expect(() => tanhSquash(u, 1.5)).toThrow(DriftError);
  });
});
