// Policy heads: shapes, deterministic modes, densities against formulas and normalisation, jit = eager, BC losses by hand.
import { describe, expect, it } from "vitest";
import { DriftError, grad, jit, np, random, tree, vmap, type Array } from "@drift/tensor";
import { diffusionBcLoss, flowBcLoss, nllBcLoss } from "../src/bc.ts";
import { deterministicHead, diffusionHead, flowHead, gaussianHead, tanhGaussianHead, type PolicyHead } from "../src/heads.ts";
import { flowPath, predictionTarget, qSample, sampleTrainingTimes } from "../src/noising.ts";
import { splitN } from "../src/samplers/common.ts";
import { discreteSchedule } from "../src/schedules.ts";

const obsDim = 3;
const actDim = 2;
const obs = random.normal(random.key(1), [5, obsDim]);
const small = { obsDim, actDim, hidden: [16, 16], timeDim: 8, obsEmbed: [8] };

function expectClose(a: Array, b: Array, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]! - y[i]!) <= tol * (1 + Math.abs(y[i]!)))) throw new Error(`element ${i}: ${x[i]} vs ${y[i]}`);
}

const HEADS: [string, () => PolicyHead<any>, boolean][] = [
  ["deterministic", () => deterministicHead({ obsDim, actDim, hidden: [16] }), true],
  ["gaussian", () => gaussianHead({ obsDim, actDim, hidden: [16] }), false],
  ["tanh-gaussian", () => tanhGaussianHead({ obsDim, actDim, hidden: [16] }), true],
  ["diffusion (DDPM, continuous cosine)", () => diffusionHead({ ...small, steps: 5 }), true],
  ["diffusion (DPM-Solver++, discrete VP, x0-prediction)", () => diffusionHead({ ...small, steps: 4, schedule: discreteSchedule("vp", 8), sampler: "dpm-solver++2m", prediction: "x0" }), true],
  ["flow (midpoint)", () => flowHead({ ...small, steps: 4, method: "midpoint" }), true],
];

