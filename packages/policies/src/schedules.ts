// Noise schedules (discrete β tables, continuous cosine, EDM) and the descending time grids that samplers walk.
import { DriftError, np, type Array } from "@drift/tensor";

/**
 * A noise schedule seen through its marginal q(x_t | x_0) = N(α(t)·x_0, σ(t)²·I) (Kingma et al. 2021, "Variational
 * Diffusion Models", eq. 1; FlowRL eq. 5). Every kind exposes α and σ both as float64 JS functions (to precompute
 * sampler coefficients) and as traced array functions (for models and losses under `jit`/`vmap`/`grad`).
 */
export interface NoiseSchedule {
  /** "discrete" (β table over steps 1..K, t is the step index), "continuous" (VP, t ∈ [tMin, tMax]) or "edm" (α ≡ 1, σ = t). */
  readonly kind: "discrete" | "continuous" | "edm";
  /** The schedule's name within its kind, e.g. "cosine". */
  readonly name: string;
  /** Smallest time a model is trained on (discrete: 1, continuous: t_min, edm: σ_min). */
  readonly tMin: number;
  /** Largest time (discrete: K, continuous: t_max, edm: σ_max). */
  readonly tMax: number;
  /** α(t) in float64. */
  alphaAt(t: number): number;
  /** σ(t) in float64. */
  sigmaAt(t: number): number;
  /** [α(t), σ(t)] elementwise for an array of times (float dtype of `t`, float32 for integer times). */
  alphaSigma(t: Array): [Array, Array];
}

/** A discrete DDPM schedule: β, α = 1 − β and ᾱ = cumprod(α) with index 0 prepended (β_0 = 0, ᾱ_0 = 1). */
export interface DiscreteSchedule extends NoiseSchedule {
  readonly kind: "discrete";
  /** Number of diffusion steps K. */
  readonly numSteps: number;
  /** β_k for k = 0..K (length K + 1, β_0 = 0). */
  readonly betas: readonly number[];
  /** α_k = 1 − β_k for k = 0..K. */
  readonly alphas: readonly number[];
  /** ᾱ_k = Π_{j ≤ k} α_j for k = 0..K (ᾱ_0 = 1). */
  readonly alphasCumprod: readonly number[];
}

/** Names accepted by `discreteSchedule`. */
export const DISCRETE_SCHEDULES = ["linear", "cosine", "vp"] as const;
/** A discrete schedule name. */
export type DiscreteScheduleName = (typeof DISCRETE_SCHEDULES)[number];

/** Options of `discreteSchedule`. */
export interface DiscreteScheduleOptions {
  /** "linear": first and last β (defaults 1e-4 and 0.02, Ho et al. 2020 §4). */
  betaStart?: number;
  betaEnd?: number;
  /** "cosine": offset s (default 0.008, Nichol & Dhariwal 2021 eq. 17) and the β cap (default 0.999). */
  s?: number;
  maxBeta?: number;
  /** "vp": β_min and β_max of the VP SDE (defaults 0.1 and 10, Diffusion-QL / FlowRL `vp_beta_schedule`). */
  betaMin?: number;
  betaMax?: number;
}

function checkPositiveInt(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new DriftError(op, `${name} must be a positive integer; got ${n}`);
}

function floatOf(t: Array): Array {
  return t.dtype === "float32" || t.dtype === "float64" ? t : np.astype(t, "float32");
}

