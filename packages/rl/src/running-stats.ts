// Running mean/variance (Welford, mergeable with Chan et al.'s parallel formula) and an observation normalizer built on it.
import { type Array, DriftError, np } from "@drift/tensor";
import { asFloat, checkFinite, describe } from "./util.ts";

/**
 * Sufficient statistics of everything seen so far, per element of an array of shape `mean.shape`: the mean, the sum of
 * squared deviations M₂ (variance = M₂/count) and the count (a float64 scalar, exact to 2⁵³). A pytree: jittable,
 * vmappable and saveable.
 */
export interface RunningStats {
  mean: Array;
  m2: Array;
  count: Array;
}

/** Options of `init`. */
export interface RunningStatsInitOptions {
  /** Dtype of `mean` and `m2` (default float32). */
  dtype?: "float32" | "float64";
}

/** Empty statistics for arrays of `shape`: mean 0, M₂ 0, count 0. */
export function init(shape: readonly number[], opts: RunningStatsInitOptions = {}): RunningStats {
  const dtype = opts.dtype ?? "float32";
  if (!globalThis.Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new DriftError("runningStats.init", `shape must be a list of non-negative integers; got ${JSON.stringify(shape)}`);
  return { mean: np.zeros(shape, { dtype }), m2: np.zeros(shape, { dtype }), count: np.zeros([], { dtype: "float64" }) };
}

function checkStats(op: string, s: RunningStats, name = "stats"): void {
  if (typeof s !== "object" || s === null || !(s.mean instanceof np.Array) || !(s.m2 instanceof np.Array) || !(s.count instanceof np.Array))
    throw new DriftError(op, `${name} must be RunningStats {mean, m2, count} (from runningStats.init); got ${describe(s)}`);
}

/**
 * Merges two sets of statistics (Chan, Golub & LeVeque 1979, the pairwise update): with δ = μ_b − μ_a and n = n_a + n_b,
 *
 *   μ = μ_a + δ·n_b/n,   M₂ = M₂_a + M₂_b + δ²·n_a·n_b/n.
 *
 * Merging with empty statistics returns the other unchanged.
 */
export function merge(a: RunningStats, b: RunningStats): RunningStats {
  const op = "runningStats.merge";
  checkStats(op, a, "a");
  checkStats(op, b, "b");
  if (a.mean.ndim !== b.mean.ndim || a.mean.shape.some((d, i) => d !== b.mean.shape[i]))
    throw new DriftError(op, `a and b describe arrays of different shapes: [${a.mean.shape.join(",")}] vs [${b.mean.shape.join(",")}]`);
  const dtype = a.mean.dtype as "float32" | "float64";
  const n = np.add(a.count, b.count);
  const safeN = np.maximum(n, 1);
  const wb = asFloat(np.div(b.count, safeN), dtype);
  const wab = asFloat(np.div(np.mul(a.count, b.count), safeN), dtype);
  const delta = np.sub(asFloat(b.mean, dtype), a.mean);
  return {
    mean: np.add(a.mean, np.mul(delta, wb)),
    m2: np.add(np.add(a.m2, asFloat(b.m2, dtype)), np.mul(np.square(delta), wab)),
    count: n,
  };
}

/** Statistics of one batch: `x` has shape [...batch, ...shape], reduced over its leading `x.ndim − shape.length` axes. */
export function fromBatch(x: Array, shape: readonly number[], dtype: "float32" | "float64" = "float32"): RunningStats {
  const op = "runningStats.fromBatch";
  if (!(x instanceof np.Array)) throw new DriftError(op, `x must be an array; got ${describe(x)}`);
  const k = x.ndim - shape.length;
  if (k < 0 || shape.some((d, i) => x.shape[k + i] !== d))
    throw new DriftError(op, `x must have shape [...batch, ${shape.join(",")}]; got [${x.shape.join(",")}]`);
  const axes = globalThis.Array.from({ length: k }, (_, i) => i);
  const count = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const xf = asFloat(x, dtype);
  const mean = k === 0 ? xf : np.mean(xf, axes);
  const m2 = k === 0 ? np.zerosLike(xf) : np.sum(np.square(np.sub(xf, mean)), axes);
  return { mean, m2, count: np.array(count, { dtype: "float64" }) };
}

/**
 * Adds a batch to the statistics: `x` has shape [...batch, ...stats.mean.shape] (a single sample has no batch axes).
 * Per batch this is Welford's update generalised by Chan et al.: the batch's own mean and M₂ are merged in.
 */
export function update(stats: RunningStats, x: Array): RunningStats {
  checkStats("runningStats.update", stats);
  return merge(stats, fromBatch(x, stats.mean.shape, stats.mean.dtype as "float32" | "float64"));
}

/** Population variance M₂/count (1 before anything was seen, so normalizing is then the identity). */
export function variance(stats: RunningStats): Array {
  checkStats("runningStats.variance", stats);
  const dtype = stats.mean.dtype as "float32" | "float64";
  const seen = np.greater(stats.count, 0);
  return np.where(seen, np.div(stats.m2, asFloat(np.maximum(stats.count, 1), dtype)), np.onesLike(stats.m2));
}

/** Population standard deviation √variance. */
export function std(stats: RunningStats): Array {
  return np.sqrt(variance(stats));
}

/** Options of `normalize` / `denormalize` and of `obsNormalizer`. */
export interface NormalizeOptions {
  /** Added to the variance before the square root (default 1e-8, as Gymnasium's NormalizeObservation). */
  epsilon?: number;
  /** Clip normalized values to [−clip, clip] (default: no clipping; Gymnasium wrappers use 10). */
  clip?: number;
}

/** (x − μ)/√(σ² + ε), optionally clipped to [−clip, clip]; `x` has shape [...batch, ...stats shape]. */
export function normalize(stats: RunningStats, x: Array, opts: NormalizeOptions = {}): Array {
  const op = "runningStats.normalize";
  checkStats(op, stats);
  const eps = opts.epsilon ?? 1e-8;
  checkFinite(op, "epsilon", eps);
  const dtype = stats.mean.dtype as "float32" | "float64";
  const y = np.div(np.sub(asFloat(x, dtype), stats.mean), np.sqrt(np.add(variance(stats), eps)));
  if (opts.clip === undefined) return y;
  checkFinite(op, "clip", opts.clip);
  return np.clip(y, -opts.clip, opts.clip);
}

/** Inverse of `normalize` (without clipping): y·√(σ² + ε) + μ. */
export function denormalize(stats: RunningStats, y: Array, opts: Pick<NormalizeOptions, "epsilon"> = {}): Array {
  checkStats("runningStats.denormalize", stats);
  const dtype = stats.mean.dtype as "float32" | "float64";
  return np.add(np.mul(asFloat(y, dtype), np.sqrt(np.add(variance(stats), opts.epsilon ?? 1e-8))), stats.mean);
}

/** An observation normalizer: running statistics plus fixed options, as pure functions over the statistics. */
export interface ObsNormalizer {
  /** Empty statistics for observations of `shape`. */
  init(shape: readonly number[]): RunningStats;
  /** Statistics updated with a batch of observations [...batch, ...shape]. */
  update(stats: RunningStats, obs: Array): RunningStats;
  /** Normalized observations (using the statistics as they are; update first to include `obs`). */
  normalize(stats: RunningStats, obs: Array): Array;
  /** Observations back from normalized values. */
  denormalize(stats: RunningStats, y: Array): Array;
}

/**
 * Builds an observation normalizer (as Gymnasium's NormalizeObservation or REPPO's running mean/var normalization):
 * `update` folds each batch of observations into running statistics, `normalize` maps obs ↦ clip((obs − μ)/√(σ² + ε)).
 */
export function obsNormalizer(opts: NormalizeOptions & RunningStatsInitOptions = {}): ObsNormalizer {
  const { dtype, ...norm } = opts;
  return {
    init: (shape) => init(shape, { dtype: dtype ?? "float32" }),
    update,
    normalize: (stats, obs) => normalize(stats, obs, norm),
    denormalize: (stats, y) => denormalize(stats, y, norm),
  };
}
