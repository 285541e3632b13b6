// Samplers with the exact ε / x0 / v / score / velocity of 1-D and 2-D Gaussian mixtures: moments and MMD against exact samples; guidance, inpainting, jit, vmap.
import { describe, expect, it } from "vitest";
import { DriftError, jit, np, random, vmap, type Array } from "@drift/tensor";
import {
  classifierFreeGuidance,
  ddimSample,
  ddpmSample,
  diffusionSample,
  dpmSolver2Sample,
  dpmSolverPP2MSample,
  flowSample,
  heunSample,
  langevinSample,
} from "../src/samplers/index.ts";
import { continuousSchedule, discreteSchedule, edmSchedule } from "../src/schedules.ts";
import { type Mixture, exactModel, exactVelocity, mixtureMoments, mmd2, moments, sampleMixture } from "./mixture.ts";

/**
 * Samples per run (moments use all of them, the MMD the first 2000 of the run and of an exact reference set), the RBF
 * bandwidth h of k(a, b) = exp(−‖a − b‖²/(2h²)), and the acceptance bounds.
 */
const N = 4000;
const BANDWIDTH = 0.5;
/** |sample mean − exact mean| per dimension (the standard error is ≈ 0.02 here). */
const MEAN_TOL = 0.07;
/** |sample variance / exact variance − 1| per dimension (standard error ≈ 2.5%). */
const VAR_TOL = 0.08;
/** Unbiased MMD² bound (2000 vs 2000): independent exact sample sets give |MMD²| ≤ 5.1e-4, a 3-step DDIM > 1e-2. */
const MMD_TOL = 2e-3;

const MIX_1D: Mixture = { weights: [0.3, 0.7], means: [[-1.5], [1.0]], stds: [[0.3], [0.5]] };
const MIX_2D: Mixture = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [-1.5, 0.5],
    [1.0, 1.0],
    [0.5, -1.5],
  ],
  stds: [
    [0.4, 0.3],
    [0.3, 0.5],
    [0.5, 0.4],
  ],
};

const cos100 = discreteSchedule("cosine", 100);
const lin1000 = discreteSchedule("linear", 1000);
const ccos = continuousSchedule("cosine");
const edm = edmSchedule();
const langevinLevels = globalThis.Array.from({ length: 10 }, (_, i) => 5 * (0.1 / 5) ** (i / 9));

type Run = (m: Mixture, d: number, key: Array) => Array;
const CASES: [string, Run][] = [
  ["DDPM, discrete cosine K = 100, ε", (m, d, k) => ddpmSample(exactModel(m, cos100, "eps"), k, { schedule: cos100, shape: [N, d] })],
  ["DDPM stride 100 of 1000 (linear), x0, β variance", (m, d, k) => ddpmSample(exactModel(m, lin1000, "x0"), k, { schedule: lin1000, steps: 100, shape: [N, d], prediction: "x0", variance: "beta" })],
  ["DDPM, continuous cosine 100 steps, v", (m, d, k) => ddpmSample(exactModel(m, ccos, "v"), k, { schedule: ccos, steps: 100, shape: [N, d], prediction: "v" })],
  ["DDIM η = 0 (ODE), continuous cosine 50 steps, ε", (m, d, k) => ddimSample(exactModel(m, ccos, "eps"), k, { schedule: ccos, steps: 50, shape: [N, d] })],
  ["DDIM η = 1 (SDE), discrete cosine K = 100, score", (m, d, k) => ddimSample(exactModel(m, cos100, "score"), k, { schedule: cos100, shape: [N, d], eta: 1, prediction: "score" })],
  ["DDIM η = 0 on the EDM schedule (VE Euler), 100 steps", (m, d, k) => ddimSample(exactModel(m, edm, "eps"), k, { schedule: edm, steps: 100, shape: [N, d] })],
  ["DPM-Solver-2, continuous cosine 20 steps", (m, d, k) => dpmSolver2Sample(exactModel(m, ccos, "eps"), k, { schedule: ccos, steps: 20, shape: [N, d] })],
  ["DPM-Solver-2, discrete linear K = 1000, 20 steps", (m, d, k) => dpmSolver2Sample(exactModel(m, lin1000, "eps"), k, { schedule: lin1000, steps: 20, shape: [N, d] })],
  ["DPM-Solver++(2M), discrete linear, 25 steps, x0", (m, d, k) => dpmSolverPP2MSample(exactModel(m, lin1000, "x0"), k, { schedule: lin1000, steps: 25, shape: [N, d], prediction: "x0" })],
  ["EDM Heun (ODE), 30 Karras steps, x0", (m, d, k) => heunSample(exactModel(m, edm, "x0"), k, { schedule: edm, steps: 30, shape: [N, d], prediction: "x0" })],
  ["EDM Heun with churn (SDE), 40 steps", (m, d, k) => heunSample(exactModel(m, edm, "x0"), k, { schedule: edm, steps: 40, shape: [N, d], prediction: "x0", churn: 10, sTmin: 0.05, sTmax: 50 })],
  ["flow Euler, 100 steps", (m, d, k) => flowSample(exactVelocity(m), k, { shape: [N, d], steps: 100 })],
  ["flow midpoint, 20 steps", (m, d, k) => flowSample(exactVelocity(m), k, { shape: [N, d], steps: 20, method: "midpoint" })],
  ["flow Heun, 20 steps", (m, d, k) => flowSample(exactVelocity(m), k, { shape: [N, d], steps: 20, method: "heun" })],
  ["flow Euler–Maruyama SDE (noise 1), 100 steps", (m, d, k) => flowSample(exactVelocity(m), k, { shape: [N, d], steps: 100, noise: 1 })],
  [
    "annealed Langevin, 10 levels σ 5 → 0.1, 100 steps each, denoised",
    (m, d, k) => langevinSample(exactModel(m, edm, "score"), k, { schedule: edm, levels: langevinLevels, stepsPerLevel: 100, stepSize: 2e-3, shape: [N, d], denoise: true }),
  ],
];

