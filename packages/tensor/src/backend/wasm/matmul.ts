// Eager f32 matrix multiply (NN/NT/TN/TT, batched): jit's shape-specialised gemm, one module per shape, on its own memory.

import { ModuleBuilder, relaxedSimdAvailable } from './emitter.ts';
import { wasmApi, type WasmMemory } from './wasm-api.ts';
import { emitGemm, emitPackA, gemmPackedABytes, gemmPanels, gemmScratchBytes, storeC } from './gemm.ts';

/** Layout and output options of {@link matmulF32}. */
export interface MatmulOptions {
  /** A is stored as [k, m] row-major and its transpose is used (default: A is [m, k]). */
  transA?: boolean;
  /** B is stored as [n, k] row-major and its transpose is used (default: B is [k, n]). */
  transB?: boolean;
  /** Destination for C (length ≥ m·n, or batch·m·n when batched); must not alias an input. */
  out?: Float32Array;
}

/** Options of {@link matmulF32Batched}: layouts plus per-operand batch strides. */
export interface BatchedMatmulOptions extends MatmulOptions {
  /** Elements between consecutive A matrices (default m·k); 0 reuses one A for every batch entry. */
  aBatchStride?: number;
  /** Elements between consecutive B matrices (default k·n); 0 reuses one B for every batch entry. */
  bBatchStride?: number;
}

const BYTES_PER_F32 = 4;
const WASM_PAGE_BYTES = 65536;
/** Size of the kernel memory when first created (1 MiB); it grows on demand. */
const INITIAL_MEMORY_PAGES = 16;
/** Below this many multiply-adds (m·n·k) a plain JS loop beats copying + packing + wasm calls (measured). */
const SMALL_PROBLEM_MACS = 256;
/** Compiled kernels kept; the oldest is dropped first. */
const KERNEL_CACHE_LIMIT = 128;
/** Regions of the kernel memory start on cache-line boundaries. */
const REGION_ALIGN_BYTES = 64;
/** Bytes a kernel may read past an operand (one vector's worth and more). */
const SLACK_BYTES = 64;

/**
 * Returns C = op(A)·op(B) as a new [m, n] row-major array (or in `opts.out`), where op(A) is A ([m, k]
 * row-major) or, with `transA`, the transpose of A stored as [k, m]; likewise op(B) is B ([k, n]) or,
 * with `transB`, the transpose of B stored as [n, k]. k = 0 yields zeros.
 */
export function matmulF32(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  opts: MatmulOptions = {},
): Float32Array {
  return matmulF32Batched(a, b, 1, m, k, n, opts);
}

/**
 * Batched {@link matmulF32}: for each batch entry i, C[i] = op(A[i])·op(B[i]) with A[i] starting at
 * element i·aBatchStride of `a` and B[i] at i·bBatchStride of `b` (stride 0 broadcasts one matrix).
 * The result is [batch, m, n] row-major.
 */
