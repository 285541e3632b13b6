// Forward noising q(x_t | x_0), training-time sampling, the flow-matching path, and ε / x0 / v / score conversions.
import { DriftError, np, random, type Array, type DType } from "@drift/tensor";
import type { DiscreteSchedule, NoiseSchedule } from "./schedules.ts";

/** What a denoising model predicts: the noise ε, the clean sample x_0, the velocity v = α·ε − σ·x_0, or the score ∇ log p_t. */
export type Prediction = "eps" | "x0" | "v" | "score";
/** Every `Prediction`, for validation messages. */
export const PREDICTIONS: readonly Prediction[] = ["eps", "x0", "v", "score"];

/** Throws a DriftError listing the valid parameterizations unless `p` is one. */
export function checkPrediction(op: string, p: string): asserts p is Prediction {
  if (!(PREDICTIONS as readonly string[]).includes(p))
    throw new DriftError(op, `unknown prediction "${p}"; valid parameterizations: ${PREDICTIONS.join(", ")}`);
}

/** x_t = α·x_0 + σ·ε (Ho et al. 2020 eq. 4; FlowRL eq. 5), with α, σ broadcasting against x_0. */
export function addNoise(x0: Array, eps: Array, alpha: Array | number, sigma: Array | number): Array {
  return np.add(np.mul(x0, alpha), np.mul(eps, sigma));
}

/** Reshapes per-example times [...b] to [...b, 1, …] so they broadcast against `x` of rank ≥ t's rank. */
export function expandTime(t: Array, x: Array): Array {
  if (t.ndim > x.ndim) throw new DriftError("expandTime", `t has rank ${t.ndim} but x has rank ${x.ndim}; t must index x's leading axes`);
  return np.reshape(t, [...t.shape, ...globalThis.Array.from({ length: x.ndim - t.ndim }, () => 1)]);
}

/** The noisy sample, the noise used and α, σ at the per-example times. */
export interface NoisedSample {
  xt: Array;
  eps: Array;
  alpha: Array;
  sigma: Array;
}

/**
 * Samples q(x_t | x_0) = N(α(t)x_0, σ(t)²I) at times `t` (shape = x_0's leading axes, or a scalar), drawing ε ~ N(0, I)
 * with `key`. α, σ come back shaped to broadcast against x_0.
 */
export function qSample(key: Array, schedule: NoiseSchedule, x0: Array, t: Array): NoisedSample {
  const eps = random.normal(key, x0.shape, { dtype: x0.dtype });
  const [a, s] = schedule.alphaSigma(expandTime(t, x0));
  const alpha = np.astype(a, x0.dtype);
  const sigma = np.astype(s, x0.dtype);
  return { xt: addNoise(x0, eps, alpha, sigma), eps, alpha, sigma };
}

/** Options of `sampleTrainingTimes`. */
export interface TrainingTimesOptions {
  /** Float dtype of the times (default float32). */
  dtype?: DType;
  /** EDM log-normal σ: mean and std of log σ (defaults −1.2 and 1.2, Karras et al. 2022 Table 1). */
  pMean?: number;
  pStd?: number;
}

/**
 * Training times for denoising score matching: discrete — k ~ U{1..K} (Ho et al. 2020 Alg. 1); continuous —
 * t ~ U(t_min, t_max) (FlowRL `add_noise`); edm — log σ ~ N(P_mean, P_std²) (Karras et al. 2022 §5, Table 1).
 */
export function sampleTrainingTimes(key: Array, schedule: NoiseSchedule, shape: readonly number[], opts: TrainingTimesOptions = {}): Array {
  const dtype = opts.dtype ?? "float32";
  if (schedule.kind === "discrete")
    return np.astype(random.randint(key, shape as number[], 1, (schedule as DiscreteSchedule).numSteps + 1), dtype);
  if (schedule.kind === "edm") return np.exp(np.add(np.mul(random.normal(key, shape as number[], { dtype }), opts.pStd ?? 1.2), opts.pMean ?? -1.2));
  return random.uniform(key, shape as number[], { dtype, minval: schedule.tMin, maxval: schedule.tMax });
}

