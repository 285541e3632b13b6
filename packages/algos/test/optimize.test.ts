// gradientStep: one optimizer step equals the hand-computed Adam and SGD steps, keeps aux, and works under jit.
import { describe, expect, it } from "vitest";
import { type Array, jit, np } from "@drift/tensor";
import { optim } from "@drift/nn";
import { gradientStep } from "../src/common/optimize.ts";

const quadratic = (p: Array): [Array, Array] => [np.sum(np.square(p)), np.mul(p, 2)];

describe("gradientStep", () => {
  it("SGD: p ← p − lr·∇(Σp²) = p − 0.1·2p, loss and aux at the old params", () => {
    const sgd = optim.sgd(0.1);
    const params = np.array([1, -2, 0.5], { dtype: "float64" });
    const r = gradientStep(sgd, { params, opt: sgd.init(params) }, quadratic);
    expect(r.part.params.toArray()).toEqual([0.8, -1.6, 0.4]);
    expect(r.loss.item()).toBe(5.25);
    expect(r.aux.toArray()).toEqual([2, -4, 1]);
  });

  it("Adam's first step moves each coordinate by lr·g/(|g| + ε) and counts the step", () => {
    const adam = optim.adam(0.1);
    const params = np.array([1, -2], { dtype: "float64" });
    const step = jit((params: Array, opt: unknown) => {
      const r = gradientStep(adam, { params, opt }, (p) => [np.sum(np.square(p)), null]);
      return [r.part.params, r.part.opt, r.loss] as const;
    });
    const [p1, , loss] = step(params, adam.init(params)) as unknown as [Array, unknown, Array];
    // m̂ = g, v̂ = g² after one step, so the update is −lr·g/(|g| + 1e-8).
    const expected = [1, -2].map((p) => p - (0.1 * (2 * p)) / (Math.abs(2 * p) + 1e-8));
    (p1.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(loss.item()).toBe(5);
  });
});
