// Tests for @drift/nn optim: every optimizer against hand-computed optax formulas, schedules, combinators, jit/vmap, errors.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, grad, jit, np, vmap } from "@drift/tensor";
import * as optim from "../src/optim/index.ts";
import type { GradientTransformation } from "../src/optim/index.ts";

type Tree = Record<string, Array>;

const f64 = (xs: number[] | number): Array => np.array(xs, { dtype: "float64" });

/** Asserts `a` holds `want` elementwise within `tol`. */
function close(a: Array, want: number[] | number, tol = 1e-6): void {
  const w = typeof want === "number" ? [want] : want;
  const got = globalThis.Array.from(a.dataSync());
  expect(got.length).toBe(w.length);
  got.forEach((x, i) => {
    if (!(Math.abs(x - w[i]!) <= tol)) throw new Error(`element ${i}: got ${x}, expected ${w[i]} (all: [${got}] vs [${w}])`);
  });
}

function closeTree(a: Tree, want: Record<string, number[]>, tol = 1e-6): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) close(a[k]!, want[k]!, tol);
}

// Fixed problem: two leaves, three steps of fixed gradients.
const P0 = { w: [1.0, -2.0, 0.5], b: [0.3, -0.7] };
const G = [
  { w: [0.1, -0.2, 0.3], b: [1.0, -1.0] },
  { w: [-0.4, 0.5, 0.05], b: [0.2, 0.6] },
  { w: [0.2, 0.1, -0.3], b: [-0.5, 0.25] },
];
const params0 = (): Tree => ({ w: f64(P0.w), b: f64(P0.b) });
const gradsAt = (t: number): Tree => ({ w: f64(G[t]!.w), b: f64(G[t]!.b) });

/** Runs `opt` for the three fixed gradient steps; returns the params after each step and the final state. */
function run3(opt: GradientTransformation<any>): { params: Tree[]; state: any } {
  let p = params0();
  let s = opt.init(p);
  const params: Tree[] = [];
  for (let t = 0; t < 3; t++) {
    const [u, s2] = opt.update(gradsAt(t), s, p);
    p = optim.applyUpdates(p, u);
    s = s2;
    params.push(p);
  }
  return { params, state: s };
}

/** Reference per-element loop: `step(g, p, t, st)` returns the new p given 1-based step t and a per-element state. */
function reference(step: (g: number, p: number, t: number, st: Record<string, number>, key: string) => number): Record<string, number[]>[] {
  const out: Record<string, number[]>[] = [];
  const p: Record<string, number[]> = { w: [...P0.w], b: [...P0.b] };
  const st: Record<string, Record<string, number>[]> = { w: P0.w.map(() => ({})), b: P0.b.map(() => ({})) };
  for (let t = 1; t <= 3; t++) {
    for (const k of ["w", "b"] as const) p[k] = p[k]!.map((pi, i) => step(G[t - 1]![k][i]!, pi, t, st[k]![i]!, k));
    out.push({ w: [...p.w!], b: [...p.b!] });
  }
  return out;
}

function expectSteps(opt: GradientTransformation<any>, want: Record<string, number[]>[]): any {
  const { params, state } = run3(opt);
  params.forEach((p, i) => closeTree(p, want[i]!));
  return state;
}

describe("adam", () => {
  it("steps 1..3 follow optax.scale_by_adam", () => {
    // m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², m̂ = m/(1−b1ᵗ), v̂ = v/(1−b2ᵗ), p ← p − lr·m̂/(√(v̂+epsRoot) + eps)
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const want = reference((g, p, t, s) => {
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      return p - (lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
    });
    // After step 1, m̂ = g and v̂ = g², so every parameter moves by −lr·sign(g) (up to eps).
    expect(want[0]!.w[0]).toBeCloseTo(0.9, 6);
    const state = expectSteps(optim.adam(lr), want);
    expect(state[0].count.item()).toBe(3);
    expect(state[0].count.dtype).toBe("int32");
  });

  it("epsRoot goes inside the square root", () => {
    // p ← p − lr·m̂/(√(v̂ + epsRoot) + eps) with b1 = 0.5, b2 = 0.6, eps = 0.01, epsRoot = 0.05
    const lr = 0.2, b1 = 0.5, b2 = 0.6, eps = 0.01, epsRoot = 0.05;
    const want = reference((g, p, t, s) => {
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      return p - (lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t) + epsRoot) + eps);
    });
    expectSteps(optim.adam(lr, { b1, b2, eps, epsRoot }), want);
  });
});

