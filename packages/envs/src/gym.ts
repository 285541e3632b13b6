// Gymnasium-shaped stateful adapters over the pure envs: make(id) and makeVec(id, n) with Gymnasium 1.x autoreset modes.
import { type Array, DriftError, jit, np, random, vmap } from "@drift/tensor";
import { type Space, batchSpace } from "./spaces.ts";
import type { Env, Info } from "./types.ts";
import { type MakeEnvOptions, type EnvSpec, makeEnv, spec as getSpec } from "./registry.ts";
import { type ActionLike, checkAction } from "./validation.ts";
import { type AutoresetMode, autoReset } from "./wrappers/auto-reset.ts";
import { treeIndex, treeStack } from "./wrappers/vector.ts";
import { mergeParams, selectTree, splitKeys } from "./internal/util.ts";

/** Options of `make`. */
export interface MakeOptions<P = any> extends MakeEnvOptions<P> {
  /** Pure wrappers applied in order over the time-limited env, e.g. `[episodeStatistics]` or `[(e) => normalizeObservation(e)]`. */
  wrappers?: readonly ((env: Env) => Env)[];
  /** Run reset/step through `jit` (default true; ignored for non-traceable envs). */
  jit?: boolean;
}

/** Options of `reset`. */
export interface ResetOptions {
  /** Seed: re-creates the key stream (`random.key(seed)`). Without one the stream continues (a random seed on first use). */
  seed?: number;
  /** Param overrides for this reset only (Gymnasium's reset options, e.g. `{ xInit: 1 }` for Pendulum's x_init). */
  options?: Record<string, unknown>;
}

function randomSeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0]!;
}

function seedKey(op: string, seed: unknown): Array {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0)
    throw new DriftError(op, `seed must be a non-negative integer; got ${typeof seed === "number" ? seed : typeof seed}`);
  return random.key(seed);
}

/** The pure per-copy programs an adapter runs: each call advances a carried key, as Gymnasium's np_random. */
function programs<P>(env: Env<any, P>) {
  const reset = (key: Array, params: P) => {
    const [carry, sub] = splitKeys(key, 2) as [Array, Array];
    return { key: carry, ...env.reset(sub, params) };
  };
  const step = (key: Array, state: unknown, action: Array, params: P) => {
    const [carry, sub] = splitKeys(key, 2) as [Array, Array];
    return { key: carry, ...env.step(sub, state, action, params) };
  };
  return { reset, step };
}

/**
 * A stateful single environment with Gymnasium's API, built by `make`. Internally it threads the pure env's state
 * and a PRNG key: `reset({seed})` sets key = random.key(seed), then every reset/step splits the key into
 * [carry, sub] and calls the pure env with `sub`. Observations come back as Drift arrays, rewards as numbers and
 * flags as booleans. Bad input (action shape, NaN/±Infinity, out-of-range params, stepping before reset or after
 * the episode ended, use after close) throws DriftError.
 */
export class GymEnv<P = any> {
  /** The registry spec this env was made from. */
  readonly spec: EnvSpec;
  /** The pure env (time limit and wrappers applied) this adapter runs. */
  readonly env: Env<any, P>;
  /** The params every step uses. */
  readonly params: P;
  /** Observation space. */
  readonly observationSpace: Space;
  /** Action space. */
  readonly actionSpace: Space;
  private readonly run: ReturnType<typeof programs<P>>;
  private key: Array | null = null;
  private current: unknown = null;
  private ended = false;
  private closed = false;

  constructor(id: string, opts: MakeOptions<P> = {}) {
    const { env, params } = makeEnv<P>(id, opts);
    const wrapped = (opts.wrappers ?? []).reduce<Env<any, P>>((e, w) => w(e), env);
    this.spec = getSpec(id);
    this.env = wrapped;
    this.params = params;
    this.observationSpace = wrapped.observationSpace(params);
    this.actionSpace = wrapped.actionSpace(params);
    const p = programs(wrapped);
    this.run = (opts.jit ?? true) && wrapped.traceable ? { reset: jit(p.reset), step: jit(p.step) } : p;
  }

