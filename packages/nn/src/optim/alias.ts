// Ready-made optimizers (after optax's alias module): SGD, Adam, AdamW and RMSProp as chains of transformations.
import { type EmptyState, type GradientTransformation, type ScalarOrSchedule, type ScheduleState, checkDecay } from "./base.ts";
import { type Mask, type MaskedState, chain, identity } from "./combine.ts";
import {
  type ScaleByAdamOptions,
  type ScaleByAdamState,
  type ScaleByRmsOptions,
  type ScaleByRmsState,
  type ScaleByStddevState,
  type TraceState,
  addDecayedWeights,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  scaleByStddev,
  trace,
} from "./transform.ts";

/** State of the learning-rate step: empty for a fixed rate, the step count for a schedule. */
export type LearningRateState = EmptyState | ScheduleState;

/** Options of `sgd`. */
export interface SgdOptions {
  /** Momentum decay in [0, 1); omitted means plain SGD. */
  momentum?: number;
  /** Use Nesterov momentum (only with `momentum`). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent (optax.sgd): `chain(trace(momentum, {nesterov}), scaleByLearningRate(lr))`, i.e.
 * m ← g + μ·m and u = −lr·m (u = −lr·(g + μ·m) with Nesterov); without momentum u = −lr·g.
 */
export function sgd(lr: ScalarOrSchedule, opts: SgdOptions = {}): GradientTransformation<[TraceState | EmptyState, LearningRateState]> {
  if (opts.momentum !== undefined) checkDecay("sgd", "momentum", opts.momentum);
  const momentum = opts.momentum === undefined ? identity() : trace(opts.momentum, { nesterov: opts.nesterov ?? false });
  return chain(momentum, scaleByLearningRate(lr));
}

/**
 * Adam (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980; optax.adam): `chain(scaleByAdam(opts), scaleByLearningRate(lr))`,
 * u = −lr · μ̂ / (√(ν̂ + epsRoot) + eps).
 */
export function adam(lr: ScalarOrSchedule, opts: ScaleByAdamOptions = {}): GradientTransformation<[ScaleByAdamState, LearningRateState]> {
  return chain(scaleByAdam(opts), scaleByLearningRate(lr));
}

/** Options of `adamw`. */
export interface AdamWOptions extends ScaleByAdamOptions {
  /** Decoupled weight decay, a number ≥ 0 or a schedule (default 1e-4). */
  weightDecay?: ScalarOrSchedule;
  /** Which leaves get weight decay: a boolean tree shaped like the params (or a prefix), or a function of the params. */
  mask?: Mask;
}

/**
 * AdamW (Loshchilov & Hutter 2019, https://arxiv.org/abs/1711.05101; optax.adamw): the decay is applied after the Adam
 * rescaling and before the learning rate, `chain(scaleByAdam, addDecayedWeights(weightDecay, mask), scaleByLearningRate(lr))`,
 * so u = −lr · (μ̂ / (√(ν̂ + epsRoot) + eps) + weightDecay·p). `update` needs the params.
 */
export function adamw(
  lr: ScalarOrSchedule,
  opts: AdamWOptions = {},
): GradientTransformation<[ScaleByAdamState, EmptyState | ScheduleState | MaskedState, LearningRateState]> {
  const { weightDecay = 1e-4, mask, ...adamOpts } = opts;
  return chain(scaleByAdam(adamOpts), addDecayedWeights(weightDecay, mask), scaleByLearningRate(lr));
}

/** Options of `rmsprop`. */
export interface RmspropOptions extends ScaleByRmsOptions {
  /** Divide by the root of the variance (centred RMSProp) instead of the second moment (default false). */
  centered?: boolean;
  /** Momentum decay in [0, 1) applied after the learning rate; omitted means none. */
  momentum?: number;
  /** Use Nesterov momentum (only with `momentum`). */
  nesterov?: boolean;
}

/**
 * RMSProp (Hinton 2012; centred form Graves 2013, https://arxiv.org/abs/1308.0850; optax.rmsprop):
 * `chain(scaleByRms | scaleByStddev, scaleByLearningRate(lr), trace(momentum))` — as in optax, momentum acts on the
 * already scaled step. Note optax's default adds `eps` inside the square root (`epsInSqrt: true`), unlike PyTorch.
 */
export function rmsprop(
  lr: ScalarOrSchedule,
  opts: RmspropOptions = {},
): GradientTransformation<[ScaleByRmsState | ScaleByStddevState, LearningRateState, TraceState | EmptyState]> {
  const { centered = false, momentum, nesterov = false, ...rmsOpts } = opts;
  if (momentum !== undefined) checkDecay("rmsprop", "momentum", momentum);
  return chain(
    centered ? scaleByStddev(rmsOpts) : scaleByRms(rmsOpts),
    scaleByLearningRate(lr),
    momentum === undefined ? identity() : trace(momentum, { nesterov }),
  );
}
