// DA-MDP kernels, dt schedules, chain policy and control network against closed forms computed here in float64.
import { describe, it, expect } from "vitest";
import { DriftError, jit, np, random, tree, vmap, type Array } from "@drift/tensor";
import { checkGrads } from "@drift/tensor/testing";
import { controlNetwork, damdpPolicy, dtScheduleValues, inverseSoftplus, type DamdpParams } from "../src/damdp.ts";

const SMALL = { hidden: [8, 8], numFrequencies: 4, timeHidden: 4, timeOut: 3, finalScale: 1 } as const;
const D = 2;
const S = 3;
const mk = (extra: object = {}) => damdpPolicy({ actionDim: D, condDim: S + D, network: SMALL, ...extra });
const rows = (a: Array) => a.toArray() as number[][];
const vec = (a: Array) => a.toArray() as number[];
/** Σ_i log N(x_i; m_i, v_i) in plain JS doubles. */
const logN = (x: number[], m: number[], v: number[]) => x.reduce((acc, xi, i) => acc - 0.5 * (xi - m[i]!) ** 2 / v[i]! - 0.5 * Math.log(2 * Math.PI * v[i]!), 0);
const maxDiff = (a: Array, b: Array) => np.max(np.abs(np.sub(a, b))).item();

function setup(extra: object = {}) {
  const pol = mk(extra);
  const params = pol.init(random.key(0), { dtype: "float64" });
  const s = random.normal(random.key(1), [3, S], { dtype: "float64" });
  const x = random.normal(random.key(2), [3, D], { dtype: "float64" });
  const xNext = random.normal(random.key(3), [3, D], { dtype: "float64" });
  return { pol, params, s, x, xNext, cond: np.concatenate([s, x], -1) };
}

describe("dt schedules", () => {
  it("reproduce the worked example (K=8, dt=0.125, γ_f=0.25, min=0.17)", () => {
    const sched = dtScheduleValues(8, { kind: "linear", min: 0.17 });
    sched.forEach((v, k) => expect(v).toBeCloseTo((k / 8) * 0.17 + (8 - k) / 8, 14));
    const { pol, params } = setup();
    const eta = rows(pol.stepSizes(params));
    expect(eta.length).toBe(8);
    expect(eta[0]![0]).toBeCloseTo(0.5, 12);
    expect(eta[7]![1]).toBeCloseTo(0.136875, 12);
    expect(Math.abs(eta[7]![0]! - 0.137)).toBeLessThan(1e-3);
    expect(Math.sqrt(2 * eta[0]![0]!)).toBeCloseTo(1.0, 12);
    expect(Math.sqrt(2 * eta[7]![0]!)).toBeCloseTo(0.5232, 4);
    eta.forEach((r, k) => r.forEach((v) => expect(v).toBeCloseTo((0.125 * sched[k]!) / 0.25, 12)));
  });

  it("cosine and constant schedules follow the reference formulas", () => {
    const cos = dtScheduleValues(8, { kind: "cosine" });
    cos.forEach((v, k) => {
      const tau = (8 - k) / 8;
      expect(v).toBeCloseTo(0.999 * Math.cos((0.5 * Math.PI * (1.008 - tau)) / 1.008) ** 2 + 0.001, 14);
    });
    expect(cos[0]).toBeCloseTo(0.999845, 6);
    expect(dtScheduleValues(3, { kind: "constant" })).toEqual([1, 1, 1]);
  });

  it("shared dt scaled by the schedule equals per-step dt at init; frozen dt/friction get no gradient", () => {
    const a = setup();
    const b = mk({ perStepDt: false, perDimFriction: false, learnDt: false, learnFriction: false });
    const pb = b.init(random.key(0), { dtype: "float64" });
    expect(pb.dt.shape).toEqual([1]);
    expect(pb.friction.shape).toEqual([1]);
    expect(maxDiff(np.broadcastTo(b.stepSizes(pb), [8, D]), a.pol.stepSizes(a.params))).toBeLessThan(1e-12);
    expect(inverseSoftplus(0.125)).toBeCloseTo(Math.log(Math.expm1(0.125)), 14);
  });

  it("rejects bad schedules and steps", () => {
    expect(() => dtScheduleValues(0)).toThrow(DriftError);
    expect(() => dtScheduleValues(4, { kind: "exp" } as never)).toThrow(/linear/);
    const { pol, params, cond, x, xNext } = setup();
    expect(() => pol.logProbs(params, cond, x, 8, xNext)).toThrow(/\[0, 8\)/);
    expect(() => pol.logProbs(params, cond, np.ones([3, 3], { dtype: "float64" }), 0, xNext)).toThrow(DriftError);
    expect(() => mk({ reference: { driftAt: "middle" } })).toThrow(/driftAt/);
  });
});

