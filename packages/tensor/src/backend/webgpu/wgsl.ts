// WGSL lowering of the fused-kernel IR: elementwise expressions per primitive, fused kernels with reductions, register-blocked matmul.
import { DriftError } from "../../errors.ts";
import type { DType } from "../../dtype.ts";
import { sizeOf, stridesOf } from "../../shape.ts";
import type { Var } from "../../core/jaxpr.ts";
import type { Kernel, KNode, MatmulStep } from "../../jit/schedule.ts";

/** Threads per workgroup of every generated kernel. */
export const WORKGROUP = 64;
/** Reductions over at least this many elements per output share each output among a workgroup's threads. */
const COOPERATIVE_MIN = 256;

/**
 * Every kernel sees the program's whole frame as one array of 32-bit words (`F`), like the wasm arena: values are
 * placed at word offsets planned by liveness, so kernels bind one buffer and offsets are constants in the source.
 */
export const FRAME_DECL = "@group(0) @binding(0) var<storage, read_write> F: array<u32>;";

/** The WGSL type of a dtype's values inside a kernel. */
export function wgslType(dtype: DType): string {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "uint32":
      return "u32";
    case "bool":
      return "bool";
    default:
      throw new DriftError("webgpu", "float64 is not supported on webgpu (WGSL has no 64-bit floats): cast to float32, or run on the cpu backend");
  }
}

/** Reads the word at WGSL index expression `at` as `dtype`. */
export function loadWord(dtype: DType, at: string): string {
  switch (dtype) {
    case "float32":
      return `bitcast<f32>(F[${at}])`;
    case "int32":
      return `bitcast<i32>(F[${at}])`;
    case "uint32":
      return `F[${at}]`;
    default:
      return `(F[${at}] != 0u)`;
  }
}

/** The statement storing `value` of `dtype` into word `at`. */
export function storeWord(dtype: DType, at: string, value: string): string {
  switch (dtype) {
    case "float32":
    case "int32":
      return `F[${at}] = bitcast<u32>(${value});`;
    case "uint32":
      return `F[${at}] = ${value};`;
    default:
      return `F[${at}] = select(0u, 1u, ${value});`;
  }
}

/** A literal of `dtype`, exact (floats by their bits, so ±inf and NaN too). */
export function literal(value: number, dtype: DType): string {
  switch (dtype) {
    case "float32":
      // Non-finite values must not be constant expressions in WGSL: they come from runtime helpers.
      if (Number.isNaN(value)) return "nan_f()";
      if (!Number.isFinite(value)) return value > 0 ? "inf_f()" : "(-inf_f())";
      return `bitcast<f32>(${new Uint32Array(new Float32Array([value]).buffer)[0]}u)`;
    case "int32":
      return `bitcast<i32>(${value >>> 0}u)`;
    case "uint32":
      return `${value >>> 0}u`;
    default:
      return value ? "true" : "false";
  }
}

/**
 * Helper functions shared by all kernels. Sources of the approximations: erf from Abramowitz & Stegun 7.1.26
 * (|error| ≤ 1.5e-7), erfinv from M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011, single
 * precision branch), expm1/log1p by the Kahan correction (u − 1)·x / log u.
 */
