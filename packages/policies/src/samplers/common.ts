// Shared pieces of the samplers: the model-function type, options, the denoiser wrapper, inpainting and the step scan.
import { DriftError, lax, np, random, type Array, type DType } from "@drift/tensor";
import { type Prediction, checkPrediction, toEpsX0 } from "../noising.ts";
import { type NoiseSchedule, type TimeGrid, samplingGrid } from "../schedules.ts";

/**
 * A denoising / velocity model: `x` is the current sample (any shape) and `t` a 0-d float array holding the model time
 * (discrete step index, continuous t, or EDM σ). Returns a prediction shaped like `x`. Conditioning (observations,
 * guidance targets, parameters) is closed over.
 */
export type ModelFn = (x: Array, t: Array) => Array;

/**
 * Inpainting (Lugmayr et al. 2022 "RePaint"; DWM Alg. 19–20, papers.md §3.1): after the initial draw and after every
 * step, entries where `mask` is true are replaced by the known `values` — noised to the current time,
 * α(t)·values + σ(t)·z with fresh z (default), or clean values (`noised: false`, Diffuser/DWM's conditioning by
 * replacement). `mask` (bool or 0/1) and `values` broadcast against the sample.
 */
export interface Inpainting {
  mask: Array;
  values: Array;
  noised?: boolean;
}

/** Options shared by the diffusion samplers. */
export interface DiffusionSampleOptions {
  /** The noise schedule the model was trained with. */
  schedule: NoiseSchedule;
  /** Shape of the sample (required unless `xT` is given). */
  shape?: readonly number[];
  /** Number of steps N (default: K for discrete schedules, 20 for continuous, 18 for edm); ignored with `grid`. */
  steps?: number;
  /** An explicit descending grid (default `samplingGrid(schedule, steps)`). */
  grid?: TimeGrid;
  /** Parameterization of the model's output (default "eps"). */
  prediction?: Prediction;
  /** The initial sample x_T (default N(0, (α_T² + σ_T²)·I), i.e. N(0, I) for VP and ≈ N(0, σ_max²I) for EDM). */
  xT?: Array;
  /** Float dtype of the sample when `xT` is absent (default float32). */
  dtype?: DType;
  /** Clip x̂_0 to [−c, c] or [lo, hi] at every model call (ε̂ is recomputed from the clipped x̂_0). */
  clipX0?: number | readonly [number, number];
  /** Replace known entries at every step. */
  inpaint?: Inpainting;
}

/** Resolved options: the grid as float64 lists and the per-call helpers every sampler needs. */
export interface SamplerSetup {
  grid: TimeGrid;
  dtype: DType;
  x: Array;
  stepKeys: Array;
  denoise: (x: Array, t: Array, alpha: Array, sigma: Array) => [Array, Array];
  inpaint: (x: Array, alpha: Array, sigma: Array, key: Array) => Array;
}

/** Default step count for a schedule kind. */
function defaultSteps(schedule: NoiseSchedule): number {
  if (schedule.kind === "discrete") return schedule.tMax;
  return schedule.kind === "edm" ? 18 : 20;
}

/** Throws unless `grid` is a valid descending grid with positive α and positive σ before its last point. */
function checkGrid(op: string, grid: TimeGrid): void {
  const n = grid.t.length;
  if (n < 2 || grid.alpha.length !== n || grid.sigma.length !== n)
    throw new DriftError(op, `grid needs t, alpha and sigma of equal length ≥ 2; got ${grid.t.length}, ${grid.alpha.length}, ${grid.sigma.length}`);
  for (let i = 0; i < n; i++) {
    if (!(grid.alpha[i]! > 0)) throw new DriftError(op, `grid alpha[${i}] must be positive; got ${grid.alpha[i]}`);
    if (!(grid.sigma[i]! >= 0) || (i < n - 1 && !(grid.sigma[i]! > 0)))
      throw new DriftError(op, `grid sigma[${i}] must be positive (only the last may be 0); got ${grid.sigma[i]}`);
    if (i > 0 && !(grid.sigma[i]! / grid.alpha[i]! < grid.sigma[i - 1]! / grid.alpha[i - 1]!))
      throw new DriftError(op, `grid must go from noisy to clean (σ/α strictly decreasing); step ${i} is not`);
  }
}