describe("kernels F_θ and B", () => {
  it("log F and log B equal the closed-form Gaussian densities (both reference variants)", () => {
    for (const driftAt of ["next", "current"] as const) {
      for (const stepSize of ["next", "same"] as const) {
        const { pol, params, cond, x, xNext } = setup({ reference: { driftAt, stepSize } });
        const sched = dtScheduleValues(8);
        for (const k of [0, 3, 7]) {
          const { logF, logB } = pol.logProbs(params, cond, x, k, xNext);
          const f = rows(pol.network.apply(params.net, x, cond, k));
          const eta = (0.125 * sched[k]!) / 0.25;
          const kb = stepSize === "same" ? k : Math.min(k + 1, 7);
          const etaB = (0.125 * sched[kb]!) / 0.25;
          rows(x).forEach((xi, n) => {
            const xn = rows(xNext)[n]!;
            const mF = xi.map((v, i) => v + eta * (-v / 9 + f[n]![i]!));
            expect(vec(logF)[n]).toBeCloseTo(logN(xn, mF, [2 * eta, 2 * eta]), 11);
            const y = driftAt === "next" ? xn : xi;
            const mB = xn.map((v, i) => v + etaB * (-y[i]! / 9));
            expect(vec(logB)[n]).toBeCloseTo(logN(xi, mB, [2 * etaB, 2 * etaB]), 11);
          });
          expect(maxDiff(pol.forwardLogProb(params, cond, x, k, xNext), logF)).toBe(0);
          expect(maxDiff(pol.referenceLogProb(params, x, k, xNext), logB)).toBe(0);
        }
      }
    }
  });

  it("a step is mean + std·ε with the kernel's log-densities; the ODE step uses coef·f", () => {
    const { pol, params, cond, x } = setup();
    const key = random.key(7);
    const st = pol.step(params, key, cond, x, 2);
    const { mean, std } = pol.forwardKernel(params, cond, x, 2);
    const eps = random.normal(key, [3, D], { dtype: "float64" });
    expect(maxDiff(st.xNext, np.add(mean, np.mul(std, eps)))).toBeLessThan(1e-14);
    const lp = pol.logProbs(params, cond, x, 2, st.xNext);
    expect(maxDiff(st.logF, lp.logF)).toBeLessThan(1e-12);
    expect(maxDiff(st.logB, lp.logB)).toBeLessThan(1e-12);
    const eta = (0.125 * dtScheduleValues(8)[2]!) / 0.25;
    const f = pol.network.apply(params.net, x, cond, 2);
    const want = np.add(x, np.mul(np.add(np.mul(x, -1 / 9), np.mul(f, 0.3)), eta));
    expect(maxDiff(pol.odeStep(params, cond, x, 2, 0.3), want)).toBeLessThan(1e-14);
  });

  it("per-sample array steps (one-hot gather) match number steps; vmap equals a loop; jit equals eager", () => {
    const { pol, params, cond, x, xNext } = setup();
    const ks = [0, 4, 7];
    const kArr = np.array(ks, { dtype: "int32" });
    const batched = pol.logProbs(params, cond, x, kArr, xNext);
    const single = (i: number) => pol.logProbs(params, np.slice(cond, [i, i + 1]), np.slice(x, [i, i + 1]), ks[i]!, np.slice(xNext, [i, i + 1]));
    const loopF = np.concatenate(ks.map((_, i) => single(i).logF), 0);
    const loopB = np.concatenate(ks.map((_, i) => single(i).logB), 0);
    expect(maxDiff(batched.logF, loopF)).toBeLessThan(1e-12);
    expect(maxDiff(batched.logB, loopB)).toBeLessThan(1e-12);
    const vm = vmap((c: Array, xx: Array, k: Array, xn: Array) => pol.logProbs(params, c, xx, k, xn))(cond, x, kArr, xNext);
    expect(maxDiff(vm.logF, loopF)).toBeLessThan(1e-12);
    expect(maxDiff(vm.logB, loopB)).toBeLessThan(1e-12);
    const jf = jit((p: DamdpParams, c: Array, xx: Array, k: Array, xn: Array) => pol.logProbs(p, c, xx, k, xn));
    const j = jf(params, cond, x, kArr, xNext);
    expect(maxDiff(j.logF, batched.logF)).toBeLessThan(1e-12);
    expect(maxDiff(j.logB, batched.logB)).toBeLessThan(1e-12);
  });

  it("gradients of log F and log B w.r.t. all parameters match finite differences (float64)", () => {
    const { pol, params, cond, x, xNext } = setup();
    const k = np.array([1, 5, 7], { dtype: "int32" });
    checkGrads((p: DamdpParams) => np.sum(pol.forwardLogProb(p, cond, x, k, xNext)), [params], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
    checkGrads((p: DamdpParams) => np.sum(pol.referenceLogProb(p, x, k, xNext)), [params], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
    const g = pol.init(random.key(0), { dtype: "float64" });
    expect(tree.leaves(g).length).toBe(tree.leaves(params).length);
  });
});

describe("chain policy", () => {
  it("returns the K-step chain whose log-ratio terms equal per-step recomputation", () => {
    const { pol, params, s } = setup();
    const out = pol.sample(params, random.key(11), s);
    expect(out.chain.shape).toEqual([3, 9, D]);
    expect(out.logF.shape).toEqual([3, 8]);
    expect(maxDiff(out.logRatio, np.sub(out.logF, out.logB))).toBe(0);
    let total = np.zeros([3], { dtype: "float64" });
    for (let k = 0; k < 8; k++) {
      const xk = np.squeeze(np.slice(out.chain, null, [k, k + 1]), 1);
      const xk1 = np.squeeze(np.slice(out.chain, null, [k + 1, k + 2]), 1);
      const lp = pol.logProbs(params, np.concatenate([s, xk], -1), xk, k, xk1);
      total = np.add(total, np.sub(lp.logF, lp.logB));
    }
    expect(maxDiff(np.sum(out.logRatio, -1), total)).toBeLessThan(1e-11);
    const x0 = rows(np.squeeze(np.slice(out.chain, null, [0, 1]), 1));
    x0.forEach((r, n) => expect(vec(out.logPrior)[n]).toBeCloseTo(logN(r, [0, 0], [9, 9]), 12));
    const xK = rows(out.latent);
    rows(out.action).forEach((r, n) => r.forEach((a, i) => expect(a).toBeCloseTo(Math.min(0.999, Math.max(-0.999, Math.tanh(xK[n]![i]!))), 14)));
  });

  it("clips the squashed action at ±0.999", () => {
    const { pol } = setup();
    expect(vec(pol.squash(np.array([-30, 0.2, 30], { dtype: "float64" })))).toEqual([-0.999, Math.tanh(0.2), 0.999]);
  });

  it("sampling under jit equals eager, under vmap equals a loop; BPTT gradients check out", () => {
    const pol = damdpPolicy({ actionDim: D, condDim: S + D, steps: 3, network: SMALL });
    const params = pol.init(random.key(0), { dtype: "float64" });
    const s = random.normal(random.key(1), [2, S], { dtype: "float64" });
    const key = random.key(5);
    const eager = pol.sample(params, key, s);
    const jitted = jit((p: DamdpParams, k: Array, ss: Array) => pol.sample(p, k, ss))(params, key, s);
    expect(maxDiff(jitted.chain, eager.chain)).toBeLessThan(1e-12);
    expect(maxDiff(jitted.logRatio, eager.logRatio)).toBeLessThan(1e-12);
    const keys = random.split(key, 2);
    const vm = vmap((k: Array, ss: Array) => pol.sample(params, k, ss))(keys, s);
    for (let i = 0; i < 2; i++) {
      const one = pol.sample(params, np.reshape(np.slice(keys, [i, i + 1]), [2]), np.reshape(np.slice(s, [i, i + 1]), [S]));
      expect(maxDiff(np.slice(vm.latent, [i, i + 1]), np.expandDims(one.latent, 0))).toBeLessThan(1e-12);
      expect(maxDiff(np.slice(vm.logRatio, [i, i + 1]), np.expandDims(one.logRatio, 0))).toBeLessThan(1e-12);
    }
    checkGrads((p: DamdpParams) => np.add(np.sum(pol.sample(p, key, s).logRatio), np.sum(pol.sample(p, key, s).latent)), [params], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
    const ode = pol.sampleOde(params, key, s);
    expect(ode.action.shape).toEqual([2, D]);
    // The mode path: from x_0 = 0, each kernel's mean, i.e. an ODE step with the full control (coef 1).
    const mode = pol.sampleMode(params, s);
    let x = np.zeros([2, D], { dtype: "float64" });
    for (let k = 0; k < 3; k++) x = pol.odeStep(params, np.concatenate([s, x], -1), x, k, 1);
    expect(maxDiff(mode.latent, x)).toBeLessThan(1e-12);
    expect(maxDiff(mode.action, pol.squash(x))).toBeLessThan(1e-12);
    expect(maxDiff(jit((p: DamdpParams, ss: Array) => pol.sampleMode(p, ss).latent)(params, s), x)).toBeLessThan(1e-12);
  });
});

describe("control network", () => {
  it("has the reference layout and a near-zero, clipped output", () => {
    const net = controlNetwork({ actionDim: 3, condDim: 4 });
    const p = net.init(random.key(0));
    expect(p.time.phase.shape).toEqual([32]);
    expect(p.timeMlp.layers.map((l) => l.kernel.shape)).toEqual([[64, 32], [32, 16]]);
    expect(p.net.layers.map((l) => l.kernel.shape)).toEqual([[23, 256], [256, 256], [256, 256], [256, 3]]);
    const x = random.normal(random.key(1), [5, 3]);
    const c = random.normal(random.key(2), [5, 4]);
    const out = net.apply(p, x, c, 3);
    expect(out.shape).toEqual([5, 3]);
    expect(np.max(np.abs(out)).item()).toBeLessThan(1e-5);
    const big = controlNetwork({ actionDim: 3, condDim: 4, hidden: [8], finalScale: 1e4, outputClip: 0.5 });
    const pb = big.init(random.key(0));
    const ob = big.apply(pb, x, c, np.array([0, 1, 2, 3, 4], { dtype: "int32" }));
    expect(np.max(np.abs(ob)).item()).toBe(0.5);
    expect(() => net.apply(p, x, np.ones([5, 3]), 0)).toThrow(/cond must be/);
  });
});
