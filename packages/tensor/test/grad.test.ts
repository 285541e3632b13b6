// Gradients of every differentiable op against central finite differences in float64, to second order, both modes.
import { describe, expect, it } from "vitest";
import { grad, jvp, np, stopGradient, valueAndGrad, vjp } from "../src/index.ts";
import { checkGrads } from "../src/testing.ts";
import { OP_CASES } from "./op-cases.ts";
import { expectClose, randn } from "./helpers.ts";

describe("checkGrads on every differentiable op (float64, order 2, fwd + rev)", () => {
  for (const c of OP_CASES.filter((c) => c.differentiable !== false)) {
    it(c.name, () => {
      checkGrads(c.fn, c.args(), { order: 2, modes: ["fwd", "rev"], atol: 1e-5, rtol: 1e-5 });
    });
  }
});

describe("checkGrads detects wrong derivatives", () => {
  it("fails for a function whose derivative is wrong (stopGradient hides a dependence)", () => {
    const x = randn([4]);
    expect(() => checkGrads((v) => np.mul(stopGradient(v), v), [x])).toThrow(/finite differences/);
  });
});

describe("transformations", () => {
  it("grad of sin is cos; grad of grad is -sin", () => {
    const x = randn([5]);
    expectClose(grad((v) => np.sum(np.sin(v)))(x), np.cos(x), 1e-12);
    const d2 = grad((s) => grad((t) => np.sin(t))(s))(np.array(0.7, { dtype: "float64" }));
    expect(d2.item()).toBeCloseTo(-Math.sin(0.7), 12);
  });

  it("grad over a typed params pytree returns the same structure", () => {
    const params = { w: randn([3, 2]), b: randn([2]), meta: "layer" };
    const x = randn([4, 3]);
    const loss = (p: typeof params) => np.mean(np.square(np.add(np.matmul(x, p.w), p.b)));
    const g = grad(loss)(params);
    expect(Object.keys(g)).toEqual(["w", "b", "meta"]);
    expect(g.meta).toBe("layer");
    expect(g.w.shape).toEqual([3, 2]);
    // db = mean over batch of 2·(xW + b) / 2 per output
    const pred = np.add(np.matmul(x, params.w), params.b);
    expectClose(g.b, np.div(np.sum(np.mul(pred, 2), 0), 8), 1e-12);
  });

  it("argnums selects arguments and returns a tuple for a list", () => {
    const f = (a: any, b: any) => np.sum(np.mul(a, np.square(b)));
    const a = randn([3]);
    const b = randn([3]);
    const [ga, gb] = grad(f, { argnums: [0, 1] })(a, b);
    expectClose(ga, np.square(b), 1e-12);
    expectClose(gb, np.mul(np.mul(a, b), 2), 1e-12);
    expectClose(grad(f, { argnums: 1 })(a, b), gb, 1e-12);
  });

  it("valueAndGrad with hasAux returns [[value, aux], grads]", () => {
    const f = (x: any) => [np.sum(np.square(x)), { norm: np.sqrt(np.sum(np.square(x))) }] as const;
    const x = np.array([3, 4], { dtype: "float64" });
    const [[value, aux], g] = valueAndGrad(f as any, { hasAux: true })(x) as any;
    expect(value.item()).toBe(25);
    expect(aux.norm.item()).toBe(5);
    expectClose(g, [6, 8]);
  });

  it("jvp and vjp agree on a vector function", () => {
    const f = (x: any) => np.tanh(np.matmul(x, x));
    const x = randn([3, 3]);
    const v = randn([3, 3]);
    const u = randn([3, 3]);
    const [, jv] = jvp(f, [x], [v]);
    const [, back] = vjp(f, x);
    const [uj] = back(u) as any;
    expect(np.sum(np.mul(u, jv)).item()).toBeCloseTo(np.sum(np.mul(uj, v)).item(), 10);
  });

  it("stopGradient zeroes the gradient through its argument", () => {
    const x = randn([3]);
    expectClose(grad((v) => np.sum(np.mul(stopGradient(v), v)))(x), x, 1e-12);
  });

  it("gradient of a function that ignores its input is zero", () => {
    expectClose(grad((_v) => np.array(2, { dtype: "float64" }))(randn([3])), [0, 0, 0]);
  });

  it("Python-style control flow on concrete values works under grad", () => {
    const f = (x: any) => (x.item() > 0 ? np.mul(x, x) : np.neg(x));
    expect(grad(f)(np.array(3, { dtype: "float64" })).item()).toBe(6);
    expect(grad(f)(np.array(-3, { dtype: "float64" })).item()).toBe(-1);
  });

  it("max gradient splits ties evenly (as JAX)", () => {
    expectClose(grad((v) => np.max(v))(np.array([1, 3, 3], { dtype: "float64" })), [0, 0.5, 0.5]);
  });

  it("prod gradient is exact at zeros", () => {
    expectClose(grad((v) => np.prod(v))(np.array([2, 0, 3], { dtype: "float64" })), [0, 6, 0]);
    expectClose(grad((v) => np.prod(v))(np.array([2, 0, 0], { dtype: "float64" })), [0, 0, 0]);
  });

  it("logsumexp is finite and has softmax gradient for huge inputs", () => {
    const x = np.array([1000, 1000], { dtype: "float64" });
    expect(np.logsumexp(x).item()).toBeCloseTo(1000 + Math.log(2), 10);
    expectClose(grad((v) => np.logsumexp(v))(x), [0.5, 0.5]);
  });
});

describe("jaxpr IR", () => {
  it("makeJaxpr lists the primitives and evaluating the jaxpr equals calling f", async () => {
    const { evalJaxpr } = await import("../src/core/jaxpr.ts");
    const { makeJaxpr } = await import("../src/index.ts");
    const f = (x: any, w: any) => np.sum(np.tanh(np.matmul(x, w)), 1);
    const x = randn([4, 3]);
    const w = randn([3, 2]);
    const prog = makeJaxpr(f)(x, w);
    expect(prog.toString()).toMatch(/matmul\[transA=false transB=false\] a b/);
    expect(prog.toString()).toMatch(/tanh/);
    const [out] = evalJaxpr(prog.jaxpr, [...prog.consts, x, w]);
    expectClose(out!, f(x, w), 0, 0);
  });
});
