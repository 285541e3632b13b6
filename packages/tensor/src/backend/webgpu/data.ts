// WebGPU lowerings of indexing, data-movement, PRNG and integer reduction primitives: WGSL kernels matching each CPU impl.
import { DriftError } from "../../errors.ts";
import type { DType } from "../../dtype.ts";
import { sizeOf, stridesOf } from "../../shape.ts";
import { type Atom, Lit } from "../../core/jaxpr.ts";
import type { PrimContext, PrimLowering } from "./program.ts";
import { convertExpr, literal, shader, storeWord, wgslType } from "./wgsl.ts";

/** The 32-bit word the CPU's typed array would hold for `value` of `dtype` (bool as its Uint8Array byte). */
function bitsOf(value: number, dtype: DType): number {
  if (dtype === "float32") return new Uint32Array(new Float32Array([value]).buffer)[0]!;
  return dtype === "bool" ? (value >>> 0) & 255 : value >>> 0;
}

/** WGSL reading element `index` of `a` as its raw u32 word (data movement copies words whatever the dtype). */
function word(ctx: PrimContext, a: Atom, index: string): string {
  return a instanceof Lit ? `${bitsOf(a.value, a.aval.dtype)}u` : `F[${ctx.slot(a)}u + ${index}]`;
}

/** WGSL reading element `index` of `a` as an orderable number: bool as its 0/1 word, other dtypes typed. */
function num(ctx: PrimContext, a: Atom, index: string): string {
  return a.aval.dtype === "bool" ? word(ctx, a, index) : ctx.read(a, index);
}

/** The WGSL type `num` reads `dtype` as. */
const numType = (dtype: DType): string => (dtype === "bool" ? "u32" : wgslType(dtype));


/** WGSL `let` statements splitting the linear index `lin` over `shape` into coordinates `${name}0`, `${name}1`, …. */
function coords(name: string, lin: string, shape: readonly number[]): string {
  const st = stridesOf(shape);
  return shape.map((n, d) => `  let ${name}${d} = (${lin} / ${st[d]}u) % ${n}u;\n`).join("");
}

/** The WGSL sum Σ term(d) · strides[d] (a u32 expression; "0u" when empty). */
function dot(strides: readonly number[], term: (d: number) => string): string {
  return strides.map((s, d) => `(${term(d)}) * ${s}u`).join(" + ") || "0u";
}

/** Appends a one-thread-per-element kernel over `threads` elements (nothing when there are none). */
function perThread(ctx: PrimContext, threads: number, body: string): void {
  if (threads > 0) ctx.dispatch(shader(threads, ctx.gpu.maxWorkgroups, body));
}

const shapeOf = (a: Atom): readonly number[] => a.aval.shape;

/**
 * WGSL u32 index along an axis of size `n` from element `k` of the integer indices `idx`: negative ones count from the
 * end; the CPU's out-of-range error cannot be raised by a kernel, so those are clamped into range.
 */
function axisIndex(ctx: PrimContext, idx: Atom, k: string, n: number): string {
  if (idx instanceof Lit) return `${Math.min(Math.max(idx.value < 0 ? idx.value + n : idx.value, 0), n - 1)}u`;
  const v = ctx.read(idx, k);
  return idx.aval.dtype === "uint32" ? `min(${v}, ${n - 1}u)` : `u32(clamp(select(${v}, ${v} + ${n}, ${v} < 0), 0, ${n - 1}))`;
}

/** Throws when indices would address an empty axis (the CPU throws for any index there). */
function checkIndexable(op: string, n: number, axis: number, count: number): void {
  if (n === 0 && count > 0) throw new DriftError(op, `cannot index axis ${axis} of size 0: every index is out of bounds`);
}

/** gather along one axis: one thread per output element reads the word its (normalised) index selects. */
const gather: PrimLowering = {
  lower(s, ctx) {
    const [x, idx] = s.ins as [Atom, Atom];
    const out = s.outs[0]!;
    const axis: number = s.params.axis;
    const n = shapeOf(x)[axis]!;
    const inner = sizeOf(shapeOf(x).slice(axis + 1));
    const m = sizeOf(shapeOf(idx));
    checkIndexable("take", n, axis, out.aval.size);
    const body = `  let b = idx % ${inner}u;
  let k = (idx / ${inner}u) % ${m}u;
  let a = idx / ${inner * m}u;
  let j = ${axisIndex(ctx, idx, "k", n)};
  F[${ctx.slot(out)}u + idx] = ${word(ctx, x, `(a * ${n}u + j) * ${inner}u + b`)};`;
    perThread(ctx, out.aval.size, body);
  },
};

