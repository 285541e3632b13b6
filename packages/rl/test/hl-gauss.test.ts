// Tests for the HL-Gauss value transform and the expectile loss: hand-computed values, eager/jit/vmap, gradients, errors.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, grad, jit, np, vmap } from "@drift/tensor";
import { expectileLoss, hlGauss } from "../src/index.ts";
import { close, f32, f64 } from "./helpers.ts";

// vmin = 0, vmax = 2, 3 bins → centres [0, 1, 2], width w = 1, σ = 0.75, edges [−0.5, 0.5, 1.5, 2.5].
// For y = 1: erf((e − 1)/(√2·0.75)) = [−erf(√2), −erf(√2/3), erf(√2/3), erf(√2)] = [−0.954500, −0.495015, 0.495015, 0.954500]
//   masses [0.459485, 0.990030, 0.459485] / total 1.908999 = [0.240694, 0.518612, 0.240694]
// For y = 0.25: [0.561793, 0.382920, 0.055287] (computed the same way), mean 0.493493
// For y = 5 (clipped to 2): [0.029878, 0.307521, 0.662601]
const hl = hlGauss({ vmin: 0, vmax: 2, numBins: 3 });
const P1 = [0.2406940483153762, 0.5186119033692476, 0.2406940483153762];
const P025 = [0.5617932145531943, 0.3829201913090951, 0.055286594137710546];
const P5 = [0.02987781677484582, 0.30752114496528843, 0.6626010382598657];

describe("hlGauss", () => {
  it("layout: centres, edges, width and σ = 0.75·w", () => {
    expect(hl.binWidth).toBe(1);
    expect(hl.sigma).toBe(0.75);
    close(hl.centers(), [0, 1, 2]);
    close(hl.edges(), [-0.5, 0.5, 1.5, 2.5]);
    const h = hlGauss({ vmin: -100, vmax: 200, numBins: 151, sigmaRatio: 0.5 });
    expect(h.binWidth).toBe(2);
    expect(h.sigma).toBe(1);
  });
  it("toProbs matches the hand-computed erf differences (float64 and float32)", () => {
    close(hl.toProbs(f64([1, 0.25, 5])), [P1, P025, P5], 1e-12);
    const p32 = hl.toProbs(f32(1));
    expect(p32.dtype).toBe("float32");
    expect(p32.shape).toEqual([3]);
    close(p32, P1, 1e-6);
  });
  it("fromProbs / fromLogits give the expected value", () => {
    close(hl.fromProbs(hl.toProbs(f64([1, 0.25]))), [1, 0.4934933795845162], 1e-12);
    // softmax(log p) = p, so fromLogits(toLogits(y)) = fromProbs(toProbs(y))
    close(hl.fromLogits(hl.toLogits(f64([1, 0.25]))), [1, 0.4934933795845162], 1e-12);
    // uniform logits → mean of the centres
    close(hl.fromLogits(f64([0, 0, 0])), 1, 1e-12);
  });
  it("round-trips values well inside the support with many bins", () => {
    const h = hlGauss({ vmin: -10, vmax: 10, numBins: 101 });
    // exact at bin centres and midpoints (symmetry); elsewhere the binning bias is ~exp(−2π²·0.75²)·w ≈ 1e-6
    close(h.fromProbs(h.toProbs(f64([-3.3, 0, 2.7]))), [-3.3, 0, 2.7], 1e-12);
    close(h.fromProbs(h.toProbs(f64([7.15, -1.234]))), [7.15, -1.234], 1e-5);
  });
  it("loss is the cross-entropy −Σ p(y)·log softmax(logits)", () => {
    // uniform logits: −Σ p·log(1/3) = log 3
    close(hl.loss(f64([0, 0, 0]), f64(1)), Math.log(3), 1e-12);
    // logits [1, −0.5, 0.25], y = 0.25: −Σ P025·log softmax = 1.1438209764222356
    close(hl.loss(f64([1, -0.5, 0.25]), f64(0.25)), 1.1438209764222356, 1e-12);
    // gradient w.r.t. the logits is softmax(logits) − p(y); no gradient flows into the target
    const g = grad((l: Array) => hl.loss(l, f64(1)))(f64([0, 0, 0]));
    close(g, P1.map((p) => 1 / 3 - p), 1e-12);
    const gy = grad((y: Array) => hl.loss(f64([1, -0.5, 0.25]), y))(f64(0.25));
    close(gy, 0);
  });
  it("jit and vmap agree with eager", () => {
    const ys = f64([1, 0.25, 5]);
    close(jit(hl.toProbs)(ys), [P1, P025, P5], 1e-12);
    close(vmap(hl.toProbs)(ys), [P1, P025, P5], 1e-12);
    const logits = f64([[0, 0, 0], [1, -0.5, 0.25]]);
    const targets = f64([1, 0.25]);
    const want = [Math.log(3), 1.1438209764222356];
    close(jit(hl.loss)(logits, targets), want, 1e-12);
    close(vmap(hl.loss)(logits, targets), want, 1e-12);
    close(vmap(hl.fromLogits)(logits), globalThis.Array.from(hl.fromLogits(logits).dataSync()), 1e-12);
  });
  it("rejects bad options and bin counts with DriftError", () => {
    expect(() => hlGauss({ vmin: 1, vmax: 0, numBins: 3 })).toThrow(/vmax must be greater than vmin/);
    expect(() => hlGauss({ vmin: 0, vmax: 1, numBins: 1 })).toThrow(/numBins must be an integer ≥ 2/);
    expect(() => hl.loss(f64([0, 0]), f64(1))).toThrow(DriftError);
    expect(() => hl.fromProbs(f64([0.5, 0.5]))).toThrow(/last axis of 3 bins/);
  });
});

describe("expectileLoss", () => {
  it("|τ − 1[u<0]|·u², hand-computed", () => {
    // τ = 0.7, u = [−2, 0.5, 0, 3]: [0.3·4, 0.7·0.25, 0, 0.7·9] = [1.2, 0.175, 0, 6.3]
    close(expectileLoss(f64([-2, 0.5, 0, 3]), 0.7), [1.2, 0.175, 0, 6.3], 1e-12);
    // τ = 0.5 is half the squared error
    close(expectileLoss(f64([-2, 3]), 0.5), [2, 4.5], 1e-12);
  });
  it("jit, vmap and its gradient 2·|τ − 1[u<0]|·u", () => {
    const u = f64([-2, 0.5, 3]);
    close(jit((x: Array) => expectileLoss(x, 0.7))(u), [1.2, 0.175, 6.3], 1e-12);
    close(vmap((x: Array) => expectileLoss(x, 0.7))(u), [1.2, 0.175, 6.3], 1e-12);
    close(grad((x: Array) => np.sum(expectileLoss(x, 0.7)))(u), [-1.2, 0.7, 4.2], 1e-12);
  });
  it("rejects τ outside (0, 1)", () => {
    expect(() => expectileLoss(f64([1]), 1)).toThrow(/expectile must be a number in \(0, 1\)/);
  });
});