const HELPERS: Record<string, string> = {
  nan_f: `fn nan_f() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }`,
  inf_f: `fn inf_f() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }`,
  isnan_f: `fn isnan_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`,
  isfinite_f: `fn isfinite_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }`,
  expm1_f: `fn expm1_f(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  if (abs(x) > 0.5) { return u - 1.0; }
  return (u - 1.0) * x / log(u);
}`,
  log1p_f: `fn log1p_f(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (abs(x) > 0.5) { return log(u); }
  return log(u) * x / (u - 1.0);
}`,
  erf_f: `fn erf_f(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}`,
  erfinv_f: `fn erfinv_f(x: f32) -> f32 {
  if (abs(x) == 1.0) { return x * inf_f(); }
  if (abs(x) > 1.0) { return nan_f(); }
  var w = -log((1.0 - x) * (1.0 + x));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w; p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w; p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  return p * x;
}`,
  logistic_f: `fn logistic_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`,
  tanh_f: `fn tanh_f(x: f32) -> f32 { return tanh(clamp(x, -20.0, 20.0)); }`,
  pow_f: `fn pow_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_f(a) || isnan_f(b)) { return nan_f(); }
  if (a < 0.0) {
    if (trunc(b) != b) { return nan_f(); }
    let r = pow(-a, b);
    return select(r, -r, trunc(b * 0.5) != b * 0.5);
  }
  if (a == 0.0) { return select(0.0, inf_f(), b < 0.0); }
  return pow(a, b);
}`,
  // Drivers' asin/acos can be ~1e-4 off (lavapipe); through atan2 with √((1 − x)(1 + x)) they keep float32 accuracy.
  asin_f: `fn asin_f(x: f32) -> f32 { return atan2(x, sqrt((1.0 - x) * (1.0 + x))); }`,
  acos_f: `fn acos_f(x: f32) -> f32 { return atan2(sqrt((1.0 - x) * (1.0 + x)), x); }`,
  f32_to_u32: `fn f32_to_u32(x: f32) -> u32 {
  if (isnan_f(x) || x <= 0.0) { return 0u; }
  if (x >= 4294967296.0) { return 4294967295u; }
  return u32(x);
}`,
  f32_to_i32: `fn f32_to_i32(x: f32) -> i32 {
  if (isnan_f(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x < -2147483648.0) { return -2147483647 - 1; }
  return i32(x);
}`,
};

/** The helper functions `code` calls, directly or through other helpers, in dependency order. */
export function helpersFor(code: string): string {
  const used: string[] = [];
  const visit = (text: string): void => {
    for (const [name, src] of Object.entries(HELPERS))
      if (!used.includes(name) && new RegExp(`\\b${name}\\(`).test(text)) {
        visit(src.slice(src.indexOf("{")));
        if (!used.includes(name)) used.push(name);
      }
  };
  visit(code);
  return used.map((n) => HELPERS[n]).join("\n");
}

const isInt = (d: DType): boolean => d === "int32" || d === "uint32";

/** Converts `a` of dtype `from` to `to` with the CPU backend's semantics (truncation, wrap-around, 0/1). */
export function convertExpr(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (to === "bool") return from === "float32" ? `(${a} != 0.0)` : from === "int32" ? `(${a} != 0)` : `(${a} != 0u)`;
  if (from === "bool") return `select(${literal(0, to)}, ${literal(1, to)}, ${a})`;
  if (to === "float32") return `f32(${a})`;
  if (from === "float32") return to === "int32" ? `f32_to_i32(${a})` : `f32_to_u32(${a})`;
  return `bitcast<${wgslType(to)}>(${a})`;
}

