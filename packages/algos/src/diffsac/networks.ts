// DiffSAC networks: the DA-MDP chain policy (F_θ, B) as a one-step kernel and twin critics Q(s, x_k, k, x_{k+1}) (papers.md §1.2, §1.6).
import { type Array, DriftError, np } from "@drift/tensor";
import type { layers } from "@drift/nn";
import { type DamdpPolicy, type DamdpStep, damdpPolicy } from "@drift/policies";
import { qEnsemble } from "../common/critics.ts";

/** Network and chain settings read from the config. */
export interface DiffSacNetworkConfig {
  /** Critic hidden widths and activation (as SAC). */
  hidden: readonly number[];
  activation: string;
  numCritics: number;
  /** Control-network hidden widths f_θ (the reference uses 4 × 256 Linear layers: [256, 256, 256]). */
  actorHidden: readonly number[];
  /**
   * Control-network activation (the reference's GELU is "geluTanh"; under jit every tanh/exp lane is a float64 Math call,
   * so a GELU/SiLU actor costs 2–3× a ReLU one).
   */
  actorActivation: string;
  /** Denoising steps K. */
  diffusionSteps: number;
  /** Base dt, friction γ_f and prior std σ_0 (papers.md §1.2(b)). */
  dt: number;
  friction: number;
  initStd: number;
  /** Minimum of the linear dt schedule (0.17 DMC, 0.05 TurningDoubleWell). */
  scheduleMin: number;
  learnDt: boolean;
  learnFriction: boolean;
  /** Env action = clip(tanh(x_K), ±actionClip). */
  actionClip: number;
  /**
   * What the critics see: "transition" Q(s, x_k, k, x_{k+1}), or "afterstate" Q(s, k, x_{k+1}). The second is exact on
   * the DA-MDP: a step k < K−1 moves deterministically to (s, x_{k+1}, k+1) with reward 0, and the env step's outcome
   * depends on s and x_K only, so Q never depends on x_k; dropping it spares the critic learning that invariance.
   */
  criticInput: string;
}

/** One denoising decision: the reparameterised x_{k+1} ~ F_θ(·|x_k, s, k) with log F_θ and log B (`DamdpStep`). */
export interface DenoisingKernel {
  step(params: unknown, key: Array, obs: Array, latent: Array, step: Array): DamdpStep;
}

/** A critic ensemble on the augmented MDP: `apply(params, s [N,o], x_k [N,d], k [N], x_{k+1} [N,d]) → [size, N]`. */
export interface AugmentedCritic {
  size: number;
  init(key: Array): unknown;
  apply(params: unknown, obs: Array, latent: Array, step: Array, action: Array): Array;
}

/**
 * The chain policy (`damdpPolicy` conditioned on concat(s, x_k)), its one-step kernel, and an ensemble of MLP critics on
 * concat(s, x_k/σ_0, oneHot(k, K)) ⊕ x_{k+1}/σ_0, or concat(s, oneHot(k, K)) ⊕ x_{k+1}/σ_0 with `criticInput`
 * "afterstate" (latents scaled by the prior std; the reference feeds normalised s, x_k and a Fourier step embedding,
 * papers.md §1.3).
 */
export function diffsacNetworks(obsDim: number, actDim: number, c: DiffSacNetworkConfig): { policy: DamdpPolicy; kernel: DenoisingKernel; critic: AugmentedCritic } {
  const K = c.diffusionSteps;
  const policy = damdpPolicy({
    actionDim: actDim,
    condDim: obsDim + actDim,
    steps: K,
    dt: c.dt,
    friction: c.friction,
    initStd: c.initStd,
    schedule: { kind: "linear", min: c.scheduleMin },
    learnDt: c.learnDt,
    learnFriction: c.learnFriction,
    actionClip: c.actionClip,
    network: { hidden: c.actorHidden, activation: c.actorActivation as layers.Activation },
  });
  const kernel: DenoisingKernel = {
    step: (params, key, obs, latent, step) => policy.step(params as any, key, np.concatenate([obs, latent], -1), latent, step),
  };
  if (c.criticInput !== "transition" && c.criticInput !== "afterstate")
    throw new DriftError("diffsacNetworks", `criticInput must be "transition" or "afterstate"; got ${JSON.stringify(c.criticInput)}`);
  const afterstate = c.criticInput === "afterstate";
  const q = qEnsemble({ obsDim: obsDim + (afterstate ? 0 : actDim) + K, actDim, hidden: c.hidden, size: c.numCritics, activation: c.activation });
  const scale = 1 / c.initStd;
  const critic: AugmentedCritic = {
    size: c.numCritics,
    init: (key) => q.init(key),
    apply: (params, obs, latent, step, action) => {
      const k = np.oneHot(step.astype("int32"), K, { dtype: "float32" });
      return q.apply(params, np.concatenate(afterstate ? [obs, k] : [obs, np.mul(latent, scale), k], -1), np.mul(action, scale));
    },
  };
  return { policy, kernel, critic };
}
