// Returns and advantage estimators (rlax-style single-stream functions over time axis 0): discounted cumsum, λ-returns, REPPO TD(λ), n-step, GAE.
import { type Array, DriftError, lax, np } from "@drift/tensor";
import { asFloat, checkFinite, checkInt, checkRank, checkSameShape, floatDtype } from "./util.ts";

/**
 * Discounted reverse cumulative sum along axis 0 (a reverse `lax.scan`):
 *
 *   yₜ = xₜ + γₜ·yₜ₊₁,   y_T = bootstrap,
 *
 * where `discount_t` is a number (the same γ at every step) or an array broadcastable to `x_t` (per-step γₜ,
 * e.g. γ·(1 − doneₜ) to cut the sum at episode ends). `x_t` may have trailing axes ([T, N] for N streams);
 * `bootstrap` (default 0) broadcasts to one time slice of `x_t`. Vmappable and jittable.
 */
export function discountedCumsum(x_t: Array, discount_t: Array | number, bootstrap: Array | number = 0): Array {
  const op = "discountedCumsum";
  if (!(x_t instanceof np.Array) || x_t.ndim < 1) throw new DriftError(op, `x_t must be an array of rank ≥ 1 with time on axis 0; got ${x_t instanceof np.Array ? `shape [${x_t.shape.join(",")}]` : typeof x_t}`);
  const dtype = floatDtype(x_t, discount_t as Array, bootstrap as Array);
  const x = asFloat(x_t, dtype);
  const d = np.broadcastTo(asFloat(discount_t, dtype), x.shape);
  const init = np.broadcastTo(asFloat(bootstrap, dtype), x.shape.slice(1));
  const [, ys] = lax.scan(
    (carry: Array, [xt, dt]: [Array, Array]) => {
      const y = np.add(xt, np.mul(dt, carry));
      return [y, y];
    },
    init,
    [x, d],
    { reverse: true },
  );
  return ys;
}

/**
 * Multistep λ-returns of one trajectory (rlax `lambda_returns`; Sutton & Barto §12.1), computed backwards:
 *
 *   Gₜ = rₜ + γₜ·[(1 − λₜ)·vₜ + λₜ·Gₜ₊₁],   G_{T} = v_{T−1},
 *
 * with rlax's indexing: `r_t[i]`, `discount_t[i]` and `v_t[i]` describe the transition out of step i, so `v_t[i]`
 * is the value of the state reached after `r_t[i]`. `lambda_` is a number or a per-step array [T]. λ = 1 gives the
 * discounted return bootstrapped from the last value; λ = 0 one-step TD targets. All inputs have shape [T].
 */
export function lambdaReturns(r_t: Array, discount_t: Array, v_t: Array, lambda_: Array | number = 1): Array {
  const op = "lambdaReturns";
  checkRank(op, "r_t", r_t, 1);
  checkRank(op, "discount_t", discount_t, 1);
  checkRank(op, "v_t", v_t, 1);
  checkSameShape(op, { r_t, discount_t, v_t });
  if (typeof lambda_ === "number") checkFinite(op, "lambda_", lambda_);
  else if (lambda_.ndim > 1) throw new DriftError(op, `lambda_ must be a number or an array of rank ≤ 1; got shape [${lambda_.shape.join(",")}]`);
  const dtype = floatDtype(r_t, discount_t, v_t, lambda_);
  const r = asFloat(r_t, dtype);
  const d = asFloat(discount_t, dtype);
  const v = asFloat(v_t, dtype);
  const lam = np.broadcastTo(asFloat(lambda_, dtype), r.shape);
  // Gₜ = [rₜ + γₜ(1 − λₜ)vₜ] + (γₜλₜ)·Gₜ₊₁: a discounted cumsum of the bootstrapped part.
  const x = np.add(r, np.mul(np.mul(d, np.sub(1, lam)), v));
  const last = np.reshape(np.slice(v, [-1, null]), []);
  return discountedCumsum(x, np.mul(d, lam), last);
}

/** Options of `tdLambda`. */
export interface TdLambdaOptions {
  /** Discount factor γ ∈ [0, 1]. */
  gamma: number;
  /** Trace parameter λ ∈ [0, 1]. */
  lambda: number;
}

