// PRNG: JAX's own published values (jax_threefry_partitionable=True, the default since JAX 0.5.0), plus sampler statistics.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, np, random, vmap } from "../src/index.ts";
import { expectClose } from "./helpers.ts";

const row = (keys: Array, i: number): Array => np.reshape(np.slice(keys, [i, i + 1]), [2]);

describe("random matches JAX bit for bit", () => {
  it("key(0) is [0, 0]; seeds wrap mod 2^32 as in JAX's 32-bit mode", () => {
    // jax.random.key_data(jax.random.key(0)) -> [0 0]
    expect(random.key(0).toArray()).toEqual([0, 0]);
    expect(random.key(0).dtype).toBe("uint32");
    // tests/random_test.py::test_prng_seeds_and_keys: -1 -> [0, 4294967295]; int32.max + 100 -> [0, 2147483747]
    expect(random.key(-1).toArray()).toEqual([0, 4294967295]);
    expect(random.key(2 ** 31 - 1 + 100).toArray()).toEqual([0, 2147483747]);
  });

  it("split(key(0)) rows equal fold_in(key(0), i)", () => {
    // jax.random.fold_in(jax.random.key(0), 0) -> [1797259609 2579123966]; fold_in(..., 1) -> [928981903 3453687069]
    expect(random.split(random.key(0)).toArray()).toEqual([
      [1797259609, 2579123966],
      [928981903, 3453687069],
    ]);
    expect(random.foldIn(random.key(0), 1).toArray()).toEqual([928981903, 3453687069]);
    // fold_in(key(42), 4), fold_in(key(42), 5) (stateful_rng docstring)
    expect(random.foldIn(random.key(42), 4).toArray()).toEqual([2954079971, 3276725750]);
    expect(random.foldIn(random.key(42), 5).toArray()).toEqual([2765691542, 824333390]);
  });

  it("uniform", () => {
    // jax.random.uniform(jax.random.key(0)) -> 0.947667
    expect(random.uniform(random.key(0)).item()).toBe(Math.fround(0.947667));
    // key, subkey = jax.random.split(jax.random.key(0)); jax.random.uniform(subkey) -> 0.00729382
    expect(random.uniform(row(random.split(random.key(0)), 1)).item()).toBe(Math.fround(0.0072938204));
    // jax.random.uniform(jax.random.key(0), shape=(3,)) -> [0.947667, 0.9785799, 0.33229148]
    expect(globalThis.Array.from(random.uniform(random.key(0), [3]).dataSync())).toEqual([0.947667, 0.9785799, 0.33229148].map(Math.fround));
    // jax.random.uniform(jax.random.fold_in(jax.random.key(1701), 0), (5,))
    const u = random.uniform(random.foldIn(random.key(1701), 0), [5]);
    expect(globalThis.Array.from(u.dataSync())).toEqual([0.09609699, 0.26730824, 0.5619041, 0.24421775, 0.7715055].map(Math.fround));
    // jax.random.uniform(jax.random.fold_in(jax.random.key(42), 0)) -> 0.5302608
    expect(random.uniform(random.foldIn(random.key(42), 0)).item()).toBe(Math.fround(0.5302608));
  });

  it("normal (within a few float32 ulps: JAX's erf_inv is backend-dependent)", () => {
    // jax.random.normal(jax.random.key(0), (3, 3)), as printed by JAX at float32 precision
    const want = [1.622642, 2.0252647, -0.43359444, -0.07861735, 0.1760909, -0.97208923, -0.49529874, 0.4943786, 0.66434932];
    expectClose(np.reshape(random.normal(random.key(0), [3, 3]), [-1]), want, 0, 5e-7);
  });

  it("randint uses two draws as JAX", () => {
    // rng = jax.random.stateful_rng(123); [r.integers(0, 10, 2) for r in rng.spawn(2)] -> [4, 5], [2, 1]
    const children = random.split(random.foldIn(random.key(123), 0), 2);
    expect(random.randint(random.foldIn(row(children, 0), 0), [2], 0, 10).toArray()).toEqual([4, 5]);
    expect(random.randint(random.foldIn(row(children, 1), 0), [2], 0, 10).toArray()).toEqual([2, 1]);
  });

  it("vmap over keys equals a loop", () => {
    const keys = random.split(random.key(7), 4);
    const out = vmap((k: Array) => random.normal(k, [3]))(keys);
    const loop = np.stack([0, 1, 2, 3].map((i) => random.normal(row(keys, i), [3])));
    expect(out.toArray()).toEqual(loop.toArray());
  });
});

