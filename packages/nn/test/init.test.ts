// Initializers: fans, sample statistics on 256×256 draws, truncation bounds, orthogonality, dtypes, vmap/jit purity.
import { describe, expect, it } from "vitest";
import { DriftError, jit, np, random, vmap, type Array } from "@drift/tensor";
import * as init from "../src/init.ts";

const N = 256;

/** Sample mean, variance and largest magnitude of an array. */
function stats(x: Array): { mean: number; variance: number; maxAbs: number; min: number; max: number } {
  const d = x.dataSync();
  let s = 0;
  let maxAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, variance: ss / d.length, maxAbs, min, max };
}

function maxAbsDiff(a: Array, b: Array): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe("computeFans", () => {
  it("reads fan_in from axis −2 and fan_out from axis −1, times the receptive field", () => {
    expect(init.computeFans([3, 4])).toEqual([3, 4]);
    // Conv kernel [k, in, out]: receptive field k.
    expect(init.computeFans([5, 3, 4])).toEqual([15, 20]);
    // An ensemble axis declared as batch does not count.
    expect(init.computeFans([7, 3, 4], { batchAxis: 0 })).toEqual([3, 4]);
    expect(init.computeFans([3, 4], { inAxis: -1, outAxis: -2 })).toEqual([4, 3]);
  });

  it("rejects rank < 2 and out-of-range axes", () => {
    expect(() => init.computeFans([5])).toThrow(/rank ≥ 2/);
    expect(() => init.computeFans([3, 4], { inAxis: 2 })).toThrow(DriftError);
  });
});

describe("variance-scaling family on 256×256 draws (|mean| < 0.01 and < 5σ/√n, variance within 5%)", () => {
  const cases: [string, init.Initializer, number][] = [
    ["lecunNormal", init.lecunNormal(), 1 / N],
    ["lecunUniform", init.lecunUniform(), 1 / N],
    ["heNormal", init.heNormal(), 2 / N],
    ["heUniform", init.heUniform(), 2 / N],
    ["xavierNormal", init.xavierNormal(), 1 / N],
    ["xavierUniform", init.xavierUniform(), 1 / N],
    ["torchLinearDefault", init.torchLinearDefault(), 1 / (3 * N)],
    ["varianceScaling(0.5, fanOut, normal)", init.varianceScaling(0.5, "fanOut", "normal"), 0.5 / N],
  ];
  it.each(cases)("%s", (_name, initializer, target) => {
    const w = initializer(random.key(1), [N, N]);
    expect(w.shape).toEqual([N, N]);
    expect(w.dtype).toBe("float32");
    const s = stats(w);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(Math.abs(s.mean)).toBeLessThan((5 * Math.sqrt(target)) / N);
    expect(Math.abs(s.variance / target - 1)).toBeLessThan(0.05);
  });

  it("xavier uses the average fan: variance 2/(fan_in + fan_out) on a 128×512 kernel", () => {
    const target = 2 / (128 + 512);
    for (const f of [init.xavierNormal(), init.xavierUniform()]) {
      const s = stats(f(random.key(2), [128, 512]));
      expect(Math.abs(s.variance / target - 1)).toBeLessThan(0.05);
    }
  });

  it("fanIn uses the receptive field of a conv kernel [k, in, out]", () => {
    const s = stats(init.heNormal()(random.key(3), [4, 64, 256]));
    expect(Math.abs(s.variance / (2 / (4 * 64)) - 1)).toBeLessThan(0.05);
  });

  it("truncated normals are bounded by 2σ before the 1/0.8796 rescaling", () => {
    for (const [f, variance] of [
      [init.lecunNormal(), 1 / N],
      [init.heNormal(), 2 / N],
    ] as const) {
      const s = stats(f(random.key(4), [N, N]));
      const bound = (2 * Math.sqrt(variance)) / init.TRUNCATED_NORMAL_STDDEV;
      expect(s.maxAbs).toBeLessThan(bound);
      // The tails are actually reached: the largest draw is close to the bound.
      expect(s.maxAbs).toBeGreaterThan(0.98 * bound);
    }
  });

  it("uniform variants stay within ±√(3·var)", () => {
    const s = stats(init.heUniform()(random.key(5), [N, N]));
    const bound = Math.sqrt(6 / N);
    expect(s.maxAbs).toBeLessThanOrEqual(bound);
    expect(s.maxAbs).toBeGreaterThan(0.99 * bound);
    const t = stats(init.torchLinearDefault()(random.key(6), [N, N]));
    expect(t.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(N));
  });

  it("is the same draw as the JAX formula: lecunNormal = truncatedNormal(−2, 2)·√(1/fan_in)/0.8796", () => {
    const key = random.key(7);
    const want = np.mul(random.truncatedNormal(key, -2, 2, [16, 8]), Math.sqrt(1 / 16) / init.TRUNCATED_NORMAL_STDDEV);
    expect(maxAbsDiff(init.lecunNormal()(key, [16, 8]), want)).toBe(0);
  });

  it("rejects unknown modes and distributions, listing the valid ones", () => {
    expect(() => init.varianceScaling(1, "fan_in" as init.FanMode, "normal")).toThrow(/fanIn, fanOut, fanAvg/);
    expect(() => init.varianceScaling(1, "fanIn", "gauss" as init.Distribution)).toThrow(/truncatedNormal, normal, uniform/);
    expect(() => init.varianceScaling(0, "fanIn", "normal")).toThrow(DriftError);
    expect(() => init.lecunNormal()(random.key(0), [5])).toThrow(DriftError);
  });
});

