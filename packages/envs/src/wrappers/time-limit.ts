// TimeLimit wrapper (Gymnasium's TimeLimit, Brax's EpisodeWrapper): truncates an episode after a fixed number of steps.
import { type Array, DriftError, np } from "@drift/tensor";
import type { Env } from "../types.ts";
import { inherit, scalarShape } from "./inherit.ts";

/** State of `timeLimit`: the wrapped state and the steps taken this episode (int32). */
export interface TimeLimitState<S> {
  /** The wrapped env's state. */
  env: S;
  /** Steps taken since reset. */
  t: Array;
}

/**
 * Sets `truncated` once `maxEpisodeSteps` steps were taken since reset, as Gymnasium's TimeLimit: the flag is
 * or-ed with the env's own, and a step may be both terminated and truncated.
 *
 * @example
 * const env = timeLimit(pendulum(), 200);
 */
export function timeLimit<S, P>(env: Env<S, P>, maxEpisodeSteps: number): Env<TimeLimitState<S>, P> & { readonly maxEpisodeSteps: number } {
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1)
    throw new DriftError("timeLimit", `maxEpisodeSteps must be a positive integer; got ${maxEpisodeSteps}`);
  const shape = scalarShape(env);
  return {
    ...inherit(env),
    maxEpisodeSteps,
    reset(key, params) {
      const r = env.reset(key, params);
      return { obs: r.obs, state: { env: r.state, t: np.zeros(shape, { dtype: "int32" }) } };
    },
    step(key, state, action, params) {
      const r = env.step(key, state.env, action, params);
      const t = np.add(state.t, 1);
      const truncated = np.logicalOr(r.truncated, np.greaterEqual(t, maxEpisodeSteps));
      return { ...r, state: { env: r.state, t }, truncated };
    },
  };
}
