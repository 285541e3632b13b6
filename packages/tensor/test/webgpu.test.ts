// The shared op and transformation suite on the WebGPU backend (a software Vulkan adapter in CI), against the CPU backend.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, deviceGet, devicePut, grad, initWebgpu, jit, lax, np, random, vmap } from "../src/index.ts";
import { bind, bind1 } from "../src/core/tensor.ts";
import { scatterAddPrim } from "../src/ops/indexing.ts";
import { padPrim } from "../src/ops/movement.ts";
import { threefryPrim } from "../src/random/random.ts";
import { OP_CASES } from "./op-cases.ts";
import { expectClose } from "./helpers.ts";

/** Adapter for the suite: any adapter, software included (correctness only); null with the reason when none exists. */
const ready = await initWebgpu({ allowFallback: true }).then(
  (w) => w,
  (e: Error) => {
    // CI installs a software Vulkan driver (.ci/install-webgpu) and then requires an adapter.
    if (process.env.DRIFT_REQUIRE_WEBGPU) throw new Error(`DRIFT_REQUIRE_WEBGPU is set but no WebGPU adapter was found: ${e.message}`);
    console.warn(`webgpu tests skipped: ${e.message}`);
    return null;
  },
);

/**
 * Tolerances (absolute, relative) per op where float32 GPU math differs from the CPU's float64-evaluated float32
 * results: transcendentals go through the driver's approximations, sums accumulate in float32 in another order.
 */
const TOLERANCE: Record<string, [number, number]> = {
  exp: [1e-5, 1e-5],
  erf: [5e-7, 1e-5],
  erfinv: [1e-6, 1e-5],
  pow: [1e-5, 1e-5],
  logsumexp: [1e-5, 1e-5],
  softmax: [1e-6, 1e-5],
  logSoftmax: [1e-5, 1e-5],
  var: [1e-5, 1e-4],
  std: [1e-5, 1e-4],
};
const DEFAULT_TOLERANCE: [number, number] = [1e-5, 1e-5];
/** Cases that build float64 arrays inside (not from their arguments): the GPU must refuse them with the float64 error. */
const FLOAT64_INSIDE = new Set(["oneHot-dot"]);
/** Cases whose primitives have no WGSL lowering (the dense solvers and factorizations): the GPU must refuse them clearly. */
const CPU_ONLY = new Set(["linalg.solve", "linalg.solveTriangular", "linalg.inv det slogdet", "linalg.cholesky", "linalg.eigh", "linalg.qr"]);

const f32 = (xs: Array[]): Array[] => xs.map((x) => (x.dtype === "float64" ? x.astype("float32") : x));

async function expectSame(got: Array, want: Array, [atol, rtol]: [number, number]): Promise<void> {
  const back = await deviceGet(got);
  expect(back.dtype).toBe(want.dtype);
  expectClose(back, want, atol, rtol);
}

describe.skipIf(!ready)("webgpu: op suite (eager, jit and gradients) equals the CPU backend", () => {
  for (const c of OP_CASES) {
    const tol = TOLERANCE[c.name] ?? DEFAULT_TOLERANCE;
    if (FLOAT64_INSIDE.has(c.name)) {
      it(`${c.name} (float64 inside: refused)`, () => {
        const args = f32(c.args());
        expect(() => c.fn(...devicePut(args, "webgpu"))).toThrow(/float64 is not supported on webgpu/);
        expect(() => jit(c.fn, { backend: "webgpu" })(...args)).toThrow(/float64 is not supported on webgpu/);
      });
      continue;
    }
    if (CPU_ONLY.has(c.name)) {
      it(`${c.name} (no WGSL lowering: refused)`, () => {
        const args = f32(c.args());
        expect(() => c.fn(...devicePut(args, "webgpu"))).toThrow(/has no WebGPU lowering yet/);
        expect(() => jit(c.fn, { backend: "webgpu" })(...args)).toThrow(/has no WebGPU lowering yet/);
      });
      continue;
    }
    it(c.name, async () => {
      const args = f32(c.args());
      const want = c.fn(...args);
      await expectSame(c.fn(...devicePut(args, "webgpu")), want, tol);
      await expectSame(jit(c.fn, { backend: "webgpu" })(...args), want, tol);
      if (c.differentiable !== false && args.every((a) => a.dtype === "float32")) {
        const loss = (...xs: Array[]) => np.sum(c.fn(...xs).astype("float32"));
        const gWant = grad(loss)(...args);
        await expectSame(jit(grad(loss), { backend: "webgpu" })(...args), gWant, [Math.max(tol[0], 1e-5), Math.max(tol[1], 1e-4)]);
      }
    });
  }
});

