// The pure environment interface (gymnax 1.0 / Brax style; Gymnasium FuncEnv split) shared by envs, wrappers and adapters.
import type { Array } from "@drift/tensor";
import type { Space } from "./spaces.ts";

/**
 * Extra per-step data: a plain object whose leaves are arrays (or static numbers/strings). An env returns the
 * same structure on every step, so info survives `jit`, `vmap` and leaf-wise `np.where` selection.
 */
export type Info = { [key: string]: unknown };

/** What `reset` returns: the first observation and the initial state. */
export interface ResetResult<S> {
  /** First observation of the episode. */
  obs: Array;
  /** Initial state (a pytree). */
  state: S;
}

/** What `step` returns, with Gymnasium's names. Reward is a float32 scalar; the flags are bool scalars. */
export interface StepResult<S> {
  /** Observation after the step. */
  obs: Array;
  /** State after the step. */
  state: S;
  /** Reward of the transition (float32). */
  reward: Array;
  /** True when the MDP reached a terminal state (bool). */
  terminated: Array;
  /** True when the episode was cut short, e.g. by a time limit (bool). */
  truncated: Array;
  /** Extra data (fixed structure per env). */
  info: Info;
}

/**
 * A pure environment: the object holds no mutable state; state and params are pytrees passed in and returned.
 * The same inputs give bitwise the same outputs. When `traceable` is true, `reset` and `step` use only
 * `@drift/tensor` ops with no JS branching on array values, so they run under `jit`, `vmap` and `lax.scan`.
 * Params are plain objects: JS numbers are static (part of a jit cache key), arrays are traced.
 *
 * @example
 * const { env, params } = makeEnv("Pendulum-v1");
 * let { obs, state } = env.reset(random.key(0), params);
 * const out = env.step(random.key(1), state, np.array([0.5]), params);
 */
export interface Env<S = any, P = any> {
  /** Registry id, e.g. "Pendulum-v1". */
  readonly id: string;
  /** Parameters used when the caller has no others. */
  readonly defaultParams: P;
  /**
   * True when reset/step are pure tensor programs (jit/vmap-able). Envs that call out of the tensor system
   * (for example a MuJoCo wasm physics engine) set false; wrappers then branch in JS and vector envs loop.
   */
  readonly traceable: boolean;
  /** The space observations live in, under `params`. */
  observationSpace(params: P): Space;
  /** The space actions live in, under `params`. */
  actionSpace(params: P): Space;
  /** Starts an episode. */
  reset(key: Array, params: P): ResetResult<S>;
  /** Advances one step. No auto-reset (wrap with `autoReset` for that). */
  step(key: Array, state: S, action: Array, params: P): StepResult<S>;
  /**
   * Throws a DriftError when a parameter is out of range. Only concrete values can be checked: values traced
   * by jit/vmap are skipped (code inside jit cannot throw on data).
   */
  checkParams(params: P): void;
  /** Releases resources held outside the tensor system (wasm instances, workers); pure tensor envs need none. */
  close?(): void;
}

/** A batch of `numEnvs` copies of an env: every array in and out has a leading axis of size `numEnvs`. */
export interface VectorEnv<S = any, P = any> extends Env<S, P> {
  /** Number of copies. */
  readonly numEnvs: number;
  /** The space of one copy's observation. */
  singleObservationSpace(params: P): Space;
  /** The space of one copy's action. */
  singleActionSpace(params: P): Space;
}

/** True for vector envs (arrays carry a leading batch axis). */
export function isVectorEnv(env: Env): env is VectorEnv {
  return typeof (env as Partial<VectorEnv>).numEnvs === "number";
}
