// DA-MDP transitions at the replay-buffer level (papers.md §1.2(d)): env transitions plus a latent chain → augmented transitions.
import { type Array, DriftError, np, random } from "@drift/tensor";
import type { Batch } from "../agent.ts";

/**
 * Transitions of the diffusion-augmented MDP, leaves shaped [N, ...]. The augmented state is s̃ = (s, x_k, k), the
 * augmented action is ã = x_{k+1}; `envStep` marks the last denoising step k = K − 1, the only one that moves the env.
 */
export interface AugmentedBatch {
  /** Env observation s of the augmented state, [N, obsDim]. */
  obs: Array;
  /** Latent x_k, [N, d]. */
  latent: Array;
  /** Denoising step k ∈ [0, K), int32 [N]. */
  step: Array;
  /** Augmented action x_{k+1}, [N, d]. */
  action: Array;
  /** Env reward at the last denoising step, 0 before it (no entropy term: the algorithm adds its own), [N]. */
  reward: Array;
  /** s' after the last step (the env moved), else s, [N, obsDim]. */
  nextObs: Array;
  /** A fresh x_0' ~ p_0 after the last step, else x_{k+1}, [N, d]. */
  nextLatent: Array;
  /** 0 after the last step, else k + 1, int32 [N]. */
  nextStep: Array;
  /** The env transition's `terminated` at the last step, false before it, bool [N]. */
  terminated: Array;
  /** True where k = K − 1, bool [N]. */
  envStep: Array;
}

/** How the discount is applied on the augmented MDP (papers.md §1.2(d)). */
export type DamdpDiscounting = "augmented" | "env";

/**
 * Discount of each augmented transition: γ on every denoising step ("augmented", the reference's default; γ = 0.999
 * per step ≈ 0.992 per env step for K = 8) or γ only on the last denoising step and 1 before it ("env",
 * `use_env_time_discounting`).
 */
export function damdpDiscount(envStep: Array, gamma: number, discounting: DamdpDiscounting): Array {
  if (discounting === "augmented") return np.full(envStep.shape, gamma, { dtype: "float32" });
  if (discounting === "env") return np.where(envStep, gamma, 1).astype("float32");
  throw new DriftError("damdpDiscount", `discounting must be "augmented" or "env"; got ${JSON.stringify(discounting)}`);
}

/**
 * How `denoisingStepIndices` draws m of the K denoising steps per env transition: "uniform" draws all m uniformly from
 * [0, K) (with replacement); "last" always takes the env-moving step K − 1 (column 0) and draws the other m − 1
 * uniformly from [0, K − 1), so every update trains the last step on the whole batch.
 */
export type StepSampling = "uniform" | "last";

/**
 * Denoising step indices [B, m] (int32): every step 0..K−1 in order for each row when m = K, otherwise m steps per row
 * drawn as `sampling` says.
 */
export function denoisingStepIndices(key: Array, rows: number, steps: number, perRow: number, sampling: StepSampling = "uniform"): Array {
  const op = "denoisingStepIndices";
  if (!Number.isInteger(steps) || steps <= 0) throw new DriftError(op, `steps must be a positive integer; got ${steps}`);
  if (!Number.isInteger(perRow) || perRow <= 0 || perRow > steps) throw new DriftError(op, `perRow must be an integer in [1, ${steps}]; got ${perRow}`);
  if (sampling !== "uniform" && sampling !== "last") throw new DriftError(op, `sampling must be "uniform" or "last"; got ${JSON.stringify(sampling)}`);
  if (perRow === steps) return np.broadcastTo(np.arange(steps).reshape([1, steps]), [rows, steps]);
  if (sampling === "uniform") return random.randint(key, [rows, perRow], 0, steps);
  if (perRow < 2) throw new DriftError(op, `sampling "last" needs perRow ≥ 2 (the last step plus at least one other); got ${perRow}`);
  const last = np.full([rows, 1], steps - 1, { dtype: "int32" });
  return np.concatenate([last, random.randint(key, [rows, perRow - 1], 0, steps - 1)], 1);
}

/**
 * Per-row weights [m] for the indices of `denoisingStepIndices`: with them Σ_j w_j ℓ(k_j) is an unbiased estimate of
 * the chain sum Σ_k ℓ(k) for each transition (K/m each for "uniform"; 1 for the last step and (K−1)/(m−1) for the
 * others with "last"; 1 each when m = K). They sum to K.
 */
