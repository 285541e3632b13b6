// Environment registry (Gymnasium's register/make/spec, gymnax's make): ids → factories, time limits, pure makeEnv.
import { DriftError } from "@drift/tensor";
import type { Env } from "./types.ts";
import { closeMatches, mergeParams } from "./internal/util.ts";
import { timeLimit } from "./wrappers/time-limit.ts";
import { pendulum } from "./classic/pendulum.ts";
import { mountainCarContinuous } from "./classic/mountain-car-continuous.ts";
import { turningDoubleWell, turningMultiWell } from "./multimodal/turning-wells.ts";
import { TOY_2D_TASKS, toyBandit } from "./multimodal/toy2d.ts";
import { multiGoal } from "./multimodal/multigoal.ts";

/** How to build a registered env. */
export interface EnvSpec {
  /** Id in Gymnasium's form `[namespace/]Name-vN`, e.g. "Pendulum-v1", "Toy2d/moons-v0". */
  id: string;
  /** Builds the bare env (no time limit) from construction options (`kwargs`, merged over `spec.kwargs`). */
  entryPoint: (kwargs: Record<string, unknown>) => Env;
  /** Steps before `makeEnv`/`make` truncate (Gymnasium's max_episode_steps); null for none. */
  maxEpisodeSteps: number | null;
  /** Return at which the task counts as solved, when the source defines one. */
  rewardThreshold?: number;
  /** Default construction options. */
  kwargs?: Record<string, unknown>;
  /** One line on what the env is and where it comes from. */
  description?: string;
  /**
   * Loads resources the env needs before it can be built (for example a wasm physics engine). When present,
   * `await prepareEnv(id)` must run before `makeEnv`/`make`; pure-tensor envs leave it out.
   */
  prepare?: () => Promise<void>;
  /** True when the resources `prepare` loads are already there (e.g. loaded by another id's prepare). */
  isReady?: () => boolean;
}

const registry = new Map<string, EnvSpec>();
const prepared = new Set<string>();

/** Options of `register`. */
export interface RegisterOptions {
  /** Replace an existing spec with the same id (otherwise re-registering throws). */
  override?: boolean;
}

const ID_PATTERN = /^(?:[\w:-]+\/)?[\w:.-]+?(?:-v\d+)?$/;

/** Adds an env to the registry. Ids follow Gymnasium's `[namespace/]Name-vN` grammar; duplicates throw unless `override`. */
export function register(spec: EnvSpec, opts: RegisterOptions = {}): void {
  if (typeof spec?.id !== "string" || !ID_PATTERN.test(spec.id))
    throw new DriftError("register", `id must look like "[namespace/]Name-vN" (letters, digits, _ : . -); got ${JSON.stringify(spec?.id)}`);
  if (typeof spec.entryPoint !== "function") throw new DriftError("register", `${spec.id}: entryPoint must be a function returning an Env`);
  const m = spec.maxEpisodeSteps;
  if (m !== null && (!Number.isInteger(m) || m < 1))
    throw new DriftError("register", `${spec.id}: maxEpisodeSteps must be a positive integer or null; got ${m}`);
  if (registry.has(spec.id) && !opts.override)
    throw new DriftError("register", `${spec.id} is already registered (pass {override: true} to replace it)`);
  registry.set(spec.id, { ...spec });
  prepared.delete(spec.id);
}

