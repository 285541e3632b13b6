// Matmul epilogues: bias + activation (and more) fused into the wasm matmul's tile stores, in every layout and edge shape.
import { describe, expect, it } from "vitest";
import { type Array, jit, np, random } from "../src/index.ts";
import { compileJaxpr } from "../src/jit/compile.ts";
import { expectClose } from "./helpers.ts";

let seed = 0;
const f32 = (shape: number[]): Array => random.normal(random.key(300 + seed++), shape, { dtype: "float32" });

/** Compiles f, checks how many matmuls run an epilogue, and compares with eager (same k order: float32 exact). */
function check(f: (...xs: Array[]) => Array | Array[], epilogues: number, ...args: Array[]): void {
  const lowered = jit(f).lower(...args);
  const program = compileJaxpr(lowered.jaxpr);
  expect(program.kernels.epilogues).toBe(epilogues);
  const got = program.run([...(lowered.consts as any), ...args] as any);
  const wantRaw = f(...args);
  const want = globalThis.Array.isArray(wantRaw) ? wantRaw : [wantRaw];
  want.forEach((w, i) => {
    expect(got[i]!.dtype).toBe(w.dtype);
    expectClose(got[i]!, w, 1e-6, 1e-6);
  });
}

describe("matmul → bias → relu runs as one kernel", () => {
  const dense = (x: Array, w: Array, b: Array) => np.maximum(np.add(np.matmul(x, w), b), 0);
  for (const [m, k, n] of [
    [5, 7, 3],
    [9, 16, 13],
    [4, 3, 8],
    [33, 65, 17],
    [64, 64, 64],
    [3, 1, 1],
  ] as const)
    it(`${m}×${k}×${n}`, () => check(dense, 1, f32([m, k]), f32([k, n]), f32([n])));

  it("in every operand layout", () => {
    const [m, k, n] = [11, 9, 14];
    check((a, w, b) => np.maximum(np.add(np.matmul(a.T, w), b), 0), 1, f32([k, m]), f32([k, n]), f32([n]));
    check((a, w, b) => np.maximum(np.add(np.matmul(a, w.T), b), 0), 1, f32([m, k]), f32([n, k]), f32([n]));
    check((a, w, b) => np.maximum(np.add(np.matmul(a.T, w.T), b), 0), 1, f32([k, m]), f32([n, k]), f32([n]));
  });
});

describe("other epilogues", () => {
  it("column broadcasts, literals, transcendental ops and several outputs (a bool mask among them)", () => {
    const f = (x: Array, w: Array, c: Array) => {
      const z = np.sub(np.mul(np.matmul(x, w), 0.5), c);
      return [np.tanh(z), np.greater(z, 0)];
    };
    check(f, 1, f32([10, 6]), f32([6, 7]), f32([10, 1]));
  });

  it("a residual read of another same-shape array", () => {
    check((x, w, r) => np.add(np.matmul(x, w), np.mul(r, 2)), 1, f32([12, 8]), f32([8, 12]), f32([12, 12]));
  });

  it("is not fused when the product itself is needed elsewhere", () => {
    const f = (x: Array, w: Array, b: Array) => {
      const p = np.matmul(x, w);
      return [p, np.maximum(np.add(p, b), 0)];
    };
    check(f, 0, f32([6, 5]), f32([5, 6]), f32([6]));
  });

  it("is not fused into a kernel that also reduces, which runs after the product instead", () => {
    check((x, w) => np.sum(np.square(np.matmul(x, w)), 0), 0, f32([8, 4]), f32([4, 8]));
  });
});
