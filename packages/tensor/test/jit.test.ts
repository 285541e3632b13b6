// jit equals eager on the whole op suite; caching, static arguments and composition with grad/vmap.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, grad, jit, lax, np, vmap } from "../src/index.ts";
import { OP_CASES } from "./op-cases.ts";
import { expectClose, randn } from "./helpers.ts";

describe("jit(f) equals f on every op", () => {
  for (const c of OP_CASES) {
    it(c.name, () => {
      const args = c.args();
      const eager = c.fn(...args);
      const jitted = jit(c.fn)(...args);
      expect(jitted.dtype).toBe(eager.dtype);
      expectClose(jitted, eager, 0, 0);
    });
  }
});

describe("jit semantics", () => {
  const f = (x: Array, w: Array) => np.sum(np.tanh(np.matmul(x, w)));

  it("traces once per signature and retraces on new shapes", () => {
    let traces = 0;
    const g = jit((x: Array) => {
      traces++;
      return np.mul(x, 2);
    });
    g(np.ones([3]));
    g(np.zeros([3]));
    expect(traces).toBe(1);
    g(np.ones([4]));
    g(np.ones([4], { dtype: "float64" }));
    expect(traces).toBe(3);
    expect(g.cacheSize).toBe(3);
  });

  it("tells apart calls that differ from the previous one only in a static leaf, a weak type, a dtype or a static argument", () => {
    let traces = 0;
    const g = jit(
      (t: { x: Array; mode: string }, k: number) => {
        traces++;
        return t.mode === "double" ? np.mul(t.x, 2 * k) : np.add(t.x, k);
      },
      { staticArgnums: 1 },
    );
    const x = np.array([1, 2]);
    const calls: [() => Array, number[], number][] = [
      [() => g({ x, mode: "double" }, 1), [2, 4], 1],
      [() => g({ x, mode: "double" }, 1), [2, 4], 1],
      [() => g({ x, mode: "add" }, 1), [2, 3], 2],
      [() => g({ x, mode: "add" }, 3), [4, 5], 3],
      [() => g({ x: np.array([1, 2], { dtype: "float64" }), mode: "add" }, 3), [4, 5], 4],
      [() => g({ x, mode: "double" }, 1), [2, 4], 4],
      [() => g({ x: np.array([1, 2], { dtype: "int32" }), mode: "double" }, 1), [2, 4], 5],
    ];
    for (const [call, want, tracesSoFar] of calls) {
      expect(call().toArray()).toEqual(want);
      expect(traces).toBe(tracesSoFar);
    }
    // A JS number argument is a weak-typed scalar, as in eager code (and JAX): an int32 array plus 2 stays int32. A
    // float32 array of the same shape is another signature.
    const h = jit((a: Array, b: Array | number) => np.add(a, b));
    const ints = np.array([1, 2], { dtype: "int32" });
    expect(h(ints, 2).dtype).toBe(np.add(ints, 2).dtype);
    expect(h(ints, 2).toArray()).toEqual([3, 4]);
    expect(h(ints, 2.5).dtype).toBe(np.add(ints, 2.5).dtype);
    expect(h(ints, np.array(2)).dtype).toBe("float32");
    expect(h.cacheSize).toBe(3);
  });

  it("keeps a bounded cache", () => {
    const g = jit((x: Array) => np.add(x, 1), { cacheSize: 2 });
    for (let n = 1; n <= 5; n++) g(np.ones([n]));
    expect(g.cacheSize).toBe(2);
    const all = jit((x: Array) => np.add(x, 1), { cacheSize: Infinity });
    for (let n = 1; n <= 5; n++) all(np.ones([n]));
    expect(all.cacheSize).toBe(5);
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => jit((x: Array) => x, { cacheSize: bad })).toThrow(new RegExp(`jit: cacheSize must be a positive integer or Infinity .*got ${bad}$`));
  });

  it("static arguments are part of the key and stay JS values", () => {
    let traces = 0;
    const g = jit(
      (x: Array, power: number) => {
        traces++;
        let y = x;
        for (let i = 1; i < power; i++) y = np.mul(y, x);
        return y;
      },
      { staticArgnums: 1 },
    );
    expect(g(np.array([2]), 3).toArray()).toEqual([8]);
    expect(g(np.array([3]), 3).toArray()).toEqual([27]);
    expect(g(np.array([2]), 2).toArray()).toEqual([4]);
    expect(traces).toBe(2);
  });

  it("staticArgnames picks keys of a trailing options object", () => {
    const g = jit((x: Array, o: { scale: Array; mode: string }) => (o.mode === "double" ? np.mul(x, np.mul(o.scale, 2)) : np.mul(x, o.scale)), {
      staticArgnames: ["mode"],
    });
    expect(g(np.array([1]), { scale: np.array([3]), mode: "double" }).toArray()).toEqual([6]);
    expect(g(np.array([1]), { scale: np.array([3]), mode: "single" }).toArray()).toEqual([3]);
  });

  it("grad(jit(f)) equals jit(grad(f)) equals grad(f)", () => {
    const x = randn([4, 3]);
    const w = randn([3, 2]);
    const want = grad(f, { argnums: 1 })(x, w);
    expectClose(grad(jit(f), { argnums: 1 })(x, w), want, 1e-14);
    expectClose(jit(grad(f, { argnums: 1 }))(x, w), want, 1e-14);
  });

  it("vmap of jit and jit of vmap equal the loop", () => {
    const xs = randn([5, 4, 3]);
    const w = randn([3, 2]);
    const loop = np.stack([0, 1, 2, 3, 4].map((i) => f(np.reshape(np.slice(xs, [i, i + 1]), [4, 3]), w)));
    expectClose(vmap(jit(f), { inAxes: [0, null] })(xs, w), loop, 1e-12);
    expectClose(jit(vmap(f, { inAxes: [0, null] }))(xs, w), loop, 1e-12);
  });

  it("jit inside jit inlines", () => {
    const inner = jit((x: Array) => np.sin(x));
    const outer = jit((x: Array) => np.add(inner(x), inner(np.mul(x, 2))));
    const x = randn([3]);
    expectClose(outer(x), np.add(np.sin(x), np.sin(np.mul(x, 2))), 0, 0);
    expect(outer.lower(x).toString()).toMatch(/sin[\s\S]*sin/);
  });

  it("pytrees in and out", () => {
    const g = jit((p: { a: Array; b: Array[] }) => ({ s: np.add(p.a, p.b[0]!), n: np.sum(p.b[1]!) }));
    const out = g({ a: np.ones([2]), b: [np.ones([2]), np.ones([3])] });
    expect(out.s.toArray()).toEqual([2, 2]);
    expect(out.n.item()).toBe(3);
  });

  it("rejects bad static arguments", () => {
    expect(() => jit((x: Array) => x, { staticArgnums: 3 })(np.ones([1]))).toThrow(DriftError);
    expect(() => jit((x: Array, _f: unknown) => x, { staticArgnums: 1 })(np.ones([1]), () => 1)).toThrow(/JSON-serialisable/);
  });
});

