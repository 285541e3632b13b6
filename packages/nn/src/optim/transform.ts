// Gradient transformations (after optax's transform, accumulation, adding and clipping modules): Adam, RMS, momentum, scaling, weight decay, clipping.
import { type Array, DriftError, np, tree } from "@drift/tensor";
import {
  type EmptyState,
  type GradientTransformation,
  type ScalarOrSchedule,
  type Schedule,
  type ScheduleState,
  asLeafDType,
  checkDecay,
  checkNonNegative,
  checkPositive,
  checkScalarOrSchedule,
  constLike,
  fullLikeTree,
  safeIncrement,
  treeMap,
  zeroCount,
  zerosLikeTree,
} from "./base.ts";
import { type Mask, type MaskedState, masked } from "./combine.ts";

/** m / (1 − decay^t), with `decay^t` computed in the moment's dtype (t = the int32 step count). */
function biasCorrect(m: Array, decay: number, count: Array): Array {
  return np.div(m, np.sub(1, np.pow(constLike(decay, m), np.astype(count, m.dtype))));
}

/** (1 − decay)·g + decay·m: the exponential moving average of a first moment. */
function emaMoment(g: Array, m: Array, decay: number): Array {
  return np.add(np.mul(constLike(1 - decay, g), g), np.mul(constLike(decay, m), m));
}

/** (1 − decay)·g² + decay·v: the exponential moving average of a second moment. */
function emaSquare(g: Array, v: Array, decay: number): Array {
  return np.add(np.mul(constLike(1 - decay, g), np.square(g)), np.mul(constLike(decay, v), v));
}

/** Multiplies every update by the fixed number `stepSize` (optax.scale). */
export function scale(stepSize: number): GradientTransformation<EmptyState> {
  if (typeof stepSize !== "number" || !Number.isFinite(stepSize))
    throw new DriftError("scale", `stepSize must be a finite number; got ${String(stepSize)}`);
  return {
    init: () => [],
    update: (updates, state) => [tree.map((g) => np.mul(constLike(stepSize, g), g), updates), state],
  };
}

/**
 * Multiplies the updates by `stepSizeFn(count)`, where `count` is the number of updates made so far (0 on the
 * first call), kept in the state as an int32 scalar (optax.scale_by_schedule). The step size is cast to each leaf's dtype.
 */
export function scaleBySchedule(stepSizeFn: Schedule): GradientTransformation<ScheduleState> {
  if (typeof stepSizeFn !== "function") throw new DriftError("scaleBySchedule", `stepSizeFn must be a function of the step count; got ${typeof stepSizeFn}`);
  return {
    init: () => ({ count: zeroCount() }),
    update(updates, state) {
      const step = stepSizeFn(state.count);
      return [tree.map((g) => np.mul(asLeafDType(step, g), g), updates), { count: safeIncrement(state.count) }];
    },
  };
}

/**
 * Multiplies the updates by −lr (gradient descent), where `lr` is a number ≥ 0 or a schedule of the step count
 * (optax.scale_by_learning_rate). A schedule keeps its step count in the state.
 */
export function scaleByLearningRate(lr: number): GradientTransformation<EmptyState>;
export function scaleByLearningRate(lr: Schedule): GradientTransformation<ScheduleState>;
export function scaleByLearningRate(lr: ScalarOrSchedule): GradientTransformation<EmptyState | ScheduleState>;
export function scaleByLearningRate(lr: ScalarOrSchedule): GradientTransformation<any> {
  checkScalarOrSchedule("scaleByLearningRate", "lr", lr);
  if (typeof lr === "function")
    return scaleBySchedule((count) => {
      const v = lr(count);
      return typeof v === "number" ? -v : np.neg(v);
    });
  return scale(-lr);
}

/** Options of `scaleByAdam`. */
export interface ScaleByAdamOptions {
  /** Decay of the first-moment average, in [0, 1) (default 0.9). */
  b1?: number;
  /** Decay of the second-moment average, in [0, 1) (default 0.999). */
  b2?: number;
  /** Added to the denominator outside the square root, ≥ 0 (default 1e-8). */
  eps?: number;
  /** Added to the second moment inside the square root, ≥ 0 (default 0). */
  epsRoot?: number;
}

/** State of `scaleByAdam`: step count and the two moment averages. */
export interface ScaleByAdamState<T = unknown> {
  /** Number of updates made (int32 scalar). */
  count: Array;
  /** Average of the gradients. */
  mu: T;
  /** Average of the squared gradients. */
  nu: T;
}

