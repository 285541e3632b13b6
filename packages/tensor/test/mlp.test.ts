// End to end: a 2-layer MLP fits a 1-D regression with valueAndGrad and plain SGD; eager memory stays flat.
import { describe, expect, it } from "vitest";
import { type Array, np, random, tree, valueAndGrad } from "../src/index.ts";

type Params = { w1: Array; b1: Array; w2: Array; b2: Array };

function init(key: Array, hidden: number): Params {
  const [k1, k2] = [random.foldIn(key, 1), random.foldIn(key, 2)];
  return {
    w1: random.normal(k1, [1, hidden]).mul(1.0),
    b1: np.zeros([hidden]),
    w2: random.normal(k2, [hidden, 1]).mul(1 / Math.sqrt(hidden)),
    b2: np.zeros([1]),
  };
}

const predict = (p: Params, x: Array): Array => np.add(np.matmul(np.tanh(np.add(np.matmul(x, p.w1), p.b1)), p.w2), p.b2);
const loss = (p: Params, x: Array, y: Array): Array => np.mean(np.square(np.sub(predict(p, x), y)));

describe("MLP regression with valueAndGrad + SGD", () => {
  it("fits y = sin(2x) on [-1.5, 1.5] below MSE 0.01 (starts above 0.2)", () => {
    const x = np.reshape(np.linspace(-1.5, 1.5, 64), [64, 1]);
    const y = np.sin(np.mul(x, 2));
    let params = init(random.key(0), 32);
    const step = valueAndGrad(loss);
    const first = loss(params, x, y).item();
    let last = first;
    for (let i = 0; i < 3000; i++) {
      const [l, g] = step(params, x, y);
      params = tree.map((p, d) => np.sub(p, np.mul(d, 0.05)), params, g);
      last = l.item();
    }
    expect(first).toBeGreaterThan(0.2);
    expect(last).toBeLessThan(0.01);
  });
});

describe("memory", () => {
  it("10^5 eager ops keep the heap flat", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "vitest.config.ts runs tests with --expose-gc").toBeDefined();
    let x = np.ones([64]);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) x = np.add(np.mul(x, 0.5), 0.5);
    };
    run(10_000);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    run(100_000);
    gc?.();
    const after = process.memoryUsage().heapUsed;
    expect(x.dataSync()[0]).toBe(1);
    // Retaining each result would cost 10^5 × ~300 B ≈ 30 MB.
    expect(after - before).toBeLessThan(2e6);
  });
});