/**
 * TD(λ) value targets with time-limit truncation handled as in REPPO (Voelcker et al. 2025,
 * https://arxiv.org/abs/2507.11019), one trajectory, computed backwards:
 *
 *   Gₜ = rₜ + γ·vₜ                                   if truncatedₜ (bootstrap from the final state's value),
 *   Gₜ = rₜ                                          if terminatedₜ,
 *   Gₜ = rₜ + γ·[(1 − λ)·vₜ + λ·Gₜ₊₁]                otherwise,      G_{T−1} = r_{T−1} + γ·v_{T−1} unless it ended.
 *
 * `v_t[t]` is the value of the true next state of step t (at an episode end: of the final observation, before
 * any auto-reset), evaluated at rollout time. `terminated_t` / `truncated_t` are step t's flags (bool or 0/1); when
 * both are set, termination wins. This is `lambdaReturns(r, γ·(1 − term), v, λ·(1 − trunc))`. Shapes [T].
 * REPPO's brax-style (done, truncation) pair maps to terminated = done ∧ ¬truncation, truncated = truncation.
 */
export function tdLambda(r_t: Array, v_t: Array, terminated_t: Array, truncated_t: Array, opts: TdLambdaOptions): Array {
  const op = "tdLambda";
  checkRank(op, "r_t", r_t, 1);
  checkRank(op, "v_t", v_t, 1);
  checkRank(op, "terminated_t", terminated_t, 1);
  checkRank(op, "truncated_t", truncated_t, 1);
  checkSameShape(op, { r_t, v_t, terminated_t, truncated_t });
  if (typeof opts !== "object" || opts === null) throw new DriftError(op, "opts must be an object {gamma, lambda}");
  checkFinite(op, "opts.gamma", opts.gamma);
  checkFinite(op, "opts.lambda", opts.lambda);
  const dtype = floatDtype(r_t, v_t);
  const discount = np.mul(opts.gamma, np.sub(1, asFloat(terminated_t, dtype)));
  const lambdas = np.mul(opts.lambda, np.sub(1, asFloat(truncated_t, dtype)));
  return lambdaReturns(r_t, discount, v_t, lambdas);
}

/**
 * n-step bootstrapped returns of one trajectory (rlax `n_step_bootstrapped_returns` with λ = 1):
 *
 *   Gₜ = Σ_{k<m} (Π_{j<k} γₜ₊ⱼ)·rₜ₊ₖ + (Π_{j<m} γₜ₊ⱼ)·vₜ₊ₘ₋₁,   m = min(n, T − t),
 *
 * with rlax's indexing (`v_t[i]` is the value of the state reached after `r_t[i]`), so windows running past the
 * end of the trajectory bootstrap from the last value. A zero discount (termination) inside the window stops both
 * the rewards after it and the bootstrap. Shapes [T]; `n` ≥ 1 is static.
 */
export function nStepReturns(r_t: Array, discount_t: Array, v_t: Array, n: number): Array {
  const op = "nStepReturns";
  checkRank(op, "r_t", r_t, 1);
  checkRank(op, "discount_t", discount_t, 1);
  checkRank(op, "v_t", v_t, 1);
  checkSameShape(op, { r_t, discount_t, v_t });
  checkInt(op, "n", n, 1);
  const T = r_t.shape[0]!;
  const dtype = floatDtype(r_t, discount_t, v_t);
  const pad = n - 1;
  const lastV = np.slice(asFloat(v_t, dtype), [-1, null]);
  // Pad past the end with zero rewards, unit discounts and the last value, so every window has n steps.
  const r = np.concatenate([asFloat(r_t, dtype), np.zeros([pad], { dtype })]);
  const d = np.concatenate([asFloat(discount_t, dtype), np.ones([pad], { dtype })]);
  const v = np.concatenate([asFloat(v_t, dtype), np.broadcastTo(lastV, [pad])]);
  let g = np.slice(v, [pad, pad + T]);
  for (let k = n - 1; k >= 0; k--) g = np.add(np.slice(r, [k, k + T]), np.mul(np.slice(d, [k, k + T]), g));
  return g;
}

/**
 * Generalized advantage estimation of one trajectory (Schulman et al. 2016, https://arxiv.org/abs/1506.02438;
 * rlax `truncated_generalized_advantage_estimation`):
 *
 *   δₜ = rₜ + γₜ·vₜ₊₁ − vₜ,   Âₜ = δₜ + γₜ·λₜ·Âₜ₊₁,   Â_T = 0,
 *
 * where `values` has T + 1 entries (v₀ … v_T: the last one bootstraps the truncated trajectory) and `r_t`,
 * `discount_t` have T. `lambda_` is a number or a per-step array [T]. Returns Â [T]; value targets are Â + v[:T].
 */