function checkAgainstExact(x: Array, m: Mixture, ref: Array): void {
  const want = mixtureMoments(m);
  const got = moments(x);
  got.mean.forEach((v, j) => expect(Math.abs(v - want.mean[j]!), `mean[${j}] ${v} vs ${want.mean[j]}`).toBeLessThan(MEAN_TOL));
  got.variance.forEach((v, j) => expect(Math.abs(v / want.variance[j]! - 1), `var[${j}] ${v} vs ${want.variance[j]}`).toBeLessThan(VAR_TOL));
  expect(mmd2(x, ref, BANDWIDTH)).toBeLessThan(MMD_TOL);
}

for (const [label, mix, d] of [
  ["1-D two-component", MIX_1D, 1],
  ["2-D three-component", MIX_2D, 2],
] as const) {
  describe(`exact models of a ${label} mixture (${N} samples, MMD bandwidth ${BANDWIDTH})`, () => {
    const ref = sampleMixture(random.key(7), mix, N);
    it("calibration: two exact sample sets pass the bounds; a 3-step DDIM does not", () => {
      checkAgainstExact(sampleMixture(random.key(8), mix, N), mix, ref);
      const coarse = ddimSample(exactModel(mix, ccos, "eps"), random.key(1), { schedule: ccos, steps: 3, shape: [N, d] });
      expect(mmd2(coarse, ref, BANDWIDTH)).toBeGreaterThan(5 * MMD_TOL);
    });
    for (const [name, run] of CASES) it(name, () => checkAgainstExact(run(mix, d, random.key(1)), mix, ref), 30_000);
  });
}

describe("classifier-free guidance and inpainting", () => {
  it("guided ε = ω·ε_c + (1 − ω)·ε_u samples N(ωμ_c + (1 − ω)μ_u, s²) for equal-variance Gaussians (ω = 1: conditional)", () => {
    const cond: Mixture = { weights: [1], means: [[1]], stds: [[0.5]] };
    const uncond: Mixture = { weights: [1], means: [[-1]], stds: [[0.5]] };
    for (const w of [1, 2, 0.25]) {
      const model = classifierFreeGuidance(exactModel(cond, ccos, "eps"), exactModel(uncond, ccos, "eps"), w);
      const x = ddimSample(model, random.key(2), { schedule: ccos, steps: 50, shape: [N, 1] });
      const target: Mixture = { weights: [1], means: [[w * 1 + (1 - w) * -1]], stds: [[0.5]] };
      checkAgainstExact(x, target, sampleMixture(random.key(9), target, N));
    }
  }, 30_000);

  it("DWM-style guided, inpainted, stride sampling: known entry exact, the free one follows its (independent) marginal", () => {
    // x = (free, known) with independent coordinates, so replacement inpainting is exact for the free one.
    const joint = (mu: number): Mixture => ({
      weights: [0.4, 0.6],
      means: [
        [-1.2, mu],
        [1.0, mu],
      ],
      stds: [
        [0.3, 0.4],
        [0.4, 0.4],
      ],
    });
    const model = classifierFreeGuidance(exactModel(joint(0.5), cos100, "eps"), exactModel(joint(-0.5), cos100, "eps"), 1.5);
    const mask = np.array([false, true]);
    for (const noised of [true, false]) {
      const x = ddpmSample(model, random.key(3), { schedule: cos100, steps: 50, shape: [N, 2], inpaint: { mask, values: np.array([0, 2.0]), noised } });
      const col = (j: number): Array => np.reshape(np.slice(x, null, [j, j + 1]), [N, 1]);
      expect(globalThis.Array.from(col(1).dataSync()).every((v) => v === 2)).toBe(true);
      const free: Mixture = { weights: [0.4, 0.6], means: [[-1.2], [1.0]], stds: [[0.3], [0.4]] };
      checkAgainstExact(col(0), free, sampleMixture(random.key(10), free, N));
    }
  }, 30_000);

  it("x̂0 clipping keeps DDPM samples inside the bound", () => {
    const wide: Mixture = { weights: [1], means: [[0]], stds: [[3]] };
    const x = ddpmSample(exactModel(wide, cos100, "eps"), random.key(4), { schedule: cos100, shape: [500, 1], clipX0: 1 });
    const v = x.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeGreaterThan(0.99);
  });
});