describe("sgd", () => {
  it("plain: p ← p − lr·g", () => {
    expectSteps(optim.sgd(0.3), reference((g, p) => p - 0.3 * g));
  });

  it("momentum: m ← g + μ·m, p ← p − lr·m", () => {
    const want = reference((g, p, _t, s) => {
      s.m = g + 0.9 * (s.m ?? 0);
      return p - 0.1 * s.m;
    });
    expectSteps(optim.sgd(0.1, { momentum: 0.9 }), want);
  });

  it("nesterov: m ← g + μ·m, p ← p − lr·(g + μ·m)", () => {
    const want = reference((g, p, _t, s) => {
      s.m = g + 0.9 * (s.m ?? 0);
      return p - 0.1 * (g + 0.9 * s.m);
    });
    expectSteps(optim.sgd(0.1, { momentum: 0.9, nesterov: true }), want);
  });

  it("a schedule learning rate is evaluated at the step count 0, 1, 2", () => {
    // lr(t) = linear from 0.3 to 0.1 over 2 steps: 0.3, 0.2, 0.1; p ← p − lr(t−1)·g
    const lrs = [0.3, 0.2, 0.1];
    const state = expectSteps(
      optim.sgd(optim.linearSchedule(0.3, 0.1, 2)),
      reference((g, p, t) => p - lrs[t - 1]! * g),
    );
    expect(state[1].count.item()).toBe(3);
  });
});

describe("rmsprop", () => {
  it("plain: ν ← d·ν + (1−d)·g², p ← p − lr·g/√(ν + eps)", () => {
    const lr = 0.01, d = 0.9, eps = 1e-8;
    const want = reference((g, p, _t, s) => {
      s.v = d * (s.v ?? 0) + (1 - d) * g * g;
      return p - lr * g / Math.sqrt(s.v + eps);
    });
    expectSteps(optim.rmsprop(lr), want);
  });

  it("centered: μ ← d·μ + (1−d)·g, ν ← d·ν + (1−d)·g², p ← p − lr·g/√(ν − μ² + eps)", () => {
    const lr = 0.01, d = 0.8, eps = 1e-3;
    const want = reference((g, p, _t, s) => {
      s.m = d * (s.m ?? 0) + (1 - d) * g;
      s.v = d * (s.v ?? 0) + (1 - d) * g * g;
      return p - lr * g / Math.sqrt(s.v - s.m * s.m + eps);
    });
    expectSteps(optim.rmsprop(lr, { decay: d, eps, centered: true }), want);
  });

  it("centered with momentum after the learning rate: k ← −lr·g/√(ν − μ² + eps) + β·k, p ← p + k", () => {
    const lr = 0.01, d = 0.9, eps = 1e-8, beta = 0.5;
    const want = reference((g, p, _t, s) => {
      s.m = d * (s.m ?? 0) + (1 - d) * g;
      s.v = d * (s.v ?? 0) + (1 - d) * g * g;
      s.k = (-lr * g) / Math.sqrt(s.v - s.m * s.m + eps) + beta * (s.k ?? 0);
      return p + s.k;
    });
    expectSteps(optim.rmsprop(lr, { decay: d, eps, centered: true, momentum: beta }), want);
  });

  it("initialScale and epsInSqrt=false (PyTorch form): p ← p − lr·g/(√ν + eps)", () => {
    const lr = 0.05, d = 0.9, eps = 0.1;
    const want = reference((g, p, _t, s) => {
      s.v = d * (s.v ?? 1) + (1 - d) * g * g;
      return p - lr * g / (Math.sqrt(s.v) + eps);
    });
    expectSteps(optim.rmsprop(lr, { decay: d, eps, initialScale: 1, epsInSqrt: false }), want);
  });
});