/**
 * scatter_add into zeros: one thread per output element adds, in index order, the updates whose index hits it
 * (deterministic, and the same float32 rounding sequence as the CPU's in-place `+=`; bool sums wrap like its bytes).
 */
const scatterAdd: PrimLowering = {
  lower(s, ctx) {
    const [idx, upd] = s.ins as [Atom, Atom];
    const out = s.outs[0]!;
    const axis: number = s.params.axis;
    const shape = shapeOf(out);
    const n = shape[axis]!;
    const inner = sizeOf(shape.slice(axis + 1));
    const m = sizeOf(shapeOf(idx));
    const d = out.aval.dtype;
    checkIndexable("scatter_add", n, axis, sizeOf(shapeOf(upd)));
    const t = numType(d);
    const zero = d === "bool" ? "0u" : literal(0, d);
    const store = d === "bool" ? `F[${ctx.slot(out)}u + idx] = acc & 255u;` : storeWord(d, `${ctx.slot(out)}u + idx`, "acc");
    const body = `  let b = idx % ${inner}u;
  let j = (idx / ${inner}u) % ${n}u;
  let a = idx / ${inner * n}u;
  var acc: ${t} = ${zero};
  for (var k = 0u; k < ${m}u; k = k + 1u) {
    if (${axisIndex(ctx, idx, "k", n)} == j) { acc = acc + ${num(ctx, upd, `(a * ${m}u + k) * ${inner}u + b`)}; }
  }
  ${store}`;
    perThread(ctx, out.aval.size, body);
  },
};

/** WGSL u32 expression of start index `a` clamped to [0, hi], as the CPU clamps dynamic slice starts. */
function clampedStart(ctx: PrimContext, a: Atom, hi: number): string {
  if (a instanceof Lit) return `${Math.min(Math.max(a.value, 0), hi)}u`;
  const v = ctx.read(a, "0u");
  return a.aval.dtype === "uint32" ? `min(${v}, ${hi}u)` : `u32(clamp(${v}, 0, ${hi}))`;
}

/** WGSL `let` statements of the clamped starts `s0…` of a window of `sizes` in `shape` (start atoms `starts`). */
function startStatements(ctx: PrimContext, starts: readonly Atom[], shape: readonly number[], sizes: readonly number[]): string {
  return starts.map((a, d) => `  let s${d} = ${clampedStart(ctx, a, shape[d]! - sizes[d]!)};\n`).join("");
}

/** dynamic_slice: one thread per window element reads from the clamped start. */
const dynamicSlice: PrimLowering = {
  lower(s, ctx) {
    const [x, ...starts] = s.ins as [Atom, ...Atom[]];
    const out = s.outs[0]!;
    const sizes: number[] = s.params.sizes;
    const xs = stridesOf(shapeOf(x));
    const body = `${startStatements(ctx, starts, shapeOf(x), sizes)}${coords("c", "idx", sizes)}  F[${ctx.slot(out)}u + idx] = ${word(ctx, x, dot(xs, (d) => `s${d} + c${d}`))};`;
    perThread(ctx, out.aval.size, body);
  },
};

/** dynamic_update_slice: one thread per output element takes the update inside the clamped window, the operand elsewhere. */
const dynamicUpdateSlice: PrimLowering = {
  lower(s, ctx) {
    const [x, u, ...starts] = s.ins as [Atom, Atom, ...Atom[]];
    const out = s.outs[0]!;
    const shape = shapeOf(x);
    const us = shapeOf(u);
    const inside = us.map((n, d) => `c${d} >= s${d} && c${d} < s${d} + ${n}u`).join(" && ") || "true";
    const at = `${ctx.slot(out)}u + idx`;
    const body = `${startStatements(ctx, starts, shape, us)}${coords("c", "idx", shape)}  if (${inside}) {
    F[${at}] = ${word(ctx, u, dot(stridesOf(us), (d) => `c${d} - s${d}`))};
  } else {
    F[${at}] = ${word(ctx, x, "idx")};
  }`;
    perThread(ctx, out.aval.size, body);
  },
};

/** concatenate: one kernel per operand copies its rows into their columns of the output. */
const concatenate: PrimLowering = {
  lower(s, ctx) {
    const out = s.outs[0]!;
    const axis: number = s.params.axis;
    const outRow = sizeOf(shapeOf(out).slice(axis));
    let col = 0;
    for (const x of s.ins) {
      const row = sizeOf(shapeOf(x).slice(axis));
      perThread(ctx, x.aval.size, `  F[${ctx.slot(out)}u + (idx / ${row}u) * ${outRow}u + ${col}u + idx % ${row}u] = ${word(ctx, x, "idx")};`);
      col += row;
    }
  },
};