describe("policy heads", () => {
  for (const [name, make, bounded] of HEADS) {
    it(`${name}: shapes, bounds, deterministic mode, jit = eager, vmap over observations`, () => {
      const head = make();
      const params = head.init(random.key(2));
      const a = head.sample(random.key(3), params, obs);
      expect(a.shape).toEqual([5, actDim]);
      if (bounded) expect(Math.max(...globalThis.Array.from(a.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1);
      const d1 = head.sample(random.key(4), params, obs, { deterministic: true });
      expectClose(head.sample(random.key(5), params, obs, { deterministic: true }), d1, 0);
      expectClose(jit((k: Array, p: unknown, o: Array) => head.sample(k, p, o))(random.key(3), params, obs), a);
      const single = vmap((o: Array) => head.sample(random.key(6), params, o, { deterministic: true }))(obs);
      expectClose(single, d1);
      expect(() => head.sample(random.key(3), params, np.zeros([5, obsDim + 1]))).toThrow(DriftError);
    });
  }

  it("gaussian: state-dependent log-std clipped; logProb is the diagonal normal density", () => {
    const head = gaussianHead({ obsDim, actDim, hidden: [16], logStdMin: -1, logStdMax: 0.5 });
    const params = head.init(random.key(2));
    const [mean, logStd] = head.meanLogStd(params, obs);
    const ls = logStd.dataSync();
    expect(Math.min(...ls)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...ls)).toBeLessThanOrEqual(0.5);
    const act = random.normal(random.key(7), [5, actDim]);
    const m = mean.dataSync();
    const x = act.dataSync();
    const want = globalThis.Array.from({ length: 5 }, (_, i) => {
      let s = 0;
      for (let j = 0; j < actDim; j++) {
        const k = i * actDim + j;
        s += -0.5 * ((x[k]! - m[k]!) / Math.exp(ls[k]!)) ** 2 - ls[k]! - 0.5 * Math.log(2 * Math.PI);
      }
      return s;
    });
    expectClose(head.logProb(params, obs, act), np.array(want), 1e-5);
    const [sample, lp] = head.sampleWithLogProb(random.key(8), params, obs);
    expectClose(lp, head.logProb(params, obs, sample), 1e-5);
    expectClose(nllBcLoss(head, params, obs, act), np.neg(np.mean(head.logProb(params, obs, act))));
  });

  it("tanh-gaussian: logProb = log N(atanh a) − Σ log(1 − a²) matches sampleWithLogProb and integrates to 1", () => {
    const head = tanhGaussianHead({ obsDim: 1, actDim: 1, hidden: [8] });
    const params = head.init(random.key(2));
    const o = np.zeros([1, 1], { dtype: "float32" });
    const [a, lp] = head.sampleWithLogProb(random.key(3), params, np.zeros([64, 1]));
    expectClose(lp, head.logProb(params, np.zeros([64, 1]), a), 1e-3);
    // Midpoint rule over (−0.999, 0.999): the mass beyond the clip is negligible for this head's σ ≈ 1.
    const n = 20000;
    const grid = np.reshape(np.linspace(-0.999 + 0.999 / n, 0.999 - 0.999 / n, n, { dtype: "float32" }), [n, 1]);
    const dens = np.exp(head.logProb(params, np.broadcastTo(o, [n, 1]), grid));
    const mass = (np.sum(dens).item() * 2 * 0.999) / n;
    expect(Math.abs(mass - 1)).toBeLessThan(5e-3);
  });

  it("diffusionBcLoss is the ε-MSE at t ~ U(t_min, t_max) with x_t = α a + σ ε, and differentiable", () => {
    const head = diffusionHead({ ...small, steps: 5 });
    const params = head.init(random.key(2));
    const act = np.clip(random.normal(random.key(3), [5, actDim]), -1, 1);
    const key = random.key(4);
    const [kt, kn] = splitN(key, 2);
    const t = sampleTrainingTimes(kt, head.schedule, [5]);
    const { xt, eps, alpha, sigma } = qSample(kn, head.schedule, act, t);
    const want = np.mean(np.square(np.sub(head.predict(params, obs, xt, t), predictionTarget("eps", act, eps, alpha, sigma))));
    expectClose(diffusionBcLoss(head, params, key, obs, act), want);
    const g = grad((p: typeof params) => diffusionBcLoss(head, p, key, obs, act))(params);
    expect(tree.structure(g)).toEqual(tree.structure(params));
    expect(tree.leaves(g).every((x: Array) => globalThis.Array.from(x.dataSync()).every(Number.isFinite))).toBe(true);
    expect(() => nllBcLoss(head, params, obs, act)).toThrow(/no logProb/);
  });

  it("flowBcLoss is the conditional flow-matching MSE against a − x_0", () => {
    const head = flowHead({ ...small });
    const params = head.init(random.key(2));
    const act = np.clip(random.normal(random.key(3), [5, actDim]), -1, 1);
    const key = random.key(4);
    const [kt, kn] = splitN(key, 2);
    const t = random.uniform(kt, [5]);
    const x0 = random.normal(kn, [5, actDim]);
    const { xt, velocity } = flowPath(x0, act, t);
    expectClose(flowBcLoss(head, params, key, obs, act), np.mean(np.square(np.sub(head.velocity(params, obs, xt, t), velocity))));
    expect(() => flowBcLoss(head, params, key, obs, np.zeros([4, actDim]))).toThrow(/leading axes/);
  });

  it("validates configurations", () => {
    expect(() => diffusionHead({ ...small, sampler: "euler" as never })).toThrow(/valid samplers/);
    expect(() => flowHead({ ...small, method: "rk4" as never })).toThrow(/valid methods/);
    expect(() => gaussianHead({ obsDim: 0, actDim })).toThrow(/obsDim/);
    expect(() => diffusionHead({ ...small, actionBound: -1 })).toThrow(/actionBound/);
  });
});
