// DPPO step densities, the chain entropy bound and DACER's GMM entropy against closed forms computed here in float64.
import { describe, it, expect } from "vitest";
import { DriftError, jit, np, random, vmap, type Array } from "@drift/tensor";
import {
  chainEntropyBound,
  ddpmPosterior,
  diagNormalLogProb,
  dppoChainLogProbs,
  dppoStepLogProb,
  gmmEntropy,
  stepEntropyEstimate,
} from "../src/entropy.ts";
import { damdpPolicy, dtScheduleValues } from "../src/damdp.ts";
import { discreteSchedule, samplingGrid } from "../src/schedules.ts";

const f64 = (v: number[] | number[][]) => np.array(v, { dtype: "float64" });
const vec = (a: Array) => a.toArray() as number[];
const rows = (a: Array) => a.toArray() as number[][];
const logN = (x: number[], m: number[], v: number[]) => x.reduce((acc, xi, i) => acc - 0.5 * (xi - m[i]!) ** 2 / v[i]! - 0.5 * Math.log(2 * Math.PI * v[i]!), 0);
const maxDiff = (a: Array, b: Array) => np.max(np.abs(np.sub(a, b))).item();

describe("Gaussian helpers", () => {
  it("diagonal log-density", () => {
    const x = f64([[0.3, -1.2], [2.0, 0.1]]);
    const m = f64([0.1, -1.0]);
    const sd = f64([0.5, 2.0]);
    rows(x).forEach((r, n) => expect(vec(diagNormalLogProb(x, m, sd))[n]).toBeCloseTo(logN(r, [0.1, -1.0], [0.25, 4]), 14));
    expect(vec(diagNormalLogProb(x, 0, 3))[0]).toBeCloseTo(logN([0.3, -1.2], [0, 0], [9, 9]), 14);
  });
});

describe("DPPO per-step log-probs", () => {
  const xt = f64([[0.5, -0.3], [1.2, 0.8]]);
  const eps = f64([[0.1, 0.4], [-0.7, 0.2]]);
  const xPrev = f64([[0.45, -0.2], [1.0, 0.7]]);
  const ab = 0.6;
  const abPrev = 0.8;
  const closedForm = (kind: "beta" | "posterior", minStd: number, clipX0?: [number, number]) =>
    rows(xt).map((x, n) => {
      const e = rows(eps)[n]!;
      const alpha = ab / abPrev;
      const beta = 1 - alpha;
      const x0 = x.map((v, i) => {
        const r = (v - Math.sqrt(1 - ab) * e[i]!) / Math.sqrt(ab);
        return clipX0 ? Math.min(clipX0[1], Math.max(clipX0[0], r)) : r;
      });
      const c1 = (Math.sqrt(abPrev) * beta) / (1 - ab);
      const c2 = (Math.sqrt(alpha) * (1 - abPrev)) / (1 - ab);
      const mean = x.map((v, i) => c1 * x0[i]! + c2 * v);
      const variance = kind === "beta" ? beta : (beta * (1 - abPrev)) / (1 - ab);
      const std = Math.max(Math.sqrt(variance), minStd);
      return logN(rows(xPrev)[n]!, mean, [std * std, std * std]);
    });

  it("posterior mean/variance follow DDPM eqs. 6–7", () => {
    const x0 = f64([[1, 2]]);
    const p = ddpmPosterior(f64([[0.5, -0.3]]), x0, ab, abPrev);
    const beta = 1 - ab / abPrev;
    expect(p.beta.item()).toBeCloseTo(beta, 15);
    expect(p.variance.item()).toBeCloseTo((beta * 0.2) / 0.4, 15);
    const c1 = (Math.sqrt(0.8) * beta) / 0.4;
    const c2 = (Math.sqrt(0.75) * 0.2) / 0.4;
    expect(rows(p.mean)[0]![1]).toBeCloseTo(c1 * 2 + c2 * -0.3, 15);
  });

  it("equal the closed-form Gaussian densities (√β and posterior std, min-std floor, x̂_0 clip)", () => {
    for (const [kind, minStd, clip] of [["beta", 0.1, undefined], ["posterior", 0.1, undefined], ["posterior", 0.6, undefined], ["beta", 0.1, [-1, 1]]] as const) {
      const got = vec(dppoStepLogProb(xPrev, xt, eps, ab, abPrev, { std: kind, minStd, logProbClip: null, clipX0: clip ? [clip[0], clip[1]] : null }));
      closedForm(kind, minStd, clip ? [clip[0], clip[1]] : undefined).forEach((v, n) => expect(got[n]).toBeCloseTo(v, 12));
    }
    const clipped = vec(dppoStepLogProb(xPrev, xt, eps, ab, abPrev, { minStd: 0.05 }));
    closedForm("beta", 0.05).forEach((v, n) => expect(clipped[n]).toBeCloseTo(Math.min(2, Math.max(-5, v)), 12));
    expect(() => dppoStepLogProb(xPrev, xt, eps, ab, abPrev, { std: "sigma" as never })).toThrow(DriftError);
    expect(() => dppoStepLogProb(f64([[1, 2, 3]]), xt, eps, ab, abPrev)).toThrow(/share one shape/);
  });

  it("chain log-probs equal per-step terms; jit equals eager; vmap equals a loop", () => {
    const K = 5;
    const grid = samplingGrid(discreteSchedule("cosine", K), K);
    const alphaBars = grid.alpha.map((a) => a * a);
    const chain = random.normal(random.key(0), [3, K + 1, 2], { dtype: "float64" });
    const epsPreds = random.normal(random.key(1), [3, K, 2], { dtype: "float64" });
    const opts = { minStd: 0.1, logProbClip: null };
    const lp = dppoChainLogProbs(chain, epsPreds, alphaBars, opts);
    expect(lp.shape).toEqual([3, K]);
    const at = (a: Array, j: number) => np.squeeze(np.slice(a, null, [j, j + 1]), 1);
    for (let j = 0; j < K; j++) {
      const step = dppoStepLogProb(at(chain, j + 1), at(chain, j), at(epsPreds, j), alphaBars[j]!, alphaBars[j + 1]!, opts);
      expect(maxDiff(at(lp, j), step)).toBeLessThan(1e-12);
    }
    const jitted = jit((c: Array, e: Array) => dppoChainLogProbs(c, e, alphaBars))(chain, epsPreds);
    expect(maxDiff(jitted, dppoChainLogProbs(chain, epsPreds, alphaBars))).toBeLessThan(1e-12);
    const vm = vmap((c: Array, e: Array) => dppoChainLogProbs(c, e, alphaBars, opts))(chain, epsPreds);
    for (let n = 0; n < 3; n++) {
      const one = dppoChainLogProbs(np.squeeze(np.slice(chain, [n, n + 1]), 0), np.squeeze(np.slice(epsPreds, [n, n + 1]), 0), alphaBars, opts);
      expect(maxDiff(np.squeeze(np.slice(vm, [n, n + 1]), 0), one)).toBeLessThan(1e-12);
    }
    expect(() => dppoChainLogProbs(chain, epsPreds, alphaBars.slice(1))).toThrow(/K\+1/);
  });
});