export function denoisingStepWeights(steps: number, perRow: number, sampling: StepSampling = "uniform"): number[] {
  if (perRow === steps) return new globalThis.Array<number>(steps).fill(1);
  if (sampling === "uniform") return new globalThis.Array<number>(perRow).fill(steps / perRow);
  return [1, ...new globalThis.Array<number>(perRow - 1).fill((steps - 1) / (perRow - 1))];
}

/**
 * Expands env transitions into DA-MDP transitions (papers.md §1.2(d)). `prefix` [B, K, d] holds the latents
 * x_0..x_{K−1} of a chain for each row (stored with the transition, or re-sampled from any policy: the augmented
 * dynamics before the last step are deterministic and known, and the env outcome depends only on s and x_K), and
 * `executed` [B, d] the latent x_K whose squashed value the env executed (e.g. `tanhUnsquash(batch.action)`).
 * `nextLatent` [B, d] is the fresh x_0' ~ p_0 of the next env state, and `steps` [B, m] (int32 in [0, K)) picks the
 * denoising steps to emit per row. Returns B·m rows, row-major (row b's m steps are adjacent):
 * k < K−1: (s, x_k, k) → x_{k+1} → (s, x_{k+1}, k+1), reward 0, never terminal;
 * k = K−1: (s, x_{K−1}, K−1) → x_K → (s', x_0', 0), the env reward and `terminated`.
 * `batch.action` is not read (pass the executed latent instead).
 */
export function augmentBatch(batch: Omit<Batch, "action">, prefix: Array, executed: Array, nextLatent: Array, steps: Array): AugmentedBatch {
  const op = "augmentBatch";
  if (prefix.ndim !== 3) throw new DriftError(op, `prefix must be [B, K, d]; got shape [${prefix.shape.join(",")}]`);
  const [B, K, d] = prefix.shape as [number, number, number];
  const check = (name: string, x: Array, shape: number[]) => {
    if (x.shape.length !== shape.length || x.shape.some((v, i) => v !== shape[i]))
      throw new DriftError(op, `${name} must have shape [${shape.join(",")}]; got [${x.shape.join(",")}]`);
  };
  check("executed", executed, [B, d]);
  check("nextLatent", nextLatent, [B, d]);
  if (steps.ndim !== 2 || steps.shape[0] !== B) throw new DriftError(op, `steps must be [${B}, m]; got shape [${steps.shape.join(",")}]`);
  if (batch.obs.shape[0] !== B || batch.reward.shape[0] !== B) throw new DriftError(op, `batch leaves must lead with B = ${B}; got obs [${batch.obs.shape.join(",")}]`);
  const m = steps.shape[1]!;
  const N = B * m;
  const dtype = prefix.dtype as "float32" | "float64";
  const chain = np.concatenate([prefix, np.expandDims(executed.astype(dtype), 1)], 1); // [B, K+1, d]
  const k = steps.astype("int32");
  const gather = (idx: Array) => np.reshape(np.matmul(np.oneHot(idx, K + 1, { dtype }), chain), [N, d]);
  const rows = (x: Array) => np.reshape(np.broadcastTo(np.expandDims(x, 1), [B, m, ...x.shape.slice(1)]), [N, ...x.shape.slice(1)]);
  const last = np.reshape(np.equal(k, K - 1), [N]);
  const col = (x: Array) => np.reshape(last, [N, ...new globalThis.Array(x.ndim - 1).fill(1)]);
  const xNext = gather(np.add(k, 1));
  const obs = rows(batch.obs);
  const nextObs = rows(batch.nextObs);
  const x0 = rows(nextLatent.astype(dtype));
  return {
    obs,
    latent: gather(k),
    step: np.reshape(k, [N]),
    action: xNext,
    reward: np.where(last, rows(batch.reward), 0).astype(batch.reward.dtype),
    nextObs: np.where(col(nextObs), nextObs, obs),
    nextLatent: np.where(col(x0), x0, xNext),
    nextStep: np.where(last, 0, np.reshape(np.add(k, 1), [N])).astype("int32"),
    terminated: np.logicalAnd(last, rows(batch.terminated.astype("bool"))),
    envStep: last,
  };
}
