// DiffSAC losses (papers.md §1.6): SAC's soft Bellman, actor and temperature losses per denoising step, entropy term log F_θ − log B.
import { type Array, np, stopGradient } from "@drift/tensor";
import type { AugmentedBatch } from "../damdp/transitions.ts";
import type { AugmentedCritic, DenoisingKernel } from "./networks.ts";

/** Augmented states s̃ = (s, x_k, k), leaves [N, ...]. */
export type AugmentedStates = Pick<AugmentedBatch, "obs" | "latent" | "step">;

/**
 * Critic loss Σ_i mean((Q_i(s̃, ã) − y)²) with the per-step soft target
 * y = r̃ + γ_n (1 − terminated) (min_j Q̄_j(s̃', ã') − α (log F_θ(ã'|s̃') − log B(x'|ã'))), ã' ~ F_θ(·|s̃')
 * (papers.md §1.6; the entropy term of the *next* augmented action, as the reference's soft reward §1.2(d)).
 * `discount` [N] is γ per row (`damdpDiscount`). Rows where `chain.mask` holds take `chain.target` instead
 * (`chainTargets`); without a mask `chain.target` is every row's target and the one-step target is not computed.
 */
export function criticLoss(
  critic: AugmentedCritic,
  kernel: DenoisingKernel,
  criticParams: unknown,
  targetParams: unknown,
  actorParams: unknown,
  alpha: Array,
  batch: AugmentedBatch,
  discount: Array,
  key: Array,
  chain?: { target: Array; mask?: Array },
): { loss: Array; q: Array; target: Array } {
  const oneStep = () => {
    const next = kernel.step(actorParams, key, batch.nextObs, batch.nextLatent, batch.nextStep);
    const nextQ = np.min(critic.apply(targetParams, batch.nextObs, batch.nextLatent, batch.nextStep, next.xNext), 0);
    const soft = np.sub(nextQ, np.mul(alpha, np.sub(next.logF, next.logB)));
    return np.add(batch.reward, np.mul(np.mul(notDoneOf(batch.terminated), discount), soft));
  };
  const target = stopGradient(!chain ? oneStep() : chain.mask ? np.where(chain.mask, chain.target, oneStep()) : chain.target);
  const q = critic.apply(criticParams, batch.obs, batch.latent, batch.step, batch.action);
  return { loss: np.sum(np.mean(np.square(np.sub(q, target)), -1)), q, target };
}

/** 1 − terminated as float32. */
function notDoneOf(terminated: Array): Array {
  return np.sub(1, terminated.astype("float32"));
}

/**
 * The soft Q target of every denoising step of sampled chains, [B, K]: y_k = Σ_{j=k+1}^{K−1} c^{j−k} (−α ℓ_j) +
 * c^{K−1−k} min_i Q̄_i(s, x_{K−1}, K−1, x_K) (see `chainTargets`).
 */
function unrolledStepTargets(critic: AugmentedCritic, targetParams: unknown, alpha: Array, chain: { obs: Array; latents: Array; logRatio: Array }, c: number): Array {
  const [B, K1, d] = chain.latents.shape as [number, number, number];
  const K = K1 - 1;
  const at = (j: number) => np.reshape(np.slice(chain.latents, null, [j, j + 1]), [B, d]);
  const lastQ = np.min(critic.apply(targetParams, chain.obs, at(K - 1), np.full([B], K - 1, { dtype: "int32" }), at(K)), 0);
  // weights[j, k] = c^{j−k} for j > k: suffix sums of the discounted log-ratios after step k.
  const weights = np.array(
    globalThis.Array.from({ length: K }, (_, j) => globalThis.Array.from({ length: K }, (_, k) => (j > k ? c ** (j - k) : 0))),
    { dtype: "float32" },
  );
  const tail = np.array(globalThis.Array.from({ length: K }, (_, k) => c ** (K - 1 - k)), { dtype: "float32" });
  return np.add(np.mul(np.matmul(chain.logRatio, weights), np.neg(alpha)), np.mul(np.expandDims(lastQ, 1), tail));
}

/**
 * Multi-step soft targets along an on-policy latent chain, for the steps k < K−1 that do not move the env:
 * y_k = Σ_{j=k+1}^{K−1} c^{j−k} (−α ℓ_j) + c^{K−1−k} min_i Q̄_i(s, x_{K−1}, K−1, x_K), the one-step recursion
 * Q(s̃_k, x_{k+1}) = c (Q(s̃_{k+1}, x_{k+2}) − α ℓ_{k+1}) unrolled along the chain x_{k+1}..x_K (sampled from the
 * current policy, so the unrolled terms are on-policy) and bootstrapped once on the last-step critic. c is the
 * discount of an intermediate step (γ or 1, `damdpDiscount`). Value then crosses an env step in two bootstrap hops
 * instead of K. `obs` [B, o], `latents` x_0..x_K [B, K+1, d], `logRatio` ℓ_0..ℓ_{K−1} [B, K], `steps` [B, m] as
 * given to `augmentBatch`; returns `target` and `mask` (k < K−1), both [B·m].
 */
