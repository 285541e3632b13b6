// Densities and entropy estimates of denoising chains: DPPO per-step Gaussian log-probs, the DIME / DA-MDP chain bound, DACER's GMM estimate.
import { DriftError, lax, np, random, type Array } from "@drift/tensor";
import { tanhLogDet } from "./squash.ts";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Log-density of a diagonal Gaussian, summed over the last (feature) axis:
 * log N(x; μ, diag σ²) = Σ_i [−½((x_i − μ_i)/σ_i)² − log σ_i − ½ log 2π]. `mean` and `std` broadcast against `x`.
 */
export function diagNormalLogProb(x: Array, mean: Array | number, std: Array | number): Array {
  if (x.ndim < 1) throw new DriftError("diagNormalLogProb", `x must have a feature axis (rank ≥ 1); got shape [${x.shape.join(",")}]`);
  const z = np.div(np.sub(x, mean), std);
  const logNorm = typeof std === "number" ? Math.log(std) + 0.5 * LOG_2PI : np.add(np.log(std), 0.5 * LOG_2PI);
  const perDim = np.sub(np.mul(np.square(z), -0.5), logNorm);
  return np.sum(perDim, -1);
}

// ---------------------------------------------------------------------------------------------------------------
// DPPO (Ren et al. 2024, arXiv 2409.00588; FlowRL `dppo.py`, papers.md §2.3(e)): each denoising step is a Gaussian.

/** x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t, the DDPM clean-sample estimate (Ho et al. 2020, eq. 15). */
export function predictX0(xt: Array, eps: Array, alphaBar: Array | number): Array {
  const ab = asFloat(alphaBar, xt);
  return np.div(np.sub(xt, np.mul(np.sqrt(np.sub(1, ab)), eps)), np.sqrt(ab));
}

/** Mean and variance of the DDPM posterior q(x_{t−1} | x_t, x_0), with β_t = 1 − ᾱ_t/ᾱ_{t−1}. */
export interface DdpmPosterior {
  mean: Array;
  /** β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t). */
  variance: Array;
  /** β_t = 1 − ᾱ_t/ᾱ_{t−1}. */
  beta: Array;
}

/**
 * DDPM posterior q(x_{t−1} | x_t, x_0) (Ho et al. 2020, eqs. 6–7): mean c1·x_0 + c2·x_t with
 * c1 = √ᾱ_{t−1}·β_t/(1 − ᾱ_t), c2 = √α_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t), α_t = ᾱ_t/ᾱ_{t−1}. `alphaBar` (ᾱ_t) and
 * `alphaBarPrev` (ᾱ_{t−1}) are numbers or arrays that broadcast against `xt` (shape [..., 1] for per-sample values).
 */
export function ddpmPosterior(xt: Array, x0: Array, alphaBar: Array | number, alphaBarPrev: Array | number): DdpmPosterior {
  const ab = asFloat(alphaBar, xt);
  const abPrev = asFloat(alphaBarPrev, xt);
  const alpha = np.div(ab, abPrev);
  const beta = np.sub(1, alpha);
  const oneMinusAb = np.sub(1, ab);
  const c1 = np.div(np.mul(np.sqrt(abPrev), beta), oneMinusAb);
  const c2 = np.div(np.mul(np.sqrt(alpha), np.sub(1, abPrev)), oneMinusAb);
  return {
    mean: np.add(np.mul(c1, x0), np.mul(c2, xt)),
    variance: np.div(np.mul(beta, np.sub(1, abPrev)), oneMinusAb),
    beta,
  };
}

/** Options of `dppoStepLogProb` / `dppoChainLogProbs`; the defaults are FlowRL's DPPO (papers.md §2.3(e)). */
export interface DppoLogProbOptions {
  /** Lower bound on the per-step std (FlowRL `min_logprob_denoising_std`, default 0.1). */
  minStd?: number;
  /** Step std before the floor: "beta" = √β_t (FlowRL, default) or "posterior" = √β̃_t (DDPM posterior). */
  std?: "beta" | "posterior";
  /** Clip x̂_0 to [lo, hi] before forming the posterior mean (DDPM `clip_sampler`); default: no clip. */
  clipX0?: readonly [number, number] | null;
  /** Clip each step's summed log-prob to [lo, hi] (FlowRL: [−5, 2], the default); null disables it. */
  logProbClip?: readonly [number, number] | null;
}

