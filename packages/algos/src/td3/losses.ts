// TD3 losses: clipped double-Q regression with target policy smoothing, and the deterministic policy gradient objective.
import { type Array, np, random, stopGradient } from "@drift/tensor";
import type { PolicyHead } from "@drift/policies";
import type { QEnsemble } from "../common/critics.ts";
import type { Batch } from "../agent.ts";

/** Target policy smoothing (TD3 §5.3): noise std and clip, in the actor's [−1, 1] action units. */
export interface SmoothingNoise {
  std: number;
  clip: number;
}

/**
 * Critic loss Σ_i mean((Q_i(s, a) − y)²) with the clipped double-Q target (TD3 eq. 10 and §5.3)
 * y = r + γ (1 − terminated) min_j Q̄_j(s', ã'), ã' = clip(π̄(s') + clip(ε, −c, c), −1, 1), ε ~ N(0, σ²),
 * where Q̄ and π̄ are the target networks. Actions in `batch` are already in the actor's [−1, 1] units.
 */
export function criticLoss(
  critic: QEnsemble,
  actor: PolicyHead<any>,
  criticParams: unknown,
  targetCriticParams: unknown,
  targetActorParams: unknown,
  batch: Batch,
  gamma: number,
  smoothing: SmoothingNoise,
  key: Array,
): { loss: Array; q: Array } {
  const mu = actor.sample(key, targetActorParams, batch.nextObs, { deterministic: true });
  const eps = np.clip(np.mul(random.normal(key, mu.shape, { dtype: mu.dtype }), smoothing.std), -smoothing.clip, smoothing.clip);
  const nextAction = np.clip(np.add(mu, eps), -1, 1);
  const nextQ = np.min(critic.apply(targetCriticParams, batch.nextObs, nextAction), 0);
  const notDone = np.sub(1, batch.terminated.astype("float32"));
  const target = stopGradient(np.add(batch.reward, np.mul(np.mul(notDone, gamma), nextQ)));
  const q = critic.apply(criticParams, batch.obs, batch.action);
  return { loss: np.sum(np.mean(np.square(np.sub(q, target)), -1)), q };
}

/** Actor loss −mean Q_1(s, π(s)) through the first critic only (TD3 Alg. 1, deterministic policy gradient). */
export function actorLoss(critic: QEnsemble, actor: PolicyHead<any>, actorParams: unknown, criticParams: unknown, obs: Array, key: Array): Array {
  const action = actor.sample(key, actorParams, obs, { deterministic: true });
  const q1 = np.squeeze(np.slice(critic.apply(criticParams, obs, action), [0, 1]), 0);
  return np.neg(np.mean(q1));
}