  /** The pure env's current state (null before the first reset). */
  get state(): unknown {
    return this.current;
  }

  /** Starts an episode; returns `[obs, info]` (info is `{}`). */
  reset(opts: ResetOptions = {}): [Array, Info] {
    this.assertOpen("reset");
    const params = opts.options ? mergeParams(`${this.spec.id} reset options`, this.params, opts.options) : this.params;
    if (opts.options) this.env.checkParams(params);
    const key = opts.seed !== undefined ? seedKey(`${this.spec.id} reset`, opts.seed) : (this.key ?? random.key(randomSeed()));
    const out = this.run.reset(key, params);
    this.key = out.key;
    this.current = out.state;
    this.ended = false;
    return [out.obs, {}];
  }

  /** Advances one step; returns `[obs, reward, terminated, truncated, info]`. */
  step(action: ActionLike): [Array, number, boolean, boolean, Info] {
    const op = `${this.spec.id} step`;
    this.assertOpen("step");
    if (this.key === null) throw new DriftError(op, "call reset() before step()");
    if (this.ended) throw new DriftError(op, "the episode has ended (terminated or truncated); call reset() before stepping again");
    const a = checkAction(op, this.actionSpace, action);
    const out = this.run.step(this.key, this.current, a, this.params);
    this.key = out.key;
    this.current = out.state;
    const terminated = out.terminated.item() !== 0;
    const truncated = out.truncated.item() !== 0;
    this.ended = terminated || truncated;
    return [out.obs, out.reward.item(), terminated, truncated, out.info];
  }

  /** Releases the env; later calls throw. */
  close(): void {
    if (!this.closed) this.env.close?.();
    this.closed = true;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new DriftError(`${this.spec.id} ${what}`, "the env is closed");
  }
}

/**
 * Makes a stateful Gymnasium-style env from the registry (time limit applied, params checked).
 *
 * @example
 * const env = make("Pendulum-v1");
 * let [obs] = env.reset({ seed: 0 });
 * const [obs2, reward, terminated, truncated] = env.step([0.5]);
 */
export function make<P = any>(id: string, opts: MakeOptions<P> = {}): GymEnv<P> {
  return new GymEnv<P>(id, opts);
}

/** Options of `makeVec`. */
export interface MakeVecOptions<P = any> extends MakeOptions<P> {
  /** "NextStep" (default), "SameStep" or "Disabled", with Gymnasium 1.x semantics. */
  autoresetMode?: AutoresetMode;
}

/** Options of a vector env's `reset`. */
export interface VecResetOptions {
  /** An integer (copy i gets seed + i, as Gymnasium) or one seed per copy. */
  seed?: number | readonly number[];
  /** Param overrides for this reset, plus `resetMask` (bool [numEnvs], at least one true) to reset only some copies. */
  options?: Record<string, unknown> & { resetMask?: Array | readonly boolean[] };
}

/**
 * N copies of an env behind Gymnasium 1.x's vector API, built by `makeVec`; the copies run as one vmapped (and by
 * default jitted) pure program. Copy i starts as `make(id)` reset with seed + i: the same keys, so bitwise the same
 * trajectory until its first autoreset. Autoreset modes:
 * - **NextStep** (default): after a copy terminates or truncates, its next `step` ignores the action and returns the
 *   reset observation with reward 0 and both flags false.
 * - **SameStep**: the finishing step returns the reset observation with that step's reward and flags;
 *   `info.finalObservation` / `info.finalInfo` hold the episode's last observation and info, masked by
 *   `info._finalObservation` / `info._finalInfo`.
 * - **Disabled**: no autoreset; stepping a finished copy throws until `reset({ options: { resetMask } })` resets it.
 * Every info key k comes with a bool mask `_k` (Gymnasium's convention); in NextStep mode copies that were reset on
 * this step have mask false (and zero values).
 */