describe("adamw", () => {
  const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
  // u = m̂/(√v̂ + eps) + wd·p (decay after the Adam rescaling, on the current params), p ← p − lr·u
  const adamwRef = (decay: (k: string) => number) =>
    reference((g, p, t, s, k) => {
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      return p - lr * ((s.m / (1 - b1 ** t)) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps) + decay(k) * p);
    });

  it("applies decoupled weight decay before the learning rate", () => {
    expectSteps(optim.adamw(lr, { weightDecay: wd }), adamwRef(() => wd));
  });

  it("a mask (tree or function) limits the decay to some leaves", () => {
    expectSteps(optim.adamw(lr, { weightDecay: wd, mask: { w: true, b: false } }), adamwRef((k) => (k === "w" ? wd : 0)));
    expectSteps(
      optim.adamw(lr, { weightDecay: wd, mask: (p: Tree) => ({ w: p.w!.size > 2, b: p.b!.size > 2 }) }),
      adamwRef((k) => (k === "w" ? wd : 0)),
    );
  });

  it("weight decay can be a schedule of the step count", () => {
    // wd(c) = 0.1·0.5ᶜ at step counts c = 0, 1, 2; with lr = 1: p ← p − (g + wd(c)·p)
    const opt = optim.chain(optim.addDecayedWeights(optim.exponentialDecay(0.1, 1, 0.5)), optim.scaleByLearningRate(1));
    const want = reference((g, p, t) => p - (g + 0.1 * 0.5 ** (t - 1) * p));
    expectSteps(opt, want);
  });
});

