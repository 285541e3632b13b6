// Shape-specialised f32 GEMM on arena offsets: 4×8 register tiles over packed B panels (and packed A when transposed), pluggable tile epilogue.
import { type FuncRef, type FunctionBuilder, type Local, type ModuleBuilder, emitAddToLocal, emitCountedLoop, i32, v128 } from "./emitter.ts";

/** Rows of C per register tile. */
export const GEMM_TILE_ROWS = 4;
/** Columns of C per register tile (two f32x4 vectors): 8 accumulators + 2 B vectors + 1 A splat fit the 16 xmm registers. */
export const GEMM_TILE_COLS = 8;

/** C[batch] = op(A)·op(B) with A, B, C at byte offsets from the function's `base` argument. */
export interface GemmSpec {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly batch: number;
  /** A is stored [k, m] (else [m, k]). */
  readonly transA: boolean;
  /** B is stored [n, k] (else [k, n]). */
  readonly transB: boolean;
  /** Byte offsets from `base` of the first A and B matrices. */
  readonly a: number;
  readonly b: number;
}

/** Where a finished tile goes: C in memory, or a fused elementwise computation that stores something else. */
export interface TileEpilogue {
  /** Called at the start of each tile's epilogue with locals holding the tile's first row and column of C. */
  begin(f: FunctionBuilder, row: Local, col: Local): void;
  /** Stores accumulator `acc` (row `r`, vector `v` of the tile), of which the first `lanes` lanes are inside C. */
  store(f: FunctionBuilder, acc: Local, r: number, v: number, lanes: number): void;
}

/** The epilogue writing C itself, [batch, m, n] row-major at byte offset `c` from base (`cBase` local per batch entry). */
export function storeC(n: number, cBase: () => Local): TileEpilogue {
  let addr: Local;
  return {
    begin(f, row, col) {
      addr ??= f.declareLocal(i32);
      f.local.get(cBase());
      f.local.get(row);
      f.i32.const(n * 4);
      f.i32.mul();
      f.i32.add();
      f.local.get(col);
      f.i32.const(4);
      f.i32.mul();
      f.i32.add();
      f.local.set(addr);
    },
    store(f, acc, r, v, lanes) {
      const offset = (r * n + v * 4) * 4;
      if (lanes === 4) {
        f.local.get(addr);
        f.local.get(acc);
        f.v128.store(offset, 2);
        return;
      }
      for (let lane = 0; lane < lanes; lane++) {
        f.local.get(addr);
        f.local.get(acc);
        f.v128.store32Lane(lane, offset + lane * 4);
      }
    },
  };
}


/** Emits a loop running `body` while `counter` counts from its current value up to the value of `end` (exclusive). */
function upTo(f: FunctionBuilder, counter: Local, end: Local | number, body: () => void): void {
  f.block((exit) => {
    f.local.get(counter);
    if (typeof end === "number") f.i32.const(end);
    else f.local.get(end);
    f.i32.geS();
    f.brIf(exit);
    f.loop((top) => {
      body();
      emitAddToLocal(f, counter, 1);
      f.local.get(counter);
      if (typeof end === "number") f.i32.const(end);
      else f.local.get(end);
      f.i32.ltS();
      f.brIf(top);
    });
  });
}


/**
 * Column panels of B packed together ({@link emitGemm}): walking untransposed B's rows once per group reads 8 × 32
 * contiguous bytes per row instead of 32 bytes from each of k rows a page apart per panel (at k = n = 1024 the
 * panel-by-panel walk made NN 6–21 % slower than NT on one thread); and every panel of a group passes over the same
 * block of A's rows while it is in L2.
 */
const B_PANEL_GROUP = 8;
/** A group's packed panels stay within this many bytes (so that they stay in L2 while swept): fewer panels for long k. */
const B_GROUP_BYTES = 512 * 1024;
/**
 * Rows of A swept against a packed group at a time stay within this many bytes, so that with the group's panels they stay
 * in L2 (2 MiB per core on the project machine) while each panel of the group passes over them: at 1024³, A (4 MiB) was
 * otherwise streamed from L3 once per panel.
 */