/** β table for steps 1..K (without β_0). */
function betaTable(op: string, name: string, K: number, o: DiscreteScheduleOptions): number[] {
  const ks = globalThis.Array.from({ length: K }, (_, i) => i + 1);
  switch (name) {
    case "linear": {
      // Ho et al. 2020 ("Denoising Diffusion Probabilistic Models") §4: β linear from 1e-4 to 0.02.
      const b0 = o.betaStart ?? 1e-4;
      const b1 = o.betaEnd ?? 0.02;
      if (!(b0 > 0 && b1 < 1 && b0 <= b1)) throw new DriftError(op, `linear needs 0 < betaStart ≤ betaEnd < 1; got ${b0}, ${b1}`);
      return ks.map((k) => (K === 1 ? b1 : b0 + ((b1 - b0) * (k - 1)) / (K - 1)));
    }
    case "cosine": {
      // Nichol & Dhariwal 2021 ("Improved DDPM") eq. 17: ᾱ(k) = f(k)/f(0), f(k) = cos²(π/2·(k/K + s)/(1 + s));
      // β_k = 1 − ᾱ_k/ᾱ_{k−1}, capped at 0.999 to avoid the singularity at k = K.
      const s = o.s ?? 0.008;
      const cap = o.maxBeta ?? 0.999;
      if (!(s >= 0)) throw new DriftError(op, `cosine needs s ≥ 0; got ${s}`);
      if (!(cap > 0 && cap < 1)) throw new DriftError(op, `cosine needs 0 < maxBeta < 1; got ${cap}`);
      const f = (k: number): number => Math.cos(((k / K + s) / (1 + s)) * (Math.PI / 2)) ** 2;
      return ks.map((k) => Math.min(1 - f(k) / f(k - 1), cap));
    }
    case "vp": {
      // Discretised VP SDE (Song et al. 2021, eq. 11 with β(t) = β_min + t(β_max − β_min)), as Diffusion-QL's
      // vp_beta_schedule: β_k = 1 − exp(−β_min/K − ½(β_max − β_min)(2k − 1)/K²).
      const bmin = o.betaMin ?? 0.1;
      const bmax = o.betaMax ?? 10;
      if (!(bmin > 0 && bmax >= bmin)) throw new DriftError(op, `vp needs 0 < betaMin ≤ betaMax; got ${bmin}, ${bmax}`);
      return ks.map((k) => 1 - Math.exp(-bmin / K - (0.5 * (bmax - bmin) * (2 * k - 1)) / (K * K)));
    }
    default:
      throw new DriftError(op, `unknown discrete schedule "${name}"; valid names: ${DISCRETE_SCHEDULES.join(", ")}`);
  }
}

/**
 * Discrete DDPM schedule with K steps: `name` ∈ {"linear", "cosine", "vp"}; ᾱ = cumprod(1 − β) (papers.md §6.2,
 * FlowRL `ddpm.py`). Step k has α = √ᾱ_k and σ = √(1 − ᾱ_k); between integer steps (DPM-Solver midpoints) log ᾱ is
 * interpolated linearly, as the DPM-Solver reference does for discrete-time models (Lu et al. 2022, App. D.1).
 */
export function discreteSchedule(name: DiscreteScheduleName, numSteps: number, opts: DiscreteScheduleOptions = {}): DiscreteSchedule {
  const op = "discreteSchedule";
  checkPositiveInt(op, "numSteps", numSteps);
  const K = numSteps;
  const betas = [0, ...betaTable(op, name, K, opts)];
  const alphas = betas.map((b) => 1 - b);
  const alphasCumprod: number[] = [];
  alphas.forEach((a, k) => alphasCumprod.push(k === 0 ? 1 : alphasCumprod[k - 1]! * a));
  const logAbar = alphasCumprod.map(Math.log);
  const interp = (t: number): number => {
    const tc = Math.min(Math.max(t, 0), K);
    const i = Math.min(Math.floor(tc), K - 1);
    const w = tc - i;
    return logAbar[i]! * (1 - w) + logAbar[i + 1]! * w;
  };
  return {
    kind: "discrete",
    name,
    tMin: 1,
    tMax: K,
    numSteps: K,
    betas,
    alphas,
    alphasCumprod,
    alphaAt: (t) => Math.exp(interp(t) / 2),
    sigmaAt: (t) => Math.sqrt(Math.max(0, -Math.expm1(interp(t)))),
    alphaSigma(t) {
      const tf = np.clip(floatOf(t), 0, K);
      const i = np.minimum(np.floor(tf), K - 1);
      const w = np.sub(tf, i);
      const idx = np.astype(i, "int32");
      const table = np.array(logAbar, { dtype: tf.dtype });
      const l = np.add(np.mul(np.take(table, idx), np.sub(1, w)), np.mul(np.take(table, np.add(idx, 1)), w));
      return [np.exp(np.mul(l, 0.5)), np.sqrt(np.maximum(np.neg(np.expm1(l)), 0))];
    },
  };
}

/** Names accepted by `continuousSchedule`. */
export const CONTINUOUS_SCHEDULES = ["cosine", "linear"] as const;
/** A continuous schedule name. */
export type ContinuousScheduleName = (typeof CONTINUOUS_SCHEDULES)[number];

/** Options of `continuousSchedule`. */
export interface ContinuousScheduleOptions {
  /** "cosine": offset s (default 0.008). */
  s?: number;
  /** "linear": β_0 and β_1 of the VP SDE (defaults 0.1 and 20, Song et al. 2021). */
  beta0?: number;
  beta1?: number;
  /** Time range (defaults: cosine [1e-3, 0.9946], linear [1e-3, 1], FlowRL `continuous_ddpm.py`). */
  tMin?: number;
  tMax?: number;
}