export function gae(r_t: Array, discount_t: Array, values: Array, lambda_: Array | number): Array {
  const op = "gae";
  checkRank(op, "r_t", r_t, 1);
  checkRank(op, "discount_t", discount_t, 1);
  checkRank(op, "values", values, 1);
  checkSameShape(op, { r_t, discount_t });
  const T = r_t.shape[0]!;
  if (values.shape[0] !== T + 1) throw new DriftError(op, `values must have T + 1 = ${T + 1} entries (v₀ … v_T); got shape [${values.shape.join(",")}]`);
  if (typeof lambda_ === "number") checkFinite(op, "lambda_", lambda_);
  const dtype = floatDtype(r_t, discount_t, values, lambda_);
  const d = asFloat(discount_t, dtype);
  const v = asFloat(values, dtype);
  const delta = np.sub(np.add(asFloat(r_t, dtype), np.mul(d, np.slice(v, [1, null]))), np.slice(v, [0, T]));
  return discountedCumsum(delta, np.mul(d, asFloat(lambda_, dtype)));
}

/** Inputs of `gaeBatched`: a rollout of T steps from N environments, step-t flags as returned by `env.step`. */
export interface GaeBatchedInput {
  /** Rewards rₜ [T, N]. */
  rewards: Array;
  /** Values v(sₜ) of the observations the actions were taken from [T, N]. */
  values: Array;
  /** Step t ended its episode in a terminal state [T, N] (bool or 0/1): no bootstrap. */
  terminated: Array;
  /** Step t ended its episode by a time limit [T, N] (bool or 0/1): bootstrap from `finalValues`. */
  truncated?: Array;
  /** Value of the observation after the last step, v(s_T) [N]. */
  lastValue: Array;
  /**
   * Value of each step's true next observation where `truncated` (the final observation, before auto-reset) [T, N];
   * read only where `truncated` is set. Without it, truncation is treated like termination (as CleanRL's PPO does).
   */
  finalValues?: Array;
  /** Discount factor γ. */
  gamma: number;
  /** GAE λ. */
  lambda: number;
}

/**
 * CleanRL-style GAE over a [T, N] rollout with auto-resetting environments:
 *
 *   v'ₜ = finalValuesₜ if truncatedₜ, else vₜ₊₁ (v_T = lastValue),
 *   δₜ = rₜ + γ·(1 − terminatedₜ)·v'ₜ − vₜ,   Âₜ = δₜ + γλ·(1 − doneₜ)·Âₜ₊₁,   doneₜ = terminatedₜ ∨ truncatedₜ.
 *
 * Flags are per step t (the episode ended after acting at t), so CleanRL's `dones[t + 1]` is `terminated[t] ∨
 * truncated[t]` here. Returns advantages and value targets (`returns = advantages + values`), both [T, N].
 */
export function gaeBatched(input: GaeBatchedInput): { advantages: Array; returns: Array } {
  const op = "gaeBatched";
  const { rewards, values, terminated, lastValue, gamma, lambda } = input;
  checkRank(op, "rewards", rewards, 2);
  checkRank(op, "values", values, 2);
  checkRank(op, "terminated", terminated, 2);
  checkRank(op, "lastValue", lastValue, 1);
  checkSameShape(op, { rewards, values, terminated });
  checkFinite(op, "gamma", gamma);
  checkFinite(op, "lambda", lambda);
  const [T, N] = rewards.shape as [number, number];
  if (lastValue.shape[0] !== N) throw new DriftError(op, `lastValue must have shape [${N}] (one value per environment); got [${lastValue.shape.join(",")}]`);
  const dtype = floatDtype(rewards, values, lastValue, input.finalValues);
  const term = asFloat(terminated, dtype);
  let trunc = np.zerosLike(term);
  if (input.truncated !== undefined) {
    checkRank(op, "truncated", input.truncated, 2);
    checkSameShape(op, { rewards, truncated: input.truncated });
    trunc = asFloat(input.truncated, dtype);
  }
  const v = asFloat(values, dtype);
  let next = np.concatenate([np.slice(v, [1, T]), np.reshape(asFloat(lastValue, dtype), [1, N])]);
  let cut = term;
  if (input.finalValues !== undefined) {
    checkRank(op, "finalValues", input.finalValues, 2);
    checkSameShape(op, { rewards, finalValues: input.finalValues });
    next = np.where(np.greater(trunc, 0), asFloat(input.finalValues, dtype), next);
  } else {
    cut = np.maximum(term, trunc);
  }
  const done = np.maximum(term, trunc);
  const delta = np.sub(np.add(asFloat(rewards, dtype), np.mul(np.mul(gamma, np.sub(1, cut)), next)), v);
  const advantages = discountedCumsum(delta, np.mul(gamma * lambda, np.sub(1, done)));
  return { advantages, returns: np.add(advantages, v) };
}
