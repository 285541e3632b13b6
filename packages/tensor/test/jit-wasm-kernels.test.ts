// Wasm fused kernels equal the JS reference bit for bit on edge values (NaN, ±Inf, ±0, denormals), in every loop mode.
import { describe, expect, it } from "vitest";
import { type Array, jit, np } from "../src/index.ts";
import { compileJaxpr } from "../src/jit/compile.ts";

/** float32 edge values: zeros, ±1, halves (rounding ties), denormals, extremes, overflow/underflow arguments, NaN. */
const EDGES = [
  0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 0.25, 1e-7, -1e-7, Math.PI, 10, -10, 88.7, -87.3, 100, -104, 1e4, 3.4e38, -3.4e38,
  1.17549435e-38, 1e-40, -1e-40, 1.4e-45, Infinity, -Infinity, NaN, 0.999999, -0.999999, 2 ** 24 + 2, 7.9999995,
];
/** A shorter list for binary ops (all pairs are taken). */
const PAIR_EDGES = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-40, -1e-40, 3.4e38, 100, Infinity, -Infinity, NaN, 1e-7];

const f32 = (values: number[], shape?: number[]): Array => np.reshape(np.array(values, { dtype: "float32" }), shape ?? [values.length]);

/** Values equal as stored, with every NaN equal to every NaN (payloads may differ). */
function expectSameValues(got: Array, want: Array): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  const a = got.dataSync();
  const b = want.dataSync();
  for (let i = 0; i < b.length; i++) {
    const ok = Number.isNaN(b[i]!) ? Number.isNaN(a[i]!) : Object.is(a[i], b[i]);
    if (!ok) throw new Error(`element ${i}: jit gave ${a[i]}, eager ${b[i]}`);
  }
}

/** Compiles `f` for `args`, checks it runs as wasm kernels only, and compares jit with eager. */
function checkWasm(f: (...xs: Array[]) => Array, ...args: Array[]): void {
  const lowered = jit(f).lower(...args);
  const program = compileJaxpr(lowered.jaxpr);
  expect(program.kernels.js).toBe(0);
  expect(program.kernels.wasm).toBeGreaterThan(0);
  expectSameValues(program.run([...(lowered.consts as any), ...args] as any)[0]!, f(...args));
}

const pairs = (): [Array, Array] => {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const x of PAIR_EDGES) for (const y of PAIR_EDGES) xs.push(x), ys.push(y);
  return [f32(xs), f32(ys)];
};

describe("float32 unary ops in wasm equal the JS expressions (0 ulp)", () => {
  const ops: [string, (x: Array) => Array][] = [
    ["neg", np.neg], ["sign", np.sign], ["floor", np.floor], ["ceil", np.ceil], ["round", np.round], ["trunc", np.trunc],
    ["exp", np.exp], ["log", np.log], ["expm1", np.expm1], ["log1p", np.log1p], ["sin", np.sin], ["cos", np.cos],
    ["tanh", np.tanh], ["sqrt", np.sqrt], ["rsqrt", np.rsqrt], ["abs", np.abs], ["erf", np.erf], ["erfinv", np.erfinv],
    ["sigmoid", np.sigmoid], ["softplus", np.softplus], ["square", np.square], ["isfinite", np.isfinite],
  ];
  for (const [name, op] of ops) it(name, () => checkWasm(op, f32(EDGES)));
});

describe("float32 binary ops in wasm equal the JS expressions on all pairs of edge values", () => {
  const ops: [string, (x: Array, y: Array) => Array][] = [
    ["add", np.add], ["sub", np.sub], ["mul", np.mul], ["div", np.div], ["pow", np.pow], ["maximum", np.maximum], ["minimum", np.minimum],
    ["rem", np.rem], ["greater", np.greater], ["less", np.less], ["greaterEqual", np.greaterEqual], ["lessEqual", np.lessEqual],
    ["equal", np.equal], ["notEqual", np.notEqual], ["where", (x, y) => np.where(np.greater(x, y), x, y)],
    ["clip", (x, y) => np.clip(x, np.minimum(y, 0), 1)],
  ];
  for (const [name, op] of ops) it(name, () => checkWasm(op, ...pairs()));
});

