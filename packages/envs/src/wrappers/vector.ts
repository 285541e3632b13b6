// Vector env: N copies of a pure env batched along a leading axis, by vmap (traceable envs) or a loop (others).
import { type Array, DriftError, np, random, tree, vmap } from "@drift/tensor";
import { Box, type Space, batchSpace } from "../spaces.ts";
import type { Env, ResetResult, StepResult, VectorEnv } from "../types.ts";
import { splitKeys } from "../internal/util.ts";

/** Options of `vectorEnv`. */
export interface VectorEnvOptions {
  /**
   * When true, every array leaf of params carries a leading axis of size numEnvs (one value per copy: domain
   * randomisation); JS numbers stay shared. Default false: all copies share params.
   */
  batchedParams?: boolean;
}

/** Row `i` of every array leaf (static leaves unchanged). */
export function treeIndex<T>(t: T, i: number): T {
  return tree.map((x) => np.squeeze(np.slice(x, [i, i + 1]), 0), t);
}

/** Stacks pytrees of one structure along a new leading axis. */
export function treeStack<T>(ts: readonly T[]): T {
  const [first, ...rest] = ts;
  return tree.map((x, ...ys) => np.stack([x, ...ys]), first as T, ...rest);
}

/**
 * `numEnvs` copies of `env` as one env whose keys, states, actions, observations, rewards and flags carry a leading
 * axis of size numEnvs (Brax's VmapWrapper, gymnax + vmap). The key is split into numEnvs keys; copy i gets row i,
 * so copy i equals `env` run alone on `random.split(key, numEnvs)[i]`. Traceable envs use `vmap` (the result is
 * itself jit-able); non-traceable envs step the copies in a JS loop with the same semantics.
 *
 * @example
 * const venv = vectorEnv(timeLimit(pendulum(), 200), 8);
 * const { obs, state } = venv.reset(random.key(0), venv.defaultParams); // obs [8, 3]
 */
export function vectorEnv<S, P>(env: Env<S, P>, numEnvs: number, opts: VectorEnvOptions = {}): VectorEnv<S, P> {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new DriftError("vectorEnv", `numEnvs must be a positive integer; got ${numEnvs}`);
  const batched = opts.batchedParams ?? false;
  const pAxis = batched ? 0 : null;
  const paramsAt = (params: P, i: number): P => (batched ? treeIndex(params, i) : params);
  const vReset = vmap((k: Array, p: P) => env.reset(k, p), { inAxes: [0, pAxis] });
  const vStep = vmap((k: Array, s: S, a: Array, p: P) => env.step(k, s, a, p), { inAxes: [0, 0, 0, pAxis] });
  // One copy (the common off-policy setting) adds and drops the leading axis by reshapes, which share the data.
  const loop = <R>(f: (i: number) => R): R =>
    numEnvs === 1 ? tree.map((x) => np.reshape(x, [1, ...x.shape]), f(0)) : treeStack(globalThis.Array.from({ length: numEnvs }, (_, i) => f(i)));
  const copyOf = <T>(t: T, i: number): T => (numEnvs === 1 ? tree.map((x) => np.reshape(x, x.shape.slice(1)), t) : treeIndex(t, i));
  const stackSpaces = (spaces: Space[]): Space => {
    const [s0] = spaces;
    if (!batched || !(s0 instanceof Box)) return batchSpace(s0!, numEnvs);
    return new Box(np.stack(spaces.map((s) => (s as Box).low)), np.stack(spaces.map((s) => (s as Box).high)), [numEnvs, ...s0.shape], s0.dtype);
  };
  const perCopy = <T>(params: P, f: (p: P) => T): T[] => (batched ? globalThis.Array.from({ length: numEnvs }, (_, i) => f(paramsAt(params, i))) : [f(params)]);
  return {
    id: env.id,
    numEnvs,
    traceable: env.traceable,
    defaultParams: env.defaultParams,
    singleObservationSpace: (params) => env.observationSpace(paramsAt(params, 0)),
    singleActionSpace: (params) => env.actionSpace(paramsAt(params, 0)),
    observationSpace: (params) => stackSpaces(perCopy(params, (p) => env.observationSpace(p))),
    actionSpace: (params) => stackSpaces(perCopy(params, (p) => env.actionSpace(p))),
    checkParams: (params) => void perCopy(params, (p) => env.checkParams(p)),
    close: () => env.close?.(),
    reset(key, params): ResetResult<S> {
      if (env.traceable) return vReset(random.split(key, numEnvs), params);
      const ks = splitKeys(key, numEnvs);
      return loop((i) => env.reset(ks[i]!, paramsAt(params, i)));
    },
    step(key, state, action, params): StepResult<S> {
      if (action.ndim < 1 || action.shape[0] !== numEnvs)
        throw new DriftError(env.id, `vector env expects actions with a leading axis of ${numEnvs}; got shape [${action.shape.join(",")}]`);
      if (env.traceable) return vStep(random.split(key, numEnvs), state, action, params);
      const ks = splitKeys(key, numEnvs);
      return loop((i) => env.step(ks[i]!, copyOf(state, i), copyOf(action, i), paramsAt(params, i)));
    },
  };
}
