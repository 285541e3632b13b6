// DiffSAC as an agent (papers.md §1.6): SAC on the diffusion-augmented MDP, trained from env transitions with re-sampled latent chains.
//
// Design: the replay buffer holds ordinary env transitions (s, a, r, s', terminated), and every update rebuilds DA-MDP
// transitions from them (`augmentBatch`). This is exact for the augmented MDP of papers.md §1.2(d): before the last
// denoising step its dynamics are known and deterministic ((s, x_k, k) → (s, x_{k+1}, k+1), reward 0), and at the
// last step the env outcome depends only on (s, x_K) (the squashed action), followed by a fresh x_0' ~ p_0. So for a
// stored (s, a, r, s') any latent prefix x_0..x_{K−1}, completed with the executed x_K = atanh(a), is a valid
// augmented trajectory; SAC's critic is off-policy in (s̃, ã), so such transitions are legitimate training data. We
// draw the prefix from the *current* chain policy, which puts the actor's augmented states x_k on its own
// distribution, keeps the buffer (and the off-policy loop) unchanged, and never backpropagates through the chain:
// the actor loss differentiates one reparameterised denoising step ã = x_{k+1} ~ F_θ(·|s, x_k, k) at a time.
// (Storing the behaviour chains instead would need extra per-transition buffer fields; `augmentBatch` takes either.)
import { type Array, DriftError, np, random } from "@drift/tensor";
import { optim } from "@drift/nn";
import { tanhUnsquash } from "@drift/policies";
import type { Agent, Metrics } from "../agent.ts";
import type { Algorithm } from "../taxonomy.ts";
import { OFF_POLICY_DEFAULTS, type LoopConfig } from "../train/loop-config.ts";
import { fromActionBox, toActionBox, spaceInfo, type ActionBox } from "../common/critics.ts";
import { gradientStep } from "../common/optimize.ts";
import { type DamdpDiscounting, type StepSampling, augmentBatch, damdpDiscount, denoisingStepIndices, denoisingStepWeights } from "../damdp/transitions.ts";
import { type DiffSacNetworkConfig, diffsacNetworks } from "./networks.ts";
import { actorLoss, alphaLoss, chainTargets, criticLoss, entropyEstimate, envStepTargets } from "./losses.ts";

/** DiffSAC hyperparameters (plus the shared off-policy loop settings). */
export type DiffSacConfig = LoopConfig &
  DiffSacNetworkConfig & {
  /** Discount per augmented step ("augmented") or per env step ("env", 1 on the other denoising steps). */
  gamma: number;
  discounting: string;
  tau: number;
  actorLr: number;
  criticLr: number;
  alphaLr: number;
  initAlpha: number;
  /** Learn α so the chain's entropy bound Ĥ (`entropyEstimate`) tracks −|A| × targetEntropyScale. */
  autoAlpha: boolean;
  targetEntropyScale: number;
  /** Global-norm gradient clip of actor and critic (0 = none; the reference REPPO uses 0.5). */
  maxGradNorm: number;
  /**
   * Critic targets: "step" (one-step soft Bellman on every row, papers.md §1.6); "chain" (the steps that do not move the
   * env unrolled along the re-sampled on-policy chain and bootstrapped on the last-step critic, `chainTargets`; the env
   * step one-step); "unrolled" (as "chain", and the env step's target unrolled over a fresh chain at s',
   * `envStepTargets`: one bootstrap hop per env step, as SAC).
   */
  criticTarget: string;
  /** Denoising steps drawn per env transition in each update (diffusionSteps = all of them, in order). */
  stepsPerTransition: number;
  /**
   * How those steps are drawn (`denoisingStepIndices`): "uniform", or "last" (the env-moving step on every transition
   * plus stepsPerTransition − 1 uniform others; the actor loss and Ĥ weight the rows by `denoisingStepWeights`).
   */
  stepSampling: string;
  /**
   * Deterministic (evaluation) actions: "ode" (x_0 ~ p_0, then x + η(−x/σ_0² + ½f_θ), the reference's), "mode" (x_0 = 0,
   * then each kernel's mean: `sampleMode`) or "sde" (the stochastic chain).
   */
  evalSampler: string;
};

