// Lowers elementwise primitives to wasm SIMD128 over 4 lanes (or lane 0 only), bit-exact with their JS expressions.
import type { DType } from "../dtype.ts";
import { type JaxprEqn, Lit } from "../core/jaxpr.ts";
import type { FuncRef, FunctionBuilder, Local, ModuleBuilder } from "../backend/wasm/emitter.ts";
import { f64, v128 } from "../backend/wasm/emitter.ts";
import { EXPF, LOGF, SINCOSF, SPECIAL, TANHF } from "../backend/special.ts";

/** Lane class of a dtype in wasm kernels: float32, int32, uint32, or bool (held as a lane mask of all ones/zeros). */
export type LaneClass = "f" | "i" | "u" | "b";

const CLASS: Partial<Record<DType, LaneClass>> = { float32: "f", int32: "i", uint32: "u", bool: "b" };

/** The lane class of `dtype`, or undefined when wasm kernels do not handle it (float64). */
export function laneClass(dtype: DType): LaneClass | undefined {
  return CLASS[dtype];
}

/**
 * JS functions called once per lane, in float64, for ops without an exact SIMD form. They are the very functions the
 * JS expressions call, so results match bit for bit (float32 tanh, exp, log, log1p and logistic have SIMD lowerings of their own instead).
 */
export const MATH_IMPORTS: Record<string, (...xs: number[]) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  atan2: Math.atan2,
  expm1: Math.expm1,
  erf: SPECIAL.erf,
  erf_inv: SPECIAL.erfinvf,
  pow: Math.pow,
  rem: (a, b) => a % b,
};

/**
 * JS source that rebuilds math import `name` in another thread (`Math.exp`, or a self-contained arrow function), or
 * null for helpers that depend on their module's scope (erf, erf_inv).
 */
export function mathImportSource(name: string): string | null {
  const fn = MATH_IMPORTS[name];
  if (!fn) return null;
  if ((Math as unknown as Record<string, unknown>)[name] === fn) return `Math.${name}`;
  return name === "rem" ? String(fn) : null;
}

/** Emission context of one kernel function: the builder, imported math functions and the number of live lanes. */
export interface VecContext {
  readonly f: FunctionBuilder;
  readonly imports: ReadonlyMap<string, FuncRef>;
  /** 4 for full vectors; 1 when only lane 0 carries data (odd strides and shapes). */
  readonly lanes: 1 | 4;
}

/** Emits an op: its inputs are v128 locals, and it leaves its v128 result on the stack. */
type Lowering = (c: VecContext, args: readonly Local[]) => void;