/** x̂_0 clipping bounds from `clipX0`. */
function clipBounds(op: string, c: number | readonly [number, number] | undefined): [number, number] | null {
  if (c === undefined) return null;
  const [lo, hi] = typeof c === "number" ? [-c, c] : c;
  if (!(lo < hi)) throw new DriftError(op, `clipX0 must be a positive number or [lo, hi] with lo < hi; got ${JSON.stringify(c)}`);
  return [lo, hi];
}

/** Applies inpainting to x at a grid point (α, σ as 0-d arrays). */
export function makeInpaint(inp: Inpainting | undefined, dtype: DType): (x: Array, alpha: Array, sigma: Array, key: Array) => Array {
  if (!inp) return (x) => x;
  const mask = np.astype(inp.mask, "bool");
  const values = np.astype(inp.values, dtype);
  if (inp.noised === false) return (x) => np.where(mask, np.broadcastTo(values, x.shape), x);
  return (x, alpha, sigma, key) => {
    const known = np.add(np.mul(values, alpha), np.mul(random.normal(key, x.shape, { dtype }), sigma));
    return np.where(mask, known, x);
  };
}

/** Resolves the grid, draws x_T (inpainted), splits per-step keys and builds the denoiser for a diffusion sampler. */
export function setupDiffusion(op: string, model: ModelFn, key: Array, opts: DiffusionSampleOptions): SamplerSetup {
  if (typeof model !== "function") throw new DriftError(op, `model must be a function (x, t) => prediction; got ${typeof model}`);
  if (!opts || !opts.schedule) throw new DriftError(op, "options.schedule is required (discreteSchedule, continuousSchedule or edmSchedule)");
  const prediction = opts.prediction ?? "eps";
  checkPrediction(op, prediction);
  const grid = opts.grid ?? samplingGrid(opts.schedule, opts.steps ?? defaultSteps(opts.schedule));
  checkGrid(op, grid);
  const bounds = clipBounds(op, opts.clipX0);
  const dtype = opts.xT?.dtype ?? opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new DriftError(op, `dtype must be float32 or float64; got ${dtype}`);
  const [kInit, kInpaint, kSteps] = splitN(key, 3);
  let x: Array;
  if (opts.xT) x = opts.xT;
  else {
    if (!opts.shape) throw new DriftError(op, "either options.shape or options.xT is required");
    x = np.mul(random.normal(kInit, opts.shape as number[], { dtype }), Math.hypot(grid.alpha[0]!, grid.sigma[0]!));
  }
  const inpaint = makeInpaint(opts.inpaint, dtype);
  x = inpaint(x, scalar(grid.alpha[0]!, dtype), scalar(grid.sigma[0]!, dtype), kInpaint);
  const denoise = (xt: Array, t: Array, alpha: Array, sigma: Array): [Array, Array] => {
    const pred = model(xt, t);
    if (!pred || pred.shape.length !== xt.shape.length || pred.shape.some((d, i) => d !== xt.shape[i]))
      throw new DriftError(op, `the model must return an array shaped like x [${xt.shape.join(",")}]; got [${pred?.shape?.join(",")}]`);
    const [eps, x0] = toEpsX0(np.astype(pred, dtype), prediction, xt, alpha, sigma);
    if (!bounds) return [eps, x0];
    const x0c = np.clip(x0, bounds[0], bounds[1]);
    return [np.div(np.sub(xt, np.mul(x0c, alpha)), sigma), x0c];
  };
  return { grid, dtype, x, stepKeys: random.split(kSteps, grid.t.length - 1), denoise, inpaint };
}

/** A 0-d array. */
function scalar(v: number, dtype: DType): Array {
  return np.array(v, { dtype });
}

/** `n` keys split from `key`, as a JS list. */
export function splitN(key: Array, n: number): Array[] {
  const keys = random.split(key, n);
  return globalThis.Array.from({ length: n }, (_, i) => np.reshape(np.slice(keys, [i, i + 1]), [2]));
}

/** Per-step float64 columns → arrays of `dtype` with the step keys added, ready to be scanned over. */
export function stepInputs(cols: Record<string, number[]>, dtype: DType, keys: Array): Record<string, Array> {
  const out: Record<string, Array> = { key: keys };
  for (const [k, v] of Object.entries(cols)) out[k] = np.array(v, { dtype });
  return out;
}

/** Scans `body` over the rows of `xs` (a no-op for zero rows). */
export function scanSteps<C>(body: (carry: C, row: Record<string, Array>) => C, init: C, xs: Record<string, Array>): C {
  if (xs.key!.shape[0] === 0) return init;
  const [out] = lax.scan((c: C, row: Record<string, Array>) => [body(c, row), null], init, xs);
  return out;
}