/**
 * Rescales updates as Adam (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980; optax.scale_by_adam):
 * μ ← b1·μ + (1−b1)·g, ν ← b2·ν + (1−b2)·g², t ← t+1, μ̂ = μ/(1−b1ᵗ), ν̂ = ν/(1−b2ᵗ), u = μ̂ / (√(ν̂ + epsRoot) + eps).
 */
export function scaleByAdam(opts: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const op = "scaleByAdam";
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = opts;
  checkDecay(op, "b1", b1);
  checkDecay(op, "b2", b2);
  checkNonNegative(op, "eps", eps);
  checkNonNegative(op, "epsRoot", epsRoot);
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLikeTree(params), nu: zerosLikeTree(params) }),
    update(updates, state) {
      const mu = treeMap(op, ["updates", "state.mu"], (g, m) => emaMoment(g, m, b1), updates, state.mu);
      const nu = treeMap(op, ["updates", "state.nu"], (g, v) => emaSquare(g, v, b2), updates, state.nu);
      const count = safeIncrement(state.count);
      const out = treeMap(
        op,
        ["mu", "nu"],
        (m, v) => np.div(biasCorrect(m, b1, count), np.add(np.sqrt(np.add(biasCorrect(v, b2, count), constLike(epsRoot, v))), constLike(eps, v))),
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
}

/** Options of `scaleByRms` and `scaleByStddev`. */
export interface ScaleByRmsOptions {
  /** Decay of the squared-gradient average, in [0, 1) (default 0.9). */
  decay?: number;
  /** Stabiliser, ≥ 0 (default 1e-8). */
  eps?: number;
  /** Initial value of the second-moment average (default 0; TF1 uses 1). */
  initialScale?: number;
  /** Add `eps` inside the square root, as optax (default true); false gives PyTorch's 1/(√ν + eps). */
  epsInSqrt?: boolean;
}

/** State of `scaleByRms`. */
export interface ScaleByRmsState<T = unknown> {
  /** Average of the squared gradients. */
  nu: T;
}

function checkRms(op: string, opts: ScaleByRmsOptions): Required<ScaleByRmsOptions> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true } = opts;
  checkDecay(op, "decay", decay);
  checkNonNegative(op, "eps", eps);
  checkNonNegative(op, "initialScale", initialScale);
  return { decay, eps, initialScale, epsInSqrt };
}

/** 1/√(x + eps) or 1/(√x + eps). */
function invRoot(x: Array, eps: number, epsInSqrt: boolean): Array {
  const e = constLike(eps, x);
  return epsInSqrt ? np.rsqrt(np.add(x, e)) : np.div(1, np.add(np.sqrt(x), e));
}

/**
 * Divides updates by the root of the moving average of their squares (RMSProp, Hinton 2012; optax.scale_by_rms):
 * ν ← decay·ν + (1−decay)·g², u = g / √(ν + eps).
 */
export function scaleByRms(opts: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const op = "scaleByRms";
  const { decay, eps, initialScale, epsInSqrt } = checkRms(op, opts);
  return {
    init: (params) => ({ nu: fullLikeTree(params, initialScale) }),
    update(updates, state) {
      const nu = treeMap(op, ["updates", "state.nu"], (g, v) => emaSquare(g, v, decay), updates, state.nu);
      const out = treeMap(op, ["nu", "updates"], (v, g) => np.mul(invRoot(v, eps, epsInSqrt), g), nu, updates);
      return [out, { nu }];
    },
  };
}

/** State of `scaleByStddev`. */
export interface ScaleByStddevState<T = unknown> {
  /** Average of the gradients. */
  mu: T;
  /** Average of the squared gradients. */
  nu: T;
}

/**
 * Divides updates by the root of the centred second moment (centred RMSProp, Graves 2013,
 * https://arxiv.org/abs/1308.0850; optax.scale_by_stddev): μ ← decay·μ + (1−decay)·g, ν ← decay·ν + (1−decay)·g²,
 * u = g / √(ν − μ² + eps).
 */
export function scaleByStddev(opts: ScaleByRmsOptions = {}): GradientTransformation<ScaleByStddevState> {
  const op = "scaleByStddev";
  const { decay, eps, initialScale, epsInSqrt } = checkRms(op, opts);
  return {
    init: (params) => ({ mu: zerosLikeTree(params), nu: fullLikeTree(params, initialScale) }),
    update(updates, state) {
      const mu = treeMap(op, ["updates", "state.mu"], (g, m) => emaMoment(g, m, decay), updates, state.mu);
      const nu = treeMap(op, ["updates", "state.nu"], (g, v) => emaSquare(g, v, decay), updates, state.nu);
      const out = treeMap(
        op,
        ["mu", "nu", "updates"],
        (m, v, g) => np.mul(invRoot(np.sub(v, np.square(m)), eps, epsInSqrt), g),
        mu,
        nu,
        updates,
      );
      return [out, { mu, nu }];
    },
  };
}