describe("clipping", () => {
  it("clipByGlobalNorm leaves updates below the max unchanged and rescales those above", () => {
    // ‖g‖ = √(0.1² + 0.2² + 0.3² + 1² + 1²) = √2.14
    const norm = Math.sqrt(0.01 + 0.04 + 0.09 + 1 + 1);
    const g = gradsAt(0);
    const [below] = optim.clipByGlobalNorm(2).update(g, [] as [], undefined);
    closeTree(below, G[0]!);
    // g·maxNorm/‖g‖ when ‖g‖ ≥ maxNorm
    const [above] = optim.clipByGlobalNorm(0.5).update(g, [] as [], undefined);
    closeTree(above, { w: G[0]!.w.map((x) => (x * 0.5) / norm), b: G[0]!.b.map((x) => (x * 0.5) / norm) });
    close(optim.globalNorm(above), 0.5);
    close(optim.globalNorm(g), norm);
  });

  it("clip bounds each element to [−maxDelta, maxDelta]", () => {
    const [u] = optim.clip(0.25).update(gradsAt(0), [] as [], undefined);
    closeTree(u, { w: [0.1, -0.2, 0.25], b: [0.25, -0.25] });
  });

  it("chain(clipByGlobalNorm, adam) feeds clipped gradients to adam", () => {
    // g' = g·min(1, 0.5/‖g‖); then the adam recursion on g'
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const norms = G.map((g) => Math.sqrt([...g.w, ...g.b].reduce((a, x) => a + x * x, 0)));
    const want = reference((g, p, t, s) => {
      const gc = norms[t - 1]! < 0.5 ? g : (g / norms[t - 1]!) * 0.5;
      s.m = b1 * (s.m ?? 0) + (1 - b1) * gc;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * gc * gc;
      return p - (lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
    });
    expect(norms[1]).toBeGreaterThan(0.5);
    const state = expectSteps(optim.chain(optim.clipByGlobalNorm(0.5), optim.adam(lr)), want);
    expect(state).toHaveLength(2);
    expect(state[1][0].count.item()).toBe(3);
  });
});

describe("schedules", () => {
  const at = (s: optim.StepSchedule, t: number): number => s(np.array(t, { dtype: "int32" })).item();

  it("constantSchedule", () => {
    expect(at(optim.constantSchedule(0.25), 7)).toBe(0.25);
  });

  it("linearSchedule(1, 0.1, 10, 5): 1 before 5, linear until 15, then 0.1", () => {
    const s = optim.linearSchedule(1, 0.1, 10, 5);
    // v(t) = 1 + (0.1 − 1)·clip((t − 5)/10, 0, 1)
    const want: [number, number][] = [[0, 1], [5, 1], [6, 0.91], [10, 0.55], [15, 0.1], [100, 0.1]];
    for (const [t, v] of want) expect(at(s, t)).toBeCloseTo(v, 6);
  });

  it("cosineDecaySchedule(2, 100, 0.1)", () => {
    const s = optim.cosineDecaySchedule(2, 100, 0.1);
    // v(t) = 2·(0.9·½(1 + cos(π·min(t,100)/100)) + 0.1)
    const v = (t: number) => 2 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 100)) / 100)) + 0.1);
    for (const t of [0, 25, 50, 100, 150]) expect(at(s, t)).toBeCloseTo(v(t), 6);
    expect(at(s, 50)).toBeCloseTo(1.1, 6);
    expect(at(s, 150)).toBeCloseTo(0.2, 6);
  });

  it("warmupCosineDecaySchedule(0, 1, 10, 110, 0.1)", () => {
    const s = optim.warmupCosineDecaySchedule(0, 1, 10, 110, 0.1);
    // warmup: t/10; then cosine from 1 to 0.1 over 100 steps: 0.9·½(1 + cos(π(t−10)/100)) + 0.1
    const want: [number, number][] = [[0, 0], [5, 0.5], [10, 1], [60, 0.55], [110, 0.1], [200, 0.1]];
    for (const [t, v] of want) expect(at(s, t)).toBeCloseTo(v, 6);
  });

  it("exponentialDecay: continuous, staircase, transitionBegin and endValue", () => {
    // init·rate^((t − begin)/steps), floored exponent with staircase, held at init until begin, clipped at endValue
    const cont = optim.exponentialDecay(1, 10, 0.5);
    expect(at(cont, 0)).toBeCloseTo(1, 6);
    expect(at(cont, 5)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(at(cont, 20)).toBeCloseTo(0.25, 6);
    const stair = optim.exponentialDecay(1, 10, 0.5, { staircase: true });
    expect(at(stair, 19)).toBeCloseTo(0.5, 6);
    expect(at(stair, 20)).toBeCloseTo(0.25, 6);
    const begun = optim.exponentialDecay(2, 10, 0.1, { transitionBegin: 5, endValue: 0.05 });
    expect(at(begun, 3)).toBeCloseTo(2, 6);
    expect(at(begun, 15)).toBeCloseTo(0.2, 6);
    expect(at(begun, 35)).toBeCloseTo(0.05, 6);
    const growth = optim.exponentialDecay(1, 1, 2, { endValue: 5 });
    expect(at(growth, 2)).toBeCloseTo(4, 6);
    expect(at(growth, 3)).toBeCloseTo(5, 6);
  });

  it("a float64 count evaluates in float64; schedules trace under jit and vmap", () => {
    const s = optim.cosineDecaySchedule(0.1, 7);
    const v = s(f64(3));
    expect(v.dtype).toBe("float64");
    expect(v.item()).toBeCloseTo(0.05 * (1 + Math.cos((3 * Math.PI) / 7)), 12);
    const counts = np.array([0, 3, 7, 9], { dtype: "int32" });
    close(jit(s)(counts), [0.1, 0.05 * (1 + Math.cos((3 * Math.PI) / 7)), 0, 0]);
    close(vmap(s)(counts), [0.1, 0.05 * (1 + Math.cos((3 * Math.PI) / 7)), 0, 0]);
  });
});