/** The agent state: parameters, optimizer states, targets, temperature, action box and the config (static). */
export interface DiffSacState {
  actor: { params: unknown; opt: unknown };
  critic: { params: unknown; target: unknown; opt: unknown };
  logAlpha: { value: Array; opt: unknown };
  box: ActionBox;
  config: DiffSacConfig;
  obsDim: number;
  actDim: number;
}

function optimizer(lr: number, maxGradNorm: number) {
  return maxGradNorm > 0 ? optim.chain(optim.clipByGlobalNorm(maxGradNorm), optim.adam(lr)) : optim.adam(lr);
}

function optimizers(c: DiffSacConfig) {
  return { actor: optimizer(c.actorLr, c.maxGradNorm), critic: optimizer(c.criticLr, c.maxGradNorm), alpha: optim.adam(c.alphaLr) };
}


/** Entropy of the prior N(0, σ_0² I_d): ½ d log(2πe σ_0²). */
export function priorEntropy(actDim: number, initStd: number): number {
  return 0.5 * actDim * Math.log(2 * Math.PI * Math.E * initStd * initStd);
}

/** The DiffSAC agent's pure functions. */
export const diffsacAgent: Agent<DiffSacState, DiffSacConfig> = {
  create(key, obsSpace, actSpace, config) {
    const { stepSampling, stepsPerTransition, diffusionSteps } = config;
    if (stepSampling === "last" && stepsPerTransition < 2 && stepsPerTransition < diffusionSteps)
      throw new DriftError("diffsac", `stepSampling "last" needs stepsPerTransition ≥ 2 (the last step plus at least one other); got ${stepsPerTransition} (use stepSampling "uniform" for 1)`);
    const { obsDim, actDim, box } = spaceInfo(obsSpace, actSpace);
    const { policy, critic } = diffsacNetworks(obsDim, actDim, config);
    const actorParams = policy.init(random.foldIn(key, 0));
    const criticParams = critic.init(random.foldIn(key, 1));
    const opts = optimizers(config);
    const logAlpha = np.array(Math.log(config.initAlpha));
    return {
      actor: { params: actorParams, opt: opts.actor.init(actorParams) },
      critic: { params: criticParams, target: criticParams, opt: opts.critic.init(criticParams) },
      logAlpha: { value: logAlpha, opt: opts.alpha.init(logAlpha) },
      box,
      config,
      obsDim,
      actDim,
    };
  },

  update(s, batch, key) {
    const c = s.config;
    const K = c.diffusionSteps;
    const { policy, kernel, critic } = diffsacNetworks(s.obsDim, s.actDim, c);
    const opts = optimizers(c);
    const [kChain, kSteps, kPrior, kc, ka, kNext] = [0, 1, 2, 3, 4, 5].map((i) => random.foldIn(key, i)) as [Array, Array, Array, Array, Array, Array];
    const B = batch.obs.shape[0]!;
    const obs = np.reshape(batch.obs, [B, s.obsDim]);
    const nextObs = np.reshape(batch.nextObs, [B, s.obsDim]);
    const executed = tanhUnsquash(np.reshape(fromActionBox(batch.action, s.box), [B, s.actDim]), c.actionClip);
    const sampled = policy.sample(s.actor.params as any, kChain, obs);
    const sampling = c.stepSampling as StepSampling;
    const steps = denoisingStepIndices(kSteps, B, K, c.stepsPerTransition, sampling);
    const rowWeights =
      sampling === "uniform" ? undefined : np.reshape(np.broadcastTo(np.array([denoisingStepWeights(K, c.stepsPerTransition, sampling)], { dtype: "float32" }), [B, c.stepsPerTransition]), [-1]);
    const aug = augmentBatch(
      { obs, nextObs, reward: batch.reward, terminated: batch.terminated },
      np.slice(sampled.chain, null, [0, K]),
      executed,
      policy.samplePrior(kPrior, [B]),
      steps,
    );
    const discount = damdpDiscount(aug.envStep, c.gamma, c.discounting as DamdpDiscounting);
    const alpha = np.exp(s.logAlpha.value);
    const intermediate = c.discounting === "env" ? 1 : c.gamma;
    /** `envStepTargets` over a fresh chain at s', repeated for each row's m augmented steps: [B·m]. */
    const unrolledEnvTargets = () => {
      const next = policy.sample(s.actor.params as any, kNext, nextObs);
      const env = envStepTargets(critic, s.critic.target, alpha, { obs: nextObs, latents: next.chain, logRatio: next.logRatio }, batch.reward, batch.terminated, c.gamma, intermediate);
      return np.reshape(np.broadcastTo(np.expandDims(env, 1), [B, c.stepsPerTransition]), [-1]);
    };
    const chain = c.criticTarget === "step" ? undefined : chainTargets(critic, s.critic.target, alpha, { obs, latents: sampled.chain, logRatio: sampled.logRatio }, steps, intermediate);
    const targets = chain && c.criticTarget === "unrolled" ? { target: np.where(chain.mask, chain.target, unrolledEnvTargets()) } : chain;

    const q = gradientStep(opts.critic, s.critic, (p) => {
      const r = criticLoss(critic, kernel, p, s.critic.target, s.actor.params, alpha, aug, discount, kc, targets);
      return [r.loss, r.q];
    });
    const criticParams = q.part.params;
    const pi = gradientStep(opts.actor, s.actor, (p) => {
      const r = actorLoss(critic, kernel, p, criticParams, alpha, aug, ka, rowWeights);
      return [r.loss, r.logRatio];
    });
    const logRatio = pi.aux;

    const h0 = priorEntropy(s.actDim, c.initStd);
    let logAlpha = s.logAlpha;
    let aLoss = np.array(0);
    if (c.autoAlpha) {
      const a = gradientStep(opts.alpha, { params: s.logAlpha.value, opt: s.logAlpha.opt }, (la) => [alphaLoss(la, logRatio, K, h0, -s.actDim * c.targetEntropyScale, rowWeights), null]);
      logAlpha = { value: a.part.params, opt: a.part.opt };
      aLoss = a.loss;
    }
    const target = optim.emaUpdate(s.critic.target, criticParams, c.tau);
    const metrics: Metrics = {
      "losses/qf_loss": q.loss,
      "losses/qf_values": np.mean(q.aux),
      "losses/actor_loss": pi.loss,
      "losses/alpha": alpha,
      "losses/alpha_loss": aLoss,
      "losses/entropy": entropyEstimate(logRatio, K, h0, rowWeights),
      "losses/log_ratio": np.mean(logRatio),
    };
    return [
      { ...s, actor: pi.part, critic: { params: criticParams, target, opt: q.part.opt }, logAlpha },
      metrics,
    ];
  },

  sampleActions(s, obs, key, opts) {
    const { policy } = diffsacNetworks(s.obsDim, s.actDim, s.config);
    const flat = np.reshape(obs, [obs.shape[0]!, s.obsDim]);
    const params = s.actor.params as any;
    const sampler = opts.deterministic ? s.config.evalSampler : "sde";
    const u = sampler === "ode" ? policy.sampleOde(params, key, flat).action : sampler === "mode" ? policy.sampleMode(params, flat).action : policy.sample(params, key, flat).action;
    return toActionBox(u, s.box);
  },
};