describe("transformations", () => {
  const small = MIX_2D;
  const samplers: [string, (key: Array, shape: number[]) => Array][] = [
    ["ddpm + inpainting", (k, s) => ddpmSample(exactModel(small, cos100, "eps"), k, { schedule: cos100, steps: 10, shape: s, inpaint: { mask: np.array([true, false]), values: np.array([0.5, 0]) } })],
    ["ddim η = 0.5", (k, s) => ddimSample(exactModel(small, ccos, "v"), k, { schedule: ccos, steps: 8, shape: s, eta: 0.5, prediction: "v", clipX0: 2 })],
    ["dpm-solver-2", (k, s) => dpmSolver2Sample(exactModel(small, ccos, "eps"), k, { schedule: ccos, steps: 5, shape: s })],
    ["dpm-solver++2m", (k, s) => dpmSolverPP2MSample(exactModel(small, lin1000, "eps"), k, { schedule: lin1000, steps: 6, shape: s })],
    ["heun with churn", (k, s) => heunSample(exactModel(small, edm, "x0"), k, { schedule: edm, steps: 6, shape: s, prediction: "x0", churn: 5 })],
    ["flow SDE", (k, s) => flowSample(exactVelocity(small), k, { shape: s, steps: 8, noise: 0.5 })],
    ["flow heun", (k, s) => flowSample(exactVelocity(small), k, { shape: s, steps: 5, method: "heun" })],
    ["langevin", (k, s) => langevinSample(exactModel(small, edm, "eps"), k, { schedule: edm, levels: [2, 1, 0.5], stepsPerLevel: 4, stepSize: 0.01, shape: s, prediction: "eps" })],
  ];

  function expectClose(a: Array, b: Array, tol = 1e-5): void {
    expect(a.shape).toEqual(b.shape);
    const x = a.dataSync();
    const y = b.dataSync();
    for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]! - y[i]!) <= tol * (1 + Math.abs(y[i]!)))) throw new Error(`element ${i}: ${x[i]} vs ${y[i]}`);
  }

  for (const [name, run] of samplers) {
    it(`${name}: jit equals eager; vmap over keys equals a loop`, () => {
      const key = random.key(11);
      expectClose(jit((k: Array) => run(k, [16, 2]))(key), run(key, [16, 2]));
      const keys = random.split(key, 3);
      const batched = vmap((k: Array) => run(k, [2]))(keys);
      const loop = np.stack(globalThis.Array.from({ length: 3 }, (_, i) => run(np.reshape(np.slice(keys, [i, i + 1]), [2]), [2])));
      expectClose(batched, loop);
    }, 30_000);
  }

  it("validates its input", () => {
    const m = exactModel(MIX_1D, ccos, "eps");
    expect(() => diffusionSample("euler" as never, m, random.key(0), { schedule: ccos, shape: [2, 1] })).toThrow(/valid samplers: ddpm, ddim, dpm-solver-2, dpm-solver\+\+2m, heun/);
    expect(() => ddpmSample(m, random.key(0), { schedule: ccos, shape: [2, 1], prediction: "noise" as never })).toThrow(/valid parameterizations/);
    expect(() => ddpmSample(m, random.key(0), { schedule: ccos })).toThrow(/shape or options.xT/);
    expect(() => ddpmSample(() => np.zeros([3]), random.key(0), { schedule: ccos, shape: [2, 1] })).toThrow(/shaped like x/);
    expect(() => flowSample(exactVelocity(MIX_1D), random.key(0), { shape: [2, 1], method: "rk4" as never })).toThrow(/valid methods: euler, midpoint, heun/);
    expect(() => flowSample(exactVelocity(MIX_1D), random.key(0), { shape: [2, 1], method: "heun", noise: 1 })).toThrow(DriftError);
    expect(() => ddpmSample(m, random.key(0), { schedule: ccos, shape: [2, 1], grid: { t: [0.5, 0.9], alpha: [0.7, 0.1], sigma: [0.7, 0.99] } })).toThrow(/noisy to clean/);
  });
});
