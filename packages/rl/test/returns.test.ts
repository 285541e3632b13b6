// Tests for returns and targets: discounted cumsum, λ-returns, REPPO TD(λ), n-step, GAE (rlax and CleanRL-style) against hand-computed examples, eager, jit and vmap.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, vmap } from "@drift/tensor";
import { discountedCumsum, gae, gaeBatched, lambdaReturns, nStepReturns, tdLambda } from "../src/index.ts";
import { close, f32, f64 } from "./helpers.ts";

/** Checks `f` eagerly, under jit, and under vmap over a batch of two streams (the example and a scaled copy). */
function threeWays(f: (...xs: Array[]) => Array, inputs: number[][], want: number[], scaleIdx: number[], tol = 1e-6): void {
  const xs = inputs.map(f64);
  close(f(...xs), want, tol);
  close(jit(f)(...xs), want, tol);
  // Batch: stream 0 is the example, stream 1 has inputs at `scaleIdx` doubled (all tested functions are linear in r and v).
  const batch = inputs.map((x, i) => f64([x, x.map((v) => (scaleIdx.includes(i) ? 2 * v : v))]));
  const out = vmap(f)(...batch);
  expect(out.shape[0]).toBe(2);
  close(np.slice(out, [0, 1]), want, tol);
  close(np.slice(out, [1, 2]), want.map((v) => 2 * v), tol);
  close(jit(vmap(f))(...batch), [...want, ...want.map((v) => 2 * v)], tol);
}

describe("discountedCumsum", () => {
  it("y_t = x_t + γ y_{t+1} with a bootstrap", () => {
    // y2 = 3 + 0.5·4 = 5; y1 = 2 + 0.5·5 = 4.5; y0 = 1 + 0.5·4.5 = 3.25
    close(discountedCumsum(f64([1, 2, 3]), 0.5, 4), [3.25, 4.5, 5]);
    // per-step γ = [0.5, 0, 0.5]: y2 = 3 + 0.5·4 = 5; y1 = 2 + 0·5 = 2; y0 = 1 + 0.5·2 = 2
    close(discountedCumsum(f64([1, 2, 3]), f64([0.5, 0, 0.5]), 4), [2, 2, 5]);
    // default bootstrap 0, trailing axes: two streams as [T, 2]
    close(discountedCumsum(f64([[1, 10], [1, 20]]), 0.5), [[1.5, 20], [1, 20]]);
  });
  it("eager, jit and vmap agree", () => {
    // bootstrap 0: y2 = 3; y1 = 2 + 0·3 = 2; y0 = 1 + 0.5·2 = 2
    threeWays((x, d) => discountedCumsum(x!, d!), [[1, 2, 3], [0.5, 0, 0.5]], [2, 2, 3], [0]);
  });
});

describe("lambdaReturns (rlax)", () => {
  // r = [1, 2, 3], γ = 0.9, v = [10, 20, 30], λ = 0.5, G_T = v_{T−1} = 30:
  // G2 = 3 + 0.9·(0.5·30 + 0.5·30) = 30
  // G1 = 2 + 0.9·(0.5·20 + 0.5·30) = 24.5
  // G0 = 1 + 0.9·(0.5·10 + 0.5·24.5) = 16.525
  it("hand-computed example, eager/jit/vmap", () => {
    threeWays((r, d, v) => lambdaReturns(r!, d!, v!, 0.5), [[1, 2, 3], [0.9, 0.9, 0.9], [10, 20, 30]], [16.525, 24.5, 30], [0, 2]);
  });
  it("λ = 0 is one-step TD, λ = 1 the bootstrapped discounted return", () => {
    close(lambdaReturns(f64([1, 2, 3]), f64([0.9, 0.9, 0.9]), f64([10, 20, 30]), 0), [10, 20, 30]);
    // G2 = 3 + 27 = 30, G1 = 2 + 27 = 29, G0 = 1 + 26.1 = 27.1
    close(lambdaReturns(f64([1, 2, 3]), f64([0.9, 0.9, 0.9]), f64([10, 20, 30]), 1), [27.1, 29, 30]);
  });
});

