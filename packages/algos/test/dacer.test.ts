// DACER: losses on hand-computed tiny cases, gradients through the whole reverse chain, the GMM entropy estimate, jitted updates, a Pendulum-v1 smoke run.
import { describe, expect, it } from "vitest";
import { type Array, jit, np, random, tree, valueAndGrad } from "@drift/tensor";
import { checkGrads } from "@drift/tensor/testing";
import { Box } from "@drift/envs";
import { type PolicyHead, diffusionHead } from "@drift/policies";
import { dacerFamily, getAlgorithm, listAlgorithms, makeTrain } from "../src/index.ts";

const f32 = (x: unknown) => np.array(x as any, { dtype: "float32" });

/** A Gaussian critic returning fixed (mean, std) for the online params "online" and the target params "target". */
function fixedCritic(online: [number[][], number[][]], target: [number[][], number[][]]): dacerFamily.GaussianQEnsemble {
  return {
    size: 2,
    init: () => ({}),
    apply: (p) => {
      const [m, s] = p === "target" ? target : online;
      return { mean: f32(m), std: f32(s) };
    },
  };
}

/** An actor that always returns the same actions. */
function fixedActor(action: number[][]): PolicyHead<unknown> {
  return { obsDim: 1, actDim: action[0]!.length, init: () => ({}), sample: () => f32(action) };
}

/** An actor whose chain always ends at 0 (one action per observation row). */
function zeroActor(actDim: number): PolicyHead<unknown> {
  return { obsDim: 1, actDim, init: () => ({}), sample: (_k, _p, obs) => np.zeros([obs.shape[0]!, actDim]) };
}

