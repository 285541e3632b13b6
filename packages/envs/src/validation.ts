// Input validation for envs: action/key checks, the validateEnv wrapper and the checkEnv smoke test (Gymnasium's env_checker).
import { type Array, DriftError, jit, np, random, tree } from "@drift/tensor";
import { Box, Discrete, MultiDiscrete, type Space } from "./spaces.ts";
import { type Env, isVectorEnv } from "./types.ts";
import { isConcrete } from "./internal/util.ts";
import { inherit } from "./wrappers/inherit.ts";

/** Actions the stateful adapters accept: Drift arrays, JS numbers, nested JS arrays or typed arrays. */
export type ActionLike = Array | number | readonly unknown[] | Float32Array | Float64Array | Int32Array;

/** Throws unless `key` is a PRNG key (uint32 of shape [2]). */
export function checkKey(op: string, key: unknown): Array {
  if (!(key instanceof np.Array) || key.dtype !== "uint32" || key.ndim !== 1 || key.shape[0] !== 2)
    throw new DriftError(op, `key must be a PRNG key (uint32 array of shape [2], from random.key); got ${key instanceof np.Array ? `${key.dtype}[${key.shape.join(",")}]` : typeof key}`);
  return key;
}

/**
 * Converts `action` to an array of the space's dtype and checks it: shape must equal the space's shape; float
 * actions must be finite (NaN/±Infinity are rejected); discrete actions must be integers in range. Values outside a
 * Box are allowed (envs clip, as Gymnasium). Shape checks also run while tracing; value checks are skipped for traced
 * arrays (code inside jit cannot throw on data).
 */
export function checkAction(op: string, space: Space, action: unknown): Array {
  let a: Array;
  if (action instanceof np.Array) a = action;
  else if (typeof action === "number" || globalThis.Array.isArray(action) || ArrayBuffer.isView(action)) {
    try {
      a = np.array(action as any, { dtype: space.dtype });
    } catch (e) {
      throw new DriftError(op, `action could not be read as an array (${(e as Error).message})`);
    }
  } else throw new DriftError(op, `action must be an array or number; got ${action === null ? "null" : typeof action}`);
  const want = space.shape;
  if (a.ndim !== want.length || a.shape.some((d, i) => d !== want[i]))
    throw new DriftError(op, `action must have shape [${want.join(",")}] for ${space.toString()}; got [${a.shape.join(",")}]`);
  if (a.dtype === "bool") throw new DriftError(op, `action must be numeric for ${space.toString()}; got bool`);
  if (!isConcrete(a)) return space instanceof Box ? np.astype(a, space.dtype) : a;
  const vals = a.dataSync();
  if (space instanceof Box) {
    const bad = vals.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new DriftError(op, `action must be finite; element ${bad} is ${vals[bad]}`);
    return a.dtype === space.dtype ? a : np.astype(a, space.dtype);
  }
  if (!(space instanceof Discrete || space instanceof MultiDiscrete) || !space.contains(a))
    throw new DriftError(op, `action ${JSON.stringify(a.toArray())} is not in ${space.toString()}`);
  return a.dtype === "int32" ? a : np.astype(a, "int32");
}

/**
 * Wraps `env` so that every call checks its inputs eagerly: the key, the params (`env.checkParams`) and the action
 * (`checkAction`: shape, finiteness, discrete range). The checks that read values are skipped for arrays traced by
 * jit/vmap — inside jit nothing can throw on data, so validate before jitting, or use the stateful adapters.
 */
export function validateEnv<S, P>(env: Env<S, P>): Env<S, P> {
  return {
    ...inherit(env),
    reset(key, params) {
      checkKey(`${env.id} reset`, key);
      env.checkParams(params);
      return env.reset(key, params);
    },
    step(key, state, action, params) {
      checkKey(`${env.id} step`, key);
      env.checkParams(params);
      return env.step(key, state, checkAction(`${env.id} step`, env.actionSpace(params), action), params);
    },
  };
}

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /** Seed of the keys used (0). */
  seed?: number;
  /** Steps to take with random actions (8). */
  steps?: number;
  /** Also compare `jit(step)` with eager stepping for traceable envs (true). */
  checkJit?: boolean;
}

