// SAC as an agent: create / update / sampleActions plus its taxonomy and per-suite defaults.
import { type Array, np, random } from "@drift/tensor";
import { optim } from "@drift/nn";
import type { Agent, Batch, Metrics } from "../agent.ts";
import type { Algorithm } from "../taxonomy.ts";
import { OFF_POLICY_DEFAULTS, type LoopConfig } from "../train/loop-config.ts";
import { fromActionBox, toActionBox, spaceInfo, type ActionBox } from "../common/critics.ts";
import { gradientStep } from "../common/optimize.ts";
import { sacNetworks } from "./networks.ts";
import { actorLoss, alphaLoss, criticLoss } from "./losses.ts";

/** SAC hyperparameters (plus the shared off-policy loop settings). */
export type SacConfig = LoopConfig & {
  gamma: number;
  tau: number;
  actorLr: number;
  criticLr: number;
  alphaLr: number;
  initAlpha: number;
  /** Learn α to match the target entropy −|A| × targetEntropyScale (false keeps α = initAlpha). */
  autoAlpha: boolean;
  targetEntropyScale: number;
  hidden: readonly number[];
  activation: string;
  numCritics: number;
};

/** The agent state: parameters, optimizer states, targets, temperature, action box and the config (static). */
export interface SacState {
  actor: { params: unknown; opt: unknown };
  critic: { params: unknown; target: unknown; opt: unknown };
  logAlpha: { value: Array; opt: unknown };
  box: ActionBox;
  config: SacConfig;
  obsDim: number;
  actDim: number;
}

function optimizers(c: SacConfig) {
  return { actor: optim.adam(c.actorLr), critic: optim.adam(c.criticLr), alpha: optim.adam(c.alphaLr) };
}


/** The SAC agent's pure functions. */
export const sacAgent: Agent<SacState, SacConfig> = {
  create(key, obsSpace, actSpace, config) {
    const { obsDim, actDim, box } = spaceInfo(obsSpace, actSpace);
    const { actor, critic } = sacNetworks(obsDim, actDim, config);
    const [ka, kc] = [random.foldIn(key, 0), random.foldIn(key, 1)];
    const actorParams = actor.init(ka);
    const criticParams = critic.init(kc);
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
    const { actor, critic } = sacNetworks(s.obsDim, s.actDim, c);
    const opts = optimizers(c);
    const [kc, ka] = [random.foldIn(key, 0), random.foldIn(key, 1)];
    const b: Batch = { ...batch, action: fromActionBox(batch.action, s.box) };
    const alpha = np.exp(s.logAlpha.value);

    const q = gradientStep(opts.critic, s.critic, (p) => {
      const r = criticLoss(critic, actor, p, s.critic.target, s.actor.params, alpha, b, c.gamma, kc);
      return [r.loss, r.q];
    });
    const criticParams = q.part.params;
    const pi = gradientStep(opts.actor, s.actor, (p) => {
      const r = actorLoss(critic, actor, p, criticParams, alpha, b.obs, ka);
      return [r.loss, r.logProb];
    });
    const logProb = pi.aux;

    const targetEntropy = -s.actDim * c.targetEntropyScale;
    let logAlpha = s.logAlpha;
    let aLoss = np.array(0);
    if (c.autoAlpha) {
      const a = gradientStep(opts.alpha, { params: s.logAlpha.value, opt: s.logAlpha.opt }, (la) => [alphaLoss(la, logProb, targetEntropy), null]);
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
      "losses/entropy": np.neg(np.mean(logProb)),
    };
    return [
      { ...s, actor: pi.part, critic: { params: criticParams, target, opt: q.part.opt }, logAlpha },
      metrics,
    ];
  },

  sampleActions(s, obs, key, opts) {
    const { actor } = sacNetworks(s.obsDim, s.actDim, s.config);
    const flat = np.reshape(obs, [obs.shape[0]!, s.obsDim]);
    return toActionBox(actor.sample(key, s.actor.params as any, flat, { deterministic: opts.deterministic }), s.box);
  },
};

const gym: SacConfig = {
  ...OFF_POLICY_DEFAULTS,
  gamma: 0.99,
  tau: 0.005,
  actorLr: 3e-4,
  criticLr: 1e-3,
  alphaLr: 1e-3,
  initAlpha: 1,
  autoAlpha: true,
  targetEntropyScale: 1,
  hidden: [256, 256],
  activation: "relu",
  numCritics: 2,
};

/** SAC: tanh-Gaussian policy with automatic temperature (Haarnoja et al. 2018), a baseline of the taxonomy. */
export const sac: Algorithm<SacConfig> = {
  name: "sac",
  description: "Soft Actor-Critic: tanh-Gaussian policy, twin critics, learned temperature",
  taxonomy: {
    family: "baseline",
    reference: "uniform",
    policy: "gaussian",
    regime: "off-policy",
    paper: "Haarnoja et al., Soft Actor-Critic Algorithms and Applications (arXiv 1812.05905)",
  },
  agent: sacAgent,
  defaults: { gym, dmc: { ...gym, hidden: [512, 512, 512], activation: "elu" }, toy: { ...gym, learningStarts: 1000 } },
  choices: { activation: ["relu", "elu", "gelu", "mish", "silu", "tanh"] },
};