describe("tdLambda (REPPO truncation handling)", () => {
  // r = [1,1,1,1], v (next-state values) = [2,3,4,5], terminated = [0,1,0,0], truncated = [0,0,1,0], γ = 0.5, λ = 0.5
  // G3 = 1 + 0.5·5 = 3.5            (last step bootstraps)
  // G2 = 1 + 0.5·4 = 3              (truncated: bootstrap from the final state's value, no trace)
  // G1 = 1                          (terminated: no bootstrap)
  // G0 = 1 + 0.5·(0.5·2 + 0.5·1) = 1.75
  const want = [1.75, 1, 3, 3.5];
  it("hand-computed example, eager/jit/vmap", () => {
    threeWays(
      (r, v, te, tr) => tdLambda(r!, v!, te!, tr!, { gamma: 0.5, lambda: 0.5 }),
      [[1, 1, 1, 1], [2, 3, 4, 5], [0, 1, 0, 0], [0, 0, 1, 0]],
      want,
      [0, 1],
    );
  });
  it("takes bool flags; termination wins when both flags are set", () => {
    const out = tdLambda(f32([1, 1, 1, 1]), f32([2, 3, 4, 5]), np.array([false, true, false, false]), np.array([false, false, true, false]), { gamma: 0.5, lambda: 0.5 });
    expect(out.dtype).toBe("float32");
    close(out, want);
    // step 0 both terminated and truncated → G0 = r0 = 1; step 1: G1 = 1 + 0.5·3 = 2.5
    close(tdLambda(f64([1, 1]), f64([2, 3]), f64([1, 0]), f64([1, 0]), { gamma: 0.5, lambda: 0.5 }), [1, 2.5]);
  });
});

describe("nStepReturns", () => {
  // r = [1,2,3,4], γ_t = [0.5,0.5,0,0.5], v = [10,20,30,40], n = 2
  // G0 = 1 + 0.5·(2 + 0.5·20) = 7
  // G1 = 2 + 0.5·(3 + 0·30) = 3.5     (termination inside the window stops the bootstrap)
  // G2 = 3 + 0·(…) = 3
  // G3 = 4 + 0.5·40 = 24              (window runs past the end: bootstrap from the last value)
  it("hand-computed n = 2, eager/jit/vmap", () => {
    threeWays((r, d, v) => nStepReturns(r!, d!, v!, 2), [[1, 2, 3, 4], [0.5, 0.5, 0, 0.5], [10, 20, 30, 40]], [7, 3.5, 3, 24], [0, 2]);
  });
  it("n = 1 is r + γv; n ≥ T is the λ = 1 return", () => {
    close(nStepReturns(f64([1, 2, 3, 4]), f64([0.5, 0.5, 0, 0.5]), f64([10, 20, 30, 40]), 1), [6, 12, 3, 24]);
    const r = f64([1, 2, 3, 4]);
    const d = f64([0.5, 0.5, 0.9, 0.5]);
    const v = f64([10, 20, 30, 40]);
    close(nStepReturns(r, d, v, 6), globalThis.Array.from(lambdaReturns(r, d, v, 1).dataSync()), 1e-12);
  });
});

describe("gae (rlax single stream)", () => {
  // r = [1,1,1], γ_t = [0.9,0.9,0], values = [1,2,3,4], λ = 0.5
  // δ = [1 + 0.9·2 − 1, 1 + 0.9·3 − 2, 1 + 0·4 − 3] = [1.8, 1.7, −2]
  // A2 = −2; A1 = 1.7 + 0.45·(−2) = 0.8; A0 = 1.8 + 0.45·0.8 = 2.16
  it("hand-computed example, eager/jit/vmap", () => {
    threeWays((r, d, v) => gae(r!, d!, v!, 0.5), [[1, 1, 1], [0.9, 0.9, 0], [1, 2, 3, 4]], [2.16, 0.8, -2], [0, 2]);
  });
  it("λ = 1 advantages equal discounted returns minus values", () => {
    const r = f64([1, 0, 2]);
    const d = f64([0.9, 0.9, 0.9]);
    const v = f64([0.5, 1, 1.5, 2]);
    const a = gae(r, d, v, 1);
    const ret = discountedCumsum(r, d, 2);
    close(a, globalThis.Array.from(np.sub(ret, np.slice(v, [0, 3])).dataSync()), 1e-12);
  });
});

