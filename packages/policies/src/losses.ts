// Training losses of diffusion/flow policies: (weighted) ε-MSE, conditional flow matching, denoising score matching, pure and model-driven forms.
import { DriftError, jvp, np, random, type Array } from "@drift/tensor";
import { flowPath, qSample, sampleTrainingTimes, type NoisedSample } from "./noising.ts";
import type { NoiseSchedule } from "./schedules.ts";

/** Options of the MSE-type losses. */
export interface MseOptions {
  /** How each sample's feature axis is reduced: "mean" (default; the overall loss is then `mean((pred − target)²)`) or "sum" (‖·‖²). */
  reduceFeatures?: "mean" | "sum";
  /** Clip the element-wise squared error at this value before reducing (DPMD clips at 3, papers.md §2.3(d)). */
  clip?: number;
}

/** Options of the weighted losses. */
export interface WeightedMseOptions extends MseOptions {
  /** Divide by Σw instead of by the number of samples (default false: mean(w·e)). */
  normalize?: boolean;
}

function checkPair(op: string, pred: Array, target: Array): void {
  if (pred.ndim < 1 || pred.ndim !== target.ndim || pred.shape.some((n, i) => n !== target.shape[i]))
    throw new DriftError(op, `prediction and target must share one shape [..., d]; got [${pred.shape.join(",")}] and [${target.shape.join(",")}]`);
}

/** Per-sample squared error [...] of pred/target [..., d]. */
function sampleErrors(op: string, pred: Array, target: Array, opts: MseOptions): Array {
  checkPair(op, pred, target);
  const reduce = opts.reduceFeatures ?? "mean";
  if (reduce !== "mean" && reduce !== "sum") throw new DriftError(op, `reduceFeatures must be "mean" or "sum"; got ${JSON.stringify(reduce)}`);
  let se = np.square(np.sub(pred, target));
  if (opts.clip !== undefined) {
    if (!(opts.clip > 0)) throw new DriftError(op, `clip must be positive; got ${opts.clip}`);
    se = np.minimum(se, opts.clip);
  }
  return reduce === "mean" ? np.mean(se, -1) : np.sum(se, -1);
}

function checkWeights(op: string, weights: Array, batch: readonly number[]): void {
  const off = batch.length - weights.ndim;
  if (off < 0 || weights.shape.some((n, i) => n !== 1 && n !== batch[off + i]))
    throw new DriftError(op, `weights of shape [${weights.shape.join(",")}] must broadcast to the per-sample shape [${batch.join(",")}] (the prediction's leading axes)`);
}

function weightedMean(op: string, errors: Array, weights: Array | undefined, normalize: boolean): Array {
  if (!weights) return np.mean(errors);
  checkWeights(op, weights, errors.shape);
  const w = np.broadcastTo(np.astype(weights, errors.dtype), errors.shape);
  const total = np.sum(np.mul(w, errors));
  return normalize ? np.div(total, np.sum(w)) : np.div(total, errors.size);
}

/** ε-prediction MSE of DDPM (Ho et al. 2020, eq. 14; FlowRL eq. 8 in ε form): mean over samples of the reduced (ε̂ − ε)². */
export function epsMse(epsPred: Array, epsTarget: Array, opts: MseOptions = {}): Array {
  return np.mean(sampleErrors("epsMse", epsPred, epsTarget, opts));
}

/**
 * Weighted ε-MSE (FlowRL eq. 16 and its SDAC / DPMD / QVPO instances, papers.md §2.3(d)): mean_n w_n·e_n with e_n the
 * reduced squared error of sample n, or Σ w_n e_n / Σ w_n with `normalize`. `weights` broadcast to epsPred.shape[:-1].
 */
export function weightedEpsMse(epsPred: Array, epsTarget: Array, weights: Array, opts: WeightedMseOptions = {}): Array {
  return weightedMean("weightedEpsMse", sampleErrors("weightedEpsMse", epsPred, epsTarget, opts), weights, opts.normalize ?? false);
}

/** A point on a probability path and its conditional velocity target. */
export interface PathSample {
  xt: Array;
  velocity: Array;
}