/**
 * Continuous-time VP schedule (α² + σ² = 1), FlowRL's continuous DDPM (papers.md §2.3):
 * "cosine": α(t) = cos(½π(t + s)/(1 + s)) / cos(½π·s/(1 + s)) with s = 0.008 and t ∈ [1e-3, 0.9946]
 * (Nichol & Dhariwal 2021 eq. 17 in continuous time; times above 0.9946 are clamped as FlowRL does);
 * "linear": log α(t) = −¼(β_1 − β_0)t² − ½β_0·t, t ∈ [1e-3, 1] (Song et al. 2021, VP SDE). σ(t) = √(1 − α(t)²).
 */
export function continuousSchedule(name: ContinuousScheduleName = "cosine", opts: ContinuousScheduleOptions = {}): NoiseSchedule {
  const op = "continuousSchedule";
  let logAlpha: (t: number) => number;
  let logAlphaArr: (t: Array) => Array;
  let tMaxDefault: number;
  if (name === "cosine") {
    const s = opts.s ?? 0.008;
    if (!(s >= 0)) throw new DriftError(op, `cosine needs s ≥ 0; got ${s}`);
    const c0 = Math.log(Math.cos((Math.PI / 2) * (s / (1 + s))));
    const w = Math.PI / 2 / (1 + s);
    logAlpha = (t) => Math.log(Math.cos(w * (Math.min(Math.max(t, 0), 0.9946) + s))) - c0;
    logAlphaArr = (t) => np.sub(np.log(np.cos(np.mul(np.add(np.clip(t, 0, 0.9946), s), w))), c0);
    tMaxDefault = 0.9946;
  } else if (name === "linear") {
    const b0 = opts.beta0 ?? 0.1;
    const b1 = opts.beta1 ?? 20;
    if (!(b0 > 0 && b1 >= b0)) throw new DriftError(op, `linear needs 0 < beta0 ≤ beta1; got ${b0}, ${b1}`);
    logAlpha = (t) => (-(b1 - b0) / 4) * t * t - (b0 / 2) * t;
    logAlphaArr = (t) => np.sub(np.mul(np.square(t), -(b1 - b0) / 4), np.mul(t, b0 / 2));
    tMaxDefault = 1;
  } else {
    throw new DriftError(op, `unknown continuous schedule "${String(name)}"; valid names: ${CONTINUOUS_SCHEDULES.join(", ")}`);
  }
  const tMin = opts.tMin ?? 1e-3;
  const tMax = opts.tMax ?? tMaxDefault;
  if (!(tMin > 0 && tMax > tMin && tMax <= tMaxDefault))
    throw new DriftError(op, `needs 0 < tMin < tMax ≤ ${tMaxDefault}; got tMin ${tMin}, tMax ${tMax}`);
  return {
    kind: "continuous",
    name,
    tMin,
    tMax,
    alphaAt: (t) => Math.exp(logAlpha(t)),
    // σ = √(1 − α²) = √(−expm1(2 log α)), accurate for α near 1.
    sigmaAt: (t) => Math.sqrt(Math.max(0, -Math.expm1(2 * logAlpha(t)))),
    alphaSigma(t) {
      const la = logAlphaArr(floatOf(t));
      return [np.exp(la), np.sqrt(np.neg(np.expm1(np.mul(la, 2))))];
    },
  };
}

/** Options of `edmSchedule` and `karrasSigmas`. */
export interface EdmOptions {
  /** Defaults 0.002, 80 and 7 (Karras et al. 2022, "Elucidating the Design Space…", Table 1). */
  sigmaMin?: number;
  sigmaMax?: number;
  rho?: number;
}

function edmDefaults(op: string, o: EdmOptions): Required<EdmOptions> {
  const sigmaMin = o.sigmaMin ?? 0.002;
  const sigmaMax = o.sigmaMax ?? 80;
  const rho = o.rho ?? 7;
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) throw new DriftError(op, `needs 0 < sigmaMin < sigmaMax; got ${sigmaMin}, ${sigmaMax}`);
  if (!(rho > 0)) throw new DriftError(op, `rho must be positive; got ${rho}`);
  return { sigmaMin, sigmaMax, rho };
}

/** EDM schedule (Karras et al. 2022 Table 1): variance exploding with α(t) = 1 and σ(t) = t, t ∈ [σ_min, σ_max]. */
export interface EdmSchedule extends NoiseSchedule {
  readonly kind: "edm";
  /** ρ of the sampling grid (`karrasSigmas`). */
  readonly rho: number;
}

