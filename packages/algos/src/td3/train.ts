// TD3 as an agent: create / update / sampleActions with the policy delay under jit, plus its taxonomy and per-suite defaults.
import { type Array, lax, np, random } from "@drift/tensor";
import { optim } from "@drift/nn";
import type { Agent, Batch, Metrics } from "../agent.ts";
import type { Algorithm } from "../taxonomy.ts";
import { OFF_POLICY_DEFAULTS, type LoopConfig } from "../train/loop-config.ts";
import { fromActionBox, toActionBox, spaceInfo, type ActionBox } from "../common/critics.ts";
import { gradientStep } from "../common/optimize.ts";
import { td3Networks } from "./networks.ts";
import { actorLoss, criticLoss } from "./losses.ts";

/** TD3 hyperparameters (plus the shared off-policy loop settings). Noise scales are fractions of the half-width of the action box. */
export type Td3Config = LoopConfig & {
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  /** Target policy smoothing noise std σ̃ (TD3 §5.3). */
  policyNoise: number;
  /** Clip c of the smoothing noise. */
  noiseClip: number;
  /** Std of the Gaussian exploration noise added to π(s) when acting. */
  explorationNoise: number;
  /** Update the actor and both targets every `policyDelay` critic updates (TD3 §5.2). */
  policyDelay: number;
  hidden: readonly number[];
  activation: string;
  numCritics: number;
};

/** The agent state: parameters, targets, optimizer states, the update counter and the last actor loss, action box and config (static). */
export interface Td3State {
  actor: { params: unknown; target: unknown; opt: unknown };
  critic: { params: unknown; target: unknown; opt: unknown };
  /** Critic updates done so far (int32); the actor moves when step % policyDelay == 0. */
  step: Array;
  /** The actor loss of the latest delayed update (reported on the steps in between). */
  actorLoss: Array;
  box: ActionBox;
  config: Td3Config;
  obsDim: number;
  actDim: number;
}

function optimizers(c: Td3Config) {
  return { actor: optim.adam(c.actorLr), critic: optim.adam(c.criticLr) };
}


/** The TD3 agent's pure functions; `update` is jit-compatible (the policy delay is a `lax.cond` on the step counter). */
export const td3Agent: Agent<Td3State, Td3Config> = {
  create(key, obsSpace, actSpace, config) {
    const { obsDim, actDim, box } = spaceInfo(obsSpace, actSpace);
    const { actor, critic } = td3Networks(obsDim, actDim, config);
    const actorParams = actor.init(random.foldIn(key, 0));
    const criticParams = critic.init(random.foldIn(key, 1));
    const opts = optimizers(config);
    return {
      actor: { params: actorParams, target: actorParams, opt: opts.actor.init(actorParams) },
      critic: { params: criticParams, target: criticParams, opt: opts.critic.init(criticParams) },
      step: np.array(0, { dtype: "int32" }),
      actorLoss: np.array(0, { dtype: "float32" }),
      box,
      config,
      obsDim,
      actDim,
    };
  },

  update(s, batch, key) {
    const c = s.config;
    const { actor, critic } = td3Networks(s.obsDim, s.actDim, c);
    const opts = optimizers(c);
    const b: Batch = { ...batch, action: fromActionBox(batch.action, s.box) };
    const smoothing = { std: c.policyNoise, clip: c.noiseClip };

    const q = gradientStep(opts.critic, s.critic, (p) => {
      const r = criticLoss(critic, actor, p, s.critic.target, s.actor.target, b, c.gamma, smoothing, key);
      return [r.loss, r.q];
    });
    const criticParams = q.part.params;

    // Delayed policy update (TD3 §5.2): actor step and Polyak updates of both targets every `policyDelay` critic steps.
    type Delayed = { actor: Td3State["actor"]; criticTarget: unknown; loss: Array };
    const delayed = (): Delayed => {
      const pi = gradientStep(opts.actor, s.actor, (p) => [actorLoss(critic, actor, p, criticParams, b.obs, key), null]);
      const params = pi.part.params;
      return {
        actor: { params, target: optim.emaUpdate(s.actor.target, params, c.tau), opt: pi.part.opt },
        criticTarget: optim.emaUpdate(s.critic.target, criticParams, c.tau),
        loss: pi.loss.astype("float32"),
      };
    };
    const skip = (): Delayed => ({ actor: s.actor, criticTarget: s.critic.target, loss: s.actorLoss });
    const doActor = np.equal(np.rem(s.step, c.policyDelay), 0);
    const d = lax.cond(doActor, delayed, skip);

    const metrics: Metrics = { "losses/qf_loss": q.loss, "losses/qf_values": np.mean(q.aux), "losses/actor_loss": d.loss };
    return [
      { ...s, actor: d.actor, critic: { params: criticParams, target: d.criticTarget, opt: q.part.opt }, step: np.add(s.step, 1), actorLoss: d.loss },
      metrics,
    ];
  },

  sampleActions(s, obs, key, opts) {
    const { actor } = td3Networks(s.obsDim, s.actDim, s.config);
    const flat = np.reshape(obs, [obs.shape[0]!, s.obsDim]);
    const mu = actor.sample(key, s.actor.params as any, flat, { deterministic: true });
    if (opts.deterministic) return toActionBox(mu, s.box);
    const noisy = np.add(mu, np.mul(random.normal(key, mu.shape, { dtype: mu.dtype }), s.config.explorationNoise));
    return toActionBox(np.clip(noisy, -1, 1), s.box);
  },
};

/** CleanRL `td3_continuous_action.py` defaults (which follow Fujimoto et al. 2018). */
const gym: Td3Config = {
  ...OFF_POLICY_DEFAULTS,
  learningStarts: 25_000,
  gamma: 0.99,
  tau: 0.005,
  actorLr: 3e-4,
  criticLr: 3e-4,
  policyNoise: 0.2,
  noiseClip: 0.5,
  explorationNoise: 0.1,
  policyDelay: 2,
  hidden: [256, 256],
  activation: "relu",
  numCritics: 2,
};

/** TD3: deterministic tanh policy, twin critics with clipped double-Q, target smoothing and delayed policy updates; a baseline of the taxonomy. */
export const td3: Algorithm<Td3Config> = {
  name: "td3",
  description: "Twin Delayed DDPG: deterministic policy, clipped double-Q, target policy smoothing, delayed actor updates",
  taxonomy: {
    family: "baseline",
    reference: "uniform",
    policy: "deterministic",
    regime: "off-policy",
    paper: "Fujimoto et al., Addressing Function Approximation Error in Actor-Critic Methods (arXiv 1802.09477)",
  },
  agent: td3Agent,
  defaults: { gym, dmc: { ...gym, hidden: [512, 512, 512], activation: "elu" }, toy: { ...gym, learningStarts: 1000 } },
  choices: { activation: ["relu", "elu", "gelu", "mish", "silu", "tanh"] },
};
