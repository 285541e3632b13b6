// Public transformations over pytrees: grad, valueAndGrad, vjp, jvp, vmap, stopGradient, makeJaxpr.
import { DriftError, fmtShape } from "./errors.ts";
import { isFloat } from "./dtype.ts";
import { normAxis, shapesEqual } from "./shape.ts";
import { type Tensor, fullRaise, withMainTrace } from "./core/tensor.ts";
import { JVPTrace, JVPTracer } from "./core/jvp.ts";
import { BatchTrace, BatchTracer } from "./core/vmap.ts";
import { type ClosedJaxpr, traceFlat } from "./core/jaxpr.ts";
import { linearize } from "./core/linearize.ts";
import { type TreeDef, flatten, treeDefEqual, treeDefToString, unflatten } from "./tree.ts";
import { array, zerosLike } from "./ops/creation.ts";
import { broadcastTo, expandDims, moveaxis } from "./ops/movement.ts";
import { stopGradient as stopGradientArray } from "./ops/stop-gradient.ts";
import { Tensor as TensorClass } from "./core/tensor.ts";

/** Options of `grad` / `valueAndGrad`. */
export interface GradOptions<N extends number | readonly number[] = number> {
  /** Which positional arguments to differentiate (default 0); an array gives a tuple of gradients. */
  argnums?: N;
  /** `f` returns `[value, aux]`; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

/** The gradient type for `argnums` N over argument types A: the argument's own type, or a tuple of them. */
export type GradsOf<A extends any[], N> = N extends number ? A[N] : N extends readonly number[] ? { [K in keyof N]: A[N[K] & number] } : A[0];

function toArrayArg(x: unknown): unknown {
  return typeof x === "number" ? array(x) : x;
}

function normArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= nargs)
      throw new DriftError(op, `argnums ${a} is out of range: the function was called with ${nargs} positional arguments`);
  return list;
}

/**
 * `valueAndGrad(f)(...args)` returns `[f(...args), ∇f]` where ∇ is taken with respect to `argnums`.
 * `f` must return a scalar float array (or `[scalar, aux]` with `hasAux`).
 */
export function valueAndGrad<F extends (...args: any[]) => any, const N extends number | readonly number[] = 0>(
  f: F,
  opts: GradOptions<N> = {},
): (...args: Parameters<F>) => [ReturnType<F>, GradsOf<Parameters<F>, N>] {
  const op = "grad";
  return (...args: any[]) => {
    const nums = normArgnums(op, opts.argnums, args.length);
    const callArgs = args.map((a, i) => (nums.includes(i) ? toArrayArg(a) : a));
    const [leaves, def] = flatten(
      nums.map((i) => callArgs[i]),
      op,
    );
    leaves.forEach((x) => {
      if (!isFloat(x.dtype)) throw new DriftError(op, `can only differentiate with respect to float arrays; got a ${x.dtype} input ${fmtShape(x.shape)}`);
    });
    let auxDef: TreeDef | null = null;
    const flatF = (...ls: Tensor[]): Tensor[] => {
      const trees = unflatten<any[]>(def, ls);
      const full = [...callArgs];
      nums.forEach((n, j) => (full[n] = trees[j]));
      let out = f(...full);
      let aux: Tensor[] = [];
      if (opts.hasAux) {
        if (!Array.isArray(out) || out.length !== 2) throw new DriftError(op, "with hasAux, f must return [value, aux]");
        [aux, auxDef] = flatten(out[1], op);
        out = out[0];
      }
      if (!(out instanceof TensorClass)) throw new DriftError(op, `f must return an array; got ${typeof out}`);
      if (out.ndim !== 0) throw new DriftError(op, `f must return a scalar (shape []); got shape ${fmtShape(out.shape)}`);
      if (!isFloat(out.dtype)) throw new DriftError(op, `f must return a float scalar; got ${out.dtype}`);
      return [out, ...aux];
    };
    const { primalsOut, backward } = linearize(flatF, leaves);
    const value = primalsOut[0]!;
    const cts = backward([broadcastTo(array(1, { dtype: value.dtype }), []), ...primalsOut.slice(1).map(() => null)]);
    const grads = unflatten<any[]>(
      def,
      cts.map((c, i) => c ?? zerosLike(leaves[i]!)),
    );
    const gradOut = typeof opts.argnums === "object" ? grads : grads[0];
    const valueOut = opts.hasAux ? [value, unflatten(auxDef!, primalsOut.slice(1))] : value;
    return [valueOut, gradOut] as any;
  };
}

