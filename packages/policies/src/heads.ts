// Policy heads behind one interface: deterministic, Gaussian, tanh-Gaussian, diffusion (FlowRL noise net) and flow policies.
import { DriftError, np, random, type Array } from "@drift/tensor";
import { layers } from "@drift/nn";
import type { Prediction } from "./noising.ts";
import { checkPrediction } from "./noising.ts";
import { type ModelFn, splitN } from "./samplers/common.ts";
import { type DiffusionSamplerName, DIFFUSION_SAMPLERS, ddimSample, diffusionSample } from "./samplers/diffusion.ts";
import { type FlowMethod, FLOW_METHODS, flowSample } from "./samplers/flow.ts";
import { type NoiseSchedule, type TimeGrid, continuousSchedule, samplingGrid } from "./schedules.ts";
import { DEFAULT_SQUASH_CLIP, tanhLogDet, tanhSquash, tanhUnsquash } from "./squash.ts";

type Activation = layers.Activation;
type InitOptions = layers.InitOptions;
type MlpParams = layers.MlpParams;

/** Options of `PolicyHead.sample`. */
export interface SampleOptions {
  /** Evaluation mode: the mean action (Gaussian heads) or the ODE sampler started at the prior's mean (generative heads). */
  deterministic?: boolean;
}

/**
 * A policy head: parameters from `init`, actions [..., actDim] from observations [..., obsDim] with `sample`, and,
 * where the density is tractable, `logProb(params, obs, action)` → [...] (log π(a|s) summed over action dims).
 */
export interface PolicyHead<P> {
  readonly obsDim: number;
  readonly actDim: number;
  init(key: Array, opts?: InitOptions): P;
  sample(key: Array, params: P, obs: Array, opts?: SampleOptions): Array;
  logProb?(params: P, obs: Array, action: Array): Array;
}

/** Configuration of the MLP-backed heads (deterministic, Gaussian, tanh-Gaussian). */
export interface MlpHeadConfig {
  obsDim: number;
  actDim: number;
  /** Hidden widths (default [256, 256]). */
  hidden?: readonly number[];
  /** Hidden activation (default "relu"). */
  activation?: Activation;
  /** LayerNorm after each hidden Dense (default false). */
  layerNorm?: boolean;
}

function checkDims(op: string, c: { obsDim: number; actDim: number }): void {
  for (const k of ["obsDim", "actDim"] as const)
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new DriftError(op, `${k} must be a positive integer; got ${c[k]}`);
}

function checkObs(op: string, obs: Array, obsDim: number): void {
  if (obs.ndim < 1 || obs.shape[obs.ndim - 1] !== obsDim)
    throw new DriftError(op, `obs has shape [${obs.shape.join(",")}] but its last axis must have ${obsDim} features`);
}

function checkAction(op: string, action: Array, actDim: number): void {
  if (action.ndim < 1 || action.shape[action.ndim - 1] !== actDim)
    throw new DriftError(op, `action has shape [${action.shape.join(",")}] but its last axis must have ${actDim} entries`);
}

/** A deterministic policy: a = tanh(MLP(s)) (FlowRL `SquashedDeterministicActor`; TD3, DWM-TD3BC). No logProb. */
export function deterministicHead(config: MlpHeadConfig): PolicyHead<MlpParams> {
  const op = "deterministicHead";
  checkDims(op, config);
  const { obsDim, actDim } = config;
  const net = layers.mlp({ inFeatures: obsDim, hidden: config.hidden ?? [256, 256], outFeatures: actDim, activation: config.activation ?? "relu", layerNorm: config.layerNorm ?? false });
  return {
    obsDim,
    actDim,
    init: (key, opts) => net.init(key, opts),
    sample(_key, params, obs) {
      checkObs(op, obs, obsDim);
      return np.tanh(net.apply(params, obs));
    },
  };
}

/** Configuration of `gaussianHead` and `tanhGaussianHead`. */
export interface GaussianHeadConfig extends MlpHeadConfig {
  /** Clip of the state-dependent log-std (defaults −20 and 2, FlowRL `GaussianActor`). */
  logStdMin?: number;
  logStdMax?: number;
}