/** Options of `trace`. */
export interface TraceOptions {
  /** Use Nesterov momentum: u = g + decay·m instead of u = m (default false). */
  nesterov?: boolean;
}

/** State of `trace`. */
export interface TraceState<T = unknown> {
  /** The momentum buffer. */
  trace: T;
}

/**
 * Momentum (Sutskever et al. 2013, http://proceedings.mlr.press/v28/sutskever13.pdf; optax.trace):
 * m ← g + decay·m; u = m, or u = g + decay·m with Nesterov.
 */
export function trace(decay: number, opts: TraceOptions = {}): GradientTransformation<TraceState> {
  const op = "trace";
  checkDecay(op, "decay", decay);
  const nesterov = opts.nesterov ?? false;
  return {
    init: (params) => ({ trace: zerosLikeTree(params) }),
    update(updates, state) {
      const step = (g: Array, t: Array): Array => np.add(g, np.mul(constLike(decay, t), t));
      const m = treeMap(op, ["updates", "state.trace"], step, updates, state.trace);
      const out = nesterov ? treeMap(op, ["updates", "trace"], step, updates, m) : m;
      return [out, { trace: m }];
    },
  };
}

/**
 * Adds `weightDecay · params` to the updates (decoupled weight decay, Loshchilov & Hutter 2019,
 * https://arxiv.org/abs/1711.05101; optax.add_decayed_weights). `weightDecay` is a number ≥ 0 or a schedule;
 * `mask` (a boolean tree or a function of the params) limits it to some leaves. `update` needs `params`.
 */
export function addDecayedWeights(weightDecay: ScalarOrSchedule, mask?: Mask): GradientTransformation<EmptyState | ScheduleState | MaskedState> {
  const op = "addDecayedWeights";
  checkScalarOrSchedule(op, "weightDecay", weightDecay);
  const inner: GradientTransformation<any> = {
    init: () => (typeof weightDecay === "function" ? { count: zeroCount() } : []),
    update(updates, state, params) {
      if (params === undefined) throw new DriftError(op, "update needs the params (call update(updates, state, params))");
      const next = typeof weightDecay === "function" ? { count: safeIncrement(state.count) } : state;
      if (weightDecay === 0) return [updates, next];
      const s = typeof weightDecay === "function" ? weightDecay(state.count) : weightDecay;
      const out = treeMap(op, ["updates", "params"], (g, p) => np.add(g, np.mul(asLeafDType(s, p), p)), updates, params);
      return [out, next];
    },
  };
  return mask === undefined ? inner : masked(inner, mask);
}

/** Clips every update element to [−maxDelta, maxDelta] (optax.clip). */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  checkNonNegative("clip", "maxDelta", maxDelta);
  return {
    init: () => [],
    update: (updates, state) => [tree.map((g) => np.clip(g, constLike(-maxDelta, g), constLike(maxDelta, g)), updates), state],
  };
}

/** The L2 norm of all leaves of a tree taken together, √(Σ‖leaf‖²) (optax.global_norm). */
export function globalNorm(t: unknown): Array {
  const squares = tree.leaves(t).map((x) => np.sum(np.square(x)));
  if (squares.length === 0) return np.zeros([]);
  return np.sqrt(squares.reduce((a, b) => np.add(a, b)));
}

/**
 * Rescales the updates so that their global norm is at most `maxNorm` (Pascanu et al. 2013,
 * https://arxiv.org/abs/1211.5063; optax.clip_by_global_norm): u = g if ‖g‖ < maxNorm else g/‖g‖ · maxNorm.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  checkPositive("clipByGlobalNorm", "maxNorm", maxNorm);
  return {
    init: () => [],
    update(updates, state) {
      if (tree.leaves(updates).length === 0) return [updates, state];
      const norm = globalNorm(updates);
      const below = np.less(norm, constLike(maxNorm, norm));
      return [tree.map((g) => np.where(below, g, np.mul(np.div(g, np.astype(norm, g.dtype)), constLike(maxNorm, g))), updates), state];
    },
  };
}