/**
 * DPPO per-step log-likelihood log N(x_{t−1}; μ_θ(x_t), s_t² I) summed over features, where μ_θ is the DDPM
 * posterior mean at x̂_0(x_t, ε̂) and s_t = max(√β_t or √β̃_t, minStd); optionally clipped (FlowRL clips to [−5, 2]).
 * `alphaBar`/`alphaBarPrev` are ᾱ_t and ᾱ_{t−1}, broadcasting against `xt`. Returns shape xt.shape[:-1].
 */
export function dppoStepLogProb(
  xPrev: Array,
  xt: Array,
  epsPred: Array,
  alphaBar: Array | number,
  alphaBarPrev: Array | number,
  opts: DppoLogProbOptions = {},
): Array {
  const op = "dppoStepLogProb";
  if (xPrev.ndim < 1 || !sameShape(xPrev.shape, xt.shape) || !sameShape(epsPred.shape, xt.shape))
    throw new DriftError(op, `xPrev, xt and epsPred must share one shape [..., d]; got [${xPrev.shape.join(",")}], [${xt.shape.join(",")}], [${epsPred.shape.join(",")}]`);
  const minStd = opts.minStd ?? 0.1;
  if (!(minStd >= 0)) throw new DriftError(op, `minStd must be ≥ 0; got ${minStd}`);
  const stdKind = opts.std ?? "beta";
  if (stdKind !== "beta" && stdKind !== "posterior") throw new DriftError(op, `std must be "beta" or "posterior"; got ${JSON.stringify(stdKind)}`);
  let x0 = predictX0(xt, epsPred, alphaBar);
  if (opts.clipX0) x0 = np.clip(x0, opts.clipX0[0], opts.clipX0[1]);
  const post = ddpmPosterior(xt, x0, alphaBar, alphaBarPrev);
  const std = np.maximum(np.sqrt(stdKind === "beta" ? post.beta : post.variance), minStd);
  const lp = diagNormalLogProb(xPrev, post.mean, std);
  const clip = opts.logProbClip === undefined ? ([-5, 2] as const) : opts.logProbClip;
  return clip ? np.clip(lp, clip[0], clip[1]) : lp;
}

/**
 * Per-step DPPO log-probs of a stored denoising chain. `chain` is [..., K+1, d] in sampling order, from the noise
 * (index 0) to the action (index K); `epsPreds` [..., K, d] holds ε̂_θ evaluated at chain[..., j, :]; `alphaBars`
 * (length K+1) is ᾱ at each chain point in the same order, e.g. `samplingGrid(schedule, K).alpha` squared (FlowRL:
 * ᾱ(t_K) … ᾱ(t_0 = t_min)). Step j scores chain[j+1] given chain[j] with ᾱ_t = alphaBars[j], ᾱ_{t−1} = alphaBars[j+1].
 * Returns [..., K].
 */
export function dppoChainLogProbs(chain: Array, epsPreds: Array, alphaBars: Array | readonly number[], opts: DppoLogProbOptions = {}): Array {
  const op = "dppoChainLogProbs";
  if (chain.ndim < 2) throw new DriftError(op, `chain must be [..., K+1, d]; got shape [${chain.shape.join(",")}]`);
  const K = chain.shape[chain.ndim - 2]! - 1;
  if (K < 1) throw new DriftError(op, `chain must hold at least 2 points (K ≥ 1); got ${K + 1}`);
  const want = [...chain.shape.slice(0, -2), K, chain.shape[chain.ndim - 1]!];
  if (!sameShape(epsPreds.shape, want)) throw new DriftError(op, `epsPreds must have shape [${want.join(",")}]; got [${epsPreds.shape.join(",")}]`);
  const ab = np.array(alphaBars as number[] | Array, { dtype: chain.dtype });
  if (ab.ndim !== 1 || ab.shape[0] !== K + 1) throw new DriftError(op, `alphaBars must have K+1 = ${K + 1} entries; got shape [${ab.shape.join(",")}]`);
  // [K, 1] broadcasts over the feature axis of the [..., K, d] step slices.
  const abT = np.reshape(np.slice(ab, [0, K]), [K, 1]);
  const abPrev = np.reshape(np.slice(ab, [1, K + 1]), [K, 1]);
  const xt = np.slice(chain, ...sliceOnAxis(chain.ndim, chain.ndim - 2, 0, K));
  const xPrev = np.slice(chain, ...sliceOnAxis(chain.ndim, chain.ndim - 2, 1, K + 1));
  return dppoStepLogProb(xPrev, xt, epsPreds, abT, abPrev, opts);
}