describe("multiTransform", () => {
  it("applies adam to 'w' leaves and sgd to 'b' leaves", () => {
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    // w: adam; b: plain sgd with lr 0.5
    const want = reference((g, p, t, s, k) => {
      if (k === "b") return p - 0.5 * g;
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      return p - (lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
    });
    const transforms = { weights: optim.adam(lr), biases: optim.sgd(0.5) };
    const state = expectSteps(optim.multiTransform(transforms, { w: "weights", b: "biases" }), want);
    // adam only keeps moments for its own leaves; the others are null
    expect(state.innerStates.weights.innerState[0].mu.b).toBeNull();
    expect(state.innerStates.weights.innerState[0].mu.w.shape).toEqual([3]);
    expectSteps(optim.multiTransform(transforms, (p: Tree) => ({ w: p.w!.size > 2 ? "weights" : "biases", b: "biases" })), want);
  });

  it("a prefix label covers a whole subtree", () => {
    const params = { enc: { w: f64([1, 2]), b: f64([3]) }, head: f64([4]) };
    const grads = { enc: { w: f64([1, 1]), b: f64([1]) }, head: f64([1]) };
    const opt = optim.multiTransform({ a: optim.sgd(0.1), frozen: optim.scale(0) }, { enc: "a", head: "frozen" });
    const [u] = opt.update(grads, opt.init(params), params);
    close(u.enc.w, [-0.1, -0.1]);
    close(u.enc.b, [-0.1]);
    close(u.head, [0]);
  });

  it("rejects labels without a transformation", () => {
    const opt = optim.multiTransform({ a: optim.sgd(0.1) }, { w: "a", b: "missing" });
    expect(() => opt.init(params0())).toThrow(/"missing".*no transformation/);
  });
});

describe("emaUpdate", () => {
  it("(1 − tau)·target + tau·online over a pytree", () => {
    const target = { a: f64([1, 2]), b: [f64([10])] };
    const online = { a: f64([3, -2]), b: [f64([0])] };
    const out = optim.emaUpdate(target, online, 0.1);
    close(out.a, [0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * -2]);
    close(out.b[0]!, [9]);
    // tau as a traced array under jit
    const j = jit((t: typeof target, o: typeof online, tau: Array) => optim.emaUpdate(t, o, tau))(target, online, f64(0.1));
    close(j.a, [1.2, 1.6]);
  });
});

describe("multiSteps", () => {
  it("accumulates the mean of k gradients and applies the inner update every k-th step", () => {
    // every 3 steps the inner sgd(momentum 0.5, lr 0.1) sees ḡ = (g1 + g2 + g3)/3; other steps give zero updates
    const opt = optim.multiSteps(optim.sgd(0.1, { momentum: 0.5 }), 3);
    let p = params0();
    let s = opt.init(p);
    const mean = (k: "w" | "b") => G[0]![k].map((_, i) => (G[0]![k][i]! + G[1]![k][i]! + G[2]![k][i]!) / 3);
    for (let t = 0; t < 3; t++) {
      const [u, s2] = opt.update(gradsAt(t), s, p);
      s = s2;
      if (t < 2) closeTree(u, { w: [0, 0, 0], b: [0, 0] });
      else closeTree(u, { w: mean("w").map((x) => -0.1 * x), b: mean("b").map((x) => -0.1 * x) });
      p = optim.applyUpdates(p, u);
    }
    expect(s.miniStep.item()).toBe(0);
    expect(s.gradientStep.item()).toBe(1);
    closeTree(s.accGrads as Tree, { w: [0, 0, 0], b: [0, 0] });
    // second cycle with the same three gradients: momentum m ← ḡ + 0.5·ḡ, u = −0.1·m
    for (let t = 0; t < 3; t++) {
      const [u, s2] = opt.update(gradsAt(t), s, p);
      s = s2;
      if (t === 1) closeTree(s.accGrads as Tree, { w: [-0.15, 0.15, 0.175], b: [0.6, -0.2] });
      if (t < 2) closeTree(u, { w: [0, 0, 0], b: [0, 0] });
      else closeTree(u, { w: mean("w").map((x) => -0.1 * 1.5 * x), b: mean("b").map((x) => -0.1 * 1.5 * x) });
    }
    expect(s.gradientStep.item()).toBe(2);
  });

  it("everyK = 1 is the inner optimizer", () => {
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const want = reference((g, p, t, s) => {
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      return p - (lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
    });
    expectSteps(optim.multiSteps(optim.adam(lr), 1), want);
  });
});

describe("jit and vmap", () => {
  const step = (opt: GradientTransformation<any>) => (p: Tree, s: any, g: Tree) => {
    const [u, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), s2] as const;
  };

  for (const [name, make] of [
    ["adam", () => optim.adam(0.1)],
    ["adamw with a schedule and mask", () => optim.adamw(optim.warmupCosineDecaySchedule(0, 0.1, 1, 5), { mask: { w: true, b: false } })],
    ["multiSteps(chain(clipByGlobalNorm, rmsprop centered))", () => optim.multiSteps(optim.chain(optim.clipByGlobalNorm(1), optim.rmsprop(0.01, { centered: true, momentum: 0.9 })), 2)],
  ] as const) {
    it(`the whole update of ${name} under jit equals eager`, () => {
      const opt = make();
      const eagerStep = step(opt);
      const jitStep = jit(step(opt));
      let pe = params0(), pj = params0();
      let se = opt.init(pe), sj = opt.init(pj);
      for (let t = 0; t < 3; t++) {
        [pe, se] = eagerStep(pe, se, gradsAt(t));
        [pj, sj] = jitStep(pj, sj, gradsAt(t));
        closeTree(pj, { w: globalThis.Array.from(pe.w!.dataSync()), b: globalThis.Array.from(pe.b!.dataSync()) }, 1e-12);
      }
      expect(jitStep.cacheSize).toBe(1);
    });
  }

  it("adam under vmap over stacked params equals a loop", () => {
    const opt = optim.adam(0.05);
    const B = 3;
    // member i has params P0·(i+1) and gradients G·(1 − 0.3·i)
    const member = (i: number): Tree => ({ w: np.mul(f64(P0.w), i + 1), b: np.mul(f64(P0.b), i + 1) });
    const memberGrad = (i: number, t: number) => ({ w: np.mul(f64(G[t]!.w), 1 - 0.3 * i), b: np.mul(f64(G[t]!.b), 1 - 0.3 * i) });
    const stack = (f: (i: number) => Tree): Tree => ({
      w: np.stack(globalThis.Array.from({ length: B }, (_, i) => f(i).w!)),
      b: np.stack(globalThis.Array.from({ length: B }, (_, i) => f(i).b!)),
    });
    let pv = stack(member);
    let sv = vmap(opt.init)(pv);
    const vstep = vmap(step(opt));
    for (let t = 0; t < 3; t++) [pv, sv] = vstep(pv, sv, stack((i) => memberGrad(i, t)));
    expect(sv[0].count.shape).toEqual([B]);
    for (let i = 0; i < B; i++) {
      let p = member(i);
      let s = opt.init(p);
      for (let t = 0; t < 3; t++) [p, s] = step(opt)(p, s, memberGrad(i, t));
      close(np.reshape(np.slice(pv.w!, [i, i + 1]), [3]), globalThis.Array.from(p.w!.dataSync()), 1e-12);
      close(np.reshape(np.slice(pv.b!, [i, i + 1]), [2]), globalThis.Array.from(p.b!.dataSync()), 1e-12);
    }
  });
});

describe("minimising a quadratic", () => {
  it("adam drives f(x) = Σ aᵢ(xᵢ − cᵢ)² below 1e-6", () => {
    const a = f64([1, 3, 0.5]);
    const c = f64([2, -1, 0.5]);
    const f = (x: Array) => np.sum(np.mul(a, np.square(np.sub(x, c))));
    const opt = optim.adam(optim.exponentialDecay(0.1, 100, 0.5));
    const stepFn = jit((x: Array, s: any) => {
      const [u, s2] = opt.update(grad(f)(x), s, x);
      return [optim.applyUpdates(x, u), s2] as const;
    });
    let x = f64([0, 0, 0]);
    let s = opt.init(x);
    for (let i = 0; i < 600; i++) [x, s] = stepFn(x, s);
    expect(f(x).item()).toBeLessThan(1e-6);
  });
});

describe("bad input", () => {
  const err = (fn: () => unknown, re: RegExp) => {
    expect(fn).toThrow(DriftError);
    expect(fn).toThrow(re);
  };

  it("names the argument and its valid range", () => {
    err(() => optim.sgd(-0.1), /lr must be a finite number >= 0; got -0.1/);
    err(() => optim.adam(Number.NaN), /lr must be/);
    err(() => optim.adam(0.1, { b1: 1 }), /b1 must be in \[0, 1\); got 1/);
    err(() => optim.adam(0.1, { b2: -0.5 }), /b2 must be in \[0, 1\)/);
    err(() => optim.adam(0.1, { eps: -1e-8 }), /eps must be a finite number >= 0/);
    err(() => optim.rmsprop(0.1, { decay: 1.5 }), /decay must be in \[0, 1\)/);
    err(() => optim.sgd(0.1, { momentum: -0.9 }), /sgd: momentum must be in \[0, 1\)/);
    err(() => optim.rmsprop(0.1, { momentum: 1 }), /rmsprop: momentum must be in \[0, 1\)/);
    err(() => optim.adamw(0.1, { weightDecay: -1 }), /weightDecay must be a finite number >= 0/);
    err(() => optim.clipByGlobalNorm(-1), /maxNorm must be a finite number > 0/);
    err(() => optim.clip(-1), /maxDelta must be a finite number >= 0/);
    err(() => optim.multiSteps(optim.sgd(0.1), 0), /everyK must be an integer >= 1/);
    err(() => optim.cosineDecaySchedule(1, 0), /decaySteps must be a finite number > 0/);
    err(() => optim.warmupCosineDecaySchedule(0, 1, 10, 10), /decaySteps must be greater than warmupSteps/);
    err(() => optim.linearSchedule(1, 0, 10, -1), /transitionBegin must be an integer >= 0/);
    err(() => optim.emaUpdate(params0(), params0(), 1.5), /tau must be in \[0, 1\]/);
  });

  it("mismatched tree structures name both arguments", () => {
    const opt = optim.adam(0.1);
    const s = opt.init(params0());
    err(() => opt.update({ w: f64(P0.w) }, s, params0()), /state\.mu has structure \{w: \*, b: \*\} but updates has \{w: \*\}/);
    err(() => opt.update({ w: f64([1, 2]), b: f64(P0.b) }, s), /leaf 0 of state\.mu has shape \[3\] but that of updates has \[2\]/);
    err(() => optim.applyUpdates(params0(), { w: f64(P0.w) } as Tree), /updates has structure/);
    err(() => optim.emaUpdate({ a: f64([1]) }, { a: f64([1]), b: f64([2]) }, 0.5), /online has structure/);
  });

  it("chain state of the wrong length, missing params, bad masks", () => {
    const two = optim.chain(optim.clip(1), optim.sgd(0.1));
    const sgdState = optim.sgd(0.1).init(params0());
    err(() => two.update(gradsAt(0), [sgdState[0]] as any), /state must be a list of 2 states.*got a list of 1/);
    err(() => optim.addDecayedWeights(0.1).update(gradsAt(0), [] as any), /needs the params/);
    err(() => optim.masked(optim.sgd(0.1), { w: 1, b: true }).init(params0()), /mask leaves must be booleans or strings/);
    err(() => optim.masked(optim.sgd(0.1), { w: "yes", b: true }).init(params0()), /mask leaves must be booleans/);
    err(() => optim.masked(optim.sgd(0.1), { w: true }).init(params0()), /mask has an object with keys \{w\}/);
  });
});
