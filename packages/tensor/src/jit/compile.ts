// Lowers a jaxpr to an executable program: elementwise chains fused into single generated loops, the rest run by their impl.
import { type DType, type TypedArray, allocate } from "../dtype.ts";
import { ConcreteArray, type Primitive, type ShapedArray } from "../core/tensor.ts";
import { type Atom, Jaxpr, type JaxprEqn, Lit, Var, literalArray } from "../core/jaxpr.ts";
import { type LoopFn, accessPlan, compileLoop } from "../backend/js.ts";
import { writeWindow } from "../ops/dynamic-slice.ts";

/** Wraps a JS number expression so it rounds or wraps exactly as storing it in the dtype's typed array would. */
function castExpr(expr: string, dtype: DType): string {
  switch (dtype) {
    case "float32":
      return `Math.fround(${expr})`;
    case "float64":
      return `(${expr})`;
    case "int32":
      return `((${expr}) | 0)`;
    case "uint32":
      return `((${expr}) >>> 0)`;
    case "bool":
      return `((${expr}) ? 1 : 0)`;
  }
}

function literalCode(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return Object.is(v, -0) ? "-0" : String(v);
}

/** Replaces the template inputs a, b, c of an elementwise expression by local names. */
function instantiate(template: string, names: string[]): string {
  return template.replace(/\b([abc])\b/g, (m) => names["abc".indexOf(m)] ?? m);
}

type Slot = number;

interface FusedStep {
  kind: "fused";
  out: Slot;
  outAval: ShapedArray;
  leaves: Slot[];
  leafAvals: ShapedArray[];
  prelude: string;
  result: string;
  loops: Map<string, { loop: LoopFn; strides: (number[] | null)[] }>;
}

interface PrimStep {
  kind: "prim";
  prim: Primitive;
  params: any;
  ins: Slot[];
  outs: Slot[];
  outAvals: ShapedArray[];
  /**
   * For dynamic_update_slice: the operand may be overwritten in place (this is the last use of its buffer and
   * it is not a program output). Program inputs qualify only when the caller donated them.
   */
  inPlace?: { inputIndex: number | null };
}

type Step = FusedStep | PrimStep;

/** A lowered jaxpr: call `run` with concrete inputs (consts first) to get concrete outputs. */
export interface CompiledProgram {
  /** Number of fused kernels and primitive calls, for inspection and tests. */
  readonly stats: { fused: number; prims: number; fusedOps: number };
  /** Runs the program; inputs whose positions are in `donated` may have their buffers reused for outputs. */
  run(inputs: ConcreteArray[], donated?: ReadonlySet<number>): ConcreteArray[];
}

const isFusible = (prim: Primitive, nOut: number): boolean => prim.jsExpr !== undefined && nOut === 1;

/**
 * Compiles `jaxpr`. An elementwise equation is inlined into its consumer when its result is used exactly
 * once, by another elementwise equation of the same output shape, and is not a program output; each
 * remaining elementwise equation becomes one loop over its output. Intermediate buffers of fused loops
 * are allocated once and reused across calls; outputs are always fresh arrays.
 */
