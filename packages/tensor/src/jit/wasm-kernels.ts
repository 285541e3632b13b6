// Emits fused kernels as wasm functions over arena offsets: SIMD loops with stored and reduced outputs, and matmul tile epilogues.
import type { DType } from "../dtype.ts";
import { sizeOf, stridesOf } from "../shape.ts";
import type { Var } from "../core/jaxpr.ts";
import { type FuncRef, type FunctionBuilder, type Local, type ModuleBuilder, emitAddToLocal, emitCountedLoop, f32, i32, v128 } from "../backend/wasm/emitter.ts";
import type { TileEpilogue } from "../backend/wasm/gemm.ts";
import type { Kernel, KNode } from "./schedule.ts";
import { MATH_IMPORTS, type VecContext, emitPrim, laneClass, splat } from "./wasm-expr.ts";

/** Where a kernel's data lives: byte offsets from the frame base. */
export interface KernelAddresses {
  /** Byte offset of the storage of variable `v` (its data starts there). */
  offset(v: Var): number;
  /** Byte offset of this kernel's scratch area ({@link kernelScratchBytes} bytes). */
  readonly scratch: number;
}

const bytesOf = (dtype: DType): number => (dtype === "bool" ? 1 : dtype === "float64" ? 8 : 4);

/** Names of the imported math functions a kernel calls. */
export function kernelImports(kernel: Kernel): string[] {
  return kernel.nodes.flatMap((n) => (n.op === "prim" && n.prim.name in MATH_IMPORTS ? [n.prim.name] : []));
}

/** Scratch bytes a kernel needs: float64 accumulators of its sum reductions. */
export function kernelScratchBytes(kernel: Kernel): number {
  let bytes = 0;
  for (const r of kernel.reduces) if (r.kind === "sum") bytes += Math.ceil((r.v.aval.size * 8) / 16) * 16;
  return bytes;
}

/** A stream of memory touched per element: a leaf read, a stored output, or a reduction accumulator. */
interface Stream {
  /** Byte offset from base of the element at index 0 of every dimension. */
  readonly at: number;
  /** Byte step per (merged) dimension. */
  byteStrides: number[];
}

/** Merges adjacent dimensions along which every stride vector is contiguous; drops size-1 dimensions. */
function mergeDims(shape: readonly number[], vecs: readonly (readonly number[])[]): { dims: number[]; vecs: number[][] } {
  const dims: number[] = [];
  const out: number[][] = vecs.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && vecs.every((v, s) => out[s]![last] === v[i]! * d)) {
      dims[last]! *= d;
      vecs.forEach((v, s) => (out[s]![last] = v[i]!));
      return;
    }
    dims.push(d);
    vecs.forEach((v, s) => out[s]!.push(v[i]!));
  });
  if (dims.length === 0) return { dims: [1], vecs: vecs.map(() => [0]) };
  return { dims, vecs: out };
}

/** Loads one element (lane 0, splat) or one vector of `dtype` at the address on the stack + `offset`. */
function emitLoad(f: FunctionBuilder, dtype: DType, offset: number, vector: boolean): void {
  if (dtype === "bool") {
    if (vector) {
      f.v128.load32Zero(offset, 0);
      f.i16x8.extendLowI8x16U();
      f.i32x4.extendLowI16x8U();
    } else {
      f.i32.load8U(offset);
      f.i32x4.splat();
    }
    splat(f, "i", 0);
    f.i32x4.ne();
    return;
  }
  if (vector) f.v128.load(offset, 2);
  else f.v128.load32Splat(offset);
}

/** Stores the first `lanes` lanes of `value` (a vector of `dtype`) at the address `addr()` pushes + `offset`. */
function emitStore(f: FunctionBuilder, dtype: DType, addr: () => void, value: Local, offset: number, lanes: number): void {
  if (dtype === "bool") {
    const packed = (): void => {
      f.local.get(value);
      splat(f, "i", 1);
      f.v128.and();
    };
    if (lanes === 4) {
      addr();
      for (let half = 0; half < 2; half++) {
        packed();
        packed();
        f.i16x8.narrowI32x4U();
      }
      f.i8x16.narrowI16x8U();
      f.v128.store32Lane(0, offset, 0);
      return;
    }
    for (let lane = 0; lane < lanes; lane++) {
      addr();
      packed();
      f.v128.store8Lane(lane * 4, offset + lane);
    }
    return;
  }
  if (lanes === 4) {
    addr();
    f.local.get(value);
    f.v128.store(offset, 2);
    return;
  }
  for (let lane = 0; lane < lanes; lane++) {
    addr();
    f.local.get(value);
    f.v128.store32Lane(lane, offset + lane * 4);
  }
}

