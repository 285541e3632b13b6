// The structural environment type @drift/rl works with (gymnax-style: stateless object, explicit state, params and keys).
import type { Array } from "@drift/tensor";

/** What `Env.reset` returns: the first observation and the environment state. */
export interface ResetResult<O, S> {
  obs: O;
  state: S;
}

/** What `Env.step` returns (Gymnasium ≥ 0.26 semantics, as gymnax 1.0's six-value step). */
export interface StepResult<O, S> {
  /** Observation after the step (after an auto-reset, the new episode's first observation). */
  obs: O;
  state: S;
  /** Reward of this step (scalar array). */
  reward: Array;
  /** The episode reached a terminal state (bool or 0/1 scalar array): do not bootstrap. */
  terminated: Array;
  /** The episode was cut by a time limit (bool or 0/1 scalar array): bootstrap from the final observation. */
  truncated: Array;
  /** Extra per-step data (a pytree), e.g. the final observation before an auto-reset. */
  info: unknown;
}

/**
 * A functional environment, as @drift/envs provides (and as gymnax's `Environment`): the object holds no state;
 * `reset` and `step` are pure functions of a PRNG key, the state and the static or array `params`, so a batch of
 * environments is `vmap(env.step)`. `O` is the observation pytree, `A` the action pytree.
 */
export interface Env<S = unknown, P = unknown, O = Array, A = Array> {
  /** False for envs that call out of the tensor system (MuJoCo): they cannot be vmapped or jitted and run one by one. */
  readonly traceable?: boolean;
  reset(key: Array, params: P): ResetResult<O, S>;
  step(key: Array, state: S, action: A, params: P): StepResult<O, S>;
}

/** A policy for evaluation: maps a key and one observation to one action; `deterministic` asks for the mode/mean action. */
export type PolicyFn<O = Array, A = Array> = (key: Array, obs: O, deterministic: boolean) => A;
