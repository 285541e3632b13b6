// Lowers a jaxpr to an executable program: scheduled into fused kernels (wasm SIMD or generated JS), matmuls and primitive calls.
import { Jaxpr, type JaxprEqn, Var } from "../core/jaxpr.ts";
import { type Schedule, schedule } from "./schedule.ts";
import { type CompiledProgram, buildProgram } from "./program.ts";

/** The compiled program interface and its statistics. */
export type { CompiledProgram, ProgramStats } from "./program.ts";

/**
 * Compiles `jaxpr`. Elementwise equations of one shape fuse into kernels with several outputs, reductions of their
 * values and, after a matmul, its epilogue; float32/int32/uint32/bool kernels run as wasm SIMD on a shared arena,
 * others (float64, ops without an exact SIMD form) as generated JS loops. Elementwise results equal the eager ops bit
 * for bit; float32 sums (float64 accumulators, another order) and matmuls may differ in the last bits.
 */
export function compileJaxpr(source: Jaxpr): CompiledProgram {
  return buildProgram(source, schedule(simplify(source)));
}

/** The schedule `compileJaxpr` lowers (after its peephole rewrites); other backends lower the same steps. */
export function scheduleJaxpr(source: Jaxpr): Schedule {
  return schedule(simplify(source));
}

/** True for a permutation that swaps the last two axes and keeps the others. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const n = perm.length;
  return n >= 2 && perm[n - 1] === n - 2 && perm[n - 2] === n - 1 && perm.slice(0, n - 2).every((p, i) => p === i);
}

/**
 * Peephole rewrites before lowering: a matmul operand that is a transpose of the last two axes reads the
 * untransposed array with the layout flag flipped (the kernel packs either layout at the same speed), then
 * equations whose results are unused are dropped.
 */
function simplify(jaxpr: Jaxpr): Jaxpr {
  const producer = new Map<Var, JaxprEqn>();
  for (const e of jaxpr.eqns) for (const v of e.outBinders) producer.set(v, e);
  const eqns = jaxpr.eqns.map((e): JaxprEqn => {
    if (e.primitive.name !== "matmul") return e;
    const inputs = [...e.inputs];
    const params = { ...e.params };
    inputs.forEach((a, i) => {
      const t = a instanceof Var ? producer.get(a) : undefined;
      if (!t || t.primitive.name !== "transpose" || !swapsLastTwo(t.params.perm)) return;
      inputs[i] = t.inputs[0]!;
      if (i === 0) params.transA = !params.transA;
      else params.transB = !params.transB;
    });
    return { ...e, inputs, params };
  });
  const live = new Set<Var>(jaxpr.outs.filter((a): a is Var => a instanceof Var));
  const kept: JaxprEqn[] = [];
  for (let i = eqns.length - 1; i >= 0; i--) {
    const e = eqns[i]!;
    if (!e.outBinders.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  return new Jaxpr(jaxpr.inBinders, kept.reverse(), jaxpr.outs);
}

const programs = new WeakMap<Jaxpr, CompiledProgram>();

/** The compiled program of a jaxpr, compiled on first use and cached with it. */
export function compiled(jaxpr: Jaxpr): CompiledProgram {
  let p = programs.get(jaxpr);
  if (!p) {
    p = compileJaxpr(jaxpr);
    programs.set(jaxpr, p);
  }
  return p;
}
