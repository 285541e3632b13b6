// Schedules a jaxpr into steps: fused elementwise kernels (with reduction outputs and matmul epilogues), matmuls and primitive calls.
import type { DType } from "../dtype.ts";
import { sizeOf, stridesOf } from "../shape.ts";
import type { Primitive, ShapedArray } from "../core/tensor.ts";
import { type Atom, type Jaxpr, type JaxprEqn, Lit, Var } from "../core/jaxpr.ts";
import { broadcastStrides } from "../backend/js.ts";
import { wasmSupports } from "./wasm-expr.ts";

/** A value read by a kernel: a materialised variable seen through element strides over the kernel's shape. */
export interface Leaf {
  readonly v: Var;
  /** First element read, in elements of `v`. */
  readonly offset: number;
  /** Element step of `v` per step of each kernel dimension (0 = broadcast). */
  readonly strides: number[];
}

/** One value computed per element of a fused kernel. */
export type KNode =
  | { readonly op: "load"; readonly leaf: number; readonly dtype: DType }
  | { readonly op: "lit"; readonly value: number; readonly dtype: DType }
  | {
      readonly op: "prim";
      readonly prim: Primitive;
      readonly params: any;
      /** Node ids of the inputs. */
      readonly args: number[];
      readonly inAvals: ShapedArray[];
      readonly dtype: DType;
    };

/** A reduction computed by a kernel from one of its nodes, over `axes` of the kernel's shape. */
export interface ReduceOut {
  readonly kind: "sum" | "max" | "min";
  readonly node: number;
  readonly axes: number[];
  readonly v: Var;
}

/** A fused loop over `shape`: nodes in dependency order, stored outputs (contiguous) and reduction outputs. */
export interface Kernel {
  /** "wasm" kernels only hold ops the wasm lowering supports; "js" kernels run as generated JS loops. */
  readonly backend: "wasm" | "js";
  readonly shape: number[];
  readonly nodes: KNode[];
  readonly leaves: Leaf[];
  readonly outputs: { node: number; v: Var }[];
  readonly reduces: ReduceOut[];
  /** Number of jaxpr equations fused into this kernel. */
  eqns: number;
}

/** f32 C = op(A)·op(B), optionally followed per element by an epilogue kernel that reads C as its leaf `leaf`. */
export interface MatmulStep {
  readonly kind: "matmul";
  readonly a: Var;
  readonly b: Var;
  readonly out: Var;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  epilogue?: { kernel: Kernel; leaf: number };
}

/** A primitive run by its eager impl. */
export interface PrimStep {
  readonly kind: "prim";
  readonly prim: Primitive;
  readonly params: any;
  readonly ins: Atom[];
  readonly outs: Var[];
}

/** One scheduled step. */
export type Step = { readonly kind: "kernel"; readonly kernel: Kernel } | MatmulStep | PrimStep;

/** The scheduled program: steps in execution order and the variables that share another's storage. */
export interface Schedule {
  readonly steps: Step[];
  /** Variables that are another variable's data under a new shape (reshape, stop_gradient): var → root var. */
  readonly alias: Map<Var, Var>;
}

/** Equations that are the identity on their input's data. */
const ALIASING = new Set(["reshape", "stop_gradient"]);
/** Equations that read their (materialised) input through strides: fused into kernels as leaves. */
const VIEWS = new Set(["broadcast_in_dim", "slice", "transpose"]);
const REDUCES: Record<string, ReduceOut["kind"]> = { reduce_sum: "sum", reduce_max: "max", reduce_min: "min" };

