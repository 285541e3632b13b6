// Fourier-type embeddings: sinusoidal and learnable time embeddings, the DA-MDP step embedding, random Fourier features.
import { DriftError, np, random, stopGradient, type Array } from "@drift/tensor";
import { type Initializer, normal, zeros } from "../init.ts";
import { type Module, type NoParams, checkLastAxis, checkPositiveInt, splitKeys } from "./module.ts";

function floatInput(x: Array): Array {
  return x.dtype === "float32" || x.dtype === "float64" ? x : np.astype(x, "float32");
}

function checkEven(op: string, dim: number): void {
  checkPositiveInt(op, "dim", dim);
  if (dim % 2 !== 0) throw new DriftError(op, `dim must be even (half sines, half cosines); got ${dim}`);
}

/** Options of `sinusoidalEmbedding`. */
export interface SinusoidalOptions {
  /** Longest period 10000 by default, as the Transformer and DDPM. */
  maxPeriod?: number;
  /** Put the cosines first, as FlowRL's `PositionalEmbedding` (default false: [sin, cos] as DDPM). */
  cosFirst?: boolean;
}

/**
 * Fixed sinusoidal embedding of scalar positions or diffusion steps (Vaswani et al. 2017; Ho et al. 2020):
 * t of shape [...] → [..., dim] = [sin(t·f), cos(t·f)] with f_i = maxPeriod^(−i/(dim/2 − 1)), i < dim/2, the
 * frequency layout of the DDPM reference code and Diffuser/Diffusion Policy's `SinusoidalPosEmb`. No parameters.
 */
export function sinusoidalEmbedding(dim: number, opts: SinusoidalOptions = {}): Module<NoParams> {
  const op = "sinusoidalEmbedding";
  checkEven(op, dim);
  const half = dim / 2;
  if (half < 2) throw new DriftError(op, `dim must be at least 4; got ${dim}`);
  const maxPeriod = opts.maxPeriod ?? 10000;
  const freqs = globalThis.Array.from({ length: half }, (_, i) => Math.exp((-Math.log(maxPeriod) * i) / (half - 1)));
  return {
    init: () => ({}),
    apply(_params, t) {
      const x = floatInput(t);
      const args = np.mul(np.expandDims(x, -1), np.array(freqs, { dtype: x.dtype }));
      const parts = [np.sin(args), np.cos(args)];
      return np.concatenate(opts.cosFirst ? parts.reverse() : parts, -1);
    },
  };
}

/** Options of `learnableFourier`. */
export interface LearnableFourierOptions {
  /** Standard deviation of the initial frequencies (default 0.2, as FlowRL). */
  std?: number;
  /** Features of the input's last axis (default 1: a scalar time as [..., 1]). */
  inFeatures?: number;
}

/** Parameters of `learnableFourier`: frequencies W [dim/2, inFeatures]. */
export interface LearnableFourierParams {
  kernel: Array;
}

/**
 * Learnable Fourier embedding (FlowRL's `LearnablePositionalEmbedding`): x [..., in] → [cos, sin](2π·x·Wᵀ) of
 * shape [..., dim], with W ~ N(0, std²) trained with the rest of the network.
 */
export function learnableFourier(dim: number, opts: LearnableFourierOptions = {}): Module<LearnableFourierParams> {
  const op = "learnableFourier";
  checkEven(op, dim);
  const inFeatures = opts.inFeatures ?? 1;
  checkPositiveInt(op, "inFeatures", inFeatures);
  const kernelInit = normal(opts.std ?? 0.2);
  return {
    init: (key, o = {}) => ({ kernel: kernelInit(key, [dim / 2, inFeatures], o) }),
    apply(params, x) {
      checkLastAxis(op, x, inFeatures);
      const f = np.mul(np.matmul(floatInput(x), np.transpose(params.kernel)), 2 * Math.PI);
      return np.concatenate([np.cos(f), np.sin(f)], -1);
    },
  };
}