/** Evaluates a kernel's nodes into v128 locals; `load(node)` pushes the vector of a load node. */
class NodeEvaluator {
  readonly values: Local[];
  private readonly ctx: VecContext;

  constructor(
    private readonly f: FunctionBuilder,
    private readonly nodes: readonly KNode[],
    imports: ReadonlyMap<string, FuncRef>,
    lanes: 1 | 4,
  ) {
    this.values = nodes.map(() => f.declareLocal(v128));
    this.ctx = { f, imports, lanes };
  }

  /** Emits every node in order; `load(i, node)` pushes load node i's value. */
  run(load: (i: number, node: KNode & { op: "load" }) => void): void {
    const { f, nodes, values } = this;
    nodes.forEach((node, i) => {
      if (node.op === "load") load(i, node);
      else if (node.op === "lit") splat(f, laneClass(node.dtype)!, node.value);
      else {
        const lits = node.args.map((a) => {
          const arg = nodes[a]!;
          return arg.op === "lit" ? arg.value : undefined;
        });
        emitPrim(
          this.ctx,
          node.prim.name,
          node.inAvals.map((a) => a.dtype),
          node.dtype,
          lits,
          node.args.map((a) => values[a]!),
        );
      }
      f.local.set(values[i]!);
    });
  }
}



const F64_HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** Pushes lanes 0–1 (or 2–3 with `high`) of the f32x4 in `value` as f64x2. */
function promoteHalf(f: FunctionBuilder, value: Local, high: boolean): void {
  f.local.get(value);
  if (high) {
    f.local.get(value);
    f.i8x16.shuffle(F64_HIGH_HALF);
  }
  f.f64x2.promoteLowF32x4();
}

/** Pushes the JS reduction step `(v > acc || v !== v) ? v : acc` (or `<` for min) on f32x4 locals. */
function chooseStep(f: FunctionBuilder, isMax: boolean, v: Local, acc: Local): void {
  f.local.get(v);
  f.local.get(acc);
  f.local.get(v);
  f.local.get(acc);
  if (isMax) f.f32x4.gt();
  else f.f32x4.lt();
  f.local.get(v);
  f.local.get(v);
  f.f32x4.ne();
  f.v128.or();
  f.v128.bitselect();
}

/**
 * Defines `kernel(base)` for a fused kernel: nested loops over its (merged) shape, 4 lanes per step when every leaf
 * is contiguous or broadcast along the innermost dimension (and the shape allows), else lane 0 only. Sums accumulate
 * in float64 scratch, max/min in the output itself, both in row-major order within a lane.
 */
