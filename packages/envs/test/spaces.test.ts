// Tests for spaces: Box/Discrete/MultiDiscrete sampling and membership, batchSpace, bad construction, jit/vmap sampling.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random, vmap } from "@drift/tensor";
import { Box, Discrete, MultiDiscrete, batchSpace } from "../src/index.ts";

const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);
const key = random.key(3);

describe("Box", () => {
  it("broadcasts scalar bounds, takes the shape from array bounds, and checks membership", () => {
    const b = new Box(-2, 2, [1]);
    expect(b.shape).toEqual([1]);
    expect(b.toString()).toBe("Box(-2, 2, [1], float32)");
    expect(b.contains([1.5])).toBe(true);
    expect(b.contains([2.5])).toBe(false);
    expect(b.contains([NaN])).toBe(false);
    expect(b.contains([1, 1])).toBe(false);
    expect(b.contains(np.array([true]))).toBe(false);
    const c = new Box([-1, -1, -8], [1, 1, 8]);
    expect(c.shape).toEqual([3]);
    expect(c.toString()).toBe("Box([-1, -1, -8], [1, 1, 8], [3], float32)");
    expect(c.contains(np.array([0.5, -1, 8]))).toBe(true);
  });

  it("samples uniformly when bounded, N(0,1) when unbounded, low + Exp(1) / high − Exp(1) when half-bounded", () => {
    const b = new Box([-1, -Infinity, 2, -Infinity], [3, Infinity, Infinity, -5], [4]);
    const xs = vmap((k: Array) => b.sample(k))(random.split(key, 2000)).toArray() as number[][];
    const colStats = (j: number) => {
      const c = xs.map((r) => r[j]!);
      const mean = c.reduce((s, v) => s + v, 0) / c.length;
      return { mean, min: Math.min(...c), max: Math.max(...c), sd: Math.sqrt(c.reduce((s, v) => s + (v - mean) ** 2, 0) / c.length) };
    };
    const u = colStats(0);
    expect(u.min).toBeGreaterThanOrEqual(-1);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(1, 1);
    const n = colStats(1);
    expect(Math.abs(n.mean)).toBeLessThan(0.1);
    expect(n.sd).toBeGreaterThan(0.9);
    expect(n.sd).toBeLessThan(1.1);
    const lo = colStats(2);
    expect(lo.min).toBeGreaterThanOrEqual(2);
    expect(lo.mean).toBeCloseTo(3, 0);
    const hi = colStats(3);
    expect(hi.max).toBeLessThanOrEqual(-5);
    expect(hi.mean).toBeCloseTo(-6, 0);
    expect(vals(jit((k: Array) => b.sample(k))(key))).toEqual(vals(b.sample(key)));
  });

  it("rejects bad bounds", () => {
    expect(() => new Box(1, -1, [2])).toThrow(/low must be <= high; element 0 has low 1 > high -1/);
    expect(() => new Box([0, 0], [1, 1, 1])).toThrow(DriftError);
    expect(() => new Box(0, NaN, [1])).toThrow(/NaN/);
    expect(() => new Box(0, 1, [1], "int32")).toThrow(/float32 or float64/);
  });
});

describe("Discrete and MultiDiscrete", () => {
  it("sample integers in range and check membership", () => {
    const d = new Discrete(4, 1);
    const xs = vals(vmap((k: Array) => d.sample(k))(random.split(key, 400)));
    expect(new Set(xs)).toEqual(new Set([1, 2, 3, 4]));
    expect(d.contains(4)).toBe(true);
    expect(d.contains(0)).toBe(false);
    expect(d.contains(2.5)).toBe(false);
    expect(d.toString()).toBe("Discrete(4, start=1)");
    const m = new MultiDiscrete([2, 5]);
    const ys = vmap((k: Array) => m.sample(k))(random.split(key, 300)).toArray() as number[][];
    expect(Math.max(...ys.map((r) => r[0]!))).toBe(1);
    expect(Math.max(...ys.map((r) => r[1]!))).toBe(4);
    expect(m.contains([1, 4])).toBe(true);
    expect(m.contains([2, 0])).toBe(false);
    expect(() => new Discrete(0)).toThrow(/positive integer/);
  });

  it("batchSpace stacks Box bounds and turns Discrete into MultiDiscrete", () => {
    const b = batchSpace(new Box([-1, 0], [1, 2]), 3) as Box;
    expect(b.shape).toEqual([3, 2]);
    expect(b.contains([[0, 1], [1, 2], [-1, 0]])).toBe(true);
    expect(b.contains([[0, 3], [1, 2], [-1, 0]])).toBe(false);
    const d = batchSpace(new Discrete(3), 2);
    expect(d).toBeInstanceOf(MultiDiscrete);
    expect(d.toString()).toBe("MultiDiscrete([3,3])");
  });
});