export class GymVectorEnv<P = any> {
  /** The registry spec. */
  readonly spec: EnvSpec;
  /** Number of copies. */
  readonly numEnvs: number;
  /** The autoreset mode. */
  readonly autoresetMode: AutoresetMode;
  /** Gymnasium-style metadata. */
  readonly metadata: { autoresetMode: AutoresetMode };
  /** The pure per-copy env (time limit, autoreset mode wrapper, user wrappers). */
  readonly env: Env<any, P>;
  /** Params shared by every copy. */
  readonly params: P;
  /** One copy's observation space. */
  readonly singleObservationSpace: Space;
  /** One copy's action space. */
  readonly singleActionSpace: Space;
  /** Batched observation space (leading axis numEnvs). */
  readonly observationSpace: Space;
  /** Batched action space. */
  readonly actionSpace: Space;
  private readonly run: { reset: (keys: Array, params: P) => any; step: (keys: Array, state: unknown, action: Array, params: P) => any };
  private keys: Array | null = null;
  private current: unknown = null;
  private obs: Array | null = null;
  private done: Array;
  private closed = false;

  constructor(id: string, numEnvs: number, opts: MakeVecOptions<P> = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new DriftError("makeVec", `numEnvs must be a positive integer; got ${numEnvs}`);
    const mode = opts.autoresetMode ?? "NextStep";
    if (mode !== "NextStep" && mode !== "SameStep" && mode !== "Disabled")
      throw new DriftError("makeVec", `autoresetMode must be "NextStep", "SameStep" or "Disabled"; got ${String(mode)}`);
    const { env, params } = makeEnv<P>(id, opts);
    const withReset = mode === "Disabled" ? env : autoReset(env, { mode });
    const wrapped = (opts.wrappers ?? []).reduce<Env<any, P>>((e, w) => w(e), withReset);
    this.spec = getSpec(id);
    this.numEnvs = numEnvs;
    this.autoresetMode = mode;
    this.metadata = { autoresetMode: mode };
    this.env = wrapped;
    this.params = params;
    this.singleObservationSpace = wrapped.observationSpace(params);
    this.singleActionSpace = wrapped.actionSpace(params);
    this.observationSpace = batchSpace(this.singleObservationSpace, numEnvs);
    this.actionSpace = batchSpace(this.singleActionSpace, numEnvs);
    this.done = np.zeros([numEnvs], { dtype: "bool" });
    const p = programs(wrapped);
    if (wrapped.traceable) {
      const reset = vmap(p.reset, { inAxes: [0, null] });
      const step = vmap(p.step, { inAxes: [0, 0, 0, null] });
      this.run = (opts.jit ?? true) ? { reset: jit(reset), step: jit(step) } : { reset, step };
    } else {
      const rows = <T>(f: (i: number) => T): T => treeStack(globalThis.Array.from({ length: numEnvs }, (_, i) => f(i)));
      const at = treeIndex;
      this.run = {
        reset: (keys, params) => rows((i) => p.reset(at(keys, i), params)),
        step: (keys, state, action, params) => rows((i) => p.step(at(keys, i), at(state, i), at(action, i), params)),
      };
    }
  }

  /** Resets every copy (or those in `options.resetMask`); returns `[obs, infos]` with obs of shape [numEnvs, ...]. */
  reset(opts: VecResetOptions = {}): [Array, Info] {
    const op = `${this.spec.id} vector reset`;
    if (this.closed) throw new DriftError(op, "the env is closed");
    const { resetMask, ...overrides } = opts.options ?? {};
    const params = Object.keys(overrides).length ? mergeParams(op, this.params, overrides) : this.params;
    if (params !== this.params) this.env.checkParams(params);
    const mask = resetMask === undefined ? null : this.checkMask(op, resetMask);
    if (mask && this.keys === null) throw new DriftError(op, "resetMask needs a full reset() first");
    const keys = this.seedKeys(op, opts.seed);
    const out = this.run.reset(keys, params);
    if (mask === null) {
      this.keys = out.key;
      this.current = out.state;
      this.obs = out.obs;
      this.done = np.zeros([this.numEnvs], { dtype: "bool" });
    } else {
      this.keys = selectTree(mask, out.key as Array, this.keys!);
      this.current = selectTree(mask, out.state, this.current);
      this.obs = selectTree(mask, out.obs as Array, this.obs!);
      this.done = np.logicalAnd(this.done, np.logicalNot(mask));
    }
    return [this.obs!, {}];
  }