/** The EDM schedule: α ≡ 1, σ(t) = t, with σ_min = 0.002, σ_max = 80 and grid exponent ρ = 7 by default. */
export function edmSchedule(opts: EdmOptions = {}): EdmSchedule {
  const { sigmaMin, sigmaMax, rho } = edmDefaults("edmSchedule", opts);
  return {
    kind: "edm",
    name: "edm",
    tMin: sigmaMin,
    tMax: sigmaMax,
    rho,
    alphaAt: () => 1,
    sigmaAt: (t) => t,
    alphaSigma(t) {
      const tf = floatOf(t);
      return [np.onesLike(tf), tf];
    },
  };
}

/**
 * Karras et al. 2022 eq. 5: σ_i = (σ_max^{1/ρ} + i/(n − 1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i < n, then σ_n = 0
 * (length n + 1, descending; n ≥ 2).
 */
export function karrasSigmas(n: number, opts: EdmOptions = {}): number[] {
  const op = "karrasSigmas";
  checkPositiveInt(op, "n", n);
  if (n < 2) throw new DriftError(op, `n must be at least 2; got ${n}`);
  const { sigmaMin, sigmaMax, rho } = edmDefaults(op, opts);
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return [...globalThis.Array.from({ length: n }, (_, i) => (a + (i / (n - 1)) * (b - a)) ** rho), 0];
}

/**
 * A descending time grid for sampling: `t[0]` is the noisiest time and `t[N]` the final one; `alpha`/`sigma` hold
 * α(t_i), σ(t_i) in float64. N = `t.length − 1` steps.
 */
export interface TimeGrid {
  readonly t: readonly number[];
  readonly alpha: readonly number[];
  readonly sigma: readonly number[];
}

/** Options of `samplingGrid`. */
export interface SamplingGridOptions {
  /** Continuous schedules: t_i = (t_max − t_min)·(i/N)^power + t_min (default 1, FlowRL `quad_t_schedule`). */
  power?: number;
}

/**
 * The sampling grid of N steps for a schedule:
 * discrete — stride sampling τ_i = round(i·K/N), i = N..0 (N ≤ K; N = K is plain DDPM; DDIM, Song et al. 2021
 * §4.2; DWM's "N of K steps", papers.md §3.1), ending at τ_0 = 0 where ᾱ = 1;
 * continuous — t_i = (t_max − t_min)(i/N)^power + t_min, ending at t_min (FlowRL);
 * edm — Karras σ_i with ρ, ending at σ = 0 (`karrasSigmas`).
 */
export function samplingGrid(schedule: NoiseSchedule, steps: number, opts: SamplingGridOptions = {}): TimeGrid {
  const op = "samplingGrid";
  checkPositiveInt(op, "steps", steps);
  let t: number[];
  if (schedule.kind === "discrete") {
    const K = (schedule as DiscreteSchedule).numSteps;
    if (steps > K) throw new DriftError(op, `steps must be at most the schedule's ${K} steps; got ${steps}`);
    t = globalThis.Array.from({ length: steps + 1 }, (_, j) => Math.round(((steps - j) * K) / steps));
  } else if (schedule.kind === "continuous") {
    const n = opts.power ?? 1;
    if (!(n > 0)) throw new DriftError(op, `power must be positive; got ${n}`);
    t = globalThis.Array.from({ length: steps + 1 }, (_, j) => (schedule.tMax - schedule.tMin) * ((steps - j) / steps) ** n + schedule.tMin);
  } else if (schedule.kind === "edm") {
    t = karrasSigmas(steps, { sigmaMin: schedule.tMin, sigmaMax: schedule.tMax, rho: (schedule as EdmSchedule).rho });
  } else {
    throw new DriftError(op, `unknown schedule kind "${String((schedule as NoiseSchedule).kind)}"; valid kinds: discrete, continuous, edm`);
  }
  return { t, alpha: t.map((x) => schedule.alphaAt(x)), sigma: t.map((x) => schedule.sigmaAt(x)) };
}

/**
 * The time t in [lo, hi] where the half-log-SNR λ(t) = log α(t) − log σ(t) equals `lambda` (λ decreases in t),
 * by bisection in float64. Used for DPM-Solver midpoints and EDM churn. Returns an end point when out of range.
 */
export function timeOfLambda(schedule: NoiseSchedule, lambda: number, lo: number, hi: number): number {
  const lam = (t: number): number => Math.log(schedule.alphaAt(t)) - Math.log(schedule.sigmaAt(t));
  if (lambda >= lam(lo)) return lo;
  if (lambda <= lam(hi)) return hi;
  let a = lo;
  let b = hi;
  for (let i = 0; i < 100 && b - a > 1e-15 * Math.max(1, Math.abs(b)); i++) {
    const m = 0.5 * (a + b);
    if (lam(m) > lambda) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}