export function emitKernel(mod: ModuleBuilder, imports: ReadonlyMap<string, FuncRef>, kernel: Kernel, addrs: KernelAddresses): FuncRef {
  const { shape, leaves, outputs, reduces } = kernel;
  const contiguous = stridesOf(shape);
  const reduceStrides = reduces.map((r) => {
    const kept = stridesOf(shape.filter((_, i) => !r.axes.includes(i)));
    let j = 0;
    return shape.map((_, i) => (r.axes.includes(i) ? 0 : kept[j++]!));
  });
  const merged = mergeDims(shape, [...leaves.map((l) => l.strides), ...outputs.map(() => contiguous), ...reduceStrides]);
  const dims = merged.dims;
  const L = dims.length;
  const C = dims[L - 1]!;
  const total = sizeOf(shape);
  const leafVecs = merged.vecs.slice(0, leaves.length);
  const vector =
    C >= 4 && leafVecs.every((v) => v[L - 1] === 0 || v[L - 1] === 1) && (C % 4 === 0 || (L === 1 && reduces.length === 0));
  const lanes: 1 | 4 = vector ? 4 : 1;

  let scratch = addrs.scratch;
  const streams: Stream[] = [
    ...leaves.map((l, i) => {
      const b = bytesOf(l.v.aval.dtype);
      return { at: addrs.offset(l.v) + l.offset * b, byteStrides: leafVecs[i]!.map((s) => s * b) };
    }),
    ...outputs.map((o, i) => {
      const b = bytesOf(o.v.aval.dtype);
      return { at: addrs.offset(o.v), byteStrides: merged.vecs[leaves.length + i]!.map((s) => s * b) };
    }),
    ...reduces.map((r, i) => {
      const b = r.kind === "sum" ? 8 : 4;
      let at = addrs.offset(r.v);
      if (r.kind === "sum") {
        at = scratch;
        scratch += Math.ceil((r.v.aval.size * 8) / 16) * 16;
      }
      return { at, byteStrides: merged.vecs[leaves.length + outputs.length + i]!.map((s) => s * b) };
    }),
  ];
  const leafStream = (i: number): Stream => streams[i]!;
  const outStream = (i: number): Stream => streams[leaves.length + i]!;
  const reduceStream = (i: number): Stream => streams[leaves.length + outputs.length + i]!;

  return mod.func([i32], [], (f) => {
    const base = f.params[0]!;
    const tmp = f.declareLocal(v128);
    const cursor = f.declareLocal(i32);
    // One pointer chain per distinct outer byte-stride vector.
    const groups = new Map<string, { chain: Local[]; outer: number[] }>();
    const groupOf = streams.map((s) => {
      const outer = s.byteStrides.slice(0, L - 1);
      const key = outer.join(",");
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { chain: Array.from({ length: L }, () => f.declareLocal(i32)), outer }));
      return group;
    });
    // One running offset per distinct non-zero inner byte stride.
    const offsets = new Map<number, Local>();
    for (const s of streams) {
      const inner = s.byteStrides[L - 1]!;
      if (inner !== 0 && !offsets.has(inner)) offsets.set(inner, f.declareLocal(i32));
    }
    const innerCounter = f.declareLocal(i32);
    const evaluator = new NodeEvaluator(f, kernel.nodes, imports, lanes);
    const hoisted = kernel.nodes.map((n) => (n.op === "load" && leafStream(n.leaf).byteStrides[L - 1] === 0 ? f.declareLocal(v128) : null));
    const regAcc = reduces.map((r, i) =>
      reduceStream(i).byteStrides[L - 1] === 0 ? (r.kind === "sum" ? [f.declareLocal(v128), f.declareLocal(v128)] : [f.declareLocal(v128)]) : null,
    );
    const scalarTmp = f.declareLocal(f32);
    const pointer = (s: number): Local => groupOf[s]!.chain[L - 1]!;
    const address = (s: number): (() => void) => {
      const inner = streams[s]!.byteStrides[L - 1]!;
      return () => {
        f.local.get(pointer(s));
        if (inner !== 0) {
          f.local.get(offsets.get(inner)!);
          f.i32.add();
        }
      };
    };

    // Initialise reduction accumulators in memory, 16 bytes at a time.
    reduces.forEach((r, i) => {
      const n = r.v.aval.size;
      forEachChunk(f, base, cursor, r.kind === "sum" ? Math.ceil(n / 2) : Math.ceil(n / 4), 16, () => {
        f.local.get(cursor);
        if (r.kind === "sum") f.v128.zero();
        else splat(f, "f", r.kind === "max" ? -Infinity : Infinity);
        f.v128.store(reduceStream(i).at, 2);
      });
    });

    const innerLoop = (): void => {
      // Per innermost run: hoisted broadcast loads, register accumulators, offsets from 0.
      kernel.nodes.forEach((n, i) => {
        const h = hoisted[i];
        if (!h || n.op !== "load") return;
        f.local.get(pointer(n.leaf));
        emitLoad(f, n.dtype, leafStream(n.leaf).at, false);
        f.local.set(h);
      });
      reduces.forEach((r, i) => {
        const acc = regAcc[i];
        if (!acc) return;
        for (const a of acc) {
          if (r.kind === "sum") f.v128.zero();
          else splat(f, "f", r.kind === "max" ? -Infinity : Infinity);
          f.local.set(a);
        }
      });
      for (const o of offsets.values()) {
        f.i32.const(0);
        f.local.set(o);
      }
      emitCountedLoop(f, Math.ceil(C / lanes), innerCounter, () => {
        evaluator.run((i, n) => {
          const h = hoisted[i];
          if (h) return f.local.get(h);
          address(n.leaf)();
          emitLoad(f, n.dtype, leafStream(n.leaf).at, vector);
        });
        outputs.forEach((o, i) => {
          const s = outStream(i);
          emitStore(f, o.v.aval.dtype, address(leaves.length + i), evaluator.values[o.node]!, s.at, lanes === 4 ? 4 : 1);
        });
        reduces.forEach((r, i) => {
          const value = evaluator.values[r.node]!;
          const acc = regAcc[i];
          const s = reduceStream(i);
          const at = address(leaves.length + outputs.length + i);
          if (r.kind === "sum") {
            if (acc) {
              acc.forEach((a, half) => {
                if (half === 1 && lanes === 1) return;
                f.local.get(a);
                promoteHalf(f, value, half === 1);
                f.f64x2.add();
                f.local.set(a);
              });
              return;
            }
            if (lanes === 1) {
              at();
              at();
              f.f64.load(s.at);
              f.local.get(value);
              f.f32x4.extractLane(0);
              f.f64.promoteF32();
              f.f64.add();
              f.f64.store(s.at);
              return;
            }
            for (const half of [0, 1]) {
              at();
              at();
              f.v128.load(s.at + half * 16, 3);
              promoteHalf(f, value, half === 1);
              f.f64x2.add();
              f.v128.store(s.at + half * 16, 3);
            }
            return;
          }
          if (acc) {
            chooseStep(f, r.kind === "max", value, acc[0]!);
            f.local.set(acc[0]!);
            return;
          }
          // Accumulate into memory: load, step, store.
          at();
          at();
          emitLoad(f, "float32", s.at, vector);
          f.local.set(tmp);
          chooseStep(f, r.kind === "max", value, tmp);
          if (vector) f.v128.store(s.at, 2);
          else f.v128.store32Lane(0, s.at);
        });
        for (const [stride, o] of offsets) emitAddToLocal(f, o, stride * lanes);
      });
      // Flush register accumulators into memory.
      reduces.forEach((r, i) => {
        const acc = regAcc[i];
        if (!acc) return;
        const s = reduceStream(i);
        const at = address(leaves.length + outputs.length + i);
        if (r.kind === "sum") {
          at();
          at();
          f.f64.load(s.at);
          f.local.get(acc[0]!);
          if (lanes === 4) {
            f.local.get(acc[1]!);
            f.f64x2.add();
            f.local.set(acc[0]!);
            f.local.get(acc[0]!);
            f.f64x2.extractLane(0);
            f.local.get(acc[0]!);
            f.f64x2.extractLane(1);
            f.f64.add();
          } else f.f64x2.extractLane(0);
          f.f64.add();
          f.f64.store(s.at);
          return;
        }
        for (let lane = 0; lane < lanes; lane++) {
          // mem = (x > mem || x !== x) ? x : mem
          at();
          f.local.get(acc[0]!);
          f.f32x4.extractLane(lane);
          f.local.tee(scalarTmp);
          at();
          f.f32.load(s.at);
          f.local.get(scalarTmp);
          at();
          f.f32.load(s.at);
          if (r.kind === "max") f.f32.gt();
          else f.f32.lt();
          f.local.get(scalarTmp);
          f.local.get(scalarTmp);
          f.f32.ne();
          f.i32.or();
          f.select();
          f.f32.store(s.at);
        }
      });
    };

    const loopLevel = (level: number): void => {
      if (level === L - 1) return innerLoop();
      for (const { chain } of groups.values()) {
        f.local.get(chain[level]!);
        f.local.set(chain[level + 1]!);
      }
      const levelCounter = f.declareLocal(i32);
      emitCountedLoop(f, dims[level]!, levelCounter, () => {
        loopLevel(level + 1);
        for (const { chain, outer } of groups.values()) emitAddToLocal(f, chain[level + 1]!, outer[level]!);
      });
    };

    if (total > 0) {
      for (const { chain } of groups.values()) {
        f.local.get(base);
        f.local.set(chain[0]!);
      }
      loopLevel(0);
    }

    // Sums: float64 accumulators → float32 outputs.
    const outCursor = f.declareLocal(i32);
    reduces.forEach((r, i) => {
      if (r.kind !== "sum") return;
      const at = reduceStream(i).at;
      f.local.get(base);
      f.local.set(outCursor);
      forEachChunk(f, base, cursor, r.v.aval.size, 8, () => {
        f.local.get(outCursor);
        f.local.get(cursor);
        f.f64.load(at);
        f.f32.demoteF64();
        f.f32.store(addrs.offset(r.v));
        emitAddToLocal(f, outCursor, 4);
      });
    });
  });
}