/** The WGSL expression of elementwise primitive `name` on argument expressions `args`, or throws when there is none. */
export function primExpr(name: string, params: any, inDtypes: readonly DType[], out: DType, args: readonly string[]): string {
  const [a, b, c] = args;
  const d = inDtypes[0]!;
  const f = d === "float32";
  const bool = d === "bool";
  switch (name) {
    case "neg":
      return d === "uint32" ? `(0u - ${a})` : `(-${a})`;
    case "sign":
      return d === "uint32" ? `select(0u, 1u, ${a} > 0u)` : f ? `select(sign(${a}), ${a}, isnan_f(${a}))` : `sign(${a})`;
    case "floor":
    case "ceil":
    case "trunc":
    case "round":
      return f ? `${name}(${a})` : `${a}`;
    case "exp":
    case "log":
    case "sin":
    case "cos":
    case "sqrt":
    case "atan":
      return `${name}(${a})`;
    case "asin":
      return `asin_f(${a})`;
    case "acos":
      return `acos_f(${a})`;
    case "atan2":
      return `atan2(${a}, ${b})`;
    case "tanh":
      return `tanh_f(${a})`;
    case "rsqrt":
      return `(1.0 / sqrt(${a}))`;
    case "expm1":
    case "log1p":
    case "erf":
    case "logistic":
      return `${name}_f(${a})`;
    case "erf_inv":
      return `erfinv_f(${a})`;
    case "abs":
      return d === "uint32" ? `${a}` : `abs(${a})`;
    case "is_finite":
      return f ? `isfinite_f(${a})` : "true";
    case "not":
      return bool ? `(!${a})` : `(~${a})`;
    case "add":
      return bool ? `(${a} || ${b})` : `(${a} + ${b})`;
    case "sub":
      return `(${a} - ${b})`;
    case "mul":
      return bool ? `(${a} && ${b})` : `(${a} * ${b})`;
    case "div":
      return isInt(d) ? `select(${a} / ${b}, ${literal(0, d)}, ${b} == ${literal(0, d)})` : `(${a} / ${b})`;
    case "max":
      return f ? `select(${b}, ${a}, ${a} > ${b} || isnan_f(${a}))` : bool ? `(${a} || ${b})` : `max(${a}, ${b})`;
    case "min":
      return f ? `select(${b}, ${a}, ${a} < ${b} || isnan_f(${a}))` : bool ? `(${a} && ${b})` : `min(${a}, ${b})`;
    case "pow":
      return f ? `pow_f(${a}, ${b})` : `${convertExpr(`pow_f(f32(${a}), f32(${b}))`, "float32", out)}`;
    case "rem":
      return isInt(d) ? `select(${a} % ${b}, ${a}, ${b} == ${literal(0, d)})` : `(${a} - ${b} * trunc(${a} / ${b}))`;
    case "and":
      return bool ? `(${a} && ${b})` : `(${a} & ${b})`;
    case "or":
      return bool ? `(${a} || ${b})` : `(${a} | ${b})`;
    case "xor":
      return bool ? `(${a} != ${b})` : `(${a} ^ ${b})`;
    case "shift_left":
      return `select(${a} << u32(${b}), ${literal(0, d)}, u32(${b}) >= 32u)`;
    case "shift_right_logical":
      return d === "int32" ? `select(bitcast<i32>(bitcast<u32>(${a}) >> u32(${b})), 0, u32(${b}) >= 32u)` : `select(${a} >> u32(${b}), 0u, u32(${b}) >= 32u)`;
    case "lt":
    case "le":
    case "gt":
    case "ge": {
      const op = { lt: "<", le: "<=", gt: ">", ge: ">=" }[name];
      return bool ? `(u32(${a}) ${op} u32(${b}))` : `(${a} ${op} ${b})`;
    }
    // Drivers may assume floats are never NaN (WGSL allows it) and fold x != x to false: test NaN by its bits.
    case "eq":
      return f ? `(${a} == ${b} && !isnan_f(${a}) && !isnan_f(${b}))` : `(${a} == ${b})`;
    case "ne":
      return f ? `(${a} != ${b} || isnan_f(${a}) || isnan_f(${b}))` : `(${a} != ${b})`;
    case "select":
      return `select(${c}, ${b}, ${d === "bool" ? a : `${a} != ${literal(0, d)}`})`;
    case "convert_element_type":
      return convertExpr(a!, d, params.dtype);
    default:
      throw new DriftError("webgpu", `no WGSL lowering for elementwise primitive "${name}"`);
  }
}

/** How kernel variables map to frame word offsets. */
export type SlotOf = (v: Var) => number;

/** WGSL for thread index `idx` of a 1-D launch of `threads` threads in rows of `rowThreads` (2-D grids past 65535 groups). */
export function launch(threads: number, maxWorkgroups: number): { groups: [number, number]; index: string } {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP));
  const x = Math.min(groups, maxWorkgroups);
  const y = Math.ceil(groups / x);
  return { groups: [x, y], index: y > 1 ? `gid.x + gid.y * ${x * WORKGROUP}u` : "gid.x" };
}