/** A head with a state-dependent diagonal Gaussian: `meanLogStd` exposes the clipped parameters. */
export interface GaussianHead extends PolicyHead<MlpParams> {
  logProb(params: MlpParams, obs: Array, action: Array): Array;
  /** [mean, log-std] of the (pre-squash) Gaussian, each [..., actDim]. */
  meanLogStd(params: MlpParams, obs: Array): [Array, Array];
  /** A reparameterized sample and its log-density in one pass (exact even where the squashed action is clipped). */
  sampleWithLogProb(key: Array, params: MlpParams, obs: Array): [Array, Array];
}

/** Σ_i log N(x_i; μ_i, σ_i²) over the last axis. */
function diagNormalLogProb(x: Array, mean: Array, logStd: Array): Array {
  const z = np.mul(np.sub(x, mean), np.exp(np.neg(logStd)));
  return np.sum(np.sub(np.add(np.mul(np.square(z), -0.5), np.neg(logStd)), 0.5 * Math.log(2 * Math.PI)), -1);
}

function gaussianCore(op: string, config: GaussianHeadConfig) {
  checkDims(op, config);
  const { obsDim, actDim } = config;
  const lo = config.logStdMin ?? -20;
  const hi = config.logStdMax ?? 2;
  if (!(lo < hi)) throw new DriftError(op, `logStdMin must be below logStdMax; got ${lo}, ${hi}`);
  const net = layers.mlp({ inFeatures: obsDim, hidden: config.hidden ?? [256, 256], outFeatures: 2 * actDim, activation: config.activation ?? "relu", layerNorm: config.layerNorm ?? false });
  const meanLogStd = (params: MlpParams, obs: Array): [Array, Array] => {
    checkObs(op, obs, obsDim);
    const [mean, logStd] = np.split(net.apply(params, obs), 2, -1) as [Array, Array];
    return [mean, np.clip(logStd, lo, hi)];
  };
  return { obsDim, actDim, net, meanLogStd };
}

/**
 * A Gaussian policy π(a|s) = N(μ(s), diag σ(s)²) with a state-dependent log σ clipped to [logStdMin, logStdMax]
 * (FlowRL `GaussianActor` with conditional_logstd). Actions are not squashed.
 */
export function gaussianHead(config: GaussianHeadConfig): GaussianHead {
  const op = "gaussianHead";
  const { obsDim, actDim, net, meanLogStd } = gaussianCore(op, config);
  const draw = (key: Array, params: MlpParams, obs: Array): [Array, Array, Array] => {
    const [mean, logStd] = meanLogStd(params, obs);
    return [np.add(mean, np.mul(random.normal(key, mean.shape, { dtype: mean.dtype }), np.exp(logStd))), mean, logStd];
  };
  return {
    obsDim,
    actDim,
    init: (key, opts) => net.init(key, opts),
    meanLogStd,
    sample(key, params, obs, opts = {}) {
      return opts.deterministic ? meanLogStd(params, obs)[0] : draw(key, params, obs)[0];
    },
    logProb(params, obs, action) {
      checkAction(op, action, actDim);
      const [mean, logStd] = meanLogStd(params, obs);
      return diagNormalLogProb(action, mean, logStd);
    },
    sampleWithLogProb(key, params, obs) {
      const [a, mean, logStd] = draw(key, params, obs);
      return [a, diagNormalLogProb(a, mean, logStd)];
    },
  };
}

/** Configuration of `tanhGaussianHead`. */
export interface TanhGaussianHeadConfig extends GaussianHeadConfig {
  /** Clip of squashed actions (default 0.999). */
  clip?: number;
}

/**
 * The tanh-squashed Gaussian of SAC (Haarnoja et al. 2018 App. C): u ~ N(μ(s), σ(s)²), a = clip(tanh(u), ±clip),
 * log π(a|s) = log N(u; μ, σ²) − Σ log(1 − tanh(u)²) with the stable log-det of `tanhLogDet`; `logProb` of a
 * given action inverts the squash (u = atanh(a), a clipped to ±clip first). Deterministic: tanh(μ).
 */
