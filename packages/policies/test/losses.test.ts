// Losses on hand-computed tiny cases and the model-driven forms against an independent recomputation in float64.
import { describe, it, expect } from "vitest";
import { DriftError, jit, np, random, valueAndGrad, vmap, type Array } from "@drift/tensor";
import { alphaSigmaPath, cfmLoss, cfmMse, dsmLoss, dsmMse, dsmTarget, epsLoss, epsMse, weightedEpsMse } from "../src/losses.ts";
import { continuousSchedule, discreteSchedule } from "../src/schedules.ts";

const f64 = (v: number[] | number[][]) => np.array(v, { dtype: "float64" });
const vec = (a: Array) => a.toArray() as number[];
const rows = (a: Array) => a.toArray() as number[][];

describe("pure losses", () => {
  const pred = f64([[1, 2], [3, 4]]);
  const target = f64([[0, 2], [1, 1]]);

  it("ε-MSE: mean, summed features and element-wise clip", () => {
    expect(epsMse(pred, target).item()).toBe(3.5);
    expect(epsMse(pred, target, { reduceFeatures: "sum" }).item()).toBe(7);
    expect(epsMse(pred, target, { clip: 3 }).item()).toBe(1.75);
  });

  it("weighted ε-MSE: mean(w·e) and Σw·e/Σw", () => {
    const w = f64([2, 0.5]);
    expect(weightedEpsMse(pred, target, w).item()).toBe(2.125);
    expect(weightedEpsMse(pred, target, w, { normalize: true }).item()).toBeCloseTo(1.7, 15);
    expect(weightedEpsMse(pred, target, f64([1, 1])).item()).toBe(3.5);
    expect(() => weightedEpsMse(pred, target, f64([1, 2, 3]))).toThrow(DriftError);
    expect(() => epsMse(pred, f64([[1, 2]]))).toThrow(/share one shape/);
  });

  it("general α/σ path, CFM and DSM on a worked example", () => {
    const x = f64([[1, 2]]);
    const eps = f64([[0.5, -1]]);
    const p = alphaSigmaPath(x, eps, 0.6, 0.8, -0.8, 0.6);
    rows(p.xt)[0]!.forEach((v, i) => expect(v).toBeCloseTo([1.0, 0.4][i]!, 15));
    rows(p.velocity)[0]!.forEach((v, i) => expect(v).toBeCloseTo([-0.5, -2.2][i]!, 15));
    expect(cfmMse(f64([[0, 0]]), f64([[3, 4]])).item()).toBe(12.5);
    expect(cfmMse(f64([[0, 0]]), f64([[3, 4]]), undefined, { reduceFeatures: "sum" }).item()).toBe(25);
    const score = dsmTarget(p.xt, x, 0.6, 0.8);
    rows(score)[0]!.forEach((v, i) => expect(v).toBeCloseTo([-0.625, 1.25][i]!, 14));
    // λ = σ² = 0.64: 0.64·(0.625² + 1.25²) = ‖ε‖² = 1.25.
    expect(dsmMse(f64([[0, 0]]), score, f64([0.64])).item()).toBeCloseTo(1.25, 14);
  });

  it("vmap over independent problems equals a loop; jit equals eager", () => {
    const preds = random.normal(random.key(0), [3, 4, 2], { dtype: "float64" });
    const targets = random.normal(random.key(1), [3, 4, 2], { dtype: "float64" });
    const ws = random.uniform(random.key(2), [3, 4], { dtype: "float64" });
    const vm = vmap((a: Array, b: Array, w: Array) => weightedEpsMse(a, b, w, { normalize: true }))(preds, targets, ws);
    const loop = [0, 1, 2].map((i) => weightedEpsMse(np.squeeze(np.slice(preds, [i, i + 1]), 0), np.squeeze(np.slice(targets, [i, i + 1]), 0), np.squeeze(np.slice(ws, [i, i + 1]), 0), { normalize: true }).item());
    vec(vm).forEach((v, i) => expect(v).toBeCloseTo(loop[i]!, 14));
    const j = jit((a: Array, b: Array) => epsMse(a, b, { clip: 1 }));
    expect(j(preds, targets).item()).toBeCloseTo(epsMse(preds, targets, { clip: 1 }).item(), 14);
  });
});