/** A compute shader over the frame with `body` run once per thread `idx` < `threads`. */
export function shader(threads: number, maxWorkgroups: number, body: string): { code: string; groups: [number, number] } {
  const { groups, index } = launch(threads, maxWorkgroups);
  const code = `${FRAME_DECL}
${helpersFor(body)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let idx = ${index};
  if (idx >= ${threads}u) { return; }
${body}
}
`;
  return { code, groups };
}

/** WGSL statements decomposing the linear index `lin` over `shape` into coordinates named `${prefix}${d}`. */
function coords(prefix: string, lin: string, shape: readonly number[]): string {
  const st = stridesOf(shape);
  return shape.map((n, d) => `  let ${prefix}${d} = (${lin} / ${st[d]}u) % ${n}u;`).join("\n");
}

/** Statements computing a kernel's nodes at coordinates `c0…` and the value name of each node. */
function nodeStatements(k: Kernel, slot: SlotOf, coord: (d: number) => string, override?: { leaf: number; value: string }): string {
  const lines: string[] = [];
  k.nodes.forEach((n: KNode, i) => {
    const t = wgslType(n.dtype);
    if (n.op === "lit") lines.push(`  let n${i}: ${t} = ${literal(n.value, n.dtype)};`);
    else if (n.op === "load") {
      if (override && n.leaf === override.leaf) {
        lines.push(`  let n${i}: ${t} = ${override.value};`);
        return;
      }
      const leaf = k.leaves[n.leaf]!;
      const terms = leaf.strides.flatMap((s, d) => (s === 0 ? [] : [`${coord(d)} * ${s}u`]));
      lines.push(`  let n${i}: ${t} = ${loadWord(n.dtype, [`${slot(leaf.v) + leaf.offset}u`, ...terms].join(" + "))};`);
    } else {
      const expr = primExpr(n.prim.name, n.params, n.inAvals.map((a) => a.dtype), n.dtype, n.args.map((j) => `n${j}`));
      lines.push(`  let n${i}: ${t} = ${expr};`);
    }
  });
  return lines.join("\n");
}

/** One dispatch of a kernel: its shader and grid. */
export interface Dispatch {
  readonly code: string;
  readonly groups: [number, number];
}

/**
 * Lowers a fused kernel. Without reductions: one thread per element. With reductions: one dispatch per distinct set
 * of reduced axes, one thread per kept element looping over the reduced ones (float32 accumulators); the first
 * dispatch also stores the kernel's elementwise outputs.
 */
