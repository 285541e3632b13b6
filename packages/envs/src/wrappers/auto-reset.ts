// Auto-reset wrappers: Gymnasium 1.x's SAME_STEP (gymnax/Brax style) and NEXT_STEP autoreset modes as pure wrappers.
import { type Array, DriftError, np, tree } from "@drift/tensor";
import type { Env, Info } from "../types.ts";
import { selectTree, splitKeys } from "../internal/util.ts";
import { inherit, scalarShape } from "./inherit.ts";

/** Gymnasium 1.x vector autoreset modes; `autoReset` implements the first two, "Disabled" means no wrapper. */
export type AutoresetMode = "NextStep" | "SameStep" | "Disabled";

/** Options of `autoReset`. */
export interface AutoResetOptions {
  /** "SameStep" (default): reset inside the finishing step. "NextStep": the step after a finished one resets. */
  mode?: Exclude<AutoresetMode, "Disabled">;
}

/** State of `autoReset` in NextStep mode: the wrapped state and whether the next step must reset. */
export interface NextStepState<S> {
  /** The wrapped env's state. */
  env: S;
  /** True after a step that terminated or truncated. */
  needsReset: Array;
}

function anyTrue(x: Array): boolean {
  return x.dataSync().some((v) => v !== 0);
}

/**
 * Resets finished episodes automatically (put it above `timeLimit` and below statistics/normalisation wrappers).
 *
 * - **SameStep** (gymnax, Brax, Gymnasium `SAME_STEP`): a step that terminates or truncates returns the reset
 *   observation and state, keeps that step's reward and flags, and adds `info.finalObservation` (the last
 *   observation of the episode) and `info.finalInfo` (its info). Both keys are present on every step.
 * - **NextStep** (Gymnasium's default `NEXT_STEP`): the finishing step is returned as is; the *next* step ignores
 *   its action and returns the reset observation with reward 0 and both flags false (its info leaves are zeros).
 *
 * Each step splits its key into a step key and a reset key. Traceable envs compute both branches and select with
 * `np.where` (jit/vmap-safe); non-traceable envs reset only when needed.
 */
export function autoReset<S, P>(env: Env<S, P>, opts: AutoResetOptions = {}): Env<any, P> {
  const mode = opts.mode ?? "SameStep";
  if (mode !== "SameStep" && mode !== "NextStep")
    throw new DriftError("autoReset", `mode must be "SameStep" or "NextStep"; got ${String(mode)}`);
  return mode === "SameStep" ? sameStep(env) : nextStep(env);
}

function sameStep<S, P>(env: Env<S, P>): Env<S, P> {
  return {
    ...inherit(env),
    reset: (key, params) => env.reset(key, params),
    step(key, state, action, params) {
      const [kStep, kReset] = splitKeys(key, 2) as [Array, Array];
      const r = env.step(kStep, state, action, params);
      const done = np.logicalOr(r.terminated, r.truncated);
      const info: Info = { ...r.info, finalObservation: r.obs, finalInfo: r.info };
      if (!env.traceable && !anyTrue(done)) return { ...r, info };
      const fresh = env.reset(kReset, params);
      return { ...r, obs: selectTree(done, fresh.obs, r.obs), state: selectTree(done, fresh.state, r.state), info };
    },
  };
}

function nextStep<S, P>(env: Env<S, P>): Env<NextStepState<S>, P> {
  const shape = scalarShape(env);
  return {
    ...inherit(env),
    reset(key, params) {
      const r = env.reset(key, params);
      return { obs: r.obs, state: { env: r.state, needsReset: np.zeros(shape, { dtype: "bool" }) } };
    },
    step(key, state, action, params) {
      const [kStep, kReset] = splitKeys(key, 2) as [Array, Array];
      const reset = state.needsReset;
      const r = env.step(kStep, state.env, action, params);
      if (!env.traceable && !anyTrue(reset))
        return { ...r, state: { env: r.state, needsReset: np.logicalOr(r.terminated, r.truncated) } };
      const fresh = env.reset(kReset, params);
      const keep = np.logicalNot(reset);
      const terminated = np.logicalAnd(r.terminated, keep);
      const truncated = np.logicalAnd(r.truncated, keep);
      return {
        obs: selectTree(reset, fresh.obs, r.obs),
        state: { env: selectTree(reset, fresh.state, r.state), needsReset: np.logicalOr(terminated, truncated) },
        reward: np.where(reset, 0, r.reward),
        terminated,
        truncated,
        info: selectTree(reset, tree.map((x) => np.zerosLike(x), r.info), r.info),
      };
    },
  };
}
