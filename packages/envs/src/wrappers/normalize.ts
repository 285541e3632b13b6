// Observation and reward normalisation wrappers (Gymnasium's NormalizeObservation / NormalizeReward), statistics in the state.
import { type Array, np } from "@drift/tensor";
import { type Env, isVectorEnv } from "../types.ts";
import { inherit, scalarShape } from "./inherit.ts";

/** Running mean and variance (float64), as Gymnasium's RunningMeanStd: initial mean 0, var 1, count 1e-4. */
export interface RunningMeanStd {
  /** Mean, per element. */
  mean: Array;
  /** Population variance, per element. */
  var: Array;
  /** Number of samples seen, plus 1e-4 (float64 scalar). */
  count: Array;
}

/** Fresh statistics for elements of `shape`. */
export function runningMeanStd(shape: readonly number[]): RunningMeanStd {
  return { mean: np.zeros(shape, { dtype: "float64" }), var: np.ones(shape, { dtype: "float64" }), count: np.array(1e-4, { dtype: "float64" }) };
}

/**
 * Merges a batch (leading axis = samples) into the statistics with Chan et al.'s parallel update:
 * δ = x̄ − μ, N = n + m, μ' = μ + δ·m/N, σ'² = (σ²·n + s²·m + δ²·n·m/N)/N. With `mask` (bool [m]) only the
 * selected samples count, and a batch with none selected leaves the statistics unchanged (jit/vmap-safe).
 */
export function updateRunningMeanStd(rms: RunningMeanStd, batch: Array, mask?: Array): RunningMeanStd {
  const x = np.astype(batch, "float64");
  if (!mask) return merge(rms, np.mean(x, 0), np.var(x, 0), x.shape[0]!);
  const w = np.reshape(np.astype(mask, "float64"), [x.shape[0]!, ...new globalThis.Array(x.ndim - 1).fill(1)]);
  const m = np.sum(w);
  const safe = np.maximum(m, 1);
  const bMean = np.div(np.sum(np.mul(w, x), 0), safe);
  const bVar = np.div(np.sum(np.mul(w, np.square(np.sub(x, bMean))), 0), safe);
  const merged = merge(rms, bMean, bVar, m);
  const any = np.greater(m, 0);
  return { mean: np.where(any, merged.mean, rms.mean), var: np.where(any, merged.var, rms.var), count: np.where(any, merged.count, rms.count) };
}

function merge(rms: RunningMeanStd, bMean: Array, bVar: Array, m: number | Array): RunningMeanStd {
  const delta = np.sub(bMean, rms.mean);
  const total = np.add(rms.count, m);
  const mean = np.add(rms.mean, np.div(np.mul(delta, m), total));
  const m2 = np.add(np.add(np.mul(rms.var, rms.count), np.mul(bVar, m)), np.div(np.mul(np.mul(np.square(delta), rms.count), m), total));
  return { mean, var: np.div(m2, total), count: total };
}

/** Options of the normalisation wrappers. */
export interface NormalizeOptions {
  /** Added to the variance before the square root (1e-8). */
  epsilon?: number;
  /** Update the statistics (true); false freezes them, e.g. for evaluation with trained statistics. */
  update?: boolean;
}

/** State of `normalizeObservation`. */
export interface NormalizeObservationState<S> {
  /** The wrapped env's state. */
  env: S;
  /** Observation statistics. */
  rms: RunningMeanStd;
}

/**
 * Normalises observations to (obs − μ)/√(σ² + ε) with running statistics updated on every reset and step
 * observation, as Gymnasium's NormalizeObservation (float32 out). On a vector env the statistics are shared by
 * all copies and updated with the whole batch, as Gymnasium's vector wrapper and purejaxrl's NormalizeVecObservation.
 * The statistics live in the state and start fresh at `reset`: keep this wrapper outside `autoReset`.
 * `info.finalObservation` (from a SameStep autoReset below) stays unnormalised.
 */