/** pad (lo, hi and interior padding): one thread per output element reads the operand element it holds, if any. */
const pad: PrimLowering = {
  lower(s, ctx) {
    const x = s.ins[0]!;
    const out = s.outs[0]!;
    const { lo, interior, value } = s.params as { lo: number[]; interior: number[]; value: number };
    const shape = shapeOf(x);
    // The CPU fills only when value !== 0, so a -0 fill leaves +0.
    const fill = bitsOf(value === 0 ? 0 : value, out.aval.dtype);
    const offs = shape.map((_, d) => `  let t${d} = bitcast<i32>(c${d}) - ${lo[d]!};\n`).join("");
    const inside =
      shape.map((n, d) => `t${d} >= 0 && t${d} % ${interior[d]! + 1} == 0 && t${d} / ${interior[d]! + 1} < ${n}`).join(" && ") || "true";
    const at = `${ctx.slot(out)}u + idx`;
    const body = `${coords("c", "idx", shapeOf(out))}${offs}  if (${inside}) {
    F[${at}] = ${word(ctx, x, dot(stridesOf(shape), (d) => `u32(t${d} / ${interior[d]! + 1})`))};
  } else {
    F[${at}] = ${fill}u;
  }`;
    perThread(ctx, out.aval.size, body);
  },
};

/** rev: one thread per element reads its mirror image along the reversed axes. */
const rev: PrimLowering = {
  lower(s, ctx) {
    const x = s.ins[0]!;
    const out = s.outs[0]!;
    const axes: number[] = s.params.axes;
    const shape = shapeOf(x);
    const src = dot(stridesOf(shape), (d) => (axes.includes(d) ? `${shape[d]! - 1}u - c${d}` : `c${d}`));
    perThread(ctx, out.aval.size, `${coords("c", "idx", shape)}  F[${ctx.slot(out)}u + idx] = ${word(ctx, x, src)};`);
  },
};

/** Copies the operand's words (reshape and stop_gradient of a literal: variables are aliased instead). */
const copy: PrimLowering = {
  lower(s, ctx) {
    const out = s.outs[0]!;
    perThread(ctx, out.aval.size, `  F[${ctx.slot(out)}u + idx] = ${word(ctx, s.ins[0]!, "idx")};`);
  },
};

