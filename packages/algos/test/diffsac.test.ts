// DiffSAC: per-denoising-step losses on hand-computed tiny cases (stub networks), networks, jitted updates, and a TurningDoubleWell smoke run.
import { describe, expect, it } from "vitest";
import { type Array, jit, np, random, valueAndGrad } from "@drift/tensor";
import { Box } from "@drift/envs";
import type { DamdpStep } from "@drift/policies";
import { getAlgorithm, listAlgorithms, makeTrain, qEnsemble, taxonomyTable } from "../src/index.ts";
import { type AugmentedBatch, damdpDiscount } from "../src/damdp/index.ts";
import * as diffsacFamily from "../src/diffsac/index.ts";
import type { AugmentedCritic, DenoisingKernel } from "../src/diffsac/index.ts";

const { diffsac } = diffsacFamily;
const f32 = (x: unknown) => np.array(x as any, { dtype: "float32" });
const i32 = (x: number[]) => np.array(x, { dtype: "int32" });
const vec = (a: Array) => a.toArray() as number[];

/** A critic returning fixed member values [2, N], one table for the online params and one for the target params. */
function stubCritic(online: number[][], target: number[][], calls: unknown[][] = []): AugmentedCritic {
  return {
    size: 2,
    init: () => ({}),
    apply: (params, ...args) => {
      calls.push([params, ...args]);
      return f32(params === "target" ? target : online);
    },
  };
}

/** A kernel returning a fixed step, recording its inputs. */
function stubKernel(step: { xNext: number[][]; logF: number[]; logB: number[] }, calls: unknown[][] = []): DenoisingKernel {
  return {
    step: (...args): DamdpStep => {
      calls.push(args);
      return { xNext: f32(step.xNext), logF: f32(step.logF), logB: f32(step.logB) };
    },
  };
}

// Three augmented transitions, K = 3: an intermediate step, a last step, and a terminal last step.
const aug: AugmentedBatch = {
  obs: f32([[0], [1], [2]]),
  latent: f32([[0.1], [0.2], [0.3]]),
  step: i32([0, 2, 2]),
  action: f32([[0.2], [0.4], [-0.4]]),
  reward: f32([0, 1.5, 2]),
  nextObs: f32([[0], [5], [6]]),
  nextLatent: f32([[0.2], [3], [-3]]),
  nextStep: i32([1, 0, 0]),
  terminated: np.array([false, false, true]),
  envStep: np.array([false, true, true]),
};