/** `grad(f)(...args)`: the gradient of scalar-valued `f` with respect to `argnums`, shaped like those arguments. */
export function grad<F extends (...args: any[]) => any, const N extends number | readonly number[] = 0>(
  f: F,
  opts: GradOptions<N> = {},
): (...args: Parameters<F>) => GradsOf<Parameters<F>, N> {
  const vg = valueAndGrad(f, opts);
  return (...args) => {
    const [value, g] = vg(...args);
    return (opts.hasAux ? [g, (value as any)[1]] : g) as any;
  };
}

/**
 * `vjp(f, ...primals)` returns `[f(...primals), vjpFn]`; `vjpFn(cotangent)` returns one cotangent per primal
 * (pytrees shaped like the primals). The cotangent is shaped like the output.
 */
export function vjp<F extends (...args: any[]) => any>(f: F, ...primals: Parameters<F>): [ReturnType<F>, (ct: ReturnType<F>) => Parameters<F>] {
  const args = primals.map(toArrayArg);
  const [leaves, def] = flatten(args, "vjp");
  let outDef: TreeDef | null = null;
  const flatF = (...ls: Tensor[]): Tensor[] => {
    const out = f(...unflatten<any[]>(def, ls));
    const [outLeaves, d] = flatten(out, "vjp");
    outDef = d;
    return outLeaves;
  };
  const { primalsOut, backward } = linearize(flatF, leaves);
  const vjpFn = (ct: any): any => {
    const [ctLeaves, ctDef] = flatten(ct, "vjp");
    if (!treeDefEqual(ctDef, outDef!))
      throw new DriftError("vjp", `cotangent has structure ${treeDefToString(ctDef)} but the output has ${treeDefToString(outDef!)}`);
    ctLeaves.forEach((c, i) => {
      const o = primalsOut[i]!;
      if (!shapesEqual(c.shape, o.shape) || c.dtype !== o.dtype)
        throw new DriftError("vjp", `cotangent ${i} is ${c.dtype}${fmtShape(c.shape)} but the output is ${o.dtype}${fmtShape(o.shape)}`);
    });
    const cts = backward(ctLeaves);
    return unflatten(
      def,
      cts.map((c, i) => c ?? zerosLike(leaves[i]!)),
    );
  };
  return [unflatten(outDef!, primalsOut), vjpFn];
}

/**
 * Forward mode: `jvp(f, primals, tangents)` returns `[f(...primals), tangent of the output]`.
 * `tangents` mirrors `primals` (same structure, shapes and dtypes).
 */
export function jvp<F extends (...args: any[]) => any>(f: F, primals: Parameters<F>, tangents: Parameters<F>): [ReturnType<F>, ReturnType<F>] {
  const [ps, pdef] = flatten(primals.map(toArrayArg), "jvp");
  const [ts, tdef] = flatten(tangents.map(toArrayArg), "jvp");
  if (!treeDefEqual(pdef, tdef))
    throw new DriftError("jvp", `tangents have structure ${treeDefToString(tdef)} but primals have ${treeDefToString(pdef)}`);
  ps.forEach((p, i) => {
    const t = ts[i]!;
    if (!shapesEqual(p.shape, t.shape) || p.dtype !== t.dtype)
      throw new DriftError("jvp", `tangent ${i} is ${t.dtype}${fmtShape(t.shape)} but its primal is ${p.dtype}${fmtShape(p.shape)}`);
  });
  return withMainTrace((m) => new JVPTrace(m), null, (main) => {
    const trace = new JVPTrace(main);
    const ins = ps.map((p, i) => new JVPTracer(trace, p, ts[i]!));
    const out = f(...unflatten<any[]>(pdef, ins));
    const [outs, odef] = flatten(out, "jvp");
    const raised = outs.map((o) => fullRaise(trace, o) as JVPTracer);
    return [
      unflatten(odef, raised.map((o) => o.primal)),
      unflatten(odef, raised.map((o) => o.tangent ?? zerosLike(o.primal))),
    ] as [any, any];
  });
}

/** Axis spec for vmap: a number, `null` (not mapped), or a pytree prefix of the arguments. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };

/** Options of `vmap`. */
export interface VmapOptions {
  /** Mapped axis of each argument (default 0 for all). */
  inAxes?: AxisSpec;
  /** Where the mapped axis goes in each output (default 0). */
  outAxes?: AxisSpec;
}

