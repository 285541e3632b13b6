// Turns a schedule into a runnable program: arena slots planned by liveness, one wasm module for the wasm steps, JS between.
import type { DType, TypedArray } from "../dtype.ts";
import { ConcreteArray } from "../core/tensor.ts";
import { type Atom, type Jaxpr, Lit, Var, literalArray } from "../core/jaxpr.ts";
import { writeWindow } from "../ops/dynamic-slice.ts";
import { ModuleBuilder, i32, relaxedSimdAvailable } from "../backend/wasm/emitter.ts";
import { type ArenaViews, arena } from "../backend/wasm/arena.ts";
import { type KernelPool, type ThreadSite, kernelPool } from "../backend/wasm/threads.ts";
import { wasmApi } from "../backend/wasm/wasm-api.ts";
import { emitGemm, emitPackA, gemmPackedABytes, gemmPanels, gemmScratchBytes, GEMM_SPLIT_PANELS, GEMM_THREAD_MIN_MACS, storeC } from "../backend/wasm/gemm.ts";
import type { Kernel, MatmulStep, PrimStep, Schedule } from "./schedule.ts";
import { type KernelAddresses, emitKernel, kernelEpilogue, kernelImports, kernelScratchBytes } from "./wasm-kernels.ts";
import { type JsKernelFn, compileJsKernel } from "./js-kernels.ts";
import { MATH_IMPORTS, importMath, mathImportSource } from "./wasm-expr.ts";

/** Counts of what a program runs, for inspection and tests. */
export interface ProgramStats {
  /** Fused elementwise kernels (including those run as matmul epilogues). */
  fused: number;
  /** Matmuls and primitive calls. */
  prims: number;
  /** Jaxpr equations inside fused kernels. */
  fusedOps: number;
}

/** A lowered jaxpr: call `run` with concrete inputs (consts first) to get concrete outputs. */
export interface CompiledProgram {
  /** Number of fused kernels and primitive calls, for inspection and tests. */
  readonly stats: ProgramStats;
  /** Bytes of arena the program's frame takes (inputs, intermediates, outputs and scratch). */
  readonly frameBytes: number;
  /** Every arena slot and scratch area: byte range in the frame and lifetime [start, end] in execution steps. */
  readonly arenaPlan: readonly { offset: number; bytes: number; start: number; end: number }[];
  /** Fused kernels by backend, matmuls running a fused epilogue, and matmuls split across kernel threads. */
  readonly kernels: { readonly wasm: number; readonly js: number; readonly epilogues: number; readonly threaded: number };
  /** Runs the program; inputs whose positions are in `donated` may have their buffers reused for outputs. */
  run(inputs: ConcreteArray[], donated?: ReadonlySet<number>): ConcreteArray[];
}

/** The storage of one root variable (aliases share it). */
interface Buffer {
  /** Index among the program's buffers (a run keeps its external arrays in an array by it). */
  readonly id: number;
  readonly root: Var;
  readonly dtype: DType;
  readonly size: number;
  /** Padded byte size in the arena. */
  readonly bytes: number;
  /** Lives in the arena (written there by kernels, or copied in for wasm readers). */
  arena: boolean;
  /** Produced by kernels or matmuls (so it exists only in the arena). */
  produced: boolean;
  /** Byte offset in the frame, once planned. */
  offset: number;
  /** Index among the program's inputs, or -1. */
  input: number;
}

type ExecStep =
  | { kind: "copyIn"; buf: Buffer }
  | {
      kind: "wasm";
      kernel?: Kernel;
      matmul?: MatmulStep;
      scratch: number;
      scratchBytes: number;
      /** For a matmul: bytes of its transposed A packed once per call at the start of its scratch (shared by threads). */
      packedBytes?: number;
      /** For a matmul: scratch bytes per thread (its packed B panels), after the packed A; one slice per thread when threaded. */
      sliceBytes?: number;
      /** For a matmul split across kernel threads: its exported name, index among the pool's functions and record. */
      threaded?: { name: string; index: number; site: ThreadSite };
    }
  | { kind: "js"; kernel: Kernel; fn: JsKernelFn }
  | { kind: "prim"; step: PrimStep; inPlace: "arena" | "external" | null };

