// f32 matrix multiply (NN/NT/TN/TT, batched) on runtime-emitted, shape-specialised wasm SIMD128 kernels.

import { ModuleBuilder, emitAddToLocal, emitCountedLoop, i32, v128, relaxedSimdAvailable, type FunctionBuilder, type Local } from './emitter.ts';
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

const BYTES_PER_F32 = 4;
const BYTES_PER_V128 = 16;
const F32_PER_V128 = 4;
const WASM_PAGE_BYTES = 65536;
/** Size of the shared kernel memory when first created (1 MiB); it grows on demand. */
const INITIAL_MEMORY_PAGES = 16;
/** Rows of C per register tile (one f32 splat of A per row and k step). */
const TILE_ROWS = 4;
/** v128 columns of C per register tile; the 4×2 accumulators plus 2 B vectors and 1 A splat fit in 16 xmm registers. */
const TILE_COLUMN_VECTORS = 2;
const TILE_COLUMNS = TILE_COLUMN_VECTORS * F32_PER_V128;
/** Upper bound of the k extent of one pass: a B panel (k_block × 8 floats, 16 KiB) stays in L1. */
const MAX_K_BLOCK = 512;
/** Below this many multiply-adds (m·n·k) a plain JS loop beats copying + packing + wasm calls (measured). */
const SMALL_PROBLEM_MACS = 256;
/** Compiled kernels kept; the oldest is dropped first. */
const KERNEL_CACHE_LIMIT = 128;
/** Regions of the shared memory start on cache-line boundaries (in floats). */
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
  const kernel = kernelFor(layout, transA, transB);
  const { aSource, bSource, packedA, packedB, c, end } = layout.regions;
  const heap = heapWithCapacity(end * BYTES_PER_F32);
  for (let entry = 0; entry < batch; entry++) {
    if (entry === 0 || aStride !== 0) {
      heap.set(a.subarray(entry * aStride, entry * aStride + m * k), aSource);
      kernel.packA(aSource * BYTES_PER_F32, packedA * BYTES_PER_F32);
    }
    if (entry === 0 || bStride !== 0) {
      heap.set(b.subarray(entry * bStride, entry * bStride + k * n), bSource);
      kernel.packB(bSource * BYTES_PER_F32, packedB * BYTES_PER_F32);
    }
    kernel.multiply(packedA * BYTES_PER_F32, packedB * BYTES_PER_F32, c * BYTES_PER_F32);
    copyOut(heap, c, layout, out, entry * m * n);
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
  /** Row stride of C in wasm memory: n rounded up to a multiple of 4. */
  readonly paddedColumns: number;
  /** Start (in floats) of each region of the shared memory, and its end. */
  readonly regions: {
    readonly aSource: number;
    readonly bSource: number;
    readonly packedA: number;
    readonly packedB: number;
    readonly c: number;
    readonly end: number;
  };
}