const A_BLOCK_BYTES = 512 * 1024;

/**
 * Panels per scheduling unit when a gemm is split between threads: a pair of 8-float panels covers whole 64-byte lines
 * of each C row, so two threads never store into one line. A chunk of a wide product is still packed and swept a whole
 * group at a time where it holds one, then by pairs, so that its last, short grabs leave a thread little to wait for
 * (with whole groups as the unit, a thread waited ~2 ms of a 1024³ product's ~45 ms for the other's last group).
 */
export const GEMM_SPLIT_PANELS = 2;

/**
 * Products with at least this many multiply-adds (~250 µs on one thread) are split across kernel threads: waking a
 * worker takes tens of µs on an idle host, so smaller ones cannot gain (see benchmarks/tensor-jit/README.md).
 */
export const GEMM_THREAD_MIN_MACS = 1 << 22;

const panelGroup = (spec: Pick<GemmSpec, "k">): number =>
  Math.max(1, Math.min(B_PANEL_GROUP, Math.floor(B_GROUP_BYTES / (GEMM_TILE_COLS * 4 * spec.k))));

/**
 * Scratch bytes of one thread running {@link emitGemm}: packed B panels (8 columns × k each, contiguous so that their k
 * rows do not collide in cache sets as 2^n-strided rows of B would), one per panel of a group.
 */
export function gemmScratchBytes(spec: Pick<GemmSpec, "k">): number {
  return panelGroup(spec) * GEMM_TILE_COLS * 4 * spec.k;
}

/** Bytes of one batch entry of transposed A packed into 4-row panels ({@link emitPackA}); 0 when A is not transposed. */
function packedEntryBytes(spec: Pick<GemmSpec, "m" | "k" | "transA">): number {
  return spec.transA ? Math.ceil(spec.m / GEMM_TILE_ROWS) * GEMM_TILE_ROWS * 4 * spec.k : 0;
}

/** Bytes of transposed A packed for every batch entry ({@link emitPackA}), shared by all threads; 0 when A is not transposed. */
export function gemmPackedABytes(spec: Pick<GemmSpec, "m" | "k" | "batch" | "transA">): number {
  return spec.batch * packedEntryBytes(spec);
}

/** Emits `target = base + offset` (an arena address from the function's base argument and a constant byte offset). */
function setAddress(f: FunctionBuilder, target: Local, base: Local, offset: number): void {
  f.local.get(base);
  f.i32.const(offset);
  f.i32.add();
  f.local.set(target);
}

/**
 * Defines `packA(base)` for a gemm with transposed A (stored [k, m]): packs every batch entry into 4-row panels at byte
 * `packedAt` from base, packed[entry][panel][p·4 + r] = A[entry][p, 4·panel + r], where {@link emitGemm} reads them.
 * Runs once per call, before the column panels are shared between threads.
 */
