// Test helpers: exact diffusion / flow models of diagonal Gaussian mixtures, exact samples, moments and RBF-kernel MMD.
import { np, random, type Array } from "@drift/tensor";
import type { ModelFn } from "../src/samplers/index.ts";
import type { NoiseSchedule } from "../src/schedules.ts";
import { type Prediction, fromEpsX0 } from "../src/noising.ts";

/** A mixture Σ_k w_k N(μ_k, diag s_k²) in d dimensions. */
export interface Mixture {
  weights: number[];
  means: number[][];
  stds: number[][];
}

/** Exact mean and per-dimension variance of a mixture. */
export function mixtureMoments(m: Mixture): { mean: number[]; variance: number[] } {
  const d = m.means[0]!.length;
  const mean = globalThis.Array.from({ length: d }, (_, j) => m.weights.reduce((acc, w, k) => acc + w * m.means[k]![j]!, 0));
  const variance = mean.map((mu, j) => m.weights.reduce((acc, w, k) => acc + w * (m.stds[k]![j]! ** 2 + m.means[k]![j]! ** 2), 0) - mu * mu);
  return { mean, variance };
}

/** n exact samples [n, d] drawn from the mixture. */
export function sampleMixture(key: Array, m: Mixture, n: number): Array {
  const [kc, kz] = [random.foldIn(key, 1), random.foldIn(key, 2)];
  const comp = random.categorical(kc, np.log(np.array(m.weights)), { shape: [n] });
  const mu = np.take(np.array(m.means), comp, 0);
  const sd = np.take(np.array(m.stds), comp, 0);
  return np.add(mu, np.mul(sd, random.normal(kz, mu.shape)));
}

/**
 * Posterior quantities of x_t = α·x_0 + σ·ε with x_0 from the mixture: x_t is Σ w_k N(αμ_k, diag(α²s_k² + σ²)),
 * so responsibilities r_k(x) ∝ w_k N(x; αμ_k, v_k) and E[x_0 | x_t] = Σ r_k (μ_k + α s_k²(x − αμ_k)/v_k),
 * E[ε | x_t] = Σ r_k σ (x − αμ_k)/v_k, score = −E[ε | x_t]/σ.
 */
export function posterior(m: Mixture, x: Array, alpha: Array, sigma: Array): { x0: Array; eps: Array } {
  const mu = np.astype(np.array(m.means), x.dtype); // [K, d]
  const s2 = np.astype(np.square(np.array(m.stds)), x.dtype);
  const logw = np.astype(np.log(np.array(m.weights)), x.dtype);
  const a = np.astype(alpha, x.dtype);
  const s = np.astype(sigma, x.dtype);
  const v = np.add(np.mul(s2, np.square(a)), np.square(s)); // [K, d]
  const diff = np.sub(np.expandDims(x, -2), np.mul(mu, a)); // [..., K, d]
  const logp = np.sub(logw, np.mul(np.sum(np.add(np.log(v), np.div(np.square(diff), v)), -1), 0.5)); // [..., K]
  const r = np.expandDims(np.softmax(logp, -1), -1); // [..., K, 1]
  const z = np.div(diff, v);
  const x0 = np.sum(np.mul(r, np.add(mu, np.mul(np.mul(s2, a), z))), -2);
  const eps = np.sum(np.mul(r, np.mul(z, s)), -2);
  return { x0, eps };
}

/** The exact model of a schedule's marginals in the requested parameterization. */
export function exactModel(m: Mixture, schedule: NoiseSchedule, prediction: Prediction): ModelFn {
  return (x, t) => {
    const [alpha, sigma] = schedule.alphaSigma(t);
    const { x0, eps } = posterior(m, x, alpha, sigma);
    return fromEpsX0(eps, x0, prediction, np.astype(alpha, x.dtype), np.astype(sigma, x.dtype));
  };
}

/** Exact velocity of the path x_t = (1 − t)z + t·x_1: v = E[x_1 | x_t] − E[z | x_t] (α = t, σ = 1 − t above). */
export function exactVelocity(m: Mixture): ModelFn {
  return (x, t) => {
    const { x0, eps } = posterior(m, x, t, np.sub(1, t));
    return np.sub(x0, eps);
  };
}

/** Column means and variances of [n, d] samples. */
export function moments(x: Array): { mean: number[]; variance: number[] } {
  const data = x.dataSync();
  const [n, d] = x.shape as [number, number];
  const mean = new globalThis.Array(d).fill(0);
  const sq = new globalThis.Array(d).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      mean[j] += data[i * d + j]!;
      sq[j] += data[i * d + j]! ** 2;
    }
  return { mean: mean.map((s) => s / n), variance: sq.map((s, j) => s / n - (mean[j] / n) ** 2) };
}

/** The reference sample's own kernel mean, computed once per (array, bandwidth, limit). */
const selfTerms = new WeakMap<Array, Map<string, number>>();

/**
 * Unbiased MMD² between samples x [n, d] and y [m, d] with the RBF kernel k(a, b) = exp(−‖a − b‖²/(2h²))
 * (Gretton et al. 2012, eq. 3), computed in float64 on at most the first `limit` rows of each (default 2000).
 */
export function mmd2(x: Array, y: Array, bandwidth: number, limit = 2000): number {
  const d = x.shape[1]!;
  const n = Math.min(x.shape[0]!, limit);
  const m = Math.min(y.shape[0]!, limit);
  const a = Float64Array.from(x.dataSync().subarray(0, n * d));
  const b = Float64Array.from(y.dataSync().subarray(0, m * d));
  const c = -1 / (2 * bandwidth * bandwidth);
  const cached = (arr: Array, f: () => number): number => {
    const byArray = selfTerms.get(arr) ?? new Map<string, number>();
    selfTerms.set(arr, byArray);
    const key = `${bandwidth}:${limit}`;
    if (!byArray.has(key)) byArray.set(key, f());
    return byArray.get(key)!;
  };
  const block = (p: Float64Array, np_: number, q: Float64Array, nq: number, same: boolean): number => {
    let s = 0;
    for (let i = 0; i < np_; i++) {
      const pi = i * d;
      for (let j = same ? i + 1 : 0; j < nq; j++) {
        const qj = j * d;
        let dist = 0;
        for (let k = 0; k < d; k++) {
          const diff = p[pi + k]! - q[qj + k]!;
          dist += diff * diff;
        }
        s += Math.exp(c * dist);
      }
    }
    return same ? (2 * s) / (np_ * (np_ - 1)) : s / (np_ * nq);
  };
  return block(a, n, a, n, true) + cached(y, () => block(b, m, b, m, true)) - 2 * block(a, n, b, m, false);
}