describe("gaeBatched (CleanRL-style [T, N])", () => {
  // T = 3, N = 2, γ = 0.9, λ = 0.5.
  // env 0: rewards [1,1,1], values [1,2,3], terminated at step 2 → A = [2.16, 0.8, −2] (as the rlax example).
  // env 1: rewards [0,1,2], values [1,5,2], truncated at step 0 with final value 10, lastValue 3:
  //   δ0 = 0 + 0.9·10 − 1 = 8, trace cut → A0 = 8
  //   δ2 = 2 + 0.9·3 − 2 = 2.7 → A2 = 2.7;  δ1 = 1 + 0.9·2 − 5 = −2.2 → A1 = −2.2 + 0.45·2.7 = −0.985
  const input = {
    rewards: f64([[1, 0], [1, 1], [1, 2]]),
    values: f64([[1, 1], [2, 5], [3, 2]]),
    terminated: np.array([[false, false], [false, false], [true, false]]),
    truncated: np.array([[false, true], [false, false], [false, false]]),
    lastValue: f64([4, 3]),
    finalValues: f64([[0, 10], [0, 0], [0, 0]]),
    gamma: 0.9,
    lambda: 0.5,
  };
  const wantA = [[2.16, 8], [0.8, -0.985], [-2, 2.7]];
  const wantR = [[3.16, 9], [2.8, 4.015], [1, 4.7]];
  it("hand-computed example with termination and truncation", () => {
    const { advantages, returns } = gaeBatched(input);
    close(advantages, wantA, 1e-12);
    close(returns, wantR, 1e-12);
  });
  it("without finalValues truncation cuts like termination (δ0 = 0 − 1 for env 1)", () => {
    const { advantages } = gaeBatched({ ...input, finalValues: undefined });
    close(advantages, [[2.16, -1], [0.8, -0.985], [-2, 2.7]], 1e-12);
  });
  it("each column equals the rlax single-stream gae when nothing is truncated", () => {
    const { advantages } = gaeBatched({ ...input, truncated: undefined, finalValues: undefined });
    const col1 = gae(f64([0, 1, 2]), f64([0.9, 0.9, 0.9]), f64([1, 5, 2, 3]), 0.5);
    close(np.slice(advantages, null, [1, 2]), globalThis.Array.from(col1.dataSync()), 1e-12);
  });
  it("jit and vmap over a seeds axis agree with eager", () => {
    const f = (rewards: Array, values: Array, terminated: Array, truncated: Array, lastValue: Array, finalValues: Array) =>
      gaeBatched({ rewards, values, terminated, truncated, lastValue, finalValues, gamma: 0.9, lambda: 0.5 }).advantages;
    const args = [input.rewards, input.values, input.terminated, input.truncated, input.lastValue, input.finalValues] as const;
    close(jit(f)(...args), wantA, 1e-12);
    const stacked = args.map((x) => np.stack([x, x])) as unknown as Parameters<typeof f>;
    close(vmap(f)(...stacked), [...wantA, ...wantA], 1e-12);
  });
});

describe("input checks", () => {
  it("throws DriftError naming the argument", () => {
    expect(() => gae(f64([1, 2]), f64([1, 1]), f64([1, 2]), 0.5)).toThrow(/values must have T \+ 1 = 3/);
    expect(() => lambdaReturns(f64([1, 2]), f64([1]), f64([1, 2]))).toThrow(DriftError);
    expect(() => nStepReturns(f64([1]), f64([1]), f64([1]), 0)).toThrow(/n must be an integer ≥ 1/);
    expect(() => tdLambda(f64([[1]]), f64([1]), f64([1]), f64([1]), { gamma: 0.9, lambda: 0.9 })).toThrow(/r_t must have rank 1/);
    expect(() => gaeBatched({ rewards: f64([[1]]), values: f64([[1]]), terminated: f64([[0]]), lastValue: f64([1, 2]), gamma: 0.9, lambda: 0.9 })).toThrow(/lastValue must have shape \[1\]/);
  });
});
