// f32 matrix multiply (NN/NT/TN/TT, batched) on runtime-emitted, shape-specialised wasm SIMD128 kernels.

import { ModuleBuilder, i32, v128, relaxedSimdAvailable, type FunctionBuilder, type Local } from './emitter.ts';
import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.ts';

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

/** Rows of C per register tile (one f32 splat of A per row and k step). */
const TILE_ROWS = 4;
/** v128 columns of C per register tile; TILE_ROWS × TILE_COLUMN_VECTORS accumulators stay in registers. */
const TILE_COLUMN_VECTORS = 2;
const TILE_COLUMNS = TILE_COLUMN_VECTORS * 4;
/** Upper bound of the k extent of one pass, so a B panel (k_block × 8 floats) stays in L1. */
const MAX_K_BLOCK = 256;
/** k steps per inner-loop iteration (straight-line code with immediate offsets). */
const K_UNROLL = 4;
/** Below this many multiply-adds (m·n·k) a plain JS loop beats packing + a wasm call (see the benchmark). */
const SMALL_PROBLEM_MACS = 4096;
/** Compiled kernels kept; the oldest is dropped first. */
const KERNEL_CACHE_LIMIT = 128;
const BYTES_PER_F32 = 4;
const BYTES_PER_V128 = 16;
const WASM_PAGE_BYTES = 65536;
/** Packed regions start on cache-line boundaries (in floats). */
const REGION_ALIGN_FLOATS = 16;

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

  const layout = describeLayout(m, k, n);
  const kernel = kernelFor(layout);
  const packedAStart = 0;
  const packedBStart = alignUp(packedAStart + m * k, REGION_ALIGN_FLOATS);
  const cStart = alignUp(packedBStart + layout.paddedColumns * k, REGION_ALIGN_FLOATS);
  const heap = heapWithCapacity((cStart + m * layout.paddedColumns) * BYTES_PER_F32);
  for (let entry = 0; entry < batch; entry++) {
    if (entry === 0 || aStride !== 0) packA(a, entry * aStride, transA, m, k, heap, packedAStart);
    if (entry === 0 || bStride !== 0) packB(b, entry * bStride, transB, k, n, layout, heap, packedBStart);
    kernel(packedAStart * BYTES_PER_F32, packedBStart * BYTES_PER_F32, cStart * BYTES_PER_F32);
    copyOut(heap, cStart, layout, out, entry * m * n);
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

/** How an (m, k, n) problem is cut into register tiles and laid out in wasm memory. */
interface KernelLayout {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Row panels of TILE_ROWS rows; a last panel of `edgeRows` rows follows if m is not a multiple. */
  readonly fullRowPanels: number;
  readonly edgeRows: number;
  /** Column panels of TILE_COLUMNS columns, then an edge panel of `edgeColumnVectors` v128 columns. */
  readonly fullColumnPanels: number;
  readonly edgeColumnVectors: number;
  /** Row stride of the packed B rows and of C in wasm memory: n rounded up to a multiple of 4. */
  readonly paddedColumns: number;
}

function describeLayout(m: number, k: number, n: number): KernelLayout {
  const fullColumnPanels = Math.floor(n / TILE_COLUMNS);
  const edgeColumnVectors = Math.ceil((n % TILE_COLUMNS) / 4);
  return {
    m,
    k,
    n,
    fullRowPanels: Math.floor(m / TILE_ROWS),
    edgeRows: m % TILE_ROWS,
    fullColumnPanels,
    edgeColumnVectors,
    paddedColumns: fullColumnPanels * TILE_COLUMNS + edgeColumnVectors * 4,
  };
}

/**
 * Packs op(A) into row panels: panel by panel (TILE_ROWS rows, the last one `m % TILE_ROWS`),
 * and within a panel k-major, so the kernel reads each panel strictly sequentially.
 */
function packA(
  src: Float32Array,
  offset: number,
  transA: boolean,
  m: number,
  k: number,
  heap: Float32Array,
  start: number,
): void {
  for (let firstRow = 0; firstRow < m; firstRow += TILE_ROWS) {
    const rows = Math.min(TILE_ROWS, m - firstRow);
    const panelStart = start + firstRow * k;
    if (transA) {
      // Stored [k, m]: the panel's rows are contiguous for each p.
      let target = panelStart;
      for (let p = 0; p < k; p++) {
        const source = offset + p * m + firstRow;
        for (let r = 0; r < rows; r++) heap[target++] = src[source + r]!;
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const source = offset + (firstRow + r) * k;
        let target = panelStart + r;
        for (let p = 0; p < k; p++) {
          heap[target] = src[source + p]!;
          target += rows;
        }
      }
    }
  }
}

/**
 * Packs op(B) into column panels of TILE_COLUMNS columns (the last one `edgeColumnVectors`·4 wide),
 * k-major within a panel. Lanes past n are left as they are: they only feed C columns past n,
 * which are never copied out.
 */
function packB(
  src: Float32Array,
  offset: number,
  transB: boolean,
  k: number,
  n: number,
  layout: KernelLayout,
  heap: Float32Array,
  start: number,
): void {
  let panelStart = start;
  for (let firstColumn = 0; firstColumn < n; firstColumn += TILE_COLUMNS) {
    const width = firstColumn + TILE_COLUMNS <= n ? TILE_COLUMNS : layout.edgeColumnVectors * 4;
    const columns = Math.min(width, n - firstColumn);
    if (transB) {
      // Stored [n, k]: each column of op(B) is a contiguous row of the source.
      for (let c = 0; c < columns; c++) {
        const source = offset + (firstColumn + c) * k;
        let target = panelStart + c;
        for (let p = 0; p < k; p++) {
          heap[target] = src[source + p]!;
          target += width;
        }
      }
    } else {
      let target = panelStart;
      for (let p = 0; p < k; p++) {
        const source = offset + p * n + firstColumn;
        for (let c = 0; c < columns; c++) heap[target + c] = src[source + c]!;
        target += width;
      }
    }
    panelStart += width * k;
  }
}

function copyOut(heap: Float32Array, cStart: number, layout: KernelLayout, out: Float32Array, outStart: number): void {
  const { m, n, paddedColumns } = layout;
  if (paddedColumns === n) {
    out.set(heap.subarray(cStart, cStart + m * n), outStart);
    return;
  }
  let target = outStart;
  for (let row = 0; row < m; row++) {
    const source = cStart + row * paddedColumns;
    for (let column = 0; column < n; column++) out[target++] = heap[source + column]!;
  }
}

let sharedMemory: WasmMemory | undefined;
let heapView: Float32Array = new Float32Array(0);

/** The shared kernel memory, grown to at least `bytes`, as a fresh f32 view (views detach on grow). */
function heapWithCapacity(bytes: number): Float32Array {
  sharedMemory ??= new wasmApi.Memory({ initial: 16 });
  const available = sharedMemory.buffer.byteLength;
  if (available < bytes) sharedMemory.grow(Math.ceil((bytes - available) / WASM_PAGE_BYTES));
  if (heapView.buffer !== sharedMemory.buffer) heapView = new Float32Array(sharedMemory.buffer);
  return heapView;
}

type MatmulKernel = (packedAByteOffset: number, packedBByteOffset: number, cByteOffset: number) => void;

const kernelCache = new Map<string, MatmulKernel>();

function kernelFor(layout: KernelLayout): MatmulKernel {
  const key = `${layout.m}x${layout.k}x${layout.n}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    if (kernelCache.size >= KERNEL_CACHE_LIMIT) kernelCache.delete(kernelCache.keys().next().value!);
    heapWithCapacity(0);
    const instance = new wasmApi.Instance(emitKernelModule(layout, relaxedSimdAvailable()), {
      env: { memory: sharedMemory! },
    });
    kernel = instance.exports['matmul'] as MatmulKernel;
    kernelCache.set(key, kernel);
  }
  return kernel;
}

/** Emits the module `matmul(packedA, packedB, c)` computing the whole product for one shape. */
function emitKernelModule(layout: KernelLayout, relaxed: boolean): WasmModule {
  const mod = new ModuleBuilder({ relaxedSimd: relaxed });
  mod.importMemory('env', 'memory', { initial: 1 });
  const matmul = mod.func([i32, i32, i32], [], (f) => new KernelEmitter(f, layout, relaxed).emit());
  mod.exportFunc('matmul', matmul);
  return mod.compile();
}

/**
 * Writes the kernel body: k-block passes → column panels → row panels → a register tile whose inner
 * k loop is unrolled with immediate offsets. Every extent is a compile-time constant of the shape.
 */
class KernelEmitter {
  private readonly packedA: Local;
  private readonly packedB: Local;
  private readonly c: Local;
  private readonly kStart: Local;
  private readonly bPanel: Local;
  private readonly cColumn: Local;
  private readonly aPanel: Local;
  private readonly cTile: Local;
  private readonly aCursor: Local;
  private readonly bCursor: Local;
  private readonly blockCounter: Local;
  private readonly columnCounter: Local;
  private readonly rowCounter: Local;
  private readonly kCounter: Local;
  private readonly accumulators: Local[][];
  private readonly bVectors: Local[];
  private readonly aSplat: Local;

  constructor(
    private readonly f: FunctionBuilder,
    private readonly layout: KernelLayout,
    private readonly relaxed: boolean,
  ) {
    [this.packedA, this.packedB, this.c] = f.params as [Local, Local, Local];
    this.kStart = f.declareLocal(i32);
    this.bPanel = f.declareLocal(i32);
    this.cColumn = f.declareLocal(i32);
    this.aPanel = f.declareLocal(i32);
    this.cTile = f.declareLocal(i32);
    this.aCursor = f.declareLocal(i32);
    this.bCursor = f.declareLocal(i32);
    this.blockCounter = f.declareLocal(i32);
    this.columnCounter = f.declareLocal(i32);
    this.rowCounter = f.declareLocal(i32);
    this.kCounter = f.declareLocal(i32);
    this.accumulators = Array.from({ length: TILE_ROWS }, () =>
      Array.from({ length: TILE_COLUMN_VECTORS }, () => f.declareLocal(v128)),
    );
    this.bVectors = Array.from({ length: TILE_COLUMN_VECTORS }, () => f.declareLocal(v128));
    this.aSplat = f.declareLocal(v128);
  }

  emit(): void {
    const { k } = this.layout;
    const blocks = Math.ceil(k / MAX_K_BLOCK);
    const blockK = Math.ceil(k / blocks);
    const lastBlockK = k - (blocks - 1) * blockK;
    this.emitPass(blockK, false);
    if (blocks === 1) return;
    const uniformBlocks = lastBlockK === blockK ? blocks - 1 : blocks - 2;
    this.setLocal(this.kStart, () => this.f.i32.const(blockK));
    this.countedLoop(uniformBlocks, this.blockCounter, () => {
      this.emitPass(blockK, true);
      this.addToLocal(this.kStart, blockK);
    });
    if (lastBlockK !== blockK) this.emitPass(lastBlockK, true);
  }

  /** One k block [kStart, kStart + blockK) over all of C; adds into C unless it is the first block. */
  private emitPass(blockK: number, accumulate: boolean): void {
    const { k, fullColumnPanels, edgeColumnVectors } = this.layout;
    if (fullColumnPanels > 0) {
      this.setLocal(this.bPanel, () => this.pointerPlusKStart(this.packedB, 0, TILE_COLUMNS));
      this.setLocal(this.cColumn, () => this.f.local.get(this.c));
      this.countedLoop(fullColumnPanels, this.columnCounter, () => {
        this.emitRowSweep(TILE_COLUMN_VECTORS, blockK, accumulate);
        this.addToLocal(this.bPanel, TILE_COLUMNS * k * BYTES_PER_F32);
        this.addToLocal(this.cColumn, TILE_COLUMNS * BYTES_PER_F32);
      });
    }
    if (edgeColumnVectors > 0) {
      const panelOffset = fullColumnPanels * TILE_COLUMNS * k * BYTES_PER_F32;
      this.setLocal(this.bPanel, () => this.pointerPlusKStart(this.packedB, panelOffset, edgeColumnVectors * 4));
      this.setLocal(this.cColumn, () => this.pointerPlus(this.c, fullColumnPanels * TILE_COLUMNS * BYTES_PER_F32));
      this.emitRowSweep(edgeColumnVectors, blockK, accumulate);
    }
  }

  /** All row panels of A against the current B panel, writing the C column strip at cColumn. */
  private emitRowSweep(columnVectors: number, blockK: number, accumulate: boolean): void {
    const { k, fullRowPanels, edgeRows, paddedColumns } = this.layout;
    if (fullRowPanels > 0) {
      this.setLocal(this.aPanel, () => this.pointerPlusKStart(this.packedA, 0, TILE_ROWS));
      this.setLocal(this.cTile, () => this.f.local.get(this.cColumn));
      this.countedLoop(fullRowPanels, this.rowCounter, () => {
        this.emitTile(TILE_ROWS, columnVectors, blockK, accumulate);
        this.addToLocal(this.aPanel, TILE_ROWS * k * BYTES_PER_F32);
        this.addToLocal(this.cTile, TILE_ROWS * paddedColumns * BYTES_PER_F32);
      });
    }
    if (edgeRows > 0) {
      const panelOffset = fullRowPanels * TILE_ROWS * k * BYTES_PER_F32;
      this.setLocal(this.aPanel, () => this.pointerPlusKStart(this.packedA, panelOffset, edgeRows));
      this.setLocal(this.cTile, () => this.pointerPlus(this.cColumn, fullRowPanels * TILE_ROWS * paddedColumns * BYTES_PER_F32));
      this.emitTile(edgeRows, columnVectors, blockK, accumulate);
    }
  }

  /** A rows × (columnVectors·4) tile of C over blockK steps of k, accumulators held in locals. */
  private emitTile(rows: number, columnVectors: number, blockK: number, accumulate: boolean): void {
    const { f } = this;
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < columnVectors; v++) this.setLocal(this.accumulators[r]![v]!, () => f.v128.zero());
    }
    this.setLocal(this.aCursor, () => f.local.get(this.aPanel));
    this.setLocal(this.bCursor, () => f.local.get(this.bPanel));
    this.countedLoop(Math.floor(blockK / K_UNROLL), this.kCounter, () => {
      for (let step = 0; step < K_UNROLL; step++) this.emitKStep(rows, columnVectors, step);
      this.addToLocal(this.aCursor, K_UNROLL * rows * BYTES_PER_F32);
      this.addToLocal(this.bCursor, K_UNROLL * columnVectors * BYTES_PER_V128);
    });
    for (let step = 0; step < blockK % K_UNROLL; step++) this.emitKStep(rows, columnVectors, step);

    const rowBytes = this.layout.paddedColumns * BYTES_PER_F32;
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < columnVectors; v++) {
        const offset = r * rowBytes + v * BYTES_PER_V128;
        f.local.get(this.cTile);
        if (accumulate) {
          f.local.get(this.cTile);
          f.v128.load(offset);
          f.local.get(this.accumulators[r]![v]!);
          f.f32x4.add();
        } else {
          f.local.get(this.accumulators[r]![v]!);
        }
        f.v128.store(offset);
      }
    }
  }

  /** acc[r][v] += A[r, step] · B[step, v] for the k step at `step` past the cursors. */
  private emitKStep(rows: number, columnVectors: number, step: number): void {
    const { f } = this;
    for (let v = 0; v < columnVectors; v++) {
      this.setLocal(this.bVectors[v]!, () => {
        f.local.get(this.bCursor);
        f.v128.load((step * columnVectors + v) * BYTES_PER_V128);
      });
    }
    for (let r = 0; r < rows; r++) {
      this.setLocal(this.aSplat, () => {
        f.local.get(this.aCursor);
        f.v128.load32Splat((step * rows + r) * BYTES_PER_F32);
      });
      for (let v = 0; v < columnVectors; v++) {
        const accumulator = this.accumulators[r]![v]!;
        if (this.relaxed) {
          f.local.get(this.bVectors[v]!);
          f.local.get(this.aSplat);
          f.local.get(accumulator);
          f.f32x4.relaxedMadd();
        } else {
          f.local.get(accumulator);
          f.local.get(this.bVectors[v]!);
          f.local.get(this.aSplat);
          f.f32x4.mul();
          f.f32x4.add();
        }
        f.local.set(accumulator);
      }
    }
  }

  /** Runs `body` `count` times (inline when count is 1, nothing when 0) using `counter`. */
  private countedLoop(count: number, counter: Local, body: () => void): void {
    if (count <= 0) return;
    if (count === 1) {
      body();
      return;
    }
    const { f } = this;
    this.setLocal(counter, () => f.i32.const(count));
    f.loop((top) => {
      body();
      f.local.get(counter);
      f.i32.const(1);
      f.i32.sub();
      f.local.tee(counter);
      f.brIf(top);
    });
  }

  private setLocal(local: Local, pushValue: () => void): void {
    pushValue();
    this.f.local.set(local);
  }

  private addToLocal(local: Local, amount: number): void {
    this.setLocal(local, () => this.pointerPlus(local, amount));
  }

  private pointerPlus(base: Local, bytes: number): void {
    this.f.local.get(base);
    if (bytes !== 0) {
      this.f.i32.const(bytes);
      this.f.i32.add();
    }
  }

  /** base + offsetBytes + kStart·panelWidth·4: the first k step of the current block inside a panel. */
  private pointerPlusKStart(base: Local, offsetBytes: number, panelWidth: number): void {
    this.pointerPlus(base, offsetBytes);
    this.f.local.get(this.kStart);
    this.f.i32.const(panelWidth * BYTES_PER_F32);
    this.f.i32.mul();
    this.f.i32.add();
  }
}