export function tanhGaussianHead(config: TanhGaussianHeadConfig): GaussianHead {
  const op = "tanhGaussianHead";
  const clip = config.clip ?? DEFAULT_SQUASH_CLIP;
  if (!(clip > 0 && clip <= 1)) throw new DriftError(op, `clip must be in (0, 1]; got ${clip}`);
  const { obsDim, actDim, net, meanLogStd } = gaussianCore(op, config);
  const logProbPre = (u: Array, mean: Array, logStd: Array): Array => np.sub(diagNormalLogProb(u, mean, logStd), tanhLogDet(u));
  return {
    obsDim,
    actDim,
    init: (key, opts) => net.init(key, opts),
    meanLogStd,
    sample(key, params, obs, opts = {}) {
      const [mean, logStd] = meanLogStd(params, obs);
      if (opts.deterministic) return tanhSquash(mean, clip);
      return tanhSquash(np.add(mean, np.mul(random.normal(key, mean.shape, { dtype: mean.dtype }), np.exp(logStd))), clip);
    },
    logProb(params, obs, action) {
      checkAction(op, action, actDim);
      const [mean, logStd] = meanLogStd(params, obs);
      return logProbPre(tanhUnsquash(action, clip), mean, logStd);
    },
    sampleWithLogProb(key, params, obs) {
      const [mean, logStd] = meanLogStd(params, obs);
      const u = np.add(mean, np.mul(random.normal(key, mean.shape, { dtype: mean.dtype }), np.exp(logStd)));
      return [tanhSquash(u, clip), logProbPre(u, mean, logStd)];
    },
  };
}

/** Network sizes shared by the diffusion and flow heads (FlowRL `DDPMBackbone`, papers.md §2.3). */
export interface GenerativeNetConfig {
  obsDim: number;
  actDim: number;
  /** Hidden widths of the noise / velocity MLP (default [256, 256, 256]). */
  hidden?: readonly number[];
  /** Activation everywhere (default "mish"). */
  activation?: Activation;
  /** Width of the learnable Fourier time embedding, followed by Dense(d)–act–Dense(d)–act (default 64). */
  timeDim?: number;
  /** Observation embedding Dense–act widths (default [128, 128]; [] feeds the raw observation). */
  obsEmbed?: readonly number[];
  /** Clip of the sampled actions and, for diffusion, of x̂_0 at every step (default 1: [−1, 1]; null: no clipping). */
  actionBound?: number | null;
}

/** Parameters of the diffusion and flow heads. */
export interface GenerativeParams {
  fourier: layers.LearnableFourierParams;
  time: MlpParams;
  obs: MlpParams | null;
  net: MlpParams;
}

/** Dense–act stack whose last layer is also activated (FlowRL `MLP(hidden_dims)` without output layer), or null for []. */
function embedding(inFeatures: number, dims: readonly number[], activation: Activation): layers.Module<MlpParams> | null {
  if (dims.length === 0) return null;
  return layers.mlp({ inFeatures, hidden: dims.slice(0, -1), outFeatures: dims[dims.length - 1]!, activation, activateFinal: true });
}