describe("DACER losses on tiny cases", () => {
  const batch = { obs: f32([[0], [1]]), action: f32([[0.5], [-0.5]]), reward: f32([1, 2]), nextObs: f32([[1], [2]]), terminated: np.array([false, true]) };

  it("huber: ½e² inside δ, δ(|e| − ½δ) outside", () => {
    expect(dacerFamily.huber(f32([0.5, -2, 3]), 2).toArray()).toEqual([0.125, 2, 2 * (3 - 1)]);
  });

  it("distributional critic loss (DSAC-T form) matches a by-hand evaluation, target sample from the argmin-mean member", () => {
    // Target means [3, 5] and [4, 4]: member 0 is the min for the first transition, member 1 for the second. Their stds
    // are 0 where picked and 7 elsewhere, so the target sample equals the picked mean only if the pick is right.
    const critic = fixedCritic(
      [[[1, 2], [0, 1]], [[0.5, 1], [2, 0.1]]],
      [[[3, 5], [4, 4]], [[0, 7], [7, 0]]],
    );
    const rho = 0.2;
    const gamma = 0.9;
    const { loss } = dacerFamily.criticLoss(critic, fixedActor([[0.1], [0.2]]), "online", "target", {}, f32(0.3), f32(rho), batch, gamma, random.key(0));
    const y = [1 + gamma * 3, 2]; // y_μ = y_z here
    const mu = [[1, 2], [0, 1]];
    const sd = [[0.5, 1], [2, 0.1]];
    const hub = (e: number) => (Math.abs(e) <= 50 ? 0.5 * e * e : 50 * (Math.abs(e) - 25));
    let want = 0;
    for (let i = 0; i < 2; i++) {
      let l = 0;
      for (let j = 0; j < 2; j++) {
        const [m, s] = [mu[i]![j]!, sd[i]![j]!];
        const bounded = m + Math.min(Math.max(y[j]! - m, -3 * rho), 3 * rho);
        const w = Math.min(Math.max((rho * rho) / (s * s + 0.1), 0.1), 10);
        l += w * (hub(m - y[j]!) + (s * (s * s - hub(m - bounded))) / (s + 0.1));
      }
      want += l / 2;
    }
    expect(loss.item()).toBeCloseTo(want, 4);
  });

  it("critic gradients: μ moves towards y_μ; σ² moves towards the bounded squared error", () => {
    const batch1 = { obs: f32([[0]]), action: f32([[0]]), reward: f32([1]), nextObs: f32([[0]]), terminated: np.array([true]) };
    const critic: dacerFamily.GaussianQEnsemble = {
      size: 1,
      init: () => ({}),
      apply: (p: any) => (p === "target" ? { mean: f32([[0]]), std: f32([[0]]) } : { mean: np.reshape(p.mean, [1, 1]), std: np.reshape(p.std, [1, 1]) }),
    };
    const grads = (mean: number, std: number) =>
      valueAndGrad((p: any) => dacerFamily.criticLoss(critic, fixedActor([[0]]), p, "target", {}, f32(0), f32(1), batch1, 0.99, random.key(0)).loss)({ mean: f32(mean), std: f32(std) })[1] as any;
    const g = grads(0, 0.1); // y = 1: error 1, bounded error 1 → σ² should grow towards ½
    expect(g.mean.item()).toBeLessThan(0);
    expect(g.std.item()).toBeLessThan(0);
    expect(grads(0.9, 2).std.item()).toBeGreaterThan(0); // σ² = 4 ≫ ½·0.1²: shrink
  });

  it("actor loss: −mean_s min_j μ_j(s, a)", () => {
    const critic = fixedCritic([[[1, 4], [2, 3]], [[0, 0], [0, 0]]], [[[0, 0], [0, 0]], [[0, 0], [0, 0]]]);
    expect(dacerFamily.actorLoss(critic, fixedActor([[0.1], [0.2]]), {}, "online", f32([[0], [1]]), random.key(0)).loss.item()).toBeCloseTo(-(1 + 3) / 2, 6);
  });

  it("temperature loss log α·(Ĥ − H̄): gradient Ĥ − H̄", () => {
    const [l, g] = valueAndGrad((la: Array) => dacerFamily.alphaLoss(la, f32(0.5), -0.9))(f32(Math.log(3)));
    expect(l.item()).toBeCloseTo(Math.log(3) * 1.4, 5);
    expect(g.item()).toBeCloseTo(1.4, 6);
  });

  it("the actor loss is differentiated through all 20 denoising steps (matches finite differences, float64)", () => {
    const head = diffusionHead({ obsDim: 2, actDim: 2, hidden: [8], timeDim: 4, obsEmbed: [4], steps: 20 });
    const params = head.init(random.key(0), { dtype: "float64" });
    const obs = np.array([[0.3, -0.2], [1, 0.5]], { dtype: "float64" });
    const critic: dacerFamily.GaussianQEnsemble = {
      size: 2,
      init: () => ({}),
      apply: (_p, _o, a) => {
        const q = np.neg(np.sum(np.square(np.sub(a, 0.3)), -1));
        return { mean: np.stack([q, np.mul(q, 2)]), std: np.onesLike(np.stack([q, q])) };
      },
    };
    const f = (p: unknown) => dacerFamily.actorLoss(critic, head, p, {}, obs, random.key(3)).loss;
    checkGrads(f, [params], { modes: ["rev"], atol: 1e-6, rtol: 1e-4 });
    const g = valueAndGrad(f)(params)[1] as any;
    const norm = (t: unknown) => tree.leaves(t).reduce((s: number, x: any) => s + np.sum(np.square(x)).item(), 0);
    expect(norm(g.net)).toBeGreaterThan(0);
    expect(norm(g.fourier)).toBeGreaterThan(0); // the time embedding only matters through the chain
  });

  it("GMM entropy estimate: DACER's mixture formula bounds the Gaussian entropy from above and scales as log σ", () => {
    const est = (sigma: number) => dacerFamily.entropyEstimate(zeroActor(1), {}, f32([[0], [1]]), f32(sigma), 200, random.key(0)).item();
    const [h1, h2] = [est(0.1), est(0.2)];
    const exact = 0.5 * Math.log(2 * Math.PI * Math.E * 0.04);
    console.log(`GMM(3) entropy estimate of N(0, 0.2²) from 2×200 samples: ${h2.toFixed(3)} (exact ${exact.toFixed(3)}; bound ≤ exact + log 3)`);
    // −Σ w log w + Σ w H_k ≥ H(mixture) ≈ H(N(0, σ²)), and exceeds it by at most the mixing entropy ≤ log 3.
    expect(h2).toBeGreaterThan(exact - 0.1);
    expect(h2).toBeLessThan(exact + Math.log(3));
    // Same draws scaled by 2: EM with k-means++ seeding is scale-equivariant, so the estimate moves by log 2.
    expect(h2 - h1).toBeCloseTo(Math.log(2), 2); // float32 EM: within ~1e-3
  });
});