export function matmulF32Batched(
  a: Float32Array,
  b: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  opts: BatchedMatmulOptions = {},
): Float32Array {
  for (const [name, value] of [['batch', batch], ['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`matmul: ${name} must be a non-negative integer, got ${value}`);
  }
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const aStride = opts.aBatchStride ?? m * k;
  const bStride = opts.bBatchStride ?? k * n;
  checkOperand('A', a, batch, aStride, m * k);
  checkOperand('B', b, batch, bStride, k * n);
  const outSize = batch * m * n;
  const out = opts.out ?? new Float32Array(outSize);
  if (out.length < outSize) throw new RangeError(`matmul: out has ${out.length} elements, needs ${outSize}`);

  if (outSize === 0) return out;
  if (k === 0) {
    out.fill(0, 0, outSize);
    return out;
  }
  if (m * n * k < SMALL_PROBLEM_MACS) {
    for (let entry = 0; entry < batch; entry++) {
      matmulJs(a, entry * aStride, transA, b, entry * bStride, transB, m, k, n, out, entry * m * n);
    }
    return out;
  }

  const kernel = kernelFor(m, k, n, transA, transB);
  const { aAt, bAt, cAt, scratchAt, bytes } = kernel.layout;
  const heap = heapWithCapacity(bytes);
  const panels = gemmPanels(n);
  for (let entry = 0; entry < batch; entry++) {
    if (entry === 0 || aStride !== 0) {
      heap.set(a.subarray(entry * aStride, entry * aStride + m * k), aAt / BYTES_PER_F32);
      kernel.packA?.(0);
    }
    if (entry === 0 || bStride !== 0) heap.set(b.subarray(entry * bStride, entry * bStride + k * n), bAt / BYTES_PER_F32);
    kernel.gemm(0, 0, panels, scratchAt);
    out.set(heap.subarray(cAt / BYTES_PER_F32, cAt / BYTES_PER_F32 + m * n), entry * m * n);
  }
  return out;
}

function checkOperand(name: string, data: Float32Array, batch: number, stride: number, matrixSize: number): void {
  if (!Number.isInteger(stride) || stride < 0) throw new RangeError(`matmul: ${name} batch stride must be a non-negative integer`);
  const needed = batch === 0 ? 0 : (batch - 1) * stride + matrixSize;
  if (data.length < needed) throw new RangeError(`matmul: ${name} has ${data.length} elements, needs ${needed}`);
}

function alignUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** Reference-order JS product for tiny problems, accumulating in float64. */
function matmulJs(
  a: Float32Array,
  aOffset: number,
  transA: boolean,
  b: Float32Array,
  bOffset: number,
  transB: boolean,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
  outOffset: number,
): void {
  const aRowStride = transA ? 1 : k;
  const aStepK = transA ? m : 1;
  const bColumnStride = transB ? k : 1;
  const bStepK = transB ? 1 : n;
  let outIndex = outOffset;
  for (let row = 0; row < m; row++) {
    for (let column = 0; column < n; column++) {
      let aIndex = aOffset + row * aRowStride;
      let bIndex = bOffset + column * bColumnStride;
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += a[aIndex]! * b[bIndex]!;
        aIndex += aStepK;
        bIndex += bStepK;
      }
      out[outIndex++] = sum;
    }
  }
}

/** Byte offsets of one shape's regions in the kernel memory: A, B and C as given, packed Aᵀ, B-panel scratch. */
interface KernelLayout {
  readonly aAt: number;
  readonly bAt: number;
  readonly cAt: number;
  readonly packedAt: number;
  readonly scratchAt: number;
  /** Memory the call needs, with a vector of slack after B (the few-row gemm reads up to 7 floats past a row). */
  readonly bytes: number;
}

function describeLayout(m: number, k: number, n: number, transA: boolean): KernelLayout {
  const aAt = 0;
  const bAt = alignUp(aAt + m * k * BYTES_PER_F32, REGION_ALIGN_BYTES);
  const cAt = alignUp(bAt + k * n * BYTES_PER_F32 + SLACK_BYTES, REGION_ALIGN_BYTES);
  const packedAt = alignUp(cAt + m * n * BYTES_PER_F32, REGION_ALIGN_BYTES);
  const scratchAt = alignUp(packedAt + gemmPackedABytes({ m, k, batch: 1, transA }), REGION_ALIGN_BYTES);
  return { aAt, bAt, cAt, packedAt, scratchAt, bytes: scratchAt + gemmScratchBytes({ k }) + SLACK_BYTES };
}

let kernelMemory: WasmMemory | undefined;
let heapView: Float32Array = new Float32Array(0);

/** The one memory every kernel module imports, created on first use. */
function sharedKernelMemory(): WasmMemory {
  kernelMemory ??= new wasmApi.Memory({ initial: INITIAL_MEMORY_PAGES });
  return kernelMemory;
}

/** The shared kernel memory, grown to at least `bytes`, as an f32 view (recreated after a grow detaches it). */
function heapWithCapacity(bytes: number): Float32Array {
  const memory = sharedKernelMemory();
  const available = memory.buffer.byteLength;
  if (available < bytes) memory.grow(Math.ceil((bytes - available) / WASM_PAGE_BYTES));
  if (heapView.buffer !== memory.buffer) heapView = new Float32Array(memory.buffer);
  return heapView;
}

/** One shape's compiled product: jit's gemm ({@link emitGemm}) over the regions of {@link KernelLayout}. */
interface MatmulKernel {
  readonly layout: KernelLayout;
  /** Packs transposed A (only with transA); takes the base address (0). */
  readonly packA?: (base: number) => void;
  /** C for column panels [from, to) with B-panel scratch at `scratch`. */
  readonly gemm: (base: number, from: number, to: number, scratch: number) => void;
}

const kernelCache = new Map<string, MatmulKernel>();

function kernelFor(m: number, k: number, n: number, transA: boolean, transB: boolean): MatmulKernel {
  const key = `${m}x${k}x${n}${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    if (kernelCache.size >= KERNEL_CACHE_LIMIT) kernelCache.delete(kernelCache.keys().next().value!);
    const layout = describeLayout(m, k, n, transA);
    const mod = new ModuleBuilder({ relaxedSimd: relaxedSimdAvailable() });
    mod.importMemory('env', 'memory', { initial: 1 });
    const spec = { m, k, n, batch: 1, transA, transB, a: layout.aAt, b: layout.bAt };
    mod.exportFunc('gemm', emitGemm(mod, spec, layout.cAt, layout.packedAt, (cBase) => storeC(n, cBase)));
    if (transA) mod.exportFunc('packA', emitPackA(mod, spec, layout.packedAt));
    const exports = new wasmApi.Instance(mod.compile(), { env: { memory: sharedKernelMemory() } }).exports as unknown as Omit<MatmulKernel, 'layout'>;
    kernel = { layout, gemm: exports.gemm, packA: exports.packA };
    kernelCache.set(key, kernel);
  }
  return kernel;
}
