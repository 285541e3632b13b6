// Test helpers in the spirit of jax.test_util: gradient checks against central finite differences.
import { DriftError } from "./errors.ts";
import type { Tensor } from "./core/tensor.ts";
import { jvp, vjp } from "./transformations.ts";
import { flatten, map as treeMap } from "./tree.ts";
import { add, mul, sub } from "./ops/elementwise.ts";
import { sum } from "./ops/reduce.ts";
import * as random from "./random/random.ts";

/** Options of `checkGrads`. */
export interface CheckGradsOptions {
  /** Highest derivative order to check (1 = first derivatives). */
  order?: number;
  /** Forward mode (jvp) and/or reverse mode (vjp). */
  modes?: ("fwd" | "rev")[];
  /** Finite-difference step (default 1e-5, meant for float64 inputs). */
  eps?: number;
  /** Absolute and relative tolerance of each comparison. */
  atol?: number;
  rtol?: number;
  /** Seed of the random directions. */
  seed?: number;
}

type Fn = (...args: any[]) => any;

let draws = 0;
function randomLike(tree: unknown, seed: number): any {
  return treeMap((x: Tensor) => random.normal(random.foldIn(random.key(seed), draws++), x.shape, { dtype: x.dtype }), tree);
}

function inner(a: unknown, b: unknown): number {
  const [la] = flatten(a, "checkGrads");
  const [lb] = flatten(b, "checkGrads");
  let s = 0;
  la.forEach((x, i) => (s += sum(mul(x, lb[i]!)).item()));
  return s;
}

function assertClose(what: string, got: unknown, want: unknown, atol: number, rtol: number): void {
  const [g] = flatten(got, "checkGrads");
  const [w] = flatten(want, "checkGrads");
  if (g.length !== w.length) throw new DriftError("checkGrads", `${what}: ${g.length} outputs vs ${w.length} expected`);
  g.forEach((x, i) => {
    const a = x.dataSync();
    const b = w[i]!.dataSync();
    for (let j = 0; j < a.length; j++) {
      const err = Math.abs(a[j]! - b[j]!);
      if (!(err <= atol + rtol * Math.abs(b[j]!)))
        throw new DriftError("checkGrads", `${what}: output ${i} element ${j} is ${a[j]} but finite differences give ${b[j]} (|diff| ${err.toExponential(2)})`);
    }
  });
}

function numericalJvp(f: Fn, args: unknown[], tangents: unknown[], eps: number): unknown {
  const shift = (s: number) => treeMap((x: Tensor, t: Tensor) => add(x, mul(t, s)), args, tangents);
  const plus = f(...(shift(eps) as unknown[]));
  const minus = f(...(shift(-eps) as unknown[]));
  return treeMap((p: Tensor, m: Tensor) => mul(sub(p, m), 1 / (2 * eps)), plus, minus);
}

/**
 * Checks `f`'s derivatives at `args` against central finite differences, up to `order`, in forward mode
 * (jvp vs numerical directional derivative) and reverse mode (⟨vjp(u), v⟩ = ⟨u, jvp(v)⟩). Throws on mismatch.
 */
export function checkGrads(f: Fn, args: unknown[], opts: CheckGradsOptions = {}): void {
  const order = opts.order ?? 1;
  const modes = opts.modes ?? ["fwd", "rev"];
  const eps = opts.eps ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-6;
  const seed = opts.seed ?? 0;
  const v = randomLike(args, seed);
  if (modes.includes("fwd")) {
    const [, tangent] = jvp(f, args as any, v);
    assertClose(`jvp (order ${order})`, tangent, numericalJvp(f, args, v, eps), atol, rtol);
    if (order > 1) {
      const n = args.length;
      const g = (...xs: unknown[]) => jvp(f, xs.slice(0, n) as any, xs.slice(n) as any)[1];
      checkGrads(g, [...args, ...v], { ...opts, order: order - 1, modes: ["fwd"] });
    }
  }
  if (modes.includes("rev")) {
    const [out, vjpFn] = vjp(f, ...(args as any));
    const u = randomLike(out, seed + 1);
    const lhs = inner(vjpFn(u), v);
    const rhs = inner(u, numericalJvp(f, args, v, eps));
    if (!(Math.abs(lhs - rhs) <= atol + rtol * Math.abs(rhs)))
      throw new DriftError("checkGrads", `vjp (order ${order}): <vjp(u), v> = ${lhs} but <u, J v> by finite differences = ${rhs}`);
    if (order > 1) {
      const g = (...xs: unknown[]) => vjp(f, ...(xs as any))[1](u);
      checkGrads(g, args, { ...opts, order: order - 1, modes: ["rev"] });
    }
  }
}
