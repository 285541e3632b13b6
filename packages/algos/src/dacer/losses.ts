// DACER losses: the distributional (DSAC-T) twin-critic loss, the actor loss through the whole reverse chain, and the GMM-entropy temperature.
import { type Array, np, random, stopGradient, vmap } from "@drift/tensor";
import { type PolicyHead, gmmEntropy } from "@drift/policies";
import type { Batch } from "../agent.ts";
import type { GaussianQEnsemble } from "./networks.ts";

/**
 * Constants of the distributional critic loss (DSAC-T, Duan et al. 2023, arXiv 2310.05858, as in FlowRL `dacer.py`):
 * Huber threshold δ, target clip ±k·σ̄ around the current mean, bias b in the std terms, clamp of the ratio weight,
 * and the clip of the standard-normal draw of the target sample.
 */
export const DISTRIBUTIONAL = { huberDelta: 50, targetClip: 3, stdBias: 0.1, ratioMin: 0.1, ratioMax: 10, sampleClip: 3 } as const;

/** Elementwise Huber loss of an error: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond. */
export function huber(error: Array, delta: number): Array {
  const a = np.abs(error);
  return np.where(np.lessEqual(a, delta), np.mul(np.square(error), 0.5), np.mul(np.sub(a, 0.5 * delta), delta));
}

/**
 * DACER's exploratory action (Wang et al. 2024 §4.2; FlowRL `dacer.py`): a chain sample plus Gaussian noise,
 * clip(a + noiseStd·ε, −1, 1), with noiseStd = α·noise_scaler. Gradients flow through the chain.
 */
export function noisyActions(actor: PolicyHead<any>, actorParams: unknown, obs: Array, noiseStd: Array, key: Array): Array {
  const a = actor.sample(random.foldIn(key, 0), actorParams, obs);
  return np.clip(np.add(a, np.mul(random.normal(random.foldIn(key, 1), a.shape, { dtype: a.dtype }), noiseStd)), -1, 1);
}

/**
 * Distributional twin-critic loss (DSAC-T refinements as in DACER/FlowRL). With target members N(μ̄_j, σ̄_j²) at
 * (s', a'), a' = `noisyActions`, j* = argmin_j μ̄_j and z ~ N(0, 1) clipped to ±3:
 * y_μ = r + γ(1 − d) μ̄_{j*},  y_z = r + γ(1 − d)(μ̄_{j*} + σ̄_{j*} z).
 * Per member i (σ̂ = sg(max(σ_i, 1e-6)), ρ = the running mean of σ, ŷ = sg(μ_i + clip(y_z − μ_i, ±3ρ))):
 * ℓ_i = mean[ w (huber(μ_i − y_μ) + σ_i (σ̂² − huber(sg(μ_i) − ŷ)) / (σ̂ + b)) ],  w = clamp(ρ²/(σ̂² + b), 0.1, 10),
 * Huber δ = 50, b = 0.1; the loss is Σ_i ℓ_i. The mean term regresses μ to the expected target; the std term moves
 * σ² towards the (bounded) squared sample error. Rewards must already be scaled; actions are in [−1, 1].
 */
