// DA-MDP diffusion policy (Sanokowski & Patil, arXiv 2512.02019, papers.md §1.2): dt schedules, control network, kernels F_θ and B, the K-step chain.
import { DriftError, np, random, stopGradient, type Array, type DType } from "@drift/tensor";
import { layers } from "@drift/nn";
import { diagNormalLogProb } from "./entropy.ts";
import { tanhSquash } from "./squash.ts";

// ---------------------------------------------------------------------------------------------------------------
// dt schedules (papers.md §1.2(b), reference `src/networks/diffusion/schedulers.py`).

/** A dt schedule sched(k) multiplying the base dt at denoising step k; τ = (K − k)/K. */
export type DtSchedule =
  | { kind: "linear"; min?: number }
  | { kind: "cosine"; min?: number; s?: number; pow?: number }
  | { kind: "constant" };

/**
 * sched(k) for k = 0..K−1 (papers.md §1.2(b)). linear: (1 − τ)·min + τ (min 0.17 by default, the DMC runs; the
 * double-well runs use 0.05); cosine: (1 − min)·cos(½π(1 + s − τ)/(1 + s))^pow + min (defaults min 0.001, s 0.008,
 * pow 2); constant: 1.
 */
export function dtScheduleValues(steps: number, schedule: DtSchedule = { kind: "linear" }): number[] {
  const op = "dtScheduleValues";
  if (!Number.isInteger(steps) || steps <= 0) throw new DriftError(op, `steps must be a positive integer; got ${steps}`);
  const taus = globalThis.Array.from({ length: steps }, (_, k) => (steps - k) / steps);
  switch (schedule.kind) {
    case "linear": {
      const min = schedule.min ?? 0.17;
      return taus.map((t) => (1 - t) * min + t);
    }
    case "cosine": {
      const { min = 0.001, s = 0.008, pow = 2 } = schedule;
      return taus.map((t) => (1 - min) * Math.cos((0.5 * Math.PI * (1 + s - t)) / (1 + s)) ** pow + min);
    }
    case "constant":
      return taus.map(() => 1);
    default:
      throw new DriftError(op, `schedule.kind must be "linear", "cosine" or "constant"; got ${JSON.stringify((schedule as { kind: unknown }).kind)}`);
  }
}

/** softplus⁻¹(y) = log(expm1(y)), with the identity above 20 (as the reference's `inverse_softplus`). */
export function inverseSoftplus(y: number): number {
  if (!(y > 0)) throw new DriftError("inverseSoftplus", `y must be positive; got ${y}`);
  return y > 20 ? y : Math.log(Math.expm1(y));
}

// ---------------------------------------------------------------------------------------------------------------
// Control network f_θ(k, x_k, s) (papers.md §1.2(b), reference `ControlNetwork`).

/** Configuration of `controlNetwork`. */
export interface ControlNetworkConfig {
  /** Latent (pre-squash action) dimension d. */
  actionDim: number;
  /** Width of the conditioning vector (the reference feeds concat(normalized s, normalized x_k)). */
  condDim: number;
  /** Hidden widths of the main MLP (default [256, 256, 256]: the reference's `num_layers: 4, num_hid: 256` counts 4 Linear layers). */
  hidden?: readonly number[];
  /** Activation of both MLPs (default "geluTanh": Flax `nnx.gelu` is the tanh approximation). */
  activation?: layers.Activation;
  /** Fourier frequencies of the step embedding (32), hidden and output widths of its MLP (32 → 16). */
  numFrequencies?: number;
  timeHidden?: number;
  timeOut?: number;
  /** Scale of the last kernel's initializer (1e-8: near-zero initial control; bias 0). */
  finalScale?: number;
  /** Output clip ±outputClip (1e4). */
  outputClip?: number;
}

/** Parameters of `controlNetwork`: step-embedding phases, the time MLP and the main MLP. */
export interface ControlNetworkParams {
  time: layers.DamdpTimeEmbeddingParams;
  timeMlp: layers.MlpParams;
  net: layers.MlpParams;
}

