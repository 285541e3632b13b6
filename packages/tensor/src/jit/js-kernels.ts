// Generates JS loops for fused kernels the wasm path does not cover (float64, ops without an exact SIMD form).
import type { DType, TypedArray } from "../dtype.ts";
import { sizeOf } from "../shape.ts";
import { SPECIAL } from "../backend/special.ts";
import type { Kernel } from "./schedule.ts";

/** A compiled JS kernel: `ins[i]` holds leaf i's variable data from element 0; outputs are written contiguously. */
export type JsKernelFn = (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;

/** Wraps a JS number expression so it rounds or wraps exactly as storing it in the dtype's typed array would. */
export function castExpr(expr: string, dtype: DType): string {
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

/** JS source of a literal number (NaN, ±Infinity and -0 spelled out). */
export function literalCode(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return Object.is(v, -0) ? "-0" : String(v);
}

/** Replaces the template inputs a, b, c of an elementwise expression by local names. */
function instantiate(template: string, names: readonly string[]): string {
  return template.replace(/\b([abc])\b/g, (m) => names["abc".indexOf(m)] ?? m);
}

/**
 * Compiles a kernel (no reductions) to a JS function: nested loops over its shape, one read pointer per leaf per
 * level, every node a `const` rounded to its dtype as the eager ops round, and each output stored in order.
 */
export function compileJsKernel(kernel: Kernel): JsKernelFn {
  const { shape, leaves, nodes, outputs } = kernel;
  const r = shape.length;
  const lines: string[] = [];
  leaves.forEach((l, i) => lines.push(`const x${i} = ins[${i}]; let p${i}_0 = ${l.offset};`));
  outputs.forEach((_, i) => lines.push(`const y${i} = outs[${i}];`));
  lines.push("let q = 0;");
  const body: string[] = [];
  nodes.forEach((n, i) => {
    if (n.op === "load") body.push(`const v${i} = x${n.leaf}[p${n.leaf}_${r}];`);
    else if (n.op === "lit") body.push(`const v${i} = ${castExpr(literalCode(n.value), n.dtype)};`);
    else {
      const expr = instantiate(n.prim.jsExpr!(n.inAvals, n.params), n.args.map((a) => `v${a}`));
      body.push(`const v${i} = ${castExpr(expr, n.dtype)};`);
    }
  });
  outputs.forEach((o, i) => body.push(`y${i}[q] = v${o.node};`));
  body.push("q++;");
  const open: string[] = [];
  const close: string[] = [];
  for (let d = 0; d < r; d++) {
    open.push(`for (let i${d} = 0; i${d} < ${shape[d]}; i${d}++) {`);
    leaves.forEach((_, k) => open.push(`let p${k}_${d + 1} = p${k}_${d};`));
    const steps = leaves.map((l, k) => (l.strides[d] ? `p${k}_${d} += ${l.strides[d]};` : "")).join(" ");
    close.unshift(`${steps} }`);
  }
  if (sizeOf(shape) > 0) lines.push(...open, ...body, ...close);
  return new Function("H", `return function kernel(ins, outs) {\n${lines.join("\n")}\n};`)(SPECIAL) as JsKernelFn;
}
