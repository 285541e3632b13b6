// TD3: losses on hand-computed tiny cases, the delayed actor update under jit, exploration noise, and learning on Pendulum-v1.
import { describe, expect, it } from "vitest";
import { type Array, jit, np, random } from "@drift/tensor";
import { Box } from "@drift/envs";
import type { PolicyHead } from "@drift/policies";
import { getAlgorithm, listAlgorithms, makeTrain, td3Family, taxonomyTable, type QEnsemble } from "../src/index.ts";

const f32 = (x: unknown) => np.array(x as any, { dtype: "float32" });

/** A critic whose members return fixed values per call: [size, B]. */
function fixedCritic(values: (obs: Array, act: Array) => Array): QEnsemble {
  return { size: 2, init: () => ({}), apply: (_p, obs, act) => values(obs, act) };
}

/** A deterministic actor returning fixed actions. */
function fixedActor(action: number[][]): PolicyHead<unknown> {
  return { obsDim: 1, actDim: 1, init: () => ({}), sample: () => f32(action) };
}

describe("TD3 losses on tiny cases", () => {
  const batch = { obs: f32([[0], [1]]), action: f32([[0.5], [-0.5]]), reward: f32([1, 2]), nextObs: f32([[1], [2]]), terminated: np.array([false, true]) };

  it("critic loss: y = r + γ(1−d) min_j Q̄_j(s', ã'); loss = Σ_members mean (Q − y)²", () => {
    // Online members: Q1 = [1, 2], Q2 = [0, 1]; target members: [3, 5] and [4, 4] → min [3, 4].
    const critic = fixedCritic((obs) => (obs.toArray()[0][0] === 0 ? f32([[1, 2], [0, 1]]) : f32([[3, 5], [4, 4]])));
    const { loss } = td3Family.criticLoss(critic, fixedActor([[0.1], [0.2]]), {}, {}, {}, batch, 0.9, { std: 0.2, clip: 0.5 }, random.key(0));
    const y = [1 + 0.9 * 3, 2];
    const want = ((1 - y[0]!) ** 2 + (2 - y[1]!) ** 2) / 2 + ((0 - y[0]!) ** 2 + (1 - y[1]!) ** 2) / 2;
    expect(loss.item()).toBeCloseTo(want, 4);
  });

  it("target policy smoothing: ã' = clip(π̄(s') + clip(ε, ±c), ±1) stays within c of π̄(s') and inside [−1, 1]", () => {
    const seen: number[] = [];
    const critic = fixedCritic((obs, act) => {
      if (obs.toArray()[0][0] !== 0) seen.push(...(act.toArray() as number[][]).map((r) => r[0]!));
      return f32([[0, 0], [0, 0]]);
    });
    for (let i = 0; i < 20; i++) td3Family.criticLoss(critic, fixedActor([[0.9], [-0.2]]), {}, {}, {}, batch, 0.9, { std: 1, clip: 0.5 }, random.key(i));
    const first = seen.filter((_, i) => i % 2 === 0);
    const second = seen.filter((_, i) => i % 2 === 1);
    expect(Math.max(...first)).toBeLessThanOrEqual(1);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(0.4 - 1e-6);
    expect(first.some((a) => a === 1)).toBe(true); // clipped to the box
    expect(Math.max(...second.map((a) => Math.abs(a + 0.2)))).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(second.some((a) => Math.abs(Math.abs(a + 0.2) - 0.5) < 1e-6)).toBe(true); // σ = 1 ≫ c: the clip binds
  });

  it("actor loss: −mean Q_1(s, π(s)) (first critic only)", () => {
    const critic = fixedCritic(() => f32([[1, 4], [-10, -10]]));
    expect(td3Family.actorLoss(critic, fixedActor([[0.1], [0.2]]), {}, {}, f32([[0], [1]]), random.key(0)).item()).toBeCloseTo(-2.5, 6);
  });
});

