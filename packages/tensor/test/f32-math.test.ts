// float32 tanh, exp, log, log1p, logistic, erfinv, sin and cos: within 1 ulp of the correctly rounded results, edge cases kept, and jit (wasm SIMD) equal to eager bit for bit.
import { describe, expect, it } from "vitest";
import { jit, np } from "../src/index.ts";
import { compileJaxpr } from "../src/jit/compile.ts";
import { SINCOSF, cosf, erfinv, erfinvf, expf, log1pf, logf, logisticf, sinf, tanhf } from "../src/backend/special.ts";

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const ulps = (a: number, b: number): number => Math.abs((bitsOf(a) | 0) - (bitsOf(b) | 0));

/** Float32 values from their bit patterns: every `stride`-th pattern in [from, to), both signs. */
function sweep(from: number, to: number, stride: number): Float32Array {
  const bits: number[] = [];
  for (let b = from; b < to; b += stride) bits.push(b, (b | 0x80000000) >>> 0);
  return new Float32Array(Uint32Array.from(bits).buffer);
}

describe("float32 tanh", () => {
  it("is within 1 ulp of Math.tanh rounded to float32 from subnormals to saturation", () => {
    // Up to 10.0 (0x41200000): the polynomial, the exp branch and the start of saturation.
    const xs = sweep(0, 0x41200000, 4099);
    let worst = 0;
    for (const x of xs) worst = Math.max(worst, ulps(tanhf(x), Math.fround(Math.tanh(x))));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("keeps the edge cases: ±0, ±∞, NaN, the branch points", () => {
    expect(Object.is(tanhf(-0), -0)).toBe(true);
    expect(Object.is(tanhf(0), 0)).toBe(true);
    expect(tanhf(Infinity)).toBe(1);
    expect(tanhf(-Infinity)).toBe(-1);
    expect(tanhf(NaN)).toBeNaN();
    for (const x of [0.625, Math.fround(0.6249999), Math.fround(9.1), 9.125, 1e-40])
      for (const s of [x, -x]) expect(ulps(tanhf(s), Math.fround(Math.tanh(s)))).toBeLessThanOrEqual(1);
  });

  it("jit (wasm SIMD) equals eager bit for bit across the float32 range, NaN and ∞ included", () => {
    // Bit patterns spread over all of uint32 (both signs, subnormals, NaNs), plus a length that leaves a partial vector.
    const xs = np.array(sweep(0, 0x80000000, 65537).subarray(0, 65535));
    const eager = np.tanh(xs).dataSync();
    const jitted = jit((x: np.Array) => np.tanh(x))(xs).dataSync();
    let mismatches = 0;
    eager.forEach((v, i) => {
      if (!(Object.is(v, jitted[i]) || (Number.isNaN(v) && Number.isNaN(jitted[i]!)))) mismatches++;
    });
    expect(mismatches).toBe(0);
    // And through a fused kernel with other work (GELU-tanh's inner expression).
    const x = np.array(sweep(0x30000000, 0x41000000, 1 << 14));
    const gelu = (v: np.Array) => np.mul(np.mul(v, 0.5), np.add(1, np.tanh(np.mul(0.7978845608, np.add(v, np.mul(0.044715, np.mul(v, np.mul(v, v))))))));
    expect(Array.from(jit(gelu)(x).dataSync())).toEqual(Array.from(gelu(x).dataSync()));
  });
});

/** Bit patterns spread over all of uint32 (both signs, subnormals, NaNs), with a length that leaves a partial vector. */
const allPatterns = (): Float32Array => new Float32Array(Uint32Array.from({ length: 65535 }, (_, i) => (i * 65537 + 12345) >>> 0).buffer);

function expectJitEqualsEager(op: (x: np.Array) => np.Array, xs: Float32Array): void {
  const x = np.array(xs);
  const eager = op(x).dataSync();
  const jitted = jit(op)(x).dataSync();
  let mismatches = 0;
  eager.forEach((v, i) => {
    if (!(Object.is(v, jitted[i]) || (Number.isNaN(v) && Number.isNaN(jitted[i]!)))) mismatches++;
  });
  expect(mismatches).toBe(0);
}

describe("float32 exp", () => {
  it("is within 1 ulp of Math.exp rounded to float32, subnormal results included", () => {
    // |x| up to 128 (0x43000000): overflow above 88.72, subnormal results below −87.3, zero below −103.97.
    const xs = sweep(0, 0x43000000, 4111);
    let worst = 0;
    for (const x of xs) worst = Math.max(worst, ulps(expf(x), Math.fround(Math.exp(x))));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("keeps the edge cases: ±0, ±∞, NaN, overflow and underflow thresholds", () => {
    expect(expf(0)).toBe(1);
    expect(expf(-0)).toBe(1);
    expect(expf(Infinity)).toBe(Infinity);
    expect(expf(-Infinity)).toBe(0);
    expect(expf(NaN)).toBeNaN();
    expect(expf(Math.fround(88.7229))).toBe(Infinity);
    expect(expf(Math.fround(88.72283))).toBe(Math.fround(Math.exp(Math.fround(88.72283))));
    expect(expf(Math.fround(-103.97))).toBe(2 ** -149);
    expect(expf(Math.fround(-103.98))).toBe(0);
  });

  it("jit (wasm SIMD) equals eager bit for bit across the float32 range, and inside fused kernels", () => {
    expectJitEqualsEager((x) => np.exp(x), allPatterns());
    const x = sweep(0x30000000, 0x42c00000, 1 << 14);
    expectJitEqualsEager((v) => np.div(np.exp(np.neg(v)), np.add(np.exp(v), 1)), x);
    expectJitEqualsEager((v) => np.tanh(np.exp(np.mul(v, 0.1))), x);
  });
});

describe("float32 log", () => {
  it("is within 1 ulp of Math.log rounded to float32 over every positive float32 magnitude, subnormals included", () => {
    let worst = 0;
    const bits = new Uint32Array(1);
    const x = new Float32Array(bits.buffer);
    for (let b = 1; b < 0x7f800000; b += 4127) {
      bits[0] = b;
      worst = Math.max(worst, ulps(logf(x[0]!), Math.fround(Math.log(x[0]!))));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("keeps the edge cases: ln 1 = 0, ±0 → −∞, ∞ → ∞, negatives and NaN → NaN", () => {
    expect(Object.is(logf(1), 0)).toBe(true);
    expect(logf(0)).toBe(-Infinity);
    expect(logf(-0)).toBe(-Infinity);
    expect(logf(Infinity)).toBe(Infinity);
    expect(logf(-1)).toBeNaN();
    expect(logf(-Infinity)).toBeNaN();
    expect(logf(NaN)).toBeNaN();
    expect(logf(2 ** -149)).toBe(Math.fround(Math.log(2 ** -149)));
  });

  it("jit (wasm SIMD) equals eager bit for bit across the float32 range, and inside fused kernels", () => {
    expectJitEqualsEager((x) => np.log(x), allPatterns());
    const x = sweep(0x30000000, 0x42c00000, 1 << 14);
    expectJitEqualsEager((v) => np.log(np.add(np.exp(np.neg(np.abs(v))), 1)), x);
    expectJitEqualsEager((v) => np.log(np.sub(1, np.square(np.tanh(v)))), x);
  });
});

describe("float32 logistic", () => {
  it("is within 2 ulp of the float64 logistic rounded to float32, and keeps ±∞, ±0 and NaN", () => {
    const ref = (x: number): number => Math.fround(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    let worst = 0;
    for (const x of sweep(0, 0x42e00000, 4133)) worst = Math.max(worst, ulps(logisticf(x), ref(x)));
    expect(worst).toBeLessThanOrEqual(2);
    expect(logisticf(Infinity)).toBe(1);
    expect(logisticf(-Infinity)).toBe(0);
    expect(logisticf(0)).toBe(0.5);
    expect(logisticf(-0)).toBe(0.5);
    expect(logisticf(NaN)).toBeNaN();
  });

  it("jit (wasm SIMD) equals eager bit for bit across the float32 range", () => {
    expectJitEqualsEager((x) => np.sigmoid(x), allPatterns());
    expectJitEqualsEager((v) => np.mul(v, np.sigmoid(np.mul(v, 1.702))), sweep(0x30000000, 0x42c00000, 1 << 14));
  });
});

describe("float32 erfinv", () => {
  it("one Newton step rounds to the same float32 as two, and jit equals eager", () => {
    let differing = 0;
    for (let i = 0; i < 200_000; i++) {
      const y = Math.fround((i + 0.5) / 100_000 - 1);
      if (Math.fround(erfinvf(y)) !== Math.fround(erfinv(y))) differing++;
    }
    expect(differing).toBe(0);
    expectJitEqualsEager((x) => np.erfinv(x), sweep(0, 0x3f800001, 1 << 10));
  });
});

describe("float32 log1p", () => {
  it("is within 2 ulp of Math.log1p rounded to float32 above −1, and keeps −1, ∞, NaN and tiny x", () => {
    let worst = 0;
    for (const x of sweep(0, 0x7f800000, 4133)) if (x > -1) worst = Math.max(worst, ulps(log1pf(x), Math.fround(Math.log1p(x))));
    expect(worst).toBeLessThanOrEqual(2);
    expect(log1pf(-1)).toBe(-Infinity);
    expect(log1pf(Infinity)).toBe(Infinity);
    expect(log1pf(-2)).toBeNaN();
    expect(log1pf(NaN)).toBeNaN();
    expect(log1pf(Math.fround(1e-30))).toBe(Math.fround(1e-30));
    expect(Object.is(log1pf(-0), -0)).toBe(true);
  });

  it("jit (wasm SIMD) equals eager bit for bit, softplus included", () => {
    expectJitEqualsEager((x) => np.log1p(x), allPatterns());
    expectJitEqualsEager((v) => np.softplus(v), sweep(0x30000000, 0x42c00000, 1 << 14));
  });
});


describe("float32 sin and cos", () => {
  it("are within 1 ulp of Math.sin and Math.cos rounded to float32 up to the reduction's limit, then equal to them", () => {
    // Every 4099th bit pattern from 0 to 2 · limit, both signs (an exhaustive run over all 1.18e9 magnitudes ≤ limit,
    // outside the tests, found no result further than 1 ulp).
    const xs = sweep(0, 0x47000001, 4099);
    let worst = 0;
    for (const x of xs) {
      worst = Math.max(worst, ulps(sinf(x), Math.fround(Math.sin(x))), ulps(cosf(x), Math.fround(Math.cos(x))));
      if (Math.abs(x) > SINCOSF.limit) {
        expect(sinf(x)).toBe(Math.fround(Math.sin(x)));
        expect(cosf(x)).toBe(Math.fround(Math.cos(x)));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("keep the edge cases: sin(±0) = ±0, cos(±0) = 1, ±∞ and NaN → NaN, the limit and huge arguments", () => {
    expect(Object.is(sinf(-0), -0)).toBe(true);
    expect(Object.is(sinf(0), 0)).toBe(true);
    expect([cosf(0), cosf(-0)]).toEqual([1, 1]);
    for (const x of [Infinity, -Infinity, NaN]) expect([sinf(x), cosf(x)]).toEqual([NaN, NaN]);
    for (const x of [SINCOSF.limit, Math.fround(SINCOSF.limit * (1 + 2 ** -23)), 1e30, -3.4e38, 2 ** -149, Math.fround(Math.PI), Math.fround(Math.PI / 2)])
      for (const v of [x, -x]) {
        expect(ulps(sinf(v), Math.fround(Math.sin(v)))).toBeLessThanOrEqual(1);
        expect(ulps(cosf(v), Math.fround(Math.cos(v)))).toBeLessThanOrEqual(1);
      }
  });

  it("jit (wasm SIMD) equals eager bit for bit across the float32 range, and inside fused kernels", () => {
    expectJitEqualsEager((x) => np.sin(x), allPatterns());
    expectJitEqualsEager((x) => np.cos(x), allPatterns());
    // A vector with one lane beyond the limit (the imported routine) among reduced ones, and fused embeddings.
    expectJitEqualsEager((x) => np.add(np.sin(x), np.cos(x)), new Float32Array([0.5, 1e6, -3, 16384, 16385, -0, 7, NaN, 2]));
    const t = sweep(0x30000000, 0x46000000, 1 << 14);
    expectJitEqualsEager((v) => np.mul(np.sin(np.mul(v, 3)), np.cos(np.add(v, 1))), t);
  });

  it("run as wasm SIMD under jit, not per-lane calls, when every lane is within the limit", () => {
    const x = np.array(sweep(0x30000000, 0x46000000, 1 << 12));
    const f = jit((v: np.Array) => np.add(np.sin(v), np.cos(v)));
    const lowered = f.lower(x);
    const program = compileJaxpr(lowered.jaxpr);
    expect(program.kernels).toMatchObject({ wasm: 1, js: 0 });
  });
});