/** The conditional network f(x_t, t, s) = MLP(concat(x_t, MLP(LearnableFourier(t)), MLP(s))) and its bookkeeping. */
function generativeNet(op: string, c: GenerativeNetConfig) {
  checkDims(op, c);
  const { obsDim, actDim } = c;
  const act = c.activation ?? "mish";
  const timeDim = c.timeDim ?? 64;
  const fourier = layers.learnableFourier(timeDim);
  const time = embedding(timeDim, [timeDim, timeDim], act)!;
  const obsDims = c.obsEmbed ?? [128, 128];
  const obsNet = embedding(obsDim, obsDims, act);
  const inFeatures = actDim + timeDim + (obsDims.length ? obsDims[obsDims.length - 1]! : obsDim);
  const net = layers.mlp({ inFeatures, hidden: c.hidden ?? [256, 256, 256], outFeatures: actDim, activation: act });
  const bound = c.actionBound === undefined ? 1 : c.actionBound;
  if (bound !== null && !(bound > 0)) throw new DriftError(op, `actionBound must be positive or null; got ${bound}`);
  /** The observation embedding (computed once per sampled chain by `model`). */
  const embedObs = (params: GenerativeParams, obs: Array): Array => {
    checkObs(op, obs, obsDim);
    return obsNet ? obsNet.apply(params.obs!, obs) : obs;
  };
  /**
   * f(x_t, t, s) from the embedded observation: t is a scalar or has obs's leading axes. The time embedding is computed
   * on t's own shape and then broadcast, so a scalar t (every sampler step) embeds once instead of once per row.
   */
  const applyEmbedded = (params: GenerativeParams, oemb: Array, xt: Array, t: Array): Array => {
    checkAction(op, xt, actDim);
    const batch = xt.shape.slice(0, -1);
    const temb = time.apply(params.time, fourier.apply(params.fourier, np.reshape(np.astype(t, xt.dtype), [...t.shape, 1])));
    return net.apply(
      params.net,
      np.concatenate([xt, np.broadcastTo(temb, [...batch, timeDim]), np.broadcastTo(np.astype(oemb, xt.dtype), [...batch, oemb.shape[oemb.ndim - 1]!])], -1),
    );
  };
  return {
    obsDim,
    actDim,
    bound,
    init(key: Array, opts?: InitOptions): GenerativeParams {
      const [k1, k2, k3, k4] = splitN(key, 4) as [Array, Array, Array, Array];
      return { fourier: fourier.init(k1, opts), time: time.init(k2, opts), obs: obsNet ? obsNet.init(k3, opts) : null, net: net.init(k4, opts) };
    },
    embedObs,
    applyEmbedded,
    /** f(x_t, t, s): t is a scalar or has obs's leading axes. */
    apply(params: GenerativeParams, obs: Array, xt: Array, t: Array): Array {
      return applyEmbedded(params, embedObs(params, obs), xt, t);
    },
    clipAction(a: Array): Array {
      return bound === null ? a : np.clip(a, -bound, bound);
    },
  };
}

/** Configuration of `diffusionHead`. */
export interface DiffusionHeadConfig extends GenerativeNetConfig {
  /** Noise schedule (default `continuousSchedule("cosine")`, FlowRL's continuous DDPM). */
  schedule?: NoiseSchedule;
  /** Denoising steps (default 20). */
  steps?: number;
  /** Sampler (default "ddpm"). */
  sampler?: DiffusionSamplerName;
  /** DDPM step variance (default "beta", as FlowRL). */
  variance?: "posterior" | "beta";
  /** What the network predicts (default "eps"). */
  prediction?: Exclude<Prediction, "score">;
}

/** A diffusion policy head: the noise network, its schedule and grid, and the sampler. */
export interface DiffusionHead extends PolicyHead<GenerativeParams> {
  readonly schedule: NoiseSchedule;
  readonly grid: TimeGrid;
  readonly prediction: Exclude<Prediction, "score">;
  /** The network's prediction at (x_t, t) given observations: t is a scalar or has x_t's leading axes. */
  predict(params: GenerativeParams, obs: Array, xt: Array, t: Array): Array;
  /** The model function `(x, t) → prediction` for observations `obs`, to pass to any sampler. */
  model(params: GenerativeParams, obs: Array): ModelFn;
}

/**
 * Diffusion policy (FlowRL, papers.md §2.3/§2.5): noise net MLP(3×256, mish) on concat(x_t, MLP(LearnableFourier(t, 64)),
 * MLP_{128,128}(s)), 20 DDPM steps on the continuous cosine schedule, x̂_0 and actions clipped to [−1, 1]. Every size,
 * the schedule, the step count, the sampler and the parameterization are configurable. `deterministic` runs DDIM (η = 0)
 * from x_T = 0. Fit it with `diffusionBcLoss`.
 */