export function kernelDispatches(k: Kernel, slot: SlotOf, maxWorkgroups: number): Dispatch[] {
  const total = sizeOf(k.shape);
  const store = (idx: string): string => k.outputs.map((o) => `  ${storeWord(k.nodes[o.node]!.dtype, `${slot(o.v)}u + ${idx}`, `n${o.node}`)}`).join("\n");
  if (k.reduces.length === 0) {
    const body = `${coords("c", "idx", k.shape)}\n${nodeStatements(k, slot, (d) => `c${d}`)}\n${store("idx")}`;
    return [shader(total, maxWorkgroups, body)];
  }
  const groups = new Map<string, number[]>();
  for (const r of k.reduces) groups.set([...r.axes].sort((x, y) => x - y).join(","), [...r.axes].sort((x, y) => x - y));
  const fullStrides = stridesOf(k.shape);
  return [...groups.values()].map((axes, gi) => {
    const kept = k.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const keptShape = kept.map((d) => k.shape[d]!);
    const redShape = axes.map((d) => k.shape[d]!);
    const rs = k.reduces.filter((r) => [...r.axes].sort((x, y) => x - y).join(",") === axes.join(","));
    const coord = (d: number): string => (kept.includes(d) ? `k${kept.indexOf(d)}` : `r${axes.indexOf(d)}`);
    const combine = (r: { kind: string }, acc: string, v: string): string =>
      r.kind === "sum" ? `${acc} + ${v}` : `select(${acc}, ${v}, ${v} ${r.kind === "max" ? ">" : "<"} ${acc} || isnan_f(${v}))`;
    const init = rs.map((r, j) => `  var acc${j}: f32 = ${r.kind === "sum" ? "0.0" : r.kind === "max" ? "-inf_f()" : "inf_f()"};`).join("\n");
    const accumulate = rs.map((r, j) => `    acc${j} = ${combine(r, `acc${j}`, `n${r.node}`)};`).join("\n");
    const lin = k.shape.map((_, d) => `${coord(d)} * ${fullStrides[d]}u`).join(" + ") || "0u";
    const inner = `${nodeStatements(k, slot, coord)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n${gi === 0 && k.outputs.length > 0 ? `    let lin = ${lin};\n${store("lin").replace(/^ {2}/gm, "    ")}\n` : ""}${accumulate}`;
    const reduced = sizeOf(redShape);
    const keptSize = sizeOf(keptShape);
    const loopCoords = coords("r", "r", redShape).replace(/^ {2}/gm, "    ");
    if (reduced < COOPERATIVE_MIN) {
      const body = `${coords("k", "idx", keptShape)}
${init}
  for (var r: u32 = 0u; r < ${reduced}u; r = r + 1u) {
${loopCoords}
${inner}
  }
${rs.map((r, j) => `  ${storeWord("float32", `${slot(r.v)}u + idx`, `acc${j}`)}`).join("\n")}`;
      return shader(keptSize, maxWorkgroups, body);
    }
    // Long reductions: one workgroup per kept element; its threads stride over the reduced elements, then combine
    // their partial results in workgroup memory by halving.
    const x = Math.min(keptSize, maxWorkgroups);
    const y = Math.ceil(keptSize / x);
    const main = `${rs.map((_, j) => `var<workgroup> part${j}: array<f32, ${WORKGROUP}>;`).join("\n")}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let idx = wg.x + wg.y * ${x}u;
  if (idx >= ${keptSize}u) { return; }
${coords("k", "idx", keptShape)}
${init}
  for (var r: u32 = lid; r < ${reduced}u; r = r + ${WORKGROUP}u) {
${loopCoords}
${inner}
  }
${rs.map((_, j) => `  part${j}[lid] = acc${j};`).join("\n")}
  workgroupBarrier();
  for (var half: u32 = ${WORKGROUP / 2}u; half > 0u; half = half >> 1u) {
    if (lid < half) {
${rs.map((r, j) => `      part${j}[lid] = ${combine(r, `part${j}[lid]`, `part${j}[lid + half]`)};`).join("\n")}
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
${rs.map((r, j) => `    ${storeWord("float32", `${slot(r.v)}u + idx`, `part${j}[0]`)}`).join("\n")}
  }
}
`;
    const code = `${FRAME_DECL}\n${helpersFor(main)}\n${main}`;
    return { code, groups: [x, y] as [number, number] };
  });
}

/** Block of C computed per thread: TM rows × TN columns, held in registers. */
const TM = 4;
const TN = 4;

/**
 * A register-blocked matmul C = op(A)·op(B) over the frame: each thread accumulates a TM×TN block of C in registers,
 * reading A and B in the layout their flags give (no transposed copies). Batch dims of size 1 broadcast.
 */
