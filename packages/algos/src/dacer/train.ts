// DACER as an agent: create / update / sampleActions (delayed actor, periodic GMM-entropy temperature under jit), taxonomy and defaults.
import { type Array, lax, np, random } from "@drift/tensor";
import { optim } from "@drift/nn";
import type { Agent, Batch, Metrics } from "../agent.ts";
import type { Algorithm } from "../taxonomy.ts";
import { OFF_POLICY_DEFAULTS, type LoopConfig } from "../train/loop-config.ts";
import { fromActionBox, toActionBox, spaceInfo, type ActionBox } from "../common/critics.ts";
import { gradientStep } from "../common/optimize.ts";
import { dacerNetworks } from "./networks.ts";
import { actorLoss, alphaLoss, criticLoss, entropyEstimate, noisyActions } from "./losses.ts";

/** DACER hyperparameters (plus the shared off-policy loop settings), as in papers.md §2.5 / FlowRL `dacer.py`. */
export type DacerConfig = LoopConfig & {
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  /** Adam step size of log α. */
  alphaLr: number;
  initAlpha: number;
  /** Target entropy H̄ = −targetEntropyScale·|A|. */
  targetEntropyScale: number;
  /** Exploration noise std = α·noiseScale (FlowRL `noise_scaler`). */
  noiseScale: number;
  /** Rewards are multiplied by this before the critic update. */
  rewardScale: number;
  /** Update the actor every `actorEvery` critic updates. */
  actorEvery: number;
  /** Update α every `alphaEvery` critic updates (0 keeps α = initAlpha). */
  alphaEvery: number;
  /** Noisy actions per state for the GMM entropy estimate. */
  entropySamples: number;
  /** States of the minibatch (its first rows) used for the entropy estimate. */
  entropyStates: number;
  diffusionSteps: number;
  timeDim: number;
  actorHidden: readonly number[];
  actorActivation: string;
  criticHidden: readonly number[];
  criticActivation: string;
  numCritics: number;
};

/** The agent state: parameters, optimizer states, target critic, log α, running critic std, counters and last metrics, action box and config (static). */
export interface DacerState {
  actor: { params: unknown; opt: unknown };
  critic: { params: unknown; target: unknown; opt: unknown };
  logAlpha: { value: Array; opt: unknown };
  /** Running mean of the critic's σ (EMA with rate τ), which scales the target clip and the loss weight. */
  runningStd: Array;
  /** Critic updates done so far (int32). */
  step: Array;
  /** The latest actor loss and entropy estimate (reported between their periodic updates). */
  last: { actorLoss: Array; entropy: Array };
  box: ActionBox;
  config: DacerConfig;
  obsDim: number;
  actDim: number;
}

function optimizers(c: DacerConfig) {
  return { actor: optim.adam(c.actorLr), critic: optim.adam(c.criticLr), alpha: optim.adam(c.alphaLr) };
}


function every(step: Array, n: number): Array {
  return np.equal(np.rem(step, n), 0);
}

