// Best-of-N selection against a known critic: argmax picks, vmap-batched selection vs a per-state loop, jit vs eager.
import { describe, it, expect } from "vitest";
import { DriftError, jit, np, random, type Array } from "@drift/tensor";
import { bestOfN, bestOfNSingle, selectBest } from "../src/selection.ts";

const f64 = (v: number[] | number[][] | number[][][]) => np.array(v, { dtype: "float64" });
const vec = (a: Array) => a.toArray() as number[];
const rows = (a: Array) => a.toArray() as number[][];

// Candidates are drawn around the state's first two features; the critic peaks at the state's target point.
const sample = (key: Array, s: Array) => np.add(np.slice(s, [0, 2]), random.normal(key, [2], { dtype: "float64" }));
const critic = (s: Array, a: Array) => np.neg(np.sum(np.square(np.sub(a, np.slice(s, [2, 4])))));

describe("selectBest", () => {
  it("gathers the argmax candidate (first on ties) per state", () => {
    const cands = f64([[[0, 0], [1, 1], [2, 2]], [[5, 5], [6, 6], [7, 7]]]);
    const q = f64([[0.1, 0.9, 0.3], [2, 2, 1]]);
    const sel = selectBest(cands, q);
    expect(rows(sel.action)).toEqual([[1, 1], [5, 5]]);
    expect(vec(sel.index)).toEqual([1, 0]);
    expect(vec(sel.score)).toEqual([0.9, 2]);
    expect(() => selectBest(cands, f64([[1, 2]]))).toThrow(DriftError);
  });
});

describe("bestOfN", () => {
  const states = f64([[0, 0, 1, -1], [3, 3, 3, 3], [-2, 1, -2, 0]]);
  const key = random.key(0);

  it("picks the argmax of the critic among the n sampled candidates", () => {
    const n = 16;
    const sel = bestOfN(key, states, n, sample, critic);
    expect(sel.action.shape).toEqual([3, 2]);
    const keys = random.split(key, 3);
    rows(states).forEach((s, b) => {
      const kb = np.reshape(np.slice(keys, [b, b + 1]), [2]);
      const ck = random.split(kb, n);
      const cands = globalThis.Array.from({ length: n }, (_, i) => vec(sample(np.reshape(np.slice(ck, [i, i + 1]), [2]), f64(s))));
      const qs = cands.map((a) => -((a[0]! - s[2]!) ** 2 + (a[1]! - s[3]!) ** 2));
      const best = qs.indexOf(Math.max(...qs));
      expect(vec(sel.index)[b]).toBe(best);
      expect(vec(sel.score)[b]).toBeCloseTo(qs[best]!, 12);
      rows(sel.action)[b]!.forEach((v, i) => expect(v).toBeCloseTo(cands[best]![i]!, 12));
      const single = bestOfNSingle(kb, f64(s), n, sample, critic);
      expect(single.index.item()).toBe(best);
    });
  });

  it("more candidates never lower the selected score; jit equals eager", () => {
    const q1 = vec(bestOfN(key, states, 1, sample, critic).score);
    const q64 = vec(bestOfN(key, states, 64, sample, critic).score);
    q64.forEach((q, b) => expect(q).toBeGreaterThan(q1[b]! - 1e-12));
    const j = jit((k: Array, s: Array) => bestOfN(k, s, 8, sample, critic))(key, states);
    const e = bestOfN(key, states, 8, sample, critic);
    expect(np.max(np.abs(np.sub(j.action, e.action))).item()).toBeLessThan(1e-12);
    expect(vec(j.index)).toEqual(vec(e.index));
    expect(() => bestOfN(key, states, 0, sample, critic)).toThrow(/positive integer/);
  });
});
