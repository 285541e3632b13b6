// Internal: the fields a wrapper passes through unchanged from the env it wraps (vector fields included).
import type { Env, VectorEnv } from "../types.ts";

/** The pass-through part of a wrapper: id, params, spaces, traceability, checks, close, and the vector fields if any. */
export function inherit<P>(env: Env<any, P>): Omit<Env<any, P>, "reset" | "step"> & Partial<Pick<VectorEnv<any, P>, "numEnvs" | "singleObservationSpace" | "singleActionSpace">> {
  const base: Omit<Env<any, P>, "reset" | "step"> = {
    id: env.id,
    defaultParams: env.defaultParams,
    traceable: env.traceable,
    observationSpace: (p) => env.observationSpace(p),
    actionSpace: (p) => env.actionSpace(p),
    checkParams: (p) => env.checkParams(p),
    close: () => env.close?.(),
  };
  const v = env as Partial<VectorEnv<any, P>>;
  if (typeof v.numEnvs !== "number") return base;
  return { ...base, numEnvs: v.numEnvs, singleObservationSpace: (p) => v.singleObservationSpace!(p), singleActionSpace: (p) => v.singleActionSpace!(p) };
}

/** Shape of one per-copy scalar: [] for a single env, [numEnvs] for a vector env. */
export function scalarShape(env: Env): number[] {
  const n = (env as Partial<VectorEnv>).numEnvs;
  return typeof n === "number" ? [n] : [];
}
