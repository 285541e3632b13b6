// The `lax` namespace: scan, foriLoop, whileLoop, cond and switch over pytrees, traced once into primitives.
import { DriftError, fmtShape } from "../errors.ts";
import { isInteger } from "../dtype.ts";
import { ShapedArray, type Tensor, bind } from "../core/tensor.ts";
import { evalJaxpr, traceFlat } from "../core/jaxpr.ts";
import { type TreeDef, flatten, treeDefEqual, treeDefToString, unflatten } from "../tree.ts";
import { array } from "../ops/creation.ts";
import { add, less, notEqual } from "../ops/elementwise.ts";
import { asTensor, convert } from "../ops/coerce.ts";
import { scanPrim, switchPrim, whilePrim } from "./control-flow.ts";

const toArrays = (tree: unknown): unknown => (typeof tree === "number" ? array(tree) : tree);

function checkCarry(op: string, what: string, got: Tensor[], gotDef: TreeDef, want: readonly Tensor[], wantDef: TreeDef): void {
  if (!treeDefEqual(gotDef, wantDef))
    throw new DriftError(op, `${what} has structure ${treeDefToString(gotDef)} but the initial carry has ${treeDefToString(wantDef)}`);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (g.dtype !== w.dtype || g.shape.length !== w.shape.length || g.shape.some((d, j) => d !== w.shape[j]))
      throw new DriftError(op, `${what} leaf ${i} is ${g.dtype}${fmtShape(g.shape)} but the initial carry is ${w.dtype}${fmtShape(w.shape)}; the carry must keep its shape and dtype`);
  });
}

/** Options of `scan`. */
export interface ScanOptions {
  /** Number of steps; required when `xs` is null, else it must equal the leading dimension of xs. */
  length?: number;
  /** Iterate from the last element to the first (outputs stay in input order). */
  reverse?: boolean;
}

/**
 * `scan(f, init, xs)` loops `[carry, y] = f(carry, x)` over the leading axis of `xs` and returns
 * `[finalCarry, stackedYs]`, as `jax.lax.scan`. Traced once; differentiable in both modes; batches under vmap.
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => [C, Y], init: C, xs: X | null, opts: ScanOptions = {}): [C, Y] {
  const op = "lax.scan";
  const [initLeaves, carryDef] = flatten(toArrays(init), op);
  const [xsLeaves, xsDef] = flatten(xs, op);
  const length = opts.length ?? xsLeaves[0]?.shape[0];
  if (length === undefined) throw new DriftError(op, "length is required when xs has no arrays");
  if (!Number.isInteger(length) || length < 0) throw new DriftError(op, `length must be a non-negative integer; got ${length}`);
  for (const x of xsLeaves)
    if (x.ndim === 0 || x.shape[0] !== length) throw new DriftError(op, `every xs leaf needs leading dimension ${length}; got ${fmtShape(x.shape)}`);
  let yDef: TreeDef | null = null;
  const nk = initLeaves.length;
  const body = traceFlat(
    (...ins) => {
      const out = f(unflatten<C>(carryDef, ins.slice(0, nk)), unflatten<X>(xsDef, ins.slice(nk)));
      if (!Array.isArray(out) || out.length !== 2) throw new DriftError(op, "f must return [carry, y]");
      const [c, cDef] = flatten(toArrays(out[0]), op);
      checkCarry(op, "the carry f returns", c, cDef, initLeaves, carryDef);
      const [ys, d] = flatten(out[1], op);
      yDef = d;
      return [...c, ...ys];
    },
    [...initLeaves.map((x) => x.aval), ...xsLeaves.map((x) => new ShapedArray(x.shape.slice(1), x.dtype))],
  );
  const outs = bind(scanPrim, [...body.consts, ...initLeaves, ...xsLeaves], {
    jaxpr: body.jaxpr,
    numConsts: body.consts.length,
    numCarry: nk,
    length,
    reverse: opts.reverse ?? false,
  });
  return [unflatten<C>(carryDef, outs.slice(0, nk)), unflatten<Y>(yDef!, outs.slice(nk))];
}

/**
 * Runs `branches[idx]` (idx an int32 scalar, clamped) on the operands: the body of `switch` and `cond`. `op` and
 * `names` (one per branch) are what errors call them.
 */
function selectBranch<R>(op: string, idx: Tensor, branches: readonly ((...operands: any[]) => R)[], names: readonly string[], operands: unknown[]): R {
  const [leaves, def] = flatten(operands.map(toArrays), op);
  let outDef: TreeDef | null = null;
  const traced = branches.map((b, i) =>
    traceFlat(
      (...ins) => {
        const [outs, d] = flatten(b(...unflatten<unknown[]>(def, ins)), op);
        if (outDef && !treeDefEqual(outDef, d))
          throw new DriftError(op, `${names[i]} returns structure ${treeDefToString(d)} but ${names[0]} returns ${treeDefToString(outDef)}`);
        outDef = d;
        return outs;
      },
      leaves.map((x) => x.aval),
    ),
  );
  // Weak typing aside, every branch must give the same avals (checked here too so that the error names this op).
  const avals = traced.map((t) => t.jaxpr.outs.map((a) => `${a.aval.dtype}${fmtShape(a.aval.shape)}`).join(", "));
  avals.forEach((a, i) => {
    if (a !== avals[0]) throw new DriftError(op, `${names[i]} returns (${a}) but ${names[0]} returns (${avals[0]}); every branch must return the same shapes and dtypes`);
  });
  // Every branch takes all branches' captured consts, then the operands.
  const consts = traced.flatMap((t) => t.consts);
  const constAvals = consts.map((c) => c.aval);
  let offset = 0;
  const unified = traced.map((t) => {
    const start = offset;
    offset += t.consts.length;
    return traceFlat(
      (...ins) => {
        const own = ins.slice(start, start + t.consts.length);
        return evalJaxpr(t.jaxpr, [...own, ...ins.slice(consts.length)]);
      },
      [...constAvals, ...leaves.map((x) => x.aval)],
    ).jaxpr;
  });
  const outs = bind(switchPrim, [idx, ...consts, ...leaves], { branches: unified });
  return unflatten<R>(outDef!, outs);
}