/** Every registered id, sorted. */
export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** The spec of `id`; an unknown id throws a DriftError naming close matches and listing every valid id. */
export function spec(id: string): EnvSpec {
  const s = registry.get(id);
  if (s) return s;
  const ids = listEnvs();
  const near = closeMatches(String(id), ids);
  throw new DriftError(
    "spec",
    `unknown environment id ${JSON.stringify(id)}${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(" or ")}?)` : ""}; registered ids: ${ids.join(", ")}`,
  );
}

/** Runs the spec's `prepare` once (a no-op for pure-tensor envs); required before making envs that declare one. */
export async function prepareEnv(id: string): Promise<void> {
  const s = spec(id);
  if (s.prepare && !prepared.has(id)) {
    await s.prepare();
    prepared.add(id);
  }
}

/** Options of `makeEnv`. */
export interface MakeEnvOptions<P = any> {
  /** Parameter overrides, merged over the env's defaults (unknown names throw). */
  params?: Partial<P>;
  /** Construction options, merged over the spec's kwargs (e.g. `{ stateDtype: "float32" }`). */
  kwargs?: Record<string, unknown>;
  /** Overrides the spec's time limit; null removes it. */
  maxEpisodeSteps?: number | null;
}

/**
 * Builds the pure env registered as `id`, wrapped in its time limit, with checked params — gymnax's
 * `make(env_id) → (env, env_params)`. Returns `{ env, params }`.
 *
 * @example
 * const { env, params } = makeEnv("Pendulum-v1", { params: { g: 9.81 } });
 */
export function makeEnv<P = any>(id: string, opts: MakeEnvOptions<P> = {}): { env: Env<any, P>; params: P } {
  const s = spec(id);
  if (s.prepare && !prepared.has(id) && !s.isReady?.()) throw new DriftError("makeEnv", `${id} needs resources loaded first: call \`await prepareEnv("${id}")\``);
  const base = s.entryPoint({ ...(s.kwargs ?? {}), ...(opts.kwargs ?? {}) }) as Env<any, P>;
  const params = mergeParams(id, base.defaultParams, opts.params);
  base.checkParams(params);
  const limit = opts.maxEpisodeSteps === undefined ? s.maxEpisodeSteps : opts.maxEpisodeSteps;
  return { env: limit === null ? base : timeLimit(base, limit), params };
}

const classic = (kwargs: Record<string, unknown>): { stateDtype?: "float32" | "float64" } => {
  const known = ["stateDtype"];
  for (const k of Object.keys(kwargs)) if (!known.includes(k)) throw new DriftError("makeEnv", `unknown option "${k}"; valid options: ${known.join(", ")}`);
  const d = kwargs.stateDtype;
  if (d !== undefined && d !== "float32" && d !== "float64") throw new DriftError("makeEnv", `stateDtype must be "float32" or "float64"; got ${String(d)}`);
  return { stateDtype: d as "float32" | "float64" | undefined };
};
const noKwargs = (make: () => Env) => (kwargs: Record<string, unknown>): Env => {
  const extra = Object.keys(kwargs);
  if (extra.length) throw new DriftError("makeEnv", `unknown option "${extra[0]}": this env has no construction options (use params)`);
  return make();
};

register({
  id: "Pendulum-v1",
  entryPoint: (kw) => pendulum(classic(kw)),
  maxEpisodeSteps: 200,
  description: "Gymnasium classic control: torque-limited pendulum swing-up",
});
register({
  id: "MountainCarContinuous-v0",
  entryPoint: (kw) => mountainCarContinuous(classic(kw)),
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
  description: "Gymnasium classic control: under-powered car, continuous force",
});
register({
  id: "TurningDoubleWell-v0",
  entryPoint: noKwargs(turningDoubleWell),
  maxEpisodeSteps: 100,
  description: "DA-MDP multimodal benchmark: relative turns with a double-well reward (maxima at ±45°)",
});
register({
  id: "TurningMultiWell-v0",
  entryPoint: noKwargs(turningMultiWell),
  maxEpisodeSteps: 100,
  description: "DA-MDP multimodal benchmark: relative turns with numMinima preferred turns",
});
register({
  id: "MultiGoal-v0",
  entryPoint: noKwargs(multiGoal),
  maxEpisodeSteps: 30,
  description: "Soft Q-learning (Haarnoja et al. 2017): 2-D point mass with four goals",
});
for (const task of TOY_2D_TASKS)
  register({
    id: `Toy2d/${task}-v0`,
    entryPoint: noKwargs(() => toyBandit(task)),
    maxEpisodeSteps: null,
    description: `FlowRL toy 2-D bandit: one step, reward = ${task} energy of the action`,
  });