/** Expands a prefix axis spec to one entry per leaf of `tree`. */
function axesForLeaves(op: string, spec: AxisSpec, tree: unknown, what: string): (number | null)[] {
  if (spec === null || typeof spec === "number") return flatten(tree, op)[0].map(() => spec);
  if (Array.isArray(spec)) {
    if (!Array.isArray(tree) || tree.length !== spec.length)
      throw new DriftError(op, `${what} is a list of ${spec.length} but the value it describes is ${Array.isArray(tree) ? `a list of ${tree.length}` : typeof tree}`);
    return spec.flatMap((s, i) => axesForLeaves(op, s, tree[i], `${what}[${i}]`));
  }
  if (typeof tree !== "object" || tree === null || Array.isArray(tree) || tree instanceof TensorClass)
    throw new DriftError(op, `${what} is an object but the value it describes is not`);
  const obj = spec as Record<string, AxisSpec>;
  return Object.keys(tree).flatMap((k) => axesForLeaves(op, obj[k] === undefined ? 0 : obj[k]!, (tree as any)[k], `${what}.${k}`));
}

/**
 * Vectorising map: `vmap(f)(xs)` applies `f` to slices of `xs` along `inAxes` and stacks the results along
 * `outAxes`, as one batched computation. Composes with grad, jvp and itself.
 */
export function vmap<F extends (...args: any[]) => any>(f: F, opts: VmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  const op = "vmap";
  return (...args: any[]) => {
    const [leaves, def] = flatten(args, op);
    const axes = axesForLeaves(op, opts.inAxes === undefined ? 0 : opts.inAxes, args, "inAxes");
    const mapped = leaves.map((x, i) => (axes[i] === null ? null : normAxis(op, axes[i]!, x.ndim, `inAxes for argument leaf ${i}`)));
    const sizes = leaves.map((x, i) => (mapped[i] === null ? null : x.shape[mapped[i]!]!)).filter((s): s is number => s !== null);
    if (sizes.length === 0) throw new DriftError(op, "no argument is mapped (every inAxes entry is null)");
    if (sizes.some((s) => s !== sizes[0]))
      throw new DriftError(op, `mapped axes have different sizes: ${leaves.map((x, i) => (mapped[i] === null ? "-" : `${fmtShape(x.shape)} axis ${mapped[i]}`)).join(", ")}`);
    const axisSize = sizes[0]!;
    return withMainTrace((m) => new BatchTrace(m), { axisSize }, (main) => {
      const trace = new BatchTrace(main);
      const ins = leaves.map((x, i) => (mapped[i] === null ? x : new BatchTracer(trace, x, mapped[i]!)));
      const out = f(...unflatten<any[]>(def, ins));
      const [outs, odef] = flatten(out, op);
      const outAxes = axesForLeaves(op, opts.outAxes === undefined ? 0 : opts.outAxes, out, "outAxes");
      const results = outs.map((o, i) => {
        const t = fullRaise(trace, o) as BatchTracer;
        const dst = outAxes[i];
        if (dst === null || dst === undefined) {
          if (t.bdim !== null) throw new DriftError(op, `outAxes for output ${i} is null but that output varies across the batch`);
          return t.val;
        }
        const rank = t.aval.ndim + 1;
        const d = normAxis(op, dst, rank, "outAxes");
        if (t.bdim === null) {
          const e = expandDims(t.val, d);
          const shape = [...e.shape];
          shape[d] = axisSize;
          return broadcastTo(e, shape);
        }
        return moveaxis(t.val, t.bdim, d);
      });
      return unflatten(odef, results);
    });
  };
}

/** Treats every array in a pytree as a constant for differentiation. */
export function stopGradient<T>(x: T): T {
  if (x instanceof TensorClass || typeof x === "number") return stopGradientArray(x as any) as T;
  const [leaves, def] = flatten(x, "stopGradient");
  return unflatten(def, leaves.map(stopGradientArray));
}

/** A traced program: its jaxpr, the values of its consts, and a readable listing. */
export interface TracedProgram extends ClosedJaxpr {
  /** Structure of the outputs. */
  readonly outTree: TreeDef;
  /** The jaxpr listing. */
  toString(): string;
}

/** `makeJaxpr(f)(...args)` traces `f` for the shapes/dtypes of `args` and returns its jaxpr (for debugging). */
export function makeJaxpr<F extends (...args: any[]) => any>(f: F): (...args: Parameters<F>) => TracedProgram {
  return (...args: any[]) => {
    const [leaves, def] = flatten(args.map(toArrayArg), "makeJaxpr");
    let outTree: TreeDef | null = null;
    const closed = traceFlat(
      (...ins) => {
        const [outs, d] = flatten(f(...unflatten<any[]>(def, ins)), "makeJaxpr");
        outTree = d;
        return outs;
      },
      leaves.map((x) => x.aval),
    );
    return { ...closed, outTree: outTree!, toString: () => closed.jaxpr.toString() };
  };
}