/**
 * `switch(index, branches, ...operands)` runs `branches[index]` (index clamped to the valid range), as
 * `jax.lax.switch`. The index is a JS integer or an integer scalar array (int32 or uint32; a float index is refused, as
 * in JAX). Every branch must return the same structure, shapes and dtypes.
 */
export function switchCase<R>(index: Tensor | number, branches: readonly ((...operands: any[]) => R)[], ...operands: unknown[]): R {
  const op = "lax.switch";
  if (!Array.isArray(branches) || branches.length === 0) throw new DriftError(op, "needs a non-empty list of branch functions");
  if (typeof index === "number" && !Number.isInteger(index)) throw new DriftError(op, `index must be an integer; got ${index}`);
  const idx = asTensor(index, op, "index");
  if (idx.ndim !== 0) throw new DriftError(op, `index must be a scalar; got shape ${fmtShape(idx.shape)}`);
  if (!isInteger(idx.dtype))
    throw new DriftError(op, `index must be an integer scalar (int32 or uint32); got ${idx.dtype}${idx.dtype === "bool" ? " (use lax.cond for a boolean)" : " (cast it with .astype(\"int32\"))"}`);
  return selectBranch(op, convert(idx, "int32"), branches, branches.map((_, i) => `branch ${i}`), operands);
}

/**
 * `cond(pred, trueFn, falseFn, ...operands)`: `trueFn(...operands)` if pred else `falseFn(...operands)`, as `jax.lax.cond`.
 * The predicate is a boolean or an integer (true when nonzero), as a JS value or a scalar array; a float is refused, as
 * in JAX.
 */
export function cond<R>(pred: Tensor | boolean | number, trueFn: (...operands: any[]) => R, falseFn: (...operands: any[]) => R, ...operands: unknown[]): R {
  const op = "lax.cond";
  if (typeof pred === "number" && !Number.isInteger(pred)) throw new DriftError(op, `pred must be a boolean or an integer; got ${pred}`);
  const p = asTensor(pred, op, "pred");
  if (p.ndim !== 0) throw new DriftError(op, `pred must be a scalar; got shape ${fmtShape(p.shape)}`);
  if (p.dtype !== "bool" && !isInteger(p.dtype))
    throw new DriftError(op, `pred must be a boolean or integer scalar; got ${p.dtype} (compare explicitly, e.g. np.greater(x, 0))`);
  const truth = p.dtype === "bool" ? p : notEqual(p, 0);
  return selectBranch(op, convert(truth, "int32"), [falseFn, trueFn], ["falseFn", "trueFn"], operands);
}

/** `whileLoop(condFn, bodyFn, init)`: repeats `carry = bodyFn(carry)` while `condFn(carry)`, as `jax.lax.while_loop`. */
export function whileLoop<C>(condFn: (carry: C) => Tensor | boolean, bodyFn: (carry: C) => C, init: C): C {
  const op = "lax.whileLoop";
  const [initLeaves, def] = flatten(toArrays(init), op);
  const avals = initLeaves.map((x) => x.aval);
  const condT = traceFlat((...ins) => [convert(asTensor(condFn(unflatten<C>(def, ins)), op, "condFn result"), "bool")], avals);
  const bodyT = traceFlat((...ins) => {
    const [outs, d] = flatten(toArrays(bodyFn(unflatten<C>(def, ins))), op);
    checkCarry(op, "the carry bodyFn returns", outs, d, initLeaves, def);
    return outs;
  }, avals);
  const outs = bind(whilePrim, [...condT.consts, ...bodyT.consts, ...initLeaves], {
    cond: condT.jaxpr,
    body: bodyT.jaxpr,
    numCondConsts: condT.consts.length,
    numBodyConsts: bodyT.consts.length,
  });
  return unflatten<C>(def, outs);
}

/**
 * `foriLoop(lower, upper, body, init)` runs `carry = body(i, carry)` for i in [lower, upper). With JS-number
 * bounds it is a scan (reverse-differentiable); with traced bounds a whileLoop (forward-mode only).
 */
export function foriLoop<C>(lower: number | Tensor, upper: number | Tensor, body: (i: Tensor, carry: C) => C, init: C): C {
  if (typeof lower === "number" && typeof upper === "number") {
    if (!Number.isInteger(lower) || !Number.isInteger(upper)) throw new DriftError("lax.foriLoop", `bounds must be integers; got ${lower}, ${upper}`);
    const [[, out]] = scan(
      ([i, c]: [Tensor, C]) => [[add(i, 1), body(i, c)] as [Tensor, C], null],
      [array(lower, { dtype: "int32" }), init] as [Tensor, C],
      null,
      { length: Math.max(0, upper - lower) },
    );
    return out;
  }
  const lo = convert(asTensor(lower, "lax.foriLoop", "lower"), "int32");
  const hi = convert(asTensor(upper, "lax.foriLoop", "upper"), "int32");
  const [, out] = whileLoop(
    ([i]: [Tensor, C]) => less(i, hi),
    ([i, c]: [Tensor, C]) => [add(i, 1), body(i, c)] as [Tensor, C],
    [lo, init] as [Tensor, C],
  );
  return out;
}

export { switchCase as switch };
export { dynamicSlice, dynamicUpdateSlice } from "../ops/dynamic-slice.ts";
export { topK } from "../ops/sort.ts";