describe.skipIf(!ready)("webgpu: transformations and control flow", () => {
  it("vmap of a jitted function equals a loop", async () => {
    const f = (x: Array, w: Array) => np.tanh(np.matmul(x, w)).sum();
    const xs = random.normal(random.key(0), [5, 3, 4]);
    const w = random.normal(random.key(1), [4, 2]);
    const got = await deviceGet(jit(vmap(f, { inAxes: [0, null] }), { backend: "webgpu" })(xs, w));
    const want = np.stack(globalThis.Array.from({ length: 5 }, (_, i: number) => f(np.reshape(np.slice(xs, [i, i + 1]), [3, 4]), w)));
    expectClose(got, want, 1e-5, 1e-5);
  });

  it("scan (both directions) and its gradient equal the CPU backend", async () => {
    const f = (c0: Array, xs: Array, reverse: boolean) =>
      lax.scan((c: Array, x: Array) => [np.add(np.mul(c, 0.9), np.sin(x)), np.mul(c, x)] as [Array, Array], c0, xs, { reverse });
    const c0 = random.normal(random.key(2), [3]);
    const xs = random.normal(random.key(3), [6, 3]);
    for (const reverse of [false, true]) {
      const [c, ys] = f(c0, xs, reverse);
      const [gc, gys] = await deviceGet(jit((a: Array, b: Array) => f(a, b, reverse), { backend: "webgpu" })(c0, xs));
      expectClose(gc, c, 1e-5, 1e-5);
      expectClose(gys, ys, 1e-5, 1e-5);
      const loss = (a: Array, b: Array) => {
        const [cc, yy] = f(a, b, reverse);
        return np.sum(cc).add(np.sum(np.square(yy)));
      };
      const want = grad(loss, { argnums: [0, 1] })(c0, xs) as unknown as Array[];
      const got = await deviceGet(jit(grad(loss, { argnums: [0, 1] }), { backend: "webgpu" })(c0, xs) as unknown as Array[]);
      expectClose(got[0]!, want[0]!, 1e-5, 1e-4);
      expectClose(got[1]!, want[1]!, 1e-5, 1e-4);
    }
  });

  it("cond picks the branch of the data", async () => {
    const f = (p: Array, x: Array) => lax.cond(np.greater(np.sum(p), 0), (y: Array) => np.exp(y), (y: Array) => np.neg(y), x);
    const x = np.array([0.5, -1.5, 2]);
    for (const p of [np.array([1.0]), np.array([-1.0])]) expectClose(await deviceGet(jit(f, { backend: "webgpu" })(p, x)), f(p, x), 1e-6, 1e-6);
  });

  it("PRNG draws equal the CPU's bit for bit", async () => {
    const f = (k: Array) => [random.uniform(k, [1000]), random.bits(random.foldIn(k, 3), [7])] as const;
    const key = random.key(42);
    const [u, b] = f(key);
    const [gu, gb] = await deviceGet(jit(f, { backend: "webgpu" })(key));
    expect(gu.dataSync()).toEqual(u.dataSync());
    expect(gb.dataSync()).toEqual(b.dataSync());
  });

  it("whileLoop and float64 give errors that say what to do instead", () => {
    const loop = (x: Array) => lax.whileLoop((c: Array) => np.less(np.sum(c), 10), (c: Array) => np.mul(c, 2), x);
    expect(() => jit(loop, { backend: "webgpu" })(np.array([1.0]))).toThrow(/whileLoop.*foriLoop or lax.scan/);
    expect(() => devicePut(np.array([1, 2], { dtype: "float64" }), "webgpu")).toThrow(/float64 is not supported on webgpu/);
    expect(() => np.add(1, 2).dataSync()).not.toThrow();
    const g = devicePut(np.array([1, 2]), "webgpu");
    expect(() => g.dataSync()).toThrow(DriftError);
    expect(() => g.item()).toThrow(/await x.data\(\)/);
  });
});

