// The JS reference backend: loops generated once per expression and broadcast pattern, over typed arrays.
import type { TypedArray } from "../dtype.ts";
import { stridesOf } from "../shape.ts";
import { SPECIAL } from "./special.ts";

/** Strides of an input broadcast against `outShape` (0 along broadcast and missing leading dims). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const inStrides = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((d, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return inShape[j] === 1 && d !== 1 ? 0 : inStrides[j]!;
  });
}

/** How a loop reads one input: contiguous, scalar, or through broadcast strides. */
export type Access = "c" | "s" | "g";
/** A compiled elementwise loop. */
export type LoopFn = (out: TypedArray, shape: readonly number[], ins: TypedArray[], strides: (number[] | null)[]) => void;

const loopCache = new Map<string, LoopFn>();
const VARS = ["a", "b", "c", "d"];

/**
 * Compiles (once) a loop computing `out[i] = expr` with numpy broadcasting, where input k is read into the
 * local `names[k]` and `prelude` statements may compute temporaries from them first. Each input is
 * contiguous (`c`, same shape as out), a scalar (`s`), or strided (`g`).
 */
export function compileLoop(expr: string, modes: Access[], names: readonly string[] = VARS, prelude = ""): LoopFn {
  const key = names === VARS ? `${expr}\u0001${modes.join("")}` : `${prelude}|${expr}|${modes.join("")}|${names.join(",")}`;
  let fn = loopCache.get(key);
  if (fn) return fn;
  const n = modes.length;
  const lines: string[] = ["const n = out.length;", "if (n === 0) return;"];
  for (let k = 0; k < n; k++) {
    lines.push(`const x${k} = ins[${k}];`);
    if (modes[k] === "s") lines.push(`const ${names[k]}_s = x${k}[0];`);
  }
  const general = modes.includes("g");
  if (!general) {
    const reads = modes.map((m, k) => `const ${names[k]} = ${m === "s" ? `${names[k]}_s` : `x${k}[i]`};`).join(" ");
    lines.push(`for (let i = 0; i < n; i++) { ${reads} ${prelude} out[i] = ${expr}; }`);
  } else {
    lines.push("const r = shape.length;", "const inner = shape[r - 1];", "const outer = n / inner;", "const idx = new Int32Array(r);");
    for (let k = 0; k < n; k++) {
      if (modes[k] !== "g") continue;
      lines.push(`const st${k} = strides[${k}]; const d${k} = st${k}[r - 1]; let o${k} = 0;`);
    }
    lines.push("let q = 0;", "for (let o = 0; o < outer; o++) {");
    for (let k = 0; k < n; k++) if (modes[k] === "g") lines.push(`let p${k} = o${k};`);
    const reads = modes
      .map((m, k) => {
        const v = names[k];
        if (m === "s") return `const ${v} = ${v}_s;`;
        if (m === "c") return `const ${v} = x${k}[q];`;
        return `const ${v} = x${k}[p${k}]; p${k} += d${k};`;
      })
      .join(" ");
    lines.push(`for (let j = 0; j < inner; j++) { ${reads} ${prelude} out[q++] = ${expr}; }`);
    lines.push("for (let dd = r - 2; dd >= 0; dd--) {", "idx[dd]++;");
    for (let k = 0; k < n; k++) if (modes[k] === "g") lines.push(`o${k} += st${k}[dd];`);
    lines.push("if (idx[dd] < shape[dd]) break;");
    for (let k = 0; k < n; k++) if (modes[k] === "g") lines.push(`o${k} -= st${k}[dd] * shape[dd];`);
    lines.push("idx[dd] = 0;", "}", "}");
  }
  fn = new Function("H", `return function loop(out, shape, ins, strides) {\n${lines.join("\n")}\n};`)(SPECIAL) as LoopFn;
  loopCache.set(key, fn);
  return fn;
}

/** Access mode and broadcast strides of each input of an elementwise loop producing `outShape`. */
export function accessPlan(ins: readonly { size: number; shape: readonly number[] }[], outShape: readonly number[], outSize: number): { modes: Access[]; strides: (number[] | null)[] } {
  const modes: Access[] = [];
  const strides: (number[] | null)[] = [];
  for (const x of ins) {
    if (x.size === outSize && x.shape.length === outShape.length) {
      modes.push("c");
      strides.push(null);
    } else if (x.size === 1) {
      modes.push("s");
      strides.push(null);
    } else {
      modes.push("g");
      strides.push(broadcastStrides(x.shape, outShape));
    }
  }
  return { modes, strides };
}

/** Elementwise n-ary map with numpy broadcasting; `expr` names the inputs a, b, c and may call `H.<name>` for the functions in `SPECIAL`. */
export function mapElementwise(
  expr: string,
  ins: { buf: TypedArray; shape: readonly number[] }[],
  out: TypedArray,
  outShape: readonly number[],
): TypedArray {
  const { modes, strides } = accessPlan(
    ins.map((x) => ({ size: x.buf.length, shape: x.shape })),
    outShape,
    out.length,
  );
  compileLoop(expr, modes)(
    out,
    outShape,
    ins.map((x) => x.buf),
    strides,
  );
  return out;
}

/** Copies `src` viewed through arbitrary element strides and offset into a fresh contiguous `out` of `shape`. */
export function stridedCopy(src: TypedArray, offset: number, strides: readonly number[], shape: readonly number[], out: TypedArray): TypedArray {
  const n = out.length;
  const r = shape.length;
  if (n === 0) return out;
  if (r === 0) {
    out[0] = src[offset]!;
    return out;
  }
  const inner = shape[r - 1]!;
  const dInner = strides[r - 1]!;
  const idx = new Int32Array(r);
  let base = offset;
  let q = 0;
  for (let o = 0, outer = n / inner; o < outer; o++) {
    let p = base;
    for (let j = 0; j < inner; j++) {
      out[q++] = src[p]!;
      p += dInner;
    }
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      base += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Visits every element of an array of `shape` in row-major order with the flat offset it maps to
 * under `outStrides` (0 along reduced axes): the loop behind reductions.
 */
export function forEachWithOffset(shape: readonly number[], outStrides: readonly number[], visit: (i: number, outOffset: number) => void): void {
  const r = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return;
  if (r === 0) {
    visit(0, 0);
    return;
  }
  const idx = new Int32Array(r);
  let off = 0;
  for (let i = 0; i < n; i++) {
    visit(i, off);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      off += outStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= outStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