export function emitPackA(mod: ModuleBuilder, spec: GemmSpec, packedAt: number): FuncRef {
  const { m, k, batch } = spec;
  return mod.func([i32], [], (f) => {
    const [base] = f.params as [Local];
    const src = f.declareLocal(i32);
    const dst = f.declareLocal(i32);
    const aRow = f.declareLocal(i32);
    const entry = f.declareLocal(i32);
    const rowPanel = f.declareLocal(i32);
    const p = f.declareLocal(i32);
    setAddress(f, aRow, base, spec.a);
    setAddress(f, dst, base, packedAt);
    const panels = Math.ceil(m / GEMM_TILE_ROWS);
    emitCountedLoop(f, batch, entry, () => {
      emitCountedLoop(f, panels, rowPanel, () => {
        f.local.get(aRow);
        f.local.set(src);
        emitCountedLoop(f, k, p, () => {
          if (m % GEMM_TILE_ROWS === 0) {
            f.local.get(dst);
            f.local.get(src);
            f.v128.load(0, 2);
            f.v128.store(0, 2);
          } else
            for (let r = 0; r < GEMM_TILE_ROWS; r++) {
              // Rows past m of the last panel are copied too when in range; they only reach C rows that are not stored.
              f.local.get(dst);
              f.local.get(src);
              f.f32.load(r * 4);
              f.f32.store(r * 4);
            }
          emitAddToLocal(f, src, m * 4);
          emitAddToLocal(f, dst, GEMM_TILE_ROWS * 4);
        });
        emitAddToLocal(f, aRow, GEMM_TILE_ROWS * 4);
      });
      // aRow has moved by panels·4 floats; the next entry starts m·k floats after this one.
      emitAddToLocal(f, aRow, (m * k - panels * GEMM_TILE_ROWS) * 4);
    });
  });
}

/**
 * Defines `gemm(base, panelStart, panelEnd, scratch)`: C for the column panels [panelStart, panelEnd) of 8 columns
 * (the last may be narrower), every row, accumulating over k in order. `scratch` is the byte offset of
 * {@link gemmScratchBytes} bytes of this thread. With transposed A, the panels {@link emitPackA} wrote at byte
 * `packedAt` from base are read (run it first). `epilogue(cBase)` makes the tile epilogue given the local that will hold the batch
 * entry's C base (base + `cOffset` + the batch entry's matrix offset). In a module built with `relaxedSimd` the
 * accumulation uses `f32x4.relaxed_madd` (a fused multiply-add where the host has one).
 */