describe("simple initializers", () => {
  it("normal(stddev) and uniform(scale) match their moments (JAX defaults 1e-2)", () => {
    const n = stats(init.normal(0.05)(random.key(8), [N, N]));
    expect(Math.abs(n.mean)).toBeLessThan(0.01);
    expect(Math.abs(n.variance / 0.0025 - 1)).toBeLessThan(0.05);
    const d = stats(init.normal()(random.key(9), [N, N]));
    expect(Math.abs(d.variance / 1e-4 - 1)).toBeLessThan(0.05);
    const u = stats(init.uniform(0.1)(random.key(10), [N, N]));
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(0.1);
    expect(Math.abs(u.mean - 0.05)).toBeLessThan(0.001);
    expect(Math.abs(u.variance / (0.01 / 12) - 1)).toBeLessThan(0.05);
  });

  it("truncatedNormal({stddev}) is bounded by 2·stddev with the truncated variance 0.7737·stddev²", () => {
    const s = stats(init.truncatedNormal({ stddev: 0.5 })(random.key(11), [N, N]));
    expect(s.maxAbs).toBeLessThan(1);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(Math.abs(s.variance / (0.25 * init.TRUNCATED_NORMAL_STDDEV ** 2) - 1)).toBeLessThan(0.05);
  });

  it("zeros, ones and constant ignore the key and honour the dtype", () => {
    const k = random.key(0);
    expect(init.zeros(k, [2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(init.ones(k, [2]).toArray()).toEqual([1, 1]);
    const c = init.constant(0.25)(k, [3], { dtype: "float64" });
    expect(c.dtype).toBe("float64");
    expect(c.toArray()).toEqual([0.25, 0.25, 0.25]);
    expect(() => init.zeros(k, [2], { dtype: "int32" })).toThrow(/float32 or float64/);
  });

  it("torchLinearBias(fanIn) draws U(−1/√fanIn, 1/√fanIn)", () => {
    const s = stats(init.torchLinearBias(16)(random.key(12), [4096]));
    expect(s.min).toBeGreaterThanOrEqual(-0.25);
    expect(s.max).toBeLessThan(0.25);
    expect(Math.abs(s.variance / (0.0625 / 3) - 1)).toBeLessThan(0.1);
  });

  it("scaled(f, c) is c times the same draw", () => {
    const k = random.key(13);
    const base = init.lecunNormal()(k, [8, 8]);
    expect(maxAbsDiff(init.scaled(init.lecunNormal(), 1e-8)(k, [8, 8]), np.mul(base, 1e-8))).toBe(0);
  });

  it("float64 draws keep their dtype and statistics", () => {
    const w = init.heNormal()(random.key(14), [N, N], { dtype: "float64" });
    expect(w.dtype).toBe("float64");
    expect(Math.abs(stats(w).variance / (2 / N) - 1)).toBeLessThan(0.05);
  });
});

describe("orthogonal", () => {
  function gramError(q: Array, rows: boolean): number {
    const g = rows ? np.matmul(q, np.transpose(q)) : np.matmul(np.transpose(q), q);
    return maxAbsDiff(g, np.eye(g.shape[0]!, undefined, { dtype: q.dtype }));
  }

  it("256×256: QᵀQ = I to 1e-5 in float32 and 1e-12 in float64", () => {
    expect(gramError(init.orthogonal()(random.key(20), [N, N]), false)).toBeLessThan(1e-5);
    expect(gramError(init.orthogonal()(random.key(20), [N, N], { dtype: "float64" }), false)).toBeLessThan(1e-12);
  });

  it("tall kernels get orthonormal columns, wide ones orthonormal rows; scale multiplies", () => {
    expect(gramError(init.orthogonal()(random.key(21), [40, 7]), false)).toBeLessThan(1e-6);
    expect(gramError(init.orthogonal()(random.key(22), [5, 64]), true)).toBeLessThan(1e-6);
    const q = init.orthogonal({ scale: 2 })(random.key(23), [6, 6], { dtype: "float64" });
    expect(gramError(np.mul(q, 0.5), false)).toBeLessThan(1e-12);
  });

  it("is the sign-corrected QR of the normal draw (R = QᵀA upper triangular with a positive diagonal), as JAX", () => {
    const key = random.key(24);
    const a = random.normal(key, [12, 5], { dtype: "float64" });
    const q = init.orthogonal()(key, [12, 5], { dtype: "float64" });
    const r = np.matmul(np.transpose(q), a).toArray() as number[][];
    r.forEach((row, i) =>
      row.forEach((v, j) => {
        if (j < i) expect(Math.abs(v)).toBeLessThan(1e-12);
        if (j === i) expect(v).toBeGreaterThan(0);
      }),
    );
    // Q·R reproduces A.
    expect(maxAbsDiff(np.matmul(q, np.array(r, { dtype: "float64" })), a)).toBeLessThan(1e-12);
  });

  it("flattens the non-column axes of a rank-3 shape", () => {
    const q = init.orthogonal()(random.key(25), [3, 4, 5], { dtype: "float64" });
    expect(q.shape).toEqual([3, 4, 5]);
    expect(gramError(np.reshape(q, [12, 5]), false)).toBeLessThan(1e-12);
    expect(() => init.orthogonal()(random.key(0), [4])).toThrow(DriftError);
  });
});

describe("purity under transformations", () => {
  const initializers: [string, init.Initializer][] = [
    ["lecunNormal", init.lecunNormal()],
    ["xavierUniform", init.xavierUniform()],
    ["orthogonal", init.orthogonal()],
    ["normal", init.normal(1)],
  ];
  it.each(initializers)("%s under vmap over keys equals a loop, and under jit equals eager", (_name, f) => {
    const keys = random.split(random.key(30), 3);
    const batched = vmap((k: Array) => f(k, [6, 4]))(keys);
    for (let i = 0; i < 3; i++) {
      const k = np.reshape(np.slice(keys, [i, i + 1]), [2]);
      expect(maxAbsDiff(np.reshape(np.slice(batched, [i, i + 1]), [6, 4]), f(k, [6, 4]))).toBeLessThan(1e-6);
    }
    const k0 = random.key(31);
    expect(maxAbsDiff(jit((k: Array) => f(k, [6, 4]))(k0), f(k0, [6, 4]))).toBeLessThan(1e-6);
  });

  it("is deterministic in the key and differs across keys", () => {
    const f = init.heUniform();
    expect(maxAbsDiff(f(random.key(1), [4, 4]), f(random.key(1), [4, 4]))).toBe(0);
    expect(maxAbsDiff(f(random.key(1), [4, 4]), f(random.key(2), [4, 4]))).toBeGreaterThan(0.01);
  });
});
