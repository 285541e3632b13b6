// Compiles a jaxpr for WebGPU: the CPU scheduler's fused kernels lowered to WGSL over one liveness-planned frame buffer, one submit per call.
/// <reference types="@webgpu/types" />
import { DriftError } from "../../errors.ts";
import type { DType } from "../../dtype.ts";
import { sizeOf } from "../../shape.ts";
import { ConcreteArray, type Tensor } from "../../core/tensor.ts";
import { type Atom, type Jaxpr, Lit, Var } from "../../core/jaxpr.ts";
import { scheduleJaxpr } from "../../jit/compile.ts";
import { planOffsets } from "../../jit/program.ts";
import type { PrimStep } from "../../jit/schedule.ts";
import { type Webgpu, webgpu } from "./device.ts";
import { GpuArray, WORD, checkGpuDtype, onGpu, wordsOf } from "./array.ts";
import { type Dispatch, fusesEpilogue, kernelDispatches, literal, loadWord, matmulDispatch } from "./wgsl.ts";
import { PRIM_LOWERINGS } from "./prims.ts";

/** Records GPU work of one call: dispatches inside a compute pass, buffer copies between passes. */
export class Recorder {
  private pass: GPUComputePassEncoder | null = null;
  readonly enc: GPUCommandEncoder;
  constructor(readonly gpu: Webgpu) {
    this.enc = gpu.device.createCommandEncoder();
  }
  /** Records one dispatch (opening a compute pass if none is open). */
  dispatch(pipeline: GPUComputePipeline, group: GPUBindGroup, groups: readonly [number, number]): void {
    this.pass ??= this.enc.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(groups[0], groups[1]);
  }
  /** Records a copy of `words` 32-bit words between two different buffers (closing the open compute pass). */
  copy(src: GPUBuffer, srcWord: number, dst: GPUBuffer, dstWord: number, words: number): void {
    if (words === 0) return;
    this.endPass();
    this.enc.copyBufferToBuffer(src, srcWord * WORD, dst, dstWord * WORD, words * WORD);
  }
  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
  /** Ends recording and submits everything as one command buffer. */
  submit(): void {
    this.endPass();
    this.gpu.device.queue.submit([this.enc.finish()]);
  }
}

/** What a primitive's lowering can use: frame offsets, WGSL reads of atoms, scratch words and the dispatch list. */
export interface PrimContext {
  readonly gpu: Webgpu;
  /** Word offset of a variable's data in the frame. */
  slot(v: Var): number;
  /** WGSL expression reading element `index` (a u32 expression) of atom `a` (a literal ignores the index). */
  read(a: Atom, index: string): string;
  /** Word offset of `words` scratch words that live during this step only. */
  scratch(words: number): number;
  /** Appends a kernel dispatch. */
  dispatch(d: Dispatch): void;
  /** Appends custom recording (copies, sub-programs); `frame` is this program's frame buffer. */
  record(fn: (rec: Recorder, frame: GPUBuffer) => void): void;
}

/** Lowers one primitive step; `scratchWords` (optional) says how much scratch it asks for before lowering. */
export interface PrimLowering {
  scratchWords?(step: PrimStep): number;
  lower(step: PrimStep, ctx: PrimContext): void;
}

type Op =
  | { kind: "dispatch"; code: string; groups: [number, number]; pipeline?: GPUComputePipeline; group?: GPUBindGroup }
  | { kind: "record"; fn: (rec: Recorder, frame: GPUBuffer) => void };