  /** Steps every copy; returns `[obs, rewards, terminations, truncations, infos]` as arrays with leading axis numEnvs. */
  step(actions: ActionLike): [Array, Array, Array, Array, Info] {
    const op = `${this.spec.id} vector step`;
    if (this.closed) throw new DriftError(op, "the env is closed");
    if (this.keys === null) throw new DriftError(op, "call reset() before step()");
    if (this.autoresetMode === "Disabled") {
      const finished = globalThis.Array.from(this.done.dataSync()).flatMap((v, i) => (v ? [i] : []));
      if (finished.length)
        throw new DriftError(op, `copies [${finished.join(", ")}] finished their episodes; with autoresetMode "Disabled" call reset({ options: { resetMask } }) for them first`);
    }
    const a = checkAction(op, this.actionSpace, actions);
    const prevDone = this.done;
    const out = this.run.step(this.keys, this.current, a, this.params);
    this.keys = out.key;
    this.current = out.state;
    this.obs = out.obs;
    this.done = np.logicalOr(out.terminated, out.truncated);
    const all = np.ones([this.numEnvs], { dtype: "bool" });
    const infos: Info = {};
    for (const [k, v] of Object.entries(out.info as Info)) {
      infos[k] = v;
      const isFinal = k === "finalObservation" || k === "finalInfo";
      infos[`_${k}`] = this.autoresetMode === "NextStep" ? np.logicalNot(prevDone) : this.autoresetMode === "SameStep" && isFinal ? this.done : all;
    }
    return [out.obs, out.reward, out.terminated, out.truncated, infos];
  }

  /** Releases the env; later calls throw. */
  close(): void {
    if (!this.closed) this.env.close?.();
    this.closed = true;
  }

  private seedKeys(op: string, seed: VecResetOptions["seed"]): Array {
    const n = this.numEnvs;
    if (seed === undefined) {
      if (this.keys) return this.keys;
      return np.stack(globalThis.Array.from({ length: n }, () => random.key(randomSeed())));
    }
    const seeds = typeof seed === "number" ? globalThis.Array.from({ length: n }, (_, i) => seed + i) : seed;
    if (!globalThis.Array.isArray(seeds) || seeds.length !== n)
      throw new DriftError(op, `seed must be an integer or a list of ${n} integers; got ${globalThis.Array.isArray(seeds) ? `a list of ${seeds.length}` : typeof seed}`);
    return np.stack(seeds.map((s) => seedKey(op, s)));
  }

  private checkMask(op: string, mask: unknown): Array {
    const m = mask instanceof np.Array ? mask : globalThis.Array.isArray(mask) ? np.array(mask as boolean[]) : null;
    if (m === null || m.dtype !== "bool" || m.ndim !== 1 || m.shape[0] !== this.numEnvs)
      throw new DriftError(op, `options.resetMask must be a bool array of shape [${this.numEnvs}]; got ${m ? `${m.dtype}[${m.shape.join(",")}]` : typeof mask}`);
    if (!m.dataSync().some((v) => v !== 0)) throw new DriftError(op, "options.resetMask must contain at least one true value");
    return m;
  }
}

/**
 * Makes a Gymnasium-style vector env of `numEnvs` copies (NextStep autoreset by default).
 *
 * @example
 * const envs = makeVec("Pendulum-v1", 4, { autoresetMode: "SameStep" });
 * const [obs] = envs.reset({ seed: 42 });                 // [4, 3]
 * const [obs2, rewards, term, trunc, infos] = envs.step(np.zeros([4, 1]));
 */
export function makeVec<P = any>(id: string, numEnvs: number, opts: MakeVecOptions<P> = {}): GymVectorEnv<P> {
  return new GymVectorEnv<P>(id, numEnvs, opts);
}