describe("sampler statistics", () => {
  const k = random.key(3);
  it("uniform and normal moments", () => {
    const u = random.uniform(k, [20000], { minval: -2, maxval: 4 });
    expect(np.mean(u).item()).toBeCloseTo(1, 1);
    expect(np.min(u).item()).toBeGreaterThanOrEqual(-2);
    const z = random.normal(k, [20000], { dtype: "float64" });
    expect(Math.abs(np.mean(z).item())).toBeLessThan(0.03);
    expect(np.std(z).item()).toBeCloseTo(1, 1);
  });

  it("truncatedNormal stays strictly inside its bounds", () => {
    const z = random.truncatedNormal(k, -0.5, 1, [5000]);
    expect(np.min(z).item()).toBeGreaterThan(-0.5);
    expect(np.max(z).item()).toBeLessThan(1);
  });

  it("categorical follows its probabilities", () => {
    const logits = np.log(np.array([0.2, 0.5, 0.3]));
    const s = random.categorical(k, logits, { shape: [10000] });
    const counts = [0, 1, 2].map((c) => np.sum(np.equal(s, c)).item() / 10000);
    expectClose(np.array(counts), [0.2, 0.5, 0.3], 0.02, 0);
  });

  it("bernoulli, gumbel, randint ranges", () => {
    expect(np.mean(random.bernoulli(k, 0.25, [20000]).astype("float32")).item()).toBeCloseTo(0.25, 1);
    expect(np.mean(random.gumbel(k, [20000])).item()).toBeCloseTo(0.5772, 1);
    const r = random.randint(k, [5000], -3, 4);
    expect(np.min(r).item()).toBe(-3);
    expect(np.max(r).item()).toBe(3);
  });

  it("permutation and choice without replacement are permutations", () => {
    const p = random.permutation(k, 50).toArray() as number[];
    expect([...p].sort((a, b) => a - b)).toEqual(globalThis.Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(globalThis.Array.from({ length: 50 }, (_, i) => i));
    const c = random.choice(k, 10, [10], { replace: false }).toArray() as number[];
    expect(new Set(c).size).toBe(10);
    const w = random.choice(k, 3, [6000], { p: np.array([0, 0.5, 0.5]) });
    expect(np.sum(np.equal(w, 0)).item()).toBe(0);
  });

  it("exponential, laplace, logistic and rademacher: JAX's formulas on the JAX-exact uniform, and their moments", () => {
    const k = random.key(11);
    const n = 40000;
    const u = random.uniform(k, [n], { dtype: "float64" });
    expect(random.exponential(k, [n], { dtype: "float64" }).toArray()).toEqual(np.neg(np.log1p(np.neg(u))).toArray());
    const moments = (x: Array): [number, number] => [np.mean(x).item(), np.var(x).item()];
    const [em, ev] = moments(random.exponential(k, [n], { dtype: "float64" }));
    expect([Math.abs(em - 1), Math.abs(ev - 1)].every((d) => d < 0.05)).toBe(true);
    const [lm, lv] = moments(random.laplace(random.key(12), [n], { dtype: "float64" }));
    expect([Math.abs(lm), Math.abs(lv - 2)].every((d) => d < 0.08)).toBe(true);
    const [gm, gv] = moments(random.logistic(random.key(13), [n], { dtype: "float64" }));
    expect([Math.abs(gm), Math.abs(gv - Math.PI ** 2 / 3)].every((d) => d < 0.1)).toBe(true);
    const r = random.rademacher(random.key(14), [n]);
    expect(r.dtype).toBe("int32");
    expect(new Set(r.toArray() as number[])).toEqual(new Set([-1, 1]));
    expect(Math.abs(np.mean(r).item())).toBeLessThan(0.02);
  });

  it("multivariateNormal: mean + L·z with L the Cholesky factor (JAX's method); sample covariance matches", () => {
    const mean = np.array([1, -2, 0.5], { dtype: "float64" });
    const cov = np.array([[2, 0.6, 0.3], [0.6, 1, -0.2], [0.3, -0.2, 0.5]], { dtype: "float64" });
    const k = random.key(21);
    const x = random.multivariateNormal(k, mean, cov, [30000]);
    expect(x.shape).toEqual([30000, 3]);
    const z = random.normal(k, [30000, 3], { dtype: "float64" });
    expectClose(x, np.add(mean, np.matmul(z, np.linalg.cholesky(cov).T)), 1e-12, 1e-12);
    const centered = np.sub(x, np.mean(x, 0));
    expectClose(np.div(np.matmul(centered.T, centered), 30000), cov, 0.05, 0.05);
    expect(random.multivariateNormal(k, np.zeros([4, 3], { dtype: "float64" }), cov).shape).toEqual([4, 3]);
    expect(() => random.multivariateNormal(k, mean, np.eye(2))).toThrow(/random.multivariateNormal: mean must be \[\.\.\., d\] and cov \[\.\.\., d, d\]; got \[3\] and \[2,2\]/);
  });

  it("bad keys are rejected", () => {
    expect(() => random.normal(np.array([1, 2, 3]), [2])).toThrow(DriftError);
    expect(() => random.split(np.array([1, 2]))).toThrow(/uint32 array of shape \[2\]/);
  });
});
