// dm_control's reward shaping (`utils/rewards.py`): the tolerance soft indicator and its sigmoids, plus numpy-exact means.
import { DriftError } from "@drift/tensor";

/** Sigmoid shapes of `tolerance` outside the bounds (dm_control `rewards._sigmoids`). */
export type Sigmoid = "gaussian" | "hyperbolic" | "long_tail" | "reciprocal" | "cosine" | "linear" | "quadratic" | "tanh_squared";

/** Every sigmoid name, in dm_control's documentation order. */
export const SIGMOIDS: readonly Sigmoid[] = ["gaussian", "hyperbolic", "long_tail", "reciprocal", "cosine", "linear", "quadratic", "tanh_squared"];

/** Options of `tolerance` (dm_control's keyword arguments, camelCased). */
export interface ToleranceOptions {
  /** Inclusive target interval [lower, upper]; bounds may be infinite or equal. Default [0, 0]. */
  bounds?: readonly [number, number];
  /** Distance outside the bounds at which the output equals `valueAtMargin`; 0 gives a hard indicator. Default 0. */
  margin?: number;
  /** Shape of the decay outside the bounds. Default "gaussian". */
  sigmoid?: Sigmoid;
  /** Output at distance `margin` from the bounds. Default 0.1. */
  valueAtMargin?: number;
}

/** Sigmoids that accept valueAtMargin = 0 (they reach 0 at a finite distance). */
const ZERO_ALLOWED: ReadonlySet<Sigmoid> = new Set<Sigmoid>(["cosine", "linear", "quadratic"]);

/**
 * 1 at x = 0, decaying with |x|, equal to `v` at |x| = 1 (dm_control `_sigmoids`). Evaluated with the same
 * operations in the same order as the numpy original, so results agree to the last bit wherever the platform's
 * `Math` functions are correctly rounded.
 */
function sigmoidValue(x: number, v: number, sigmoid: Sigmoid): number {
  switch (sigmoid) {
    case "gaussian": {
      const s = x * Math.sqrt(-2 * Math.log(v));
      return Math.exp(-0.5 * (s * s));
    }
    case "hyperbolic":
      return 1 / Math.cosh(x * Math.acosh(1 / v));
    case "long_tail": {
      const s = x * Math.sqrt(1 / v - 1);
      return 1 / (s * s + 1);
    }
    case "reciprocal":
      return 1 / (Math.abs(x) * (1 / v - 1) + 1);
    case "cosine": {
      const s = x * (Math.acos(2 * v - 1) / Math.PI);
      return Math.abs(s) < 1 ? (1 + Math.cos(Math.PI * s)) / 2 : 0;
    }
    case "linear": {
      const s = x * (1 - v);
      return Math.abs(s) < 1 ? 1 - s : 0;
    }
    case "quadratic": {
      const s = x * Math.sqrt(1 - v);
      return Math.abs(s) < 1 ? 1 - s * s : 0;
    }
    case "tanh_squared": {
      const t = Math.tanh(x * Math.atanh(Math.sqrt(1 - v)));
      return 1 - t * t;
    }
  }
}

/**
 * dm_control's `rewards.tolerance` (Tassa et al. 2018, "DeepMind Control Suite", §4): 1 when lower ≤ x ≤ upper;
 * outside, 0 if `margin` is 0, else `sigmoid(d)` with d = (distance to the nearest bound)/margin, scaled so the value
 * at d = 1 is `valueAtMargin`. Throws a DriftError for lower > upper, margin < 0, an unknown sigmoid, or (when
 * margin > 0) valueAtMargin outside (0, 1) — [0, 1) for cosine, linear and quadratic — exactly where dm_control
 * raises. NaN x gives what numpy gives (NaN for gaussian-like sigmoids, 0 for the piecewise ones and for margin 0).
 *
 * @example
 * tolerance(0.5, { bounds: [1, Infinity], margin: 1, sigmoid: "linear", valueAtMargin: 0 }); // 0.5
 */
export function tolerance(x: number, opts: ToleranceOptions = {}): number {
  const [lower, upper] = opts.bounds ?? [0, 0];
  const margin = opts.margin ?? 0;
  const sigmoid = opts.sigmoid ?? "gaussian";
  const v = opts.valueAtMargin ?? 0.1;
  if (!(lower <= upper)) throw new DriftError("tolerance", `bounds must satisfy lower <= upper; got [${lower}, ${upper}]`);
  if (!(margin >= 0)) throw new DriftError("tolerance", `margin must be non-negative; got ${margin}`);
  if (!SIGMOIDS.includes(sigmoid)) throw new DriftError("tolerance", `unknown sigmoid ${JSON.stringify(sigmoid)}; valid: ${SIGMOIDS.join(", ")}`);
  const inBounds = lower <= x && x <= upper;
  if (margin === 0) return inBounds ? 1 : 0;
  if (ZERO_ALLOWED.has(sigmoid) ? !(v >= 0 && v < 1) : !(v > 0 && v < 1))
    throw new DriftError(
      "tolerance",
      `valueAtMargin must be ${ZERO_ALLOWED.has(sigmoid) ? "in [0, 1)" : "strictly between 0 and 1"} for the ${sigmoid} sigmoid; got ${v}`,
    );
  if (inBounds) return 1;
  const d = (x < lower ? lower - x : x - upper) / margin;
  return sigmoidValue(d, v, sigmoid);
}

/**
 * Σ xᵢ with numpy's pairwise summation (`np.sum` of a contiguous float64 array: plain loop below 8 elements, eight
 * interleaved partial sums up to 128, recursive halves beyond), so sums match numpy bit for bit.
 */
export function numpySum(x: ArrayLike<number>, start = 0, end = x.length): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res += x[i]!;
    return res;
  }
  if (n <= 128) {
    const r = [x[start]!, x[start + 1]!, x[start + 2]!, x[start + 3]!, x[start + 4]!, x[start + 5]!, x[start + 6]!, x[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + x[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += x[start + i]!;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(x, start, start + half) + numpySum(x, start + half, end);
}

/** `np.mean` of a float64 array: the pairwise sum divided by the length. */
export function numpyMean(x: ArrayLike<number>): number {
  return numpySum(x) / x.length;
}
