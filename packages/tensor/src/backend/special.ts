// Scalar special functions: erf, erfinv and round-half-even to float64, and float32 tanh/exp/log/log1p/logistic in float32 arithmetic.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** The error function, accurate to about 1e-15 relative (series below 2.5, continued fraction above). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  const r = erfcLarge(ax);
  return x > 0 ? 1 - r : r - 1;
}

/** erfc(x) for x ≥ 2.5 by the Laplace continued fraction, evaluated with the modified Lentz method. */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}

/** Inverse error function on (-1, 1): ±Infinity at ±1, NaN outside; `newtonSteps` Newton steps (2: float64 accuracy). */
export function erfinv(y: number, newtonSteps = 2): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  // Initial guess: Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision form.
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
    x = p * y;
  }
  // Newton steps on erf(x) - y = 0 (erf' = 2/√π e^{-x²}); near ±1 the guess is already as good as float64 allows.
  for (let i = 0; i < newtonSteps; i++) {
    const err = erf(x) - y;
    const deriv = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    if (deriv === 0 || !Number.isFinite(err)) break;
    x -= err / deriv;
  }
  return x;
}

/** Rounds half to even, as numpy and JAX do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * float32 e^x in float32 arithmetic (Cephes `expf`, S. L. Moshier): n = floor(x·log2 e + 0.5), r = x − n·ln 2 (ln 2 in
 * two parts), e^r ≈ 1 + r + r²·Q(r), then two exact scalings by 2^(n>>1) and 2^(n − (n>>1)) so that subnormal results
 * are rounded once; x above `max` gives ∞, below `min` 0. The constants and the order of operations are shared with
 * the wasm SIMD lowering, so eager and jitted float32 exp agree bit for bit; within 1 ulp of the rounded e^x (tested).
 */
