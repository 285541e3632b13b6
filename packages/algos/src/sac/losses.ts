// SAC losses: soft Bellman critic regression, reparameterized actor objective, automatic temperature (arXiv 1812.05905).
import { type Array, np, stopGradient } from "@drift/tensor";
import type { GaussianHead } from "@drift/policies";
import type { QEnsemble } from "../common/critics.ts";
import type { Batch } from "../agent.ts";

/**
 * Critic loss Σ_i mean((Q_i(s, a) − y)²) with the soft target
 * y = r + γ (1 − terminated) (min_j Q̄_j(s', a') − α log π(a'|s')), a' ~ π(·|s') (SAC eq. 2–3, twin-min as TD3).
 * Actions in `batch` are already in the actor's [−1, 1] units.
 */
export function criticLoss(
  critic: QEnsemble,
  actor: GaussianHead,
  criticParams: unknown,
  targetParams: unknown,
  actorParams: unknown,
  alpha: Array,
  batch: Batch,
  gamma: number,
  key: Array,
): { loss: Array; q: Array } {
  const [nextAction, nextLogProb] = actor.sampleWithLogProb(key, actorParams as any, batch.nextObs);
  const nextQ = np.min(critic.apply(targetParams, batch.nextObs, nextAction), 0);
  const notDone = np.sub(1, batch.terminated.astype("float32"));
  const target = stopGradient(np.add(batch.reward, np.mul(np.mul(notDone, gamma), np.sub(nextQ, np.mul(alpha, nextLogProb)))));
  const q = critic.apply(criticParams, batch.obs, batch.action);
  const loss = np.sum(np.mean(np.square(np.sub(q, target)), -1));
  return { loss, q };
}

/** Actor loss mean(α log π(a|s) − min_i Q_i(s, a)), a ~ π(·|s) reparameterized (SAC eq. 7, 12). */
export function actorLoss(critic: QEnsemble, actor: GaussianHead, actorParams: unknown, criticParams: unknown, alpha: Array, obs: Array, key: Array): { loss: Array; logProb: Array } {
  const [action, logProb] = actor.sampleWithLogProb(key, actorParams as any, obs);
  const q = np.min(critic.apply(criticParams, obs, action), 0);
  return { loss: np.mean(np.sub(np.mul(alpha, logProb), q)), logProb };
}

/** Temperature loss mean(−α (log π + H̄)) with α = exp(log α) and the entropy target H̄ = −|A| (SAC eq. 18, CleanRL form). */
export function alphaLoss(logAlpha: Array, logProb: Array, targetEntropy: number): Array {
  return np.mean(np.mul(np.neg(np.exp(logAlpha)), np.add(stopGradient(logProb), targetEntropy)));
}