describe("DiffSAC losses on tiny cases", () => {
  it("critic: y = r̃ + γ_n(1−d)(min Q̄(s̃', ã') − α(log F − log B)(ã')), ã' drawn at s̃'; loss = Σ_members mean (Q − y)²", () => {
    const kCalls: unknown[][] = [];
    const qCalls: unknown[][] = [];
    const kernel = stubKernel({ xNext: [[0.5], [0.6], [0.7]], logF: [-1, -2, -3], logB: [-0.5, -0.5, -1] }, kCalls);
    const critic = stubCritic([[1, 2, 3], [0, 1, 2]], [[3, 5, 7], [4, 4, 4]], qCalls);
    const discount = damdpDiscount(aug.envStep, 0.9, "env"); // [1, 0.9, 0.9]
    const { loss, target } = diffsacFamily.criticLoss(critic, kernel, "online", "target", "actor", f32(0.5), aug, discount, random.key(0));
    // ℓ' = [−0.5, −1.5, −2]; min Q̄ = [3, 4, 4]; y = [0 + 1·(3 + 0.25), 1.5 + 0.9·(4 + 0.75), 2 + 0].
    const y = [3.25, 1.5 + 0.9 * 4.75, 2];
    vec(target).forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 5));
    const q = [[1, 2, 3], [0, 1, 2]];
    const want = q.reduce((acc, row) => acc + row.reduce((a, v, i) => a + (v - y[i]!) ** 2, 0) / 3, 0);
    expect(loss.item()).toBeCloseTo(want, 4);
    // The next action is drawn at (s', x', k') with the actor params; the target critic scores it there.
    expect(kCalls[0]![0]).toBe("actor");
    expect(kCalls[0]![2]).toBe(aug.nextObs);
    expect(kCalls[0]![3]).toBe(aug.nextLatent);
    expect(kCalls[0]![4]).toBe(aug.nextStep);
    const tCall = qCalls.find((c) => c[0] === "target")!;
    expect(vec(np.reshape(tCall[4] as Array, [-1]))).toEqual(vec(f32([0.5, 0.6, 0.7])));
    const oCall = qCalls.find((c) => c[0] === "online")!;
    expect(oCall.slice(1)).toEqual([aug.obs, aug.latent, aug.step, aug.action]);
  });

  it("critic with per-augmented-step discounting multiplies every row by γ", () => {
    const kernel = stubKernel({ xNext: [[0], [0], [0]], logF: [0, 0, 0], logB: [0, 0, 0] });
    const critic = stubCritic([[0, 0, 0], [0, 0, 0]], [[1, 1, 1], [1, 1, 1]]);
    const { target } = diffsacFamily.criticLoss(critic, kernel, "online", "target", {}, f32(1), aug, damdpDiscount(aug.envStep, 0.5, "augmented"), random.key(0));
    vec(target).forEach((v, i) => expect(v).toBeCloseTo([0.5, 2, 2][i]!, 6));
  });

  it("chain targets unroll the one-step recursion along the sampled chain and bootstrap once on the last-step critic", () => {
    const calls: unknown[][] = [];
    const critic = stubCritic([[0, 0], [0, 0]], [[5, 1], [7, 2]], calls);
    const chain = { obs: f32([[0], [1]]), latents: f32([[[0], [1], [2], [3]], [[0], [-1], [-2], [-3]]]), logRatio: f32([[0.1, 0.2, 0.4], [0, 0, 0]]) };
    const { target, mask } = diffsacFamily.chainTargets(critic, "target", f32(2), chain, i32([0, 1, 2, 2, 1, 0]).reshape([2, 3]), 0.5);
    // Row 0: Q̄_2 = min(5, 7) = 5; y_1 = c(Q̄_2 − αℓ_2) = 0.5·(5 − 0.8) = 2.1; y_0 = c(y_1 − αℓ_1) = 0.5·(2.1 − 0.4) = 0.85.
    // Row 1: Q̄_2 = 1, ℓ = 0: y_1 = 0.5, y_0 = 0.25.
    const y = vec(target);
    [0.85, 2.1, null, null, 0.5, 0.25].forEach((v, i) => v !== null && expect(y[i]).toBeCloseTo(v, 5));
    expect(vec(mask)).toEqual([true, true, false, false, true, true]);
    expect(vec(np.reshape(calls[0]![2] as Array, [-1]))).toEqual([2, -2]);
    expect(vec(calls[0]![3] as Array)).toEqual([2, 2]);
    expect(vec(np.reshape(calls[0]![4] as Array, [-1]))).toEqual([3, -3]);
    // criticLoss takes the chain targets where masked and the one-step target elsewhere.
    const kernel = stubKernel({ xNext: [[0], [0], [0]], logF: [0, 0, 0], logB: [0, 0, 0] });
    const oneStepCritic = stubCritic([[0, 0, 0], [0, 0, 0]], [[1, 1, 1], [1, 1, 1]]);
    const r = diffsacFamily.criticLoss(oneStepCritic, kernel, "online", "target", {}, f32(1), aug, damdpDiscount(aug.envStep, 0.5, "augmented"), random.key(0), { target: f32([9, 9, 9]), mask: np.array([true, false, false]) });
    expect(vec(r.target)).toEqual([9, 2, 2]);
  });

  it("env-step targets unroll a fresh chain at s': r + γ(1−d)(Σ_j c^j(−αℓ'_j) + c^{K−1} min Q̄(s', x'_{K−1}, K−1, x'_K))", () => {
    const calls: unknown[][] = [];
    const critic = stubCritic([[0, 0], [0, 0]], [[5, 7], [6, 1]], calls);
    const nextChain = { obs: f32([[1], [2]]), latents: f32([[[0], [0.5], [1]], [[0], [-0.5], [-1]]]), logRatio: f32([[1, 2], [3, 4]]) };
    const reward = f32([1, 2]);
    const terminated = np.array([false, true]);
    // K = 2, α = 0.5, c = 1: V = −αℓ'_0 − αℓ'_1 + min Q̄ = −0.5 − 1 + 5 = 3.5 (row 0); the terminal row keeps r.
    expect(vec(diffsacFamily.envStepTargets(critic, "target", f32(0.5), nextChain, reward, terminated, 0.9, 1)).map((v) => +v.toFixed(5))).toEqual([4.15, 2]);
    expect(vec(np.reshape(calls[0]![2] as Array, [-1]))).toEqual([0.5, -0.5]);
    expect(vec(calls[0]![3] as Array)).toEqual([1, 1]);
    // c = 0.5 per intermediate step: V = −0.5 + 0.5·(−1 + 5) = 1.5.
    expect(vec(diffsacFamily.envStepTargets(critic, "target", f32(0.5), nextChain, reward, terminated, 0.9, 0.5))[0]).toBeCloseTo(1 + 0.9 * 1.5, 5);
  });

  it("actor: mean(α(log F − log B)(ã) − min_i Q_i(s̃, ã)) with ã one reparameterised step at s̃", () => {
    const kCalls: unknown[][] = [];
    const kernel = stubKernel({ xNext: [[0.1], [0.2]], logF: [-1, 0], logB: [-2, -1] }, kCalls);
    const critic = stubCritic([[1, 4], [2, 3]], [[0, 0], [0, 0]]);
    const states = { obs: f32([[0], [1]]), latent: f32([[0.5], [0.6]]), step: i32([0, 1]) };
    const { loss, logRatio } = diffsacFamily.actorLoss(critic, kernel, "actor", "online", f32(0.2), states, random.key(0));
    expect(vec(logRatio)).toEqual([1, 1]);
    expect(loss.item()).toBeCloseTo((0.2 * 1 - 1 + (0.2 * 1 - 3)) / 2, 6);
    expect(kCalls[0]!.slice(2)).toEqual([states.obs, states.latent, states.step]);
    // Row weights (a stratified draw of steps) make it the weighted mean: (1·(0.2 − 1) + 3·(0.2 − 3)) / 4.
    const weighted = diffsacFamily.actorLoss(critic, kernel, "actor", "online", f32(0.2), states, random.key(0), f32([1, 3]));
    expect(weighted.loss.item()).toBeCloseTo((1 * (0.2 - 1) + 3 * (0.2 - 3)) / 4, 6);
  });

  it("actor gradient flows through the one step's x_{k+1} into Q and through log F − log B", () => {
    // Kernel: x' = w·x, log F = −w², log B = −2w; critic: Q = 3·x' for both members. Loss = mean(α(−w² + 2w) − 3wx).
    const kernel: DenoisingKernel = {
      step: (p, _k, _o, x) => {
        const w = (p as { w: Array }).w;
        return { xNext: np.mul(x, w), logF: np.broadcastTo(np.neg(np.square(w)), [x.shape[0]!]), logB: np.broadcastTo(np.mul(w, -2), [x.shape[0]!]) };
      },
    };
    const critic: AugmentedCritic = { size: 2, init: () => ({}), apply: (_p, _o, _x, _k, a) => np.stack([np.mul(np.squeeze(a, -1), 3), np.mul(np.squeeze(a, -1), 3)]) };
    const states = { obs: f32([[0], [0]]), latent: f32([[1], [3]]), step: i32([0, 1]) };
    const [l, g] = valueAndGrad((p: { w: Array }) => diffsacFamily.actorLoss(critic, kernel, p, {}, f32(0.5), states, random.key(0)).loss)({ w: f32(2) });
    // mean over x ∈ {1, 3}: 0.5·(−4 + 4) − 3·2·x → −12; d/dw = 0.5·(−2w + 2) − 3·mean(x) = −1 − 6 = −7.
    expect(l.item()).toBeCloseTo(-12, 5);
    expect(g.w.item()).toBeCloseTo(-7, 5);
  });

  it("temperature: α·(Ĥ − H̄) with Ĥ = H(p_0) − K·mean(log F − log B); d/d log α has the same value", () => {
    const logRatio = f32([0.2, -0.4]);
    expect(diffsacFamily.entropyEstimate(logRatio, 4, 1).item()).toBeCloseTo(1.4, 6);
    const [l, g] = valueAndGrad((la: Array) => diffsacFamily.alphaLoss(la, logRatio, 4, 1, -1))(f32(Math.log(0.5)));
    expect(l.item()).toBeCloseTo(0.5 * (1.4 + 1), 6);
    expect(g.item()).toBeCloseTo(0.5 * (1.4 + 1), 6);
    expect(diffsacFamily.priorEntropy(2, 3)).toBeCloseTo(Math.log(2 * Math.PI * Math.E * 9), 10);
    // Weighted rows: Ĥ = H(p_0) − K·Σwℓ/Σw = 1 − 4·(1·0.2 + 3·(−0.4))/4 = 2.
    expect(diffsacFamily.entropyEstimate(logRatio, 4, 1, f32([1, 3])).item()).toBeCloseTo(2, 6);
    expect(diffsacFamily.alphaLoss(f32(Math.log(0.5)), logRatio, 4, 1, -1, f32([1, 3])).item()).toBeCloseTo(0.5 * (2 + 1), 6);
  });
});