describe("compiled programs", () => {
  it("fuse elementwise chains into one loop and equal eager bit for bit", async () => {
    const { compileJaxpr } = await import("../src/jit/compile.ts");
    const f = (x: Array, b: Array) => np.tanh(np.add(np.mul(np.exp(np.neg(x)), 0.5), b));
    const x = randn([4, 3], "float32");
    const b = randn([3], "float32");
    const prog = jit(f).lower(x, b);
    const c = compileJaxpr(prog.jaxpr);
    expect(c.stats).toEqual({ fused: 1, prims: 0, fusedOps: 5 });
    expectClose(c.run([...(prog.consts as any), x, b] as any)[0]!, f(x, b), 0, 0);
  });

  it("keeps reused intermediate buffers out of returned arrays", () => {
    const g = jit((x: Array) => np.reshape(np.mul(np.add(x, 1), 2), [-1]));
    const first = g(np.ones([2, 2]));
    const second = g(np.zeros([2, 2]));
    expect(first.toArray()).toEqual([4, 4, 4, 4]);
    expect(second.toArray()).toEqual([2, 2, 2, 2]);
  });

  it("integer and bool chains wrap exactly as eager", () => {
    const f = (x: Array) => np.logicalAnd(np.greater(np.mul(np.add(x, 2 ** 30), 3), 0), np.less(x, 5));
    const x = np.array([-5, 0, 3, 2 ** 30], { dtype: "int32" });
    expect(jit(f)(x).toArray()).toEqual(f(x).toArray());
  });
});

describe("compiler rewrites", () => {
  it("a transposed matmul operand becomes a layout flag, with equal results", async () => {
    const { compileJaxpr } = await import("../src/jit/compile.ts");
    const f = (a: Array, b: Array) => np.matmul(a.T, np.transpose(b));
    const a = randn([5, 3], "float32");
    const b = randn([4, 5], "float32");
    const prog = jit(f).lower(a, b);
    const c = compileJaxpr(prog.jaxpr);
    expect(c.stats.prims).toBe(1);
    expectClose(c.run([a, b] as any)[0]!, f(a, b), 1e-6, 1e-6);
  });
});

describe("donation", () => {
  it("dynamicUpdateSlice on a donated buffer writes in place, equals the copying path, and invalidates the input", () => {
    const add = (buf: Array, row: Array, i: Array) => lax.dynamicUpdateSlice(buf, np.reshape(row, [1, 3]), [i, 0]);
    const fresh = () => np.reshape(np.arange(12).astype("float32"), [4, 3]);
    const want = add(fresh(), np.array([9, 9, 9]), np.array(2, { dtype: "int32" }));
    const g = jit(add, { donateArgnums: 0 });
    const buf = fresh();
    const data = buf.dataSync();
    const out = g(buf, np.array([9, 9, 9]), np.array(2, { dtype: "int32" }));
    expect(out.toArray()).toEqual(want.toArray());
    expect(out.dataSync()).toBe(data);
    expect(() => buf.toArray()).toThrow(/donated/);
    expect(() => np.add(buf, 1)).toThrow(/donated/);
    // Without donation the input survives and the output is a new buffer.
    const h = jit(add);
    const keep = fresh();
    const out2 = h(keep, np.array([9, 9, 9]), np.array(2, { dtype: "int32" }));
    expect(out2.dataSync()).not.toBe(keep.dataSync());
    expect(keep.toArray()).toEqual(fresh().toArray());
  });

  it("a ring buffer under jit with donation costs O(item) per add and matches the eager result", () => {
    let buf = np.zeros([1000, 4]);
    const add = jit((b: Array, x: Array, i: Array) => lax.dynamicUpdateSlice(b, np.reshape(x, [1, 4]), [i, 0]), { donateArgnums: 0 });
    for (let i = 0; i < 1200; i++) buf = add(buf, np.full([4], i), np.array(i % 1000, { dtype: "int32" }));
    expect(np.reshape(np.slice(buf, [0, 1]), [4]).toArray()).toEqual([1000, 1000, 1000, 1000]);
    expect(np.reshape(np.slice(buf, [999, 1000]), [4]).toArray()).toEqual([999, 999, 999, 999]);
  });
});
