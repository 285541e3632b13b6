// DA-MDP wrapper and transition transform on a tiny counter env: reward at the last denoising step, discounting, terminals, jit/vmap.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random, tree } from "@drift/tensor";
import { Box, type Env, vectorEnv } from "@drift/envs";
import { augmentBatch, damdpDiscount, damdpEnv, denoisingStepIndices, denoisingStepWeights, splitDamdpObservation } from "../src/damdp/index.ts";

const f32 = (x: unknown) => np.array(x as any, { dtype: "float32" });
const vec = (a: Array) => a.toArray() as number[];
const rows = (a: Array) => a.toArray() as number[][];

/** A counter env: obs [t], action in [−2, 2], reward = action + 10·t, terminates when t reaches `horizon`; info echoes t. */
function counterEnv(traceable: boolean, horizon = 2): Env<{ t: Array }, Record<string, never>> {
  return {
    id: "Counter-v0",
    traceable,
    defaultParams: {},
    observationSpace: () => new Box(-Infinity, Infinity, [1]),
    actionSpace: () => new Box(-2, 2, [1]),
    checkParams: () => {},
    reset: () => ({ obs: f32([0]), state: { t: f32(0) } }),
    step(_key, s, action) {
      const t = np.add(s.t, 1);
      return {
        obs: np.reshape(t, [1]),
        state: { t },
        reward: np.add(np.reshape(action, []), np.mul(s.t, 10)),
        terminated: np.greaterEqual(t, horizon),
        truncated: np.array(false),
        info: { t },
      };
    },
  };
}

/** Rolls `n` augmented steps with the given latent actions; returns per-step outputs as plain numbers. */
function roll(env: Env, actions: number[], key = random.key(0)) {
  let { obs, state } = env.reset(random.foldIn(key, 99), {});
  const out: { obs: number[]; reward: number; terminated: boolean; envStep: boolean; k: number; discount: number; latent: number }[] = [];
  actions.forEach((a, i) => {
    const r = env.step(random.foldIn(key, i), state, f32([a]), {});
    const info = r.info as any;
    out.push({ obs: vec(r.obs), reward: r.reward.item(), terminated: !!r.terminated.item(), envStep: !!info.envStep.item(), k: info.diffusionStep.item(), discount: info.discount.item(), latent: vec(r.state.latent)[0]! });
    obs = r.obs;
    state = r.state;
  });
  return { first: vec(env.reset(random.foldIn(key, 99), {}).obs), out, obs };
}