const i32 = (xs: unknown): Array => np.array(xs as any, { dtype: "int32" });
const u32 = (xs: unknown): Array => np.array(xs as any, { dtype: "uint32" });
const f32a = (xs: unknown): Array => np.array(xs as any, { dtype: "float32" });
const bools = (xs: unknown): Array => np.array(xs as any, { dtype: "bool" });

/** Runs `f` jitted on the GPU and asserts every output equals the CPU's bit for bit (dtype, shape and data). */
async function expectExact(f: (...xs: Array[]) => Array | Array[], ...args: Array[]): Promise<Array[]> {
  const want = f(...args);
  const wants = globalThis.Array.isArray(want) ? want : [want];
  const got = jit(f, { backend: "webgpu" })(...args);
  const gots = await deviceGet(globalThis.Array.isArray(got) ? got : [got]);
  expect(gots.length).toBe(wants.length);
  gots.forEach((g, i) => {
    expect(g.dtype).toBe(wants[i]!.dtype);
    expect(g.shape).toEqual(wants[i]!.shape);
    expect(g.dataSync()).toEqual(wants[i]!.dataSync());
  });
  return gots;
}

describe.skipIf(!ready)("webgpu: indexing, data movement, PRNG and integer ops equal the CPU bit for bit", () => {
  it("gather: negative indices count from the end, any dtype, uint32 and 2-D indices", async () => {
    const x = i32([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    const [g] = await expectExact((a, i) => np.take(a, i, 1), x, i32([-1, 0, -4, 3, 2, 2]));
    expect(globalThis.Array.from(g!.dataSync().subarray(0, 6))).toEqual([4, 1, 1, 4, 3, 3]);
    await expectExact((a, i) => np.take(a, i, 0), bools([[true, false], [false, true], [true, true]]), u32([[2, 0], [1, 1]]));
    await expectExact((a, i) => np.take(a, i), f32a([0.5, -0, NaN, Infinity]), i32([[3, -2], [1, 0]]));
    await expectExact((a, i) => np.takeAlongAxis(a, i, 0), x, i32([[2, -1, 0, 1]]));
  });

  it("scatter_add sums duplicate indices in index order (float32 exactly, int32 wrapping)", async () => {
    const w = f32a([0.1, 1e8, -1e8, 0.3, 3.7]);
    const loss = (x: Array, v: Array) => np.sum(np.mul(np.take(x, i32([1, 1, 1, -3, 0]), 0), v));
    await expectExact((x, v) => grad(loss)(x, v), f32a([1, 2, 3]), w);
    const scatter = (idx: Array, upd: Array) => bind1(scatterAddPrim, [idx, upd], { axis: 1, shape: [2, 3] });
    const [s] = await expectExact(scatter, i32([2, -1, 0]), i32([[2147483647, 1, 5], [-7, 3, 4]]));
    expect(globalThis.Array.from(s!.dataSync())).toEqual([5, 0, -2147483648, 4, 0, -4]);
  });

  it("dynamicSlice and dynamicUpdateSlice clamp traced start indices (int32 and uint32) like the CPU", async () => {
    const x = np.reshape(np.arange(20), [4, 5]);
    const u = i32([[-1, -2, -3], [-4, -5, -6]]);
    const ds = (a: Array, i: Array, j: Array) => lax.dynamicSlice(a, [i, j], [2, 3]);
    const dus = (a: Array, b: Array, i: Array, j: Array) => lax.dynamicUpdateSlice(a, b, [i, j]);
    for (const [i, j] of [[1, 1], [3, -1], [-5, 7], [100, 2]] as const) {
      await expectExact(ds, x, i32(i), i32(j));
      await expectExact(dus, x, u, i32(i), i32(j));
    }
    const [clamped] = await expectExact(ds, x, i32(3), i32(-1));
    expect(globalThis.Array.from(clamped!.dataSync())).toEqual([10, 11, 12, 15, 16, 17]);
    await expectExact(ds, x, u32(3000000000), u32(1));
  });

  it("concatenate, pad (lo/hi/interior, fill value) and rev move every dtype's words exactly", async () => {
    await expectExact((a, b, c) => np.concatenate([a, b, c], 1), i32([[1], [2]]), i32([[3, 4], [5, 6]]), i32([[7], [8]]));
    await expectExact((a) => np.pad(a, [[1, 0], [2, 1]], { constantValues: 1 }), bools([[true, false], [false, false]]));
    const [p] = await expectExact((a) => bind1(padPrim, [a], { lo: [1, 0], hi: [0, 2], interior: [1, 2], value: -7 }), i32([[1, 2], [3, 4]]));
    expect(p!.shape).toEqual([4, 6]);
    expect(globalThis.Array.from(p!.dataSync())).toEqual([-7, -7, -7, -7, -7, -7, 1, -7, -7, 2, -7, -7, -7, -7, -7, -7, -7, -7, 3, -7, -7, 4, -7, -7]);
    await expectExact((a) => np.flip(a, [0, 2]), np.reshape(np.arange(24), [2, 3, 4]));
    await expectExact((a) => np.add(a, np.reshape(np.array(2.5), [1, 1])), f32a([[1], [2]]));
  });

  it("cumsum, sum, max and min of integer and bool arrays wrap and compare like the CPU", async () => {
    const big = i32([[2147483647, 1, 5], [-2147483648, -1, 3]]);
    const [c] = await expectExact((a) => np.cumsum(a, 1), big);
    expect(globalThis.Array.from(c!.dataSync().subarray(0, 3))).toEqual([2147483647, -2147483648, -2147483643]);
    await expectExact((a) => np.cumsum(a, 0, { reverse: true }), big);
    await expectExact((a) => np.cumsum(a, 1), bools([[true, false, true], [true, true, true]]));
    await expectExact((a) => [np.sum(a, 1), np.sum(a), np.max(a, 0), np.min(a, 1)], big);
    const u = u32([[4000000000, 1, 3000000000], [7, 2147483648, 0]]);
    const [, , mx] = await expectExact((a) => [np.sum(a, 1), np.sum(a, 0), np.max(a, 1), np.min(a, 0)], u);
    expect(globalThis.Array.from(mx!.dataSync())).toEqual([4000000000, 2147483648]);
    await expectExact((a) => [np.sum(a, 0), np.max(a, 1), np.min(a, 1)], bools([[true, false], [true, true], [false, false]]));
  });

  it("argmax and argmin: first extreme wins, the first NaN wins outright", async () => {
    const x = f32a([[1, NaN, 3, NaN], [2, 5, 5, 1], [-Infinity, -Infinity, 0, 0]]);
    const [mx, mn] = await expectExact((a) => [np.argmax(a, 1), np.argmin(a, 1), np.argmax(a, 0), np.argmin(a, 0)], x);
    expect(globalThis.Array.from(mx!.dataSync())).toEqual([1, 1, 2]);
    expect(globalThis.Array.from(mn!.dataSync())).toEqual([1, 3, 0]);
    await expectExact((a) => [np.argmax(a, 1), np.argmin(a, 0)], u32([[1, 4000000000, 4000000000], [3, 2, 1]]));
    await expectExact((a) => [np.argmax(a, 0), np.argmin(a)], bools([[false, true], [true, true]]));
  });

  it("argsort is stable, puts NaNs last in both directions and handles any row length", async () => {
    const x = f32a([[3, NaN, -0, 1, 0, NaN, 1, -Infinity], [2, 2, 2, 2, 2, 2, 2, 2]]);
    const [asc, desc] = await expectExact((a) => [np.argsort(a, -1), np.argsort(a, -1, { descending: true })], x);
    expect(globalThis.Array.from(asc!.dataSync().subarray(0, 8))).toEqual([7, 2, 4, 3, 6, 0, 1, 5]);
    expect(globalThis.Array.from(desc!.dataSync().subarray(0, 8))).toEqual([0, 3, 6, 2, 4, 7, 1, 5]);
    const ints = np.rem(random.randint(random.key(7), [2, 1037], 0, 50), 50);
    await expectExact((a) => [np.argsort(a, 1), np.argsort(a, 0, { descending: true })], ints);
    await expectExact((a) => np.sort(a, 1), random.normal(random.key(8), [3, 129]));
    const eager = await deviceGet(np.argsort(devicePut(x, "webgpu"), -1));
    expect(eager.dataSync()).toEqual(asc!.dataSync());
  });

  it("threefry2x32 is bit-exact: Random123 vectors, broadcast keys, split, foldIn and permutation", async () => {
    const tf = (k0: Array, k1: Array, c0: Array, c1: Array) => bind(threefryPrim, [k0, k1, c0, c1], null);
    const [y0, y1] = await expectExact(tf, u32([0, 0xffffffff, 0x13198a2e]), u32([0, 0xffffffff, 0x03707344]), u32([0, 0xffffffff, 0x243f6a88]), u32([0, 0xffffffff, 0x85a308d3]));
    expect(globalThis.Array.from(y0!.dataSync())).toEqual([0x6b200159, 0x1cb996fc, 0xc4923a9c]);
    expect(globalThis.Array.from(y1!.dataSync())).toEqual([0x99ba4efe, 0xbb002be7, 0x483df7a0]);
    await expectExact(tf, u32([[5], [6]]), u32(9), u32([1, 2, 3]), u32([[0], [4000000000]]));
    const key = random.key(1234);
    await expectExact((k) => [random.bits(k, [3, 700]), random.split(k, 7), random.permutation(k, 50)], key);
    await expectExact((k, d) => random.bits(random.foldIn(k, d), [9]), key, u32(77));
    await expectExact((ks) => vmap((k: Array) => random.uniform(k, [5]))(ks), random.split(key, 4));
  });

  it("integer and bool matmul wrap and count like the CPU", async () => {
    const a = np.reshape(np.arange(24), [2, 3, 4]);
    const b = np.reshape(np.arange(40), [2, 4, 5]);
    await expectExact(np.matmul, a, b);
    await expectExact((p, q) => np.matmul(np.transpose(p, [0, 2, 1]), np.transpose(q, [0, 2, 1])), b, a);
    const [w] = await expectExact(np.matmul, i32([[70000, 3]]), i32([[70000], [1]]));
    expect(globalThis.Array.from(w!.dataSync())).toEqual([(70000 * 70000 + 3) | 0]);
    await expectExact(np.matmul, bools([[true, true], [false, true]]), bools([[true, false], [true, true]]));
  });

  it("oneHot in float32 feeds a dot product and its gradient", async () => {
    const f = (x: Array) => np.sum(np.mul(x, np.oneHot(i32([1, 0, 3]), 4)), -1);
    const x = random.normal(random.key(9), [3, 4]);
    await expectExact(f, x);
    await expectExact((v) => grad((u: Array) => np.sum(f(u)))(v), x);
  });
});
