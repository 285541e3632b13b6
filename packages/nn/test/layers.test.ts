// Layers: values against hand-computed formulas, eager = jit, vmap = loop, leading batch dims, gradient checks, a sine fit.
import { describe, expect, it } from "vitest";
import { DriftError, jit, np, random, tree, valueAndGrad, vmap, type Array } from "@drift/tensor";
import { checkGrads } from "@drift/tensor/testing";
import * as init from "../src/init.ts";
import * as layers from "../src/layers/index.ts";
import type { Module } from "../src/layers/index.ts";

let seed = 100;
/** Fresh standard normals (deterministic across runs). */
function randn(shape: number[], dtype: "float32" | "float64" = "float32"): Array {
  return random.normal(random.key(seed++), shape, { dtype });
}

/** Asserts equal shapes and |a − b| ≤ atol + rtol·|b| elementwise (rtol defaults to atol). */
function expectClose(a: Array, b: Array | number[] | number[][], atol = 1e-5, rtol = atol): void {
  const want = globalThis.Array.isArray(b) ? np.array(b, { dtype: "float64" }) : b;
  expect(a.shape).toEqual(want.shape);
  const x = a.dataSync();
  const y = want.dataSync();
  for (let i = 0; i < x.length; i++)
    if (!(Math.abs(x[i]! - y[i]!) <= atol + rtol * Math.abs(y[i]!))) throw new Error(`element ${i}: got ${x[i]}, expected ${y[i]} (shape [${a.shape}])`);
}

/** Row i of the leading axis. */
function row(x: Array, i: number): Array {
  return np.reshape(np.slice(x, [i, i + 1]), x.shape.slice(1));
}

/** Every array of a pytree cast to float64. */
function f64<T>(t: T): T {
  return tree.map((x: Array) => np.astype(x, "float64"), t);
}

/** Every array of a pytree moved off its initial value (so gradient checks do not sit at scale 1 / bias 0). */
function jitter<T>(t: T): T {
  return tree.map((x: Array) => np.add(x, np.mul(randn(x.shape as number[], "float64"), 0.3)), t);
}

function jsRange(n: number): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => i);
}

// ---------------------------------------------------------------------------------------------------------------
// Eager / jit / vmap / leading dims for every module.

interface Case {
  name: string;
  module: () => Module<any, any[]>;
  /** Shape of one example. */
  example: number[];
  /** Output shape of one example. */
  out: number[];
  /** Builds an input of `shape` (default standard normals). */
  input?: (shape: number[]) => Array;
  /** Extra apply arguments after x. */
  extra?: () => unknown[];
  /** Batch axes are leading (false for ensembles, whose member axis comes first). */
  leadingBatch?: boolean;
}

const times = (shape: number[]) => random.uniform(random.key(seed++), shape, { minval: 0, maxval: 10 });
const dropKey = random.key(77);

const cases: Case[] = [
  { name: "linear", module: () => layers.linear({ inFeatures: 3, outFeatures: 4 }), example: [3], out: [4] },
  { name: "linear (no bias)", module: () => layers.linear({ inFeatures: 3, outFeatures: 4, useBias: false }), example: [3], out: [4] },
  { name: "layerNorm", module: () => layers.layerNorm({ features: 6 }), example: [6], out: [6] },
  { name: "groupNorm", module: () => layers.groupNorm({ numGroups: 2, features: 4 }), example: [5, 4], out: [5, 4] },
  { name: "mlp (mish, layerNorm)", module: () => layers.mlp({ inFeatures: 3, hidden: [8, 8], outFeatures: 2, activation: "mish", layerNorm: true }), example: [3], out: [2] },
  { name: "mlp (gelu, no hidden)", module: () => layers.mlp({ inFeatures: 3, hidden: [], outFeatures: 2, activation: "gelu" }), example: [3], out: [2] },
  { name: "residualMlp", module: () => layers.residualMlp({ inFeatures: 3, hidden: [8, 6], outFeatures: 2, layerNorm: true, activation: "silu" }), example: [3], out: [2] },
  { name: "simba", module: () => layers.simba({ inFeatures: 5, hidden: 8, numBlocks: 2, outFeatures: 3 }), example: [5], out: [3] },
  { name: "sinusoidalEmbedding", module: () => layers.sinusoidalEmbedding(8), example: [], out: [8], input: times },
  { name: "learnableFourier", module: () => layers.learnableFourier(8), example: [1], out: [8], input: times },
  { name: "damdpTimeEmbedding", module: () => layers.damdpTimeEmbedding({ phaseInit: init.normal(1) }), example: [], out: [64], input: times },
  { name: "randomFourierFeatures", module: () => layers.randomFourierFeatures({ inFeatures: 3, features: 16 }), example: [3], out: [16] },
  { name: "conv1d SAME stride 2 dilation 2", module: () => layers.conv1d({ inFeatures: 3, outFeatures: 4, kernelSize: 3, stride: 2, dilation: 2 }), example: [9, 3], out: [5, 4] },
  { name: "conv1d VALID", module: () => layers.conv1d({ inFeatures: 2, outFeatures: 3, kernelSize: 4, padding: "VALID" }), example: [9, 2], out: [6, 3] },
  { name: "dropout", module: () => layers.dropout(0.3), example: [10], out: [10], extra: () => [{ key: dropKey }] },
  {
    name: "ensemble(mlp, 3)",
    module: () => layers.ensemble(layers.mlp({ inFeatures: 3, hidden: [8], outFeatures: 2, activation: "elu" }), 3),
    example: [3],
    out: [3, 2],
    leadingBatch: false,
  },
];