/** Per-sample coefficient (number, [...] or [..., 1]) as something that broadcasts against x [..., d]. */
function coef(op: string, name: string, v: Array | number, x: Array): Array {
  if (typeof v === "number") return np.full([], v, { dtype: x.dtype });
  const c = v.dtype === x.dtype ? v : np.astype(v, x.dtype);
  if (c.ndim === x.ndim - 1 && c.shape.every((n, i) => n === x.shape[i])) return np.expandDims(c, -1);
  if (c.ndim <= x.ndim) return c;
  throw new DriftError(op, `${name} of shape [${c.shape.join(",")}] does not broadcast against x of shape [${x.shape.join(",")}]`);
}

/**
 * General Gaussian path x_t = α_t·x_data + σ_t·ε (FlowRL eq. 5) with conditional velocity α̇_t·x_data + σ̇_t·ε.
 * Coefficients are numbers or per-sample arrays ([...] or [..., 1]).
 */
export function alphaSigmaPath(
  xData: Array,
  noise: Array,
  alpha: Array | number,
  sigma: Array | number,
  dAlpha: Array | number,
  dSigma: Array | number,
): PathSample {
  const op = "alphaSigmaPath";
  checkPair(op, xData, noise);
  const [a, s, da, ds] = [alpha, sigma, dAlpha, dSigma].map((v, i) => coef(op, ["alpha", "sigma", "dAlpha", "dSigma"][i]!, v, xData)) as [Array, Array, Array, Array];
  return { xt: np.add(np.mul(a, xData), np.mul(s, noise)), velocity: np.add(np.mul(da, xData), np.mul(ds, noise)) };
}

/** Conditional flow-matching MSE ‖v̂ − v‖² (Lipman et al. 2023, eq. 23), optionally weighted per sample. */
export function cfmMse(vPred: Array, vTarget: Array, weights?: Array, opts: WeightedMseOptions = {}): Array {
  return weightedMean("cfmMse", sampleErrors("cfmMse", vPred, vTarget, opts), weights, opts.normalize ?? false);
}

/** Conditional score of the Gaussian perturbation kernel: ∇ log q(x_t|x_0) = −(x_t − α x_0)/σ² (FlowRL eq. 7). */
export function dsmTarget(xt: Array, x0: Array, alpha: Array | number, sigma: Array | number): Array {
  checkPair("dsmTarget", xt, x0);
  const a = coef("dsmTarget", "alpha", alpha, xt);
  const s = coef("dsmTarget", "sigma", sigma, xt);
  return np.neg(np.div(np.sub(xt, np.mul(a, x0)), np.square(s)));
}

/**
 * Denoising score matching (Vincent 2011; FlowRL eq. 8): mean_n λ_n·‖ŝ_n − ∇log q(x_t|x_0)‖²; `weights` λ broadcast to
 * the per-sample shape (λ = σ² turns it into ε-MSE). Features are summed by default here (the score norm).
 */
export function dsmMse(scorePred: Array, scoreTarget: Array, weights?: Array, opts: WeightedMseOptions = {}): Array {
  const o = { reduceFeatures: "sum" as const, ...opts };
  return weightedMean("dsmMse", sampleErrors("dsmMse", scorePred, scoreTarget, o), weights, o.normalize ?? false);
}

// ---------------------------------------------------------------------------------------------------------------
// Model-driven forms: draw t and noise with the schedules of ./schedules.ts, build the noised input, call the network.

/** A noise/velocity/score network: `apply(params, x_t [..., d], t [...], cond)`. */
export type DenoiserApply<P> = (params: P, xt: Array, t: Array, cond: Array | null) => Array;

function checkData(op: string, x: Array): "float32" | "float64" {
  if (x.ndim < 1) throw new DriftError(op, `x must be [..., d]; got a scalar`);
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new DriftError(op, `x must be float32 or float64; got ${x.dtype}`);
  return x.dtype;
}

/** Splits `key` into the time key and the noise key (in that order). */
function timeAndNoiseKeys(key: Array): [Array, Array] {
  const keys = random.split(key, 2);
  return [np.reshape(np.slice(keys, [0, 1]), [2]), np.reshape(np.slice(keys, [1, 2]), [2])];
}

function noised(op: string, key: Array, x0: Array, schedule: NoiseSchedule): { t: Array } & NoisedSample {
  const dtype = checkData(op, x0);
  const [kt, ke] = timeAndNoiseKeys(key);
  const t = sampleTrainingTimes(kt, schedule, x0.shape.slice(0, -1), { dtype });
  return { t, ...qSample(ke, schedule, x0, t) };
}