const bytesOf = (dtype: DType): number => (dtype === "bool" ? 1 : dtype === "float64" ? 8 : 4);
/**
 * Slot sizes are whole cache lines, so every slot of a frame (64-byte aligned) starts on a line: threads writing
 * neighbouring column chunks of one matmul result never share a line (false sharing) when a row is whole lines.
 */
const CACHE_LINE = 64;
const padded = (bytes: number): number => Math.max(CACHE_LINE, Math.ceil(bytes / CACHE_LINE) * CACHE_LINE);
/** Bytes after the last slot of a frame: kernels may read (never write) up to a vector past a buffer's end. */
const FRAME_SLACK = 64;

/** A run's external arrays (inputs, primitives' results) by buffer id; the other buffers live in the arena. */
type External = (TypedArray | undefined)[];

/** log2 of each dtype's element size: a byte offset >> it is an index into the arena's view of that dtype. */
const ELEMENT_SHIFT: Record<DType, number> = { float32: 2, float64: 3, int32: 2, uint32: 2, bool: 0 };

/** The view of the whole arena for `dtype`. */
function arenaView(views: ArenaViews, dtype: DType): TypedArray {
  switch (dtype) {
    case "float32":
      return views.f32;
    case "float64":
      return views.f64;
    case "int32":
      return views.i32;
    case "uint32":
      return views.u32;
    case "bool":
      return views.u8;
  }
}

/** Typed view of `size` elements of `dtype` at byte `at` of the arena. */
function viewOf(views: ArenaViews, dtype: DType, at: number, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return views.f32.subarray(at >> 2, (at >> 2) + size);
    case "float64":
      return views.f64.subarray(at >> 3, (at >> 3) + size);
    case "int32":
      return views.i32.subarray(at >> 2, (at >> 2) + size);
    case "uint32":
      return views.u32.subarray(at >> 2, (at >> 2) + size);
    case "bool":
      return views.u8.subarray(at, at + size);
  }
}

/** Tells the kernel threads to drop the module of a program once the program is garbage. */
const workerModules = new FinalizationRegistry<{ pool: KernelPool; id: number }>(({ pool, id }) => pool.release(id));

/** A short name of a kernel for profiles: its shape and primitives. */
function describe(k: Kernel): string {
  const ops = k.nodes.flatMap((n) => (n.op === "prim" ? [n.prim.name] : []));
  return `${k.shape.join("x") || "scalar"}_${ops.slice(0, 6).join("_")}${ops.length > 6 ? `_${ops.length}ops` : ""}${k.reduces.map((r) => `_r${r.kind}`).join("")}`;
}

/** First-fit placement of arena buffers with lifetimes [start, end] (step indices) so that no two live ones overlap. */
export function planOffsets(items: readonly { bytes: number; start: number; end: number }[]): { offsets: number[]; size: number } {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.start - items[b]!.start || items[b]!.bytes - items[a]!.bytes);
  const offsets = new Array<number>(items.length).fill(0);
  const placed: number[] = [];
  let size = 0;
  for (const i of order) {
    const it = items[i]!;
    const live = placed
      .filter((j) => items[j]!.end >= it.start && items[j]!.start <= it.end)
      .map((j) => [offsets[j]!, offsets[j]! + items[j]!.bytes] as const)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [lo, hi] of live) {
      if (at + it.bytes <= lo) break;
      at = Math.max(at, hi);
    }
    offsets[i] = at;
    placed.push(i);
    size = Math.max(size, at + it.bytes);
  }
  return { offsets, size };
}

