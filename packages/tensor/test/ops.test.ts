// Op values against hand-computed numpy results, dtype rules, and the Array API.
import { describe, expect, it } from "vitest";
import { jit, lax, np } from "../src/index.ts";
import { expectClose } from "./helpers.ts";

describe("arrays", () => {
  it("creation, shape, dtype, ndim, size, toArray, item, data", async () => {
    const x = np.array([[1, 2, 3], [4, 5, 6]]);
    expect([x.shape, x.dtype, x.ndim, x.size]).toEqual([[2, 3], "float32", 2, 6]);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(np.array(3.5).shape).toEqual([]);
    expect(np.array(3.5).item()).toBe(3.5);
    expect(await x.data()).toBeInstanceOf(Float32Array);
    expect(np.array(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(np.array([true, false]).dtype).toBe("bool");
    expect(np.array([true, false]).toArray()).toEqual([true, false]);
  });

  it("chainable methods", () => {
    expect(np.array([1, 2, 3]).add(1).mul(2).sum().item()).toBe(18);
    expect(np.arange(6).reshape([2, 3]).T.shape).toEqual([3, 2]);
    expect(np.array([1.7, -1.7]).astype("int32").toArray()).toEqual([1, -1]);
    const m = np.reshape(np.arange(6), [2, 3]);
    expect([m.any(1).toArray(), m.all(1).toArray(), m.cumsum(1).toArray(), m.cumprod(0).toArray()]).toEqual([
      [true, true], [false, true], [[0, 1, 3], [3, 7, 12]], [[0, 1, 2], [0, 4, 10]],
    ]);
    expect([m.ravel().shape, m.diagonal().toArray(), m.trace(1).item(), m.repeat(2, 0).shape]).toEqual([[6], [0, 4], 6, [4, 3]]);
    expect(np.array([0.5, 1.5, -2.5]).round().toArray()).toEqual([0, 2, -2]);
  });

  it("float → int casts truncate and saturate at the integer range with NaN → 0 (XLA's rule); int → int wraps", () => {
    const x = np.array([3e9, -3e9, 2.9, -2.9, -0.5, NaN, Infinity, -Infinity, 2147483520, 4294967040]);
    expect(x.astype("int32").toArray()).toEqual([2147483647, -2147483648, 2, -2, 0, 0, 2147483647, -2147483648, 2147483520, 2147483647]);
    expect(x.astype("uint32").toArray()).toEqual([3000000000, 0, 2, 0, 0, 0, 4294967295, 0, 2147483520, 4294967040]);
    expect(x.astype("float64").astype("int32").toArray()).toEqual(x.astype("int32").toArray());
    // Scalars take the same rule (they convert without an op); integer sources still wrap, as in JAX.
    expect(np.array(5e9).astype("int32").item()).toBe(2147483647);
    expect(np.array(-1.5).astype("uint32").item()).toBe(0);
    expect(np.array([-1, -20], { dtype: "int32" }).astype("uint32").toArray()).toEqual([4294967295, 4294967276]);
    expect(np.array([3000000000], { dtype: "uint32" }).astype("int32").toArray()).toEqual([-1294967296]);
  });

  it("creation helpers", () => {
    expect(np.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(np.ones([2], { dtype: "int32" }).toArray()).toEqual([1, 1]);
    expect(np.full([2], 7).toArray()).toEqual([7, 7]);
    expect(np.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(np.arange(5).dtype).toBe("int32");
    expect(np.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(np.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(np.eye(2, 3, { k: 1 }).toArray()).toEqual([[0, 1, 0], [0, 0, 1]]);
    expect(np.zerosLike(np.ones([2], { dtype: "float64" })).dtype).toBe("float64");
    expect(np.onesLike(np.zeros([1, 2])).toArray()).toEqual([[1, 1]]);
  });
});

describe("dtype promotion (JAX rules, JS numbers are weak)", () => {
  it("float32 array with a JS number stays float32", () => {
    expect(np.add(np.ones([2]), 2.5).dtype).toBe("float32");
    expect(np.mul(np.ones([2], { dtype: "float64" }), 2).dtype).toBe("float64");
  });
  it("int32 with an integer stays int32; with a fraction becomes float32", () => {
    expect(np.add(np.arange(3), 1).dtype).toBe("int32");
    expect(np.add(np.arange(3), 0.5).dtype).toBe("float32");
  });
  it("mixed arrays take the wider type; true division of ints gives float32", () => {
    expect(np.add(np.ones([1]), np.ones([1], { dtype: "float64" })).dtype).toBe("float64");
    expect(np.div(np.arange(3), 2).toArray()).toEqual([0, 0.5, 1]);
    expect(np.greater(np.arange(3), 1).dtype).toBe("bool");
  });
  it("JS numbers keep full precision when they meet float64 arrays", () => {
    expect(np.mul(np.array([-2], { dtype: "float64" }), 0.01).item()).toBe(-0.02);
    expect(np.mul(np.array([-2]), 0.01).item()).toBe(Math.fround(Math.fround(-2) * Math.fround(0.01)));
  });
  it("JS integers beyond 32 bits are weak floats, not wrapped ints; [2^31, 2^32) ones are weak uint32", () => {
    // Before, 1e10 and 2 ** 40 became weak int32 scalars and wrapped (2 ** 40 to 0) even against float arrays.
    expect(np.mul(np.array([1.5]), 2 ** 40).item()).toBe(1.5 * 2 ** 40);
    expect(np.add(np.array([1], { dtype: "float64" }), 1e10).item()).toBe(1e10 + 1);
    expect(np.add(np.array([1]), -1e10).item()).toBe(Math.fround(1 - 1e10));
    expect(np.add(np.arange(2), 2 ** 40).dtype).toBe("float32");
    // A uint32 mask keeps uint32 arithmetic, and meets a float array with its exact value.
    const u = np.array([0xdeadbeef, 1], { dtype: "uint32" });
    expect(np.bitwiseAnd(u, 0xffff0000).dtype).toBe("uint32");
    expect(np.bitwiseAnd(u, 0xffff0000).toArray()).toEqual([0xdead0000, 0]);
    expect(np.add(np.array([0], { dtype: "float64" }), 0xffffffff).item()).toBe(0xffffffff);
    // -0 is a float: its sign survives.
    expect(Object.is(np.mul(np.array([1]), -0).item(), -0)).toBe(true);
    // Under jit, the same scalars as arguments.
    expect(jit((a: np.Array, b: np.Array | number) => np.mul(a, b))(np.array([1.5]), 2 ** 40).item()).toBe(1.5 * 2 ** 40);
  });
  it("integer arithmetic wraps like int32", () => {
    expect(np.mul(np.array([2 ** 30], { dtype: "int32" }), 4).toArray()).toEqual([0]);
    expect(np.add(np.array([2 ** 31 - 1], { dtype: "int32" }), 1).toArray()).toEqual([-(2 ** 31)]);
  });
});

describe("elementwise values", () => {
  it("special functions", () => {
    expectClose(np.erf(np.array([0, 0.5, 1, 3], { dtype: "float64" })), [0, 0.5204998778130465, 0.8427007929497149, 0.9999779095030014], 1e-15);
    expectClose(np.erfinv(np.array([0, 0.5, -0.9], { dtype: "float64" })), [0, 0.4769362762044699, -1.1630871536766743], 1e-14);
    expectClose(np.sigmoid(np.array([-800, 0, 800], { dtype: "float64" })), [0, 0.5, 1]);
    expectClose(np.softplus(np.array([-800, 0, 800], { dtype: "float64" })), [0, Math.LN2, 800]);
    expect(np.round(np.array([0.5, 1.5, 2.5, -0.5])).toArray()).toEqual([0, 2, 2, -0]);
  });
  it("maximum/minimum propagate NaN; clip and where", () => {
    expect(np.maximum(np.array([NaN, 1]), np.array([0, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(np.clip(np.array([-2, 0, 2]), -1, 1).toArray()).toEqual([-1, 0, 1]);
    expect(np.where(np.array([true, false]), 1, np.array([5, 6])).toArray()).toEqual([1, 6]);
  });
  it("comparisons and logic", () => {
    const a = np.array([1, 2, 3]);
    expect(np.equal(a, 2).toArray()).toEqual([false, true, false]);
    expect(np.logicalAnd(np.greater(a, 1), np.less(a, 3)).toArray()).toEqual([false, true, false]);
    expect(np.logicalNot(np.array([true, false])).toArray()).toEqual([false, true]);
    expect(np.shiftRightLogical(np.array([0xffffffff], { dtype: "uint32" }), 28).toArray()).toEqual([15]);
  });
});

describe("reductions", () => {
  const x = np.array([[1, 5, 3], [4, 2, 6]]);
  it("sum/mean/max/min/prod with axis and keepdims", () => {
    expect(np.sum(x).item()).toBe(21);
    expect(np.sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(np.sum(x, 1, { keepdims: true }).toArray()).toEqual([[9], [12]]);
    expect(np.mean(x, -1).toArray()).toEqual([3, 4]);
    expect(np.max(x, 1).toArray()).toEqual([5, 6]);
    expect(np.min(x).item()).toBe(1);
    expect(np.prod(x, 0).toArray()).toEqual([4, 10, 18]);
    expect(np.argmax(x, 1).toArray()).toEqual([1, 2]);
    expect(np.argmin(x).item()).toBe(0);
  });
  it("var/std (ddof), logsumexp, softmax, cumsum", () => {
    expectClose(np.var(x, 1), [8 / 3, 8 / 3], 1e-6);
    expectClose(np.std(x, 1, { ddof: 1 }), [2, 2], 1e-6);
    expectClose(np.logsumexp(np.array([0, Math.log(3)])), Math.log(4), 1e-6);
    expectClose(np.softmax(np.array([0, Math.log(3)])), [0.25, 0.75], 1e-6);
    expect(np.cumsum(x, 1).toArray()).toEqual([[1, 6, 9], [4, 6, 12]]);
    expect(np.cumsum(np.array([1, 2, 3]), 0, { reverse: true }).toArray()).toEqual([6, 5, 3]);
  });
});

describe("shape ops", () => {
  const x = np.arange(6).reshape([2, 3]);
  it("reshape, transpose, expandDims, squeeze, broadcastTo", () => {
    expect(x.reshape([3, -1]).shape).toEqual([3, 2]);
    expect(np.transpose(x).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(np.expandDims(x, [0, -1]).shape).toEqual([1, 2, 3, 1]);
    expect(np.squeeze(np.zeros([1, 2, 1])).shape).toEqual([2]);
    expect(np.broadcastTo(np.array([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
  });
  it("concatenate copies short rows, long rows and whole blocks to the right places", () => {
    // Rows of 3 and 70 elements (the element loop and the per-row block copy), along a middle axis and axis 0.
    const ref = (shapes: number[][], axis: number): number[] => {
      const arrays = shapes.map((sh, k) => ({ sh, data: Array.from({ length: sh.reduce((a, b) => a * b, 1) }, (_, i) => 1000 * k + i) }));
      const outer = shapes[0]!.slice(0, axis).reduce((a, b) => a * b, 1);
      const out: number[] = [];
      for (let i = 0; i < outer; i++)
        for (const { sh, data } of arrays) {
          const row = sh.slice(axis).reduce((a, b) => a * b, 1);
          out.push(...data.slice(i * row, (i + 1) * row));
        }
      return out;
    };
    const make = (sh: number[], k: number, dtype: "float32" | "int32") =>
      np.reshape(np.array(Array.from({ length: sh.reduce((a, b) => a * b, 1) }, (_, i) => 1000 * k + i), { dtype }), sh);
    for (const [shapes, axis] of [
      [[[4, 3], [4, 70], [4, 1]], 1],
      [[[2, 3, 5], [2, 1, 5]], 1],
      [[[3, 2], [5, 2]], 0],
    ] as [number[][], number][])
      for (const dtype of ["float32", "int32"] as const) {
        const got = np.concatenate(shapes.map((sh, k) => make(sh, k, dtype)), axis);
        expect(Array.from(got.dataSync())).toEqual(ref(shapes, axis));
      }
  });
  it("concatenate, stack, split, slice, take, oneHot, tile, flip, pad", () => {
    expect(np.concatenate([x, x], 0).shape).toEqual([4, 3]);
    expect(np.stack([np.array([1]), np.array([2])], 1).toArray()).toEqual([[1, 2]]);
    expect(np.split(np.arange(6), [2, 5]).map((a) => a.toArray())).toEqual([[0, 1], [2, 3, 4], [5]]);
    expect(np.slice(x, [null, null, -1], [1, null]).toArray()).toEqual([[4, 5], [1, 2]]);
    expect(np.slice(np.arange(10), [8, 2, -3]).toArray()).toEqual([8, 5]);
    expect(np.take(x, np.array([2, 0], { dtype: "int32" }), 1).toArray()).toEqual([[2, 0], [5, 3]]);
    expect(np.takeAlongAxis(x, np.array([[2], [0]], { dtype: "int32" }), 1).toArray()).toEqual([[2], [3]]);
    expect(np.oneHot(np.array([1, 0], { dtype: "int32" }), 3).toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    expect(np.tile(np.array([1, 2]), [2, 2]).toArray()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(np.flip(x).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(np.pad(np.array([1, 2]), 1, { constantValues: 9 }).toArray()).toEqual([9, 1, 2, 9]);
    expect(np.sort(np.array([3, 1, 2])).toArray()).toEqual([1, 2, 3]);
    expect(np.argsort(np.array([3, 1, 3, 0])).toArray()).toEqual([3, 1, 0, 2]);
  });
});

describe("linear algebra", () => {
  const a = np.array([[1, 2], [3, 4]]);
  const b = np.array([[5, 6], [7, 8]]);
  it("matmul, dot, tensordot, outer", () => {
    expect(np.matmul(a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(np.matmul(np.array([1, 1]), a).toArray()).toEqual([4, 6]);
    expect(np.matmul(np.stack([a, b]), a).shape).toEqual([2, 2, 2]);
    expect(np.dot(np.array([1, 2]), np.array([3, 4])).item()).toBe(11);
    expect(np.tensordot(a, b, 2).item()).toBe(70);
    expect(np.outer(np.array([1, 2]), np.array([3, 4])).toArray()).toEqual([[3, 4], [6, 8]]);
  });
  it("inverse trig, hyperbolic, log2/log10/exp2, hypot, mod, NaN/∞ tests and any/all give numpy's values", () => {
    const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
    const close = (got: np.Array, want: number[]) => (got.toArray() as number[]).forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
    close(np.arcsin(f64([-0.9, 0.2])), [-1.1197695149986342, 0.2013579207903308]);
    close(np.arccos(f64([-0.9, 0.75])), [2.6905658417935308, 0.7227342478134157]);
    close(np.arctan2(f64([-3, -0.5, 0, 1.5, 4]), f64([1, -1, -1, 0, -2])), [-1.2490457723982544, -2.677945044588987, Math.PI, Math.PI / 2, 2.0344439357957027]);
    close(np.tan(f64([-0.9, 0.75])), [-1.2601582175503394, 0.9315964599440724]);
    close(np.sinh(f64([-3, 1e-10, 4])), [-10.017874927409903, 1e-10, 27.28991719712775]);
    close(np.cosh(f64([-3, 4])), [10.067661995777765, 27.308232836016487]);
    close(np.arcsinh(f64([-3, 1e-10, 4])), [-1.8184464592320668, 1e-10, 2.0947125472611012]);
    close(np.arccosh(f64([1, 1.5, 10])), [0, 0.9624236501192069, 2.993222846126381]);
    close(np.arctanh(f64([-0.9, 0.75])), [-1.4722194895832204, 0.9729550745276566]);
    expect(np.log2(f64([1, 8, 0.5])).toArray()).toEqual([0, 3, -1]);
    expect(np.exp2(f64([0, 3, -1])).toArray()).toEqual([1, 8, 0.5]);
    close(np.log10(f64([1, 1000, 0.01])), [0, 3, -2]);
    expect(np.hypot(f64([3, 0, 1e200, -5]), f64([4, 0, 1e200, 12])).toArray()).toEqual([5, 0, 1.414213562373095e200, 13]);
    // Python's % (sign of the divisor), against rem's C remainder (sign of x).
    expect(np.mod(f64([5, -5, 5, -5, 5.5, -0.5]), f64([3, 3, -3, -3, 2, 2])).toArray()).toEqual([2, 1, -1, -2, 1.5, 1.5]);
    expect(np.mod(np.array([5, -5, 5, -5], { dtype: "int32" }), np.array([3, 3, -3, -3], { dtype: "int32" })).toArray()).toEqual([2, 1, -1, -2]);
    expect(np.fmod(f64([5, -5]), f64([-3, 3])).toArray()).toEqual([2, -2]);
    // numpy's //: 1 // 0.1 is 9 (0.1 is a little above a tenth), exact for int32 extremes, 0 for an integer / 0.
    expect(np.floorDivide(f64([1, -7, 7, 5.5, -0.5, 3e9]), f64([0.1, 2, -2, 2, 2, 7])).toArray()).toEqual([9, -4, -4, 2, -1, 428571428]);
    const i32 = (v: number[]) => np.array(v, { dtype: "int32" });
    expect(np.floorDivide(i32([-7, 7, 7, 2147483647, -2147483647]), i32([2, -2, 0, 3, 2])).toArray()).toEqual([-4, -4, 0, 715827882, -1073741824]);
    expect(np.divmod(f64([-7.5]), f64([2])).map((t) => t.toArray())).toEqual([[-4], [0.5]]);
    expect(np.isnan(np.array([1, NaN, Infinity])).toArray()).toEqual([false, true, false]);
    expect(np.isinf(np.array([1, NaN, -Infinity])).toArray()).toEqual([false, false, true]);
    expect(np.isinf(np.array([1, 2], { dtype: "int32" })).toArray()).toEqual([false, false]);
    expect(np.nanToNum(np.array([NaN, Infinity, -Infinity, 2])).toArray()).toEqual([0, 3.4028234663852886e38, -3.4028234663852886e38, 2]);
    expect(np.any(np.array([[0, 0], [0, 1]]), 1).toArray()).toEqual([false, true]);
    expect(np.all(np.array([[1, 2], [0, 1]]), 0).toArray()).toEqual([false, true]);
    expect([np.any(np.zeros([0])).toArray(), np.all(np.zeros([0])).toArray()]).toEqual([false, true]);
    expect(np.countNonzero(np.array([[0, 3], [2, 1]]), 0).toArray()).toEqual([1, 2]);
    expect(np.isclose(np.array([1, NaN, Infinity, 1]), np.array([1.000001, NaN, -Infinity, 2])).toArray()).toEqual([true, false, false, false]);
    expect(np.isclose(np.array([NaN]), np.array([NaN]), { equalNan: true }).toArray()).toEqual([true]);
    expect([np.allclose(np.array([1, 2]), np.array([1 + 1e-9, 2])).toArray(), np.allclose(np.array([1, Infinity]), np.array([1, Infinity])).toArray()]).toEqual([true, true]);
  });

  it("roll, repeat, tril/triu, meshgrid, cumprod, quantile/median/percentile and searchsorted give numpy's values", () => {
    const x = np.reshape(np.arange(12), [3, 4]);
    const f = np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]], { dtype: "float64" });
    expect(np.roll(x, 1).toArray()).toEqual([[11, 0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10]]);
    expect(np.roll(x, [1, 2], [0, 1]).toArray()).toEqual([[10, 11, 8, 9], [2, 3, 0, 1], [6, 7, 4, 5]]);
    expect(np.repeat(np.array([1, 2, 3]), 2).toArray()).toEqual([1, 1, 2, 2, 3, 3]);
    expect(np.repeat(x, [1, 0, 2], 0).toArray()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11], [8, 9, 10, 11]]);
    expect(np.tril(x).toArray()).toEqual([[0, 0, 0, 0], [4, 5, 0, 0], [8, 9, 10, 0]]);
    expect(np.triu(x, 1).toArray()).toEqual([[0, 1, 2, 3], [0, 0, 6, 7], [0, 0, 0, 11]]);
    expect(np.meshgrid([np.array([1, 2, 3]), np.array([4, 5])]).map((m) => m.toArray())).toEqual([[[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]]]);
    expect(np.meshgrid([np.array([1, 2, 3]), np.array([4, 5])], { indexing: "ij" })[1]!.toArray()).toEqual([[4, 5], [4, 5], [4, 5]]);
    expect(np.cumprod(f, 1).toArray()).toEqual([[3, 3, 12, 12], [5, 45, 90, 540], [5, 15, 75, 600]]);
    expect(np.cumprod(np.array([[1, 2], [3, 0]])).toArray()).toEqual([1, 2, 6, 0]);
    expect(np.cumprod(f, 0, { reverse: true }).toArray()[0]).toEqual([75, 27, 40, 48]);
    // Exactly numpy 2's values (its lerp from the nearer neighbour), printed from numpy.
    expect(np.quantile(f, 0.3, 1).toArray()).toEqual([1, 4.699999999999999, 4.8]);
    expect(np.quantile(f, [0.1, 0.9], 0).toArray()).toEqual([[3.4, 1.4, 2.4, 2], [5, 7.800000000000001, 4.8, 7.6]]);
    expect(np.percentile(f, 40, 1).toArray()).toEqual([1.4000000000000004, 5.2, 5]);
    expect([np.median(f).item(), np.median(f, 0).toArray()]).toEqual([4.5, [5, 3, 4, 6]]);
    expect(np.quantile(f, 0.5, null, { keepdims: true }).shape).toEqual([1, 1]);
    const sorted = np.array([1, 2, 2, 3, 5], { dtype: "float64" });
    const values = np.array([0, 2, 2.5, 5, 6], { dtype: "float64" });
    expect(np.searchsorted(sorted, values).toArray()).toEqual([0, 1, 3, 4, 5]);
    expect(np.searchsorted(sorted, values, { side: "right" }).toArray()).toEqual([0, 3, 3, 5, 5]);
  });

  it("ravel, vstack, hstack, diag, diff, logaddexp, deg2rad, lax.topK and interp give numpy's (and JAX's) values", () => {
    const x = np.reshape(np.arange(6), [2, 3]);
    const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
    expect(np.ravel(x).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(np.vstack([x, np.array([7, 8, 9])]).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [7, 8, 9]]);
    expect(np.hstack([np.array([1, 2]), np.array([3])]).toArray()).toEqual([1, 2, 3]);
    expect(np.hstack([x, x]).shape).toEqual([2, 6]);
    expect(np.diag(f64([1, 2]), 1).toArray()).toEqual([[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
    expect(np.diag(f64([1, 2]), -2).toArray()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 2, 0, 0]]);
    expect(np.diag(x, 1).toArray()).toEqual([1, 5]);
    expect(np.diag(np.zeros([0]), 1).toArray()).toEqual([[0]]);
    expect(np.diff(f64([1, 4, 9, 16, 25]), 2).toArray()).toEqual([2, 2, 2]);
    expect(np.diff(x, 1, 0).toArray()).toEqual([[3, 3, 3]]);
    expect(np.logaddexp(f64([0, 1000, -Infinity, Infinity, -1e30]), f64([0, 999, -Infinity, Infinity, 5])).toArray()).toEqual([
      Math.LN2, 1000.3132616875182, -Infinity, Infinity, 5,
    ]);
    expect(np.deg2rad(f64([180])).toArray()).toEqual([Math.PI]);
    // Largest first; equal values keep their order (the lower index first), as lax.top_k.
    const [values, indices] = lax.topK(np.array([[1, 3, 3, 2], [0, 0, 0, 0]]), 2);
    expect([values.toArray(), indices.toArray()]).toEqual([[[3, 3], [0, 0]], [[1, 2], [0, 1]]]);
    expect(np.interp(f64([-1, 0, 0.5, 1, 2.5, 3, 4]), f64([0, 1, 3]), f64([10, 20, 0])).toArray()).toEqual([10, 10, 15, 20, 5, 0, 0]);
    expect(np.interp(f64([-1, 4]), f64([0, 1, 3]), f64([10, 20, 0]), { left: -5, right: 99 }).toArray()).toEqual([-5, 99]);
    expect(np.interp(f64([-1, 2, 3]), f64([2]), f64([7])).toArray()).toEqual([7, 7, 7]);
  });

  it("linalg.solve, solveTriangular, inv, cholesky, det and slogdet give numpy's values", () => {
    const f64 = (v: number[][]) => np.array(v, { dtype: "float64" });
    const spd = f64([[4, 1, 2], [1, 3, 0.5], [2, 0.5, 5]]);
    const g = f64([[0, 2, 1], [1, 1, 3], [4, -1, 2]]);
    const b = f64([[1, 2], [3, 4], [5, 6]]);
    // Column 0 of g is zero on the diagonal: the solve must pivot.
    expectClose(np.linalg.solve(g, b), f64([[1, 1.3333333333333335], [0.2, 0.6666666666666667], [0.6, 0.6666666666666666]]), 1e-14, 1e-14);
    expectClose(np.matmul(g, np.linalg.inv(g)), np.eye(3, undefined, { dtype: "float64" }), 1e-14, 1e-14);
    expectClose(np.linalg.cholesky(spd), f64([[2, 0, 0], [0.5, 1.6583123951777, 0], [1, 0, 2]]), 1e-13, 1e-13);
    expect(np.linalg.det(g).item()).toBeCloseTo(14.999999999999993, 12);
    expect(np.linalg.slogdet(g).map((t) => t.item())).toEqual([1, expect.closeTo(2.7080502011022096, 13)]);
    expect(np.linalg.slogdet(f64([[1, 2], [2, 4]])).map((t) => t.item())).toEqual([0, -Infinity]);
    // Only the named triangle is read; trans solves with its transpose; a 1-D b is a vector.
    const lower = np.linalg.solveTriangular(spd, np.array([2, 3, 4], { dtype: "float64" }), { lower: true });
    expectClose(np.matmul(np.tril(spd), lower), np.array([2, 3, 4], { dtype: "float64" }), 1e-14, 1e-14);
    const upperT = np.linalg.solveTriangular(spd, b, { trans: true });
    expectClose(np.matmul(np.triu(spd).T, upperT), b, 1e-14, 1e-14);
    // eigh: numpy's eigenvalues; A·V = V·diag(w) and VᵀV = I on a stack (a 3×3 and the symmetrised 12×12 of sines).
    expectClose(np.linalg.eigvalsh(spd), np.array([2.0965216172967187, 3.0722239520050754, 6.831254430698205], { dtype: "float64" }), 1e-13, 1e-13);
    const sines = np.reshape(np.sin(np.arange(144, undefined, undefined, { dtype: "float64" })), [12, 12]);
    const sym = np.mul(np.add(sines, sines.T), 0.5);
    for (const m of [spd, sym]) {
      const [w, v] = np.linalg.eigh(m);
      expectClose(np.matmul(m, v), np.mul(v, w), 1e-13, 1e-13);
      expectClose(np.matmul(v.T, v), np.eye(m.shape[0]!, undefined, { dtype: "float64" }), 1e-14, 1e-14);
      expect((w.toArray() as number[]).every((x, i, all) => i === 0 || all[i - 1]! <= x)).toBe(true);
    }
    // QR: Q·R = A, QᵀQ = I, R upper with numpy's R up to the signs of its rows (ours are non-negative on the diagonal).
    const tall = f64([[2, -1, 3], [1, 4, 0.5], [0, 2, -2], [3, 1, 1]]);
    const [q, rr] = np.linalg.qr(tall);
    expectClose(np.matmul(q, rr), tall, 1e-14, 1e-14);
    expectClose(np.matmul(q.T, q), np.eye(3, undefined, { dtype: "float64" }), 1e-14, 1e-14);
    expectClose(rr, f64([[3.7416573867739413, 1.3363062095621219, 2.538981798168031], [0, 4.496029994816062, -1.6443077896235416], [0, 0, 2.2582788405231913]]), 1e-14, 1e-14);
    // Batches broadcast: one matrix against two right-hand sides.
    expect(np.linalg.solve(g, np.stack([b, b])).shape).toEqual([2, 3, 2]);
  });

  it("linalg.norm gives numpy's vector and matrix norms", () => {
    const x = np.array([[1, -2, 3], [-4, 5, -6]], { dtype: "float64" });
    const v = np.array([3, -4, 0], { dtype: "float64" });
    const n = (...args: Parameters<typeof np.linalg.norm>) => np.linalg.norm(...args).toArray();
    expect([n(v), n(v, 1), n(v, Infinity), n(v, -Infinity), n(v, 0)]).toEqual([5, 7, 4, 0, 2]);
    expect(n(v, 3)).toBeCloseTo(4.497941445275415, 14);
    expect(n(x)).toBeCloseTo(9.539392014169456, 14);
    expect([n(x, "fro"), n(x, 1), n(x, -1), n(x, Infinity), n(x, -Infinity)]).toEqual([n(x), 9, 5, 15, 6]);
    expect(np.linalg.norm(x, 2, 0, { keepdims: true }).shape).toEqual([1, 3]);
    expect(np.linalg.norm(x, null, null, { keepdims: true }).shape).toEqual([1, 1]);
    expect(n(np.reshape(np.arange(24), [2, 3, 4]), 1, [2, 0])).toEqual([54, 70, 86]);
    expect(np.linalg.norm(np.array([3, 4], { dtype: "int32" })).dtype).toBe("float32");
  });

  it("einsum: ellipsis and repeated indices give numpy's values and shapes; diagonal and trace as numpy", () => {
    const ar = (n: number, shape: number[]) => np.reshape(np.arange(n), shape);
    expect(np.einsum("ii", np.mul(np.eye(3), 2)).item()).toBe(6);
    expect(np.einsum("ii->i", ar(9, [3, 3])).toArray()).toEqual([0, 4, 8]);
    expect(np.einsum("iij->ij", ar(18, [3, 3, 2])).toArray()).toEqual([[0, 1], [8, 9], [16, 17]]);
    expect(np.einsum("iii->i", ar(27, [3, 3, 3])).toArray()).toEqual([0, 13, 26]);
    expect(np.einsum("ij,ji->", ar(6, [2, 3]), ar(6, [3, 2])).item()).toBe(50);
    // "..." axes broadcast, aligned on the right, and lead the implicit output.
    expect(np.einsum("...ij,...jk", np.ones([2, 1, 3, 4]), np.ones([5, 4, 2])).shape).toEqual([2, 5, 3, 2]);
    expect(np.einsum("ij...,jk...", np.ones([2, 3, 5]), np.ones([3, 4, 1])).shape).toEqual([5, 2, 4]);
    expect(np.einsum("i...->...", np.ones([3, 2, 4])).toArray()).toEqual([[3, 3, 3, 3], [3, 3, 3, 3]]);
    expect(np.einsum("ij...->i", np.ones([2, 3])).toArray()).toEqual([3, 3]);
    const x = ar(24, [2, 3, 4]);
    expect(np.einsum("...jk,k->...j", x, np.ones([4])).toArray()).toEqual(np.sum(x, -1).toArray());
    expect(np.diagonal(ar(12, [3, 4])).toArray()).toEqual([0, 5, 10]);
    expect(np.diagonal(ar(12, [3, 4]), 1).toArray()).toEqual([1, 6, 11]);
    expect(np.diagonal(ar(12, [3, 4]), -1).toArray()).toEqual([4, 9]);
    expect(np.diagonal(ar(12, [3, 4]), 5).shape).toEqual([0]);
    expect(np.diagonal(x, 0, 0, 2).toArray()).toEqual([[0, 13], [4, 17], [8, 21]]);
    expect(np.trace(ar(12, [3, 4])).item()).toBe(15);
    expect(np.trace(x, 1, 1, 2).toArray()).toEqual([1 + 6 + 11, 13 + 18 + 23]);
  });

  it("einsum forms used by RL code", () => {
    expect(np.einsum("ij,jk->ik", a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(np.einsum("bi,bi->b", a, b).toArray()).toEqual([17, 53]);
    expect(np.einsum("i,j->ij", np.array([1, 2]), np.array([3, 4])).toArray()).toEqual([[3, 4], [6, 8]]);
    expect(np.einsum("bi,ij->bj", a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(np.einsum("bij,bjk->bik", np.stack([a, a]), np.stack([b, b])).shape).toEqual([2, 2, 2]);
    expect(np.einsum("ij->ji", a).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(np.einsum("ij->", a).item()).toBe(10);
  });
  it("float32 matmul of odd sizes matches a float64 reference", () => {
    const m = np.reshape(np.sin(np.arange(17 * 13)), [17, 13]);
    const n = np.reshape(np.cos(np.arange(13 * 7)), [13, 7]);
    expectClose(np.matmul(m, n), np.matmul(m.astype("float64"), n.astype("float64")), 1e-5, 1e-5);
    expectClose(np.matmul(m.T.T, n.T.T), np.matmul(m, n), 1e-5, 1e-5);
  });
});