/**
 * ε-prediction loss of a diffusion policy (DDPM, Ho et al. 2020, Alg. 1): t ~ `sampleTrainingTimes` (discrete
 * k ~ U{1..K}; continuous t ~ U(t_min, t_max)), ε ~ N(0, I), x_t = α_t x_0 + σ_t ε; loss
 * `epsMse(apply(params, x_t, t, cond), ε)`, or `weightedEpsMse` with per-sample `weights`. The key splits into
 * (time key, noise key). x0 is [..., d]; cond is passed through unchanged.
 */
export function epsLoss<P>(
  apply: DenoiserApply<P>,
  params: P,
  key: Array,
  x0: Array,
  cond: Array | null,
  schedule: NoiseSchedule,
  opts: WeightedMseOptions & { weights?: Array } = {},
): Array {
  const n = noised("epsLoss", key, x0, schedule);
  const pred = apply(params, n.xt, n.t, cond);
  return opts.weights ? weightedEpsMse(pred, n.eps, opts.weights, opts) : epsMse(pred, n.eps, opts);
}

/**
 * Denoising score-matching loss with a score network: the noising of `epsLoss`, target ∇log q(x_t|x_0) = −ε/σ_t,
 * per-sample weight λ(t) = σ_t² (default, Song et al. 2021 eq. 7's common choice: then it equals the ε-MSE with
 * summed features) or 1 ("none").
 */
export function dsmLoss<P>(
  apply: DenoiserApply<P>,
  params: P,
  key: Array,
  x0: Array,
  cond: Array | null,
  schedule: NoiseSchedule,
  opts: { weighting?: "sigma2" | "none" } = {},
): Array {
  const weighting = opts.weighting ?? "sigma2";
  if (weighting !== "sigma2" && weighting !== "none") throw new DriftError("dsmLoss", `weighting must be "sigma2" or "none"; got ${JSON.stringify(weighting)}`);
  const n = noised("dsmLoss", key, x0, schedule);
  const pred = apply(params, n.xt, n.t, cond);
  const sigma = np.broadcastTo(n.sigma, [...x0.shape.slice(0, -1), 1]);
  const target = dsmTarget(n.xt, x0, n.alpha, sigma);
  return dsmMse(pred, target, weighting === "sigma2" ? np.squeeze(np.square(sigma), -1) : undefined);
}

/**
 * Conditional flow-matching loss with a velocity network (Lipman et al. 2023, eq. 9 with conditional paths):
 * path "rectified" — t ~ U(0, 1), x_t = (1 − t)ε + t·x_1, v = x_1 − ε (`flowPath`); or a continuous/EDM
 * `NoiseSchedule` — t ~ U(t_min, t_max), x_t = α_t x_1 + σ_t ε, v = α̇_t x_1 + σ̇_t ε with α̇, σ̇ by forward-mode
 * differentiation of `alphaSigma`. Loss `cfmMse(apply(params, x_t, t, cond), v)` (optionally weighted).
 */
export function cfmLoss<P>(
  apply: DenoiserApply<P>,
  params: P,
  key: Array,
  x1: Array,
  cond: Array | null,
  path: "rectified" | NoiseSchedule = "rectified",
  opts: WeightedMseOptions & { weights?: Array } = {},
): Array {
  const op = "cfmLoss";
  const dtype = checkData(op, x1);
  const batch = x1.shape.slice(0, -1);
  const [kt, ke] = timeAndNoiseKeys(key);
  const eps = random.normal(ke, x1.shape, { dtype });
  let t: Array, sample: PathSample;
  if (path === "rectified") {
    t = random.uniform(kt, batch, { minval: 0, maxval: 1, dtype });
    sample = flowPath(eps, x1, t);
  } else if (typeof path === "object" && path !== null && typeof path.alphaSigma === "function" && path.kind !== "discrete") {
    t = random.uniform(kt, batch, { minval: path.tMin, maxval: path.tMax, dtype });
    const [[alpha, sigma], [dAlpha, dSigma]] = jvp((u: Array) => path.alphaSigma(u), [t], [np.onesLike(t)]) as [[Array, Array], [Array, Array]];
    sample = alphaSigmaPath(x1, eps, alpha, sigma, dAlpha, dSigma);
  } else
    throw new DriftError(op, `path must be "rectified" or a continuous/edm NoiseSchedule (discrete step tables have no velocity); got ${typeof path === "object" && path !== null ? `a ${String(path.kind)} schedule` : JSON.stringify(path)}`);
  return cfmMse(apply(params, sample.xt, t, cond), sample.velocity, opts.weights, opts);
}