const small = (over: object = {}) => ({ ...diffsac.defaults.toy, hidden: [16, 16], actorHidden: [16, 16], diffusionSteps: 3, ...over });

describe("DiffSAC networks", () => {
  it("the critic sees concat(s, x_k/σ_0, oneHot(k)) ⊕ x_{k+1}/σ_0; the kernel is the chain policy's step conditioned on concat(s, x_k)", () => {
    const c = small();
    const { policy, kernel, critic } = diffsacFamily.diffsacNetworks(2, 1, c);
    const qp = critic.init(random.key(0));
    const ref = qEnsemble({ obsDim: 2 + 1 + 3, actDim: 1, hidden: [16, 16], size: 2, activation: c.activation });
    const obs = f32([[0.5, -0.5], [1, 0]]);
    const x = f32([[3], [-1.5]]);
    const k = i32([2, 0]);
    const a = f32([[0.3], [6]]);
    const feats = f32([[0.5, -0.5, 1, 0, 0, 1], [1, 0, -0.5, 1, 0, 0]]);
    expect(np.max(np.abs(np.sub(critic.apply(qp, obs, x, k, a), ref.apply(qp, feats, f32([[0.1], [2]]))))).item()).toBeLessThan(1e-6);
    const pp = policy.init(random.key(1));
    const st = kernel.step(pp, random.key(2), obs, x, k);
    const want = policy.step(pp, random.key(2), np.concatenate([obs, x], -1), x, k);
    expect(vec(np.reshape(st.xNext, [-1]))).toEqual(vec(np.reshape(want.xNext, [-1])));
    expect(vec(st.logF)).toEqual(vec(want.logF));
  });

  it("the afterstate critic sees concat(s, oneHot(k)) ⊕ x_{k+1}/σ_0 and ignores x_k", () => {
    const c = small({ criticInput: "afterstate" });
    const { critic } = diffsacFamily.diffsacNetworks(2, 1, c);
    const qp = critic.init(random.key(0));
    const ref = qEnsemble({ obsDim: 2 + 3, actDim: 1, hidden: [16, 16], size: 2, activation: c.activation });
    const obs = f32([[0.5, -0.5], [1, 0]]);
    const k = i32([2, 0]);
    const a = f32([[0.3], [6]]);
    const feats = f32([[0.5, -0.5, 0, 0, 1], [1, 0, 1, 0, 0]]);
    const q = critic.apply(qp, obs, f32([[3], [-1.5]]), k, a);
    expect(np.max(np.abs(np.sub(q, ref.apply(qp, feats, f32([[0.1], [2]]))))).item()).toBeLessThan(1e-6);
    expect(vec(np.reshape(critic.apply(qp, obs, f32([[-7], [0]]), k, a), [-1]))).toEqual(vec(np.reshape(q, [-1])));
    expect(() => diffsacFamily.diffsacNetworks(2, 1, small({ criticInput: "state" }))).toThrow(/criticInput must be "transition" or "afterstate"; got "state"/);
  });
});

