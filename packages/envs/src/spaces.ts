// Gymnasium-style spaces (Box, Discrete, MultiDiscrete) with keyed sampling and membership tests, plus batchSpace.
import { type Array, type DType, DriftError, np, random } from "@drift/tensor";
import { isConcrete, splitKeys } from "./internal/util.ts";

/** Values accepted as Box bounds: a number (broadcast), nested JS numbers, or a Drift array. */
export type Bound = number | readonly number[] | readonly (readonly number[])[] | Array;

/** Data accepted by `contains`: a Drift array, a number, or nested JS numbers. */
export type SpaceValue = Array | number | boolean | readonly unknown[];

function toArray(x: SpaceValue): Array | null {
  if (x instanceof np.Array) return x;
  try {
    return np.array(x as any, { dtype: "float64" });
  } catch {
    return null;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? `${v}` : `${Number(v.toPrecision(6))}`;
}

/** Formats a bound array compactly: one number when all elements agree. */
function fmtBound(x: Array): string {
  if (!isConcrete(x)) return "traced";
  const vals = globalThis.Array.from(x.dataSync(), Number);
  if (vals.length > 0 && vals.every((v) => v === vals[0])) return fmtNum(vals[0]!);
  return `[${vals.map(fmtNum).join(", ")}]`;
}

/**
 * A box in Rⁿ: every element lies in [low, high] (bounds may be ±Infinity), as `gymnasium.spaces.Box`.
 * `new Box(-2, 2, [1])` broadcasts scalar bounds to `shape`; `new Box([-1, -1, -8], [1, 1, 8])` takes the shape from the bounds.
 */
export class Box {
  /** Always "box". */
  readonly kind = "box" as const;
  /** Lower bounds, of `shape` and `dtype`. */
  readonly low: Array;
  /** Upper bounds, of `shape` and `dtype`. */
  readonly high: Array;
  /** Shape of one element. */
  readonly shape: readonly number[];
  /** Element dtype: float32 (default) or float64. */
  readonly dtype: DType;

  constructor(low: Bound, high: Bound, shape?: readonly number[], dtype: DType = "float32") {
    if (dtype !== "float32" && dtype !== "float64") throw new DriftError("Box", `dtype must be float32 or float64; got ${dtype}`);
    const lo = low instanceof np.Array ? np.astype(low, dtype) : np.array(low as any, { dtype });
    const hi = high instanceof np.Array ? np.astype(high, dtype) : np.array(high as any, { dtype });
    const s = shape ?? (lo.ndim > 0 ? lo.shape : hi.shape);
    for (const [name, b] of [["low", lo], ["high", hi]] as const)
      if (b.ndim > 0 && !sameShape(b.shape, s))
        throw new DriftError("Box", `${name} has shape [${b.shape.join(",")}] but the space shape is [${s.join(",")}]`);
    this.low = np.broadcastTo(lo, s);
    this.high = np.broadcastTo(hi, s);
    this.shape = [...s];
    this.dtype = dtype;
    if (isConcrete(this.low) && isConcrete(this.high)) {
      const l = this.low.dataSync();
      const h = this.high.dataSync();
      for (let i = 0; i < l.length; i++) {
        if (Number.isNaN(l[i]) || Number.isNaN(h[i])) throw new DriftError("Box", `bounds must not be NaN (element ${i})`);
        if (!(l[i]! <= h[i]!)) throw new DriftError("Box", `low must be <= high; element ${i} has low ${l[i]} > high ${h[i]}`);
      }
    }
  }

  /**
   * A random element, as Gymnasium: uniform where both bounds are finite, `low + Exp(1)` where only low is,
   * `high − Exp(1)` where only high is, and N(0, 1) where neither is. Works under jit and vmap.
   */
  sample(key: Array): Array {
    const [ku, kn, ke] = splitKeys(key, 3);
    const finLo = np.isfinite(this.low);
    const finHi = np.isfinite(this.high);
    const lo = np.where(finLo, this.low, 0);
    const hi = np.where(finHi, this.high, 0);
    const u = random.uniform(ku!, this.shape, { dtype: this.dtype });
    const n = random.normal(kn!, this.shape, { dtype: this.dtype });
    const e = np.neg(np.log1p(np.neg(random.uniform(ke!, this.shape, { dtype: this.dtype }))));
    const bounded = np.add(lo, np.mul(u, np.sub(hi, lo)));
    const out = np.where(
      np.logicalAnd(finLo, finHi),
      bounded,
      np.where(finLo, np.add(lo, e), np.where(finHi, np.sub(hi, e), n)),
    );
    return np.astype(out, this.dtype);
  }

  /** True when `x` has this shape, a numeric dtype, and every element lies in [low, high] (NaN never does). Eager only. */
  contains(x: SpaceValue): boolean {
    const a = toArray(x);
    if (!a || !sameShape(a.shape, this.shape) || a.dtype === "bool") return false;
    const v = a.dataSync();
    const l = this.low.dataSync();
    const h = this.high.dataSync();
    for (let i = 0; i < v.length; i++) if (!(v[i]! >= l[i]! && v[i]! <= h[i]!)) return false;
    return true;
  }

  /** e.g. `Box(-2, 2, [1], float32)`. */
  toString(): string {
    return `Box(${fmtBound(this.low)}, ${fmtBound(this.high)}, [${this.shape.join(",")}], ${this.dtype})`;
  }
}

/** The integers {start, …, start + n − 1}, as `gymnasium.spaces.Discrete`; elements are int32 scalars. */
export class Discrete {
  /** Always "discrete". */
  readonly kind = "discrete" as const;
  /** Number of elements. */
  readonly n: number;
  /** Smallest element. */
  readonly start: number;
  /** Always [] (a scalar). */
  readonly shape: readonly number[] = [];
  /** Always int32. */
  readonly dtype: DType = "int32";

  constructor(n: number, start = 0) {
    if (!Number.isInteger(n) || n < 1) throw new DriftError("Discrete", `n must be a positive integer; got ${n}`);
    if (!Number.isInteger(start)) throw new DriftError("Discrete", `start must be an integer; got ${start}`);
    this.n = n;
    this.start = start;
  }

  /** A uniformly random element (int32 scalar). Works under jit and vmap. */
  sample(key: Array): Array {
    return random.randint(key, [], this.start, this.start + this.n);
  }

  /** True when `x` is an integer scalar in range. Eager only. */
  contains(x: SpaceValue): boolean {
    const a = toArray(x);
    if (!a || a.ndim !== 0 || a.dtype === "bool") return false;
    const v = a.item();
    return Number.isInteger(v) && v >= this.start && v < this.start + this.n;
  }

  /** e.g. `Discrete(4)`. */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A grid of independent discrete values: element i lies in {start, …, start + nvec[i] − 1}; int32 arrays of nvec's shape. */
export class MultiDiscrete {
  /** Always "multi-discrete". */
  readonly kind = "multi-discrete" as const;
  /** Number of choices per element (int32). */
  readonly nvec: Array;
  /** Smallest value of every element. */
  readonly start: number;
  /** Shape of one element (nvec's shape). */
  readonly shape: readonly number[];
  /** Always int32. */
  readonly dtype: DType = "int32";

  constructor(nvec: Bound, start = 0) {
    const a = nvec instanceof np.Array ? np.astype(nvec, "int32") : np.array(nvec as any, { dtype: "int32" });
    if (!a.dataSync().every((v) => v >= 1)) throw new DriftError("MultiDiscrete", "every entry of nvec must be a positive integer");
    if (!Number.isInteger(start)) throw new DriftError("MultiDiscrete", `start must be an integer; got ${start}`);
    this.nvec = a;
    this.start = start;
    this.shape = [...a.shape];
  }

  /** A uniformly random element. Works under jit and vmap. */
  sample(key: Array): Array {
    return random.randint(key, this.shape, this.start, np.add(this.nvec, this.start));
  }

  /** True when `x` has this shape and every element is an integer in range. Eager only. */
  contains(x: SpaceValue): boolean {
    const a = toArray(x);
    if (!a || !sameShape(a.shape, this.shape) || a.dtype === "bool") return false;
    const v = a.dataSync();
    const n = this.nvec.dataSync();
    for (let i = 0; i < v.length; i++) if (!(Number.isInteger(v[i]) && v[i]! >= this.start && v[i]! < this.start + n[i]!)) return false;
    return true;
  }

  /** e.g. `MultiDiscrete([3, 3])`. */
  toString(): string {
    return `MultiDiscrete(${JSON.stringify(this.nvec.toArray())}${this.start ? `, start=${this.start}` : ""})`;
  }
}

/** Any space an environment can declare. */
export type Space = Box | Discrete | MultiDiscrete;

/** The space of `n` stacked elements of `space` (as `gymnasium.vector.utils.batch_space`): Box → Box, Discrete → MultiDiscrete. */
export function batchSpace(space: Space, n: number): Space {
  if (!Number.isInteger(n) || n < 1) throw new DriftError("batchSpace", `n must be a positive integer; got ${n}`);
  const tile = (x: Array): Array => np.broadcastTo(np.expandDims(x, 0), [n, ...x.shape]);
  switch (space.kind) {
    case "box":
      return new Box(tile(space.low), tile(space.high), [n, ...space.shape], space.dtype);
    case "discrete":
      return new MultiDiscrete(np.full([n], space.n, { dtype: "int32" }), space.start);
    case "multi-discrete":
      return new MultiDiscrete(tile(space.nvec), space.start);
  }
}
