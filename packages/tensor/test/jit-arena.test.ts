// The arena planner: live buffers never overlap, outputs never alias arena memory, nested runs, growth, donation, threads.
import { describe, expect, it } from "vitest";
import { type Array, jit, lax, np, random, tree, valueAndGrad } from "../src/index.ts";
import { compileJaxpr } from "../src/jit/compile.ts";
import { planOffsets } from "../src/jit/program.ts";
import { arena } from "../src/backend/wasm/arena.ts";
import { KernelPool, guidedChunks, setKernelThreads } from "../src/backend/wasm/threads.ts";
import { ModuleBuilder, i32 } from "../src/backend/wasm/emitter.ts";
import { wasmApi } from "../src/backend/wasm/wasm-api.ts";
import { expectClose } from "./helpers.ts";

type Slot = { offset: number; bytes: number; start: number; end: number };

/** No two slots whose lifetimes intersect share a byte. */
function expectDisjoint(slots: readonly Slot[]): void {
  for (let i = 0; i < slots.length; i++)
    for (let j = i + 1; j < slots.length; j++) {
      const a = slots[i]!;
      const b = slots[j]!;
      const liveTogether = a.start <= b.end && b.start <= a.end;
      const overlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
      if (liveTogether && overlap) throw new Error(`slots ${i} and ${j} overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    }
}

/** Compiles `f` with kernel threads off and on; both programs' outputs equal eager `f` within 1e-4. Returns the split one. */
function expectSingleAndSplitMatchEager(f: (a: Array, b: Array) => Array, a: Array, b: Array) {
  const expected = f(a, b).dataSync();
  const jaxpr = jit(f).lower(a, b).jaxpr;
  setKernelThreads(0);
  const single = compileJaxpr(jaxpr);
  setKernelThreads(1);
  const multi = compileJaxpr(jaxpr);
  setKernelThreads(0);
  for (const program of [single, multi]) {
    const got = program.run([a, b] as any)[0]!.dataSync();
    let worst = 0;
    got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
    expect(worst).toBeLessThan(1e-4);
  }
  return multi;
}

const mlp = (p: { w: Array; b: Array }[], x: Array, y: Array): Array => {
  let h = x;
  p.forEach((l, i) => {
    h = np.add(np.matmul(h, l.w), l.b);
    if (i < p.length - 1) h = np.maximum(h, 0);
  });
  return np.mean(np.square(np.sub(h, y)));
};

function mlpParams(sizes: number[], seed: number): { w: Array; b: Array }[] {
  return sizes.slice(1).map((n, i) => ({
    w: np.mul(random.normal(random.key(seed + i), [sizes[i]!, n]), 0.3),
    b: np.mul(random.normal(random.key(seed + 100 + i), [n]), 0.1),
  }));
}

describe("planOffsets", () => {
  it("never overlaps buffers that are live at the same time, on random lifetimes", () => {
    let state = 7;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state % n;
    };
    for (let trial = 0; trial < 20; trial++) {
      const items = globalThis.Array.from({ length: 60 }, () => {
        const start = rand(40);
        return { bytes: 16 * (1 + rand(64)), start, end: start + rand(10) };
      });
      const { offsets, size } = planOffsets(items);
      const slots = items.map((it, i) => ({ ...it, offset: offsets[i]! }));
      expectDisjoint(slots);
      for (const s of slots) expect(s.offset + s.bytes).toBeLessThanOrEqual(size);
      // Reuse: the frame is smaller than giving every buffer its own bytes.
      expect(size).toBeLessThan(items.reduce((n, it) => n + it.bytes, 0));
    }
  });

  it("places the slots of a compiled training step without overlaps, inside the frame", () => {
    const params = mlpParams([8, 32, 32, 4], 1);
    const x = random.normal(random.key(2), [16, 8]);
    const y = random.normal(random.key(3), [16, 4]);
    const step = (p: typeof params, x: Array, y: Array) => {
      const [l, g] = valueAndGrad(mlp)(p, x, y);
      return [tree.map((a: Array, b: Array) => np.sub(a, np.mul(b, 0.1)), p as any, g as any), l];
    };
    const program = compileJaxpr(jit(step).lower(params, x, y).jaxpr);
    expect(program.arenaPlan.length).toBeGreaterThan(10);
    expectDisjoint(program.arenaPlan);
    for (const s of program.arenaPlan) expect(s.offset + s.bytes).toBeLessThanOrEqual(program.frameBytes);
  });
});

describe("compiled programs and the arena", () => {
  it("return arrays that never alias arena memory, and later runs leave earlier results intact", () => {
    const f = jit((x: Array, y: Array) => [np.tanh(np.mul(x, y)), np.sum(np.add(x, y), 0), np.reshape(np.matmul(x, y), [-1])]);
    const x1 = random.normal(random.key(4), [8, 8]);
    const y1 = random.normal(random.key(5), [8, 8]);
    const first = f(x1, y1);
    const saved = first.map((a) => a.toArray());
    for (const a of first) {
      expect(a.dataSync().buffer).not.toBe(arena.memory.buffer);
      expect(a.dataSync().buffer instanceof SharedArrayBuffer).toBe(false);
    }
    f(random.normal(random.key(6), [8, 8]), random.normal(random.key(7), [8, 8]));
    expect(first.map((a) => a.toArray())).toEqual(saved);
    expectClose(first[0]!, np.tanh(np.mul(x1, y1)), 0, 0);
  });

  it("runs nested programs (scan bodies) in frames above the caller's and equals eager", () => {
    const w = np.mul(random.normal(random.key(8), [6, 6]), 0.5);
    const f = (x0: Array, xs: Array) => lax.scan((c: Array, x: Array): [Array, Array] => [np.tanh(np.add(np.matmul(c, w), x)), np.sum(c)], x0, xs);
    const x0 = random.normal(random.key(9), [4, 6], { dtype: "float32" });
    const xs = random.normal(random.key(10), [5, 4, 6], { dtype: "float32" });
    const [c, ys] = jit(f)(x0, xs);
    const [ce, yse] = f(x0, xs);
    expectClose(c, ce, 1e-6, 1e-5);
    expectClose(ys, yse, 1e-5, 1e-5);
  });

  it("grows the arena for large frames and stays correct", () => {
    const n = 1 << 21;
    const x = np.reshape(np.arange(n).astype("float32"), [n / 1024, 1024]);
    const before = arena.memory.buffer.byteLength;
    const out = jit((x: Array) => np.sum(np.mul(np.add(x, 1), 2), 1))(x);
    expect(arena.memory.buffer.byteLength).toBeGreaterThanOrEqual(Math.min(before, 3 * 4 * n));
    expect(out.shape).toEqual([n / 1024]);
    expect(out.dataSync()[0]).toBe(2 * (1024 * 1025) / 2);
  });

  it("writes outputs into donated buffers of the same size and leaves other inputs alone", () => {
    const params = mlpParams([8, 16, 4], 11);
    const x = random.normal(random.key(12), [8, 8]);
    const y = random.normal(random.key(13), [8, 4]);
    const sgd = (p: typeof params, x: Array, y: Array) => {
      const [l, g] = valueAndGrad(mlp)(p, x, y);
      return [tree.map((a: Array, b: Array) => np.sub(a, np.mul(b, 0.1)), p as any, g as any), l] as [typeof params, Array];
    };
    const want = sgd(params, x, y);
    const donatedBuffers = new Set(tree.leaves(params).map((a) => a.dataSync()));
    const xData = x.toArray();
    const [p2, l2] = jit(sgd, { donateArgnums: 0 })(params, x, y);
    expectClose(l2, want[1], 0, 0);
    tree.leaves(p2).forEach((a, i) => {
      expect(donatedBuffers.has(a.dataSync())).toBe(true);
      expectClose(a, tree.leaves(want[0])[i]!, 0, 0);
    });
    expect(x.toArray()).toEqual(xData);
  });

  it("splits large matmuls across kernel threads with results equal to one thread", () => {
    const params = mlpParams([64, 256, 256], 20);
    const x = random.normal(random.key(21), [256, 64], { dtype: "float32" });
    const y = random.normal(random.key(22), [256, 256], { dtype: "float32" });
    const f = (p: typeof params, x: Array, y: Array) => valueAndGrad(mlp)(p, x, y);
    const jaxpr = jit(f).lower(params, x, y).jaxpr;
    setKernelThreads(0);
    const single = compileJaxpr(jaxpr);
    setKernelThreads(1);
    const multi = compileJaxpr(jaxpr);
    setKernelThreads(0);
    expect(single.kernels.threaded).toBe(0);
    const inputs = [...tree.leaves(params), x, y] as any;
    const a = single.run(inputs);
    const b = multi.run(inputs);
    a.forEach((o, i) => expect(b[i]!.toArray()).toEqual(o.toArray()));
    // Threads need worker_threads (Node) and a shared arena; where they exist the big matmuls are split.
    if (arena.shared && typeof (globalThis as any).process?.getBuiltinModule === "function") expect(multi.kernels.threaded).toBeGreaterThan(0);
  });

  it("packs untransposed B in groups of panels: whole groups, pairs, a leftover panel and edge columns equal eager", () => {
    // n = 157: 19 full 8-column panels (2 groups of 8, a pair and 1 more) and 5 edge columns; n = 1043: 130 panels, split
    // in guided chunks of pairs (32, 24, 18, … panels), each packed by whole groups and then pairs.
    for (const [m, k, n] of [
      [37, 130, 157],
      [64, 96, 1043],
    ] as const) {
      const a = random.normal(random.key(25), [m, k], { dtype: "float32" });
      const b = random.normal(random.key(26), [k, n], { dtype: "float32" });
      expectSingleAndSplitMatchEager((a, b) => np.matmul(a, b), a, b);
    }
  });

  it("sweeps long-k groups a block of rows at a time: full blocks, a short block and edge rows equal eager, NN, TN and NT", () => {
    // k = 4100: blocks of 7 row panels (2 full blocks, 3 panels left, 2 edge rows of m = 70); groups of 3 panels
    // (n = 59: 2 groups, 1 leftover panel, 3 edge columns).
    const [m, k, n] = [70, 4100, 59];
    const a = random.normal(random.key(27), [m, k], { dtype: "float32" });
    const aT = random.normal(random.key(28), [k, m], { dtype: "float32" });
    const b = random.normal(random.key(29), [k, n], { dtype: "float32" });
    const bT = random.normal(random.key(30), [n, k], { dtype: "float32" });
    for (const [f, x, y, transA, transB] of [
      [(a: Array, b: Array) => np.matmul(a, b), a, b, false, false],
      [(a: Array, b: Array) => np.matmul(np.transpose(a), b), aT, b, true, false],
      [(a: Array, b: Array) => np.matmul(a, np.transpose(b)), a, bT, false, true],
    ] as const) {
      const jaxpr = jit(f).lower(x, y).jaxpr;
      setKernelThreads(0);
      const single = compileJaxpr(jaxpr).run([x, y] as any)[0]!.dataSync();
      setKernelThreads(1);
      const split = compileJaxpr(jaxpr).run([x, y] as any)[0]!.dataSync();
      setKernelThreads(0);
      // Every tile sums over k in order whatever the blocking or threads: the two programs agree bit for bit, and each
      // entry is within float32 summation error (k·2^-24·Σ|a||b|, loose by the usual √k) of the float64 product.
      expect(split).toEqual(single);
      const xData = x.dataSync();
      const yData = y.dataSync();
      let worst = 0;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let exact = 0;
          let magnitude = 0;
          for (let p = 0; p < k; p++) {
            const product = xData[transA ? p * m + i : i * k + p]! * yData[transB ? j * k + p : p * n + j]!;
            exact += product;
            magnitude += Math.abs(product);
          }
          worst = Math.max(worst, Math.abs(single[i * n + j]! - exact) / (magnitude * k * 2 ** -24));
        }
      expect(worst).toBeLessThan(1);
    }
  });

  it("eager float32 matmul equals jit's gemm bit for bit in NN, NT and TN: tiny, long k, few rows and split products", () => {
    // The first shapes have fewer than 256 multiply-adds (eager sums them in JS, rounding each step to float32); the
    // last has 5M: eager splits it across the kernel threads too.
    for (const [m, k, n] of [
      [3, 17, 4],
      [1, 9, 1],
      [4, 8, 7],
      [37, 700, 29],
      [2, 130, 59],
      [64, 64, 64],
      [130, 300, 130],
    ] as const) {
      const a = random.normal(random.key(80 + m), [m, k], { dtype: "float32" });
      const aT = random.normal(random.key(81 + m), [k, m], { dtype: "float32" });
      const b = random.normal(random.key(82 + n), [k, n], { dtype: "float32" });
      const bT = random.normal(random.key(83 + n), [n, k], { dtype: "float32" });
      for (const [f, x, y] of [
        [(p: Array, q: Array) => np.matmul(p, q), a, b],
        [(p: Array, q: Array) => np.matmul(p, np.transpose(q)), a, bT],
        [(p: Array, q: Array) => np.matmul(np.transpose(p), q), aT, b],
      ] as const) {
        setKernelThreads(0);
        expect(jit(f)(x, y).dataSync()).toEqual(f(x, y).dataSync());
        setKernelThreads(undefined);
      }
    }
  });

  it("reads B in place for fewer than 4 rows (m = 1, 2, 3): edge columns, batches, a fused bias + ReLU, split", () => {
    // Within float32 summation error of the float64 product (every tile sums over k in order), and split = single.
    const check = (got: ArrayLike<number>, a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, bias?: Float32Array) => {
      let worst = 0;
      for (let e = 0; e < batch; e++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let exact = bias ? bias[j]! : 0;
            let magnitude = Math.abs(exact);
            for (let p = 0; p < k; p++) {
              const product = a[(e * m + i) * k + p]! * b[(e * k + p) * n + j]!;
              exact += product;
              magnitude += Math.abs(product);
            }
            if (bias) exact = Math.max(exact, 0);
            worst = Math.max(worst, Math.abs(got[(e * m + i) * n + j]! - exact) / ((magnitude + 1e-30) * (k + 1) * 2 ** -24));
          }
      expect(worst).toBeLessThan(1);
    };
    const run = (f: (...xs: Array[]) => Array, inputs: Array[]) => {
      const jaxpr = jit(f).lower(...inputs).jaxpr;
      setKernelThreads(0);
      const single = compileJaxpr(jaxpr).run(inputs as any)[0]!.dataSync();
      setKernelThreads(1);
      const multi = compileJaxpr(jaxpr);
      const split = multi.run(inputs as any)[0]!.dataSync();
      setKernelThreads(0);
      expect(split).toEqual(single);
      return { single, multi };
    };
    for (const [batch, m, k, n] of [
      [1, 1, 37, 59],
      [1, 2, 37, 5],
      [1, 3, 130, 64],
      [3, 2, 19, 13],
    ] as const) {
      const shapeA = batch > 1 ? [batch, m, k] : [m, k];
      const shapeB = batch > 1 ? [batch, k, n] : [k, n];
      const a = random.normal(random.key(40 + m), shapeA, { dtype: "float32" });
      const b = random.normal(random.key(50 + n), shapeB, { dtype: "float32" });
      const c = random.normal(random.key(60), [n], { dtype: "float32" });
      check(run((a, b) => np.matmul(a, b), [a, b]).single, a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, m, k, n);
      if (batch === 1)
        check(run((a, b, c) => np.maximum(np.add(np.matmul(a, b), c), 0), [a, b, c]).single, a.dataSync() as Float32Array, b.dataSync() as Float32Array, 1, m, k, n, c.dataSync() as Float32Array);
    }
    // One row against a 2048 × 2056 matrix: 4.2M multiply-adds, enough to be split between threads.
    const a = random.normal(random.key(70), [1, 2048], { dtype: "float32" });
    const b = random.normal(random.key(71), [2048, 2056], { dtype: "float32" });
    const { single, multi } = run((a, b) => np.matmul(a, b), [a, b]);
    check(single, a.dataSync() as Float32Array, b.dataSync() as Float32Array, 1, 1, 2048, 2056);
    if (arena.shared && typeof (globalThis as any).process?.getBuiltinModule === "function") expect(multi.kernels.threaded).toBe(1);
  });

  it("packs transposed A once per call: batched, ragged-m TN products equal eager on one thread and split", () => {
    // A stored [batch, k, m] with m = 30 (not a multiple of the 4-row panel), used as Aᵀ: the layout flag path.
    const a = random.normal(random.key(23), [3, 200, 30], { dtype: "float32" });
    const b = random.normal(random.key(24), [3, 200, 240], { dtype: "float32" });
    const multi = expectSingleAndSplitMatchEager((a, b) => np.matmul(np.swapaxes(a, 1, 2), b), a, b);
    if (arena.shared && typeof (globalThis as any).process?.getBuiltinModule === "function") expect(multi.kernels.threaded).toBe(1);
  });
});

describe("KernelPool", () => {
  it("setKernelThreads takes a non-negative integer or undefined, and names the bad count otherwise", () => {
    for (const bad of [-1, 1.5, Number.NaN, "2" as unknown as number])
      expect(() => setKernelThreads(bad)).toThrow(/setKernelThreads: count must be a non-negative integer .*got (-1|1\.5|NaN|2)$/);
    setKernelThreads(0);
    setKernelThreads(undefined);
  });

  it("schedules guided chunks: a quarter of what is left, in whole units, the last one cut at the total", () => {
    const sizes = (chunks: [number, number][]) => chunks.map(([from, to]) => to - from);
    // 32 panels in pairs, 2 threads (parts 4): 16 pairs left → 4 pairs, 12 → 3, 9 → 2, then single pairs.
    expect(sizes(guidedChunks(32, 2, 4))).toEqual([8, 6, 4, 2, 2, 2, 2, 2, 2, 2]);
    // A 1024-wide product (128 panels) in pairs: whole groups of 8 at first, single pairs (~1 ms each) at the end.
    expect(sizes(guidedChunks(128, 2, 4))).toEqual([32, 24, 18, 12, 10, 8, 6, 4, 2, 2, 2, 2, 2, 2, 2]);
    // 130 panels in groups of 8 (17 units, the last one 2 panels): 4, 3, 2, 2, 1… units.
    const chunks = guidedChunks(130, 8, 4);
    expect(sizes(chunks)).toEqual([32, 24, 16, 16, 8, 8, 8, 8, 8, 2]);
    chunks.forEach(([from], i) => {
      expect(from).toBe(i === 0 ? 0 : chunks[i - 1]![1]);
      expect(from % 8).toBe(0);
    });
    expect(guidedChunks(0, 2, 4)).toEqual([]);
  });

  it("runs every item exactly once per dispatch, with workers woken, sleeping or spinning in between", async () => {
    const threads = (globalThis as any).process?.getBuiltinModule?.("node:worker_threads");
    if (!threads || typeof SharedArrayBuffer === "undefined") return;
    // count(base, from, to, scratch): adds 1 to the i32 at base + 4·i for every item i in [from, to).
    const mod = new ModuleBuilder();
    mod.importMemory("env", "memory", { initial: 0, maximum: 16, shared: true });
    const count = mod.func([i32, i32, i32, i32], [], (f) => {
      const [base, from, to] = f.params as [any, any, any];
      const address = f.declareLocal(i32);
      f.block((exit) =>
        f.loop((top) => {
          f.local.get(from);
          f.local.get(to);
          f.i32.geS();
          f.brIf(exit);
          f.local.get(base);
          f.local.get(from);
          f.i32.const(4);
          f.i32.mul();
          f.i32.add();
          f.local.tee(address);
          f.local.get(address);
          f.i32.load();
          f.i32.const(1);
          f.i32.add();
          f.i32.store();
          f.local.get(from);
          f.i32.const(1);
          f.i32.add();
          f.local.set(from);
          f.br(top);
        }),
      );
    });
    mod.exportFunc("count", count);
    const module = mod.compile();
    const memory = new wasmApi.Memory({ initial: 1, maximum: 16, shared: true });
    const pool = new KernelPool(threads, 1, memory);
    const id = pool.load(module, ["count"], {});
    const local = new wasmApi.Instance(module, { env: { memory } }).exports.count as (...a: number[]) => void;
    const counts = new Int32Array(memory.buffer);
    const site = { bad: 0, backoff: 0 };
    const total = 64;
    for (let round = 0; round < 60; round++) {
      counts.fill(0, 0, total);
      if (round % 3 === 0) pool.wake();
      // Every tenth round lets the worker fall asleep (it polls for ~1 ms) before the dispatch.
      if (round % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      pool.parallel(site, id, 0, 0, total, 1 + (round % 5), () => 4096, (from, to) => local(0, from, to, 4096));
      expect([...counts.subarray(0, total)]).toEqual(new globalThis.Array(total).fill(1));
    }
  });
});

describe("Arena", () => {
  for (const shared of [true, false])
    it(`${shared ? "shared" : "private"} memory: frames stack, grow, and views follow the memory`, async () => {
      const { Arena } = await import("../src/backend/wasm/arena.ts");
      const a = new Arena(shared);
      const outer = a.push(100);
      const inner = a.push(10 << 20);
      expect(outer).toBe(0);
      expect(inner % 64).toBe(0);
      expect(inner).toBeGreaterThanOrEqual(100);
      expect(a.memory.buffer.byteLength).toBeGreaterThanOrEqual(inner + (10 << 20));
      const v = a.views();
      v.f32[inner / 4] = 1.5;
      expect(a.views().f32[inner / 4]).toBe(1.5);
      a.pop(inner);
      expect(a.push(16)).toBe(inner);
      a.pop(outer);
    });
});