describe("DiffSAC agent", () => {
  const obsSpace = new Box(-1, 1, [2]);
  const actSpace = new Box(-2, 2, [1]);
  const batch = {
    obs: f32([[0, 1], [1, 0], [0.5, 0.5]]),
    action: f32([[0.5], [-1.9], [2]]),
    reward: f32([1, 0, -1]),
    nextObs: f32([[1, 0], [0, -1], [0.2, 0.1]]),
    terminated: np.array([false, true, false]),
  };

  it("updates under jit (all steps and sampled steps) with finite metrics equal to the eager update", () => {
    for (const [stepsPerTransition, criticTarget, extra] of [[3, "chain", {}], [1, "step", {}], [2, "chain", { stepSampling: "last", criticInput: "afterstate" }], [2, "unrolled", { stepSampling: "last" }]] as const) {
      const c = small({ stepsPerTransition, criticTarget, maxGradNorm: stepsPerTransition === 1 ? 0.5 : 0, ...extra });
      const s0 = diffsac.agent.create(random.key(0), obsSpace, actSpace, c);
      const update = jit((s: any, b: any, k: Array) => diffsac.agent.update(s, b, k));
      let s = s0;
      let m: Record<string, Array> = {};
      for (let i = 0; i < 5; i++) [s, m] = update(s, batch, random.key(i));
      for (const [name, v] of Object.entries(m)) expect(Number.isFinite(v.item()), name).toBe(true);
      expect(Object.keys(m)).toEqual(expect.arrayContaining(["losses/qf_loss", "losses/actor_loss", "losses/alpha", "losses/entropy", "losses/log_ratio"]));
      const [, mj] = update(s0, batch, random.key(7));
      const [, me] = diffsac.agent.update(s0, batch, random.key(7));
      for (const name of Object.keys(me)) expect(mj[name]!.item(), name).toBeCloseTo(me[name]!.item(), 3);
      // The temperature moved from its initial value in the direction of the entropy gap.
      expect(m["losses/alpha"]!.item()).not.toBe(c.initAlpha);
    }
  });

  it("samples actions inside the action box (SDE, ODE and mode evaluation); the mode path ignores the key", () => {
    const mode = diffsac.agent.create(random.key(0), obsSpace, actSpace, small({ evalSampler: "mode" }));
    const act = (k: number) => diffsac.agent.sampleActions(mode, batch.obs, random.key(k), { deterministic: true });
    expect(vec(np.reshape(act(1), [-1]))).toEqual(vec(np.reshape(act(2), [-1])));
    for (const evalSampler of ["sde", "ode", "mode"]) {
      const s = diffsac.agent.create(random.key(0), obsSpace, actSpace, small({ evalSampler }));
      for (const deterministic of [false, true]) {
        const a = jit((st: any, o: Array, k: Array) => diffsac.agent.sampleActions(st, o, k, { deterministic }))(s, batch.obs, random.key(1));
        expect(a.shape).toEqual([3, 1]);
        expect(np.max(np.abs(a)).item()).toBeLessThanOrEqual(2 * 0.999 + 1e-6);
      }
    }
  });

  it("rejects stepSampling \"last\" with one step per transition at create", () => {
    expect(() => diffsac.agent.create(random.key(0), obsSpace, actSpace, small({ stepSampling: "last", stepsPerTransition: 1 }))).toThrow(/stepSampling "last" needs stepsPerTransition ≥ 2.*got 1/);
  });

  it("is registered with its taxonomy and valid choices", () => {
    expect(getAlgorithm("diffsac")).toBe(diffsac);
    expect(listAlgorithms({ policy: "diffusion", regime: "off-policy" }).map((a) => a.name)).toContain("diffsac");
    expect(taxonomyTable()).toMatch(/\| diffsac \| reparameterization \| uniform \| diffusion \| off-policy \|/);
    expect(diffsac.taxonomy).toMatchObject({ policy: "diffusion", regime: "off-policy", reference: "uniform" });
    expect(diffsac.choices?.discounting).toEqual(["augmented", "env"]);
    expect(diffsac.choices?.criticTarget).toEqual(["chain", "step", "unrolled"]);
    for (const suite of ["gym", "dmc", "toy"] as const) expect(diffsac.defaults[suite].stepsPerTransition).toBeLessThanOrEqual(diffsac.defaults[suite].diffusionSteps);
  });
});