export function normalizeObservation<S, P>(env: Env<S, P>, opts: NormalizeOptions = {}): Env<NormalizeObservationState<S>, P> {
  const eps = opts.epsilon ?? 1e-8;
  const update = opts.update ?? true;
  const batched = isVectorEnv(env);
  const apply = (rms: RunningMeanStd, obs: Array): [Array, RunningMeanStd] => {
    const next = update ? updateRunningMeanStd(rms, batched ? obs : np.expandDims(obs, 0)) : rms;
    const z = np.div(np.sub(np.astype(obs, "float64"), next.mean), np.sqrt(np.add(next.var, eps)));
    return [np.astype(z, "float32"), next];
  };
  return {
    ...inherit(env),
    reset(key, params) {
      const r = env.reset(key, params);
      const [obs, rms] = apply(runningMeanStd(batched ? r.obs.shape.slice(1) : r.obs.shape), r.obs);
      return { obs, state: { env: r.state, rms } };
    },
    step(key, state, action, params) {
      const r = env.step(key, state.env, action, params);
      const [obs, rms] = apply(state.rms, r.obs);
      return { ...r, obs, state: { env: r.state, rms } };
    },
  };
}

/** Options of `normalizeReward`. */
export interface NormalizeRewardOptions extends NormalizeOptions {
  /** Discount of the return whose variance is tracked (0.99). */
  gamma?: number;
  /**
   * The autoreset mode of the env below, for Gymnasium 1.4's vector semantics: "NextStep" skips the reset step
   * after a finished episode (no return update, no statistics update); "SameStep" restarts the return at 0 after
   * every finished step. Omit it for the single-env formula.
   */
  autoresetMode?: "NextStep" | "SameStep";
}

/** State of `normalizeReward`. */
export interface NormalizeRewardState<S> {
  /** The wrapped env's state. */
  env: S;
  /** Discounted return accumulator, per copy (float64). */
  discounted: Array;
  /** Statistics of `discounted` (scalar mean/var). */
  rms: RunningMeanStd;
  /** Whether each copy's previous step terminated or truncated. */
  prevDone: Array;
}

/**
 * Scales rewards by 1/√(Var[G] + ε), where G ← γ·G·(1 − terminated) + r is a running discounted return, as
 * Gymnasium 1.x's NormalizeReward (no mean subtraction; without `autoresetMode`, G is not reset on truncation).
 * On a vector env the statistics are shared and updated with all copies' G at once, and `autoresetMode` gives the
 * vector wrapper's handling of autoreset steps. G and the statistics start fresh at `reset`: keep it outside `autoReset`.
 */
export function normalizeReward<S, P>(env: Env<S, P>, opts: NormalizeRewardOptions = {}): Env<NormalizeRewardState<S>, P> {
  const eps = opts.epsilon ?? 1e-8;
  const gamma = opts.gamma ?? 0.99;
  const update = opts.update ?? true;
  const mode = opts.autoresetMode;
  const shape = scalarShape(env);
  return {
    ...inherit(env),
    reset(key, params) {
      const r = env.reset(key, params);
      const state = { env: r.state, discounted: np.zeros(shape, { dtype: "float64" }), rms: runningMeanStd([]), prevDone: np.zeros(shape, { dtype: "bool" }) };
      return { obs: r.obs, state };
    },
    step(key, state, action, params) {
      const r = env.step(key, state.env, action, params);
      const reward = np.astype(r.reward, "float64");
      const notTerminated = np.sub(1, np.astype(r.terminated, "float64"));
      const active = mode === "NextStep" ? np.logicalNot(state.prevDone) : np.ones(shape, { dtype: "bool" });
      const next = np.add(np.mul(np.mul(state.discounted, gamma), notTerminated), reward);
      const g = np.where(active, next, state.discounted);
      const rms = update ? updateRunningMeanStd(state.rms, np.reshape(g, [-1]), mode === "NextStep" ? np.reshape(active, [-1]) : undefined) : state.rms;
      const done = np.logicalOr(r.terminated, r.truncated);
      const discounted = mode === "SameStep" ? np.where(done, 0, g) : g;
      const scaled = np.astype(np.div(reward, np.sqrt(np.add(rms.var, eps))), "float32");
      return { ...r, reward: scaled, state: { env: r.state, discounted, rms, prevDone: done } };
    },
  };
}