describe("model-driven losses", () => {
  // A tiny linear "network": out = w·x_t + b·t + c·cond.
  type P = { w: Array; b: Array; c: Array };
  const apply = (p: P, xt: Array, t: Array, cond: Array | null) => np.add(np.add(np.mul(xt, p.w), np.mul(np.expandDims(t, -1), p.b)), np.mul(cond!, p.c));
  const params: P = { w: f64([0.3, -0.2]), b: f64([0.01, 0.02]), c: f64([0.5, 0.1]) };
  const x0 = f64([[0.2, -0.4], [1.0, 0.5], [-0.3, 0.7]]);
  const cond = f64([[1, 0], [0, 1], [1, 1]]);
  const key = random.key(3);
  const keyT = np.reshape(np.slice(random.split(key, 2), [0, 1]), [2]);
  const keyE = np.reshape(np.slice(random.split(key, 2), [1, 2]), [2]);
  const eps = rows(random.normal(keyE, [3, 2], { dtype: "float64" }));
  const applyJs = (xt: number[], t: number, n: number) => xt.map((v, i) => v * vec(params.w)[i]! + t * vec(params.b)[i]! + rows(cond)[n]![i]! * vec(params.c)[i]!);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

  it("ε loss with a discrete DDPM table: t ~ U{1..K}, x_t = √ᾱ x_0 + √(1−ᾱ) ε", () => {
    const sched = discreteSchedule("linear", 10);
    const ts = vec(np.astype(random.randint(keyT, [3], 1, 11), "float64"));
    const errs = rows(x0).map((x, n) => {
      const ab = sched.alphasCumprod[ts[n]!]!;
      const xt = x.map((v, i) => Math.sqrt(ab) * v + Math.sqrt(1 - ab) * eps[n]![i]!);
      return mean(applyJs(xt, ts[n]!, n).map((v, i) => (v - eps[n]![i]!) ** 2));
    });
    expect(epsLoss(apply, params, key, x0, cond, sched).item()).toBeCloseTo(mean(errs), 12);
    const w = f64([1, 2, 3]);
    expect(epsLoss(apply, params, key, x0, cond, sched, { weights: w }).item()).toBeCloseTo((errs[0]! + 2 * errs[1]! + 3 * errs[2]!) / 3, 12);
    const jitted = jit((p: P, k: Array) => valueAndGrad((q: P) => epsLoss(apply, q, k, x0, cond, sched))(p));
    const [v, g] = jitted(params, key);
    const [v0, g0] = valueAndGrad((q: P) => epsLoss(apply, q, key, x0, cond, sched))(params);
    expect(v.item()).toBeCloseTo(v0.item(), 12);
    vec(g.w).forEach((gi, i) => expect(gi).toBeCloseTo(vec(g0.w)[i]!, 12));
  });

  it("DSM loss (λ = σ²) equals the summed-feature ε-MSE of the implied ε̂ = −σ·ŝ", () => {
    const sched = continuousSchedule("cosine");
    const ts = vec(random.uniform(keyT, [3], { minval: sched.tMin, maxval: sched.tMax, dtype: "float64" }));
    const c0 = Math.cos((Math.PI / 2) * (0.008 / 1.008));
    const errs = rows(x0).map((x, n) => {
      const a = Math.cos((Math.PI / 2) * ((ts[n]! + 0.008) / 1.008)) / c0;
      const s = Math.sqrt(1 - a * a);
      const xt = x.map((v, i) => a * v + s * eps[n]![i]!);
      const out = applyJs(xt, ts[n]!, n);
      return out.reduce((acc, v, i) => acc + s * s * (v + eps[n]![i]! / s) ** 2, 0);
    });
    expect(dsmLoss(apply, params, key, x0, cond, sched).item()).toBeCloseTo(mean(errs), 10);
    expect(() => dsmLoss(apply, params, key, x0, cond, sched, { weighting: "snr" as never })).toThrow(DriftError);
  });

  it("CFM loss on the rectified path and on a VP cosine path (α̇, σ̇ by forward mode)", () => {
    const tr = vec(random.uniform(keyT, [3], { minval: 0, maxval: 1, dtype: "float64" }));
    const errR = rows(x0).map((x, n) => {
      const xt = x.map((v, i) => (1 - tr[n]!) * eps[n]![i]! + tr[n]! * v);
      const vt = x.map((v, i) => v - eps[n]![i]!);
      return mean(applyJs(xt, tr[n]!, n).map((o, i) => (o - vt[i]!) ** 2));
    });
    expect(cfmLoss(apply, params, key, x0, cond).item()).toBeCloseTo(mean(errR), 12);
    const sched = continuousSchedule("cosine");
    const ts = vec(random.uniform(keyT, [3], { minval: sched.tMin, maxval: sched.tMax, dtype: "float64" }));
    const w = (Math.PI / 2) / 1.008;
    const c0 = Math.cos(w * 0.008);
    const errV = rows(x0).map((x, n) => {
      const a = Math.cos(w * (ts[n]! + 0.008)) / c0;
      const da = (-w * Math.sin(w * (ts[n]! + 0.008))) / c0;
      const s = Math.sqrt(1 - a * a);
      const ds = (-a * da) / s;
      const xt = x.map((v, i) => a * v + s * eps[n]![i]!);
      const vt = x.map((v, i) => da * v + ds * eps[n]![i]!);
      return mean(applyJs(xt, ts[n]!, n).map((o, i) => (o - vt[i]!) ** 2));
    });
    expect(cfmLoss(apply, params, key, x0, cond, sched).item()).toBeCloseTo(mean(errV), 10);
    expect(() => cfmLoss(apply, params, key, x0, cond, discreteSchedule("linear", 10))).toThrow(/discrete/);
  });
});