/** Compiles a scheduled jaxpr. */
export function buildProgram(jaxpr: Jaxpr, sched: Schedule): CompiledProgram {
  const alias = new Map(sched.alias);
  const rootOf = (v: Var): Var => alias.get(v) ?? v;
  const buffers = new Map<Var, Buffer>();
  const bufOf = (v: Var): Buffer => {
    const root = rootOf(v);
    let b = buffers.get(root);
    if (!b) {
      const { dtype, size } = root.aval;
      b = { id: buffers.size, root, dtype, size, bytes: padded(size * bytesOf(dtype)), arena: false, produced: false, offset: 0, input: -1 };
      buffers.set(root, b);
    }
    return b;
  };
  jaxpr.inBinders.forEach((v, i) => (bufOf(v).input = i));
  const pinned = new Set(jaxpr.outs.filter((a): a is Var => a instanceof Var).map(rootOf));

  // In-place dynamic_update_slice: the operand's storage dies here and is not an output.
  const lastUse = new Map<Var, number>();
  const reads = (i: number, vs: Iterable<Var>): void => {
    for (const v of vs) lastUse.set(rootOf(v), i);
  };
  const producedVars = new Set<Var>();
  sched.steps.forEach((s, i) => {
    if (s.kind === "kernel") {
      reads(i, s.kernel.leaves.map((l) => l.v));
      s.kernel.outputs.forEach((o) => producedVars.add(o.v));
      s.kernel.reduces.forEach((r) => producedVars.add(r.v));
    } else if (s.kind === "matmul") {
      reads(i, [s.a, s.b]);
      if (s.epilogue) {
        reads(i, s.epilogue.kernel.leaves.map((l) => l.v));
        s.epilogue.kernel.outputs.forEach((o) => producedVars.add(o.v));
      } else producedVars.add(s.out);
    } else reads(i, s.ins.filter((a): a is Var => a instanceof Var));
  });
  const inPlace = new Map<PrimStep, "arena" | "external">();
  sched.steps.forEach((s, i) => {
    if (s.kind !== "prim" || s.prim.name !== "dynamic_update_slice" || !(s.ins[0] instanceof Var)) return;
    const r = rootOf(s.ins[0]);
    if (pinned.has(r) || lastUse.get(r) !== i) return;
    if (producedVars.has(r)) {
      inPlace.set(s, "arena");
      alias.set(s.outs[0]!, r);
      // The output's later reads now keep the operand's storage alive.
    } else inPlace.set(s, "external");
  });

  // Storage classes: what kernels and matmuls write lives in the arena; wasm readers need their inputs there.
  for (const v of producedVars) {
    const b = bufOf(v);
    b.arena = true;
    b.produced = true;
  }
  const wasmReads = (k: Kernel): void => k.leaves.forEach((l) => (bufOf(l.v).arena = true));
  for (const s of sched.steps) {
    if (s.kind === "kernel" && s.kernel.backend === "wasm") wasmReads(s.kernel);
    if (s.kind === "matmul") {
      bufOf(s.a).arena = true;
      bufOf(s.b).arena = true;
      if (s.epilogue) wasmReads(s.epilogue.kernel);
    }
  }

  // Execution steps, with copies of external data into the arena right after it exists.
  const exec: ExecStep[] = [];
  const copyIns = (vs: Iterable<Var>): void => {
    for (const v of vs) {
      const b = bufOf(v);
      if (b.arena && !b.produced && rootOf(v) === v) exec.push({ kind: "copyIn", buf: b });
    }
  };
  copyIns(jaxpr.inBinders);
  for (const s of sched.steps) {
    if (s.kind === "kernel") {
      if (s.kernel.backend === "wasm") exec.push({ kind: "wasm", kernel: s.kernel, scratch: 0, scratchBytes: kernelScratchBytes(s.kernel) });
      else exec.push({ kind: "js", kernel: s.kernel, fn: compileJsKernel(s.kernel) });
    } else if (s.kind === "matmul") {
      const packedBytes = padded(gemmPackedABytes(s));
      const sliceBytes = padded(gemmScratchBytes(s));
      exec.push({ kind: "wasm", matmul: s, scratch: 0, scratchBytes: packedBytes + sliceBytes, packedBytes, sliceBytes });
    }
    else {
      const mode = inPlace.get(s) ?? null;
      exec.push({ kind: "prim", step: s, inPlace: mode });
      if (mode !== "arena") copyIns(s.outs);
    }
  }

  // Large matmuls are split by column panels between this thread and the pool's workers (each with its own scratch).
  const pool = kernelPool(arena.memory, arena.shared);
  const threaded: (ExecStep & { kind: "wasm" })[] = [];
  if (pool) {
    for (const e of exec) {
      if (e.kind !== "wasm" || !e.matmul) continue;
      const m = e.matmul;
      const imports = m.epilogue ? kernelImports(m.epilogue.kernel) : [];
      if (m.batch * m.m * m.n * m.k < GEMM_THREAD_MIN_MACS || gemmPanels(m.n) < 2 || imports.some((n) => mathImportSource(n) === null)) continue;
      e.threaded = { name: `t${threaded.length}`, index: threaded.length, site: { bad: 0, backoff: 0 } };
      e.scratchBytes = e.packedBytes! + e.sliceBytes! * (pool.size + 1);
      threaded.push(e);
    }
  }

  // Lifetimes over execution steps, then offsets.
  const start = new Map<Buffer, number>();
  const end = new Map<Buffer, number>();
  const touch = (v: Var, i: number): void => {
    const b = bufOf(v);
    if (!b.arena) return;
    if (!start.has(b)) start.set(b, i);
    end.set(b, Math.max(end.get(b) ?? i, i));
  };
  exec.forEach((e, i) => {
    if (e.kind === "copyIn") touch(e.buf.root, i);
    else if (e.kind === "js") {
      e.kernel.leaves.forEach((l) => touch(l.v, i));
      e.kernel.outputs.forEach((o) => touch(o.v, i));
    } else if (e.kind === "wasm" && e.kernel) {
      e.kernel.leaves.forEach((l) => touch(l.v, i));
      e.kernel.outputs.forEach((o) => touch(o.v, i));
      e.kernel.reduces.forEach((r) => touch(r.v, i));
    } else if (e.kind === "wasm" && e.matmul) {
      const m = e.matmul;
      touch(m.a, i);
      touch(m.b, i);
      if (m.epilogue) {
        m.epilogue.kernel.leaves.forEach((l, j) => j !== m.epilogue!.leaf && touch(l.v, i));
        m.epilogue.kernel.outputs.forEach((o) => touch(o.v, i));
      } else touch(m.out, i);
    } else if (e.kind === "prim") {
      e.step.ins.forEach((a) => a instanceof Var && touch(a, i));
      e.step.outs.forEach((v) => touch(v, i));
    }
  });
  for (const v of pinned) if (bufOf(v).arena) end.set(bufOf(v), exec.length);
  const arenaBufs = [...start.keys()];
  const scratchSteps = exec.filter((e): e is ExecStep & { kind: "wasm" } => e.kind === "wasm" && e.scratchBytes > 0);
  const items = [
    ...arenaBufs.map((b) => ({ bytes: b.bytes, start: start.get(b)!, end: end.get(b)! })),
    ...scratchSteps.map((e) => {
      const i = exec.indexOf(e);
      return { bytes: padded(e.scratchBytes), start: i, end: i };
    }),
  ];
  const plan = planOffsets(items);
  arenaBufs.forEach((b, i) => (b.offset = plan.offsets[i]!));
  scratchSteps.forEach((e, i) => (e.scratch = plan.offsets[arenaBufs.length + i]!));
  const frameBytes = plan.size + FRAME_SLACK;

  // One wasm module: a function per wasm step, one exported function per run of consecutive wasm steps.
  const wasmSteps = exec.filter((e): e is ExecStep & { kind: "wasm" } => e.kind === "wasm");
  let exports: Record<string, (base: number, ...args: number[]) => void> = {};
  let poolModule = -1;
  const segmentOf = new Map<number, string>();
  if (wasmSteps.length > 0) {
    const mod = new ModuleBuilder({ relaxedSimd: relaxedSimdAvailable() });
    mod.importMemory("env", "memory", arena.limits);
    const names = new Set<string>();
    for (const e of wasmSteps) {
      const k = e.kernel ?? e.matmul!.epilogue?.kernel;
      if (k) for (const n of kernelImports(k)) names.add(n);
    }
    const imports = importMath(mod, names);
    const offsetOf = (v: Var): number => bufOf(v).offset;
    const fns = wasmSteps.map((e, i) => {
      const addrs: KernelAddresses = { offset: offsetOf, scratch: e.scratch };
      if (e.kernel) {
        const fn = emitKernel(mod, imports, e.kernel, addrs);
        mod.nameFunc(fn, `k${i}_${describe(e.kernel)}`);
        return { fn, e };
      }
      const m = e.matmul!;
      const spec = { m: m.m, k: m.k, n: m.n, batch: m.batch, transA: m.transA, transB: m.transB, a: offsetOf(m.a), b: offsetOf(m.b) };
      const ep = m.epilogue;
      const fn = ep
        ? emitGemm(mod, spec, 0, e.scratch, () => kernelEpilogue(ep.kernel, ep.leaf, addrs, imports))
        : emitGemm(mod, spec, offsetOf(m.out), e.scratch, (cBase) => storeC(m.n, cBase));
      const label = `${m.batch}x${m.m}x${m.k}x${m.n}${m.transA ? "T" : "N"}${m.transB ? "T" : "N"}`;
      mod.nameFunc(fn, `mm${i}_${label}${ep ? `+${describe(ep.kernel)}` : ""}`);
      const pack = m.transA ? emitPackA(mod, spec, e.scratch) : undefined;
      if (pack) mod.nameFunc(pack, `pack${i}_${label}`);
      return { fn, pack, e };
    });
    let segment: typeof fns = [];
    const flush = (): void => {
      if (segment.length === 0) return;
      const calls = segment;
      const fn = mod.func([i32], [], (f) => {
        for (const { fn: callee, pack, e } of calls) {
          if (pack) {
            f.local.get(f.params[0]!);
            f.call(pack);
          }
          f.local.get(f.params[0]!);
          if (e.matmul) {
            f.i32.const(0);
            f.i32.const(gemmPanels(e.matmul.n));
            f.i32.const(e.scratch + e.packedBytes!);
          }
          f.call(callee);
        }
      });
      const name = `s${segmentOf.size}`;
      mod.exportFunc(name, fn);
      segmentOf.set(exec.indexOf(calls[0]!.e), name);
      segment = [];
    };
    let prev = -2;
    for (const item of fns) {
      const i = exec.indexOf(item.e);
      if (item.e.threaded) {
        flush();
        mod.exportFunc(item.e.threaded.name, item.fn);
        if (item.pack) mod.exportFunc(`${item.e.threaded.name}_pack`, item.pack);
        continue;
      }
      if (i !== prev + 1) flush();
      segment.push(item);
      prev = i;
    }
    flush();
    const math: Record<string, (...xs: number[]) => number> = {};
    for (const [name] of imports) math[name] = MATH_IMPORTS[name]!;
    const module = mod.compile();
    exports = new wasmApi.Instance(module, { env: { memory: arena.memory }, math } as never).exports as typeof exports;
    if (pool && threaded.length > 0) {
      const sources: Record<string, string> = {};
      for (const [name] of imports) sources[name] = mathImportSource(name) ?? `() => { throw new Error("${name} is not available in kernel threads"); }`;
      poolModule = pool.load(module, threaded.map((e) => e.threaded!.name), sources);
    }
  }

  // The executable plan: JS closures over the frame base and per-call external data.
  const outAtoms: Atom[] = jaxpr.outs;
  const literalOuts = new Map<Lit, ConcreteArray>();
  for (const a of outAtoms) if (a instanceof Lit) literalOuts.set(a, literalArray(a));
  const primLits = new Map<Lit, ConcreteArray>();
  for (const e of exec) if (e.kind === "prim") for (const a of e.step.ins) if (a instanceof Lit) primLits.set(a, literalArray(a));
  const inputIndex = new Map(jaxpr.inBinders.map((v, i) => [v, i] as const));
  const inputBufs = jaxpr.inBinders.map(bufOf);
  /** The data of `v` in a run: an external array (an input or a primitive's result), else its arena slot. */
  const dataOf = (v: Var, ext: External, views: ArenaViews, base: number): TypedArray => {
    const b = bufOf(v);
    return ext[b.id] ?? viewOf(views, b.dtype, base + b.offset, b.size);
  };

  const stats: ProgramStats = { fused: 0, prims: 0, fusedOps: 0 };
  for (const s of sched.steps) {
    const k = s.kind === "kernel" ? s.kernel : s.kind === "matmul" ? s.epilogue?.kernel : undefined;
    if (k) {
      stats.fused++;
      stats.fusedOps += k.eqns;
    }
    if (s.kind !== "kernel") stats.prims++;
  }

  const run = (inputs: ConcreteArray[], donated?: ReadonlySet<number>): ConcreteArray[] => {
    const base = arena.push(frameBytes);
    if (poolModule >= 0) pool!.wake();
    try {
      let views = arena.views();
      const ext: External = new Array(buffers.size);
      for (let i = 0; i < inputs.length; i++) ext[inputBufs[i]!.id] = inputs[i]!.buf;
      for (let i = 0; i < exec.length; i++) {
        const e = exec[i]!;
        switch (e.kind) {
          case "copyIn": {
            const b = e.buf;
            arenaView(views, b.dtype).set(ext[b.id]!, (base + b.offset) >> ELEMENT_SHIFT[b.dtype]);
            break;
          }
          case "wasm": {
            if (e.threaded) {
              // Transposed A is packed once here; then column panels are shared between this thread and the workers, a
              // few at a time, each thread with its own B-panel scratch slice.
              if (e.matmul!.transA) exports[`${e.threaded.name}_pack`]!(base);
              const panels = gemmPanels(e.matmul!.n);
              const slice = e.sliceBytes!;
              const fn = exports[e.threaded.name]!;
              const first = e.scratch + e.packedBytes!;
              pool!.parallel(e.threaded.site, poolModule, e.threaded.index, base, panels, GEMM_SPLIT_PANELS, (w) => first + slice * (w + 1), (from, to) =>
                fn(base, from, to, first),
              );
              break;
            }
            const name = segmentOf.get(i);
            if (name) exports[name]!(base);
            break;
          }
          case "js":
            e.fn(
              e.kernel.leaves.map((l) => dataOf(l.v, ext, views, base)),
              e.kernel.outputs.map((o) => dataOf(o.v, ext, views, base)),
            );
            break;
          case "prim": {
            const s = e.step;
            const concrete = (copy: boolean): ConcreteArray[] =>
              s.ins.map((a) => (a instanceof Lit ? primLits.get(a)! : new ConcreteArray(a.aval, copy && ext[bufOf(a).id] === undefined ? dataOf(a, ext, views, base).slice() : dataOf(a, ext, views, base))));
            if (e.inPlace && (e.inPlace === "arena" || bufOf(s.ins[0] as Var).input < 0 || donated?.has(bufOf(s.ins[0] as Var).input))) {
              const [x, u, ...starts] = concrete(false);
              writeWindow(x!.buf, x!.shape, u!, starts);
              if (e.inPlace === "external") ext[bufOf(s.outs[0]!).id] = x!.buf;
              break;
            }
            // A non-shared arena detaches its buffer when a nested run grows it: primitives then get copies.
            const ins = concrete(!arena.shared);
            const arenaBuffers = new Set<ArrayBufferLike>([views.u8.buffer]);
            const outs = s.prim.impl(ins, s.params, s.outs.map((v) => v.aval));
            views = arena.views();
            arenaBuffers.add(views.u8.buffer);
            s.outs.forEach((v, j) => {
              const buf = outs[j]!;
              ext[bufOf(v).id] = arenaBuffers.has(buf.buffer) ? buf.slice() : buf;
            });
            break;
          }
        }
      }
      const outs = outAtoms.map((a): ConcreteArray | null => {
        if (a instanceof Lit) return literalOuts.get(a)!;
        const idx = inputIndex.get(a);
        if (idx !== undefined) return inputs[idx]!;
        const external = ext[bufOf(a).id];
        return external ? new ConcreteArray(a.aval, external) : null;
      });
      // Arena results are copied out, into the buffers of donated inputs of the same type and size where possible.
      let spare: TypedArray[] = [];
      if (donated?.size) {
        const returned = new Set(outs.map((o) => o?.buf));
        spare = [...new Set([...donated].map((i) => inputs[i]!.buf))].filter((b) => !returned.has(b));
      }
      return outs.map((o, i) => {
        if (o) return o;
        const a = outAtoms[i] as Var;
        const b = bufOf(a);
        const whole = arenaView(views, b.dtype);
        const at = (base + b.offset) >> ELEMENT_SHIFT[b.dtype];
        const j = spare.length ? spare.findIndex((x) => x.constructor === whole.constructor && x.length === b.size) : -1;
        if (j < 0) return new ConcreteArray(a.aval, whole.slice(at, at + b.size));
        const view = whole.subarray(at, at + b.size);
        const target = spare.splice(j, 1)[0]!;
        target.set(view);
        return new ConcreteArray(a.aval, target);
      });
    } finally {
      arena.pop(base);
    }
  };
  const arenaPlan = items.map((it, i) => ({ ...it, offset: plan.offsets[i]! }));
  const kernels = {
    wasm: sched.steps.filter((st) => (st.kind === "kernel" && st.kernel.backend === "wasm") || (st.kind === "matmul" && st.epilogue)).length,
    js: sched.steps.filter((st) => st.kind === "kernel" && st.kernel.backend === "js").length,
    epilogues: sched.steps.filter((st) => st.kind === "matmul" && st.epilogue).length,
    threaded: threaded.length,
  };
  const program = { stats, frameBytes, arenaPlan, kernels, run };
  if (pool && poolModule >= 0) workerModules.register(program, { pool, id: poolModule });
  return program;
}