export function criticLoss(
  critic: GaussianQEnsemble,
  actor: PolicyHead<any>,
  criticParams: unknown,
  targetParams: unknown,
  actorParams: unknown,
  noiseStd: Array,
  runningStd: Array,
  batch: Batch,
  gamma: number,
  key: Array,
): { loss: Array; mean: Array; std: Array } {
  const K = DISTRIBUTIONAL;
  const nextAction = noisyActions(actor, actorParams, batch.nextObs, noiseStd, random.foldIn(key, 0));
  const next = critic.apply(targetParams, batch.nextObs, nextAction);
  const z = np.clip(random.normal(random.foldIn(key, 1), next.mean.shape, { dtype: next.mean.dtype }), -K.sampleClip, K.sampleClip);
  const pick = np.transpose(np.oneHot(np.argmin(next.mean, 0), critic.size, { dtype: next.mean.dtype as "float32" | "float64" })); // [size, B]
  const nextMean = np.sum(np.mul(pick, next.mean), 0);
  const nextSample = np.sum(np.mul(pick, np.add(next.mean, np.mul(next.std, z))), 0);
  const discount = np.mul(np.sub(1, batch.terminated.astype("float32")), gamma);
  const yMean = stopGradient(np.add(batch.reward, np.mul(discount, nextMean)));
  const ySample = stopGradient(np.add(batch.reward, np.mul(discount, nextSample)));

  const { mean, std } = critic.apply(criticParams, batch.obs, batch.action); // [size, B]
  const rho = stopGradient(runningStd);
  const sigma = stopGradient(np.maximum(std, 1e-6));
  const bound = np.mul(rho, K.targetClip);
  const yBounded = stopGradient(np.add(mean, np.clip(np.sub(ySample, mean), np.neg(bound), bound)));
  const weight = np.clip(np.div(np.square(rho), np.add(np.square(sigma), K.stdBias)), K.ratioMin, K.ratioMax);
  const meanTerm = huber(np.sub(mean, yMean), K.huberDelta);
  const stdTerm = np.div(np.mul(std, np.sub(np.square(sigma), huber(np.sub(stopGradient(mean), yBounded), K.huberDelta))), np.add(sigma, K.stdBias));
  const perMember = np.mean(np.mul(weight, np.add(meanTerm, stdTerm)), -1);
  return { loss: np.sum(perMember), mean, std };
}

/**
 * Actor loss −mean_s min_j μ_j(s, a_θ(s)) with a_θ the output of the whole reverse diffusion chain from fresh noise,
 * differentiated through every denoising step (reparameterization / BPTT; DACER eq. 11, FlowRL eq. 14–15). No
 * exploration noise is added here; entropy is regulated through the noise scale α instead.
 */
export function actorLoss(critic: GaussianQEnsemble, actor: PolicyHead<any>, actorParams: unknown, criticParams: unknown, obs: Array, key: Array): { loss: Array; action: Array } {
  const action = actor.sample(key, actorParams, obs);
  return { loss: np.neg(np.mean(np.min(critic.apply(criticParams, obs, action).mean, 0))), action };
}

/**
 * DACER's policy entropy estimate (§4.3): for each of the M states in `obs` [M, obsDim], draw `numSamples` noisy actions
 * (`noisyActions`), fit a 3-component full-covariance GMM by EM (`gmmEntropy`) and take its entropy formula; returns the
 * mean over states. Runs under jit (vmapped over states).
 */
export function entropyEstimate(actor: PolicyHead<any>, actorParams: unknown, obs: Array, noiseStd: Array, numSamples: number, key: Array): Array {
  const [M, obsDim] = obs.shape as [number, number];
  const rep = np.reshape(np.broadcastTo(np.expandDims(obs, 1), [M, numSamples, obsDim]), [M * numSamples, obsDim]);
  const actions = stopGradient(noisyActions(actor, actorParams, rep, noiseStd, random.foldIn(key, 0)));
  const samples = np.reshape(actions, [M, numSamples, actor.actDim]);
  const fit = vmap((k: Array, x: Array) => gmmEntropy(k, x, { components: 3 }).entropy)(random.split(random.foldIn(key, 1), M), samples);
  return np.mean(fit);
}

/**
 * Temperature loss log α · (Ĥ − H̄) (DACER §4.3, FlowRL form): its gradient Ĥ − H̄ lowers α (less exploration noise)
 * when the estimated entropy Ĥ is above the target H̄ and raises it when below.
 */
export function alphaLoss(logAlpha: Array, entropy: Array, targetEntropy: number): Array {
  return np.mul(logAlpha, np.sub(stopGradient(entropy), targetEntropy));
}
