// Internal helpers shared by the environments and wrappers: key rows, tree selection, angle wrapping, param checks.
import { type Array, type DType, DriftError, np, random, tree } from "@drift/tensor";

/** A parameter value: a JS number (static under jit) or an array (traced, so it can be vmapped for domain randomisation). */
export type Scalar = number | Array;

/** `v` as an array of `dtype`; JS numbers convert exactly (no detour through a float32 weak scalar). */
export function toDtype(v: Scalar, dtype: DType): Array {
  return typeof v === "number" ? np.array(v, { dtype }) : np.astype(v, dtype);
}

/** True for JS numbers and concrete arrays; false for arrays traced by jit/vmap/grad. */
export function isConcrete(x: unknown): boolean {
  if (typeof x === "number" || typeof x === "boolean") return true;
  return x instanceof np.Array && x.toConcrete() !== null;
}

/** Splits `key` into `n` keys and returns them as separate uint32[2] arrays. */
export function splitKeys(key: Array, n: number): Array[] {
  const keys = random.split(key, n);
  return globalThis.Array.from({ length: n }, (_, i) => np.reshape(np.slice(keys, [i, i + 1]), [2]));
}

/** Picks `a` where `pred` holds and `b` elsewhere, leaf by leaf; `pred`'s dimensions lead each leaf's. */
export function selectTree<T>(pred: Array, a: T, b: T): T {
  return tree.map(
    (x, y) => {
      const extra = x.ndim - pred.ndim;
      const p = extra > 0 ? np.reshape(pred, [...pred.shape, ...new globalThis.Array(extra).fill(1)]) : pred;
      return np.where(p, x, y);
    },
    a,
    b,
  );
}

/** `((x + π) mod 2π) − π` with a floored modulo (numpy's `%`), in x's dtype. */
export function wrapAngle(x: Array): Array {
  const twoPi = 2 * Math.PI;
  const r = np.rem(np.add(x, Math.PI), twoPi);
  return np.sub(np.where(np.less(r, 0), np.add(r, twoPi), r), Math.PI);
}

/** Floored modulo `x mod m` (sign of m, as Python's `%`) for a positive JS number m. */
export function floorMod(x: Array, m: number): Array {
  const r = np.rem(x, m);
  return np.where(np.less(r, 0), np.add(r, m), r);
}

/** Reads every element of a parameter that is concrete; null when it is traced. */
function valuesOf(x: unknown): number[] | null {
  if (typeof x === "number") return [x];
  if (typeof x === "boolean") return [x ? 1 : 0];
  if (x instanceof np.Array) return x.toConcrete() ? globalThis.Array.from(x.dataSync(), Number) : null;
  return null;
}

/**
 * Checks `params[name]` with `ok` on every concrete element; traced values are skipped (they cannot be read
 * inside jit/vmap). Throws a DriftError naming the env, the parameter, the value and `expected`.
 */
export function checkParam(op: string, params: Record<string, unknown>, name: string, ok: (v: number) => boolean, expected: string): void {
  const v = params[name];
  if (v === undefined) throw new DriftError(op, `params.${name} is missing; expected ${expected}`);
  if (typeof v !== "number" && typeof v !== "boolean" && !(v instanceof np.Array))
    throw new DriftError(op, `params.${name} must be a number or an array; got ${typeof v}`);
  const vals = valuesOf(v);
  if (vals === null) return;
  const bad = vals.find((x) => !ok(x));
  if (bad !== undefined) throw new DriftError(op, `params.${name} must be ${expected}; got ${bad}`);
}

/** Checks that `params[name]` is a JS number (it sets array shapes or reset supports, so it must be static). */
export function checkStaticNumber(op: string, params: Record<string, unknown>, name: string, ok: (v: number) => boolean, expected: string): number {
  const v = params[name];
  if (typeof v !== "number")
    throw new DriftError(op, `params.${name} must be a JS number (it fixes shapes, so it cannot be an array); got ${v instanceof np.Array ? "an array" : typeof v}`);
  if (!ok(v)) throw new DriftError(op, `params.${name} must be ${expected}; got ${v}`);
  return v;
}

/** Checks a static boolean parameter. */
export function checkStaticBoolean(op: string, params: Record<string, unknown>, name: string): boolean {
  const v = params[name];
  if (typeof v !== "boolean") throw new DriftError(op, `params.${name} must be a boolean; got ${typeof v}`);
  return v;
}

/** Throws a DriftError (even while tracing: shapes are static) unless `action` has `shape`. */
export function checkActionShape(op: string, action: unknown, shape: readonly number[]): Array {
  if (!(action instanceof np.Array))
    throw new DriftError(op, `action must be a Drift array of shape [${shape.join(",")}]; got ${action === null ? "null" : typeof action}`);
  if (action.ndim !== shape.length || action.shape.some((d, i) => d !== shape[i]))
    throw new DriftError(op, `action must have shape [${shape.join(",")}]; got [${action.shape.join(",")}]`);
  return action;
}

/** Levenshtein edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = globalThis.Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Up to three candidates closest to `name` (case-insensitive edit distance at most a third of the length, or a shared stem). */
export function closeMatches(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const stem = (s: string): string => s.toLowerCase().replace(/-v\d+$/, "");
  return candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(1, Math.floor(name.length / 3)) || stem(c) === stem(name))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map(({ c }) => c);
}

/** Merges `overrides` into `defaults`, rejecting names that `defaults` does not have. */
export function mergeParams<P>(op: string, defaults: P, overrides: Partial<P> | Record<string, unknown> | undefined): P {
  if (!overrides) return defaults;
  const valid = Object.keys(defaults as object);
  for (const k of Object.keys(overrides))
    if (!valid.includes(k)) {
      const near = closeMatches(k, valid);
      throw new DriftError(op, `unknown parameter "${k}"${near.length ? ` (did you mean ${near.map((s) => `"${s}"`).join(" or ")}?)` : ""}; valid parameters: ${valid.join(", ")}`);
    }
  return { ...defaults, ...overrides };
}