/** The leaf strides and offset of a view equation reading `x` (shape `xs`). */
function viewAccess(e: JaxprEqn, xs: readonly number[]): { offset: number; strides: number[] } {
  const st = stridesOf(xs);
  const p = e.params;
  switch (e.primitive.name) {
    case "broadcast_in_dim": {
      const strides = new Array<number>(p.shape.length).fill(0);
      (p.dims as number[]).forEach((od, i) => (strides[od] = xs[i] === 1 ? 0 : st[i]!));
      return { offset: 0, strides };
    }
    case "slice":
      return { offset: (p.start as number[]).reduce((acc, s, i) => acc + s * st[i]!, 0), strides: st.map((s, i) => s * p.step[i]) };
    default:
      return { offset: 0, strides: (p.perm as number[]).map((i) => st[i]!) };
  }
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

interface OpenKernel {
  key: string;
  kernel: Kernel;
  /** Variables computed inline by this kernel, with their node. */
  value: Map<Var, number>;
  /** Reduction outputs (valid only once the kernel has run). */
  reduced: Set<Var>;
  loads: Map<string, number>;
  closed: boolean;
}

/**
 * Schedules `jaxpr`. Elementwise equations join the open kernel of their output shape and backend when their inputs
 * are that kernel's values (same shape) or materialised variables; a value needed elsewhere first closes (emits) the
 * kernel that computes it, and becomes one of its stored outputs if anything outside reads it. f32 reductions become
 * outputs of the kernel of their input's shape; a matmul whose result only feeds one wasm kernel runs that kernel as
 * its epilogue.
 */
export function schedule(jaxpr: Jaxpr): Schedule {
  const consumers = new Map<Var, JaxprEqn[]>();
  for (const e of jaxpr.eqns)
    for (const a of e.inputs)
      if (a instanceof Var) {
        let list = consumers.get(a);
        if (!list) consumers.set(a, (list = []));
        list.push(e);
      }
  const programOuts = new Set(jaxpr.outs.filter((a): a is Var => a instanceof Var));
  const steps: Step[] = [];
  const alias = new Map<Var, Var>();
  const root = (v: Var): Var => alias.get(v) ?? v;
  const open = new Map<string, OpenKernel>();
  const ownerOf = new Map<Var, OpenKernel>();
  const eqnKernel = new Map<JaxprEqn, OpenKernel>();
  const pendingMatmul = new Map<Var, MatmulStep>();

  const usedOutside = (g: OpenKernel, v: Var): boolean => programOuts.has(v) || (consumers.get(v) ?? []).some((e) => eqnKernel.get(e) !== g);

  const attachEpilogue = (g: OpenKernel): MatmulStep | null => {
    const k = g.kernel;
    if (k.backend !== "wasm" || k.reduces.length > 0) return null;
    const contiguous = stridesOf(k.shape);
    if (k.leaves.some((l) => l.strides.length > 0 && ![0, 1].includes(l.strides[l.strides.length - 1]!))) return null;
    for (let i = 0; i < k.leaves.length; i++) {
      const l = k.leaves[i]!;
      const m = pendingMatmul.get(l.v);
      if (!m || m.epilogue || m.batch !== 1 || l.offset !== 0 || !sameShape(l.strides, contiguous) || usedOutside(g, l.v)) continue;
      m.epilogue = { kernel: k, leaf: i };
      steps.splice(steps.indexOf(m), 1);
      pendingMatmul.delete(l.v);
      return m;
    }
    return null;
  };

  const close = (g: OpenKernel): void => {
    if (g.closed) return;
    g.closed = true;
    open.delete(g.key);
    for (const v of g.value.keys()) ownerOf.delete(v);
    for (const v of g.reduced) ownerOf.delete(v);
    for (const [v, node] of g.value) if (usedOutside(g, v)) g.kernel.outputs.push({ node, v });
    steps.push(attachEpilogue(g) ?? { kind: "kernel", kernel: g.kernel });
  };
  const materialise = (a: Atom): void => {
    if (a instanceof Var) {
      const g = ownerOf.get(a);
      if (g) close(g);
    }
  };

  const kernelFor = (backend: "wasm" | "js", shape: number[]): OpenKernel => {
    const key = `${backend}|${shape.join(",")}`;
    let g = open.get(key);
    if (!g) {
      g = {
        key,
        kernel: { backend, shape, nodes: [], leaves: [], outputs: [], reduces: [], eqns: 0 },
        value: new Map(),
        reduced: new Set(),
        loads: new Map(),
        closed: false,
      };
      open.set(key, g);
    }
    return g;
  };
  const load = (g: OpenKernel, v: Var, offset: number, strides: number[]): number => {
    const key = `${v.id}|${offset}|${strides.join(",")}`;
    let id = g.loads.get(key);
    if (id === undefined) {
      const k = g.kernel;
      k.leaves.push({ v, offset, strides });
      id = k.nodes.push({ op: "load", leaf: k.leaves.length - 1, dtype: v.aval.dtype }) - 1;
      g.loads.set(key, id);
    }
    return id;
  };
  const literal = (g: OpenKernel, a: Lit): number => g.kernel.nodes.push({ op: "lit", value: a.value, dtype: a.aval.dtype }) - 1;

  for (const e of jaxpr.eqns) {
    const name = e.primitive.name;
    const out = e.outBinders[0]!;
    const isView = VIEWS.has(name) && e.inputs[0] instanceof Var;
    const isFill = name === "broadcast_in_dim" && e.inputs[0] instanceof Lit;
    if ((e.primitive.jsExpr !== undefined && e.outBinders.length === 1) || isView || isFill) {
      const shape = [...out.aval.shape];
      const backend = wasmSupports(e) ? "wasm" : "js";
      // Inputs computed by an open kernel are inlined only into that same kernel at the same shape; a view reads memory.
      for (const a of e.inputs) {
        if (!(a instanceof Var)) continue;
        const g = ownerOf.get(a);
        if (g && !(g.kernel.backend === backend && sameShape(g.kernel.shape, shape) && g.value.has(a) && !isView)) close(g);
      }
      const g = kernelFor(backend, shape);
      if (isFill) g.value.set(out, literal(g, e.inputs[0] as Lit));
      else if (isView) {
        const x = e.inputs[0] as Var;
        const { offset, strides } = viewAccess(e, x.aval.shape);
        g.value.set(out, load(g, x, offset, strides));
      } else {
        const args = e.inputs.map((a) =>
          a instanceof Lit ? literal(g, a) : (g.value.get(a) ?? load(g, a, 0, broadcastStrides(a.aval.shape, shape))),
        );
        const node = g.kernel.nodes.push({ op: "prim", prim: e.primitive, params: e.params, args, inAvals: e.inputs.map((a) => a.aval), dtype: out.aval.dtype }) - 1;
        g.value.set(out, node);
      }
      g.kernel.eqns++;
      eqnKernel.set(e, g);
      ownerOf.set(out, g);
      continue;
    }
    const reduceKind = REDUCES[name];
    const x = e.inputs[0];
    if (reduceKind && x instanceof Var && x.aval.dtype === "float32") {
      const owner = ownerOf.get(x);
      if (owner && !(owner.kernel.backend === "wasm" && owner.value.has(x))) close(owner);
      const g = kernelFor("wasm", [...x.aval.shape]);
      const node = g.value.get(x) ?? load(g, x, 0, stridesOf(x.aval.shape));
      g.kernel.reduces.push({ kind: reduceKind, node, axes: [...e.params.axes], v: out });
      g.kernel.eqns++;
      g.reduced.add(out);
      eqnKernel.set(e, g);
      ownerOf.set(out, g);
      continue;
    }
    e.inputs.forEach(materialise);
    if (ALIASING.has(name) && x instanceof Var) {
      alias.set(out, root(x));
      continue;
    }
    if (name === "matmul" && out.aval.dtype === "float32") {
      const a = e.inputs[0] as Var;
      const b = e.inputs[1] as Var;
      const { transA, transB } = e.params;
      const ra = a.aval.shape.length;
      const m = transA ? a.aval.shape[ra - 1]! : a.aval.shape[ra - 2]!;
      const k = transA ? a.aval.shape[ra - 2]! : a.aval.shape[ra - 1]!;
      const n = out.aval.shape[out.aval.shape.length - 1]!;
      const step: MatmulStep = { kind: "matmul", a, b, out, transA, transB, batch: sizeOf(out.aval.shape.slice(0, -2)), m, k, n };
      steps.push(step);
      pendingMatmul.set(out, step);
      continue;
    }
    steps.push({ kind: "prim", prim: e.primitive, params: e.params, ins: [...e.inputs], outs: [...e.outBinders] });
  }
  for (const g of [...open.values()]) close(g);
  return { steps, alias };
}