/** The DACER agent's pure functions; `update` is jit-compatible (delays are `lax.cond`s on the step counter). */
export const dacerAgent: Agent<DacerState, DacerConfig> = {
  create(key, obsSpace, actSpace, config) {
    const { obsDim, actDim, box } = spaceInfo(obsSpace, actSpace);
    const { actor, critic } = dacerNetworks(obsDim, actDim, config);
    const actorParams = actor.init(random.foldIn(key, 0));
    const criticParams = critic.init(random.foldIn(key, 1));
    const opts = optimizers(config);
    const logAlpha = np.array(Math.log(config.initAlpha), { dtype: "float32" });
    return {
      actor: { params: actorParams, opt: opts.actor.init(actorParams) },
      critic: { params: criticParams, target: criticParams, opt: opts.critic.init(criticParams) },
      logAlpha: { value: logAlpha, opt: opts.alpha.init(logAlpha) },
      runningStd: np.array(1, { dtype: "float32" }),
      step: np.array(0, { dtype: "int32" }),
      last: { actorLoss: np.array(0, { dtype: "float32" }), entropy: np.array(0, { dtype: "float32" }) },
      box,
      config,
      obsDim,
      actDim,
    };
  },

  update(s, batch, key) {
    const c = s.config;
    const { actor, critic } = dacerNetworks(s.obsDim, s.actDim, c);
    const opts = optimizers(c);
    const [kc, ka, ke] = [0, 1, 2].map((i) => random.foldIn(key, i)) as [Array, Array, Array];
    const b: Batch = { ...batch, action: fromActionBox(batch.action, s.box), reward: np.mul(batch.reward, c.rewardScale) };
    const alpha = np.exp(s.logAlpha.value);
    const noiseStd = np.mul(alpha, c.noiseScale);

    const critique = gradientStep(opts.critic, s.critic, (p) => {
      const r = criticLoss(critic, actor, p, s.critic.target, s.actor.params, noiseStd, s.runningStd, b, c.gamma, kc);
      return [r.loss, { mean: r.mean, std: r.std }];
    });
    const q = critique.aux;
    const criticParams = critique.part.params;
    const qStd = np.mean(q.std);
    const runningStd = np.add(np.mul(qStd, c.tau), np.mul(s.runningStd, 1 - c.tau));

    // Actor: every `actorEvery` steps, maximize min_j μ_j(s, a_θ) through the whole chain.
    type ActorOut = { actor: DacerState["actor"]; loss: Array };
    const actorStep = (): ActorOut => {
      const pi = gradientStep(opts.actor, s.actor, (p) => [actorLoss(critic, actor, p, criticParams, b.obs, ka).loss, null]);
      return { actor: pi.part, loss: pi.loss.astype("float32") };
    };
    const a = lax.cond(every(s.step, c.actorEvery), actorStep, (): ActorOut => ({ actor: s.actor, loss: s.last.actorLoss }));

    // Temperature: every `alphaEvery` steps, one Adam step on log α from the GMM entropy of noisy actions.
    type AlphaOut = { logAlpha: DacerState["logAlpha"]; entropy: Array };
    const alphaStep = (): AlphaOut => {
      const states = np.slice(b.obs, [0, Math.min(c.entropyStates, b.obs.shape[0]!)]);
      const entropy = entropyEstimate(actor, a.actor.params, states, noiseStd, c.entropySamples, ke).astype("float32");
      const temperature = gradientStep(opts.alpha, { params: s.logAlpha.value, opt: s.logAlpha.opt }, (la) => [alphaLoss(la, entropy, -c.targetEntropyScale * s.actDim), null]);
      return { logAlpha: { value: temperature.part.params, opt: temperature.part.opt }, entropy };
    };
    const keepAlpha = (): AlphaOut => ({ logAlpha: s.logAlpha, entropy: s.last.entropy });
    const t = c.alphaEvery > 0 ? lax.cond(every(s.step, c.alphaEvery), alphaStep, keepAlpha) : keepAlpha();

    const metrics: Metrics = {
      "losses/qf_loss": critique.loss,
      "losses/qf_values": np.mean(q.mean),
      "losses/qf_std": qStd,
      "losses/running_q_std": runningStd,
      "losses/actor_loss": a.loss,
      "losses/alpha": alpha,
      "losses/entropy": t.entropy,
    };
    return [
      {
        ...s,
        actor: a.actor,
        critic: { params: criticParams, target: optim.emaUpdate(s.critic.target, criticParams, c.tau), opt: critique.part.opt },
        logAlpha: t.logAlpha,
        runningStd,
        step: np.add(s.step, 1),
        last: { actorLoss: a.loss, entropy: t.entropy },
      },
      metrics,
    ];
  },

  /** A chain sample; with `deterministic: false` plus the exploration noise α·noiseScale·ε (clipped to the box). */
  sampleActions(s, obs, key, opts) {
    const { actor } = dacerNetworks(s.obsDim, s.actDim, s.config);
    const flat = np.reshape(obs, [obs.shape[0]!, s.obsDim]);
    const a = opts.deterministic
      ? actor.sample(key, s.actor.params as any, flat)
      : noisyActions(actor, s.actor.params, flat, np.mul(np.exp(s.logAlpha.value), s.config.noiseScale), key);
    return toActionBox(a, s.box);
  },
};

/** papers.md §2.5 (FlowRL Gym-Locomotion settings for DACER). */
const gym: DacerConfig = {
  ...OFF_POLICY_DEFAULTS,
  gamma: 0.99,
  tau: 0.005,
  actorLr: 1e-4,
  criticLr: 1e-4,
  alphaLr: 0.03,
  initAlpha: 3,
  targetEntropyScale: 0.9,
  noiseScale: 0.1,
  rewardScale: 0.2,
  actorEvery: 2,
  alphaEvery: 10_000,
  entropySamples: 200,
  entropyStates: 32,
  diffusionSteps: 20,
  timeDim: 64,
  actorHidden: [256, 256, 256],
  actorActivation: "mish",
  criticHidden: [256, 256],
  criticActivation: "relu",
  numCritics: 2,
};

/** DACER: a diffusion policy trained by backpropagating Q through the reverse chain, with GMM-entropy-regulated exploration noise. */
export const dacer: Algorithm<DacerConfig> = {
  name: "dacer",
  description: "Diffusion Actor-Critic with Entropy Regulator: reparameterized diffusion policy, distributional twin critics, GMM-entropy temperature",
  taxonomy: {
    family: "reparameterization",
    reference: "uniform",
    policy: "diffusion",
    regime: "off-policy",
    paper: "Wang et al., Diffusion Actor-Critic with Entropy Regulator (arXiv 2405.15177)",
  },
  agent: dacerAgent,
  defaults: {
    gym,
    dmc: { ...gym, actorHidden: [512, 512, 512], criticHidden: [512, 512, 512], criticActivation: "elu", rewardScale: 1 },
    toy: { ...gym, learningStarts: 1000 },
  },
  choices: {
    actorActivation: ["mish", "relu", "elu", "gelu", "silu", "tanh"],
    criticActivation: ["relu", "elu", "gelu", "mish", "silu", "tanh"],
  },
};
