// Annealed Langevin dynamics over a decreasing sequence of noise levels (Song & Ermon 2019), for any prediction type.
import { DriftError, np, random, type Array, type DType } from "@drift/tensor";
import { type Prediction, checkPrediction, toEpsX0 } from "../noising.ts";
import { type NoiseSchedule, samplingGrid } from "../schedules.ts";
import { type ModelFn, scanSteps, splitN, stepInputs } from "./common.ts";

/** Options of `langevinSample`. */
export interface LangevinOptions {
  /** Schedule that maps a level (model time) to α and σ. */
  schedule: NoiseSchedule;
  /** Model times of the levels, noisiest first (default: the first `numLevels` points of `samplingGrid(schedule, numLevels)`). */
  levels?: readonly number[];
  /** Number of levels when `levels` is absent (default 10). */
  numLevels?: number;
  /** Langevin steps per level T (default 100). */
  stepsPerLevel?: number;
  /** Base step size ε; level i uses ε·σ_i²/σ_L² (default 2e-5, Song & Ermon 2019 §5). */
  stepSize?: number;
  /** Parameterization of the model's output (default "score"). */
  prediction?: Prediction;
  /** Shape of the sample (required unless `x0` is given). */
  shape?: readonly number[];
  /** Initial sample (default N(0, (α_1² + σ_1²)·I) at the first level). */
  x0?: Array;
  /** Float dtype when `x0` is absent (default float32). */
  dtype?: DType;
  /** Finish with the Tweedie denoising step x ← x̂_0 at the last level (Song & Ermon 2020, "Improved Techniques", §4 footnote; default false). */
  denoise?: boolean;
}

/**
 * Annealed Langevin dynamics (Song & Ermon 2019, "Generative Modeling by Estimating Gradients of the Data
 * Distribution", Alg. 1): for each level i (σ_1 > … > σ_L), T steps of x ← x + (α_i/2)·s(x, t_i) + √α_i·z with
 * α_i = ε·σ_i²/σ_L² and s the score recovered from the model's prediction (score = −ε̂/σ). Stochastic only.
 */
export function langevinSample(model: ModelFn, key: Array, opts: LangevinOptions): Array {
  const op = "langevinSample";
  if (typeof model !== "function") throw new DriftError(op, `model must be a function (x, t) => prediction; got ${typeof model}`);
  if (!opts || !opts.schedule) throw new DriftError(op, "options.schedule is required");
  const prediction = opts.prediction ?? "score";
  checkPrediction(op, prediction);
  const sched = opts.schedule;
  const numLevels = opts.numLevels ?? 10;
  const levels = opts.levels ?? samplingGrid(sched, numLevels).t.slice(0, numLevels);
  const T = opts.stepsPerLevel ?? 100;
  const eps = opts.stepSize ?? 2e-5;
  if (levels.length === 0) throw new DriftError(op, "levels must not be empty");
  if (!Number.isInteger(T) || T <= 0) throw new DriftError(op, `stepsPerLevel must be a positive integer; got ${T}`);
  if (!(eps > 0)) throw new DriftError(op, `stepSize must be positive; got ${eps}`);
  const alpha = levels.map((t) => sched.alphaAt(t));
  const sigma = levels.map((t) => sched.sigmaAt(t));
  sigma.forEach((s, i) => {
    if (!(s > 0) || (i > 0 && !(s <= sigma[i - 1]!))) throw new DriftError(op, `levels must have positive, non-increasing σ; level ${i} has σ = ${s}`);
  });
  const sL = sigma[sigma.length - 1]!;
  const dtype = opts.x0?.dtype ?? opts.dtype ?? "float32";
  const [kInit, kSteps] = splitN(key, 2);
  let x: Array;
  if (opts.x0) x = opts.x0;
  else {
    if (!opts.shape) throw new DriftError(op, "either options.shape or options.x0 is required");
    x = np.mul(random.normal(kInit, opts.shape as number[], { dtype }), Math.hypot(alpha[0]!, sigma[0]!));
  }
  const rep = (v: number[]): number[] => v.flatMap((a) => globalThis.Array.from({ length: T }, () => a));
  const step = sigma.map((s) => (eps * s * s) / (sL * sL));
  const cols = { t: rep([...levels]), a: rep(alpha), s: rep(sigma), half: rep(step.map((a) => a / 2)), std: rep(step.map(Math.sqrt)) };
  const scoreAt = (xx: Array, t: Array, a: Array, s: Array): [Array, Array] => {
    const pred = model(xx, t);
    if (!pred || pred.shape.length !== xx.shape.length || pred.shape.some((d, i) => d !== xx.shape[i]))
      throw new DriftError(op, `the model must return an array shaped like x [${xx.shape.join(",")}]; got [${pred?.shape?.join(",")}]`);
    const [e, x0] = toEpsX0(np.astype(pred, dtype), prediction, xx, a, s);
    return [np.neg(np.div(e, s)), x0];
  };
  x = scanSteps(
    (xc, r) => {
      const [score] = scoreAt(xc, r.t!, r.a!, r.s!);
      return np.add(np.add(xc, np.mul(score, r.half!)), np.mul(random.normal(r.key!, xc.shape, { dtype }), r.std!));
    },
    x,
    stepInputs(cols, dtype, random.split(kSteps, levels.length * T)),
  );
  if (!opts.denoise) return x;
  const last = levels.length - 1;
  const c = (v: number): Array => np.array(v, { dtype });
  return scoreAt(x, c(levels[last]!), c(alpha[last]!), c(sL))[1];
}
