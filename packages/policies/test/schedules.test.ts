// Schedules and noising: β/ᾱ tables against the papers' formulas, traced = float64 values, grids, conversions, errors.
import { describe, expect, it } from "vitest";
import { DriftError, jit, np, random, type Array } from "@drift/tensor";
import {
  CONTINUOUS_SCHEDULES,
  continuousSchedule,
  discreteSchedule,
  edmSchedule,
  karrasSigmas,
  samplingGrid,
  timeOfLambda,
  type NoiseSchedule,
} from "../src/schedules.ts";
import { PREDICTIONS, addNoise, convertPrediction, flowPath, predictionTarget, qSample, sampleTrainingTimes, toEpsX0 } from "../src/noising.ts";

function close(a: number, b: number, tol = 1e-12): void {
  if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) throw new Error(`got ${a}, expected ${b} (tol ${tol})`);
}

function expectArrayClose(a: Array, b: Array | number[], tol: number): void {
  const x = a.dataSync();
  const y = globalThis.Array.isArray(b) ? b : b.dataSync();
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]! - y[i]!) <= tol * Math.max(1, Math.abs(y[i]!)))) throw new Error(`element ${i}: got ${x[i]}, expected ${y[i]}`);
}

describe("discrete schedules", () => {
  it("linear: β from 1e-4 to 0.02, β_0 = 0 prepended, ᾱ = cumprod(1 − β)", () => {
    const s = discreteSchedule("linear", 1000);
    expect(s.betas.length).toBe(1001);
    expect(s.betas[0]).toBe(0);
    close(s.betas[1]!, 1e-4);
    close(s.betas[1000]!, 0.02);
    close(s.betas[500]!, 1e-4 + (0.02 - 1e-4) * (499 / 999));
    let prod = 1;
    for (let k = 0; k <= 1000; k++) {
      prod *= 1 - s.betas[k]!;
      close(s.alphasCumprod[k]!, prod, 1e-12);
    }
    // ᾱ_1000 for the DDPM linear schedule is ≈ 4.0e-5 (Ho et al. 2020).
    expect(s.alphasCumprod[1000]!).toBeGreaterThan(3e-5);
    expect(s.alphasCumprod[1000]!).toBeLessThan(5e-5);
  });

  it("cosine: ᾱ_k = f(k)/f(0) with f = cos²(π/2·(k/K + s)/(1 + s)), s = 0.008, last β capped at 0.999", () => {
    const K = 50;
    const s = discreteSchedule("cosine", K);
    const f = (k: number): number => Math.cos(((k / K + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let k = 0; k < K; k++) close(s.alphasCumprod[k]!, f(k) / f(0), 1e-10);
    expect(s.betas[K]).toBe(0.999);
    close(s.alphas[7]!, 1 - s.betas[7]!);
  });

  it("vp: β_k = 1 − exp(−β_min/K − ½(β_max − β_min)(2k − 1)/K²)", () => {
    const K = 5;
    const s = discreteSchedule("vp", K);
    for (let k = 1; k <= K; k++) close(s.betas[k]!, 1 - Math.exp(-0.1 / K - (0.5 * 9.9 * (2 * k - 1)) / (K * K)));
  });

  it("α(t) = √ᾱ, σ(t) = √(1 − ᾱ) at integer steps; traced alphaSigma equals the float64 functions (also between steps and under jit)", () => {
    const s = discreteSchedule("cosine", 20);
    for (const k of [0, 1, 7, 20]) {
      close(s.alphaAt(k), Math.sqrt(s.alphasCumprod[k]!));
      close(s.sigmaAt(k), Math.sqrt(1 - s.alphasCumprod[k]!), 1e-12);
    }
    const ts = [0, 1, 2.5, 7.25, 19.9, 20];
    const t = np.array(ts, { dtype: "float64" });
    for (const f of [(x: Array) => s.alphaSigma(x), jit((x: Array) => s.alphaSigma(x))]) {
      const [a, sg] = f(t);
      expectArrayClose(a, ts.map((x) => s.alphaAt(x)), 1e-12);
      expectArrayClose(sg, ts.map((x) => s.sigmaAt(x)), 1e-12);
    }
    // Integer step indices are accepted too (float32 result).
    const [a32] = s.alphaSigma(np.array([3, 4], { dtype: "int32" }));
    expect(a32.dtype).toBe("float32");
    expectArrayClose(a32, [s.alphaAt(3), s.alphaAt(4)], 1e-6);
  });

  it("rejects unknown names (listing the valid ones) and bad sizes", () => {
    expect(() => discreteSchedule("quadratic" as never, 10)).toThrow(/valid names: linear, cosine, vp/);
    expect(() => discreteSchedule("linear", 0)).toThrow(DriftError);
    expect(() => discreteSchedule("linear", 10, { betaStart: 0.5, betaEnd: 0.1 })).toThrow(/betaStart/);
  });
});

describe("continuous and EDM schedules", () => {
  it("cosine: α(t) = cos(½π(t + s)/(1 + s))/cos(½π·s/(1 + s)), σ = √(1 − α²), t ∈ [1e-3, 0.9946]", () => {
    const s = continuousSchedule("cosine");
    expect([s.tMin, s.tMax]).toEqual([1e-3, 0.9946]);
    const alpha = (t: number): number => Math.cos((Math.PI / 2) * ((t + 0.008) / 1.008)) / Math.cos((Math.PI / 2) * (0.008 / 1.008));
    for (const t of [1e-3, 0.3, 0.5, 0.9946]) {
      close(s.alphaAt(t), alpha(t), 1e-12);
      close(s.alphaAt(t) ** 2 + s.sigmaAt(t) ** 2, 1, 1e-12);
    }
    close(s.alphaAt(1), alpha(0.9946), 1e-12); // clamped as FlowRL
    const [a, sg] = s.alphaSigma(np.array([0.001, 0.5, 0.99], { dtype: "float64" }));
    expectArrayClose(a, [alpha(0.001), alpha(0.5), alpha(0.99)], 1e-12);
    expectArrayClose(sg, [0.001, 0.5, 0.99].map((t) => Math.sqrt(1 - alpha(t) ** 2)), 1e-10);
  });

  it("linear VP: log α = −¼(β_1 − β_0)t² − ½β_0 t", () => {
    const s = continuousSchedule("linear");
    close(s.alphaAt(0.5), Math.exp(-(19.9 / 4) * 0.25 - 0.05 * 0.5), 1e-12);
    expect(() => continuousSchedule("vp" as never)).toThrow(new RegExp(`valid names: ${CONTINUOUS_SCHEDULES.join(", ")}`));
  });

  it("EDM: α = 1, σ = t; Karras σ grid (σ_max = 80 … σ_min = 0.002, ρ = 7, then 0)", () => {
    const s = edmSchedule();
    expect([s.tMin, s.tMax, s.rho]).toEqual([0.002, 80, 7]);
    const sig = karrasSigmas(18);
    expect(sig.length).toBe(19);
    close(sig[0]!, 80);
    close(sig[17]!, 0.002, 1e-10);
    expect(sig[18]).toBe(0);
    const i = 9;
    close(sig[i]!, (80 ** (1 / 7) + (i / 17) * (0.002 ** (1 / 7) - 80 ** (1 / 7))) ** 7);
    expect(() => karrasSigmas(1)).toThrow(DriftError);
  });
});

describe("grids", () => {
  it("discrete stride sampling: N of K steps τ_i = round(i·K/N), descending to 0 (DWM: K = 5, N = 3)", () => {
    const s = discreteSchedule("cosine", 5);
    const g = samplingGrid(s, 3);
    expect(g.t).toEqual([5, 3, 2, 0]);
    close(g.alpha[1]!, Math.sqrt(s.alphasCumprod[3]!));
    expect(g.sigma[3]).toBe(0);
    expect(samplingGrid(s, 5).t).toEqual([5, 4, 3, 2, 1, 0]);
    expect(() => samplingGrid(s, 6)).toThrow(/at most/);
  });

  it("continuous: t_i = (t_max − t_min)(i/N)^n + t_min; edm: Karras σ", () => {
    const s = continuousSchedule("cosine");
    const g = samplingGrid(s, 4, { power: 2 });
    g.t.forEach((t, j) => close(t, (0.9946 - 1e-3) * ((4 - j) / 4) ** 2 + 1e-3));
    expect(samplingGrid(edmSchedule(), 10).t).toEqual(karrasSigmas(10));
  });

  it("timeOfLambda inverts λ(t) = log(α/σ)", () => {
    const cases: [NoiseSchedule, number][] = [
      [continuousSchedule("cosine"), 0.37],
      [discreteSchedule("linear", 100), 42.5],
      [edmSchedule(), 3.3],
    ];
    for (const [s, t] of cases) {
      const lam = Math.log(s.alphaAt(t) / s.sigmaAt(t));
      close(timeOfLambda(s, lam, s.tMin, s.tMax), t, 1e-9);
    }
  });
});

describe("noising", () => {
  const x0 = random.normal(random.key(1), [6, 3], { dtype: "float64" });
  const eps = random.normal(random.key(2), [6, 3], { dtype: "float64" });

  it("ε / x0 / v / score targets convert into each other for VP and non-VP (α, σ)", () => {
    for (const [alpha, sigma] of [
      [0.8, 0.6],
      [1, 2.5],
      [0.3, 0.1],
    ] as const) {
      const xt = addNoise(x0, eps, alpha, sigma);
      for (const from of PREDICTIONS) {
        const pred = predictionTarget(from, x0, eps, alpha, sigma);
        const [e, x] = toEpsX0(pred, from, xt, alpha, sigma);
        expectArrayClose(e, eps, 1e-10);
        expectArrayClose(x, x0, 1e-10);
        for (const to of PREDICTIONS) expectArrayClose(convertPrediction(pred, from, to, xt, alpha, sigma), predictionTarget(to, x0, eps, alpha, sigma), 1e-10);
      }
    }
    // v = αε − σx0 (Salimans & Ho 2022) and score = −ε/σ, checked by hand.
    expectArrayClose(predictionTarget("v", x0, eps, 0.8, 0.6), np.sub(np.mul(eps, 0.8), np.mul(x0, 0.6)), 1e-12);
    expectArrayClose(predictionTarget("score", x0, eps, 0.8, 0.6), np.div(eps, -0.6), 1e-12);
    expect(() => convertPrediction(x0, "noise" as never, "eps", x0, 1, 1)).toThrow(/valid parameterizations: eps, x0, v, score/);
  });

  it("qSample draws x_t = α(t)x_0 + σ(t)ε at per-example times; training times follow the schedule kind", () => {
    const s = discreteSchedule("cosine", 10);
    const t = sampleTrainingTimes(random.key(3), s, [6], { dtype: "float64" });
    const tv = globalThis.Array.from(t.dataSync());
    expect(tv.every((k) => Number.isInteger(k) && k >= 1 && k <= 10)).toBe(true);
    const { xt, eps: e, alpha, sigma } = qSample(random.key(4), s, x0, t);
    expect(alpha.shape).toEqual([6, 1]);
    expectArrayClose(np.reshape(alpha, [6]), tv.map((k) => s.alphaAt(k)), 1e-12);
    expectArrayClose(xt, np.add(np.mul(x0, alpha), np.mul(e, sigma)), 1e-12);
    const tc = sampleTrainingTimes(random.key(5), continuousSchedule("cosine"), [1000]).dataSync();
    expect(Math.min(...tc)).toBeGreaterThanOrEqual(1e-3);
    expect(Math.max(...tc)).toBeLessThanOrEqual(0.9946);
    const te = sampleTrainingTimes(random.key(6), edmSchedule(), [4000]).dataSync();
    const logs = globalThis.Array.from(te).map(Math.log);
    close(logs.reduce((a, b) => a + b) / logs.length, -1.2, 0.05); // log σ ~ N(−1.2, 1.2²)
  });

  it("flowPath: x_t = (1 − t)x_0 + t·x_1 with velocity x_1 − x_0", () => {
    const t = np.array([0, 0.25, 0.5, 0.75, 1, 0.1], { dtype: "float64" });
    const { xt, velocity } = flowPath(eps, x0, t);
    const tt = np.reshape(t, [6, 1]);
    expectArrayClose(xt, np.add(np.mul(eps, np.sub(1, tt)), np.mul(x0, tt)), 1e-12);
    expectArrayClose(velocity, np.sub(x0, eps), 1e-12);
  });
});