export function compileJaxpr(source: Jaxpr): CompiledProgram {
  const jaxpr = simplify(source);
  const slotOf = new Map<Var, Slot>();
  let nSlots = 0;
  const slot = (v: Var): Slot => {
    let s = slotOf.get(v);
    if (s === undefined) {
      s = nSlots++;
      slotOf.set(v, s);
    }
    return s;
  };
  jaxpr.inBinders.forEach(slot);
  const literals = new Map<Slot, ConcreteArray>();
  const atomSlot = (a: Atom): Slot => {
    if (a instanceof Lit) {
      const s = nSlots++;
      literals.set(s, literalArray(a));
      return s;
    }
    return slot(a);
  };

  const uses = new Map<Var, number>();
  const consumer = new Map<Var, (typeof jaxpr.eqns)[number]>();
  for (const e of jaxpr.eqns)
    for (const a of e.inputs)
      if (a instanceof Var) {
        uses.set(a, (uses.get(a) ?? 0) + 1);
        consumer.set(a, e);
      }
  const outputs = new Set(jaxpr.outs.filter((a): a is Var => a instanceof Var));
  const producer = new Map<Var, (typeof jaxpr.eqns)[number]>();
  for (const e of jaxpr.eqns) for (const v of e.outBinders) producer.set(v, e);
  const inlinable = (v: Var): boolean => {
    const p = producer.get(v);
    const c = consumer.get(v);
    return (
      p !== undefined &&
      c !== undefined &&
      isFusible(p.primitive, p.outBinders.length) &&
      isFusible(c.primitive, c.outBinders.length) &&
      uses.get(v) === 1 &&
      !outputs.has(v) &&
      sameShape(v.aval.shape, c.outBinders[0]!.aval.shape)
    );
  };

  const steps: Step[] = [];
  let fusedOps = 0;
  for (const e of jaxpr.eqns) {
    if (!isFusible(e.primitive, e.outBinders.length)) {
      steps.push({ kind: "prim", prim: e.primitive, params: e.params, ins: e.inputs.map(atomSlot), outs: e.outBinders.map(slot), outAvals: e.outBinders.map((v) => v.aval) });
      continue;
    }
    const out = e.outBinders[0]!;
    if (inlinable(out)) continue;
    // Emit the expression tree rooted at this equation, reading non-inlined inputs as loop leaves.
    const leaves: Slot[] = [];
    const leafAvals: ShapedArray[] = [];
    const leafName = new Map<string, string>();
    const stmts: string[] = [];
    let temps = 0;
    const emit = (eqn: (typeof jaxpr.eqns)[number]): string => {
      fusedOps++;
      const names = eqn.inputs.map((a) => {
        if (a instanceof Lit) return castExpr(literalCode(a.value), a.aval.dtype);
        if (inlinable(a)) return emit(producer.get(a)!);
        const key = `v${a.id}`;
        let name = leafName.get(key);
        if (!name) {
          name = `x_${leaves.length}`;
          leafName.set(key, name);
          leaves.push(slot(a));
          leafAvals.push(a.aval);
        }
        return name;
      });
      const expr = eqn.primitive.jsExpr!(
        eqn.inputs.map((a) => a.aval),
        eqn.params,
      );
      const t = `t${temps++}`;
      stmts.push(`const ${t} = ${castExpr(instantiate(expr, names), eqn.outBinders[0]!.aval.dtype)};`);
      return t;
    };
    const result = emit(e);
    steps.push({ kind: "fused", out: slot(out), outAval: out.aval, leaves, leafAvals, prelude: stmts.join(" "), result, loops: new Map() });
  }
  markInPlaceUpdates(jaxpr, steps, slotOf);
  const outSlots = jaxpr.outs.map(atomSlot);
  const persistent = new Map<Slot, TypedArray>();
  const outputSlots = new Set(outSlots);
  const stats = {
    fused: steps.filter((s) => s.kind === "fused").length,
    prims: steps.filter((s) => s.kind === "prim").length,
    fusedOps,
  };

  const run = (inputs: ConcreteArray[], donated?: ReadonlySet<number>): ConcreteArray[] => {
    const env: (ConcreteArray | undefined)[] = new Array(nSlots);
    inputs.forEach((x, i) => (env[i] = x));
    for (const [s, lit] of literals) env[s] = lit;
    for (const step of steps) {
      if (step.kind === "prim") {
        const ins = step.ins.map((s) => env[s]!);
        if (step.inPlace && (step.inPlace.inputIndex === null || donated?.has(step.inPlace.inputIndex))) {
          const [x, u, ...starts] = ins;
          writeWindow(x!.buf, x!.shape, u!, starts);
          env[step.outs[0]!] = new ConcreteArray(step.outAvals[0]!, x!.buf);
          continue;
        }
        const bufs = step.prim.impl(ins, step.params, step.outAvals);
        step.outs.forEach((s, i) => (env[s] = new ConcreteArray(step.outAvals[i]!, bufs[i]!)));
        continue;
      }
      const ins = step.leaves.map((s) => env[s]!);
      const aval = step.outAval;
      let buf: TypedArray;
      if (outputSlots.has(step.out)) buf = allocate(aval.dtype, aval.size);
      else {
        buf = persistent.get(step.out) ?? allocate(aval.dtype, aval.size);
        persistent.set(step.out, buf);
      }
      // Leaves keep their shapes per signature, but a literal or broadcast may change access modes: key by sizes.
      const key = ins.map((x) => x.size).join(",");
      let plan = step.loops.get(key);
      if (!plan) {
        const { modes, strides } = accessPlan(step.leafAvals.map((a, i) => ({ size: ins[i]!.size, shape: a.shape })), aval.shape, aval.size);
        plan = { loop: compileLoop(step.result, modes, step.leaves.map((_, i) => `x_${i}`), step.prelude), strides };
        step.loops.set(key, plan);
      }
      plan.loop(buf, aval.shape, ins.map((x) => x.buf), plan.strides);
      env[step.out] = new ConcreteArray(aval, buf);
    }
    const persistentBufs = new Set(persistent.values());
    return outSlots.map((s) => {
      const x = env[s]!;
      // An output may alias a reused intermediate buffer (reshape shares data): hand out a copy.
      return persistentBufs.has(x.buf) ? new ConcreteArray(x.aval, x.buf.slice()) : x;
    });
  };
  return { stats, run };
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

/** Primitives whose eager impl returns its input's buffer, so their output aliases it. */
const ALIASING = new Set(["reshape", "stop_gradient"]);

/**
 * Marks dynamic_update_slice steps that may write into their operand: the operand's buffer (followed through
 * aliasing reshapes) is not a program output, not a const or literal, and is not read after this step.
 */
function markInPlaceUpdates(jaxpr: Jaxpr, steps: Step[], slotOf: Map<Var, Slot>): void {
  const root = new Map<Var, Var>();
  const rootOf = (v: Var): Var => root.get(v) ?? v;
  const lastUse = new Map<Var, number>();
  jaxpr.eqns.forEach((e, i) => {
    if (ALIASING.has(e.primitive.name) && e.inputs[0] instanceof Var) root.set(e.outBinders[0]!, rootOf(e.inputs[0]));
    for (const a of e.inputs) if (a instanceof Var) lastUse.set(rootOf(a), i);
  });
  const pinned = new Set<Var>();
  for (const a of jaxpr.outs) if (a instanceof Var) pinned.add(rootOf(a));
  const numInputs = jaxpr.inBinders.length;
  const prims = steps.filter((s): s is PrimStep => s.kind === "prim");
  let p = 0;
  jaxpr.eqns.forEach((e, i) => {
    if (e.primitive.jsExpr !== undefined) return;
    const step = prims[p++]!;
    if (e.primitive.name !== "dynamic_update_slice" || !(e.inputs[0] instanceof Var)) return;
    const operand = rootOf(e.inputs[0]);
    if (pinned.has(operand) || lastUse.get(operand) !== i) return;
    const slot = slotOf.get(operand)!;
    step.inPlace = { inputIndex: slot < numInputs ? slot : null };
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
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
