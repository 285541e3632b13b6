// HL-Gauss categorical value transform (Farebrother et al. 2024) with REPPO's bin layout: scalar ↔ probabilities/logits and the cross-entropy loss.
import { type Array, DriftError, np, stopGradient } from "@drift/tensor";
import { asFloat, checkFinite, checkInt, floatDtype } from "./util.ts";

/** Options of `hlGauss`. */
export interface HLGaussOptions {
  /** Centre of the first bin (the smallest representable value). */
  vmin: number;
  /** Centre of the last bin (the largest representable value). */
  vmax: number;
  /** Number of bins (≥ 2). */
  numBins: number;
  /** σ as a multiple of the bin width (default 0.75, as recommended by Farebrother et al. and used by REPPO). */
  sigmaRatio?: number;
}

/** An HL-Gauss transform: pure functions over arrays whose last axis holds the bins (any leading axes; vmappable). */
export interface HLGauss {
  /** Centre of the first bin. */
  readonly vmin: number;
  /** Centre of the last bin. */
  readonly vmax: number;
  /** Number of bins. */
  readonly numBins: number;
  /** Distance between bin centres, (vmax − vmin)/(numBins − 1). */
  readonly binWidth: number;
  /** Standard deviation of the Gaussian smoothing the target, sigmaRatio·binWidth. */
  readonly sigma: number;
  /** Bin centres linspace(vmin, vmax, numBins) (float32, or `dtype`). */
  centers(dtype?: "float32" | "float64"): Array;
  /** Bin edges linspace(vmin − w/2, vmax + w/2, numBins + 1) (float32, or `dtype`). */
  edges(dtype?: "float32" | "float64"): Array;
  /** Target probabilities [..., numBins] of scalar targets [...]: the mass of N(clip(y), σ²) in each bin, renormalised to the support. */
  toProbs(target: Array | number): Array;
  /** Logits whose softmax is `toProbs(target)` (log-probabilities, floored at log 1e-30 so far-away bins stay finite). */
  toLogits(target: Array | number): Array;
  /** Expected value Σᵢ pᵢ·cᵢ [...] of probabilities [..., numBins]. */
  fromProbs(probs: Array): Array;
  /** Expected value of softmax(logits) [...]. */
  fromLogits(logits: Array): Array;
  /**
   * Cross-entropy −Σᵢ pᵢ(y)·log softmax(logits)ᵢ [...] between the HL-Gauss target of `target` (gradient stopped)
   * and the predicted logits [..., numBins]; average it for the critic loss.
   */
  loss(logits: Array, target: Array | number): Array;
}

/**
 * HL-Gauss histogram loss transform (Farebrother et al. 2024, "Stop Regressing", https://arxiv.org/abs/2403.03950),
 * with the bin layout of REPPO (https://arxiv.org/abs/2507.11019): bin centres linspace(vmin, vmax, numBins),
 * width w = (vmax − vmin)/(numBins − 1), edges linspace(vmin − w/2, vmax + w/2, numBins + 1), σ = 0.75·w. A scalar
 * target y is clipped to [vmin, vmax] and spread over the bins as
 *
 *   pᵢ(y) = [erf((eᵢ₊₁ − y)/(√2σ)) − erf((eᵢ − y)/(√2σ))] / [erf((e_B − y)/(√2σ)) − erf((e₀ − y)/(√2σ))].
 */
export function hlGauss(opts: HLGaussOptions): HLGauss {
  const op = "hlGauss";
  if (typeof opts !== "object" || opts === null) throw new DriftError(op, "opts must be an object {vmin, vmax, numBins, sigmaRatio?}");
  const { vmin, vmax, numBins } = opts;
  checkFinite(op, "vmin", vmin);
  checkFinite(op, "vmax", vmax);
  checkInt(op, "numBins", numBins, 2);
  if (!(vmax > vmin)) throw new DriftError(op, `vmax must be greater than vmin; got vmin ${vmin}, vmax ${vmax}`);
  const sigmaRatio = opts.sigmaRatio ?? 0.75;
  checkFinite(op, "sigmaRatio", sigmaRatio);
  if (sigmaRatio <= 0) throw new DriftError(op, `sigmaRatio must be positive; got ${sigmaRatio}`);
  const binWidth = (vmax - vmin) / (numBins - 1);
  const sigma = sigmaRatio * binWidth;
  const centers = (dtype: "float32" | "float64" = "float32") => np.linspace(vmin, vmax, numBins, { dtype });
  const edges = (dtype: "float32" | "float64" = "float32") => np.linspace(vmin - binWidth / 2, vmax + binWidth / 2, numBins + 1, { dtype });
  const checkBins = (name: string, x: Array): void => {
    if (!(x instanceof np.Array) || x.ndim < 1 || x.shape[x.ndim - 1] !== numBins)
      throw new DriftError(op, `${name} must have a last axis of ${numBins} bins; got ${x instanceof np.Array ? `shape [${x.shape.join(",")}]` : typeof x}`);
  };
  const toProbs = (target: Array | number): Array => {
    const dtype = floatDtype(target);
    const y = np.expandDims(np.clip(asFloat(target, dtype), vmin, vmax), -1);
    const cdf = np.erf(np.div(np.sub(edges(dtype), y), Math.SQRT2 * sigma));
    const mass = np.sub(np.slice(cdf, ...sliceLast(cdf.ndim, 1, null)), np.slice(cdf, ...sliceLast(cdf.ndim, 0, -1)));
    const total = np.sub(np.slice(cdf, ...sliceLast(cdf.ndim, -1, null)), np.slice(cdf, ...sliceLast(cdf.ndim, 0, 1)));
    return np.div(mass, total);
  };
  const fromProbs = (probs: Array): Array => {
    checkBins("probs", probs);
    return np.sum(np.mul(probs, centers(floatDtype(probs))), -1);
  };
  return {
    vmin,
    vmax,
    numBins,
    binWidth,
    sigma,
    centers,
    edges,
    toProbs,
    toLogits: (target) => np.log(np.maximum(toProbs(target), 1e-30)),
    fromProbs,
    fromLogits: (logits) => {
      checkBins("logits", logits);
      return fromProbs(np.softmax(logits, -1));
    },
    loss: (logits, target) => {
      checkBins("logits", logits);
      const p = stopGradient(toProbs(target));
      return np.neg(np.sum(np.mul(p, np.logSoftmax(logits, -1)), -1));
    },
  };
}

/** Slice specs selecting [start, stop) on the last of `ndim` axes. */
function sliceLast(ndim: number, start: number, stop: number | null): (readonly (number | null)[] | null)[] {
  return [...new globalThis.Array<null>(ndim - 1).fill(null), [start, stop]];
}