describe("chain entropy bound (DIME / DA-MDP)", () => {
  it("is −(log p_0 + Σ log F/B), plus the tanh log-Jacobian when squashed", () => {
    const lr = f64([[0.5, -1, 2], [0, 0, 0]]);
    const lp = f64([-3, -1]);
    expect(vec(chainEntropyBound(lr, lp))).toEqual([1.5, 1]);
    const x = f64([[0.3, 6.0], [-1.1, -2.5]]);
    const h = vec(chainEntropyBound(lr, lp, { squashedLatent: x }));
    expect(h[0]).toBeCloseTo(1.5 + Math.log(1 - Math.tanh(0.3) ** 2) + Math.log(1 - Math.tanh(6.0) ** 2), 9);
    expect(h[1]).toBeCloseTo(1 + Math.log(1 - Math.tanh(-1.1) ** 2) + Math.log(1 - Math.tanh(-2.5) ** 2), 12);
    expect(stepEntropyEstimate(f64([0.1, 0.3]), 8).item()).toBeCloseTo(-1.6, 14);
    expect(() => stepEntropyEstimate(f64([0.1]), 0)).toThrow(DriftError);
  });

  it("lower-bounds the exact entropy of a Langevin chain toward the prior (f ≈ 0)", () => {
    const pol = damdpPolicy({ actionDim: 1, condDim: 2, network: { hidden: [4], numFrequencies: 2, timeHidden: 2, timeOut: 2 } });
    const params = pol.init(random.key(0), { dtype: "float64" });
    const out = pol.sample(params, random.key(1), np.zeros([4000, 1], { dtype: "float64" }));
    const bound = np.mean(chainEntropyBound(out.logRatio, out.logPrior)).item();
    // With f_θ ≈ 0 (last layer ×1e-8) each step is x' = (1 − η/σ_0²)x + √(2η)ξ, so x_K is Gaussian with this variance.
    let v = 9;
    dtScheduleValues(8).forEach((s) => {
      const eta = (0.125 * s) / 0.25;
      v = v * (1 - eta / 9) ** 2 + 2 * eta;
    });
    const exact = 0.5 * Math.log(2 * Math.PI * Math.E * v);
    const empirical = 0.5 * Math.log(2 * Math.PI * Math.E * np.var(out.latent).item());
    expect(Math.abs(empirical - exact)).toBeLessThan(0.05);
    expect(bound).toBeLessThan(exact);
    expect(bound).toBeGreaterThan(exact - 0.5);
  });
});