export function emitGemm(mod: ModuleBuilder, spec: GemmSpec, cOffset: number, packedAt: number, epilogue: (cBase: () => Local) => TileEpilogue): FuncRef {
  const { m, k, n, batch, transA, transB } = spec;
  const relaxed = mod.relaxedSimd;
  return mod.func([i32, i32, i32, i32], [], (f) => {
    const [base, panelStart, panelEnd, scratch] = f.params as [Local, Local, Local, Local];
    const aBase = f.declareLocal(i32);
    const bBase = f.declareLocal(i32);
    const cBase = f.declareLocal(i32);
    const panel = f.declareLocal(i32);
    const panelB = f.declareLocal(i32);
    const row = f.declareLocal(i32);
    const col = f.declareLocal(i32);
    const aRow = f.declareLocal(i32);
    const aCur = f.declareLocal(i32);
    const bCur = f.declareLocal(i32);
    const steps = f.declareLocal(i32);
    const rowPanels = f.declareLocal(i32);
    const batchCounter = f.declareLocal(i32);
    const packIndex = f.declareLocal(i32);
    const acc = Array.from({ length: GEMM_TILE_ROWS }, () => [f.declareLocal(v128), f.declareLocal(v128)]);
    const bVec = [f.declareLocal(v128), f.declareLocal(v128)];
    const aSplat = f.declareLocal(v128);
    const ep = epilogue(() => cBase);
    const fullPanels = Math.floor(n / GEMM_TILE_COLS);
    const edgeCols = n - fullPanels * GEMM_TILE_COLS;
    // Transposed A is read from its packed panels: 4 rows per k step, contiguous.
    const aRowBytes = transA ? 4 : k * 4;
    const aStepBytes = transA ? GEMM_TILE_ROWS * 4 : 4;
    const aPanelBytes = transA ? GEMM_TILE_ROWS * 4 * k : GEMM_TILE_ROWS * k * 4;
    // Fewer rows than a tile (a policy acting on one observation): packing B would cost as much memory traffic as the
    // product itself, so the tile reads untransposed B in place, 8 columns of one row per k step, a row apart.
    const direct = m < GEMM_TILE_ROWS && !transB;
    const bStepBytes = direct ? n * 4 : GEMM_TILE_COLS * 4;
    const packedA = f.declareLocal(i32);
    const group = panelGroup(spec);
    const panelBytes = GEMM_TILE_COLS * 4 * k;
    const groupIndex = f.declareLocal(i32);
    const fullRowPanels = Math.floor(m / GEMM_TILE_ROWS);
    // Row panels per block of A in sweepGroup: the block's bytes (of A or its packed panels) stay within A_BLOCK_BYTES.
    const blockPanels = Math.max(1, Math.floor(A_BLOCK_BYTES / (GEMM_TILE_ROWS * 4 * k)));
    const blockRow = f.declareLocal(i32);
    const blockA = f.declareLocal(i32);
    const blockCounter = f.declareLocal(i32);

    const tile = (rows: number, vectors: number, cols: number): void => {
      for (let r = 0; r < rows; r++)
        for (let v = 0; v < vectors; v++) {
          f.v128.zero();
          f.local.set(acc[r]![v]!);
        }
      f.local.get(aRow);
      f.local.set(aCur);
      f.local.get(panelB);
      f.local.set(bCur);
      emitCountedLoop(f, k, steps, () => {
        for (let v = 0; v < vectors; v++) {
          f.local.get(bCur);
          f.v128.load(v * 16, 2);
          f.local.set(bVec[v]!);
        }
        for (let r = 0; r < rows; r++) {
          f.local.get(aCur);
          f.v128.load32Splat(r * aRowBytes);
          f.local.set(aSplat);
          for (let v = 0; v < vectors; v++) {
            if (relaxed) {
              f.local.get(bVec[v]!);
              f.local.get(aSplat);
              f.local.get(acc[r]![v]!);
              f.f32x4.relaxedMadd();
            } else {
              f.local.get(acc[r]![v]!);
              f.local.get(bVec[v]!);
              f.local.get(aSplat);
              f.f32x4.mul();
              f.f32x4.add();
            }
            f.local.set(acc[r]![v]!);
          }
        }
        emitAddToLocal(f, aCur, aStepBytes);
        emitAddToLocal(f, bCur, bStepBytes);
      });
      ep.begin(f, row, col);
      for (let r = 0; r < rows; r++)
        for (let v = 0; v < vectors; v++) ep.store(f, acc[r]![v]!, r, v, Math.min(4, cols - v * 4));
    };

    /** Sets `target` to the address of this thread's scratch (base + scratch). */
    const setScratchStart = (target: Local): void => {
      f.local.get(base);
      f.local.get(scratch);
      f.i32.add();
      f.local.set(target);
    };

    /** Sets col to the first column of panel `panel`. */
    const setColumnOfPanel = (): void => {
      f.local.get(panel);
      f.i32.const(GEMM_TILE_COLS);
      f.i32.mul();
      f.local.set(col);
    };

    /** `panels` full row panels from the current row and aRow on, against the B panel at panelB (columns col..col+cols). */
    const sweepPanels = (panels: number, vectors: number, cols: number): void =>
      emitCountedLoop(f, panels, rowPanels, () => {
        tile(GEMM_TILE_ROWS, vectors, cols);
        emitAddToLocal(f, row, GEMM_TILE_ROWS);
        emitAddToLocal(f, aRow, aPanelBytes);
      });

    /** Points row and aRow at the first row of A (or of its packed panels) plus the locals' offsets, if given. */
    const startRows = (rowOffset?: Local, aOffset?: Local): void => {
      if (rowOffset) f.local.get(rowOffset);
      else f.i32.const(0);
      f.local.set(row);
      f.local.get(transA ? packedA : aBase);
      if (aOffset) {
        f.local.get(aOffset);
        f.i32.add();
      }
      f.local.set(aRow);
    };

    /** All row panels against the B panel at panelB (columns col..col+cols). */
    const sweep = (vectors: number, cols: number): void => {
      startRows();
      sweepPanels(fullRowPanels, vectors, cols);
      if (m % GEMM_TILE_ROWS) tile(m % GEMM_TILE_ROWS, vectors, cols);
    };

    /**
     * A packed group of `size` panels against all rows, a block of rows at a time (every panel of the group against the
     * block, then the next block): the block of A is read from L2 by each panel instead of all of A from L3.
     */
    const sweepGroup = (size: number): void => {
      const block = (panels: number, edgeRows: number): void => {
        setScratchStart(panelB);
        setColumnOfPanel();
        emitCountedLoop(f, size, groupIndex, () => {
          startRows(blockRow, blockA);
          sweepPanels(panels, 2, GEMM_TILE_COLS);
          if (edgeRows) tile(edgeRows, 2, GEMM_TILE_COLS);
          emitAddToLocal(f, panelB, panelBytes);
          emitAddToLocal(f, col, GEMM_TILE_COLS);
        });
      };
      const fullBlocks = Math.floor(fullRowPanels / blockPanels);
      const lastPanels = fullRowPanels - fullBlocks * blockPanels;
      f.i32.const(0);
      f.local.set(blockRow);
      f.i32.const(0);
      f.local.set(blockA);
      emitCountedLoop(f, fullBlocks, blockCounter, () => {
        block(blockPanels, 0);
        emitAddToLocal(f, blockRow, blockPanels * GEMM_TILE_ROWS);
        emitAddToLocal(f, blockA, blockPanels * aPanelBytes);
      });
      if (lastPanels > 0 || m % GEMM_TILE_ROWS) block(lastPanels, m % GEMM_TILE_ROWS);
    };

    /** Points aCur (the packing destination) at this thread's scratch and bCur at B + index · bytesPerIndex. */
    const startPacking = (index: Local, bytesPerIndex: number): void => {
      setScratchStart(aCur);
      f.local.get(bBase);
      f.local.get(index);
      f.i32.const(bytesPerIndex);
      f.i32.mul();
      f.i32.add();
      f.local.set(bCur);
    };

    /** Packs the panel's B columns col..col+cols into scratch: packed[p·8 + j] = op(B)[p, col + j]. */
    const preparePanel = (cols: number): void => {
      startPacking(col, transB ? k * 4 : 4);
      f.local.get(aCur);
      f.local.set(panelB);
      emitCountedLoop(f, k, packIndex, () => {
        if (!transB && cols === GEMM_TILE_COLS) {
          for (let v = 0; v < 2; v++) {
            f.local.get(aCur);
            f.local.get(bCur);
            f.v128.load(v * 16, 2);
            f.v128.store(v * 16, 2);
          }
        } else {
          for (let j = 0; j < cols; j++) {
            f.local.get(aCur);
            f.local.get(bCur);
            f.f32.load(transB ? j * k * 4 : j * 4);
            f.f32.store(j * 4);
          }
          // Lanes past the last column of an edge panel are multiplied too (their sums are never stored): zero them, as
          // stale scratch bytes can be subnormal floats (e.g. small integers), which cost ~100× per SIMD multiply.
          for (let j = cols; j < Math.ceil(cols / 4) * 4; j++) {
            f.local.get(aCur);
            f.f32.const(0);
            f.f32.store(j * 4);
          }
        }
        emitAddToLocal(f, bCur, transB ? 4 : n * 4);
        emitAddToLocal(f, aCur, GEMM_TILE_COLS * 4);
      });
    };

    /**
     * Points panelB at B's column `col` in its first row, where a {@link direct} tile reads it. An edge panel's vector
     * loads reach up to 7 floats past the row (into the next row, or past the last row into the frame's slack); those
     * lanes are never stored.
     */
    const pointAtPanel = (): void => {
      f.local.get(bBase);
      f.local.get(col);
      f.i32.const(4);
      f.i32.mul();
      f.i32.add();
      f.local.set(panelB);
    };

    /**
     * Packs the `size` full panels starting at panel `panel` into consecutive scratch panels, one k step at a time:
     * untransposed B by v128 moves along its rows, transposed B ([n, k]) by one f32 move per column.
     */
    const packGroup = (size: number): void => {
      startPacking(panel, transB ? GEMM_TILE_COLS * k * 4 : GEMM_TILE_COLS * 4);
      emitCountedLoop(f, k, packIndex, () => {
        for (let g = 0; g < size; g++)
          if (transB)
            for (let j = 0; j < GEMM_TILE_COLS; j++) {
              f.local.get(aCur);
              f.local.get(bCur);
              f.f32.load((g * GEMM_TILE_COLS + j) * k * 4);
              f.f32.store(g * panelBytes + j * 4);
            }
          else
            for (let v = 0; v < 2; v++) {
              f.local.get(aCur);
              f.local.get(bCur);
              f.v128.load(g * GEMM_TILE_COLS * 4 + v * 16, 2);
              f.v128.store(g * panelBytes + v * 16, 2);
            }
        emitAddToLocal(f, bCur, transB ? 4 : n * 4);
        emitAddToLocal(f, aCur, GEMM_TILE_COLS * 4);
      });
    };

    const body = (): void => {
      f.local.get(panelStart);
      f.local.set(panel);
      // Full panels in [panelStart, min(panelEnd, fullPanels)).
      if (fullPanels > 0) {
        const end = f.declareLocal(i32);
        f.local.get(panelEnd);
        f.i32.const(fullPanels);
        f.local.get(panelEnd);
        f.i32.const(fullPanels);
        f.i32.ltS();
        f.select();
        f.local.set(end);
        // Whole groups of panels first (pack the group from B's rows, then sweep each of its panels), then pairs (the
        // unit of a threaded split, so that its last grabs are short), then what is left one panel at a time.
        for (const size of group >= GEMM_SPLIT_PANELS && !direct ? new Set([group, GEMM_SPLIT_PANELS]) : [])
          if (fullPanels >= size)
            f.block((exit) =>
              f.loop((top) => {
                f.local.get(panel);
                f.i32.const(size);
                f.i32.add();
                f.local.get(end);
                f.i32.gtS();
                f.brIf(exit);
                packGroup(size);
                sweepGroup(size);
                emitAddToLocal(f, panel, size);
                f.br(top);
              }),
            );
        upTo(f, panel, end, () => {
          setColumnOfPanel();
          if (direct) pointAtPanel();
          else preparePanel(GEMM_TILE_COLS);
          sweep(2, GEMM_TILE_COLS);
        });
      }
      if (edgeCols > 0) {
        f.local.get(panelEnd);
        f.i32.const(fullPanels);
        f.i32.gtS();
        f.local.get(panelStart);
        f.i32.const(fullPanels);
        f.i32.leS();
        f.i32.and();
        f.if(() => {
          f.i32.const(fullPanels * GEMM_TILE_COLS);
          f.local.set(col);
          if (direct) pointAtPanel();
          else preparePanel(edgeCols);
          sweep(Math.ceil(edgeCols / 4), edgeCols);
        });
      }
    };

    setAddress(f, aBase, base, spec.a);
    setAddress(f, bBase, base, spec.b);
    setAddress(f, cBase, base, cOffset);
    if (transA) setAddress(f, packedA, base, packedAt);
    emitCountedLoop(f, batch, batchCounter, () => {
      body();
      if (transA) emitAddToLocal(f, packedA, packedEntryBytes(spec));
      emitAddToLocal(f, aBase, m * k * 4);
      emitAddToLocal(f, bBase, k * n * 4);
      emitAddToLocal(f, cBase, m * n * 4);
    });
  });
}

/** Number of 8-column panels of an n-column product (the unit of work split between threads). */
export function gemmPanels(n: number): number {
  return Math.ceil(n / GEMM_TILE_COLS);
}