// ---------------------------------------------------------------------------------------------------------------
// DIME (Celik et al. 2025, arXiv 2502.02316) / DA-MDP (arXiv 2512.02019, papers.md §1.2(c), §5) chain bound.

/** Options of `chainEntropyBound`. */
export interface ChainEntropyOptions {
  /** The final latent x_K when the action is tanh(x_K): adds E log|det ∂tanh/∂x_K| (DIME's correction; DA-MDP omits it). */
  squashedLatent?: Array;
}

/**
 * Single-sample lower bound on the marginal entropy of a K-step chain policy (papers.md §1.2(c); DIME):
 * H(q(x_K|s)) ≥ −E[log p_0(x_0) + Σ_k (log F_θ(x_{k+1}|x_k) − log B(x_k|x_{k+1}))], i.e. −(logPrior + Σ_k logRatio_k),
 * plus Σ log(1 − tanh² x_K) with `squashedLatent` (entropy of a = tanh(x_K)). `logRatio` is [..., K] (log F − log B per
 * step), `logPrior` [...]. Average over samples for the estimate.
 */
export function chainEntropyBound(logRatio: Array, logPrior: Array, opts: ChainEntropyOptions = {}): Array {
  if (logRatio.ndim < 1) throw new DriftError("chainEntropyBound", `logRatio must be [..., K]; got a scalar`);
  const h = np.neg(np.add(logPrior, np.sum(logRatio, -1)));
  return opts.squashedLatent ? np.add(h, tanhLogDet(opts.squashedLatent)) : h;
}

/**
 * The DA-MDP per-step entropy estimate H ≈ −K·mean(log F − log B) over a batch of single-step ratios drawn at
 * random diffusion steps (papers.md §1.2(d), used for the REPPO temperature target).
 */
export function stepEntropyEstimate(logRatio: Array, steps: number): Array {
  if (!Number.isInteger(steps) || steps <= 0) throw new DriftError("stepEntropyEstimate", `steps must be a positive integer; got ${steps}`);
  return np.mul(np.mean(logRatio), -steps);
}

// ---------------------------------------------------------------------------------------------------------------
// DACER (Wang et al. 2024, arXiv 2405.15177; FlowRL `dacer.py`, papers.md §2.3(c)): Gaussian-mixture entropy estimate.

/** Options of `gmmEntropy`. */
export interface GmmEntropyOptions {
  /** Mixture components (DACER: 3). */
  components?: number;
  /** EM iterations after the k-means++ seeding (fixed count, sklearn's `max_iter` 100 by default). */
  iterations?: number;
  /** Added to every covariance diagonal (sklearn `reg_covar`, 1e-6). */
  regCovar?: number;
}

/** A fitted Gaussian mixture and its entropy estimates. */
export interface GmmEntropyResult {
  /** DACER's estimate −Σ_k w_k log w_k + Σ_k w_k·(½d(1 + log 2π) + ½ log det Σ_k): an upper bound on the mixture entropy (Huber et al. 2008), tight for well-separated components. */
  entropy: Array;
  /** Resubstitution estimate −(1/N)·Σ_n log p_GMM(x_n) on the fitted samples. */
  sampleEntropy: Array;
  weights: Array;
  means: Array;
  covariances: Array;
}

