// The op suite in float32 gives the same results with the wasm kernels installed and on the pure-JS reference path.
import { afterAll, describe, it } from "vitest";
import { type Array, jit } from "../src/index.ts";
import { setFloat32Matmul } from "../src/ops/linalg.ts";
import { matmulF32Batched } from "../src/backend/wasm/matmul.ts";
import { OP_CASES } from "./op-cases.ts";
import { expectClose } from "./helpers.ts";

const wasm = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, p: { transA: boolean; transB: boolean }) =>
  matmulF32Batched(a, b, batch, m, k, n, p);

describe("float32 op suite: wasm backend vs JS reference backend vs jit", () => {
  afterAll(() => setFloat32Matmul(wasm));
  for (const c of OP_CASES) {
    it(c.name, () => {
      const args = c.args().map((x: Array) => (x.dtype === "float64" ? x.astype("float32") : x));
      setFloat32Matmul(null);
      const reference = c.fn(...args);
      setFloat32Matmul(wasm);
      const fast = c.fn(...args);
      const compiled = jit(c.fn)(...args);
      expectClose(fast, reference, 1e-5, 1e-5);
      expectClose(compiled, fast, 1e-5, 1e-5);
    });
  }
});