/**
 * Converts a prediction of kind `from` at x_t into the pair [ε̂, x̂_0], for any α, σ (not only α² + σ² = 1):
 * eps: x̂_0 = (x − σε)/α; x0: ε̂ = (x − αx_0)/σ; v (= αε − σx_0, Salimans & Ho 2022 §4):
 * x̂_0 = (αx − σv)/(α² + σ²), ε̂ = (σx + αv)/(α² + σ²); score: ε̂ = −σ·score, since ∇log q(x_t|x_0) = −ε/σ
 * (FlowRL eq. 7; Tweedie's formula E[x_0|x_t] = (x_t + σ²∇log p_t)/α).
 */
export function toEpsX0(pred: Array, from: Prediction, xt: Array, alpha: Array | number, sigma: Array | number): [Array, Array] {
  switch (from) {
    case "eps":
      return [pred, np.div(np.sub(xt, np.mul(pred, sigma)), alpha)];
    case "x0":
      return [np.div(np.sub(xt, np.mul(pred, alpha)), sigma), pred];
    case "v": {
      const norm = typeof alpha === "number" && typeof sigma === "number" ? alpha * alpha + sigma * sigma : np.add(np.square(alpha), np.square(sigma));
      return [
        np.div(np.add(np.mul(xt, sigma), np.mul(pred, alpha)), norm),
        np.div(np.sub(np.mul(xt, alpha), np.mul(pred, sigma)), norm),
      ];
    }
    case "score": {
      const eps = np.neg(np.mul(pred, sigma));
      return [eps, np.div(np.sub(xt, np.mul(eps, sigma)), alpha)];
    }
    default:
      checkPrediction("toEpsX0", from);
      throw new DriftError("toEpsX0", "unreachable");
  }
}

/** The `to` parameterization from ε̂ and x̂_0: eps → ε, x0 → x_0, v → αε − σx_0, score → −ε/σ. */
export function fromEpsX0(eps: Array, x0: Array, to: Prediction, alpha: Array | number, sigma: Array | number): Array {
  switch (to) {
    case "eps":
      return eps;
    case "x0":
      return x0;
    case "v":
      return np.sub(np.mul(eps, alpha), np.mul(x0, sigma));
    case "score":
      return np.neg(np.div(eps, sigma));
    default:
      checkPrediction("fromEpsX0", to);
      throw new DriftError("fromEpsX0", "unreachable");
  }
}

/** Converts a model output at x_t from one parameterization to another (the identity when `from === to`). */
export function convertPrediction(pred: Array, from: Prediction, to: Prediction, xt: Array, alpha: Array | number, sigma: Array | number): Array {
  checkPrediction("convertPrediction", from);
  checkPrediction("convertPrediction", to);
  if (from === to) return pred;
  const [eps, x0] = toEpsX0(pred, from, xt, alpha, sigma);
  return fromEpsX0(eps, x0, to, alpha, sigma);
}

/**
 * The regression target of a denoising loss for a model of parameterization `kind`, given the clean sample and the
 * noise that made x_t = αx_0 + σε: ε, x_0, v = αε − σx_0, or the conditional score −ε/σ (FlowRL eq. 7).
 */
export function predictionTarget(kind: Prediction, x0: Array, eps: Array, alpha: Array | number, sigma: Array | number): Array {
  checkPrediction("predictionTarget", kind);
  return fromEpsX0(eps, x0, kind, alpha, sigma);
}

/**
 * The linear flow-matching / rectified-flow path x_t = (1 − t)·x_0 + t·x_1 from noise x_0 (t = 0) to data x_1 (t = 1),
 * and its conditional velocity x_1 − x_0 (Lipman et al. 2023 eq. 23 with σ_min = 0; Liu et al. 2023; FlowRL CNF).
 * `t` has x's leading axes (or is a scalar).
 */
export function flowPath(x0: Array, x1: Array, t: Array | number): { xt: Array; velocity: Array } {
  const tt = typeof t === "number" ? t : np.astype(expandTime(t, x1), x1.dtype);
  return { xt: np.add(np.mul(x0, np.sub(1, tt)), np.mul(x1, tt)), velocity: np.sub(x1, x0) };
}