export function diffusionHead(config: DiffusionHeadConfig): DiffusionHead {
  const op = "diffusionHead";
  const g = generativeNet(op, config);
  const schedule = config.schedule ?? continuousSchedule("cosine");
  const steps = config.steps ?? 20;
  const grid = samplingGrid(schedule, steps);
  const sampler = config.sampler ?? "ddpm";
  if (!(DIFFUSION_SAMPLERS as readonly string[]).includes(sampler))
    throw new DriftError(op, `unknown sampler "${sampler}"; valid samplers: ${DIFFUSION_SAMPLERS.join(", ")}`);
  const prediction = config.prediction ?? "eps";
  checkPrediction(op, prediction);
  const variance = config.variance ?? "beta";
  const clipX0 = g.bound === null ? undefined : g.bound;
  const model = (params: GenerativeParams, obs: Array): ModelFn => {
    const oemb = g.embedObs(params, obs);
    return (x, t) => g.applyEmbedded(params, oemb, x, t);
  };
  return {
    obsDim: g.obsDim,
    actDim: g.actDim,
    schedule,
    grid,
    prediction,
    init: (key, opts) => g.init(key, opts),
    predict: (params, obs, xt, t) => g.apply(params, obs, xt, t),
    model,
    sample(key, params, obs, opts = {}) {
      checkObs(op, obs, g.obsDim);
      const shape = [...obs.shape.slice(0, -1), g.actDim];
      const base = { schedule, grid, prediction, clipX0, dtype: obs.dtype === "float64" ? ("float64" as const) : ("float32" as const) };
      const x = opts.deterministic
        ? ddimSample(model(params, obs), key, { ...base, xT: np.zeros(shape, { dtype: base.dtype }) })
        : diffusionSample(sampler, model(params, obs), key, { ...base, shape, variance });
      return g.clipAction(x);
    },
  };
}

/** Configuration of `flowHead`. */
export interface FlowHeadConfig extends GenerativeNetConfig {
  /** Integration steps (default 10). */
  steps?: number;
  /** "euler" (default), "midpoint" or "heun". */
  method?: FlowMethod;
}

/** A flow-matching policy head: the velocity network and its ODE integrator. */
export interface FlowHead extends PolicyHead<GenerativeParams> {
  /** v(x_t, t | s): t is a scalar or has x_t's leading axes. */
  velocity(params: GenerativeParams, obs: Array, xt: Array, t: Array): Array;
  /** The model function `(x, t) → v` for observations `obs`. */
  model(params: GenerativeParams, obs: Array): ModelFn;
}

/**
 * Flow policy (FlowRL CNF, papers.md §2.4): a velocity net of the same architecture as `diffusionHead` integrated from
 * x_0 ~ N(0, I) at t = 0 to the action at t = 1 with Euler (default, 10 steps), midpoint or Heun steps; actions clipped
 * to ±actionBound. `deterministic` integrates from x_0 = 0. Fit it with `flowBcLoss`.
 */
export function flowHead(config: FlowHeadConfig): FlowHead {
  const op = "flowHead";
  const g = generativeNet(op, config);
  const steps = config.steps ?? 10;
  const method = config.method ?? "euler";
  if (!(FLOW_METHODS as readonly string[]).includes(method)) throw new DriftError(op, `unknown method "${method}"; valid methods: ${FLOW_METHODS.join(", ")}`);
  if (!Number.isInteger(steps) || steps <= 0) throw new DriftError(op, `steps must be a positive integer; got ${steps}`);
  const model = (params: GenerativeParams, obs: Array): ModelFn => {
    const oemb = g.embedObs(params, obs);
    return (x, t) => g.applyEmbedded(params, oemb, x, t);
  };
  return {
    obsDim: g.obsDim,
    actDim: g.actDim,
    init: (key, opts) => g.init(key, opts),
    velocity: (params, obs, xt, t) => g.apply(params, obs, xt, t),
    model,
    sample(key, params, obs, opts = {}) {
      checkObs(op, obs, g.obsDim);
      const shape = [...obs.shape.slice(0, -1), g.actDim];
      const dtype = obs.dtype === "float64" ? ("float64" as const) : ("float32" as const);
      const x0 = opts.deterministic ? np.zeros(shape, { dtype }) : undefined;
      return g.clipAction(flowSample(model(params, obs), key, { shape, dtype, steps, method, x0 }));
    },
  };
}