describe("DiffSAC on TurningDoubleWell-v0", () => {
  it("runs the off-policy loop for a few hundred updates without NaN", async () => {
    const config = { ...small({ diffusionSteps: 4, stepsPerTransition: 4 }), learningStarts: 100, batchSize: 32, bufferSize: 2000, evalEvery: 0 };
    const logs: Record<string, number>[] = [];
    const { train } = makeTrain(diffsac, config, { env: "TurningDoubleWell-v0", totalSteps: 400, logEvery: 100 }, { onLog: (_s, m) => logs.push(m) });
    const res = await train(random.key(0));
    const metrics = logs.filter((m) => "losses/qf_loss" in m);
    expect(metrics.length).toBeGreaterThanOrEqual(3);
    for (const m of metrics) for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), k).toBe(true);
    expect(res.episodes.length).toBe(4);
    for (const e of res.episodes) expect(e.return / e.length).toBeGreaterThan(0);
  }, 120_000);

  it("raises the mean reward per step from the prior chain's level within 1500 steps", async () => {
    const config = { ...small({ diffusionSteps: 4, stepsPerTransition: 4, hidden: [32, 32], actorHidden: [32, 32], friction: 0.25 }), learningStarts: 300, batchSize: 64, bufferSize: 5000, evalEvery: 0 };
    const { train } = makeTrain(diffsac, config, { env: "TurningDoubleWell-v0", totalSteps: 1500, logEvery: 500 });
    const res = await train(random.key(1));
    const perStep = res.episodes.map((e) => e.return / e.length);
    // Episodes 0–2 use uniform warm-up actions; episode 3 is the first one acted by the (barely trained) chain.
    const first = perStep[3]!;
    const last = perStep.slice(-3).reduce((a, b) => a + b, 0) / 3;
    console.log(`DiffSAC TurningDoubleWell-v0: reward/step per episode ${perStep.map((v) => v.toFixed(3)).join(" ")}`);
    expect(last).toBeGreaterThan(first + 0.2);
    expect(last).toBeGreaterThan(0.75);
  }, 300_000);
});