const F32_BYTES = (v: number): number[] => [...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
const I32_BYTES = (v: number): number[] => [...new Uint8Array(new Int32Array([v, v, v, v]).buffer)];

/** Pushes a vector holding `value` of lane class `cls` in every lane. */
export function splat(f: FunctionBuilder, cls: LaneClass, value: number): void {
  if (cls === "f") f.v128.const(F32_BYTES(value));
  else if (cls === "b") f.v128.const(I32_BYTES(value ? -1 : 0));
  else f.v128.const(I32_BYTES(value | 0));
}

const get = (c: VecContext, ...locals: Local[]): void => locals.forEach((l) => c.f.local.get(l));

/** Bool masks as int32 0/1 lanes. */
function asInt(c: VecContext, m: Local): void {
  get(c, m);
  splat(c.f, "i", 1);
  c.f.v128.and();
}

/** Calls an imported float64 function on each live lane of float32 inputs. */
function lanewise(name: string): Lowering {
  return (c, args) => {
    const fn = c.imports.get(name)!;
    c.f.local.get(args[0]!);
    for (let lane = 0; lane < c.lanes; lane++) {
      for (const a of args) {
        c.f.local.get(a);
        c.f.f32x4.extractLane(lane);
        c.f.f64.promoteF32();
      }
      c.f.call(fn);
      c.f.f32.demoteF64();
      c.f.f32x4.replaceLane(lane);
    }
  };
}

/** Lanes 2, 3 of a float32 vector moved to lanes 0, 1; and two half results joined back into one vector. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const JOIN_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * Evaluates `body` in float64 on each half of a float32 vector (`operand` pushes the half as f64x2) and narrows the two
 * results back into one vector, rounding once as `Math.fround(expr)` does.
 */
function viaF64(body: (f: FunctionBuilder, operand: () => void) => void): Lowering {
  return (c, [a]) => {
    const { f } = c;
    body(f, () => {
      f.local.get(a!);
      f.f64x2.promoteLowF32x4();
    });
    f.f32x4.demoteF64x2Zero();
    body(f, () => {
      f.local.get(a!);
      f.local.get(a!);
      f.i8x16.shuffle(HIGH_HALF);
      f.f64x2.promoteLowF32x4();
    });
    f.f32x4.demoteF64x2Zero();
    f.i8x16.shuffle(JOIN_HALVES);
  };
}

/** Pushes P(x) by Horner's rule over float32 lanes: acc ← acc·x + c for each coefficient after the first (no FMA). */
function horner(f: FunctionBuilder, coefficients: readonly number[], x: Local): void {
  splat(f, "f", coefficients[0]!);
  for (const cf of coefficients.slice(1)) {
    f.local.get(x);
    f.f32x4.mul();
    splat(f, "f", cf);
    f.f32x4.add();
  }
}

/** Pushes the float32 bits of 2^k for int32 lanes k in [−126, 127] held in `k`: (k + 127) << 23. */
function pow2(f: FunctionBuilder, k: Local): void {
  f.local.get(k);
  splat(f, "i", 127);
  f.i32x4.add();
  f.i32.const(23);
  f.i32x4.shl();
}

/**
 * float32 e^x on four lanes, operation for operation `expf` (backend/special.ts): x clamped to [min, max] for the
 * reduction (NaN stays NaN), the result scaled by 2^(n>>1) then 2^(n − (n>>1)), then ∞ above max and 0 below min.
 */
const expF32: Lowering = (c, [a]) => {
  const { f } = c;
  const k = EXPF;
  const [x, n, r, half, rest] = [0, 1, 2, 3, 4].map(() => f.declareLocal(v128)) as [Local, Local, Local, Local, Local];
  get(c, a!);
  splat(f, "f", k.max);
  f.f32x4.min();
  splat(f, "f", k.min);
  f.f32x4.max();
  f.local.tee(x);
  splat(f, "f", k.log2e);
  f.f32x4.mul();
  splat(f, "f", 0.5);
  f.f32x4.add();
  f.f32x4.floor();
  f.local.tee(n);
  f.i32x4.truncSatF32x4S();
  f.local.tee(rest);
  f.i32.const(1);
  f.i32x4.shrS();
  f.local.set(half);
  get(c, rest, half);
  f.i32x4.sub();
  f.local.set(rest);
  get(c, x, n);
  splat(f, "f", k.ln2Hi);
  f.f32x4.mul();
  f.f32x4.sub();
  get(c, n);
  splat(f, "f", k.ln2Lo);
  f.f32x4.mul();
  f.f32x4.sub();
  f.local.set(r);
  horner(f, k.poly, r);
  get(c, r, r);
  f.f32x4.mul();
  f.f32x4.mul();
  get(c, r);
  f.f32x4.add();
  splat(f, "f", 1);
  f.f32x4.add();
  pow2(f, half);
  f.f32x4.mul();
  pow2(f, rest);
  f.f32x4.mul();
  // ∞ above max, 0 below min (the clamp kept n in range for those lanes).
  f.local.set(x);
  splat(f, "f", Infinity);
  get(c, x, a!);
  splat(f, "f", k.max);
  f.f32x4.gt();
  f.v128.bitselect();
  splat(f, "f", 0);
  f.local.set(r);
  f.local.set(x);
  get(c, r, x, a!);
  splat(f, "f", k.min);
  f.f32x4.lt();
  f.v128.bitselect();
};

/**
 * float32 ln x on four lanes, operation for operation `logf` (backend/special.ts): subnormal lanes scaled by 2^25, the
 * exponent and mantissa split by bits, then the polynomial; ∞, ±0 (→ −∞) and negative or NaN lanes (→ NaN) last.
 */
const logF32: Lowering = (c, [a]) => {
  const { f } = c;
  const k = LOGF;
  const [x, e, m, z, y] = [0, 1, 2, 3, 4].map(() => f.declareLocal(v128)) as [Local, Local, Local, Local, Local];
  const select = (ifTrue: () => void, ifFalse: () => void, mask: () => void): void => {
    ifTrue();
    ifFalse();
    mask();
    f.v128.bitselect();
  };
  const subnormal = (): void => {
    get(c, a!);
    splat(f, "f", k.minNormal);
    f.f32x4.lt();
  };
  select(
    () => {
      get(c, a!);
      splat(f, "f", 2 ** 25);
      f.f32x4.mul();
    },
    () => get(c, a!),
    subnormal,
  );
  f.local.set(x);
  // e = (bits >>> 23) − 126 (− 25 more for scaled subnormals); m = mantissa with exponent bits of 0.5.
  get(c, x);
  f.i32.const(23);
  f.i32x4.shrU();
  select(
    () => splat(f, "i", -151),
    () => splat(f, "i", -126),
    subnormal,
  );
  f.i32x4.add();
  f.local.set(e);
  get(c, x);
  splat(f, "i", 0x007fffff);
  f.v128.and();
  splat(f, "i", 0x3f000000);
  f.v128.or();
  f.local.set(m);
  // m < √½: e − 1 (the mask is −1 there) and m = (m + m) − 1; else m − 1.
  get(c, m);
  splat(f, "f", k.sqrtHalf);
  f.f32x4.lt();
  f.local.set(z);
  get(c, e, z);
  f.i32x4.add();
  f.local.set(e);
  select(
    () => {
      get(c, m, m);
      f.f32x4.add();
      splat(f, "f", 1);
      f.f32x4.sub();
    },
    () => {
      get(c, m);
      splat(f, "f", 1);
      f.f32x4.sub();
    },
    () => get(c, z),
  );
  f.local.set(m);
  get(c, m, m);
  f.f32x4.mul();
  f.local.set(z);
  horner(f, k.poly, m);
  get(c, m);
  f.f32x4.mul();
  get(c, z);
  f.f32x4.mul();
  get(c, e);
  f.f32x4.convertI32x4S();
  f.local.tee(e);
  splat(f, "f", EXPF.ln2Lo);
  f.f32x4.mul();
  f.f32x4.add();
  splat(f, "f", -0.5);
  get(c, z);
  f.f32x4.mul();
  f.f32x4.add();
  f.local.set(y);
  get(c, m, y);
  f.f32x4.add();
  get(c, e);
  splat(f, "f", EXPF.ln2Hi);
  f.f32x4.mul();
  f.f32x4.add();
  f.local.set(y);
  // ln ∞ = ∞, ln ±0 = −∞, and NaN where x < 0 or x is NaN (x ≥ 0 fails).
  const special = (value: number, mask: () => void): void => {
    select(
      () => splat(f, "f", value),
      () => get(c, y),
      mask,
    );
    f.local.set(y);
  };
  special(Infinity, () => {
    get(c, a!);
    splat(f, "f", Infinity);
    f.f32x4.eq();
  });
  special(-Infinity, () => {
    get(c, a!);
    splat(f, "f", 0);
    f.f32x4.eq();
  });
  select(
    () => get(c, y),
    () => splat(f, "f", NaN),
    () => {
      get(c, a!);
      splat(f, "f", 0);
      f.f32x4.ge();
    },
  );
};

/** float32 ln(1 + x) on four lanes, as `log1pf`: u = 1 + x, then x where u = 1, ∞ where u = ∞, else log(u)·x/(u − 1). */
const log1pF32: Lowering = (c, [a]) => {
  const { f } = c;
  const u = f.declareLocal(v128);
  const y = f.declareLocal(v128);
  splat(f, "f", 1);
  get(c, a!);
  f.f32x4.add();
  f.local.set(u);
  logF32(c, [u]);
  get(c, a!, u);
  splat(f, "f", 1);
  f.f32x4.sub();
  f.f32x4.div();
  f.f32x4.mul();
  f.local.set(y);
  get(c, a!, y, u);
  splat(f, "f", 1);
  f.f32x4.eq();
  f.v128.bitselect();
  f.local.set(y);
  get(c, u, y, u);
  splat(f, "f", Infinity);
  f.f32x4.eq();
  f.v128.bitselect();
};

/** float32 logistic on four lanes, as `logisticf`: e = e^{−|x|} by {@link expF32}, then 1/(1 + e) or e/(1 + e). */
const logisticF32: Lowering = (c, [a]) => {
  const { f } = c;
  const [negAbs, e, d] = [0, 1, 2].map(() => f.declareLocal(v128)) as [Local, Local, Local];
  get(c, a!);
  f.f32x4.abs();
  f.f32x4.neg();
  f.local.set(negAbs);
  expF32(c, [negAbs]);
  f.local.tee(e);
  splat(f, "f", 1);
  f.f32x4.add();
  f.local.set(d);
  splat(f, "f", 1);
  get(c, d);
  f.f32x4.div();
  get(c, e, d);
  f.f32x4.div();
  get(c, a!);
  splat(f, "f", 0);
  f.f32x4.ge();
  f.v128.bitselect();
};

/**
 * float32 tanh on four lanes, operation for operation the float32 arithmetic of `tanhf` (backend/special.ts): both
 * branches are computed for every lane, then selected; the sign bit of the input is put on |tanh|.
 */
const tanhF32: Lowering = (c, [a]) => {
  const { f } = c;
  const k = TANHF;
  const [ax, z, small, r] = [0, 1, 2, 3].map(() => f.declareLocal(v128)) as [Local, Local, Local, Local];
  get(c, a!);
  f.f32x4.abs();
  f.local.set(ax);
  // Small |x|: ((P(z)·z)·|x|) + |x|, z = |x|².
  get(c, ax, ax);
  f.f32x4.mul();
  f.local.set(z);
  horner(f, k.odd, z);
  get(c, z);
  f.f32x4.mul();
  get(c, ax);
  f.f32x4.mul();
  get(c, ax);
  f.f32x4.add();
  f.local.set(small);
  // Larger |x|: e = e^{2|x|} by the exp lowering.
  get(c, ax);
  splat(f, "f", 2);
  f.f32x4.mul();
  f.local.set(r);
  expF32(c, [r]);
  // 1 − 2/(e + 1); then 1 beyond the saturation point; then the small-|x| branch where it applies.
  f.local.set(z);
  splat(f, "f", 1);
  splat(f, "f", 2);
  get(c, z);
  splat(f, "f", 1);
  f.f32x4.add();
  f.f32x4.div();
  f.f32x4.sub();
  f.local.set(z);
  splat(f, "f", 1);
  get(c, z, ax);
  splat(f, "f", k.saturate);
  f.f32x4.gt();
  f.v128.bitselect();
  f.local.set(z);
  get(c, small, z, ax);
  splat(f, "f", k.small);
  f.f32x4.lt();
  f.v128.bitselect();
  // |tanh| with the input's sign bit.
  get(c, a!);
  splat(f, "i", -0x80000000);
  f.v128.and();
  f.v128.or();
};

const F64X2_ONES = [...new Uint8Array(new Float64Array([1, 1]).buffer)];

/** Pushes a float64 constant in both lanes. */
function splatF64(f: FunctionBuilder, value: number): void {
  f.v128.const([...new Uint8Array(new Float64Array([value, value]).buffer)]);
}

/** Pushes P(z) = c0 + z·(c1 + z·(… + z·cn)) over float64 lanes, innermost first (the order `sincosf` evaluates). */
function hornerF64(f: FunctionBuilder, coefficients: readonly number[], z: Local): void {
  splatF64(f, coefficients[coefficients.length - 1]!);
  for (let i = coefficients.length - 2; i >= 0; i--) {
    f.local.get(z);
    f.f64x2.mul();
    splatF64(f, coefficients[i]!);
    f.f64x2.add();
  }
}

/** Pushes v − 2·floor(v/2) of float64 lanes holding integers: 1 where v is odd, else 0. */
function oddF64(f: FunctionBuilder, v: Local): void {
  f.local.get(v);
  f.local.get(v);
  splatF64(f, 0.5);
  f.f64x2.mul();
  f.f64x2.floor();
  splatF64(f, 2);
  f.f64x2.mul();
  f.f64x2.sub();
}

/**
 * float32 sin or cos on four lanes, operation for operation `sinf`/`cosf` (backend/special.ts): each half in float64,
 * rounded once; lanes beyond the reduction's limit (and NaN, ±∞) are then replaced by the imported `Math.sin`/`Math.cos`
 * rounded to float32, called only when some lane needs it.
 */
function sinCosF32(cosine: boolean): Lowering {
  const k = SINCOSF;
  const fast = viaF64((f, operand) => {
    const [x, y, r, z, q, odd, flip] = [0, 1, 2, 3, 4, 5, 6].map(() => f.declareLocal(v128)) as Local[] as [Local, Local, Local, Local, Local, Local, Local];
    operand();
    f.local.tee(x);
    f.f64x2.abs();
    f.local.tee(r);
    splatF64(f, k.fourOverPi);
    f.f64x2.mul();
    f.f64x2.floor();
    splatF64(f, 1);
    f.f64x2.add();
    splatF64(f, 0.5);
    f.f64x2.mul();
    f.f64x2.floor();
    splatF64(f, 2);
    f.f64x2.mul();
    f.local.tee(y);
    // r = |x| − y·p1 − y·p2 (r held |x| until now).
    splatF64(f, k.p1);
    f.f64x2.mul();
    f.local.set(z);
    f.local.get(r);
    f.local.get(z);
    f.f64x2.sub();
    f.local.get(y);
    splatF64(f, k.p2);
    f.f64x2.mul();
    f.f64x2.sub();
    f.local.tee(r);
    f.local.get(r);
    f.f64x2.mul();
    f.local.set(z);
    f.local.get(y);
    splatF64(f, 0.5);
    f.f64x2.mul();
    f.local.set(q);
    oddF64(f, q);
    f.local.set(odd);
    f.local.get(q);
    splatF64(f, 0.5);
    f.f64x2.mul();
    f.f64x2.floor();
    f.local.set(q);
    oddF64(f, q);
    f.local.set(flip);
    // cos polynomial where (sin: q odd; cos: q even), else the sin polynomial.
    splatF64(f, 1);
    f.local.get(z);
    hornerF64(f, k.cos, z);
    f.f64x2.mul();
    f.f64x2.add();
    f.local.get(r);
    f.local.get(r);
    f.local.get(z);
    f.f64x2.mul();
    hornerF64(f, k.sin, z);
    f.f64x2.mul();
    f.f64x2.add();
    f.local.get(odd);
    splatF64(f, 0);
    if (cosine) f.f64x2.eq();
    else f.f64x2.ne();
    f.v128.bitselect();
    // Negated where (sin: flip ≠ 0; cos: flip ≠ odd); sin then takes x's sign bit on top (sin(−0) = −0).
    f.local.tee(r);
    f.f64x2.neg();
    f.local.get(r);
    f.local.get(flip);
    if (cosine) f.local.get(odd);
    else splatF64(f, 0);
    f.f64x2.ne();
    f.v128.bitselect();
    if (!cosine) {
      f.local.get(x);
      splatF64(f, -0);
      f.v128.and();
      f.v128.xor();
    }
  });
  return (c, [a]) => {
    const { f } = c;
    const [result, slow] = [f.declareLocal(v128), f.declareLocal(v128)];
    fast(c, [a!]);
    f.local.set(result);
    // Lanes outside [−limit, limit] (NaN included: the comparison is false) take the imported routine.
    get(c, a!);
    f.f32x4.abs();
    splat(f, "f", k.limit);
    f.f32x4.le();
    f.v128.not();
    f.local.tee(slow);
    f.v128.anyTrue();
    f.if(() => {
      lanewise(cosine ? "cos" : "sin")(c, [a!]);
      get(c, result, slow);
      f.v128.bitselect();
      f.local.set(result);
    });
    get(c, result);
  };
}


/** `(a > b || a !== a) ? a : b` and the min analogue, lane by lane. */
function chooseF32(greater: boolean): Lowering {
  return (c, [a, b]) => {
    const { f } = c;
    get(c, a!, b!, a!, b!);
    if (greater) f.f32x4.gt();
    else f.f32x4.lt();
    get(c, a!, a!);
    f.f32x4.ne();
    f.v128.or();
    f.v128.bitselect();
  };
}

const simple =
  (emit: (f: FunctionBuilder) => void): Lowering =>
  (c, args) => {
    get(c, ...args);
    emit(c.f);
  };

type CompareName = "lt" | "le" | "gt" | "ge" | "eq" | "ne";
const COMPARES = new Set(["lt", "le", "gt", "ge", "eq", "ne"]);

function compare(name: CompareName, cls: LaneClass): Lowering {
  if (cls === "f") return simple((f) => f.f32x4[name]());
  const signed = cls !== "u";
  const op = (f: FunctionBuilder): void => {
    const v = f.i32x4;
    if (name === "eq") v.eq();
    else if (name === "ne") v.ne();
    else if (name === "lt") signed ? v.ltS() : v.ltU();
    else if (name === "le") signed ? v.leS() : v.leU();
    else if (name === "gt") signed ? v.gtS() : v.gtU();
    else signed ? v.geS() : v.geU();
  };
  if (cls !== "b") return simple(op);
  return (c, [a, b]) => {
    asInt(c, a!);
    asInt(c, b!);
    op(c.f);
  };
}

/**
 * The wasm lowering of one elementwise primitive for input lane classes `ins` and output class `out`, or null when
 * there is no exact one (the kernel then runs as JS). `lits` holds the values of literal inputs.
 */
function lowering(name: string, ins: LaneClass[], out: LaneClass, lits: readonly (number | undefined)[]): Lowering | null {
  const x = ins[0]!;
  const allSame = ins.every((c) => c === x);
  if (name === "select") {
    if (ins[1] !== ins[2]) return null;
    return (c, [p, t, e]) => {
      get(c, t!, e!, p!);
      c.f.v128.bitselect();
    };
  }
  if (name === "convert_element_type") return convert(x, out);
  if (!allSame) return null;
  if (COMPARES.has(name)) return compare(name as CompareName, x);
  if (x === "f") {
    switch (name) {
      case "add":
        return simple((f) => f.f32x4.add());
      case "sub":
        return simple((f) => f.f32x4.sub());
      case "mul":
        return simple((f) => f.f32x4.mul());
      case "div":
        return simple((f) => f.f32x4.div());
      case "max":
        return chooseF32(true);
      case "min":
        return chooseF32(false);
      case "neg":
        return simple((f) => f.f32x4.neg());
      case "abs":
        return simple((f) => f.f32x4.abs());
      case "sqrt":
        return simple((f) => f.f32x4.sqrt());
      case "floor":
        return simple((f) => f.f32x4.floor());
      case "ceil":
        return simple((f) => f.f32x4.ceil());
      case "trunc":
        return simple((f) => f.f32x4.trunc());
      case "round":
        return simple((f) => f.f32x4.nearest());
      case "tanh":
        return tanhF32;
      case "sin":
        return sinCosF32(false);
      case "cos":
        return sinCosF32(true);
      case "exp":
        return expF32;
      case "log":
        return logF32;
      case "log1p":
        return log1pF32;
      case "logistic":
        return logisticF32;
      case "rsqrt":
        return viaF64((f, operand) => {
          f.v128.const(F64X2_ONES);
          operand();
          f.f64x2.sqrt();
          f.f64x2.div();
        });
      case "sign":
        return (c, [a]) => {
          const { f } = c;
          splat(f, "f", 1);
          splat(f, "f", -1);
          get(c, a!, a!);
          splat(f, "f", 0);
          f.f32x4.lt();
          f.v128.bitselect();
          get(c, a!);
          splat(f, "f", 0);
          f.f32x4.gt();
          f.v128.bitselect();
        };
      case "is_finite":
        return (c, [a]) => {
          get(c, a!);
          c.f.f32x4.abs();
          splat(c.f, "f", Infinity);
          c.f.f32x4.lt();
        };
      default:
        return name in MATH_IMPORTS ? lanewise(name) : null;
    }
  }
  if (x === "b") {
    switch (name) {
      case "and":
      case "mul":
      case "min":
        return simple((f) => f.v128.and());
      case "or":
      case "add":
      case "max":
        return simple((f) => f.v128.or());
      case "xor":
      case "sub":
        return simple((f) => f.v128.xor());
      case "not":
        return simple((f) => f.v128.not());
      default:
        return null;
    }
  }
  const signed = x === "i";
  switch (name) {
    case "add":
      return simple((f) => f.i32x4.add());
    case "sub":
      return simple((f) => f.i32x4.sub());
    case "mul":
      return simple((f) => f.i32x4.mul());
    case "neg":
      return simple((f) => f.i32x4.neg());
    case "abs":
      return signed ? simple((f) => f.i32x4.abs()) : simple(() => {});
    case "max":
      return simple((f) => (signed ? f.i32x4.maxS() : f.i32x4.maxU()));
    case "min":
      return simple((f) => (signed ? f.i32x4.minS() : f.i32x4.minU()));
    case "and":
      return simple((f) => f.v128.and());
    case "or":
      return simple((f) => f.v128.or());
    case "xor":
      return simple((f) => f.v128.xor());
    case "not":
      return simple((f) => f.v128.not());
    case "is_finite":
      return (c) => splat(c.f, "b", 1);
    case "shift_left":
    case "shift_right_logical": {
      const b = lits[1];
      if (b === undefined) return null;
      const count = x === "u" ? b >>> 0 : b | 0;
      if (count >= 32) return (c) => splat(c.f, x, 0);
      return (c, [a]) => {
        get(c, a!);
        c.f.i32.const(count);
        if (name === "shift_left") c.f.i32x4.shl();
        else c.f.i32x4.shrU();
      };
    }
    default:
      return null;
  }
}

/** convert_element_type between lane classes; float → integer is wasm's saturating truncation (NaN → 0), XLA's rule. */
function convert(from: LaneClass, to: LaneClass): Lowering {
  if (from === to || (from !== "f" && from !== "b" && to !== "f" && to !== "b")) return simple(() => {});
  if (to === "b")
    return (c, [a]) => {
      get(c, a!);
      splat(c.f, from, 0);
      if (from === "f") c.f.f32x4.ne();
      else c.f.i32x4.ne();
    };
  if (from === "b")
    return (c, [a]) => {
      if (to !== "f") return asInt(c, a!);
      get(c, a!);
      splat(c.f, "f", 1);
      c.f.v128.and();
    };
  if (to === "f") return simple((f) => (from === "i" ? f.f32x4.convertI32x4S() : f.f32x4.convertI32x4U()));
  return simple((f) => (to === "i" ? f.i32x4.truncSatF32x4S() : f.i32x4.truncSatF32x4U()));
}

/** Lane classes of an equation's inputs and output, or null when some dtype has none. */
function classesOf(e: JaxprEqn): { ins: LaneClass[]; out: LaneClass } | null {
  const out = laneClass(e.outBinders[0]!.aval.dtype);
  const ins = e.inputs.map((a) => laneClass(a.aval.dtype));
  if (!out || ins.some((c) => !c)) return null;
  return { ins: ins as LaneClass[], out };
}

/** True when a wasm kernel can compute equation `e` (an elementwise primitive or a strided view) exactly as JS does. */
export function wasmSupports(e: JaxprEqn): boolean {
  const cls = classesOf(e);
  if (!cls) return false;
  if (e.primitive.jsExpr === undefined) return true;
  const lits = e.inputs.map((a) => (a instanceof Lit ? a.value : undefined));
  return lowering(e.primitive.name, cls.ins, cls.out, lits) !== null;
}

/** Emits the wasm computation of an elementwise primitive whose inputs are in `args`; leaves the result on the stack. */
export function emitPrim(
  c: VecContext,
  name: string,
  inDtypes: readonly DType[],
  outDtype: DType,
  lits: readonly (number | undefined)[],
  args: readonly Local[],
): void {
  const low = lowering(name, inDtypes.map((d) => laneClass(d)!), laneClass(outDtype)!, lits);
  if (!low) throw new Error(`no wasm lowering for ${name}`);
  low(c, args);
}

/** Imports, ahead of any function definition, the math functions that `names` need; returns them by name. */
export function importMath(mod: ModuleBuilder, names: Iterable<string>): Map<string, FuncRef> {
  const refs = new Map<string, FuncRef>();
  for (const name of names) {
    const fn = MATH_IMPORTS[name];
    if (!fn || refs.has(name)) continue;
    refs.set(name, mod.importFunc("math", name, new Array(fn.length).fill(f64), [f64]));
  }
  return refs;
}
