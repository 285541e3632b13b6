// SAC: losses on hand-computed tiny cases, the taxonomy registry, a composed variant, and learning on Pendulum-v1.
import { describe, expect, it } from "vitest";
import { type Array, jit, np, random } from "@drift/tensor";
import { Box } from "@drift/envs";
import { getAlgorithm, listAlgorithms, makeTrain, sacFamily, taxonomyTable, type QEnsemble } from "../src/index.ts";
import type { GaussianHead } from "@drift/policies";

const f32 = (x: unknown) => np.array(x as any, { dtype: "float32" });

/** A critic whose members return fixed values per call: [size, B]. */
function fixedCritic(values: (obs: Array, act: Array) => Array): QEnsemble {
  return { size: 2, init: () => ({}), apply: (_p, obs, act) => values(obs, act) };
}

/** An actor that always returns the same action and log-probability. */
function fixedActor(action: number[][], logProb: number[]): GaussianHead {
  return {
    obsDim: 1,
    actDim: 1,
    init: () => ({}) as any,
    sample: () => f32(action),
    logProb: () => f32(logProb),
    meanLogStd: () => [f32(action), f32(action)],
    sampleWithLogProb: () => [f32(action), f32(logProb)],
  };
}

describe("SAC losses on tiny cases", () => {
  const batch = { obs: f32([[0], [1]]), action: f32([[0.5], [-0.5]]), reward: f32([1, 2]), nextObs: f32([[1], [2]]), terminated: np.array([false, true]) };

  it("critic loss: y = r + γ(1−d)(min Q̄ − α log π); loss = Σ_members mean (Q − y)²", () => {
    // Online members: Q1 = [1, 2], Q2 = [0, 1]; target members: [3, 5] and [4, 4] → min [3, 4].
    const critic = fixedCritic((obs) => (obs.toArray()[0][0] === 0 ? f32([[1, 2], [0, 1]]) : f32([[3, 5], [4, 4]])));
    const actor = fixedActor([[0.1], [0.2]], [-1, -2]);
    const { loss } = sacFamily.criticLoss(critic, actor, {}, {}, {}, f32(0.5), batch, 0.9, random.key(0));
    // y = [1 + 0.9·(3 − 0.5·(−1)), 2 + 0] = [4.15, 2]
    const y = [1 + 0.9 * (3 + 0.5), 2];
    const want = ((1 - y[0]!) ** 2 + (2 - y[1]!) ** 2) / 2 + ((0 - y[0]!) ** 2 + (1 - y[1]!) ** 2) / 2;
    expect(loss.item()).toBeCloseTo(want, 4);
  });

  it("actor loss: mean(α log π − min_i Q_i)", () => {
    const critic = fixedCritic(() => f32([[1, 4], [2, 3]]));
    const actor = fixedActor([[0.1], [0.2]], [-1, 0.5]);
    const { loss } = sacFamily.actorLoss(critic, actor, {}, {}, f32(0.2), f32([[0], [1]]), random.key(0));
    expect(loss.item()).toBeCloseTo((0.2 * -1 - 1 + (0.2 * 0.5 - 3)) / 2, 5);
  });

  it("temperature loss: mean(−α (log π + H̄))", () => {
    const l = sacFamily.alphaLoss(f32(Math.log(0.5)), f32([-1, -3]), -1);
    expect(l.item()).toBeCloseTo((-0.5 * (-1 - 1) + -0.5 * (-3 - 1)) / 2, 5);
  });
});

describe("taxonomy", () => {
  it("lists algorithms by family and renders a table", () => {
    expect(listAlgorithms({ family: "baseline" }).map((a) => a.name)).toContain("sac");
    expect(listAlgorithms({ policy: "diffusion", family: "baseline" }).map((a) => a.name)).not.toContain("sac");
    expect(taxonomyTable()).toMatch(/\| sac \| baseline \| uniform \| gaussian \| off-policy \|/);
    expect(() => getAlgorithm("nope")).toThrow(/unknown algorithm "nope"; valid: .*sac/);
  });
});

describe("a new variant from existing pieces", () => {
  it("SAC with a fixed temperature and four critics is a config of the same pieces, and updates under jit", () => {
    const sac = getAlgorithm("sac");
    const variant = { ...sac, name: "sac-fixed-alpha-4q", defaults: { ...sac.defaults, gym: { ...sac.defaults.gym, autoAlpha: false, initAlpha: 0.1, numCritics: 4, hidden: [16, 16] } } };
    const box = new Box(-2, 2, [1]);
    const s0 = variant.agent.create(random.key(0), new Box(-1, 1, [3]), box, variant.defaults.gym);
    const batch = { obs: f32([[0, 1, 2], [1, 0, 1]]), action: f32([[0.5], [-1]]), reward: f32([1, 0]), nextObs: f32([[1, 1, 1], [0, 0, 0]]), terminated: np.array([false, false]) };
    const update = jit((s: any, b: any, k: Array) => variant.agent.update(s, b, k));
    const [s1, m] = update(s0, batch, random.key(1));
    expect(m["losses/alpha"]!.item()).toBeCloseTo(0.1, 6);
    expect(Number.isFinite(m["losses/qf_loss"]!.item())).toBe(true);
    const a = variant.agent.sampleActions(s1, batch.obs, random.key(2), { deterministic: true });
    expect(a.shape).toEqual([2, 1]);
    expect(np.max(np.abs(a)).item()).toBeLessThanOrEqual(2);
  });
});

describe("SAC learns Pendulum-v1", () => {
  it("reaches a mean return ≥ −400 over the last 10 training episodes within 6000 steps (64×64 nets)", async () => {
    const algo = getAlgorithm("sac");
    const config = { ...algo.defaults.gym, hidden: [64, 64], learningStarts: 500, bufferSize: 20_000, batchSize: 128, evalEvery: 0 };
    const { train } = makeTrain(algo, config, { env: "Pendulum-v1", totalSteps: 6000, logEvery: 1000 });
    const res = await train(random.key(0));
    const last = res.episodes.slice(-10).map((e) => e.return);
    const mean = last.reduce((a, b) => a + b, 0) / last.length;
    console.log(`SAC Pendulum-v1 6000 steps: mean of last 10 episodes ${mean.toFixed(1)}`);
    expect(mean).toBeGreaterThanOrEqual(-400);
  }, 180_000);
});
