// vmap equals a loop over examples for every op in the shared suite, with inAxes/outAxes variants and nesting.
import { describe, expect, it } from "vitest";
import { type Array, grad, np, vmap } from "../src/index.ts";
import { OP_CASES } from "./op-cases.ts";
import { expectClose, randn } from "./helpers.ts";

const B = 3;

/** Stacks B fresh draws of an op's inputs along `axis` of each argument. */
function batchedArgs(make: () => Array[], axis: number): { batched: Array[]; examples: Array[][] } {
  const examples = globalThis.Array.from({ length: B }, () => make());
  const batched = examples[0]!.map((_, j) => np.stack(examples.map((ex) => ex[j]!), Math.min(axis, examples[0]![j]!.ndim)));
  return { batched, examples };
}

function expectStacked(out: Array, perExample: Array[], axis = 0): void {
  const want = np.stack(perExample, axis);
  expect(out.dtype).toBe(want.dtype);
  expectClose(out, want, 1e-12, 1e-12);
}

describe("vmap(f) equals stacking f over a loop", () => {
  for (const c of OP_CASES) {
    it(`${c.name}: all arguments mapped on axis 0`, () => {
      const { batched, examples } = batchedArgs(c.args, 0);
      expectStacked(vmap(c.fn)(...batched), examples.map((ex) => c.fn(...ex)));
    });

    it(`${c.name}: first argument mapped on its last axis, the rest unmapped (inAxes), outAxes -1`, () => {
      const base = c.args();
      const first = globalThis.Array.from({ length: B }, () => c.args()[0]!);
      const lastAxis = first[0]!.ndim;
      const stacked = np.stack(first, lastAxis);
      const inAxes = base.map((_, j) => (j === 0 ? -1 : null));
      const out = vmap(c.fn, { inAxes, outAxes: -1 })(stacked, ...base.slice(1));
      const per = first.map((x) => c.fn(x, ...base.slice(1)));
      expectStacked(out, per, per[0]!.ndim);
    });

    it(`${c.name}: nested vmap over two batch axes`, () => {
      const rows = globalThis.Array.from({ length: 2 }, () => batchedArgs(c.args, 0));
      const outer = rows[0]!.batched.map((_, j) => np.stack(rows.map((r) => r.batched[j]!), 0));
      const out = vmap(vmap(c.fn))(...outer);
      const want = np.stack(rows.map((r) => np.stack(r.examples.map((ex) => c.fn(...ex)), 0)), 0);
      expectClose(out, want, 1e-12, 1e-12);
    });
  }
});

describe("vmap composes with grad", () => {
  it("vmap of grad equals per-example gradients", () => {
    const f = (x: Array) => np.sum(np.mul(np.sin(x), x));
    const xs = randn([4, 3]);
    const per = [0, 1, 2, 3].map((i) => grad(f)(np.slice(xs, [i, i + 1]).reshape([3])));
    expectStacked(vmap(grad(f))(xs), per);
  });

  it("grad of vmap equals the gradient of the summed loop", () => {
    const w = randn([3, 2]);
    const xs = randn([5, 3]);
    const perExample = (wt: Array, x: Array) => np.sum(np.tanh(np.matmul(x, wt)));
    const g1 = grad((wt: Array) => np.sum(vmap((x: Array) => perExample(wt, x))(xs)))(w);
    const g2 = grad((wt: Array) => np.sum(np.tanh(np.matmul(xs, wt))))(w);
    expectClose(g1, g2, 1e-12);
  });

  it("vmap over a pytree argument with per-leaf inAxes", () => {
    const params = { w: randn([3, 2]), b: randn([4, 2]) };
    const out = vmap((p: { w: Array; b: Array }) => np.add(np.sum(p.w, 0), p.b), { inAxes: [{ w: null, b: 0 }] })(params);
    expectClose(out, np.add(np.sum(params.w, 0), params.b), 1e-12);
  });

  it("an unbatched output is broadcast along outAxes", () => {
    const out = vmap((_x: Array) => np.array([1, 2], { dtype: "float64" }))(randn([3, 5]));
    expectClose(out, [[1, 2], [1, 2], [1, 2]]);
  });
});

describe("vmap with batched integer indices", () => {
  const idx = np.array([[2, 0], [1, 1], [-1, 0]], { dtype: "int32" });
  it("take with both operand and indices batched equals the loop", () => {
    const xs = randn([3, 4, 2]);
    const out = vmap((x: Array, i: Array) => np.take(x, i, 0))(xs, idx);
    const per = [0, 1, 2].map((b) => np.take(np.slice(xs, [b, b + 1]).reshape([4, 2]), np.slice(idx, [b, b + 1]).reshape([2]), 0));
    expectStacked(out, per);
  });

  it("take with only indices batched, on a middle axis", () => {
    const x = randn([2, 4, 3]);
    const out = vmap((i: Array) => np.take(x, i, 1))(idx);
    const per = [0, 1, 2].map((b) => np.take(x, np.slice(idx, [b, b + 1]).reshape([2]), 1));
    expectStacked(out, per);
  });

  it("per-example gradients through take scatter into the right rows", () => {
    const xs = randn([3, 4, 2]);
    const f = (x: Array, i: Array) => np.sum(np.square(np.take(x, i, 0)));
    const out = vmap(grad(f))(xs, idx);
    const per = [0, 1, 2].map((b) => grad(f)(np.slice(xs, [b, b + 1]).reshape([4, 2]), np.slice(idx, [b, b + 1]).reshape([2])));
    expectStacked(out, per);
  });
});

describe("vmap of dynamic slicing with batched start indices", () => {
  it("dynamicSlice and dynamicUpdateSlice equal the loop", async () => {
    const { lax } = await import("../src/index.ts");
    const x = randn([5, 4]);
    const starts = np.array([0, 3, 4], { dtype: "int32" });
    const out = vmap((i: Array) => lax.dynamicSlice(x, [i, 1], [2, 2]))(starts);
    const loop = np.stack([0, 3, 4].map((i) => lax.dynamicSlice(x, [i, 1], [2, 2])));
    expectClose(out, loop, 0, 0);
    const upd = vmap((i: Array) => lax.dynamicUpdateSlice(x, np.ones([1, 4], { dtype: "float64" }), [i, 0]))(starts);
    const loop2 = np.stack([0, 3, 4].map((i) => lax.dynamicUpdateSlice(x, np.ones([1, 4], { dtype: "float64" }), [i, 0])));
    expectClose(upd, loop2, 0, 0);
  });
});
