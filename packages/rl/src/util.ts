// Internal helpers shared by @drift/rl modules: leaf paths for error messages, dtype and rank checks.
import { type Array, DriftError, np } from "@drift/tensor";

/** Float dtypes the RL math runs in. */
export type FloatDType = "float32" | "float64";

/** Paths of a pytree's array leaves in flatten order (`obs`, `info.x`, `[0]`), for naming leaves in errors. */
export function leafPaths(t: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown, path: string): void => {
    if (x instanceof np.Array) out.push(path || "(root)");
    else if (globalThis.Array.isArray(x)) x.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (typeof x === "object" && x !== null) for (const [k, v] of Object.entries(x)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(t, "");
  return out;
}

/** "float64" when any input is float64, else "float32" (integer and bool inputs count as float32). */
export function floatDtype(...xs: (Array | number | undefined)[]): FloatDType {
  return xs.some((x) => typeof x === "object" && x.dtype === "float64") ? "float64" : "float32";
}

/** `x` as an array of float dtype `dtype` (numbers become arrays; bools become 0/1). */
export function asFloat(x: Array | number | boolean, dtype: FloatDType): Array {
  if (typeof x === "number" || typeof x === "boolean") return np.array(Number(x), { dtype });
  return x.dtype === dtype ? x : x.astype(dtype);
}

/** Throws unless `x` is an array of rank `rank`. */
export function checkRank(op: string, name: string, x: unknown, rank: number): asserts x is Array {
  if (!(x instanceof np.Array)) throw new DriftError(op, `${name} must be an array of rank ${rank}; got ${describe(x)}`);
  if (x.ndim !== rank) throw new DriftError(op, `${name} must have rank ${rank}; got shape [${x.shape.join(",")}]`);
}

/** Throws unless the arrays have equal shapes. */
export function checkSameShape(op: string, named: Record<string, Array>): void {
  const entries = Object.entries(named);
  const [firstName, first] = entries[0]!;
  for (const [name, x] of entries.slice(1))
    if (x.ndim !== first.ndim || x.shape.some((d, i) => d !== first.shape[i]))
      throw new DriftError(op, `${name} has shape [${x.shape.join(",")}] but ${firstName} has shape [${first.shape.join(",")}]; they must match`);
}

/** Throws unless `n` is an integer ≥ `min`. */
export function checkInt(op: string, name: string, n: unknown, min: number): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min)
    throw new DriftError(op, `${name} must be an integer ≥ ${min}; got ${typeof n === "number" ? n : describe(n)}`);
}

/** Throws unless `x` is a finite number. */
export function checkFinite(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new DriftError(op, `${name} must be a finite number; got ${describe(x)}`);
}

/** The concrete value of a scalar array, or null when it is traced (inside jit/vmap/grad). */
export function concreteScalar(x: Array): number | null {
  const c = x.toConcrete();
  return c ? c.item() : null;
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x instanceof np.Array) return `an array of shape [${x.shape.join(",")}] (${x.dtype})`;
  if (x === null) return "null";
  if (typeof x === "object") return `a ${(x as object).constructor?.name ?? "object"}`;
  return `${typeof x} ${String(x)}`;
}