// Defaults. Chain: K = 8, σ_0 = 3, dt = 0.125 with the linear schedule (papers.md §1.2(b)). Step sizes are frozen: with
// learnable dt/friction our Pendulum and TurningDoubleWell runs grew η (the per-step entropy bonus α·ηf²/4 is cheaper
// with more noise and a ReLU critic gives the noise almost no curvature penalty), up to a last-step std of 1.4. The
// last step's noise √(2η_{K−1}) caps the reward: on TurningDoubleWell friction 0.25 gives std 0.41 and a best mean
// reward per step of 0.913, friction 1.0 (the reference's base config) std 0.21 and 0.96, hence toy uses 1.0, with a
// lower entropy target (−4 per dim; Ĥ is a loose lower bound, and at −1 α stayed ≈ 0.07 and the policy broad). Gym
// discounts per env step (γ = 0.99, SAC's horizon) with chain targets; the toy suite keeps the reference's 0.999 per
// augmented step (its reward does not depend on the state, so the horizon does not change the optimal policy).
// Gym uses the afterstate critic, the last denoising step on every transition and the mode path for evaluation. On
// HalfCheetah-v5 (seed 0, 2×256 ReLU actor, 2 steps per transition) the transition critic with uniform steps and ODE
// evaluation scored −532, −141, −223, −412, −331 at 10k…50k (SAC: −152, 517, 1971, 2952, 3403); with the three
// changes, +140 at 15k, 262 at 20k and 870 at 30k. On the 50k checkpoint of the first run the samplers gave (3 episodes)
// ODE −374, SDE −301, mode +208; on the second run's 30k checkpoint (10 episodes) ODE 752, SDE 566, mode 799 (one
// episode 231, the others 806–956). Unrolling the env step's target too ("unrolled") trailed: −491 at 20k.
// The toy suite keeps the transition critic and uniform steps it was tuned with (TurningDoubleWell, suites.ts).
// Cost: the whole update is one jit program; the full-width gym default (8 steps per transition, 3×256 GELU-tanh actor)
// is the slow end; benchmarks/learning runs Pendulum with 64-wide nets, a ReLU actor and 2 steps per transition and
// TurningDoubleWell with 128-wide nets, 4 steps per transition, friction 2 and entropy target −7 per dim (see its
// suites.ts: a lower target sharpens the modes but lets one of them take over).
const gym: DiffSacConfig = {
  ...OFF_POLICY_DEFAULTS,
  gamma: 0.99,
  discounting: "env",
  tau: 0.005,
  actorLr: 3e-4,
  criticLr: 1e-3,
  alphaLr: 1e-3,
  initAlpha: 0.1,
  autoAlpha: true,
  targetEntropyScale: 1,
  maxGradNorm: 0,
  hidden: [256, 256],
  activation: "relu",
  numCritics: 2,
  actorHidden: [256, 256, 256],
  actorActivation: "geluTanh",
  diffusionSteps: 8,
  dt: 0.125,
  friction: 0.25,
  initStd: 3.0,
  scheduleMin: 0.17,
  learnDt: false,
  learnFriction: false,
  actionClip: 0.999,
  criticTarget: "chain",
  criticInput: "afterstate",
  stepsPerTransition: 8,
  stepSampling: "last",
  evalSampler: "mode",
};

