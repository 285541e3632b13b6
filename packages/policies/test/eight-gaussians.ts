// The FlowRL toy "8gaussians" behaviour-cloning task: dataset, mode / MMD metrics and a jitted BC training loop per head kind.
import { jit, np, random, valueAndGrad, type Array } from "@drift/tensor";
import { optim } from "@drift/nn";
import { diffusionBcLoss, flowBcLoss, nllBcLoss } from "../src/bc.ts";
import { type GaussianHead, type PolicyHead, diffusionHead, flowHead, gaussianHead } from "../src/heads.ts";
import { mmd2 } from "./mixture.ts";

/** The 8 mode centres 4·(cos kπ/4, sin kπ/4)/1.414 of the dataset. */
export const CENTERS: [number, number][] = globalThis.Array.from({ length: 8 }, (_, k) => [
  (4 * Math.cos((k * Math.PI) / 4)) / 1.414,
  (4 * Math.sin((k * Math.PI) / 4)) / 1.414,
]);

/** n points of FlowRL's 8gaussians (papers.md §2.7): centre 4·(unit circle at 45° steps) + 0.5·N(0, I), all / 1.414. */
export function eightGaussians(key: Array, n: number): Array {
  const idx = random.randint(random.foldIn(key, 0), [n], 0, 8);
  const centres = np.take(np.array(CENTERS.map(([x, y]) => [x * 1.414, y * 1.414])), idx, 0);
  return np.div(np.add(centres, np.mul(random.normal(random.foldIn(key, 1), [n, 2]), 0.5)), 1.414);
}

/** Radius (≈ 2.8 component std 0.354) within which a sample counts for its nearest centre; 98% of true samples fall inside. */
export const MODE_RADIUS = 1.0;

/** Fraction of samples assigned to each centre (nearest, within MODE_RADIUS), then the fraction off every mode. */
export function modeFractions(x: Array, radius = MODE_RADIUS): number[] {
  const d = x.dataSync();
  const n = x.shape[0]!;
  const counts = new globalThis.Array<number>(9).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDist = Infinity;
    CENTERS.forEach(([cx, cy], k) => {
      const dist = Math.hypot(d[2 * i]! - cx, d[2 * i + 1]! - cy);
      if (dist < bestDist) [best, bestDist] = [k, dist];
    });
    counts[bestDist < radius ? best : 8]!++;
  }
  return counts.map((c) => c / n);
}

/** Head kinds fitted by `trainBc`. */
export type BcKind = "diffusion" | "flow" | "gaussian";

/** Settings of one behaviour-cloning run. */
export interface BcRun {
  kind: BcKind;
  steps: number;
  hidden: number[];
  batch?: number;
  /** Peak Adam learning rate, cosine-decayed to 5% over the run (default 3e-3). */
  lr?: number;
  seed?: number;
}

/** Outcome of a run: the head and parameters, wall-clock seconds of training, and the loss averaged over the last 10%. */
export interface BcResult {
  head: PolicyHead<any>;
  params: unknown;
  trainSeconds: number;
  finalLoss: number;
}

/**
 * Fits a head to 8gaussians with obs = zeros(1) by behaviour cloning: ε-MSE (diffusion: 20 DDPM steps, continuous
 * cosine), conditional flow matching (flow: 10 midpoint steps) or Gaussian NLL, Adam, a fresh batch per step, one jitted
 * train step. Generative heads use a 16-d Fourier time embedding, the raw observation and actions clipped to ±4.
 */
export function trainBc(run: BcRun): BcResult {
  const batch = run.batch ?? 256;
  const net = { obsDim: 1, actDim: 2, hidden: run.hidden, timeDim: 16, obsEmbed: [] as number[], actionBound: 4 };
  const head =
    run.kind === "diffusion" ? diffusionHead({ ...net, steps: 20 }) : run.kind === "flow" ? flowHead({ ...net, steps: 10, method: "midpoint" }) : gaussianHead({ obsDim: 1, actDim: 2, hidden: run.hidden });
  const obs = np.zeros([batch, 1]);
  const loss = (p: any, key: Array): Array => {
    const actions = eightGaussians(random.foldIn(key, 7), batch);
    if (run.kind === "diffusion") return diffusionBcLoss(head as ReturnType<typeof diffusionHead>, p, key, obs, actions);
    if (run.kind === "flow") return flowBcLoss(head as ReturnType<typeof flowHead>, p, key, obs, actions);
    return nllBcLoss(head as GaussianHead, p, obs, actions);
  };
  const opt = optim.adam(optim.cosineDecaySchedule(run.lr ?? 3e-3, run.steps, 0.05));
  let params = head.init(random.key(run.seed ?? 0));
  let state = opt.init(params);
  const step = jit((p: any, s: any, key: Array) => {
    const [l, g] = valueAndGrad(loss)(p, key);
    const [u, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), s2, l] as const;
  });
  const dataKey = random.key(1000 + (run.seed ?? 0));
  let tail = 0;
  const tailFrom = Math.floor(run.steps * 0.9);
  const t0 = performance.now();
  for (let i = 0; i < run.steps; i++) {
    const [p, s, l] = step(params, state, random.foldIn(dataKey, i));
    params = p;
    state = s;
    if (i >= tailFrom) tail += l.item();
  }
  return { head, params, trainSeconds: (performance.now() - t0) / 1000, finalLoss: tail / (run.steps - tailFrom) };
}

/** Metrics of n samples from a fitted head against fresh data: mode fractions and MMD² (RBF, h = 0.5). */
export function evaluateBc(result: BcResult, n = 2000, seed = 3): { modes: number[]; mmd2: number; sampleSeconds: number } {
  const t0 = performance.now();
  const x = jit((k: Array) => result.head.sample(k, result.params, np.zeros([n, 1])))(random.key(seed));
  const sampleSeconds = (performance.now() - t0) / 1000;
  return { modes: modeFractions(x), mmd2: mmd2(x, eightGaussians(random.key(seed + 1), n), 0.5, n), sampleSeconds };
}
