// Trajectory windows of length T with return-to-go labels, sampled by key from a flat dataset of episodes (for world models such as DWM).
import { type Array, DriftError, np, random, tree } from "@drift/tensor";
import { discountedCumsum } from "./returns.ts";
import { asFloat, checkFinite, checkInt, describe, floatDtype, leafPaths } from "./util.ts";

/** Options of `makeWindows`. */
export interface WindowOptions {
  /** Window length T (DWM uses 8). */
  length: number;
  /** Discount γ of the return-to-go labels. */
  gamma: number;
  /**
   * "window" (default): the truncated discounted sum over the window, gₜ = Σ_{h<T} γʰ·rₜ₊ₕ (DWM Alg. 17);
   * "episode": the discounted return to the end of the episode, gₜ = Σ_{t'≥t} γ^{t'−t}·r_{t'}.
   */
  rtg?: "window" | "episode";
  /** Divide the labels by this reward scale (default 1; DWM uses 400 Hopper, 550 Walker, 1200 HalfCheetah). */
  rewardScale?: number;
}

/** A window index over a dataset: start rows of every valid window, their RTG labels and the data they read. */
export interface Windows<T> {
  /** The dataset: leaves [N, ...] in time order, episodes one after another. */
  data: T;
  /** First row of each valid window (int32 [M]). */
  starts: Array;
  /** Return-to-go label of each window (float [M]). */
  rtg: Array;
  /** Window length T. */
  length: number;
}

/**
 * Indexes every window of `length` consecutive rows that stays inside one episode. `data` holds the episodes back
 * to back (leaves [N, ...]); `rewards` [N] and `dones` [N] (bool or 0/1: the episode ended at that row by termination
 * or time limit) delimit them, and the dataset end closes the last episode. A window may end on a done row but not
 * contain one earlier. Computed eagerly (needs concrete `dones`).
 */
export function makeWindows<T>(data: T, rewards: Array, dones: Array, opts: WindowOptions): Windows<T> {
  const op = "makeWindows";
  const leaves = tree.leaves(data);
  if (leaves.length === 0) throw new DriftError(op, `data must be a pytree of arrays; got ${describe(data)}`);
  if (!(rewards instanceof np.Array) || rewards.ndim !== 1) throw new DriftError(op, `rewards must have shape [N]; got ${describe(rewards)}`);
  const N = rewards.shape[0]!;
  if (!(dones instanceof np.Array) || dones.ndim !== 1 || dones.shape[0] !== N) throw new DriftError(op, `dones must have shape [${N}]; got ${describe(dones)}`);
  const paths = leafPaths(data);
  leaves.forEach((x, i) => {
    if (x.shape[0] !== N) throw new DriftError(op, `leaf '${paths[i]}' has ${x.shape[0] ?? "no"} rows; expected ${N} (one per reward)`);
  });
  checkInt(op, "length", opts?.length, 1);
  checkFinite(op, "gamma", opts.gamma);
  const scale = opts.rewardScale ?? 1;
  checkFinite(op, "rewardScale", scale);
  const L = opts.length;
  const done = dones.dataSync();
  const starts: number[] = [];
  const doneBefore = new Int32Array(N + 1); // doneBefore[i] = number of done rows in [0, i)
  for (let i = 0; i < N; i++) doneBefore[i + 1] = doneBefore[i]! + (done[i] ? 1 : 0);
  // Valid start s: no done row among s … s + L − 2.
  for (let s = 0; s + L <= N; s++) if (doneBefore[s + L - 1]! - doneBefore[s]! === 0) starts.push(s);
  if (starts.length === 0) throw new DriftError(op, `no window of length ${L} fits inside an episode (${N} rows)`);
  const startArr = np.array(starts, { dtype: "int32" });
  const dtype = floatDtype(rewards);
  let rtg: Array;
  if ((opts.rtg ?? "window") === "window") {
    const rows = np.add(np.expandDims(startArr, 1), np.arange(L, undefined, 1, { dtype: "int32" }));
    const powers = np.array(globalThis.Array.from({ length: L }, (_, h) => opts.gamma ** h), { dtype });
    rtg = np.sum(np.mul(np.take(asFloat(rewards, dtype), rows, 0), powers), 1);
  } else if (opts.rtg === "episode") {
    const toEnd = discountedCumsum(asFloat(rewards, dtype), np.mul(opts.gamma, np.sub(1, asFloat(dones, dtype))));
    rtg = np.take(toEnd, startArr, 0);
  } else throw new DriftError(op, `rtg must be "window" or "episode"; got ${JSON.stringify(opts.rtg)}`);
  return { data, starts: startArr, rtg: np.div(rtg, scale), length: L };
}

/**
 * Draws `batchSize` windows uniformly (with replacement) by `key`: every leaf of the dataset gathered as
 * [batchSize, T, ...], plus `rtg` [batchSize] (the labels) and `start` [batchSize] (first rows). Jittable.
 */
export function sampleWindows<T>(windows: Windows<T>, key: Array, batchSize: number): { data: T; rtg: Array; start: Array } {
  checkInt("sampleWindows", "batchSize", batchSize, 1);
  const M = windows.starts.shape[0]!;
  const pick = random.randint(key, [batchSize], 0, M);
  const start = np.take(windows.starts, pick, 0);
  const rows = np.add(np.expandDims(start, 1), np.arange(windows.length, undefined, 1, { dtype: "int32" }));
  return { data: tree.map((x) => np.take(x, rows, 0), windows.data), rtg: np.take(windows.rtg, pick, 0), start };
}