describe("GMM entropy (DACER)", () => {
  it("one component: equals ½ log det(2πe Σ̂) of the sample covariance", () => {
    const z = random.normal(random.key(2), [400, 2], { dtype: "float64" });
    const a = [[1.0, 0.0], [0.6, 0.5]];
    const x = np.add(np.matmul(z, np.transpose(f64(a))), f64([1, -2]));
    const res = gmmEntropy(random.key(3), x, { components: 1, iterations: 3 });
    const xs = rows(x);
    const m = [0, 1].map((i) => xs.reduce((s, r) => s + r[i]!, 0) / xs.length);
    const c = [0, 1].map((i) => [0, 1].map((j) => xs.reduce((s, r) => s + (r[i]! - m[i]!) * (r[j]! - m[j]!), 0) / xs.length + (i === j ? 1e-6 : 0)));
    const det = c[0]![0]! * c[1]![1]! - c[0]![1]! * c[1]![0]!;
    expect(res.entropy.item()).toBeCloseTo(0.5 * Math.log((2 * Math.PI * Math.E) ** 2 * det), 8);
    expect(vec(res.weights)[0]).toBeCloseTo(1, 12);
    // True Σ = AAᵀ has det 0.25: H = log(2πe) + ½ log 0.25.
    expect(Math.abs(res.entropy.item() - (Math.log(2 * Math.PI * Math.E) + 0.5 * Math.log(0.25)))).toBeLessThan(0.1);
    expect(() => gmmEntropy(random.key(3), f64([1, 2, 3]))).toThrow(/\[N, d\]/);
  });

  it("three well-separated components: between the pairwise lower bound and the upper bound of the true mixture", () => {
    const w = [0.2, 0.3, 0.5];
    const mu = [[-10, 0], [10, 0], [0, 10]];
    const sd = [0.5, 1.0, 0.8];
    const n = w.map((wi) => Math.round(wi * 600));
    const parts = n.map((ni, k) => np.add(np.mul(random.normal(random.key(10 + k), [ni, 2], { dtype: "float64" }), sd[k]!), f64(mu[k]!)));
    const x = np.concatenate(parts, 0);
    const res = gmmEntropy(random.key(4), x);
    const hk = sd.map((s) => Math.log(2 * Math.PI * Math.E * s * s));
    const upper = w.reduce((acc, wi, k) => acc + wi * (-Math.log(wi) + hk[k]!), 0);
    // Huber et al. 2008 lower bound: −Σ_i w_i log Σ_j w_j N(μ_i; μ_j, (s_i² + s_j²)I).
    const lower = -w.reduce((acc, wi, i) => acc + wi * Math.log(w.reduce((s, wj, j) => s + wj * Math.exp(logN(mu[i]!, mu[j]!, [sd[i]! ** 2 + sd[j]! ** 2, sd[i]! ** 2 + sd[j]! ** 2])), 0)), 0);
    expect(upper - lower).toBeLessThan(1.2);
    expect(upper - lower).toBeGreaterThan(0);
    for (const est of [res.entropy.item(), res.sampleEntropy.item()]) {
      expect(est).toBeGreaterThan(lower - 0.15);
      expect(est).toBeLessThan(upper + 0.15);
    }
    expect(vec(res.weights).sort()).toEqual(expect.arrayContaining([expect.closeTo(0.2, 3), expect.closeTo(0.3, 3), expect.closeTo(0.5, 3)]));
    const jitted = jit((k: Array, s: Array) => gmmEntropy(k, s).entropy)(random.key(4), x);
    expect(Math.abs(jitted.item() - res.entropy.item())).toBeLessThan(1e-9);
  });

  it("vmap over sample sets equals a loop", () => {
    const sets = random.normal(random.key(5), [2, 60, 2], { dtype: "float64" });
    const keys = random.split(random.key(6), 2);
    const vm = vmap((k: Array, s: Array) => gmmEntropy(k, s, { iterations: 10 }).entropy)(keys, sets);
    for (let i = 0; i < 2; i++) {
      const one = gmmEntropy(np.reshape(np.slice(keys, [i, i + 1]), [2]), np.squeeze(np.slice(sets, [i, i + 1]), 0), { iterations: 10 }).entropy;
      expect(vec(vm)[i]).toBeCloseTo(one.item(), 9);
    }
  });
});