/**
 * DACER's entropy estimate of a sample set [N, d] (one state's actions): fit a full-covariance Gaussian mixture by
 * EM and return the closed-form weighted-entropy formula used by DACER/FlowRL (which fit with sklearn's
 * GaussianMixture(3, 'full') on 200 sampled actions). Seeding is k-means++ (first centre uniform, then D²-weighted)
 * with hard responsibilities to the nearest seed, followed by `iterations` EM steps with no early stop; every step is
 * traced ops, so it runs under jit and vmap (vmap over states for a batch).
 */
export function gmmEntropy(key: Array, samples: Array, opts: GmmEntropyOptions = {}): GmmEntropyResult {
  const op = "gmmEntropy";
  const K = opts.components ?? 3;
  const iterations = opts.iterations ?? 100;
  const reg = opts.regCovar ?? 1e-6;
  if (samples.ndim !== 2) throw new DriftError(op, `samples must be [N, d]; got shape [${samples.shape.join(",")}] (vmap over leading axes)`);
  if (samples.dtype !== "float32" && samples.dtype !== "float64") throw new DriftError(op, `samples must be float32 or float64; got ${samples.dtype}`);
  const [N, d] = samples.shape as [number, number];
  if (!Number.isInteger(K) || K < 1 || K > N) throw new DriftError(op, `components must be an integer in [1, N = ${N}]; got ${K}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new DriftError(op, `iterations must be a non-negative integer; got ${iterations}`);
  if (!(reg >= 0)) throw new DriftError(op, `regCovar must be ≥ 0; got ${reg}`);
  const dtype = samples.dtype;
  const eye = np.eye(d, undefined, { dtype });

  // k-means++ seeding (Arthur & Vassilvitskii 2007).
  const keys = random.split(key, K);
  const rowKey = (i: number) => np.reshape(np.slice(keys, [i, i + 1]), [2]);
  const pick = (idx: Array) => np.take(samples, np.reshape(idx, [1]), 0);
  const centres: Array[] = [pick(random.randint(rowKey(0), [], 0, N))];
  for (let k = 1; k < K; k++) {
    const c = np.concatenate(centres, 0);
    const d2 = np.min(sqDistances(samples, c), -1);
    centres.push(pick(random.categorical(rowKey(k), np.log(np.maximum(d2, 1e-30)))));
  }
  const seeds = np.concatenate(centres, 0);
  const hard = np.oneHot(np.argmin(sqDistances(samples, seeds), -1), K, { dtype });

  const mStep = (resp: Array) => {
    const nk = np.add(np.sum(resp, 0), 10 * epsOf(dtype)); // sklearn adds 10·eps to avoid empty components
    const means = np.div(np.matmul(np.transpose(resp), samples), np.expandDims(nk, -1)); // [K, d]
    const diff = np.sub(np.expandDims(samples, 1), means); // [N, K, d]
    const cov = np.einsum("nk,nki,nkj->kij", resp, diff, diff);
    const covariances = np.add(np.div(cov, np.reshape(nk, [K, 1, 1])), np.mul(eye, reg));
    return { weights: np.div(nk, N), means, covariances };
  };
  type Fit = ReturnType<typeof mStep>;
  const logJoint = (fit: Fit) => np.add(gaussianLogDensities(samples, fit.means, fit.covariances), np.log(fit.weights)); // [N, K]
  const fit = lax.foriLoop(0, iterations, (_i, f: Fit) => mStep(np.softmax(logJoint(f), -1)), mStep(hard));

  const logDet = np.mul(np.sum(np.log(choleskyDiag(fit.covariances)), -1), 2); // [K]
  const componentEntropy = np.add(np.mul(logDet, 0.5), 0.5 * d * (1 + LOG_2PI));
  const entropy = np.sub(np.sum(np.mul(fit.weights, componentEntropy)), np.sum(np.mul(fit.weights, np.log(fit.weights))));
  const sampleEntropy = np.neg(np.mean(np.logsumexp(logJoint(fit), -1)));
  return { entropy, sampleEntropy, ...fit };
}

function epsOf(dtype: string): number {
  return dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}

/** ‖x_n − c_k‖² for x [N, d], c [K, d] → [N, K]. */
function sqDistances(x: Array, c: Array): Array {
  return np.sum(np.square(np.sub(np.expandDims(x, 1), c)), -1);
}

/** Unit vector e_j of length d. */
function unit(d: number, j: number, dtype: Array["dtype"]): Array {
  return np.oneHot(np.array(j, { dtype: "int32" }), d, { dtype: dtype as "float32" | "float64" });
}

/** Lower Cholesky factor of SPD matrices [..., d, d], column by column (Cholesky–Crout), unrolled over the static d. */
function cholesky(a: Array): Array {
  const d = a.shape[a.ndim - 1]!;
  let l = np.zerosLike(a);
  for (let j = 0; j < d; j++) {
    const e = unit(d, j, a.dtype);
    const colA = np.sum(np.mul(a, e), -1); // A[..., :, j]
    const rowL = np.sum(np.mul(l, np.expandDims(e, -1)), -2); // L[..., j, :] (only columns < j are filled)
    const s = np.sub(colA, np.sum(np.mul(l, np.expandDims(rowL, -2)), -1)); // A[:, j] − L·L[j, :]ᵀ
    const sjj = np.sum(np.mul(s, e), -1, { keepdims: true });
    const below = np.array(globalThis.Array.from({ length: d }, (_, i) => (i >= j ? 1 : 0)), { dtype: a.dtype });
    const col = np.mul(np.div(s, np.sqrt(sjj)), below);
    l = np.add(l, np.mul(np.expandDims(col, -1), e));
  }
  return l;
}

/** Diagonal of the Cholesky factor, [..., d]. */
function choleskyDiag(a: Array): Array {
  const d = a.shape[a.ndim - 1]!;
  return np.sum(np.mul(cholesky(a), np.eye(d, undefined, { dtype: a.dtype })), -1);
}

/** Inverse of lower-triangular matrices [..., d, d] by forward substitution, row by row. */
function lowerInverse(l: Array): Array {
  const d = l.shape[l.ndim - 1]!;
  let inv = np.zerosLike(l);
  for (let i = 0; i < d; i++) {
    const e = unit(d, i, l.dtype);
    const rowL = np.sum(np.mul(l, np.expandDims(e, -1)), -2); // L[..., i, :]
    const acc = np.sum(np.mul(np.expandDims(rowL, -1), inv), -2); // Σ_{k<i} L_ik·X_k (rows ≥ i of X are still 0)
    const lii = np.sum(np.mul(rowL, e), -1, { keepdims: true });
    inv = np.add(inv, np.mul(np.expandDims(e, -1), np.expandDims(np.div(np.sub(e, acc), lii), -2)));
  }
  return inv;
}

/** log N(x_n; μ_k, Σ_k) for x [N, d], μ [K, d], Σ [K, d, d] → [N, K]. */
function gaussianLogDensities(x: Array, means: Array, covs: Array): Array {
  const d = x.shape[1]!;
  const l = cholesky(covs);
  const linv = lowerInverse(l);
  const diff = np.sub(np.expandDims(x, 1), means); // [N, K, d]
  const z = np.einsum("kij,nkj->nki", linv, diff);
  const logDet = np.mul(np.sum(np.log(np.sum(np.mul(l, np.eye(d, undefined, { dtype: x.dtype })), -1)), -1), 2); // [K]
  return np.sub(np.mul(np.sum(np.square(z), -1), -0.5), np.add(np.mul(logDet, 0.5), 0.5 * d * LOG_2PI));
}

/** A schedule coefficient as an array of `like`'s dtype (JS numbers would otherwise combine into float32 arrays). */
function asFloat(v: Array | number, like: Array): Array {
  return typeof v === "number" ? np.full([], v, { dtype: like.dtype }) : v.dtype === like.dtype ? v : np.astype(v, like.dtype);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Slice specs selecting [start, stop) on one axis of a rank-`ndim` array. */
function sliceOnAxis(ndim: number, axis: number, start: number, stop: number): ([number, number] | null)[] {
  return globalThis.Array.from({ length: ndim }, (_, i) => (i === axis ? [start, stop] : null));
}