/** A jaxpr compiled for WebGPU. */
export class GpuProgram {
  private frame: GPUBuffer | null = null;
  constructor(
    readonly jaxpr: Jaxpr,
    private readonly gpu: Webgpu,
    private readonly ops: Op[],
    /** Frame word offset of each input (null: unused), of each output (literal outputs are filled by an op). */
    readonly inSlots: (number | null)[],
    readonly outSlots: number[],
    readonly frameWords: number,
    /** Number of kernel dispatches recorded per call outside loops. */
    readonly dispatches: number,
  ) {}
  /** The frame buffer (created on first use). */
  frameBuffer(): GPUBuffer {
    this.frame ??= this.gpu.device.createBuffer({ size: Math.max(this.frameWords, 4) * WORD, usage: this.gpu.usage.STORAGE | this.gpu.usage.COPY_SRC | this.gpu.usage.COPY_DST });
    return this.frame;
  }
  /** Records the program body (inputs must already be in their frame slots). */
  record(rec: Recorder): void {
    const frame = this.frameBuffer();
    for (const op of this.ops) {
      if (op.kind === "record") op.fn(rec, frame);
      else {
        op.pipeline ??= this.gpu.pipeline(op.code);
        op.group ??= this.gpu.device.createBindGroup({ layout: op.pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: frame } }] });
        rec.dispatch(op.pipeline, op.group, op.groups);
      }
    }
  }
  /**
   * Runs on `inputs` (CPU arrays are uploaded) with one submit; outputs stay on the GPU. GPU inputs at `donated`
   * positions are disposed once the call is queued (later commands run after it, so their buffers can be reused).
   */
  run(inputs: readonly Tensor[], donated?: ReadonlySet<number>): GpuArray[] {
    const rec = new Recorder(this.gpu);
    const frame = this.frameBuffer();
    inputs.forEach((x, i) => {
      const at = this.inSlots[i];
      if (at === null || at === undefined || x.size === 0) return;
      if (x instanceof ConcreteArray) {
        const w = wordsOf(x);
        this.gpu.device.queue.writeBuffer(frame, at * WORD, w.buffer, w.byteOffset, w.byteLength);
      } else rec.copy(onGpu(x).buffer, 0, frame, at, x.size);
    });
    this.record(rec);
    const outs = this.jaxpr.outs.map((a, i) => {
      const buffer = this.gpu.acquire(Math.max(a.aval.size, 1) * WORD);
      rec.copy(frame, this.outSlots[i]!, buffer, 0, a.aval.size);
      return new GpuArray(a.aval, buffer, this.gpu);
    });
    rec.submit();
    for (const i of donated ?? []) {
      const x = inputs[i];
      if (x instanceof GpuArray) x.dispose();
    }
    return outs;
  }
}

const programs = new WeakMap<Jaxpr, GpuProgram>();

/** The WebGPU program of a jaxpr, compiled on first use and cached with it. */
export function gpuProgram(jaxpr: Jaxpr): GpuProgram {
  let p = programs.get(jaxpr);
  if (!p) {
    p = compileGpu(jaxpr, webgpu("jit"));
    programs.set(jaxpr, p);
  }
  return p;
}