function sameBits(a: unknown, b: unknown): boolean {
  const [la, da] = tree.flatten(a);
  const [lb, db] = tree.flatten(b);
  if (tree.treeDefToString(da) !== tree.treeDefToString(db) || la.length !== lb.length) return false;
  return la.every((x, i) => {
    const y = lb[i]!;
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
    const u = x.dataSync();
    const v = y.dataSync();
    return u.every((e, j) => Object.is(e, v[j]) || e === v[j]);
  });
}

/**
 * Smoke-tests an env against the API contract (as Gymnasium's `check_env`) and throws one DriftError listing every
 * problem: params pass `checkParams`; reset and step are deterministic (same inputs ⇒ bitwise same outputs);
 * observations have the observation space's shape and dtype and lie in it; rewards are float32 and flags bool of the
 * per-copy shape; info is a plain object; for traceable envs `jit(step)` equals eager stepping bitwise.
 */
export function checkEnv<S, P>(env: Env<S, P>, params: P = env.defaultParams, opts: CheckEnvOptions = {}): void {
  const problems: string[] = [];
  const note = (ok: boolean, what: string): void => void (ok || problems.push(what));
  env.checkParams(params);
  const obsSpace = env.observationSpace(params);
  const actSpace = env.actionSpace(params);
  const scalar = isVectorEnv(env) ? [env.numEnvs] : [];
  const checkObs = (obs: Array, when: string): void => {
    note(obs.shape.join() === obsSpace.shape.join(), `${when}: obs shape [${obs.shape}] differs from ${obsSpace.toString()}`);
    note(obs.dtype === obsSpace.dtype, `${when}: obs dtype ${obs.dtype} differs from the space's ${obsSpace.dtype}`);
    note(obsSpace.contains(obs), `${when}: obs ${JSON.stringify(obs.toArray())} is outside ${obsSpace.toString()}`);
  };
  const key = random.key(opts.seed ?? 0);
  const r0 = env.reset(key, params);
  note(sameBits(r0, env.reset(key, params)), "reset is not deterministic: the same key gave different outputs");
  checkObs(r0.obs, "reset");
  const jitStep = env.traceable && (opts.checkJit ?? true) ? jit((k: Array, s: S, a: Array, p: P) => env.step(k, s, a, p)) : null;
  let state = r0.state;
  for (let t = 0; t < (opts.steps ?? 8); t++) {
    const k = random.foldIn(key, t + 1);
    const action = actSpace.sample(random.foldIn(k, 0));
    const r = env.step(k, state, action, params);
    const when = `step ${t}`;
    checkObs(r.obs, when);
    note(r.reward.dtype === "float32" && r.reward.shape.join() === scalar.join(), `${when}: reward must be float32 of shape [${scalar}]; got ${r.reward.dtype}[${r.reward.shape}]`);
    for (const f of ["terminated", "truncated"] as const)
      note(r[f].dtype === "bool" && r[f].shape.join() === scalar.join(), `${when}: ${f} must be bool of shape [${scalar}]; got ${r[f].dtype}[${r[f].shape}]`);
    note(r.info !== null && typeof r.info === "object" && !globalThis.Array.isArray(r.info), `${when}: info must be a plain object`);
    note(sameBits(r, env.step(k, state, action, params)), `${when}: step is not deterministic`);
    if (jitStep) note(sameBits(r, jitStep(k, state, action, params)), `${when}: jit(step) differs from eager step`);
    state = r.state;
  }
  if (problems.length) throw new DriftError("checkEnv", `${env.id} breaks the env contract:\n- ${problems.join("\n- ")}`);
}
