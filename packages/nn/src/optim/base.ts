// Optimizer core (after optax.base): the GradientTransformation type, schedules, argument checks and pytree helpers.
import { type Array, DriftError, np, tree } from "@drift/tensor";

/**
 * A pure gradient transformation, as `optax.GradientTransformation`: `init(params)` builds the state (a pytree of
 * arrays and static values), `update(updates, state, params?)` maps incoming updates (usually gradients) to
 * outgoing updates and returns the next state. Both are free of side effects, so they run under `jit` and `vmap`.
 */
export interface GradientTransformation<S = unknown> {
  /** Builds the initial state for `params`. */
  init(params: unknown): S;
  /** Transforms `updates` (a pytree shaped like the params) and returns them with the next state. */
  update<T>(updates: T, state: S, params?: T): [T, S];
}

/** The state type of a transformation. */
export type StateOf<G> = G extends GradientTransformation<infer S> ? S : never;

/** The state of a stateless transformation (an empty tuple, as optax's `EmptyState`). */
export type EmptyState = [];

/** A schedule: maps a step count (an int32 or float scalar array) to a value, with array ops only, so it traces. */
export type Schedule = (count: Array) => Array | number;

/** A fixed number or a schedule of the step count. */
export type ScalarOrSchedule = number | Schedule;

/** State of transformations whose step count feeds a schedule (optax's `ScaleByScheduleState`). */
export interface ScheduleState {
  /** Number of updates made so far (int32 scalar). */
  count: Array;
}

const INT32_MAX = 2147483647;

/** A zero int32 step counter. */
export function zeroCount(): Array {
  return np.zeros([], { dtype: "int32" });
}

/** count + 1, saturating at the largest int32 instead of wrapping (optax's `safe_increment`). */
export function safeIncrement(count: Array): Array {
  return np.where(np.less(count, INT32_MAX), np.add(count, 1), np.full([], INT32_MAX, { dtype: count.dtype }));
}

/** Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new DriftError(op, `${name} must be a finite number >= 0; got ${String(value)}`);
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new DriftError(op, `${name} must be a finite number > 0; got ${String(value)}`);
}

/** Throws unless `value` is a decay rate in [0, 1). */
export function checkDecay(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value < 1))
    throw new DriftError(op, `${name} must be in [0, 1); got ${String(value)}`);
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(op: string, name: string, value: number, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw new DriftError(op, `${name} must be an integer >= ${min}; got ${String(value)}`);
}

/** Throws unless `value` is a number ≥ 0 or a schedule function. */
export function checkScalarOrSchedule(op: string, name: string, value: ScalarOrSchedule): void {
  if (typeof value === "function") return;
  if (typeof value !== "number") throw new DriftError(op, `${name} must be a number >= 0 or a schedule function; got ${typeof value}`);
  checkNonNegative(op, name, value);
}

/**
 * Maps `f` over the array leaves of trees that must share one structure and leaf shapes; a mismatch is a
 * DriftError from `op` naming the two arguments (`names[i]` describes `trees[i]`).
 */
export function treeMap(op: string, names: readonly string[], f: (...xs: Array[]) => Array, ...trees: unknown[]): any {
  const [first, def] = tree.flatten(trees[0], op);
  const others = trees.slice(1).map((t, k) => {
    const [ls, d] = tree.flatten(t, op);
    if (!tree.treeDefEqual(def, d))
      throw new DriftError(
        op,
        `${names[k + 1]} has structure ${tree.treeDefToString(d)} but ${names[0]} has ${tree.treeDefToString(def)}; they must match`,
      );
    ls.forEach((x, i) => {
      const a = first[i]!;
      if (x.shape.length !== a.shape.length || x.shape.some((n, j) => n !== a.shape[j]))
        throw new DriftError(op, `leaf ${i} of ${names[k + 1]} has shape [${x.shape}] but that of ${names[0]} has [${a.shape}]`);
    });
    return ls;
  });
  return tree.unflatten(
    def,
    first.map((x, i) => f(x, ...others.map((o) => o[i]!))),
  );
}

