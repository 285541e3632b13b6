// Eager f32 matrix multiply (NN/NT/TN/TT, batched): jit's shape-specialised gemm, one module per shape, in a frame of the
// jit arena, split across the kernel threads when large.

import { ModuleBuilder, relaxedSimdAvailable } from './emitter.ts';
import { wasmApi } from './wasm-api.ts';
import { arena } from './arena.ts';
import { type KernelPool, type ThreadSite, kernelPool } from './threads.ts';
import { GEMM_SPLIT_PANELS, GEMM_THREAD_MIN_MACS, emitGemm, emitPackA, gemmPackedABytes, gemmPanels, gemmScratchBytes, storeC } from './gemm.ts';

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
/** Below this many multiply-adds (m·n·k) a plain JS loop beats copying + packing + wasm calls (measured). */
const SMALL_PROBLEM_MACS = 256;
/** Compiled kernels kept; the oldest is dropped first. */
const KERNEL_CACHE_LIMIT = 128;
/** Regions of a frame start on cache-line boundaries. */
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
  const { aAt, bAt, cAt, scratchAt, sliceBytes, bytes } = kernel.layout;
  const panels = gemmPanels(n);
  const base = arena.push(bytes);
  try {
    const heap = arena.views().f32;
    const at = (offset: number): number => (base + offset) / BYTES_PER_F32;
    for (let entry = 0; entry < batch; entry++) {
      if (entry === 0 || aStride !== 0) {
        heap.set(a.subarray(entry * aStride, entry * aStride + m * k), at(aAt));
        kernel.packA?.(base);
      }
      if (entry === 0 || bStride !== 0) heap.set(b.subarray(entry * bStride, entry * bStride + k * n), at(bAt));
      if (kernel.threads)
        kernel.threads.pool.parallel(kernel.threads.site, kernel.threads.id, 0, base, panels, GEMM_SPLIT_PANELS, (w) => scratchAt + sliceBytes * (w + 1), (from, to) =>
          kernel.gemm(base, from, to, scratchAt),
        );
      else kernel.gemm(base, 0, panels, scratchAt);
      out.set(heap.subarray(at(cAt), at(cAt) + m * n), entry * m * n);
    }
  } finally {
    arena.pop(base);
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

/**
 * JS product for tiny problems with the gemm's arithmetic: each output sums its products over k in order, rounding the
 * product and every partial sum to float32 (float64 arithmetic then `Math.fround` is correctly rounded float32
 * arithmetic for + and ×, as 53 ≥ 2·24 + 2), so it equals the wasm kernel bit for bit (without relaxed SIMD's fused
 * multiply-add).
 */
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
        sum = Math.fround(sum + Math.fround(a[aIndex]! * b[bIndex]!));
        aIndex += aStepK;
        bIndex += bStepK;
      }
      out[outIndex++] = sum;
    }
  }
}

/**
 * Byte offsets from a frame's base of one shape's regions: A, B and C as given, packed Aᵀ, then B-panel scratch, one
 * slice per thread that may run the gemm.
 */
interface KernelLayout {
  readonly aAt: number;
  readonly bAt: number;
  readonly cAt: number;
  readonly packedAt: number;
  readonly scratchAt: number;
  readonly sliceBytes: number;
  /** The frame's size, with a vector of slack after B (the few-row gemm reads up to 7 floats past a row). */
  readonly bytes: number;
}

function describeLayout(m: number, k: number, n: number, transA: boolean, threads: number): KernelLayout {
  const aAt = 0;
  const bAt = alignUp(aAt + m * k * BYTES_PER_F32, REGION_ALIGN_BYTES);
  const cAt = alignUp(bAt + k * n * BYTES_PER_F32 + SLACK_BYTES, REGION_ALIGN_BYTES);
  const packedAt = alignUp(cAt + m * n * BYTES_PER_F32, REGION_ALIGN_BYTES);
  const scratchAt = alignUp(packedAt + gemmPackedABytes({ m, k, batch: 1, transA }), REGION_ALIGN_BYTES);
  const sliceBytes = alignUp(gemmScratchBytes({ k }), REGION_ALIGN_BYTES);
  return { aAt, bAt, cAt, packedAt, scratchAt, sliceBytes, bytes: scratchAt + sliceBytes * threads + SLACK_BYTES };
}

/** One shape's compiled product: jit's gemm ({@link emitGemm}) over the regions of {@link KernelLayout}. */
interface MatmulKernel {
  readonly layout: KernelLayout;
  /** Packs transposed A (only with transA) in the frame at `base`. */
  readonly packA?: (base: number) => void;
  /** C for column panels [from, to) of the frame at `base`, with B-panel scratch at `scratch` from it. */
  readonly gemm: (base: number, from: number, to: number, scratch: number) => void;
  /** Where the product is split: the pool that has the module, its id there, and the call site's record. */
  readonly threads?: { pool: KernelPool; id: number; site: ThreadSite };
}

const kernelCache = new Map<string, MatmulKernel>();
/** Lets the kernel threads drop a module once its kernel has left the cache and is garbage. */
const workerModules = new FinalizationRegistry<{ pool: KernelPool; id: number }>(({ pool, id }) => pool.release(id));

function kernelFor(m: number, k: number, n: number, transA: boolean, transB: boolean): MatmulKernel {
  const key = `${m}x${k}x${n}${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    if (kernelCache.size >= KERNEL_CACHE_LIMIT) kernelCache.delete(kernelCache.keys().next().value!);
    const pool = m * k * n >= GEMM_THREAD_MIN_MACS && gemmPanels(n) >= 2 ? kernelPool(arena.memory, arena.shared) : null;
    const layout = describeLayout(m, k, n, transA, pool ? pool.size + 1 : 1);
    const mod = new ModuleBuilder({ relaxedSimd: relaxedSimdAvailable() });
    mod.importMemory('env', 'memory', arena.limits);
    const spec = { m, k, n, batch: 1, transA, transB, a: layout.aAt, b: layout.bAt };
    mod.exportFunc('gemm', emitGemm(mod, spec, layout.cAt, layout.packedAt, (cBase) => storeC(n, cBase)));
    if (transA) mod.exportFunc('packA', emitPackA(mod, spec, layout.packedAt));
    const module = mod.compile();
    const exports = new wasmApi.Instance(module, { env: { memory: arena.memory } }).exports as unknown as Pick<MatmulKernel, 'gemm' | 'packA'>;
    const threads = pool ? { pool, id: pool.load(module, ['gemm'], {}), site: { bad: 0, backoff: 0 } } : undefined;
    kernel = { layout, gemm: exports.gemm, packA: exports.packA, threads };
    if (threads) workerModules.register(kernel, { pool: threads.pool, id: threads.id });
    kernelCache.set(key, kernel);
  }
  return kernel;
}