export function chainTargets(
  critic: AugmentedCritic,
  targetParams: unknown,
  alpha: Array,
  chain: { obs: Array; latents: Array; logRatio: Array },
  steps: Array,
  intermediateDiscount: number,
): { target: Array; mask: Array } {
  const K = chain.latents.shape[1]! - 1;
  const perStep = unrolledStepTargets(critic, targetParams, alpha, chain, intermediateDiscount); // [B, K]
  const k = steps.astype("int32");
  const picked = np.sum(np.mul(np.oneHot(k, K, { dtype: "float32" }), np.expandDims(perStep, 1)), -1); // [B, m]
  return { target: np.reshape(picked, [-1]), mask: np.reshape(np.less(k, K - 1), [-1]) };
}

/** Mean of `x` [N], or its weighted mean Σ w x / Σ w with per-row `weights` [N]. */
function rowMean(x: Array, weights?: Array): Array {
  return weights ? np.div(np.sum(np.mul(x, weights)), np.sum(weights)) : np.mean(x);
}

/**
 * Soft targets of the env-moving step unrolled over a fresh chain at the next state: y = r + γ (1 − terminated) V(s', x_0', 0)
 * with V(s̃_0) = −α ℓ'_0 + y'_0 = Σ_{j=0}^{K−1} c^j (−α ℓ'_j) + c^{K−1} min_i Q̄_i(s', x'_{K−1}, K−1, x'_K), the chain
 * x'_0..x'_K ~ the current policy at s' (`nextChain`: `latents` [B, K+1, d], `logRatio` [B, K]). This is SAC's one-hop
 * target with −Σ_j ℓ'_j (the chain's entropy bound less log p_0) in place of −log π; `reward`, `terminated` [B].
 */
export function envStepTargets(
  critic: AugmentedCritic,
  targetParams: unknown,
  alpha: Array,
  nextChain: { obs: Array; latents: Array; logRatio: Array },
  reward: Array,
  terminated: Array,
  gamma: number,
  intermediateDiscount: number,
): Array {
  const perStep = unrolledStepTargets(critic, targetParams, alpha, nextChain, intermediateDiscount);
  const first = (x: Array) => np.reshape(np.slice(x, null, [0, 1]), [-1]);
  const value = np.sub(first(perStep), np.mul(alpha, first(nextChain.logRatio)));
  return np.add(reward, np.mul(np.mul(notDoneOf(terminated), gamma), value));
}

/**
 * Actor loss mean(α (log F_θ(ã|s̃) − log B(x_k|ã)) − min_i Q_i(s̃, ã)) with ã = x_{k+1} reparameterised from one
 * denoising step: gradients flow through that step only, never through the chain (papers.md §1.6). Optional per-row
 * `weights` [N] (`denoisingStepWeights`) make it the weighted mean, so a stratified draw of steps still estimates
 * the loss summed over the chain's steps.
 */
export function actorLoss(
  critic: AugmentedCritic,
  kernel: DenoisingKernel,
  actorParams: unknown,
  criticParams: unknown,
  alpha: Array,
  states: AugmentedStates,
  key: Array,
  weights?: Array,
): { loss: Array; logRatio: Array } {
  const st = kernel.step(actorParams, key, states.obs, states.latent, states.step);
  const logRatio = np.sub(st.logF, st.logB);
  const q = np.min(critic.apply(criticParams, states.obs, states.latent, states.step, st.xNext), 0);
  return { loss: rowMean(np.sub(np.mul(alpha, logRatio), q), weights), logRatio };
}

/**
 * The chain's entropy lower bound Ĥ = H(p_0) − K·mean(log F_θ − log B) (papers.md §1.2(c): −E[log p_0(x_0) + Σ_k
 * log F/B] ≤ H(x_K|s); with steps drawn uniformly over k, K·mean estimates the sum; pass the rows' `weights` from
 * `denoisingStepWeights` for other draws). Pass `priorEntropy` 0 for the reference REPPO's H ≈ −K·mean(ℓ).
 */
export function entropyEstimate(logRatio: Array, steps: number, priorEntropy: number, weights?: Array): Array {
  return np.sub(priorEntropy, np.mul(rowMean(logRatio, weights), steps));
}

/** Temperature loss α·(Ĥ − H̄) with α = exp(log α) and Ĥ from `entropyEstimate` (gradient-stopped): SAC eq. 18 on the bound. */
export function alphaLoss(logAlpha: Array, logRatio: Array, steps: number, priorEntropy: number, targetEntropy: number, weights?: Array): Array {
  return np.mul(np.exp(logAlpha), np.sub(stopGradient(entropyEstimate(logRatio, steps, priorEntropy, weights)), targetEntropy));
}