/**
 * `v` as a 0-d array of `x`'s dtype. Used for every float constant that meets a leaf: @drift/tensor stores a bare JS
 * number as a weak float32 scalar, so `np.mul(0.1, x64)` would multiply by fround(0.1) and lose float64 precision.
 */
export function constLike(v: number, x: Array): Array {
  return np.full([], v, { dtype: x.dtype });
}

/** A tree of zeros shaped like `t` (each leaf keeps its dtype). */
export function zerosLikeTree<T>(t: T): T {
  return tree.map((x) => np.zerosLike(x), t);
}

/** A tree shaped like `t` filled with `value`. */
export function fullLikeTree<T>(t: T, value: number): T {
  return tree.map((x) => np.add(np.zerosLike(x), constLike(value, x)), t);
}

/** A number-or-array value as an array of leaf `x`'s dtype. */
export function asLeafDType(v: Array | number, x: Array): Array {
  return typeof v === "number" ? constLike(v, x) : np.astype(v, x.dtype);
}

/** Static label leaf of a mask (boolean) or of a partition (string). */
export type Label = boolean | string;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a tree of static labels (`prefix`, whose leaves are booleans or strings) against trees it is a prefix of,
 * calling `f(label, ...subtrees)` at every label and rebuilding the result with the prefix's structure.
 */
export function mapPrefix(
  op: string,
  prefix: unknown,
  prefixName: string,
  trees: readonly unknown[],
  names: readonly string[],
  f: (label: Label, ...subtrees: unknown[]) => unknown,
  path = "",
): unknown {
  if (typeof prefix === "boolean" || typeof prefix === "string") return f(prefix, ...trees);
  const where = path || "the root";
  if (globalThis.Array.isArray(prefix)) {
    trees.forEach((t, k) => {
      if (!globalThis.Array.isArray(t) || t.length !== prefix.length)
        throw new DriftError(op, `${prefixName} has a list of ${prefix.length} at ${where} but ${names[k]} has ${describe(t)} there`);
    });
    return prefix.map((p, i) => mapPrefix(op, p, prefixName, trees.map((t) => (t as unknown[])[i]), names, f, `${path}[${i}]`));
  }
  if (isPlainObject(prefix)) {
    const keys = Object.keys(prefix);
    trees.forEach((t, k) => {
      if (!isPlainObject(t) || Object.keys(t).length !== keys.length || keys.some((key) => !(key in t)))
        throw new DriftError(op, `${prefixName} has an object with keys {${keys.join(", ")}} at ${where} but ${names[k]} has ${describe(t)} there`);
    });
    const out: Record<string, unknown> = {};
    for (const key of keys)
      out[key] = mapPrefix(op, prefix[key], prefixName, trees.map((t) => (t as Record<string, unknown>)[key]), names, f, `${path}.${key}`);
    return out;
  }
  throw new DriftError(op, `${prefixName} leaves must be booleans or strings (a tree of the params' shape or a prefix of it); got ${describe(prefix)} at ${where}`);
}

/** The label leaves of a label tree, in order. */
export function labelLeaves(op: string, labels: unknown, name: string): Label[] {
  const out: Label[] = [];
  const walk = (x: unknown, path: string): void => {
    if (typeof x === "boolean" || typeof x === "string") out.push(x);
    else if (globalThis.Array.isArray(x)) x.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (isPlainObject(x)) for (const k of Object.keys(x)) walk(x[k], `${path}.${k}`);
    else throw new DriftError(op, `${name} leaves must be booleans or strings; got ${describe(x)} at ${path || "the root"}`);
  };
  walk(labels, "");
  return out;
}

function describe(x: unknown): string {
  if (globalThis.Array.isArray(x)) return `a list of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys {${Object.keys(x).join(", ")}}`;
  if (x === null) return "null";
  if (typeof x === "object") return `a ${(x as object).constructor?.name ?? "object"}`;
  return `a ${typeof x}`;
}