function describeLayout(m: number, k: number, n: number): KernelLayout {
  const fullColumnPanels = Math.floor(n / TILE_COLUMNS);
  const edgeColumnVectors = Math.ceil((n % TILE_COLUMNS) / F32_PER_V128);
  const paddedColumns = fullColumnPanels * TILE_COLUMNS + edgeColumnVectors * F32_PER_V128;
  const aSource = 0;
  const bSource = alignUp(aSource + m * k, REGION_ALIGN_FLOATS);
  const packedA = alignUp(bSource + k * n, REGION_ALIGN_FLOATS);
  const packedB = alignUp(packedA + m * k, REGION_ALIGN_FLOATS);
  const c = alignUp(packedB + paddedColumns * k, REGION_ALIGN_FLOATS);
  return {
    m,
    k,
    n,
    fullRowPanels: Math.floor(m / TILE_ROWS),
    edgeRows: m % TILE_ROWS,
    fullColumnPanels,
    edgeColumnVectors,
    paddedColumns,
    regions: { aSource, bSource, packedA, packedB, c, end: c + m * paddedColumns },
  };
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

/** The exports of one kernel module; all arguments are byte offsets into the shared memory. */
interface MatmulKernel {
  /** Packs the source copy of A into row panels (see {@link emitPackFunction}). */
  packA(source: number, packed: number): void;
  /** Packs the source copy of B into column panels. */
  packB(source: number, packed: number): void;
  /** C (rows of `paddedColumns` floats) = packed A · packed B. */
  multiply(packedA: number, packedB: number, c: number): void;
}

const kernelCache = new Map<string, MatmulKernel>();

function kernelFor(layout: KernelLayout, transA: boolean, transB: boolean): MatmulKernel {
  const key = `${layout.m}x${layout.k}x${layout.n}${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    if (kernelCache.size >= KERNEL_CACHE_LIMIT) kernelCache.delete(kernelCache.keys().next().value!);
    const module = emitKernelModule(layout, transA, transB, relaxedSimdAvailable());
    kernel = new wasmApi.Instance(module, { env: { memory: sharedKernelMemory() } }).exports as unknown as MatmulKernel;
    kernelCache.set(key, kernel);
  }
  return kernel;
}

/** Emits the module exporting `packA`, `packB` and `multiply` for one shape and layout. */
function emitKernelModule(layout: KernelLayout, transA: boolean, transB: boolean, relaxed: boolean): WasmModule {
  const { m, k, n } = layout;
  const mod = new ModuleBuilder({ relaxedSimd: relaxed });
  mod.importMemory('env', 'memory', { initial: 1 });
  const packA = emitPackFunction(mod, {
    k,
    fullPanels: layout.fullRowPanels,
    panelLanes: TILE_ROWS,
    edgeLanes: layout.edgeRows,
    edgeWidth: layout.edgeRows,
    laneStride: transA ? 1 : k,
    stepStride: transA ? m : 1,
  });
  const packB = emitPackFunction(mod, {
    k,
    fullPanels: layout.fullColumnPanels,
    panelLanes: TILE_COLUMNS,
    edgeLanes: n % TILE_COLUMNS,
    edgeWidth: layout.edgeColumnVectors * F32_PER_V128,
    laneStride: transB ? k : 1,
    stepStride: transB ? 1 : n,
  });
  const multiply = mod.func([i32, i32, i32], [], (f) => new MultiplyEmitter(f, layout, relaxed).emit());
  mod.exportFunc('packA', packA);
  mod.exportFunc('packB', packB);
  mod.exportFunc('multiply', multiply);
  return mod.compile();
}

/**
 * How one operand is packed: `fullPanels` panels of `panelLanes` lanes (rows of op(A) or columns of
 * op(B)), each stored k-major with `panelLanes` floats per k step, then an edge panel of `edgeLanes`
 * real lanes stored `edgeWidth` floats per k step. Source element (lane, step) of a panel is at
 * lane·laneStride + step·stepStride from the panel's first lane.
 */
interface PanelPacking {
  readonly k: number;
  readonly fullPanels: number;
  readonly panelLanes: number;
  readonly edgeLanes: number;
  readonly edgeWidth: number;
  readonly laneStride: number;
  readonly stepStride: number;
}

/**
 * Emits `pack(source, packed)`: per panel and k step, copies the panel's lanes, with v128 moves where
 * lanes are contiguous in the source and f32 moves at constant offsets otherwise. Lanes of the edge
 * panel past `edgeLanes` (up to `edgeWidth`) only reach C columns that are never read, but they are
 * multiplied, so they are zeroed: stale subnormal floats would slow every SIMD multiply on them.
 */
function emitPackFunction(mod: ModuleBuilder, packing: PanelPacking) {
  const { k, fullPanels, panelLanes, edgeLanes, edgeWidth, laneStride, stepStride } = packing;
  return mod.func([i32, i32], [], (f) => {
    const [sourcePanel, packedPanel] = f.params as [Local, Local];
    const source = f.declareLocal(i32);
    const packed = f.declareLocal(i32);
    const panelCounter = f.declareLocal(i32);
    const stepCounter = f.declareLocal(i32);
    const emitPanel = (lanes: number, width: number): void => {
      f.local.get(sourcePanel);
      f.local.set(source);
      f.local.get(packedPanel);
      f.local.set(packed);
      emitCountedLoop(f, k, stepCounter, () => {
        const vectorLanes = laneStride === 1 ? lanes - (lanes % F32_PER_V128) : 0;
        for (let lane = 0; lane < vectorLanes; lane += F32_PER_V128) {
          f.local.get(packed);
          f.local.get(source);
          f.v128.load(lane * BYTES_PER_F32);
          f.v128.store(lane * BYTES_PER_F32);
        }
        for (let lane = vectorLanes; lane < lanes; lane++) {
          f.local.get(packed);
          f.local.get(source);
          f.f32.load(lane * laneStride * BYTES_PER_F32);
          f.f32.store(lane * BYTES_PER_F32);
        }
        for (let lane = lanes; lane < width; lane++) {
          f.local.get(packed);
          f.f32.const(0);
          f.f32.store(lane * BYTES_PER_F32);
        }
        emitAddToLocal(f, source, stepStride * BYTES_PER_F32);
        emitAddToLocal(f, packed, width * BYTES_PER_F32);
      });
    };
    emitCountedLoop(f, fullPanels, panelCounter, () => {
      emitPanel(panelLanes, panelLanes);
      emitAddToLocal(f, sourcePanel, panelLanes * laneStride * BYTES_PER_F32);
      emitAddToLocal(f, packedPanel, panelLanes * k * BYTES_PER_F32);
    });
    if (edgeLanes > 0) emitPanel(edgeLanes, edgeWidth);
  });
}



/**
 * Writes `multiply(packedA, packedB, c)`: k-block passes → column panels → row panels → a register
 * tile accumulating over the block's k steps. Every extent and stride is a constant of the shape.
 */
class MultiplyEmitter {
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
  private readonly stepCounter: Local;
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
    this.stepCounter = f.declareLocal(i32);
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
    this.f.i32.const(blockK);
    this.f.local.set(this.kStart);
    emitCountedLoop(this.f, uniformBlocks, this.blockCounter, () => {
      this.emitPass(blockK, true);
      emitAddToLocal(this.f, this.kStart, blockK);
    });
    if (lastBlockK !== blockK) this.emitPass(lastBlockK, true);
  }

  /** One k block [kStart, kStart + blockK) over all of C; adds into C unless it is the first block. */
  private emitPass(blockK: number, accumulate: boolean): void {
    const { k, fullColumnPanels, edgeColumnVectors } = this.layout;
    if (fullColumnPanels > 0) {
      this.setToBlockStart(this.bPanel, this.packedB, 0, TILE_COLUMNS);
      this.setToOffset(this.cColumn, this.c, 0);
      emitCountedLoop(this.f, fullColumnPanels, this.columnCounter, () => {
        this.emitRowSweep(TILE_COLUMN_VECTORS, blockK, accumulate);
        emitAddToLocal(this.f, this.bPanel, TILE_COLUMNS * k * BYTES_PER_F32);
        emitAddToLocal(this.f, this.cColumn, TILE_COLUMNS * BYTES_PER_F32);
      });
    }
    if (edgeColumnVectors > 0) {
      const panelOffset = fullColumnPanels * TILE_COLUMNS * k * BYTES_PER_F32;
      this.setToBlockStart(this.bPanel, this.packedB, panelOffset, edgeColumnVectors * F32_PER_V128);
      this.setToOffset(this.cColumn, this.c, fullColumnPanels * TILE_COLUMNS * BYTES_PER_F32);
      this.emitRowSweep(edgeColumnVectors, blockK, accumulate);
    }
  }

  /** All row panels of A against the current B panel, writing the C column strip at cColumn. */
  private emitRowSweep(columnVectors: number, blockK: number, accumulate: boolean): void {
    const { k, fullRowPanels, edgeRows, paddedColumns } = this.layout;
    if (fullRowPanels > 0) {
      this.setToBlockStart(this.aPanel, this.packedA, 0, TILE_ROWS);
      this.setToOffset(this.cTile, this.cColumn, 0);
      emitCountedLoop(this.f, fullRowPanels, this.rowCounter, () => {
        this.emitTile(TILE_ROWS, columnVectors, blockK, accumulate);
        emitAddToLocal(this.f, this.aPanel, TILE_ROWS * k * BYTES_PER_F32);
        emitAddToLocal(this.f, this.cTile, TILE_ROWS * paddedColumns * BYTES_PER_F32);
      });
    }
    if (edgeRows > 0) {
      this.setToBlockStart(this.aPanel, this.packedA, fullRowPanels * TILE_ROWS * k * BYTES_PER_F32, edgeRows);
      this.setToOffset(this.cTile, this.cColumn, fullRowPanels * TILE_ROWS * paddedColumns * BYTES_PER_F32);
      this.emitTile(edgeRows, columnVectors, blockK, accumulate);
    }
  }

  /**
   * A rows × (columnVectors·4) tile of C over blockK k steps, accumulators in locals. The k loop is
   * deliberately not unrolled: V8 then keeps the tile in registers, and unrolling measured slower.
   */
  private emitTile(rows: number, columnVectors: number, blockK: number, accumulate: boolean): void {
    const { f } = this;
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < columnVectors; v++) {
        f.v128.zero();
        f.local.set(this.accumulators[r]![v]!);
      }
    }
    this.setToOffset(this.aCursor, this.aPanel, 0);
    this.setToOffset(this.bCursor, this.bPanel, 0);
    emitCountedLoop(f, blockK, this.stepCounter, () => {
      this.emitKStep(rows, columnVectors);
      emitAddToLocal(f, this.aCursor, rows * BYTES_PER_F32);
      emitAddToLocal(f, this.bCursor, columnVectors * BYTES_PER_V128);
    });

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

  /** acc[r][v] += A[r, p] · B[p, v] for the k step p at the cursors. */
  private emitKStep(rows: number, columnVectors: number): void {
    const { f } = this;
    for (let v = 0; v < columnVectors; v++) {
      f.local.get(this.bCursor);
      f.v128.load(v * BYTES_PER_V128);
      f.local.set(this.bVectors[v]!);
    }
    for (let r = 0; r < rows; r++) {
      f.local.get(this.aCursor);
      f.v128.load32Splat(r * BYTES_PER_F32);
      f.local.set(this.aSplat);
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

  /** local = base + offsetBytes. */
  private setToOffset(local: Local, base: Local, offsetBytes: number): void {
    this.f.local.get(base);
    if (offsetBytes !== 0) {
      this.f.i32.const(offsetBytes);
      this.f.i32.add();
    }
    this.f.local.set(local);
  }

  /** local = base + offsetBytes + kStart·panelWidth·4: the current block's first k step in a panel. */
  private setToBlockStart(local: Local, base: Local, offsetBytes: number, panelWidth: number): void {
    const { f } = this;
    f.local.get(base);
    if (offsetBytes !== 0) {
      f.i32.const(offsetBytes);
      f.i32.add();
    }
    f.local.get(this.kStart);
    f.i32.const(panelWidth * BYTES_PER_F32);
    f.i32.mul();
    f.i32.add();
    f.local.set(local);
  }
}
