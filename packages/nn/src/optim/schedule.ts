// Learning-rate schedules (after optax.schedules): pure functions of a step-count array, so they trace under jit and vmap.
import { type Array, DriftError, np } from "@drift/tensor";
import { checkInteger, checkPositive, constLike } from "./base.ts";

/** A built-in schedule: takes the step count (an array or a JS number) and returns a scalar array. */
export type StepSchedule = (count: Array | number) => Array;

/**
 * The step count as a float array: float arrays keep their dtype, integer arrays and JS numbers become float32
 * (as JAX without x64). Pass a float64 count to evaluate a schedule in float64.
 */
function floatCount(count: Array | number): Array {
  if (typeof count === "number") return np.array(count, { dtype: "float32" });
  if (count.dtype === "float32" || count.dtype === "float64") return count;
  return np.astype(count, "float32");
}

function checkFinite(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new DriftError(op, `${name} must be a finite number; got ${String(value)}`);
}

/** The schedule that always returns `value`. */
export function constantSchedule(value: number): StepSchedule {
  checkFinite("constantSchedule", "value", value);
  return (count) => {
    const c = floatCount(count);
    return np.full(c.shape, value, { dtype: c.dtype });
  };
}

/**
 * Linear interpolation from `init` to `end` over `transitionSteps` steps starting at step `transitionBegin`
 * (optax.linear_schedule): v(t) = init + (end − init)·clip((t − begin)/steps, 0, 1), written as
 * (init − end)·(1 − clip(t − begin, 0, steps)/steps) + end. `transitionSteps` ≤ 0 gives the constant `init`, as optax.
 */
export function linearSchedule(init: number, end: number, transitionSteps: number, transitionBegin = 0): StepSchedule {
  const op = "linearSchedule";
  checkFinite(op, "init", init);
  checkFinite(op, "end", end);
  checkFinite(op, "transitionSteps", transitionSteps);
  checkInteger(op, "transitionBegin", transitionBegin, 0);
  if (transitionSteps <= 0) return constantSchedule(init);
  return (count) => {
    const t = floatCount(count);
    const k = (v: number) => constLike(v, t);
    const c = np.clip(np.sub(t, k(transitionBegin)), k(0), k(transitionSteps));
    const frac = np.sub(k(1), np.div(c, k(transitionSteps)));
    return np.add(np.mul(k(init - end), frac), k(end));
  };
}

/**
 * Cosine decay (Loshchilov & Hutter 2017, https://arxiv.org/abs/1608.03983; optax.cosine_decay_schedule):
 * v(t) = init·((1 − alpha)·½(1 + cos(π·min(t, T)/T)) + alpha) with T = `decaySteps` > 0.
 */
export function cosineDecaySchedule(init: number, decaySteps: number, alpha = 0): StepSchedule {
  const op = "cosineDecaySchedule";
  checkFinite(op, "init", init);
  checkPositive(op, "decaySteps", decaySteps);
  checkFinite(op, "alpha", alpha);
  return (count) => {
    const t = floatCount(count);
    const k = (v: number) => constLike(v, t);
    const c = np.minimum(t, k(decaySteps));
    const cosine = np.mul(k(0.5), np.add(k(1), np.cos(np.div(np.mul(k(Math.PI), c), k(decaySteps)))));
    return np.mul(k(init), np.add(np.mul(k(1 - alpha), cosine), k(alpha)));
  };
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay from `peak` to `end` until step
 * `decaySteps` (which counts the warmup; optax.warmup_cosine_decay_schedule).
 */
export function warmupCosineDecaySchedule(init: number, peak: number, warmupSteps: number, decaySteps: number, end = 0): StepSchedule {
  const op = "warmupCosineDecaySchedule";
  checkFinite(op, "init", init);
  checkFinite(op, "peak", peak);
  checkFinite(op, "end", end);
  checkInteger(op, "warmupSteps", warmupSteps, 0);
  if (typeof decaySteps !== "number" || !(decaySteps > warmupSteps))
    throw new DriftError(op, `decaySteps must be greater than warmupSteps (${warmupSteps}), since it includes the warmup; got ${String(decaySteps)}`);
  const warmup = linearSchedule(init, peak, warmupSteps);
  const decay = cosineDecaySchedule(peak, decaySteps - warmupSteps, peak === 0 ? 0 : end / peak);
  return (count) => {
    const t = floatCount(count);
    const w = constLike(warmupSteps, t);
    return np.where(np.less(t, w), warmup(t), decay(np.sub(t, w)));
  };
}

/** Options of `exponentialDecay`. */
export interface ExponentialDecayOptions {
  /** Decay in whole intervals of `transitionSteps` (integer powers) instead of continuously (default false). */
  staircase?: boolean;
  /** Steps before the decay starts; the value is `init` until then (default 0). */
  transitionBegin?: number;
  /** Bound the decay stops at: a lower bound when `decayRate` < 1, an upper bound otherwise. */
  endValue?: number;
}

/**
 * Exponential decay (optax.exponential_decay): with p = (t − begin)/`transitionSteps` (floored when `staircase`),
 * v(t) = init for t ≤ begin and init·decayRateᵖ afterwards, clipped at `endValue`. `transitionSteps` ≤ 0 or
 * `decayRate` = 0 give the constant `init`, as optax.
 */
export function exponentialDecay(init: number, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): StepSchedule {
  const op = "exponentialDecay";
  const { staircase = false, transitionBegin = 0, endValue } = opts;
  checkFinite(op, "init", init);
  checkFinite(op, "transitionSteps", transitionSteps);
  checkFinite(op, "decayRate", decayRate);
  if (decayRate < 0) throw new DriftError(op, `decayRate must be >= 0; got ${decayRate}`);
  checkInteger(op, "transitionBegin", transitionBegin, 0);
  if (endValue !== undefined) checkFinite(op, "endValue", endValue);
  if (transitionSteps <= 0 || decayRate === 0) return constantSchedule(init);
  return (count) => {
    const t = floatCount(count);
    const k = (v: number) => constLike(v, t);
    const since = np.sub(t, k(transitionBegin));
    let p = np.div(since, k(transitionSteps));
    if (staircase) p = np.floor(p);
    let v = np.where(np.lessEqual(since, k(0)), k(init), np.mul(k(init), np.pow(k(decayRate), p)));
    if (endValue !== undefined) v = decayRate < 1 ? np.maximum(v, k(endValue)) : np.minimum(v, k(endValue));
    return v;
  };
}