describe("DACER agent", () => {
  const algo = getAlgorithm("dacer");
  const config = { ...algo.defaults.gym, actorHidden: [16, 16], criticHidden: [16, 16], timeDim: 8, actorEvery: 2, alphaEvery: 3, entropyStates: 2, entropySamples: 50 };
  const box = new Box(-2, 2, [1]);
  const batch = { obs: f32([[0, 1, 2], [1, 0, 1]]), action: f32([[0.5], [-1]]), reward: f32([1, 0]), nextObs: f32([[1, 1, 1], [0, 0, 0]]), terminated: np.array([false, false]) };
  const firstLeaf = (t: unknown): number[] => globalThis.Array.from(tree.leaves(t)[0]!.dataSync() as Float32Array);
  const changed = (a: unknown, b: unknown) => firstLeaf(a).some((v, i) => v !== firstLeaf(b)[i]);

  it("sits in the reparameterization family with a diffusion policy", () => {
    expect(listAlgorithms({ family: "reparameterization", policy: "diffusion" }).map((a) => a.name)).toContain("dacer");
    expect(algo.taxonomy.paper).toMatch(/2405\.15177/);
  });

  it("under jit: actor every actorEvery, α every alphaEvery updates (α falls while Ĥ > H̄), metrics finite", () => {
    let s = algo.agent.create(random.key(0), new Box(-1, 1, [3]), box, config);
    const update = jit((st: any, b: any, k: Array) => algo.agent.update(st, b, k));
    const moves: [boolean, boolean][] = [];
    const alphas: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, m] = update(s, batch, random.key(i));
      moves.push([changed(s.actor.params, next.actor.params), next.logAlpha.value.item() !== s.logAlpha.value.item()]);
      for (const [name, v] of Object.entries(m)) expect(Number.isFinite(v.item()), name).toBe(true);
      alphas.push(Math.exp(next.logAlpha.value.item()));
      if (i === 0) expect(m["losses/entropy"]!.item()).toBeGreaterThan(-0.9);
      s = next;
    }
    expect(moves).toEqual([[true, true], [false, false], [true, false], [false, true]]);
    expect(alphas[0]).toBeCloseTo(3 * Math.exp(-0.03), 4); // one Adam step of size lr on log α
    expect(alphas[3]).toBeLessThan(alphas[0]!);
    expect(s.step.item()).toBe(4);
    expect(update.cacheSize).toBe(1);
  });

  it("acts inside the box; exploration adds noise of std α·noiseScale around the chain sample", () => {
    const s = algo.agent.create(random.key(0), new Box(-1, 1, [3]), box, { ...config, initAlpha: 1, noiseScale: 0.5 });
    const obs = np.zeros([400, 3]);
    const k = random.key(5);
    const plain = algo.agent.sampleActions(s, obs, k, { deterministic: true });
    const noisy = algo.agent.sampleActions(s, obs, k, { deterministic: false });
    expect(np.max(np.abs(noisy)).item()).toBeLessThanOrEqual(2);
    expect(np.std(np.sub(noisy, plain)).item()).toBeGreaterThan(0.5); // std 0.5 in [−1, 1] units = 1 in the box (less after clipping)
    expect(plain.shape).toEqual([400, 1]);
  });
});

describe("DACER smoke run on Pendulum-v1", () => {
  it("trains a few hundred jitted updates (20-step chain, periodic α) without NaNs", async () => {
    const algo = getAlgorithm("dacer");
    const config = {
      ...algo.defaults.gym,
      actorHidden: [16, 16],
      criticHidden: [32, 32],
      timeDim: 8,
      batchSize: 32,
      learningStarts: 100,
      bufferSize: 1000,
      alphaEvery: 100,
      entropyStates: 4,
      evalEvery: 0,
    };
    const logs: Record<string, number>[] = [];
    const { train } = makeTrain(algo, config, { env: "Pendulum-v1", totalSteps: 400, logEvery: 100 }, { onLog: (_s, m) => void logs.push(m) });
    const t0 = performance.now();
    const res = await train(random.key(0));
    const secs = (performance.now() - t0) / 1000;
    const trained = logs.filter((m) => "losses/qf_loss" in m);
    console.log(`DACER Pendulum-v1 smoke: 301 updates in ${secs.toFixed(1)} s; last log ${JSON.stringify(trained.at(-1))}`);
    expect(trained.length).toBe(4); // steps 100 (the first update), 200, 300, 400
    for (const m of trained) for (const [name, v] of Object.entries(m)) expect(Number.isFinite(v), name).toBe(true);
    expect(res.episodes.length).toBe(2);
    for (const leaf of tree.leaves((res.agent as any).actor.params) as Array[]) expect(globalThis.Array.from(leaf.dataSync() as Float32Array).every(Number.isFinite)).toBe(true);
    expect(trained.at(-1)!["losses/alpha"]).toBeLessThan(3); // α was updated (entropy above the −0.9 target)
  }, 120_000);
});