/** Emits `body` `count` times with `cursor` = base, base + step, base + 2·step, … */
function forEachChunk(f: FunctionBuilder, base: Local, cursor: Local, count: number, step: number, body: () => void): void {
  if (count <= 0) return;
  f.local.get(base);
  f.local.set(cursor);
  const counter = f.declareLocal(i32);
  emitCountedLoop(f, count, counter, () => {
    body();
    emitAddToLocal(f, cursor, step);
  });
}

/**
 * The matmul tile epilogue running `kernel` (shape [..., m, n]) per accumulator vector, with the accumulator standing
 * in for leaf `matmulLeaf` (the product). Other leaves must be contiguous or broadcast along the last dimension.
 */
export function kernelEpilogue(kernel: Kernel, matmulLeaf: number, addrs: KernelAddresses, imports: ReadonlyMap<string, FuncRef>): TileEpilogue {
  const n = kernel.shape[kernel.shape.length - 1]!;
  const last2 = (strides: readonly number[]): [number, number] => [strides[strides.length - 2] ?? 0, strides[strides.length - 1] ?? 0];
  // Streams addressed per tile: leaves (row stride, column stride) and contiguous outputs.
  const streams = [
    ...kernel.leaves.map((l) => {
      const b = bytesOf(l.v.aval.dtype);
      const [rs, cs] = last2(l.strides);
      return { at: addrs.offset(l.v) + l.offset * b, rowBytes: rs * b, colBytes: cs * b };
    }),
    ...kernel.outputs.map((o) => {
      const b = bytesOf(o.v.aval.dtype);
      return { at: addrs.offset(o.v), rowBytes: n * b, colBytes: b };
    }),
  ];
  let state: { evaluator: NodeEvaluator; pointers: Local[] } | undefined;
  return {
    begin(f, row, col) {
      if (!state) {
        const byKey = new Map<string, Local>();
        const pointers = streams.map((s) => {
          const key = `${s.rowBytes},${s.colBytes}`;
          let p = byKey.get(key);
          if (!p) byKey.set(key, (p = f.declareLocal(i32)));
          return p;
        });
        state = { evaluator: new NodeEvaluator(f, kernel.nodes, imports, 4), pointers };
      }
      const done = new Set<Local>();
      streams.forEach((s, i) => {
        const p = state!.pointers[i]!;
        if (done.has(p)) return;
        done.add(p);
        f.local.get(f.params[0]!);
        f.local.get(row);
        f.i32.const(s.rowBytes);
        f.i32.mul();
        f.i32.add();
        f.local.get(col);
        f.i32.const(s.colBytes);
        f.i32.mul();
        f.i32.add();
        f.local.set(p);
      });
    },
    store(f, acc, r, v, lanes) {
      const { evaluator, pointers } = state!;
      evaluator.run((_, node) => {
        if (node.leaf === matmulLeaf) return f.local.get(acc);
        const s = streams[node.leaf]!;
        f.local.get(pointers[node.leaf]!);
        emitLoad(f, node.dtype, s.at + r * s.rowBytes + v * 4 * s.colBytes, s.colBytes !== 0);
      });
      kernel.outputs.forEach((o, i) => {
        const s = streams[kernel.leaves.length + i]!;
        const p = pointers[kernel.leaves.length + i]!;
        emitStore(f, o.v.aval.dtype, () => f.local.get(p), evaluator.values[o.node]!, s.at + r * s.rowBytes + v * 4 * s.colBytes, lanes);
      });
    },
  };
}