export function matmulDispatch(m: MatmulStep, slot: SlotOf, maxWorkgroups: number): Dispatch {
  const aBatch = sizeOf(m.a.aval.shape.slice(0, -2));
  const bBatch = sizeOf(m.b.aval.shape.slice(0, -2));
  for (const [name, n] of [["A", aBatch], ["B", bBatch]] as const)
    if (n !== 1 && n !== m.batch) throw new DriftError("webgpu", `matmul operand ${name} has batch size ${n}; expected 1 or ${m.batch}`);
  const { M, K, N } = { M: m.m, K: m.k, N: m.n };
  const rowBlocks = Math.ceil(M / TM);
  const colBlocks = Math.ceil(N / TN);
  const aAt = (i: string, kk: string): string => (m.transA ? `${kk} * ${M}u + ${i}` : `${i} * ${K}u + ${kk}`);
  const bAt = (kk: string, j: string): string => (m.transB ? `${j} * ${K}u + ${kk}` : `${kk} * ${N}u + ${j}`);
  const lines: string[] = [];
  lines.push(`  let bj = idx % ${colBlocks}u;`);
  lines.push(`  let bi = (idx / ${colBlocks}u) % ${rowBlocks}u;`);
  lines.push(`  let bt = idx / ${colBlocks * rowBlocks}u;`);
  lines.push(`  let aBase = ${slot(m.a)}u + bt * ${aBatch === 1 ? 0 : M * K}u;`);
  lines.push(`  let bBase = ${slot(m.b)}u + bt * ${bBatch === 1 ? 0 : K * N}u;`);
  lines.push(`  let cBase = ${slot(m.out)}u + bt * ${M * N}u;`);
  for (let r = 0; r < TM; r++) lines.push(`  let i${r} = min(bi * ${TM}u + ${r}u, ${M - 1}u);`);
  for (let c = 0; c < TN; c++) lines.push(`  let j${c} = min(bj * ${TN}u + ${c}u, ${N - 1}u);`);
  for (let r = 0; r < TM; r++) lines.push(`  var acc${r} = vec4f(0.0);`);
  lines.push(`  for (var kk: u32 = 0u; kk < ${K}u; kk = kk + 1u) {`);
  lines.push(
    `    let bv = vec4f(${Array.from({ length: TN }, (_, c) => `bitcast<f32>(F[bBase + ${bAt("kk", `j${c}`)}])`).join(", ")});`,
  );
  for (let r = 0; r < TM; r++) lines.push(`    acc${r} = fma(vec4f(bitcast<f32>(F[aBase + ${aAt(`i${r}`, "kk")}])), bv, acc${r});`);
  lines.push("  }");
  const ep = fusesEpilogue(m) ? m.epilogue! : undefined;
  const batchShape = m.out.aval.shape.slice(0, -2);
  const batchStrides = stridesOf(batchShape);
  for (let r = 0; r < TM; r++)
    for (let c = 0; c < TN; c++) {
      lines.push(`  if (bi * ${TM}u + ${r}u < ${M}u && bj * ${TN}u + ${c}u < ${N}u) {`);
      lines.push(`    let cv = acc${r}[${c}];`);
      lines.push(`    F[cBase + i${r} * ${N}u + j${c}] = bitcast<u32>(cv);`);
      if (ep) {
        // The epilogue at C's element (bt…, i, j), reading the fresh value for its C leaf.
        const coord = (d: number): string =>
          d === batchShape.length ? `i${r}` : d === batchShape.length + 1 ? `j${c}` : `((bt / ${batchStrides[d]}u) % ${batchShape[d]}u)`;
        lines.push(nodeStatements(ep.kernel, slot, coord, { leaf: ep.leaf, value: "cv" }).replace(/^ {2}/gm, "    "));
        const at = `bt * ${M * N}u + i${r} * ${N}u + j${c}`;
        for (const o of ep.kernel.outputs) lines.push(`    ${storeWord(ep.kernel.nodes[o.node]!.dtype, `${slot(o.v)}u + ${at}`, `n${o.node}`)}`);
      }
      lines.push("  }");
    }
  return shader(m.batch * rowBlocks * colBlocks, maxWorkgroups, lines.join("\n"));
}

/** True when a matmul's elementwise epilogue runs inside the matmul kernel (epilogues with reductions run after it). */
export function fusesEpilogue(m: MatmulStep): boolean {
  return m.epilogue !== undefined && m.epilogue.kernel.reduces.length === 0;
}
