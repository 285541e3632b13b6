// Control flow: scan/cond/switch/whileLoop/foriLoop values, gradients (both scan directions), vmap and jit.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, grad, jit, lax, np, vmap } from "../src/index.ts";
import { checkGrads } from "../src/testing.ts";
import { expectClose, randn } from "./helpers.ts";

const f64 = (x: unknown) => np.array(x as any, { dtype: "float64" });

/** One denoising-style step: x ← x − 0.1·tanh(x·w + t) (a stand-in for a diffusion update). */
const step = (x: Array, w: Array, t: number | Array) => np.sub(x, np.mul(np.tanh(np.add(np.matmul(x, w), t)), 0.1));

describe("scan", () => {
  it("carries state and stacks outputs (forward and reverse)", () => {
    const xs = np.arange(5).astype("float64");
    const [c, ys] = lax.scan((carry: Array, x: Array) => [np.add(carry, x), carry], f64(0), xs);
    expect(c.item()).toBe(10);
    expect(ys.toArray()).toEqual([0, 0, 1, 3, 6]);
    const [c2, ys2] = lax.scan((carry: Array, x: Array) => [np.add(carry, x), carry], f64(0), xs, { reverse: true });
    expect(c2.item()).toBe(10);
    expect(ys2.toArray()).toEqual([10, 9, 7, 4, 0]);
  });

  it("a 20-step chain under scan equals the unrolled loop, eagerly and under jit", () => {
    const x0 = randn([4, 3]);
    const w = randn([3, 3]);
    const ts = np.linspace(1, 0, 20, { dtype: "float64" });
    let unrolled = x0;
    for (let i = 0; i < 20; i++) unrolled = step(unrolled, w, np.reshape(np.slice(ts, [i, i + 1]), []));
    const chain = (x: Array, wt: Array) => lax.scan((c: Array, t: Array) => [step(c, wt, t), null], x, ts)[0];
    expectClose(chain(x0, w), unrolled, 1e-14, 1e-14);
    expectClose(jit(chain)(x0, w), unrolled, 1e-14, 1e-14);
    expect(jit(chain).lower(x0, w).toString()).toMatch(/scan\[/);
  });

  it("gradients through scan match finite differences, both directions, to second order", () => {
    const w = randn([3, 3]);
    const xs = randn([6, 3]);
    for (const reverse of [false, true]) {
      const f = (c0: Array, wt: Array, xseq: Array) =>
        lax.scan((c: Array, x: Array) => [np.tanh(np.add(np.matmul(c, wt), x)), np.sum(np.sin(c))], c0, xseq, { reverse });
      checkGrads((c0: Array, wt: Array, xseq: Array) => f(c0, wt, xseq), [randn([3]), w, xs], { order: 2, atol: 1e-5, rtol: 1e-5 });
    }
  });

  it("gradient through a 20-step scan equals the gradient of the unrolled chain", () => {
    const x0 = randn([2, 3]);
    const w = randn([3, 3]);
    const ts = np.linspace(1, 0, 20, { dtype: "float64" });
    const viaScan = (wt: Array) => np.sum(lax.scan((c: Array, t: Array) => [step(c, wt, t), null], x0, ts)[0]);
    const viaLoop = (wt: Array) => {
      let x = x0;
      for (let i = 0; i < 20; i++) x = step(x, wt, np.reshape(np.slice(ts, [i, i + 1]), []));
      return np.sum(x);
    };
    expectClose(grad(viaScan)(w), grad(viaLoop)(w), 1e-12, 1e-10);
  });

  it("vmap of scan equals the loop, with batched carry and unbatched xs", () => {
    const xs = randn([5, 3]);
    const inits = randn([4, 3]);
    const f = (c0: Array) => lax.scan((c: Array, x: Array) => [np.sin(np.add(c, x)), np.sum(c)], c0, xs);
    const [cb, yb] = vmap(f)(inits);
    for (let i = 0; i < 4; i++) {
      const [c, y] = f(np.reshape(np.slice(inits, [i, i + 1]), [3]));
      expectClose(np.reshape(np.slice(cb, [i, i + 1]), [3]), c, 1e-14);
      expectClose(np.reshape(np.slice(yb, [i, i + 1]), [5]), y, 1e-14);
    }
  });

  it("rejects a carry that changes shape", () => {
    expect(() => lax.scan((c: Array, x: Array) => [np.concatenate([c, x]), null], np.zeros([2]), np.zeros([3, 1]))).toThrow(
      /lax\.scan: the carry f returns leaf 0 is float32\[3\] but the initial carry is float32\[2\]/,
    );
    expect(() => lax.scan((c: Array) => [c, null], np.zeros([2]), np.zeros([3, 1]), { length: 4 })).toThrow(DriftError);
  });
});

describe("cond and switch", () => {
  const branchy = (x: Array) => lax.cond(np.greater(np.sum(x), 0), (v: Array) => np.mul(np.sin(v), v), (v: Array) => np.exp(v), x);

  it("picks the branch by the predicate", () => {
    expectClose(branchy(f64([1, 2])), np.mul(np.sin(f64([1, 2])), f64([1, 2])));
    expectClose(branchy(f64([-1, -2])), np.exp(f64([-1, -2])));
    expect(lax.switch(5, [() => np.array(0), () => np.array(1), () => np.array(2)]).item()).toBe(2);
    expect(lax.switch(-3, [() => np.array(0), () => np.array(1)]).item()).toBe(0);
  });

  it("gradients through cond match finite differences on both branches (order 2)", () => {
    checkGrads(branchy, [f64([0.5, 1.5])], { order: 2 });
    checkGrads(branchy, [f64([-0.5, -1.5])], { order: 2 });
  });

  it("vmap with a batched predicate selects per example", () => {
    const xs = f64([[1, 2], [-1, -2], [3, -1]]);
    const out = vmap(branchy)(xs);
    const loop = np.stack([0, 1, 2].map((i) => branchy(np.reshape(np.slice(xs, [i, i + 1]), [2]))));
    expectClose(out, loop, 1e-14);
  });

  it("branches must agree on their outputs, and errors name the op and the branch", () => {
    expect(() => lax.cond(true, () => np.zeros([2]), () => np.zeros([3]))).toThrow(/lax\.cond: trueFn returns \(float32\[2\]\) but falseFn returns \(float32\[3\]\)/);
    expect(() => lax.switch(0, [() => np.zeros([2]), () => np.zeros([2]), () => np.zeros([2], { dtype: "int32" })])).toThrow(
      /lax\.switch: branch 2 returns \(int32\[2\]\) but branch 0 returns \(float32\[2\]\)/,
    );
    expect(() => lax.cond(true, (): unknown => [np.zeros([2])], (): unknown => np.zeros([2]))).toThrow(/lax\.cond: trueFn returns structure/);
  });

  it("takes integer switch indices and boolean or integer predicates, and refuses floats as JAX does", () => {
    const pick = (i: Array | number) => lax.switch(i, [() => np.array(10), () => np.array(11), () => np.array(12)]).item();
    expect(pick(np.array(1, { dtype: "int32" }))).toBe(11);
    expect(pick(np.array(7, { dtype: "uint32" }))).toBe(12);
    expect(pick(-1)).toBe(10);
    expect(() => pick(np.array(0.5))).toThrow(/lax\.switch: index must be an integer scalar \(int32 or uint32\); got float32/);
    expect(() => pick(np.array(true))).toThrow(/got bool \(use lax\.cond for a boolean\)/);
    expect(() => pick(1.5)).toThrow(/lax\.switch: index must be an integer; got 1\.5/);
    const which = (p: Array | boolean | number) => lax.cond(p, () => np.array(1), () => np.array(0)).item();
    // Integers are true when nonzero (negative ones too), as in JAX.
    expect([which(true), which(false), which(np.array(-2, { dtype: "int32" })), which(np.array(0, { dtype: "int32" })), which(3)]).toEqual([1, 0, 1, 0, 1]);
    expect(() => which(np.array(0.3))).toThrow(/lax\.cond: pred must be a boolean or integer scalar; got float32/);
    expect(() => which(0.5)).toThrow(/lax\.cond: pred must be a boolean or an integer; got 0\.5/);
    // Under jit the same rules hold, and an integer predicate still selects by nonzero.
    const jitted = jit((p: Array) => lax.cond(p, () => np.array(1), () => np.array(0)));
    expect(jitted(np.array(-5, { dtype: "int32" })).item()).toBe(1);
    expect(() => jitted(np.array(1.0))).toThrow(/lax\.cond: pred must be a boolean or integer scalar/);
  });
});

describe("whileLoop and foriLoop", () => {
  it("runs a data-dependent number of steps", () => {
    const collatz = (n: Array) =>
      lax.whileLoop(
        ([v]: Array[]) => np.greater(v!, 1),
        ([v, steps]: Array[]) => [np.where(np.equal(np.rem(v!, 2), 0), np.div(v!, 2).astype("int32"), np.add(np.mul(v!, 3), 1)), np.add(steps!, 1)],
        [n, np.array(0, { dtype: "int32" })],
      )[1]!;
    expect(collatz(np.array(6, { dtype: "int32" })).item()).toBe(8);
    expect(collatz(np.array(27, { dtype: "int32" })).item()).toBe(111);
    expect(jit(collatz)(np.array(7, { dtype: "int32" })).item()).toBe(16);
    expect(vmap(collatz)(np.array([6, 27, 1], { dtype: "int32" })).toArray()).toEqual([8, 111, 0]);
  });

  it("is forward-differentiable; reverse mode explains itself", () => {
    const f = (x: Array) => lax.whileLoop((c: Array) => np.less(np.sum(c), 10), (c: Array) => np.mul(c, 1.5), x);
    const x = f64([1, 2]);
    checkGrads(f, [x], { modes: ["fwd"], order: 2 });
    expect(() => grad((v: Array) => np.sum(f(v)))(x)).toThrow(/whileLoop: reverse-mode differentiation \(grad\/vjp\) is not supported/);
  });

  it("foriLoop with static bounds is a differentiable scan", () => {
    const f = (x: Array) => lax.foriLoop(0, 4, (i: Array, c: Array) => np.add(np.sin(c), np.mul(i.astype("float64"), 0.1)), x);
    checkGrads(f, [f64([0.3, -0.2])], { order: 2 });
    expect(lax.foriLoop(2, 5, (i: Array, c: Array) => np.add(c, i), np.array(0, { dtype: "int32" })).item()).toBe(9);
    expect(lax.foriLoop(np.array(2, { dtype: "int32" }), 5, (i: Array, c: Array) => np.add(c, i), np.array(0, { dtype: "int32" })).item()).toBe(9);
  });
});