export const EXPF = {
  max: Math.fround(88.72283905206835),
  min: Math.fround(-103.972077),
  log2e: Math.fround(1.44269504088896341),
  /** ln 2 split in two for the range reduction: a part exact in few bits and the (negative) remainder. */
  ln2Hi: Math.fround(0.693359375),
  ln2Lo: Math.fround(-2.12194440e-4),
  /** Q's coefficients from the highest power. */
  poly: [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(Math.fround),
} as const;
const [Q0, Q1, Q2, Q3, Q4, Q5] = EXPF.poly;
const { log2e: LOG2E, ln2Hi: LN2_HI, ln2Lo: LN2_LO } = EXPF;
/** 2^k for k = −75 … 64 (index k + 75): the half-exponents of {@link expf}'s scaling, all normal float32 values. */
const POW2_HALF = Float64Array.from({ length: 140 }, (_, i) => 2 ** (i - 75));

/** float32 e^x of a float32 value (see {@link EXPF}); every intermediate is rounded to float32. */
export function expf(x: number): number {
  const f = Math.fround;
  if (!(x <= EXPF.max)) return x > EXPF.max ? Infinity : x; // overflow, or NaN
  if (x < EXPF.min) return 0;
  const n = Math.floor(f(f(x * LOG2E) + 0.5));
  const r = f(f(x - f(n * LN2_HI)) - f(n * LN2_LO));
  const q = f(f(f(f(f(f(f(f(f(f(Q0! * r) + Q1!) * r) + Q2!) * r) + Q3!) * r) + Q4!) * r) + Q5!);
  const y = f(f(f(q * f(r * r)) + r) + 1);
  const half = n >> 1;
  return f(f(y * POW2_HALF[half + 75]!) * POW2_HALF[n - half + 75]!);
}

/**
 * float32 tanh in float32 arithmetic (Cephes `tanhf`): |x| < 0.625 by an odd polynomial, up to 9.1 as
 * 1 − 2/(e^{2|x|} + 1) with {@link expf}, ±1 beyond; the sign bit of x is put on the result (tanh(−0) = −0). Shared with
 * the wasm SIMD lowering like {@link EXPF}; within 1 ulp of the rounded tanh (tested).
 */
export const TANHF = {
  small: 0.625,
  saturate: Math.fround(9.1),
  /** Odd polynomial for |x| < 0.625: x + x·z·P(z), z = x², P's coefficients from the highest power. */
  odd: [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1].map(Math.fround),
} as const;
const [O0, O1, O2, O3, O4] = TANHF.odd;

/** float32 tanh of a float32 value (see {@link TANHF}); every intermediate is rounded to float32. */
export function tanhf(x: number): number {
  const f = Math.fround;
  const negative = x < 0 || (x === 0 && 1 / x < 0);
  const ax = Math.abs(x);
  let y: number;
  if (ax < TANHF.small) {
    const z = f(ax * ax);
    const p = f(f(f(f(f(f(f(f(O0! * z) + O1!) * z) + O2!) * z) + O3!) * z) + O4!);
    y = f(f(f(p * z) * ax) + ax);
  } else if (ax <= TANHF.saturate) y = f(1 - f(2 / f(expf(f(ax * 2)) + 1)));
  else y = ax > TANHF.saturate ? 1 : ax; // saturated, or NaN
  return negative ? -y : y;
}

/**
 * float32 ln x in float32 arithmetic (Cephes `logf`): x = m·2^e with m in [√½, √2) (subnormals scaled by 2^25 first),
 * ln(1 + f) for f = m − 1 by f − f²/2 + f³·P(f), then e·ln 2 added in two parts. x < 0 and NaN give NaN, ±0 gives −∞,
 * ∞ gives ∞. Shared with the wasm SIMD lowering: eager and jit agree bit for bit.
 */
export const LOGF = {
  sqrtHalf: Math.fround(0.707106781186547524),
  /** f³·P(f) term, P's coefficients from the highest power. */
  poly: [7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(Math.fround),
  /** Smallest normal float32; below it x is scaled by 2^25. */
  minNormal: 2 ** -126,
} as const;
const LOG_BITS = new Uint32Array(1);
const LOG_FLOAT = new Float32Array(LOG_BITS.buffer);
const [L0, L1, L2, L3, L4, L5, L6, L7, L8] = LOGF.poly;

/** float32 ln x of a float32 value (see {@link LOGF}); every intermediate is rounded to float32. */
export function logf(x: number): number {
  const f = Math.fround;
  if (!(x > 0)) return x === 0 ? -Infinity : NaN; // ±0, negative, NaN
  if (x === Infinity) return x;
  let e = -126;
  if (x < LOGF.minNormal) {
    x *= 33554432; // 2^25, exact
    e -= 25;
  }
  LOG_FLOAT[0] = x;
  const bits = LOG_BITS[0]!;
  e += bits >>> 23;
  LOG_BITS[0] = (bits & 0x007fffff) | 0x3f000000;
  let m = LOG_FLOAT[0]!; // in [0.5, 1)
  if (m < LOGF.sqrtHalf) {
    e -= 1;
    m = f(f(m + m) - 1);
  } else m = f(m - 1);
  const z = f(m * m);
  const p = f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(f(L0! * m) + L1!) * m) + L2!) * m) + L3!) * m) + L4!) * m) + L5!) * m) + L6!) * m) + L7!) * m) + L8!);
  let y = f(f(p * m) * z);
  const fe = e;
  y = f(y + f(fe * LN2_LO));
  y = f(y + f(-0.5 * z));
  return f(f(m + y) + f(fe * LN2_HI));
}

/**
 * float32 ln(1 + x) in float32 arithmetic (D. Goldberg's correction, "What every computer scientist should know about
 * floating-point arithmetic", 1991): u = 1 + x rounded; x itself when u = 1, else logf(u) · x/(u − 1), which cancels
 * the rounding error of u. Within 2 ulp of the rounded ln(1 + x) (tested); ∞ stays ∞, −1 gives −∞, below −1 NaN.
 */
export function log1pf(x: number): number {
  const f = Math.fround;
  const u = f(1 + x);
  if (u === 1) return x;
  if (u === Infinity) return u;
  return f(logf(u) * f(x / f(u - 1)));
}

/**
 * float32 logistic 1/(1 + e^{−x}) in float32 arithmetic: with e = expf(−|x|), 1/(1 + e) for x ≥ 0 and e/(1 + e) below,
 * so e^{−|x|} never overflows. The wasm SIMD lowering computes the same operations.
 */