describe("damdpEnv", () => {
  const K = 3;
  const xs = [0.3, -0.7, 0.4, 1.2, 0.1, -0.2];

  it("freezes the env for k < K−1 and executes clip(tanh(x_K)) in the action box at k = K−1, with the env reward only there", () => {
    const env = damdpEnv(counterEnv(true, 5), { steps: K, initStd: 2, gamma: 0.9 });
    expect(env.observationSpace({}).shape).toEqual([1 + 1 + K]);
    expect(env.actionSpace({}).shape).toEqual([1]);
    const { first, out } = roll(env, xs);
    // Reset: s = 0, x_0 ~ N(0, 4), k = 0 → one-hot [1, 0, 0].
    expect(first[0]).toBe(0);
    expect(first.slice(2)).toEqual([1, 0, 0]);
    expect(out.map((o) => o.k)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(out.map((o) => o.envStep)).toEqual([false, false, true, false, false, true]);
    // Frozen steps: s unchanged, x ← action, k ← k+1, reward 0.
    expect(out[0]!.obs).toEqual([0, Math.fround(0.3), 0, 1, 0]);
    expect(out[1]!.obs).toEqual([0, Math.fround(-0.7), 0, 0, 1]);
    expect(out[0]!.reward).toBe(0);
    expect(out[1]!.reward).toBe(0);
    // Last step: the env receives 2·tanh(0.4) (box [−2, 2]); reward = a + 10·t with t = 0, then s' = 1, fresh x_0', k = 0.
    expect(out[2]!.reward).toBeCloseTo(2 * Math.tanh(0.4), 6);
    expect(out[2]!.obs[0]).toBe(1);
    expect(out[2]!.obs.slice(2)).toEqual([1, 0, 0]);
    expect(out[2]!.latent).not.toBeCloseTo(0.4, 3);
    // Second env step at t = 1: reward = 2·tanh(−0.2) + 10.
    expect(out[5]!.reward).toBeCloseTo(2 * Math.tanh(-0.2) + 10, 5);
    expect(out[3]!.reward).toBe(0);
  });

  it("clips the squashed action at ±actionClip", () => {
    const env = damdpEnv(counterEnv(true), { steps: 1, actionClip: 0.9 });
    const { out } = roll(env, [5]);
    expect(out[0]!.reward).toBeCloseTo(2 * 0.9, 6);
  });

  it("reports the discount per augmented step ('augmented') or only on the last step ('env'), and discounted returns agree", () => {
    const gamma = 0.9;
    const aug = roll(damdpEnv(counterEnv(true, 5), { steps: K, gamma, discounting: "augmented" }), xs).out;
    const env = roll(damdpEnv(counterEnv(true, 5), { steps: K, gamma, discounting: "env" }), xs).out;
    expect(aug.map((o) => o.discount)).toEqual(new globalThis.Array(6).fill(Math.fround(0.9)));
    expect(env.map((o) => o.discount)).toEqual([1, 1, Math.fround(0.9), 1, 1, Math.fround(0.9)]);
    // Σ_i (Π_{j<i} γ_j) r̃_i: "env" gives Σ_t γ^t r_t; "augmented" gives Σ_t γ^{Kt + K−1} r_t.
    const ret = (o: typeof aug) => o.reduce((acc, x) => ({ sum: acc.sum + acc.disc * x.reward, disc: acc.disc * x.discount }), { sum: 0, disc: 1 }).sum;
    const r0 = 2 * Math.tanh(0.4);
    const r1 = 2 * Math.tanh(-0.2) + 10;
    expect(ret(env)).toBeCloseTo(r0 + gamma * r1, 4);
    expect(ret(aug)).toBeCloseTo(gamma ** 2 * r0 + gamma ** 5 * r1, 4);
  });

  it("passes `terminated` through only at the last denoising step", () => {
    const env = damdpEnv(counterEnv(true, 1), { steps: K });
    const { out } = roll(env, xs.slice(0, 3));
    expect(out.map((o) => o.terminated)).toEqual([false, false, true]);
  });

  it("non-traceable envs branch in JS and give the same trajectory; traceable ones jit and vmap", () => {
    const a = roll(damdpEnv(counterEnv(true, 5), { steps: K }), xs).out;
    const b = roll(damdpEnv(counterEnv(false, 5), { steps: K }), xs).out;
    expect(b.map((o) => [o.reward, o.k, o.envStep, ...o.obs])).toEqual(a.map((o) => [o.reward, o.k, o.envStep, ...o.obs]));
    const env = damdpEnv(counterEnv(true, 5), { steps: K });
    const step = jit((k: Array, s: any, x: Array) => env.step(k, s, x, {}));
    let st = env.reset(random.key(1), {}).state;
    let stE = st;
    for (let i = 0; i < 4; i++) {
      const x = f32([xs[i]!]);
      const j = step(random.key(i), st, x);
      const e = env.step(random.key(i), stE, x, {});
      expect(vec(j.obs)).toEqual(vec(e.obs));
      expect(j.reward.item()).toBe(e.reward.item());
      expect(vec((j.info as any).env.t)).toEqual(vec((e.info as any).env.t));
      st = j.state;
      stE = e.state;
    }
    const venv = vectorEnv(env, 2);
    const r = venv.reset(random.key(0), {});
    const o = venv.step(random.key(1), r.state, f32([[0.1], [0.2]]), {});
    expect(o.obs.shape).toEqual([2, 1 + 1 + K]);
    expect(vec((o.info as any).diffusionStep)).toEqual([0, 0]);
  });

  it("splits augmented observations and rejects bad options", () => {
    const obs = f32([[5, 6, 0.5, 0, 0, 1], [7, 8, -1, 0, 1, 0]]);
    const p = splitDamdpObservation(obs, 2, 1, 3);
    expect(rows(p.obs)).toEqual([[5, 6], [7, 8]]);
    expect(rows(p.latent)).toEqual([[0.5], [-1]]);
    expect(vec(p.step)).toEqual([2, 1]);
    expect(() => splitDamdpObservation(obs, 2, 2, 3)).toThrow(/obsDim \+ latentDim \+ steps/);
    expect(() => damdpEnv(counterEnv(true), { steps: 0 })).toThrow(DriftError);
    expect(() => damdpEnv(vectorEnv(counterEnv(true), 2), { steps: 2 })).toThrow(/single env/);
    expect(() => damdpEnv(counterEnv(true), { steps: 2, discounting: "episode" as never })).toThrow(/discounting/);
  });
});

describe("augmentBatch (replay-buffer-level DA-MDP)", () => {
  // B = 2 env transitions, K = 3, d = 1; chain prefixes x_0..x_2 and executed x_3.
  const batch = { obs: f32([[10], [20]]), reward: f32([1.5, -2]), nextObs: f32([[11], [21]]), terminated: np.array([false, true]) };
  const prefix = f32([[[0.1], [0.2], [0.3]], [[-0.1], [-0.2], [-0.3]]]);
  const executed = f32([[0.4], [-0.4]]);
  const x0 = f32([[9], [-9]]);

  it("emits every denoising step: reward and terminal only at k = K−1, env frozen before it, fresh x_0' after it", () => {
    const a = augmentBatch(batch, prefix, executed, x0, denoisingStepIndices(random.key(0), 2, 3, 3));
    expect(vec(a.step)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(rows(a.obs).flat()).toEqual([10, 10, 10, 20, 20, 20]);
    expect(rows(a.latent).flat().map(Math.fround)).toEqual([0.1, 0.2, 0.3, -0.1, -0.2, -0.3].map(Math.fround));
    expect(rows(a.action).flat().map(Math.fround)).toEqual([0.2, 0.3, 0.4, -0.2, -0.3, -0.4].map(Math.fround));
    expect(vec(a.reward)).toEqual([0, 0, 1.5, 0, 0, -2]);
    expect(rows(a.nextObs).flat()).toEqual([10, 10, 11, 20, 20, 21]);
    expect(rows(a.nextLatent).flat().map(Math.fround)).toEqual([0.2, 0.3, 9, -0.2, -0.3, -9].map(Math.fround));
    expect(vec(a.nextStep)).toEqual([1, 2, 0, 1, 2, 0]);
    expect(vec(a.terminated)).toEqual([false, false, false, false, false, true]);
    expect(vec(a.envStep)).toEqual([false, false, true, false, false, true]);
    expect(a.step.dtype).toBe("int32");
    expect(vec(damdpDiscount(a.envStep, 0.5, "env"))).toEqual([1, 1, 0.5, 1, 1, 0.5]);
    expect(vec(damdpDiscount(a.envStep, 0.5, "augmented"))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it("picks given steps per row, and agrees with the env wrapper's own transitions", () => {
    const a = augmentBatch(batch, prefix, executed, x0, np.array([[2], [0]], { dtype: "int32" }));
    expect(vec(a.step)).toEqual([2, 0]);
    expect(vec(a.reward)).toEqual([1.5, 0]);
    expect(rows(a.latent).flat().map(Math.fround)).toEqual([0.3, -0.1].map(Math.fround));
    expect(rows(a.nextLatent).flat().map(Math.fround)).toEqual([9, -0.2].map(Math.fround));
    // The wrapper on the counter env: roll K steps, rebuild the same transitions from the env transition + chain.
    const K = 3;
    const env = damdpEnv(counterEnv(true, 5), { steps: K });
    let { obs, state } = env.reset(random.key(3), {});
    const chain = [vec(state.latent)[0]!, 0.5, -0.25, 0.8];
    const wrapped: { obs: number[]; reward: number; next: number[] }[] = [];
    for (let k = 0; k < K; k++) {
      const r = env.step(random.key(10 + k), state, f32([chain[k + 1]!]), {});
      wrapped.push({ obs: vec(obs), reward: r.reward.item(), next: vec(r.obs) });
      obs = r.obs;
      state = r.state;
    }
    const envBatch = { obs: f32([[0]]), reward: f32([2 * Math.tanh(0.8)]), nextObs: f32([[1]]), terminated: np.array([false]) };
    const t = augmentBatch(envBatch, f32([chain.slice(0, K).map((v) => [v])]), f32([[0.8]]), np.reshape(np.slice(obs, [1, 2]), [1, 1]), denoisingStepIndices(random.key(0), 1, K, K));
    const split = (o: Array) => splitDamdpObservation(o, 1, 1, K);
    for (let k = 0; k < K; k++) {
      const cur = split(f32(wrapped[k]!.obs));
      const nxt = split(f32(wrapped[k]!.next));
      expect(rows(t.obs)[k]![0]).toBe(vec(cur.obs)[0]);
      expect(Math.fround(rows(t.latent)[k]![0]!)).toBe(Math.fround(vec(cur.latent)[0]!));
      expect(vec(t.step)[k]).toBe(cur.step.item());
      expect(vec(t.reward)[k]).toBeCloseTo(wrapped[k]!.reward, 6);
      expect(rows(t.nextObs)[k]![0]).toBe(vec(nxt.obs)[0]);
      expect(Math.fround(rows(t.nextLatent)[k]![0]!)).toBe(Math.fround(vec(nxt.latent)[0]!));
      expect(vec(t.nextStep)[k]).toBe(nxt.step.item());
    }
  });

  it("runs under jit, draws random steps in range, and rejects bad shapes", () => {
    const steps = denoisingStepIndices(random.key(1), 4, 5, 2);
    expect(steps.shape).toEqual([4, 2]);
    expect(vec(np.reshape(steps, [-1])).every((k) => Number.isInteger(k) && k >= 0 && k < 5)).toBe(true);
    const eager = augmentBatch(batch, prefix, executed, x0, np.array([[1, 2], [2, 0]], { dtype: "int32" }));
    const jitted = jit((p: Array, e: Array, x: Array, s: Array) => augmentBatch(batch, p, e, x, s))(prefix, executed, x0, np.array([[1, 2], [2, 0]], { dtype: "int32" }));
    tree.map((x: Array, y: Array) => {
      expect(vec(np.reshape(x.astype("float32"), [-1]))).toEqual(vec(np.reshape(y.astype("float32"), [-1])));
      return x;
    }, eager, jitted);
    expect(() => augmentBatch(batch, prefix, f32([[0.4]]), x0, steps)).toThrow(/executed must have shape \[2,1\]/);
    expect(() => denoisingStepIndices(random.key(0), 2, 3, 4)).toThrow(/perRow/);
  });

  it("samples the last step on every row with \"last\", and its weights make the chain sum unbiased", () => {
    const K = 5;
    const steps = rows(denoisingStepIndices(random.key(2), 4000, K, 3, "last"));
    expect(steps.every((r) => r[0] === K - 1 && r.slice(1).every((k) => Number.isInteger(k) && k >= 0 && k < K - 1))).toBe(true);
    const counts = new globalThis.Array<number>(K - 1).fill(0);
    for (const r of steps) for (const k of r.slice(1)) counts[k]! += 1;
    for (const c of counts) expect(Math.abs(c / 8000 - 0.25)).toBeLessThan(0.02);
    // Σ_j w_j ℓ(k_j) averaged over rows ≈ Σ_k ℓ(k), for ℓ(k) = k² (sum 30), under both samplings.
    for (const sampling of ["last", "uniform"] as const) {
      const w = denoisingStepWeights(K, 3, sampling);
      expect(w.reduce((a, b) => a + b)).toBeCloseTo(K, 12);
      const ks = rows(denoisingStepIndices(random.key(3), 4000, K, 3, sampling));
      const est = ks.reduce((acc, r) => acc + r.reduce((a, k, j) => a + w[j]! * k * k, 0), 0) / ks.length;
      expect(Math.abs(est - 30)).toBeLessThan(0.6);
    }
    expect(denoisingStepWeights(K, K, "last")).toEqual([1, 1, 1, 1, 1]);
    expect(() => denoisingStepIndices(random.key(0), 2, K, 1, "last")).toThrow(/perRow ≥ 2/);
    expect(() => denoisingStepIndices(random.key(0), 2, K, 2, "first" as never)).toThrow(/sampling must be "uniform" or "last"; got "first"/);
  });
});
