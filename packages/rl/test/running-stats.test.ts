// Tests for running mean/variance (Welford / Chan et al. merging) against direct mean/var, and the observation normalizer.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random, vmap } from "@drift/tensor";
import { obsNormalizer, runningStats } from "../src/index.ts";
import { close, f64 } from "./helpers.ts";

const data = random.normal(random.key(7), [23, 3], { dtype: "float64" });
const scaled = np.add(np.mul(data, f64([1, 10, 0.1])), f64([5, -3, 100]));
const rows = (a: Array, lo: number, hi: number) => np.slice(a, [lo, hi]);
const vals = (a: Array) => globalThis.Array.from(a.dataSync(), Number);

describe("runningStats", () => {
  it("chunked Welford updates equal the direct mean and population variance", () => {
    let s = runningStats.init([3], { dtype: "float64" });
    // uneven chunks, including single samples without a batch axis
    s = runningStats.update(s, rows(scaled, 0, 5));
    s = runningStats.update(s, np.reshape(rows(scaled, 5, 6), [3]));
    s = runningStats.update(s, rows(scaled, 6, 17));
    s = runningStats.update(s, rows(scaled, 17, 23));
    expect(s.count.item()).toBe(23);
    close(s.mean, vals(np.mean(scaled, 0)), 1e-12);
    close(runningStats.variance(s), vals(np.var(scaled, 0)), 1e-10);
    close(runningStats.std(s), vals(np.std(scaled, 0)), 1e-10);
  });
  it("merging (Chan et al.) equals the statistics of the union, in either order", () => {
    const a = runningStats.fromBatch(rows(scaled, 0, 9), [3], "float64");
    const b = runningStats.fromBatch(rows(scaled, 9, 23), [3], "float64");
    for (const m of [runningStats.merge(a, b), runningStats.merge(b, a)]) {
      expect(m.count.item()).toBe(23);
      close(m.mean, vals(np.mean(scaled, 0)), 1e-12);
      close(runningStats.variance(m), vals(np.var(scaled, 0)), 1e-10);
    }
    // merging with empty statistics changes nothing
    const e = runningStats.init([3], { dtype: "float64" });
    const m = runningStats.merge(e, a);
    close(m.mean, vals(a.mean), 0);
    close(m.m2, vals(a.m2), 0);
  });
  it("a hand-computed example: [1, 2, 3, 4] then merge [10]", () => {
    // mean 2.5, M₂ = 2.25 + 0.25 + 0.25 + 2.25 = 5; with 10: mean 4, M₂ = 5 + 7.5²·4·1/5 = 50, var 10
    let s = runningStats.update(runningStats.init([], { dtype: "float64" }), f64([1, 2, 3, 4]));
    close(s.mean, 2.5);
    close(s.m2, 5);
    s = runningStats.merge(s, runningStats.fromBatch(f64(10), [], "float64"));
    close(s.mean, 4);
    close(s.m2, 50);
    close(runningStats.variance(s), 10);
  });
  it("variance is 1 before any data; float32 by default", () => {
    const s = runningStats.init([2]);
    expect(s.mean.dtype).toBe("float32");
    expect(s.count.dtype).toBe("float64");
    close(runningStats.variance(s), [1, 1]);
  });
  it("update under jit and vmap matches eager", () => {
    const s0 = runningStats.init([3], { dtype: "float64" });
    const upd = jit(runningStats.update);
    let s = s0;
    let j = s0;
    for (let i = 0; i < 20; i += 4) {
      const chunk = rows(scaled, i, i + 4);
      s = runningStats.update(s, chunk);
      j = upd(j, chunk);
    }
    close(j.mean, vals(s.mean), 1e-12);
    close(j.m2, vals(s.m2), 1e-9);
    expect(upd.cacheSize).toBe(1);
    // vmap over 3 independent streams, each its own statistics
    const streams = np.reshape(rows(scaled, 0, 18), [3, 6, 3]);
    const stacked = { mean: np.zeros([3, 3], { dtype: "float64" }), m2: np.zeros([3, 3], { dtype: "float64" }), count: np.zeros([3], { dtype: "float64" }) };
    const out = vmap(runningStats.update)(stacked, streams);
    for (let k = 0; k < 3; k++) close(np.slice(out.mean, [k, k + 1]), vals(np.mean(np.slice(streams, [k, k + 1]), [0, 1])), 1e-12);
  });
  it("rejects a batch of the wrong shape", () => {
    expect(() => runningStats.update(runningStats.init([3]), f64([[1, 2]]))).toThrow(DriftError);
    expect(() => runningStats.update(runningStats.init([3]), f64([[1, 2]]))).toThrow(/shape \[...batch, 3\]/);
  });
});

describe("obsNormalizer", () => {
  it("normalizes to zero mean and unit variance, clips, and inverts", () => {
    const norm = obsNormalizer({ dtype: "float64", epsilon: 1e-8 });
    let s = norm.init([3]);
    s = norm.update(s, scaled);
    const y = norm.normalize(s, scaled);
    close(np.mean(y, 0), [0, 0, 0], 1e-10);
    close(np.var(y, 0), [1, 1, 1], 1e-6);
    close(norm.denormalize(s, y), vals(scaled), 1e-9);
    const clipped = obsNormalizer({ dtype: "float64", clip: 0.5 });
    const yc = clipped.normalize(s, scaled);
    expect(Math.max(...vals(np.abs(yc)))).toBeLessThanOrEqual(0.5);
    // before any update the normalizer is the identity (mean 0, variance 1) up to ε
    close(obsNormalizer({ epsilon: 0 }).normalize(runningStats.init([2]), np.array([3, -4])), [3, -4]);
  });
});
