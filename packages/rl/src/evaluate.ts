// Evaluation loop over a functional env (episodes side by side under vmap), episode statistics and an in-loop episode tracker.
import { type Array, DriftError, jit, np, random, tree, vmap } from "@drift/tensor";
import type { Env, PolicyFn } from "./env.ts";
import { checkInt, describe } from "./util.ts";

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Number of episodes to run. */
  episodes: number;
  /** Pass `deterministic = true` to the policy (default true). */
  deterministic?: boolean;
  /** Steps after which an unfinished episode is cut and reported as not completed (default 10000). */
  maxSteps?: number;
  /** Episodes run side by side in one vmapped step (default: all of them). Results do not depend on it. */
  parallel?: number;
  /** Compile the vmapped policy + env step with `jit` (default true; turn off for envs that cannot be traced). */
  jit?: boolean;
}

/** Result of `evaluate`: per-episode undiscounted returns and lengths, in episode order. */
export interface EvaluateResult {
  returns: number[];
  lengths: number[];
  /** False for episodes cut at `maxSteps` before they terminated or were truncated by the env. */
  completed: boolean[];
}

/**
 * Runs `episodes` evaluation episodes of `env` under `policyFn` and returns their undiscounted returns and lengths.
 * Episode j uses key `foldIn(key, j)` (reset, then per step t `foldIn(·, t)` split into policy and env keys), so the
 * results are the same for any `parallel`. An episode ends at its first terminated or truncated step; later steps of
 * an auto-resetting env are ignored. `policyFn` takes one observation (it is vmapped over episodes).
 */
export function evaluate<S, P, O, A>(env: Env<S, P, O, A>, envParams: P, policyFn: PolicyFn<O, A>, key: Array, opts: EvaluateOptions): EvaluateResult {
  const op = "evaluate";
  if (typeof env?.reset !== "function" || typeof env.step !== "function") throw new DriftError(op, `env must have reset(key, params) and step(key, state, action, params); got ${describe(env)}`);
  if (typeof policyFn !== "function") throw new DriftError(op, `policyFn must be a function (key, obs, deterministic) → action; got ${describe(policyFn)}`);
  checkInt(op, "episodes", opts?.episodes, 1);
  const maxSteps = opts.maxSteps ?? 10_000;
  checkInt(op, "maxSteps", maxSteps, 1);
  const parallel = Math.min(opts.parallel ?? opts.episodes, opts.episodes);
  checkInt(op, "parallel", parallel, 1);
  const deterministic = opts.deterministic ?? true;
  const useJit = opts.jit ?? true;

  const resetOne = (k: Array) => {
    const { obs, state } = env.reset(random.foldIn(k, 0x7fffffff), envParams);
    return { obs, state };
  };
  const stepOne = (k: Array, t: Array, state: S, obs: O) => {
    const keys = random.split(random.foldIn(k, t), 2);
    const action = policyFn(np.reshape(np.slice(keys, [0, 1]), [2]), obs, deterministic);
    const out = env.step(np.reshape(np.slice(keys, [1, 2]), [2]), state, action, envParams);
    return { obs: out.obs, state: out.state, reward: out.reward, done: np.logicalOr(out.terminated.astype("bool"), out.truncated.astype("bool")) };
  };
  // Traceable envs step all episodes in one vmapped (and jitted) call; others loop over episodes with the same keys.
  const sequential = env.traceable === false;
  const resetAll = sequential ? loopOver(resetOne, [true]) : vmap(resetOne);
  const stepAll = sequential ? loopOver(stepOne, [true, false, true, true]) : vmap(stepOne, { inAxes: [0, null, 0, 0] });
  const reset = useJit && !sequential ? jit(resetAll) : resetAll;
  const step = useJit && !sequential ? jit(stepAll) : stepAll;

  const returns: number[] = [];
  const lengths: number[] = [];
  const completed: boolean[] = [];
  for (let first = 0; first < opts.episodes; first += parallel) {
    const E = Math.min(parallel, opts.episodes - first);
    const keys = np.stack(globalThis.Array.from({ length: E }, (_, j) => random.foldIn(key, first + j)));
    let { obs, state } = reset(keys);
    const ret = new Float64Array(E);
    const len = new Int32Array(E);
    const done = new Uint8Array(E);
    let remaining = E;
    for (let t = 0; t < maxSteps && remaining > 0; t++) {
      const out = step(keys, np.array(t, { dtype: "int32" }), state, obs);
      obs = out.obs;
      state = out.state;
      const r = np.reshape(out.reward, [E]).dataSync();
      const d = np.reshape(out.done, [E]).dataSync();
      for (let j = 0; j < E; j++) {
        if (done[j]) continue;
        ret[j]! += r[j]!;
        len[j]! += 1;
        if (d[j]) {
          done[j] = 1;
          remaining--;
        }
      }
    }
    for (let j = 0; j < E; j++) {
      returns.push(ret[j]!);
      lengths.push(len[j]!);
      completed.push(done[j] === 1);
    }
  }
  return { returns, lengths, completed };
}