/** DiffSAC: SAC on the DA-MDP of a K-step diffusion chain policy (Sanokowski & Patil, arXiv 2512.02019 v1/v2). */
export const diffsac: Algorithm<DiffSacConfig> = {
  name: "diffsac",
  description: "DiffSAC: SAC on the diffusion-augmented MDP; each denoising step is a decision with entropy term log F_θ − log B",
  taxonomy: {
    family: "reparameterization",
    reference: "uniform",
    policy: "diffusion",
    regime: "off-policy",
    paper: "Sanokowski & Patil, Diffusion-Augmented MDPs for Maximum Entropy RL (DiffSAC in v1/v2; arXiv 2512.02019)",
  },
  agent: diffsacAgent,
  defaults: {
    gym,
    dmc: { ...gym, hidden: [512, 512, 512], activation: "elu" },
    toy: {
      ...gym,
      learningStarts: 1000,
      gamma: 0.999,
      discounting: "augmented",
      friction: 1.0,
      targetEntropyScale: 4,
      scheduleMin: 0.05,
      evalSampler: "sde",
      criticInput: "transition",
      stepSampling: "uniform",
    },
  },
  choices: {
    activation: ["relu", "elu", "gelu", "mish", "silu", "tanh"],
    actorActivation: ["geluTanh", "gelu", "relu", "elu", "mish", "silu", "tanh"],
    discounting: ["augmented", "env"],
    criticTarget: ["chain", "step", "unrolled"],
    criticInput: ["transition", "afterstate"],
    stepSampling: ["uniform", "last"],
    evalSampler: ["ode", "mode", "sde"],
  },
};