/**
 * The DA-MDP control network f_θ(k, x, c): time-emb(k) = [sin, cos](c ⊙ k + φ) (c = linspace(0.1, 100, 32) fixed, φ
 * learnable) → Linear(64→32)–GELU–Linear(32→16); then MLP(concat(x, cond, t)) → d with GELU hidden layers, last kernel
 * ×1e-8, output clipped to ±1e4. `apply(params, x [..., d], cond [..., condDim], k)` with k a step number or an
 * array broadcasting against x's leading axes.
 */
export function controlNetwork(config: ControlNetworkConfig): layers.Module<ControlNetworkParams, [x: Array, cond: Array, k: Array | number], Array> {
  const op = "controlNetwork";
  const { actionDim, condDim } = config;
  if (!Number.isInteger(actionDim) || actionDim <= 0) throw new DriftError(op, `actionDim must be a positive integer; got ${actionDim}`);
  if (!Number.isInteger(condDim) || condDim < 0) throw new DriftError(op, `condDim must be a non-negative integer; got ${condDim}`);
  const activation = config.activation ?? "geluTanh";
  const nFreq = config.numFrequencies ?? 32;
  const timeOut = config.timeOut ?? 16;
  const outputClip = config.outputClip ?? 1e4;
  if (!(outputClip > 0)) throw new DriftError(op, `outputClip must be positive; got ${outputClip}`);
  const timeEmb = layers.damdpTimeEmbedding({ numFrequencies: nFreq });
  const timeMlp = layers.mlp({ inFeatures: 2 * nFreq, hidden: [config.timeHidden ?? 32], outFeatures: timeOut, activation });
  const net = layers.mlp({
    inFeatures: actionDim + condDim + timeOut,
    hidden: config.hidden ?? [256, 256, 256],
    outFeatures: actionDim,
    activation,
    finalScale: config.finalScale ?? 1e-8,
  });
  return {
    init(key, opts = {}) {
      const keys = random.split(key, 3);
      const row = (i: number) => np.reshape(np.slice(keys, [i, i + 1]), [2]);
      return { time: timeEmb.init(row(0), opts), timeMlp: timeMlp.init(row(1), opts), net: net.init(row(2), opts) };
    },
    apply(params, x, cond, k) {
      if (x.ndim < 1 || x.shape[x.ndim - 1] !== actionDim)
        throw new DriftError(op, `x must be [..., ${actionDim}]; got shape [${x.shape.join(",")}]`);
      if (cond.ndim < 1 || cond.shape[cond.ndim - 1] !== condDim)
        throw new DriftError(op, `cond must be [..., ${condDim}]; got shape [${cond.shape.join(",")}]`);
      const batch = x.shape.slice(0, -1);
      const t = typeof k === "number" ? np.full([], k, { dtype: x.dtype }) : np.astype(k, x.dtype);
      const temb = timeMlp.apply(params.timeMlp, timeEmb.apply(params.time, t));
      const h = np.concatenate([x, np.broadcastTo(cond, [...batch, condDim]), np.broadcastTo(temb, [...batch, timeOut])], -1);
      return np.clip(net.apply(params.net, h), -outputClip, outputClip);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The DA-MDP policy: kernels F_θ, B and the K-step chain.

/** Configuration of `damdpPolicy`; defaults are the DA-MDP: REPPO DMC runs (papers.md §1.3 table). */
export interface DamdpConfig {
  /** Latent / action dimension d. */
  actionDim: number;
  /** Width of the network's conditioning vector (with the default `condition`: obs dim + actionDim). */
  condDim: number;
  /** Denoising steps K (8). */
  steps?: number;
  /** Base dt (0.125), friction γ_f (0.25) and prior std σ_0 (3.0; the base config's 2.5 is overridden in every run). */
  dt?: number;
  friction?: number;
  initStd?: number;
  /** dt schedule (linear, min 0.17). */
  schedule?: DtSchedule;
  /** One learnable dt per step initialised at dt·sched(k) (true), or one dt scaled by sched(k) at use (false). */
  perStepDt?: boolean;
  /** One friction per latent dimension (true) or a shared one. */
  perDimFriction?: boolean;
  /** Train dt / friction (true / true in REPPO; WPO freezes friction). Frozen ones get stopGradient. */
  learnDt?: boolean;
  learnFriction?: boolean;
  /** Env action = clip(tanh(x_K), ±actionClip) (0.999; WPO uses 1.0). */
  actionClip?: number;
  /**
   * Reference kernel B(x_k | x_{k+1}): where its prior drift −x/σ_0² is evaluated — "next" = x_{k+1} (a proper
   * Gaussian kernel in x_k, DIME's integrator; default) or "current" = x_k (the DA-MDP one-step code, whose density
   * is then not normalised in x_k) — and which step size it uses — "next" = η_{min(k+1, K−1)} (DA-MDP code, default)
   * or "same" = η_k (DIME).
   */
  reference?: { driftAt?: "next" | "current"; stepSize?: "next" | "same" };
  /** Control network sizes (see `ControlNetworkConfig`). */
  network?: Omit<ControlNetworkConfig, "actionDim" | "condDim">;
  /** Conditioning for the chain from the state features s and the current latent x (default concat(s, x)). */
  condition?: (s: Array, x: Array) => Array;
}

/** Parameters of `damdpPolicy`: the control network and the raw (pre-softplus) dt [K or 1] and friction [d or 1]. */
export interface DamdpParams {
  net: ControlNetworkParams;
  dt: Array;
  friction: Array;
}

/** One sampled denoising step with its kernel log-densities. */
export interface DamdpStep {
  xNext: Array;
  /** log F_θ(x_{k+1} | x_k, s, k), shape x.shape[:-1]. */
  logF: Array;
  /** log B(x_k | x_{k+1}, s, k+1). */
  logB: Array;
}

/** A sampled K-step chain. */
export interface DamdpChain {
  /** clip(tanh(x_K), ±actionClip). */
  action: Array;
  /** x_K. */
  latent: Array;
  /** x_0..x_K stacked on axis −2: [..., K+1, d]. */
  chain: Array;
  /** Per-step log F, log B and log F − log B: [..., K]. */
  logF: Array;
  logB: Array;
  logRatio: Array;
  /** log p_0(x_0) = log N(x_0; 0, σ_0² I). */
  logPrior: Array;
}

/** The DA-MDP policy functions (all pure in `params`; compose with grad, vmap and jit). */
export interface DamdpPolicy {
  /** The resolved sizes and constants. */
  config: Required<Pick<DamdpConfig, "actionDim" | "condDim" | "steps" | "initStd" | "actionClip">>;
  /** The control network f_θ (`controlNetwork`). */
  network: layers.Module<ControlNetworkParams, [x: Array, cond: Array, k: Array | number], Array>;
  /** Network parameters plus raw dt = softplus⁻¹(dt·sched(k)) and friction = softplus⁻¹(γ_f). */
  init(key: Array, opts?: layers.InitOptions): DamdpParams;
  /** η_k = dt_k/γ_f for every step and dimension: [K, d] (or [K, 1] with a shared friction). */
  stepSizes(params: DamdpParams): Array;
  /** F_θ(·|x_k, s, k) = N(x_k + η_k(−x_k/σ_0² + f_θ(k, x_k, s)), 2η_k I): its mean and std. */
  forwardKernel(params: DamdpParams, cond: Array, x: Array, k: Array | number): { mean: Array; std: Array };
  /** B(·|x_{k+1}) for the transition k → k+1: mean x_{k+1} + η'(−y/σ_0²), std √(2η'); see `reference`. */
  referenceKernel(params: DamdpParams, x: Array, k: Array | number, xNext: Array): { mean: Array; std: Array };
  /** log F_θ(xNext | x, s, k). An array k must hold integers in [0, K) (traced values cannot be checked). */
  forwardLogProb(params: DamdpParams, cond: Array, x: Array, k: Array | number, xNext: Array): Array;
  /** log B(x | xNext, s, k+1). */
  referenceLogProb(params: DamdpParams, x: Array, k: Array | number, xNext: Array): Array;
  /** Both log-densities of a stored transition (x, k) → xNext: the per-step entropy term is logF − logB. */
  logProbs(params: DamdpParams, cond: Array, x: Array, k: Array | number, xNext: Array): { logF: Array; logB: Array };
  /** One reparameterised step x_{k+1} = mean + std·ε. */
  step(params: DamdpParams, key: Array, cond: Array, x: Array, k: Array | number): DamdpStep;
  /** Deterministic "ODE" step x + η_k(−x/σ_0² + coef·f_θ) (evaluation; coef 0.5). */
  odeStep(params: DamdpParams, cond: Array, x: Array, k: Array | number, coef?: number): Array;
  /** log N(x; 0, σ_0² I) over the last axis. */
  priorLogProb(x: Array): Array;
  /** x_0 ~ N(0, σ_0² I) of shape [...batch, d]. */
  samplePrior(key: Array, batch: readonly number[], dtype?: DType): Array;
  /** K reparameterised steps from x_0 ~ p_0 given state features s [..., S]; returns the chain and per-step log-densities. */
  sample(params: DamdpParams, key: Array, s: Array): DamdpChain;
  /** The deterministic evaluation chain (x_0 ~ p_0, then K `odeStep`s). */
  sampleOde(params: DamdpParams, key: Array, s: Array, coef?: number): { action: Array; latent: Array };
  /**
   * The chain's mode path: x_0 = 0 (the prior's mode), then x_{k+1} = the mean of F_θ(·|x_k, s, k) for every k
   * (noise-free, full control); the diffusion analogue of a Gaussian policy's tanh(μ).
   */
  sampleMode(params: DamdpParams, s: Array): { action: Array; latent: Array };
  /** clip(tanh(x), ±actionClip). */
  squash(x: Array): Array;
}

/**
 * The DA-MDP diffusion policy (papers.md §1.2(b)): prior p_0 = N(0, σ_0² I); generative kernel
 * F_θ(x_{k+1}|x_k, s, k) = N(x_k + η_k[−x_k/σ_0² + f_θ(k, x_k, s)], 2η_k I); reference kernel
 * B(x_k|x_{k+1}, s, k+1) = N(x_{k+1} + η'[−y/σ_0²], 2η' I) (b ≡ 0, `learn_backward: false`); η_k = softplus(θ_dt)_k /
 * softplus(θ_fric); action clip(tanh(x_K), ±0.999), with no tanh log-Jacobian in the per-step terms.
 */
export function damdpPolicy(config: DamdpConfig): DamdpPolicy {
  const op = "damdpPolicy";
  const { actionDim, condDim } = config;
  const K = config.steps ?? 8;
  const dt = config.dt ?? 0.125;
  const friction = config.friction ?? 0.25;
  const sigma0 = config.initStd ?? 3.0;
  const perStepDt = config.perStepDt ?? true;
  const perDimFriction = config.perDimFriction ?? true;
  const learnDt = config.learnDt ?? true;
  const learnFriction = config.learnFriction ?? true;
  const actionClip = config.actionClip ?? 0.999;
  const driftAt = config.reference?.driftAt ?? "next";
  const refStep = config.reference?.stepSize ?? "next";
  if (!Number.isInteger(K) || K <= 0) throw new DriftError(op, `steps must be a positive integer; got ${K}`);
  for (const [name, v] of [["dt", dt], ["friction", friction], ["initStd", sigma0]] as const)
    if (!(v > 0)) throw new DriftError(op, `${name} must be positive; got ${v}`);
  if (!(actionClip > 0 && actionClip <= 1)) throw new DriftError(op, `actionClip must be in (0, 1]; got ${actionClip}`);
  if (driftAt !== "next" && driftAt !== "current") throw new DriftError(op, `reference.driftAt must be "next" or "current"; got ${JSON.stringify(driftAt)}`);
  if (refStep !== "next" && refStep !== "same") throw new DriftError(op, `reference.stepSize must be "next" or "same"; got ${JSON.stringify(refStep)}`);
  const sched = dtScheduleValues(K, config.schedule ?? { kind: "linear" });
  const network = controlNetwork({ ...config.network, actionDim, condDim });
  const condition = config.condition ?? ((s: Array, x: Array) => np.concatenate([s, np.broadcastTo(x, [...s.shape.slice(0, -1), actionDim])], -1));
  const invVar0 = 1 / (sigma0 * sigma0);

  const stepSizes = (params: DamdpParams): Array => {
    const rawDt = learnDt ? params.dt : stopGradient(params.dt);
    const rawFr = learnFriction ? params.friction : stopGradient(params.friction);
    const dts = perStepDt ? np.softplus(rawDt) : np.mul(np.softplus(rawDt), np.array(sched, { dtype: rawDt.dtype }));
    return np.div(np.reshape(dts, [K, 1]), np.reshape(np.softplus(rawFr), [1, -1]));
  };

  /** η at step k: a row for a JS number, else a one-hot gather over the step axis (differentiable, batchable). */
  const etaAt = (eta: Array, k: Array | number): Array => {
    if (typeof k === "number") return np.reshape(np.slice(eta, [k, k + 1]), [eta.shape[1]!]);
    return np.matmul(np.oneHot(np.astype(k, "int32"), K, { dtype: eta.dtype as "float32" | "float64" }), eta);
  };
  const checkStep = (k: Array | number): void => {
    if (typeof k === "number" && !(Number.isInteger(k) && k >= 0 && k < K))
      throw new DriftError(op, `step k must be an integer in [0, ${K}); got ${k}`);
  };
  const checkLatent = (name: string, x: Array): void => {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== actionDim) throw new DriftError(op, `${name} must be [..., ${actionDim}]; got shape [${x.shape.join(",")}]`);
  };
  const withBatch = (v: Array, x: Array): Array => (v.ndim < x.ndim ? np.broadcastTo(v, x.shape) : v);

  const forwardKernel = (params: DamdpParams, cond: Array, x: Array, k: Array | number) => {
    checkStep(k);
    checkLatent("x", x);
    const eta = withBatch(etaAt(stepSizes(params), k), x);
    const control = network.apply(params.net, x, cond, k);
    return { mean: np.add(x, np.mul(eta, np.add(np.mul(x, -invVar0), control))), std: np.sqrt(np.mul(eta, 2)) };
  };

  const referenceKernel = (params: DamdpParams, x: Array, k: Array | number, xNext: Array) => {
    checkStep(k);
    checkLatent("x", x);
    checkLatent("xNext", xNext);
    const next = refStep === "same" ? k : typeof k === "number" ? Math.min(k + 1, K - 1) : np.minimum(np.add(np.astype(k, "int32"), 1), K - 1);
    const eta = withBatch(etaAt(stepSizes(params), next), xNext);
    const y = driftAt === "next" ? xNext : x;
    return { mean: np.add(xNext, np.mul(eta, np.mul(y, -invVar0))), std: np.sqrt(np.mul(eta, 2)) };
  };

  const logProbs = (params: DamdpParams, cond: Array, x: Array, k: Array | number, xNext: Array) => {
    const f = forwardKernel(params, cond, x, k);
    const b = referenceKernel(params, x, k, xNext);
    return { logF: diagNormalLogProb(xNext, f.mean, f.std), logB: diagNormalLogProb(x, b.mean, b.std) };
  };

  const priorLogProb = (x: Array): Array => diagNormalLogProb(x, 0, sigma0);
  const samplePrior = (key: Array, batch: readonly number[], dtype: DType = "float32"): Array =>
    np.mul(random.normal(key, [...batch, actionDim], { dtype }), sigma0);
  const squash = (x: Array): Array => tanhSquash(x, actionClip);
  const stepKey = (keys: Array, i: number) => np.reshape(np.slice(keys, [i, i + 1]), [2]);

  const step = (params: DamdpParams, key: Array, cond: Array, x: Array, k: Array | number): DamdpStep => {
    const f = forwardKernel(params, cond, x, k);
    const xNext = np.add(f.mean, np.mul(f.std, random.normal(key, f.mean.shape, { dtype: f.mean.dtype })));
    const b = referenceKernel(params, x, k, xNext);
    return { xNext, logF: diagNormalLogProb(xNext, f.mean, f.std), logB: diagNormalLogProb(x, b.mean, b.std) };
  };

  const odeStep = (params: DamdpParams, cond: Array, x: Array, k: Array | number, coef = 0.5): Array => {
    checkStep(k);
    checkLatent("x", x);
    const eta = withBatch(etaAt(stepSizes(params), k), x);
    return np.add(x, np.mul(eta, np.add(np.mul(x, -invVar0), np.mul(network.apply(params.net, x, cond, k), coef))));
  };

  const checkState = (s: Array): void => {
    if (s.ndim < 1) throw new DriftError(op, `s must be [..., features]; got a scalar`);
  };

  return {
    config: { actionDim, condDim, steps: K, initStd: sigma0, actionClip },
    network,
    init(key, opts = {}) {
      const dtype = opts.dtype ?? "float32";
      const rawDt = perStepDt ? sched.map((v) => inverseSoftplus(dt * v)) : [inverseSoftplus(dt)];
      const nFr = perDimFriction ? actionDim : 1;
      return {
        net: network.init(key, opts),
        dt: np.array(rawDt, { dtype }),
        friction: np.full([nFr], inverseSoftplus(friction), { dtype }),
      };
    },
    stepSizes,
    forwardKernel,
    referenceKernel,
    forwardLogProb: (params, cond, x, k, xNext) => {
      const f = forwardKernel(params, cond, x, k);
      return diagNormalLogProb(xNext, f.mean, f.std);
    },
    referenceLogProb: (params, x, k, xNext) => {
      const b = referenceKernel(params, x, k, xNext);
      return diagNormalLogProb(x, b.mean, b.std);
    },
    logProbs,
    step,
    odeStep,
    priorLogProb,
    samplePrior,
    sample(params, key, s) {
      checkState(s);
      const keys = random.split(key, K + 1);
      const x0 = samplePrior(stepKey(keys, 0), s.shape.slice(0, -1), params.dt.dtype);
      let x = x0;
      const xs = [x0];
      const logF: Array[] = [];
      const logB: Array[] = [];
      for (let k = 0; k < K; k++) {
        const st = step(params, stepKey(keys, k + 1), condition(s, x), x, k);
        x = st.xNext;
        xs.push(x);
        logF.push(st.logF);
        logB.push(st.logB);
      }
      const lf = np.stack(logF, -1);
      const lb = np.stack(logB, -1);
      return { action: squash(x), latent: x, chain: np.stack(xs, -2), logF: lf, logB: lb, logRatio: np.sub(lf, lb), logPrior: priorLogProb(x0) };
    },
    sampleOde(params, key, s, coef = 0.5) {
      checkState(s);
      let x = samplePrior(key, s.shape.slice(0, -1), params.dt.dtype);
      for (let k = 0; k < K; k++) x = odeStep(params, condition(s, x), x, k, coef);
      return { action: squash(x), latent: x };
    },
    sampleMode(params, s) {
      checkState(s);
      let x = np.zeros([...s.shape.slice(0, -1), actionDim], { dtype: params.dt.dtype as DType });
      for (let k = 0; k < K; k++) x = forwardKernel(params, condition(s, x), x, k).mean;
      return { action: squash(x), latent: x };
    },
    squash,
  };
}