/** Applies `f` to each member of the mapped arguments (leading axis) in a JS loop and stacks the results, like vmap. */
function loopOver<F extends (...args: any[]) => any>(f: F, mapped: readonly boolean[]): (...args: Parameters<F>) => ReturnType<F> {
  return ((...args: any[]) => {
    const n = tree.leaves(args.find((_, i) => mapped[i]))[0]!.shape[0]!;
    const outs = globalThis.Array.from({ length: n }, (_, j) =>
      f(...args.map((a, i) => (mapped[i] ? tree.map((x: Array) => np.reshape(np.slice(x, [j, j + 1]), x.shape.slice(1)), a) : a))),
    );
    return tree.map((...xs: Array[]) => np.stack(xs), outs[0], ...outs.slice(1));
  }) as (...args: Parameters<F>) => ReturnType<F>;
}

/** Summary statistics of a set of episodes. */
export interface EpisodeStats {
  count: number;
  returnMean: number;
  /** Population standard deviation of the returns. */
  returnStd: number;
  returnMin: number;
  returnMax: number;
  lengthMean: number;
}

/** Mean, standard deviation, min and max of episode returns and the mean length (NaN fields for no episodes). */
export function episodeStats(result: { returns: readonly number[]; lengths: readonly number[] }): EpisodeStats {
  const { returns, lengths } = result;
  if (returns.length !== lengths.length) throw new DriftError("episodeStats", `returns (${returns.length}) and lengths (${lengths.length}) must have the same length`);
  const n = returns.length;
  const mean = (xs: readonly number[]) => (n === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / n);
  const m = mean(returns);
  return {
    count: n,
    returnMean: m,
    returnStd: n === 0 ? NaN : Math.sqrt(returns.reduce((a, r) => a + (r - m) ** 2, 0) / n),
    returnMin: n === 0 ? NaN : Math.min(...returns),
    returnMax: n === 0 ? NaN : Math.max(...returns),
    lengthMean: mean(lengths),
  };
}

/** Running per-environment episode return and length (float64 [N] and int32 [N]), as Gymnasium's RecordEpisodeStatistics. */
export interface EpisodeTrackerState {
  returns: Array;
  lengths: Array;
}

/** A tracker for `numEnvs` environments with nothing accumulated. */
export function episodeTrackerInit(numEnvs: number): EpisodeTrackerState {
  checkInt("episodeTrackerInit", "numEnvs", numEnvs, 1);
  return { returns: np.zeros([numEnvs], { dtype: "float64" }), lengths: np.zeros([numEnvs], { dtype: "int32" }) };
}

/**
 * Folds one vector-env step into the tracker: adds `reward` [N] and one step, and where `done` [N] (terminated ∨
 * truncated) reports the finished episode and restarts the count. Returns the new state and `{done, returns,
 * lengths}` where `returns`/`lengths` hold the finished episodes' values (0 elsewhere). Pure: jittable, vmappable.
 */
export function episodeTrackerUpdate(state: EpisodeTrackerState, reward: Array, done: Array): [EpisodeTrackerState, { done: Array; returns: Array; lengths: Array }] {
  const ret = np.add(state.returns, reward.astype("float64"));
  const len = np.add(state.lengths, 1);
  const d = done.astype("bool");
  return [
    { returns: np.where(d, 0, ret), lengths: np.where(d, 0, len) },
    { done: d, returns: np.where(d, ret, 0), lengths: np.where(d, len, 0) },
  ];
}