/** Lowers a jaxpr to WebGPU ops over a planned frame. */
function compileGpu(jaxpr: Jaxpr, gpu: Webgpu): GpuProgram {
  for (const v of jaxpr.inBinders) checkGpuDtype("jit", v.aval.dtype);
  const sched = scheduleJaxpr(jaxpr);
  const alias = sched.alias;
  const root = (v: Var): Var => {
    let r = v;
    while (alias.has(r)) r = alias.get(r)!;
    return r;
  };
  // Lifetimes of root variables and scratch areas, in step indices; inputs from step 0, outputs to the end.
  const items: { words: number; start: number; end: number }[] = [];
  const itemOf = new Map<Var, number>();
  const n = sched.steps.length;
  const touch = (v: Var, step: number): void => {
    const r = root(v);
    checkGpuDtype("jit", r.aval.dtype);
    const i = itemOf.get(r);
    if (i === undefined) itemOf.set(r, items.push({ words: Math.max(r.aval.size, 1), start: step, end: step }) - 1);
    else {
      items[i]!.start = Math.min(items[i]!.start, step);
      items[i]!.end = Math.max(items[i]!.end, step);
    }
  };
  jaxpr.inBinders.forEach((v) => touch(v, 0));
  const scratchItem = new Map<number, number>();
  sched.steps.forEach((s, i) => {
    if (s.kind === "kernel") {
      s.kernel.leaves.forEach((l) => touch(l.v, i));
      s.kernel.outputs.forEach((o) => touch(o.v, i));
      s.kernel.reduces.forEach((r) => touch(r.v, i));
    } else if (s.kind === "matmul") {
      [s.a, s.b, s.out].forEach((v) => touch(v, i));
      if (s.epilogue) {
        s.epilogue.kernel.leaves.forEach((l) => touch(l.v, i));
        s.epilogue.kernel.outputs.forEach((o) => touch(o.v, i));
        s.epilogue.kernel.reduces.forEach((r) => touch(r.v, i));
      }
    } else {
      const low = lowering(s);
      s.ins.forEach((a) => a instanceof Var && touch(a, i));
      s.outs.forEach((v) => touch(v, i));
      const words = low.scratchWords?.(s) ?? 0;
      if (words > 0) scratchItem.set(i, items.push({ words, start: i, end: i }) - 1);
    }
  });
  const litOuts: { at: number; lit: Lit }[] = [];
  jaxpr.outs.forEach((a) => {
    if (a instanceof Var) touch(a, n);
    else litOuts.push({ at: items.push({ words: 1, start: n, end: n }) - 1, lit: a });
  });
  const { offsets, size } = planOffsets(items.map((it) => ({ bytes: it.words, start: it.start, end: it.end })));
  const slot = (v: Var): number => {
    const i = itemOf.get(root(v));
    if (i === undefined) throw new Error(`webgpu: no frame slot for ${v.aval}`);
    return offsets[i]!;
  };
  const ops: Op[] = [];
  const push = (d: Dispatch): void => void ops.push({ kind: "dispatch", code: d.code, groups: d.groups });
  sched.steps.forEach((s, i) => {
    if (s.kind === "kernel") kernelDispatches(s.kernel, slot, gpu.maxWorkgroups).forEach(push);
    else if (s.kind === "matmul") {
      push(matmulDispatch(s, slot, gpu.maxWorkgroups));
      if (s.epilogue && !fusesEpilogue(s)) kernelDispatches(s.epilogue.kernel, slot, gpu.maxWorkgroups).forEach(push);
    } else {
      const si = scratchItem.get(i);
      lowering(s).lower(s, {
        gpu,
        slot,
        read: (a, index) => (a instanceof Lit ? literal(a.value, a.aval.dtype) : loadWord(a.aval.dtype, `${slot(a)}u + ${index}`)),
        scratch: (words) => {
          if (si === undefined || words > items[si]!.words) throw new Error(`webgpu: ${s.prim.name} asked for ${words} scratch words it did not declare`);
          return offsets[si]!;
        },
        dispatch: push,
        record: (fn) => void ops.push({ kind: "record", fn }),
      });
    }
  });
  for (const { at, lit } of litOuts) {
    const d: DType = lit.aval.dtype;
    const code = `@group(0) @binding(0) var<storage, read_write> F: array<u32>;\n@compute @workgroup_size(1) fn main() { ${storeLiteral(d, offsets[at]!, lit.value)} }`;
    ops.push({ kind: "dispatch", code, groups: [1, 1] });
  }
  const inSlots = jaxpr.inBinders.map((v) => (itemOf.has(root(v)) && sizeOf(v.aval.shape) > 0 ? slot(v) : null));
  let li = 0;
  const outSlots = jaxpr.outs.map((a) => (a instanceof Var ? slot(a) : offsets[litOuts[li++]!.at]!));
  return new GpuProgram(jaxpr, gpu, ops, inSlots, outSlots, size, ops.filter((o) => o.kind === "dispatch").length);
}

function storeLiteral(dtype: DType, at: number, value: number): string {
  const bits = dtype === "float32" ? new Uint32Array(new Float32Array([value]).buffer)[0]! : dtype === "bool" ? (value ? 1 : 0) : value >>> 0;
  return `F[${at}u] = ${bits}u;`;
}

function lowering(s: PrimStep): PrimLowering {
  const low = PRIM_LOWERINGS[s.prim.name];
  if (!low)
    throw new DriftError(
      s.prim.name,
      `has no WebGPU lowering yet; supported there: elementwise ops, reductions, matmul and ${Object.keys(PRIM_LOWERINGS).sort().join(", ")}. Run this function on the cpu backend`,
    );
  return low;
}