describe.each(cases)("$name", (c) => {
  const B = 4;
  const make = () => {
    const m = c.module();
    return { m, p: m.init(random.key(1)), extra: c.extra?.() ?? [] };
  };
  const input = (shape: number[]) => (c.input ?? randn)(shape);

  it("maps a batch eagerly to the expected shape, and jit(apply) equals eager", () => {
    const { m, p, extra } = make();
    const xs = input([B, ...c.example]);
    const eager = m.apply(p, xs, ...extra);
    expect(eager.shape).toEqual(c.leadingBatch === false ? [c.out[0]!, B, ...c.out.slice(1)] : [B, ...c.out]);
    const jitted = jit((params: unknown, x: Array, ...rest: unknown[]) => m.apply(params, x, ...rest))(p, xs, ...extra);
    expectClose(jitted, eager);
  });

  it("vmap over examples equals a loop over examples", () => {
    const { m, p, extra } = make();
    const xs = input([B, ...c.example]);
    const batched = vmap((x: Array) => m.apply(p, x, ...extra))(xs);
    const looped = np.stack(jsRange(B).map((i) => m.apply(p, row(xs, i), ...extra)));
    expect(looped.shape).toEqual([B, ...c.out]);
    expectClose(batched, looped);
  });

  it("accepts any leading batch dims ([2, 3, ...] equals [6, ...] reshaped)", () => {
    const { m, p, extra } = make();
    const xs = input([6, ...c.example]);
    const flat = m.apply(p, xs, ...extra);
    const nested = m.apply(p, np.reshape(xs, [2, 3, ...c.example]), ...extra);
    // An ensemble puts its member axis before the batch axes.
    const want = c.leadingBatch === false ? [c.out[0]!, 2, 3, ...c.out.slice(1)] : [2, 3, ...c.out];
    expectClose(nested, np.reshape(flat, want));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Values against hand-computed formulas.

describe("activations", () => {
  const x = np.array([-2, -1, 0, 1, 3], { dtype: "float64" });
  // erf(v/√2) for v = 1, 2, 3 (so Φ(v) = (1 + erf(v/√2))/2).
  const erfHalf: Record<number, number> = { 0: 0, 1: 0.6826894921370859, 2: 0.9544997361036416, 3: 0.9973002039367398 };
  const phi = (v: number) => 0.5 * (1 + Math.sign(v) * erfHalf[Math.abs(v)]!);
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  const vals = [-2, -1, 0, 1, 3];
  const table: [string, (v: number) => number][] = [
    ["relu", (v) => Math.max(v, 0)],
    ["gelu", (v) => v * phi(v)],
    ["geluTanh", (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ["mish", (v) => v * Math.tanh(softplus(v))],
    ["silu", (v) => v / (1 + Math.exp(-v))],
    ["swish", (v) => v / (1 + Math.exp(-v))],
    ["elu", (v) => (v > 0 ? v : Math.expm1(v))],
    ["leakyRelu", (v) => (v >= 0 ? v : 0.01 * v)],
    ["tanh", Math.tanh],
    ["sigmoid", (v) => 1 / (1 + Math.exp(-v))],
    ["identity", (v) => v],
  ];
  it.each(table)("%s matches its formula", (name, f) => {
    const fn = layers.activations.resolve(name as layers.ActivationName);
    expectClose(fn(x), vals.map(f), 1e-12, 1e-12);
  });

  it("gelu is exact (erf) and geluTanh the tanh approximation: they differ by ~1e-4 at x = 1", () => {
    const one = np.array([1], { dtype: "float64" });
    expectClose(layers.activations.gelu(one), [0.8413447460685429], 1e-8, 0);
    expectClose(layers.activations.geluTanh(one), [0.8411919906082768], 1e-8, 0);
  });

  it("parameterised leakyRelu and elu, and custom functions", () => {
    expectClose(layers.activations.resolve({ name: "leakyRelu", negativeSlope: 0.2 })(x), [-0.4, -0.2, 0, 1, 3], 1e-15);
    expectClose(layers.activations.resolve({ name: "elu", alpha: 2 })(x), vals.map((v) => (v > 0 ? v : 2 * Math.expm1(v))), 1e-12);
    expectClose(layers.activations.resolve((v: Array) => np.mul(v, 2))(x), [-4, -2, 0, 2, 6], 0);
  });

  it("gradients are finite in the unused branch (elu at +100) and relu′(0) = 0 as JAX", () => {
    const g = valueAndGrad((v: Array) => np.sum(layers.activations.elu(v)))(np.array([100, -100, 0.5], { dtype: "float64" }))[1];
    expectClose(g, [1, Math.exp(-100), 1], 1e-12);
    const r = valueAndGrad((v: Array) => np.sum(layers.activations.relu(v)))(np.array([0, 2], { dtype: "float64" }))[1];
    expect(r.toArray()).toEqual([0, 1]);
  });

  it("an unknown name throws a DriftError listing the valid names", () => {
    expect(() => layers.activations.resolve("swiglu" as layers.ActivationName)).toThrow(DriftError);
    expect(() => layers.mlp({ inFeatures: 1, hidden: [4], outFeatures: 1, activation: "Relu" as layers.ActivationName })).toThrow(
      /unknown activation "Relu"; valid names: relu, gelu, geluTanh, mish, silu, swish, elu, leakyRelu, tanh, sigmoid/,
    );
  });
});

describe("linear", () => {
  it("computes x·W + b with a [in, out] kernel", () => {
    const lin = layers.linear({ inFeatures: 2, outFeatures: 3 });
    const p = { kernel: np.array([[1, 2, 3], [4, 5, 6]]), bias: np.array([0.5, -0.5, 1]) };
    expectClose(lin.apply(p, np.array([[1, -1], [2, 0.5]])), [[-2.5, -3.5, -2], [4.5, 6, 10]]);
    expectClose(lin.apply(p, np.array([1, 1])), [5.5, 6.5, 10]);
  });

  it("initialises kernel [in, out] with the initializer and bias with zeros; dtype follows init options", () => {
    const lin = layers.linear({ inFeatures: 5, outFeatures: 7 });
    const p = lin.init(random.key(3), { dtype: "float64" });
    expect(p.kernel.shape).toEqual([5, 7]);
    expect(p.kernel.dtype).toBe("float64");
    expect(p.bias!.toArray()).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const c = layers.linear({ inFeatures: 2, outFeatures: 2, kernelInit: init.constant(3), biasInit: init.constant(1) }).init(random.key(0));
    expect(c.kernel.toArray()).toEqual([[3, 3], [3, 3]]);
    expect(c.bias!.toArray()).toEqual([1, 1]);
    expect(layers.linear({ inFeatures: 2, outFeatures: 2, useBias: false }).init(random.key(0)).bias).toBeUndefined();
  });

  it("rejects an input whose last axis is not inFeatures", () => {
    const lin = layers.linear({ inFeatures: 3, outFeatures: 2 });
    expect(() => lin.apply(lin.init(random.key(0)), np.ones([4, 2]))).toThrow(/x has shape \[4,2\] but its last axis must have 3 features/);
    expect(() => layers.linear({ inFeatures: 0, outFeatures: 2 })).toThrow(DriftError);
  });
});

describe("layerNorm and groupNorm", () => {
  it("layerNorm standardises the last axis with eps 1e-6 (Flax), then scales and shifts", () => {
    const ln = layers.layerNorm({ features: 4 });
    const x = np.array([[1, 2, 3, 4], [2, 2, 2, 2]], { dtype: "float64" });
    const s = 1 / Math.sqrt(1.25 + 1e-6);
    expectClose(ln.apply(ln.init(random.key(0), { dtype: "float64" }), x), [[-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s], [0, 0, 0, 0]], 1e-12);
    const p = { scale: np.array([1, 2, 3, 4], { dtype: "float64" }), bias: np.array([0, 0, 0, 1], { dtype: "float64" }) };
    expectClose(ln.apply(p, np.array([1, 2, 3, 4], { dtype: "float64" })), [-1.5 * s, -1 * s, 1.5 * s, 6 * s + 1], 1e-12);
    const bare = layers.layerNorm({ features: 4, useScale: false, useBias: false, eps: 0 });
    expect(bare.init(random.key(0))).toEqual({});
    expectClose(bare.apply({}, np.array([0, 0, 2, 2], { dtype: "float64" })), [-1, -1, 1, 1], 1e-12);
  });

  it("groupNorm normalises each group over its channels and the W axis (PyTorch layout), eps 1e-5", () => {
    const W = 3;
    const C = 4;
    const G = 2;
    const x = randn([2, W, C], "float64");
    const gn = layers.groupNorm({ numGroups: G, features: C });
    const p = jitter(f64(gn.init(random.key(0))));
    const got = gn.apply(p, x);
    const xs = x.toArray() as number[][][];
    const scale = p.scale!.dataSync();
    const bias = p.bias!.dataSync();
    const want = xs.map((seq) => {
      const out = seq.map((r) => r.slice());
      for (let g = 0; g < G; g++) {
        const vals: number[] = [];
        for (let w = 0; w < W; w++) for (let c = g * 2; c < g * 2 + 2; c++) vals.push(seq[w]![c]!);
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
        for (let w = 0; w < W; w++)
          for (let c = g * 2; c < g * 2 + 2; c++) out[w]![c] = ((seq[w]![c]! - mean) / Math.sqrt(variance + 1e-5)) * scale[c]! + bias[c]!;
      }
      return out;
    });
    expectClose(got, np.array(want, { dtype: "float64" }), 1e-12);
  });

  it("groupNorm with spatialDims 0 normalises channel groups only; bad configs throw", () => {
    const gn = layers.groupNorm({ numGroups: 2, features: 4, spatialDims: 0, eps: 0 });
    expectClose(gn.apply(gn.init(random.key(0), { dtype: "float64" }), np.array([1, 3, 10, 20], { dtype: "float64" })), [-1, 1, -1, 1], 1e-12);
    expect(() => layers.groupNorm({ numGroups: 3, features: 4 })).toThrow(/must divide features/);
    expect(() => layers.groupNorm({ numGroups: 2, features: 4 }).apply({}, np.ones([4]))).toThrow(DriftError);
  });
});

describe("mlp and residualMlp", () => {
  it("mlp equals the hand-composed Dense → tanh → Dense → tanh → Dense", () => {
    const net = layers.mlp({ inFeatures: 3, hidden: [5, 4], outFeatures: 2, activation: "tanh" });
    const p = net.init(random.key(5));
    expect(p.layers.map((l) => l.kernel.shape)).toEqual([[3, 5], [5, 4], [4, 2]]);
    expect(p.norms).toBeUndefined();
    const x = randn([7, 3]);
    const dense = (l: layers.LinearParams, h: Array) => np.add(np.matmul(h, l.kernel), l.bias!);
    const want = dense(p.layers[2]!, np.tanh(dense(p.layers[1]!, np.tanh(dense(p.layers[0]!, x)))));
    expectClose(net.apply(p, x), want);
    const final = layers.mlp({ inFeatures: 3, hidden: [5, 4], outFeatures: 2, activation: "tanh", activateFinal: true });
    expectClose(final.apply(p, x), np.tanh(want));
  });

  it("layerNorm puts one LayerNorm after each hidden Dense, before the activation", () => {
    const net = layers.mlp({ inFeatures: 3, hidden: [6], outFeatures: 2, activation: "relu", layerNorm: true });
    const p = net.init(random.key(6));
    expect(p.norms!.map((n) => n.scale!.shape)).toEqual([[6]]);
    const ln = layers.layerNorm({ features: 6 });
    const x = randn([4, 3]);
    const h = layers.activations.relu(ln.apply(p.norms![0]!, np.add(np.matmul(x, p.layers[0]!.kernel), p.layers[0]!.bias!)));
    expectClose(net.apply(p, x), np.add(np.matmul(h, p.layers[1]!.kernel), p.layers[1]!.bias!));
  });

  it("finalScale 1e-8 makes the last layer (and the output) nearly zero; other layers keep their scale", () => {
    const net = layers.mlp({ inFeatures: 4, hidden: [64], outFeatures: 3, activation: "gelu", finalScale: 1e-8 });
    const p = net.init(random.key(7));
    const last = p.layers[1]!.kernel.dataSync();
    expect(Math.max(...globalThis.Array.from(last, Math.abs))).toBeLessThan(1e-8);
    expect(Math.max(...globalThis.Array.from(p.layers[0]!.kernel.dataSync(), Math.abs))).toBeGreaterThan(0.3);
    expect(Math.max(...globalThis.Array.from(net.apply(p, randn([5, 4])).dataSync(), Math.abs))).toBeLessThan(1e-6);
  });

  it("residualMlp blocks are x + Dense(act(Dense(LN(x)))), with a projection only where the width changes", () => {
    const net = layers.residualMlp({ inFeatures: 4, hidden: [4, 6], layerNorm: true, multiplier: 2 });
    const p = net.init(random.key(8));
    expect(p.blocks[0]!.proj).toBeUndefined();
    expect(p.blocks[1]!.proj!.kernel.shape).toEqual([4, 6]);
    expect(p.blocks[0]!.up.kernel.shape).toEqual([4, 8]);
    expect(p.out).toBeUndefined();
    // With both branches' output layers zeroed, the network is its residual path: identity, then the projection.
    const zeroed = { ...p, blocks: p.blocks.map((b) => ({ ...b, down: tree.map(np.zerosLike, b.down) })) };
    const x = randn([3, 4]);
    const proj = p.blocks[1]!.proj!;
    expectClose(net.apply(zeroed, x), np.add(np.matmul(x, proj.kernel), proj.bias!));
    // One block by hand.
    const one = layers.residualMlp({ inFeatures: 4, hidden: [4], layerNorm: false, activation: "relu", outFeatures: 2 });
    const q = one.init(random.key(9));
    const b = q.blocks[0]!;
    const h = np.add(x, np.add(np.matmul(layers.activations.relu(np.add(np.matmul(x, b.up.kernel), b.up.bias!)), b.down.kernel), b.down.bias!));
    expectClose(one.apply(q, x), np.add(np.matmul(layers.activations.relu(h), q.out!.kernel), q.out!.bias!));
  });
});

describe("simba", () => {
  it("uses orthogonal in/out projections, He-normal blocks, and ends in a LayerNorm", () => {
    const net = layers.simba({ inFeatures: 6, hidden: 32, numBlocks: 2 });
    const p = net.init(random.key(10), { dtype: "float64" });
    // [6, 32] kernel: rows orthonormal.
    expectClose(np.matmul(p.input.kernel, np.transpose(p.input.kernel)), np.eye(6, undefined, { dtype: "float64" }), 1e-10);
    expect(p.blocks[0]!.up.kernel.shape).toEqual([32, 128]);
    expect(p.blocks[0]!.down.kernel.shape).toEqual([128, 32]);
    const up = p.blocks[0]!.up.kernel.dataSync();
    const bound = (2 * Math.sqrt(2 / 32)) / init.TRUNCATED_NORMAL_STDDEV;
    expect(Math.max(...globalThis.Array.from(up, Math.abs))).toBeLessThan(bound);
    expect(p.out).toBeUndefined();
    // Without an output layer the result is LayerNorm'd: zero mean, unit variance per row.
    const y = net.apply(p, randn([5, 6], "float64"));
    expectClose(np.mean(y, -1), np.zeros([5], { dtype: "float64" }), 1e-10);
    expectClose(np.mean(np.square(y), -1), np.ones([5], { dtype: "float64" }), 1e-4);
    const head = layers.simba({ inFeatures: 6, hidden: 32, numBlocks: 1, outFeatures: 2 }).init(random.key(11), { dtype: "float64" });
    expectClose(np.matmul(np.transpose(head.out!.kernel), head.out!.kernel), np.eye(2, undefined, { dtype: "float64" }), 1e-10);
  });

  it("each block adds its branch to the residual stream", () => {
    const net = layers.simba({ inFeatures: 3, hidden: 4, numBlocks: 1, outFeatures: 2, activation: "relu" });
    const p = net.init(random.key(12));
    const x = randn([2, 3]);
    const ln = layers.layerNorm({ features: 4 });
    const dense = (l: layers.LinearParams, h: Array) => np.add(np.matmul(h, l.kernel), l.bias!);
    const b = p.blocks[0]!;
    let h = dense(p.input, x);
    h = np.add(h, dense(b.down, layers.activations.relu(dense(b.up, ln.apply(b.norm, h)))));
    expectClose(net.apply(p, x), dense(p.out!, ln.apply(p.norm, h)));
  });
});

describe("time embeddings and random Fourier features", () => {
  it("sinusoidalEmbedding is [sin(t·f), cos(t·f)] with f_i = 10000^(−i/(half−1)) (DDPM layout)", () => {
    const emb = layers.sinusoidalEmbedding(8);
    expect(emb.init(random.key(0))).toEqual({});
    const f = [0, 1, 2, 3].map((i) => Math.exp((-Math.log(10000) * i) / 3));
    const t = 3;
    expectClose(emb.apply({}, np.array([t], { dtype: "float64" })), [[...f.map((w) => Math.sin(t * w)), ...f.map((w) => Math.cos(t * w))]], 1e-12);
    const flipped = layers.sinusoidalEmbedding(8, { cosFirst: true }).apply({}, np.array(t, { dtype: "float64" }));
    expectClose(flipped, [...f.map((w) => Math.cos(t * w)), ...f.map((w) => Math.sin(t * w))], 1e-12);
    // Integer steps are accepted (as float32).
    expect(emb.apply({}, np.array([1, 2], { dtype: "int32" })).dtype).toBe("float32");
    expect(() => layers.sinusoidalEmbedding(7)).toThrow(/even/);
  });

  it("learnableFourier is [cos, sin](2π x Wᵀ) with W ~ N(0, 0.2²) of shape [dim/2, in]", () => {
    const emb = layers.learnableFourier(512);
    const p = emb.init(random.key(13));
    expect(p.kernel.shape).toEqual([256, 1]);
    const w = p.kernel.dataSync();
    const variance = globalThis.Array.from(w).reduce((a, v) => a + v * v, 0) / w.length;
    expect(Math.abs(variance / 0.04 - 1)).toBeLessThan(0.2);
    const small = layers.learnableFourier(4, { inFeatures: 2 });
    const q = { kernel: np.array([[0.1, 0.2], [0.3, -0.4]], { dtype: "float64" }) };
    const x = [0.5, 2];
    const a = [2 * Math.PI * (0.05 + 0.4), 2 * Math.PI * (0.15 - 0.8)];
    expectClose(small.apply(q, np.array(x, { dtype: "float64" })), [Math.cos(a[0]!), Math.cos(a[1]!), Math.sin(a[0]!), Math.sin(a[1]!)], 1e-12);
  });

  it("damdpTimeEmbedding is [sin, cos](c ⊙ k + φ) with c = linspace(0.1, 100, 32) fixed and φ learnable", () => {
    const emb = layers.damdpTimeEmbedding();
    const p = f64(emb.init(random.key(14)));
    expect(p.phase.toArray()).toEqual(new globalThis.Array(32).fill(0));
    const phase = randn([32], "float64");
    const c = jsRange(32).map((i) => 0.1 + ((100 - 0.1) * i) / 31);
    const ph = phase.dataSync();
    const k = 3;
    const args = c.map((ci, i) => ci * k + ph[i]!);
    expectClose(emb.apply({ phase }, np.array(k, { dtype: "float64" })), [...args.map(Math.sin), ...args.map(Math.cos)], 1e-10);
    // φ receives gradients; c is not a parameter.
    const g = valueAndGrad((q: { phase: Array }) => np.sum(emb.apply(q, np.array([0, 5], { dtype: "float64" }))))({ phase })[1];
    expect(Object.keys(g)).toEqual(["phase"]);
    expect(np.max(np.abs(g.phase)).item()).toBeGreaterThan(0.1);
  });

  it("randomFourierFeatures approximate the RBF kernel exp(−σ²‖x − y‖²/2) and are frozen unless learnable", () => {
    const rff = layers.randomFourierFeatures({ inFeatures: 2, features: 8192, sigma: 0.5 });
    const p = rff.init(random.key(15), { dtype: "float64" });
    const b = p.bias.dataSync();
    expect(Math.min(...b)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...b)).toBeLessThan(2 * Math.PI);
    const xs = np.array([[0, 0], [1, 0.5], [-1, 2]], { dtype: "float64" });
    const phi = rff.apply(p, xs);
    const gram = np.matmul(phi, np.transpose(phi)).toArray() as number[][];
    const pts = xs.toArray() as number[][];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const d2 = (pts[i]![0]! - pts[j]![0]!) ** 2 + (pts[i]![1]! - pts[j]![1]!) ** 2;
        expect(Math.abs(gram[i]![j]! - Math.exp((-0.25 * d2) / 2))).toBeLessThan(0.05);
      }
    const lossOf = (m: typeof rff) => (q: typeof p) => np.sum(m.apply(q, xs));
    const frozen = valueAndGrad(lossOf(rff))(p)[1];
    expect(np.max(np.abs(frozen.omega)).item()).toBe(0);
    const learnable = layers.randomFourierFeatures({ inFeatures: 2, features: 8192, sigma: 0.5, learnable: true });
    expect(np.max(np.abs(valueAndGrad(lossOf(learnable))(p)[1].omega)).item()).toBeGreaterThan(0);
  });
});

describe("conv1d", () => {
  /** Direct-loop reference: y[n, o, co] = b[co] + Σ_j Σ_ci xpad[n, o·s + j·d, ci]·K[j, ci, co]. */
  function reference(x: number[][][], kernel: number[][][], bias: number[], stride: number, dilation: number, lo: number, hi: number): number[][][] {
    const k = kernel.length;
    return x.map((seq) => {
      const cin = seq[0]!.length;
      const padded = [...jsRange(lo).map(() => new globalThis.Array(cin).fill(0)), ...seq, ...jsRange(hi).map(() => new globalThis.Array(cin).fill(0))];
      const outLen = Math.floor((padded.length - ((k - 1) * dilation + 1)) / stride) + 1;
      return jsRange(outLen).map((o) =>
        bias.map((b, co) => {
          let s = b;
          for (let j = 0; j < k; j++) for (let ci = 0; ci < cin; ci++) s += padded[o * stride + j * dilation]![ci]! * kernel[j]![ci]![co]!;
          return s;
        }),
      );
    });
  }

  const configs: [string, Partial<layers.Conv1dConfig>, number, [number, number], number][] = [
    // name, config, W, expected [lo, hi] padding, expected output length
    ["SAME k3", { kernelSize: 3 }, 7, [1, 1], 7],
    ["SAME k4 (asymmetric pad)", { kernelSize: 4 }, 7, [1, 2], 7],
    ["SAME k3 stride 2", { kernelSize: 3, stride: 2 }, 8, [0, 1], 4],
    ["SAME k3 dilation 2", { kernelSize: 3, dilation: 2 }, 7, [2, 2], 7],
    ["VALID k3 stride 2", { kernelSize: 3, stride: 2, padding: "VALID" }, 8, [0, 0], 3],
    ["CAUSAL k3 dilation 2", { kernelSize: 3, dilation: 2, padding: "CAUSAL" }, 6, [4, 0], 6],
    ["explicit [2, 0]", { kernelSize: 2, padding: [2, 0] }, 5, [2, 0], 6],
  ];
  it.each(configs)("%s matches a direct loop", (_name, cfg, W, [lo, hi], outLen) => {
    const conv = layers.conv1d({ inFeatures: 2, outFeatures: 3, ...cfg } as layers.Conv1dConfig);
    const p = jitter(f64(conv.init(random.key(16))));
    const x = randn([2, W, 2], "float64");
    const y = conv.apply(p, x);
    expect(y.shape).toEqual([2, outLen, 3]);
    const want = reference(x.toArray() as number[][][], p.kernel.toArray() as number[][][], globalThis.Array.from(p.bias!.dataSync()), cfg.stride ?? 1, cfg.dilation ?? 1, lo, hi);
    expectClose(y, np.array(want, { dtype: "float64" }), 1e-12);
  });

  it("CAUSAL outputs never see the future", () => {
    const conv = layers.conv1d({ inFeatures: 1, outFeatures: 1, kernelSize: 3, padding: "CAUSAL" });
    const p = conv.init(random.key(17));
    const x = randn([6, 1]);
    const changed = np.concatenate([np.slice(x, [0, 4]), np.add(np.slice(x, [4, 6]), 5)]);
    expectClose(np.slice(conv.apply(p, changed), [0, 4]), np.slice(conv.apply(p, x), [0, 4]), 0);
  });

  it("kernel is [k, in, out] with fan_in = k·in (lecunNormal, as Flax); bad inputs throw", () => {
    const conv = layers.conv1d({ inFeatures: 8, outFeatures: 64, kernelSize: 5 });
    const p = conv.init(random.key(18));
    expect(p.kernel.shape).toEqual([5, 8, 64]);
    const k = p.kernel.dataSync();
    const variance = globalThis.Array.from(k).reduce((a, v) => a + v * v, 0) / k.length;
    expect(Math.abs(variance * 40 - 1)).toBeLessThan(0.1);
    expect(() => conv.apply(p, np.ones([8]))).toThrow(DriftError);
    expect(() => layers.conv1d({ inFeatures: 1, outFeatures: 1, kernelSize: 5, padding: "VALID" }).apply(p, np.ones([3, 1]))).toThrow(/shorter than the kernel span/);
    expect(() => layers.conv1d({ inFeatures: 1, outFeatures: 1, kernelSize: 3, padding: "FULL" as layers.Padding })).toThrow(/SAME/);
  });
});

describe("dropout", () => {
  it("zeroes a `rate` fraction and scales survivors by 1/(1 − rate) (inverted dropout)", () => {
    const d = layers.dropout(0.25);
    const y = d.apply({}, np.ones([20000]), { key: random.key(19) }).dataSync();
    let zeros = 0;
    let sum = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(4 / 3, 6);
      sum += v;
    }
    expect(Math.abs(zeros / y.length - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(sum / y.length - 1)).toBeLessThan(0.02);
  });

  it("deterministic or rate 0 is the identity; rate 1 gives zeros; a missing key throws", () => {
    const x = randn([5]);
    expect(layers.dropout(0.5).apply({}, x, { deterministic: true })).toBe(x);
    expect(layers.dropout(0).apply({}, x)).toBe(x);
    expect(layers.dropout(1).apply({}, x, { key: random.key(0) }).toArray()).toEqual([0, 0, 0, 0, 0]);
    expect(() => layers.dropout(0.5).apply({}, x)).toThrow(/PRNG key is required/);
    expect(() => layers.dropout(1.5)).toThrow(DriftError);
  });

  it("different keys give different masks; the same key the same mask", () => {
    const d = layers.dropout(0.5);
    const x = np.ones([64]);
    const a = d.apply({}, x, { key: random.key(1) }).toArray();
    expect(d.apply({}, x, { key: random.key(1) }).toArray()).toEqual(a);
    expect(d.apply({}, x, { key: random.key(2) }).toArray()).not.toEqual(a);
  });
});

describe("ensemble", () => {
  const member = layers.mlp({ inFeatures: 3, hidden: [8], outFeatures: 2, activation: "relu" });
  const ens = layers.ensemble(member, 4);

  it("stacks n independently initialised parameter sets on a leading axis", () => {
    const p = ens.init(random.key(20));
    expect(ens.size).toBe(4);
    expect(tree.structure(p)).toEqual(tree.structure(member.init(random.key(0))));
    expect(tree.leaves(p).map((x) => x.shape)).toEqual([[4, 3, 8], [4, 8], [4, 8, 2], [4, 2]]);
    const k0 = row(p.layers[0]!.kernel, 0).dataSync();
    const k1 = row(p.layers[0]!.kernel, 1).dataSync();
    expect(k0[0]).not.toBe(k1[0]);
    // Member i's parameters are exactly member.init at split key i.
    const keys = random.split(random.key(20), 4);
    expectClose(row(p.layers[1]!.kernel, 2), member.init(row(keys, 2)).layers[1]!.kernel, 1e-7);
  });

  it("apply shares the input across members; applyEach gives each member its own input", () => {
    const p = ens.init(random.key(21));
    const x = randn([5, 3]);
    const shared = ens.apply(p, x);
    expect(shared.shape).toEqual([4, 5, 2]);
    const memberParams = (i: number) => tree.map((leaf: Array) => row(leaf, i), p);
    jsRange(4).forEach((i) => expectClose(row(shared, i), member.apply(memberParams(i), x)));
    const xs = randn([4, 5, 3]);
    const each = ens.applyEach(p, xs);
    expect(each.shape).toEqual([4, 5, 2]);
    jsRange(4).forEach((i) => expectClose(row(each, i), member.apply(memberParams(i), row(xs, i))));
    expect(() => layers.ensemble(member, 0)).toThrow(DriftError);
  });

  it("ensembles of SimBa (orthogonal init under vmap) and of dropout (per-member keys) work", () => {
    const s = layers.ensemble(layers.simba({ inFeatures: 3, hidden: 8, numBlocks: 1, outFeatures: 1 }), 2);
    const p = s.init(random.key(22), { dtype: "float64" });
    expect(p.input.kernel.shape).toEqual([2, 3, 8]);
    const k = row(p.input.kernel, 1);
    expectClose(np.matmul(k, np.transpose(k)), np.eye(3, undefined, { dtype: "float64" }), 1e-10);
    expect(s.apply(p, randn([6, 3], "float64")).shape).toEqual([2, 6, 1]);
    const d = layers.ensemble(layers.dropout(0.5), 2);
    const y = d.applyEach({}, np.ones([2, 32]), { key: random.split(random.key(3), 2) });
    expect(y.shape).toEqual([2, 32]);
    expect(row(y, 0).toArray()).not.toEqual(row(y, 1).toArray());
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Gradient checks (float64, forward and reverse mode against central differences).

describe("gradient checks (float64)", () => {
  const grads = (m: Module<any, [Array]>, xShape: number[], opts: { jitterParams?: boolean } = {}) => {
    const p0 = m.init(random.key(30), { dtype: "float64" });
    const p = opts.jitterParams ? jitter(p0) : p0;
    checkGrads((params: unknown, x: Array) => m.apply(params, x), [p, randn(xShape, "float64")], { atol: 1e-6, rtol: 1e-5 });
  };

  it("linear", () => grads(layers.linear({ inFeatures: 3, outFeatures: 4 }), [5, 3]));
  it("layerNorm", () => grads(layers.layerNorm({ features: 5 }), [3, 5], { jitterParams: true }));
  it("groupNorm", () => grads(layers.groupNorm({ numGroups: 2, features: 4 }), [2, 3, 4], { jitterParams: true }));
  it.each(layers.activations.names)("mlp with %s", (name) => grads(layers.mlp({ inFeatures: 3, hidden: [6, 5], outFeatures: 2, activation: name }), [4, 3]));
  it("mlp with leakyRelu(0.2), elu(α = 0.5) and layerNorm", () => {
    grads(layers.mlp({ inFeatures: 3, hidden: [6], outFeatures: 2, activation: { name: "leakyRelu", negativeSlope: 0.2 } }), [4, 3]);
    grads(layers.mlp({ inFeatures: 3, hidden: [6, 6], outFeatures: 2, activation: { name: "elu", alpha: 0.5 }, layerNorm: true }), [4, 3], { jitterParams: true });
  });
  it("conv1d (SAME, stride 2, dilation 2) and conv1d (VALID)", () => {
    grads(layers.conv1d({ inFeatures: 2, outFeatures: 3, kernelSize: 3, stride: 2, dilation: 2 }), [2, 9, 2], { jitterParams: true });
    grads(layers.conv1d({ inFeatures: 2, outFeatures: 2, kernelSize: 2, padding: "VALID" }), [5, 2]);
  });
  it("residualMlp, simba and the learnable embeddings", () => {
    grads(layers.residualMlp({ inFeatures: 3, hidden: [4, 5], outFeatures: 2, layerNorm: true, multiplier: 2, activation: "mish" }), [3, 3], { jitterParams: true });
    grads(layers.simba({ inFeatures: 3, hidden: 4, numBlocks: 2, outFeatures: 2, activation: "silu" }), [3, 3], { jitterParams: true });
    grads(layers.learnableFourier(6, { inFeatures: 2 }), [3, 2]);
    grads(layers.damdpTimeEmbedding({ numFrequencies: 4, maxFrequency: 3 }), [3], { jitterParams: true });
    grads(layers.randomFourierFeatures({ inFeatures: 2, features: 5, learnable: true }), [3, 2]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// End to end.

describe("training", () => {
  it("an MLP(1 → 32 → 32 → 1, tanh) fits y = sin(x) on [−π, π] (64 points) below MSE 1e-3 with Adam in 600 jitted steps", () => {
    const net = layers.mlp({ inFeatures: 1, hidden: [32, 32], outFeatures: 1, activation: "tanh" });
    type P = layers.MlpParams;
    const x = np.reshape(np.linspace(-Math.PI, Math.PI, 64), [64, 1]);
    const y = np.sin(x);
    const loss = (p: P) => np.mean(np.square(np.sub(net.apply(p, x), y)));
    // Adam (Kingma & Ba 2015), lr 1e-2, β = (0.9, 0.999), ε = 1e-8.
    const [lr, b1, b2, eps] = [1e-2, 0.9, 0.999, 1e-8];
    type S = { m: P; v: P; t: Array };
    const step = jit((p: P, s: S): [P, S, Array] => {
      const [l, g] = valueAndGrad(loss)(p);
      const t = np.add(s.t, 1);
      const m = tree.map((a: Array, d: Array) => np.add(np.mul(a, b1), np.mul(d, 1 - b1)), s.m, g);
      const v = tree.map((a: Array, d: Array) => np.add(np.mul(a, b2), np.mul(np.square(d), 1 - b2)), s.v, g);
      const c1 = np.sub(1, np.pow(b1, t));
      const c2 = np.sub(1, np.pow(b2, t));
      const next = tree.map((w: Array, a: Array, b: Array) => np.sub(w, np.mul(np.div(np.div(a, c1), np.add(np.sqrt(np.div(b, c2)), eps)), lr)), p, m, v);
      return [next, { m, v, t }, l];
    });
    let params = net.init(random.key(0));
    let state: S = { m: tree.map(np.zerosLike, params), v: tree.map(np.zerosLike, params), t: np.array(0) };
    const first = loss(params).item();
    const start = performance.now();
    for (let i = 0; i < 600; i++) [params, state] = step(params, state);
    const seconds = (performance.now() - start) / 1000;
    const final = loss(params).item();
    expect(first).toBeGreaterThan(0.1);
    expect(final).toBeLessThan(1e-3);
    expect(seconds).toBeLessThan(10);
  });
});