/** Options of `damdpTimeEmbedding`. */
export interface DamdpTimeEmbeddingOptions {
  /** Number of fixed frequencies (default 32). */
  numFrequencies?: number;
  /** Lowest and highest frequency of the linspace (defaults 0.1 and 100). */
  minFrequency?: number;
  maxFrequency?: number;
  /** Initializer of the learnable phases (default zeros; the reference does not state it). */
  phaseInit?: Initializer;
}

/** Parameters of `damdpTimeEmbedding`: the learnable phases φ [numFrequencies]. */
export interface DamdpTimeEmbeddingParams {
  phase: Array;
}

/**
 * The DA-MDP denoising-step embedding: k of shape [...] → [sin, cos](c ⊙ k + φ) of shape [..., 2·n], with
 * c = linspace(0.1, 100, n) fixed and the phases φ learnable (n = 32 by default).
 */
export function damdpTimeEmbedding(opts: DamdpTimeEmbeddingOptions = {}): Module<DamdpTimeEmbeddingParams> {
  const op = "damdpTimeEmbedding";
  const n = opts.numFrequencies ?? 32;
  checkPositiveInt(op, "numFrequencies", n);
  const lo = opts.minFrequency ?? 0.1;
  const hi = opts.maxFrequency ?? 100;
  const phaseInit = opts.phaseInit ?? zeros;
  return {
    init: (key, o = {}) => ({ phase: phaseInit(key, [n], o) }),
    apply(params, k) {
      const x = floatInput(k);
      const c = np.linspace(lo, hi, n, { dtype: x.dtype });
      const args = np.add(np.mul(np.expandDims(x, -1), c), params.phase);
      return np.concatenate([np.sin(args), np.cos(args)], -1);
    },
  };
}

/** Configuration of `randomFourierFeatures`. */
export interface RandomFourierFeaturesConfig {
  inFeatures: number;
  /** Number of features D. */
  features: number;
  /** Standard deviation σ of the frequencies, the inverse RBF length scale (default 1). */
  sigma?: number;
  /** Train ω and b with the rest of the network (default false: they stay at their random draw). */
  learnable?: boolean;
}

/** Parameters of `randomFourierFeatures`: frequencies ω [in, D] and phases b [D]. */
export interface RandomFourierFeaturesParams {
  omega: Array;
  bias: Array;
}

/**
 * Random Fourier features (Rahimi & Recht 2007): x [..., in] → √(2/D)·cos(x·ω + b) with ω ~ N(0, σ²) and
 * b ~ U[0, 2π), so that φ(x)·φ(y) ≈ exp(−σ²‖x − y‖²/2). When not `learnable`, ω and b still live in the
 * parameter tree (so they are saved and vmapped with it) but `apply` stops their gradients.
 */
export function randomFourierFeatures(config: RandomFourierFeaturesConfig): Module<RandomFourierFeaturesParams> {
  const op = "randomFourierFeatures";
  const { inFeatures, features, sigma = 1, learnable = false } = config;
  checkPositiveInt(op, "inFeatures", inFeatures);
  checkPositiveInt(op, "features", features);
  if (!(sigma > 0)) throw new DriftError(op, `sigma must be positive; got ${sigma}`);
  return {
    init(key, o = {}) {
      const [kw, kb] = splitKeys(key, 2) as [Array, Array];
      const dtype = o.dtype ?? "float32";
      return {
        omega: np.mul(random.normal(kw, [inFeatures, features], { dtype }), sigma),
        bias: random.uniform(kb, [features], { dtype, minval: 0, maxval: 2 * Math.PI }),
      };
    },
    apply(params, x) {
      checkLastAxis(op, x, inFeatures);
      const p = learnable ? params : stopGradient(params);
      return np.mul(np.cos(np.add(np.matmul(floatInput(x), p.omega), p.bias)), Math.sqrt(2 / features));
    },
  };
}