describe("integer, bool and cast ops in wasm", () => {
  const ints = [0, 1, -1, 7, -8, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321, 31, 32, 65535, 2 ** 30];
  const i32 = (dtype: "int32" | "uint32" = "int32"): Array => np.array(ints.map((v) => (dtype === "uint32" ? v >>> 0 : v)), { dtype });
  const j32 = (dtype: "int32" | "uint32" = "int32"): Array => np.array([...ints].reverse().map((v) => (dtype === "uint32" ? v >>> 0 : v)), { dtype });
  for (const dtype of ["int32", "uint32"] as const) {
    it(`${dtype} arithmetic, bitwise and comparisons wrap as in JS`, () => {
      checkWasm((a, b) => np.add(np.mul(a, b), np.sub(a, b)), i32(dtype), j32(dtype));
      checkWasm((a, b) => np.bitwiseXor(np.bitwiseAnd(a, b), np.bitwiseOr(a, np.bitwiseNot(b))), i32(dtype), j32(dtype));
      checkWasm((a, b) => np.where(np.less(a, b), np.maximum(a, b), np.minimum(a, b)), i32(dtype), j32(dtype));
      checkWasm((a) => np.add(np.shiftLeft(a, 3), np.shiftRightLogical(a, 7)), i32(dtype));
      checkWasm((a) => np.shiftLeft(a, 40), i32(dtype));
      checkWasm((a) => np.add(np.abs(a), np.neg(a)), i32(dtype));
      checkWasm((a) => np.astype(a, "float32"), i32(dtype));
    });
  }
  it("float32 → int32 and uint32 truncate and saturate, NaN → 0 (XLA's rule), in wasm as in eager", () => {
    const x = f32(EDGES);
    checkWasm((a) => np.astype(a, "int32"), x);
    checkWasm((a) => np.astype(a, "uint32"), x);
    checkWasm((a) => np.astype(np.mul(a, 3e9), "int32"), f32([-1, -0.5, 0.5, 1, 0.7, -0.7]));
    checkWasm((a) => np.add(np.astype(np.floor(np.mul(a, 10)), "int32"), 1), x);
  });
  it("bool logic and casts between bool, int and float32", () => {
    const p = np.array([true, false, true, true, false, false, true, false, true]);
    const q = np.array([true, true, false, true, false, true, false, false, true]);
    checkWasm((a, b) => np.logicalXor(np.logicalAnd(a, b), np.logicalOr(np.logicalNot(a), b)), p, q);
    checkWasm((a, b) => np.equal(a, np.logicalNot(b)), p, q);
    checkWasm((a) => np.astype(a, "float32"), p);
    checkWasm((a) => np.astype(a, "int32"), p);
    checkWasm((x) => np.astype(x, "bool"), f32(EDGES));
    checkWasm((a) => np.astype(np.astype(a, "uint32"), "int32"), i32());
  });
});

describe("loop modes: contiguous with tails, broadcasts, strided views, lane-0 mode", () => {
  const values = (n: number, seed: number): number[] => globalThis.Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 43758.5453 % 7);
  it("1-D lengths around the vector width", () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 33]) checkWasm((x, y) => np.tanh(np.add(np.mul(x, y), 1)), f32(values(n, 1)), f32(values(n, 2)));
  });
  it("row, column and scalar broadcasts, with inner sizes divisible by 4 and not", () => {
    for (const [r, c] of [[5, 8], [5, 6], [3, 1], [1, 7], [256, 6]]) {
      const x = f32(values(r * c, 3), [r, c]);
      checkWasm((x, row, col) => np.sub(np.mul(x, row), np.maximum(col, 0.5)), x, f32(values(c, 4)), f32(values(r, 5), [r, 1]));
    }
  });
  it("transposed, sliced and broadcast views fused as strided reads", () => {
    const x = f32(values(24, 6), [4, 6]);
    checkWasm((x) => np.add(np.transpose(x), 1), x);
    checkWasm((x) => np.mul(np.slice(x, [1, 4], [null, null, 2]), 2), x);
    checkWasm((x) => np.exp(np.broadcastTo(np.reshape(np.slice(x, [0, 1]), [1, 6]), [3, 6])), x);
  });
  it("several outputs of one kernel and values used twice", () => {
    const f = (x: Array, y: Array) => {
      const t = np.mul(x, y);
      return np.add(np.sum(np.reshape(t, [-1])), np.sum(np.reshape(np.sqrt(np.abs(t)), [-1])));
    };
    checkWasm(f, f32(values(40, 7), [8, 5]), f32(values(40, 8), [8, 5]));
  });
});

describe("reductions fused into kernels", () => {
  const x = np.reshape(np.array(globalThis.Array.from({ length: 6 * 8 * 5 }, (_, i) => ((i * 37) % 23) - 11.5), { dtype: "float32" }), [6, 8, 5]);
  it("max and min equal eager exactly over every axis pattern, NaN propagating", () => {
    for (const axes of [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
      checkWasm((x) => np.max(np.mul(x, 2), axes), x);
      checkWasm((x) => np.min(np.sub(x, 1), axes), x);
    }
    checkWasm((x) => np.max(x, 1), f32([1, NaN, 3, -Infinity, 5, 6, NaN, 8], [2, 4]));
  });
  it("sums match eager to float32 rounding (float64 accumulation in another order)", () => {
    for (const axes of [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
      const f = (x: Array) => np.sum(np.exp(np.mul(x, 0.1)), axes);
      const program = compileJaxpr(jit(f).lower(x).jaxpr);
      expect(program.kernels).toMatchObject({ wasm: 1, js: 0 });
      const got = program.run([x] as any)[0]!.dataSync();
      const want = f(x).dataSync();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(2 ** -23 * Math.abs(want[i]!));
    }
  });
});