/** Sizes of an axis and of the blocks before and after it. */
function around(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

/** cumsum: one thread per line along the axis, summing sequentially in the output dtype (integers wrap). */
const cumsum: PrimLowering = {
  lower(s, ctx) {
    const x = s.ins[0]!;
    const out = s.outs[0]!;
    const { axis, reverse } = s.params as { axis: number; reverse: boolean };
    const { outer, n, inner } = around(shapeOf(x), axis);
    const d = out.aval.dtype;
    const body = `  let a = idx / ${inner}u;
  let b = idx % ${inner}u;
  var acc: ${wgslType(d)} = ${literal(0, d)};
  for (var k = 0u; k < ${n}u; k = k + 1u) {
    let at = (a * ${n}u + ${reverse ? `${n - 1}u - k` : "k"}) * ${inner}u + b;
    acc = acc + ${convertExpr(ctx.read(x, "at"), x.aval.dtype, d)};
    ${storeWord(d, `${ctx.slot(out)}u + at`, "acc")}
  }`;
    perThread(ctx, outer * inner, body);
  },
};

/** argmax / argmin: one thread per line; the first extreme wins and the first NaN ends the search, as on the CPU. */
function argChooser(isMax: boolean): PrimLowering {
  return {
    lower(s, ctx) {
      const x = s.ins[0]!;
      const out = s.outs[0]!;
      const { outer, n, inner } = around(shapeOf(x), s.params.axis);
      const float = x.aval.dtype === "float32";
      const better = `${float ? `isnan_f(v) || ` : ""}v ${isMax ? ">" : "<"} best`;
      const body = `  let base = (idx / ${inner}u) * ${n * inner}u + idx % ${inner}u;
  var best: ${numType(x.aval.dtype)} = ${num(ctx, x, "base")};
  var bi = 0u;
  for (var i = 1u; i < ${n}u${float ? ` && !isnan_f(best)` : ""}; i = i + 1u) {
    let v = ${num(ctx, x, `base + i * ${inner}u`)};
    if (${better}) { best = v; bi = i; }
  }
  F[${ctx.slot(out)}u + idx] = bi;`;
      perThread(ctx, outer * inner, body);
    },
  };
}

/**
 * argsort along the last axis: one thread per row runs a bottom-up merge sort of indices, ping-ponging between the
 * output row and a scratch row. The order is the CPU comparator's: NaNs last (among themselves by index), values
 * ascending or descending, ties by index, so the sort is stable.
 */
const argsort: PrimLowering = {
  scratchWords: (s) => s.ins[0]!.aval.size,
  lower(s, ctx) {
    const x = s.ins[0]!;
    const out = s.outs[0]!;
    const shape = shapeOf(x);
    const n = shape[shape.length - 1]!;
    const rows = sizeOf(shape.slice(0, -1));
    if (out.aval.size === 0) return;
    const scratch = ctx.scratch(x.aval.size);
    const cmp = s.params.descending ? ">" : "<";
    const values = `      let va = ${num(ctx, x, "rb + pa")};
      let vb = ${num(ctx, x, "rb + pb")};`;
    // takeRight: the right run's candidate pa sorts strictly before the left run's pb.
    const before =
      x.aval.dtype === "float32"
        ? `      if (isnan_f(va)) { takeRight = isnan_f(vb) && pa < pb; }
      else if (isnan_f(vb)) { takeRight = true; }
      else if (va == vb) { takeRight = pa < pb; }
      else { takeRight = va ${cmp} vb; }`
        : `      if (va == vb) { takeRight = pa < pb; } else { takeRight = va ${cmp} vb; }`;
    const body = `  let rb = idx * ${n}u;
  let o = ${ctx.slot(out)}u + rb;
  for (var q = 0u; q < ${n}u; q = q + 1u) { F[o + q] = q; }
  var src = o;
  var dst = ${scratch}u + rb;
  for (var w = 1u; w < ${n}u; w = w * 2u) {
    for (var lo = 0u; lo < ${n}u; lo = lo + 2u * w) {
      let mid = min(lo + w, ${n}u);
      let hi = min(lo + 2u * w, ${n}u);
      var i = lo;
      var j = mid;
      for (var k = lo; k < hi; k = k + 1u) {
        var takeRight = i >= mid;
        if (!takeRight && j < hi) {
          let pa = F[src + j];
          let pb = F[src + i];
${values}
${before}
        }
        if (takeRight) { F[dst + k] = F[src + j]; j = j + 1u; } else { F[dst + k] = F[src + i]; i = i + 1u; }
      }
    }
    let t = src;
    src = dst;
    dst = t;
  }
  if (src != o) { for (var q = 0u; q < ${n}u; q = q + 1u) { F[o + q] = F[src + q]; } }`;
    perThread(ctx, rows, body);
  },
};

/** Threefry-2x32 rotation amounts of the odd (first) and even groups of four rounds (Salmon et al., SC'11). */
const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

/** WGSL index of the element of an operand of shape `shape` broadcast (numpy rules) to coordinates `c…` of `outShape`. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[]): string {
  const lead = outShape.length - shape.length;
  const st = stridesOf(shape);
  return shape.map((n, d) => (n === 1 ? "" : `c${lead + d} * ${st[d]}u`)).filter((t) => t).join(" + ") || "0u";
}

/**
 * threefry2x32: one thread per element hashes its (broadcast) counter pair under its key with Threefry-2x32-20 in
 * u32 arithmetic, bit-identical to `random/threefry.ts` (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 */
const threefry: PrimLowering = {
  lower(s, ctx) {
    const y0 = s.outs[0]!;
    const y1 = s.outs[1]!;
    const shape = shapeOf(y0);
    const names = ["k0", "k1", "a", "b"];
    const lines = [coords("c", "idx", shape)];
    s.ins.forEach((x, i) => lines.push(`  ${i < 2 ? "let" : "var"} ${names[i]} = ${ctx.read(x, broadcastIndex(shapeOf(x), shape))};\n`));
    lines.push("  let k2 = k0 ^ k1 ^ 0x1bd11bdau;\n  a = a + k0;\n  b = b + k1;\n");
    const ks = ["k0", "k1", "k2"];
    for (let g = 1; g <= 5; g++) {
      for (const r of ROTATIONS[(g - 1) & 1]!) lines.push(`  a = a + b;\n  b = ((b << ${r}u) | (b >> ${32 - r}u)) ^ a;\n`);
      lines.push(`  a = a + ${ks[g % 3]};\n  b = b + ${ks[(g + 1) % 3]} + ${g}u;\n`);
    }
    lines.push(`  F[${ctx.slot(y0)}u + idx] = a;\n  F[${ctx.slot(y1)}u + idx] = b;`);
    perThread(ctx, sizeOf(shape), lines.join(""));
  },
};

/**
 * reduce_sum / reduce_max / reduce_min outside fused float32 kernels (integer and bool dtypes, literal operands): one
 * thread per kept element loops over the reduced ones. Sums accumulate in the output dtype (integers wrap, bool
 * counts as int32), max/min propagate NaN as the CPU does and take bool as or/and.
 */
function reduction(kind: "sum" | "max" | "min"): PrimLowering {
  return {
    lower(s, ctx) {
      const x = s.ins[0]!;
      const out = s.outs[0]!;
      const axes: number[] = s.params.axes;
      const shape = shapeOf(x);
      const st = stridesOf(shape);
      const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
      const keptShape = kept.map((d) => shape[d]!);
      const redShape = axes.map((d) => shape[d]!);
      const base = dot(kept.map((d) => st[d]!), (j) => `k${j}`);
      const off = `base + ${dot(axes.map((d) => st[d]!), (j) => `r${j}`)}`;
      const d = out.aval.dtype;
      const lines = [`${coords("k", "idx", keptShape)}  let base = ${base};`];
      if (kind === "sum") {
        lines.push(`  var acc: ${wgslType(d)} = ${literal(0, d)};`);
        lines.push(`  for (var r = 0u; r < ${sizeOf(redShape)}u; r = r + 1u) {\n${coords("r", "r", redShape)}`);
        lines.push(`    acc = acc + ${convertExpr(ctx.read(x, off), x.aval.dtype, d)};\n  }`);
        lines.push(`  ${storeWord(d, `${ctx.slot(out)}u + idx`, "acc")}`);
      } else {
        const pick = d === "float32" ? `select(acc, v, v ${kind === "max" ? ">" : "<"} acc || isnan_f(v))` : `${kind}(acc, v)`;
        lines.push(`  var acc: ${numType(d)} = ${num(ctx, x, "base")};`);
        lines.push(`  for (var r = 1u; r < ${sizeOf(redShape)}u; r = r + 1u) {\n${coords("r", "r", redShape)}`);
        lines.push(`    let v = ${num(ctx, x, off)};\n    acc = ${pick};\n  }`);
        lines.push(d === "bool" ? `  F[${ctx.slot(out)}u + idx] = acc;` : `  ${storeWord(d, `${ctx.slot(out)}u + idx`, "acc")}`);
      }
      perThread(ctx, out.aval.size, lines.join("\n"));
    },
  };
}

/**
 * matmul of integer and bool operands (float32 ones are register-blocked kernels): one thread per output element,
 * wrapping integer arithmetic; bool products count hits and keep the count's low byte, as the CPU's Uint8Array does.
 */
const intMatmul: PrimLowering = {
  lower(s, ctx) {
    const [a, b] = s.ins as [Atom, Atom];
    const out = s.outs[0]!;
    const { transA, transB } = s.params as { transA: boolean; transB: boolean };
    const os = shapeOf(out);
    const m = os[os.length - 2]!;
    const n = os[os.length - 1]!;
    const aShape = shapeOf(a);
    const k = transA ? aShape[aShape.length - 2]! : aShape[aShape.length - 1]!;
    const d = out.aval.dtype;
    const aAt = transA ? `q * ${m}u + i` : `i * ${k}u + q`;
    const bAt = transB ? `j * ${k}u + q` : `q * ${n}u + j`;
    const store = d === "bool" ? `F[${ctx.slot(out)}u + idx] = acc & 255u;` : storeWord(d, `${ctx.slot(out)}u + idx`, "acc");
    const body = `  let j = idx % ${n}u;
  let i = (idx / ${n}u) % ${m}u;
  let t = idx / ${m * n}u;
  var acc: ${numType(d)} = ${d === "bool" ? "0u" : literal(0, d)};
  for (var q = 0u; q < ${k}u; q = q + 1u) {
    acc = acc + ${num(ctx, a, `t * ${m * k}u + ${aAt}`)} * ${num(ctx, b, `t * ${k * n}u + ${bAt}`)};
  }
  ${store}`;
    perThread(ctx, out.aval.size, body);
  },
};

/** Data-movement, indexing, PRNG and non-fused reduction lowerings by primitive name. */
export const DATA_LOWERINGS: Record<string, PrimLowering> = {
  gather,
  scatter_add: scatterAdd,
  dynamic_slice: dynamicSlice,
  dynamic_update_slice: dynamicUpdateSlice,
  concatenate,
  pad,
  rev,
  reshape: copy,
  stop_gradient: copy,
  cumsum,
  argmax: argChooser(true),
  argmin: argChooser(false),
  argsort,
  threefry2x32: threefry,
  reduce_sum: reduction("sum"),
  reduce_max: reduction("max"),
  reduce_min: reduction("min"),
  matmul: intMatmul,
};