describe("TD3 agent", () => {
  const td3 = getAlgorithm("td3");
  const config = { ...td3.defaults.gym, hidden: [16, 16] };
  const box = new Box(-2, 2, [1]);
  const batch = { obs: f32([[0, 1, 2], [1, 0, 1]]), action: f32([[0.5], [-1]]), reward: f32([1, 0]), nextObs: f32([[1, 1, 1], [0, 0, 0]]), terminated: np.array([false, false]) };

  it("is a registered baseline with a deterministic policy", () => {
    expect(listAlgorithms({ policy: "deterministic" }).map((a) => a.name)).toContain("td3");
    expect(taxonomyTable()).toMatch(/\| td3 \| baseline \| uniform \| deterministic \| off-policy \| Fujimoto et al\./);
  });

  it("under jit, moves the actor and both targets only every policyDelay updates; metrics are finite", () => {
    const s0 = td3.agent.create(random.key(0), new Box(-1, 1, [3]), box, config);
    const update = jit((s: any, b: any, k: Array) => td3.agent.update(s, b, k));
    const firstLeaf = (t: unknown): number[] => {
      let x: any = t;
      while (!(x instanceof np.Array)) x = globalThis.Array.isArray(x) ? x[0] : Object.values(x)[0];
      return (x as Array).dataSync() as unknown as number[];
    };
    const changed = (a: unknown, b: unknown) => firstLeaf(a).some((v, i) => v !== firstLeaf(b)[i]);
    const [s1, m1] = update(s0, batch, random.key(1)); // step 0: actor and targets move
    expect(changed(s0.actor.params, s1.actor.params)).toBe(true);
    expect(changed(s0.actor.target, s1.actor.target)).toBe(true);
    expect(changed(s0.critic.target, s1.critic.target)).toBe(true);
    const [s2, m2] = update(s1, batch, random.key(2)); // step 1: only the critic moves
    expect(changed(s1.critic.params, s2.critic.params)).toBe(true);
    expect(changed(s1.actor.params, s2.actor.params)).toBe(false);
    expect(changed(s1.actor.target, s2.actor.target)).toBe(false);
    expect(changed(s1.critic.target, s2.critic.target)).toBe(false);
    expect(m2["losses/actor_loss"]!.item()).toBe(m1["losses/actor_loss"]!.item());
    const [s3] = update(s2, batch, random.key(3)); // step 2: actor again
    expect(changed(s2.actor.params, s3.actor.params)).toBe(true);
    expect(s3.step.item()).toBe(3);
    for (const v of Object.values(m1)) expect(Number.isFinite(v.item())).toBe(true);
    expect(update.cacheSize).toBe(1);
  });

  it("acts with Gaussian exploration noise (std 0.1 × half-width) clipped to the box; deterministic is the mean", () => {
    const s = td3.agent.create(random.key(0), new Box(-1, 1, [3]), box, config);
    const obs = np.zeros([2000, 3]);
    const mean = td3.agent.sampleActions(s, obs, random.key(1), { deterministic: true });
    const noisy = td3.agent.sampleActions(s, obs, random.key(2), { deterministic: false });
    const d = np.sub(noisy, mean);
    expect(np.std(d).item()).toBeCloseTo(0.1 * 2, 1);
    expect(Math.abs(np.mean(d).item())).toBeLessThan(0.03);
    expect(np.max(np.abs(noisy)).item()).toBeLessThanOrEqual(2);
  });
});

describe("TD3 learns Pendulum-v1", () => {
  // TD3 is slower than SAC here: at 6000 steps it is still near −1000 (seeds 0, 1); with lr 1e-3 (the RL-Zoo Pendulum
  // setting) it reaches about −200 by 10000 steps (20–40 s on 2 shared cores).
  it("reaches a mean return ≥ −400 over the last 10 training episodes within 10000 steps (64×64 nets, lr 1e-3)", async () => {
    const algo = getAlgorithm("td3");
    const config = { ...algo.defaults.gym, hidden: [64, 64], actorLr: 1e-3, criticLr: 1e-3, learningStarts: 1000, bufferSize: 20_000, batchSize: 128, evalEvery: 0 };
    const { train } = makeTrain(algo, config, { env: "Pendulum-v1", totalSteps: 10_000, logEvery: 1000 });
    const t0 = performance.now();
    const res = await train(random.key(0));
    const last = res.episodes.slice(-10).map((e) => e.return);
    const mean = last.reduce((a, b) => a + b, 0) / last.length;
    console.log(`TD3 Pendulum-v1 10000 steps: mean of last 10 episodes ${mean.toFixed(1)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(mean).toBeGreaterThanOrEqual(-400);
  }, 180_000);
});