export function logisticf(x: number): number {
  const f = Math.fround;
  const e = expf(-Math.abs(x));
  const d = f(1 + e);
  return x >= 0 ? f(1 / d) : f(e / d);
}

/**
 * erfinv for float32 results: the same guess with one Newton step (relative error ~1e-14 before the float32 rounding,
 * so the rounded value is that of {@link erfinv} but for ties ~1e-7 of an ulp wide), at about half the cost.
 */
export function erfinvf(y: number): number {
  return erfinv(y, 1);
}

/**
 * float32 sin and cos of a float32 x with |x| ≤ `limit`, in float64 arithmetic: Cody–Waite reduction (W. J. Cody and
 * W. Waite, "Software Manual for the Elementary Functions", 1980) by π/4 = p1 + p2, where p1 keeps 32 significant
 * bits so that y·p1 is exact for the even multiples y ≤ limit·4/π + 2 used here, and p2 is the next 53 bits (what
 * is left, ~2^-89, is below every float32 result's rounding for |x| ≤ limit); the reduced r ∈ [−π/4, π/4] goes
 * through the Taylor polynomial of sin or cos to r^11 or r^10 (truncation below 2^-33), then one rounding to float32.
 * Beyond `limit`, NaN and ±∞ use `Math.sin`/`Math.cos` rounded to float32. The wasm SIMD lowering runs the same float64
 * operations in the same order, so eager and jitted float32 sin and cos agree bit for bit; within 1 ulp of the rounded
 * results (checked exhaustively for every float32 |x| ≤ limit).
 */
export const SINCOSF = {
  limit: 16384,
  fourOverPi: 1.2732395447351628,
  p1: 0.7853981633670628,
  p2: 3.038550253253096e-11,
  /** sin r = r + r·z·S(z) with z = r², S's coefficients from the lowest power: −1/3!, 1/5!, … */
  sin: [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800],
  /** cos r = 1 + z·C(z): −1/2!, 1/4!, … */
  cos: [-1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800],
} as const;
const [S0, S1, S2, S3, S4] = SINCOSF.sin;
const [C0, C1, C2, C3, C4] = SINCOSF.cos;

/** float32 sin (`cosine` false) or cos of a float32 value (see {@link SINCOSF}). */
function sincosf(x: number, cosine: boolean): number {
  const ax = Math.abs(x);
  if (!(ax <= SINCOSF.limit)) return Math.fround(cosine ? Math.cos(x) : Math.sin(x));
  // y: the nearest even multiple of π/4 at or above ax·4/π rounded down; q = y/2 counts quarter turns.
  const y = Math.floor((Math.floor(ax * SINCOSF.fourOverPi) + 1) * 0.5) * 2;
  const r = ax - y * SINCOSF.p1 - y * SINCOSF.p2;
  const z = r * r;
  const q = y * 0.5;
  const odd = q - Math.floor(q * 0.5) * 2;
  const halfTurns = Math.floor(q * 0.5);
  const flip = halfTurns - Math.floor(halfTurns * 0.5) * 2;
  const useCos = cosine ? odd === 0 : odd !== 0;
  const v = useCos ? 1 + z * (C0 + z * (C1 + z * (C2 + z * (C3 + z * C4)))) : r + r * z * (S0 + z * (S1 + z * (S2 + z * (S3 + z * S4))));
  const negate = cosine ? flip !== odd : (flip !== 0) !== (x < 0 || Object.is(x, -0));
  return Math.fround(negate ? -v : v);
}

/** float32 sin in float64 arithmetic, rounded once ({@link SINCOSF}). */
export function sinf(x: number): number {
  return sincosf(x, false);
}

/** float32 cos in float64 arithmetic, rounded once ({@link SINCOSF}). */
export function cosf(x: number): number {
  return sincosf(x, true);
}

/** Helpers visible to generated kernels as `H.name`. */
export const SPECIAL = { erf, erfinv, erfinvf, roundHalfEven, tanhf, expf, logf, log1pf, logisticf, sinf, cosf };
