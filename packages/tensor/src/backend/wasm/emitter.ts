// Minimal WebAssembly binary assembler: typed module/function builders that emit wasm bytes directly.

import { wasmApi, type WasmImports, type WasmInstance, type WasmModule } from './wasm-api.ts';

/** Wasm value types, encoded as their binary type byte. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
/** One of the wasm value type bytes in {@link ValType}. */
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Shorthand value types, so signatures read like `mod.func([i32, i32], [f32], ...)`. */
export const { i32, i64, f32, f64, v128 } = ValType;

const WASM_MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EMPTY_BLOCK_TYPE = 0x40;
const FUNC_TYPE_TAG = 0x60;
const SIMD_PREFIX = 0xfd;
const ZERO_V128_BYTES = new Uint8Array(16);

const Section = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const ExternalKind = { func: 0x00, memory: 0x02 } as const;

/** Growable byte buffer with the primitive encoders of the wasm binary format. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private used = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.used;
  }

  private reserve(extra: number): void {
    const needed = this.used + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }

  /** Appends one byte (0..255). */
  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.used++] = value;
  }

  /** Appends raw bytes. */
  bytes(values: ArrayLike<number>): void {
    this.reserve(values.length);
    for (let i = 0; i < values.length; i++) this.buffer[this.used++] = values[i]!;
  }

  /** Appends an unsigned LEB128 integer (up to 2^53 - 1, or any non-negative bigint). */
  unsigned(value: number | bigint): void {
    if (typeof value === 'bigint' || value > 0xffffffff) {
      let rest = BigInt(value);
      if (rest < 0n) throw new RangeError(`unsigned LEB128 of negative value ${value}`);
      do {
        const low = Number(rest & 0x7fn);
        rest >>= 7n;
        this.byte(rest === 0n ? low : low | 0x80);
      } while (rest !== 0n);
      return;
    }
    if (value < 0 || !Number.isInteger(value)) throw new RangeError(`unsigned LEB128 of ${value}`);
    let rest = value >>> 0;
    do {
      const low = rest & 0x7f;
      rest >>>= 7;
      this.byte(rest === 0 ? low : low | 0x80);
    } while (rest !== 0);
  }

  /** Appends a signed LEB128 integer (a 32-bit number, or any bigint for 64-bit immediates). */
  signed(value: number | bigint): void {
    if (typeof value === 'bigint') {
      let rest = value;
      for (;;) {
        const low = Number(rest & 0x7fn);
        rest >>= 7n;
        const done = (rest === 0n && (low & 0x40) === 0) || (rest === -1n && (low & 0x40) !== 0);
        this.byte(done ? low : low | 0x80);
        if (done) return;
      }
    }
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      throw new RangeError(`signed 32-bit LEB128 of ${value}`);
    }
    let rest = value | 0;
    for (;;) {
      const low = rest & 0x7f;
      rest >>= 7;
      const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return;
    }
  }

  /** Appends a little-endian IEEE-754 single. */
  float32(value: number): void {
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.used, value, true);
    this.used += 4;
  }

  /** Appends a little-endian IEEE-754 double. */
  float64(value: number): void {
    this.reserve(8);
    new DataView(this.buffer.buffer).setFloat64(this.used, value, true);
    this.used += 8;
  }

  /** Appends a length-prefixed UTF-8 name. */
  name(text: string): void {
    const encoded = new TextEncoder().encode(text);
    this.unsigned(encoded.length);
    this.bytes(encoded);
  }

  /** Appends another writer's bytes prefixed by their length (a wasm "vector of bytes"). */
  sized(contents: ByteWriter): void {
    this.unsigned(contents.length);
    this.bytes(contents.view());
  }

  /** The bytes written so far, without copying (invalidated by further writes). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.used);
  }
}

/** Encodes `value` as unsigned LEB128. */
export function encodeUnsignedLeb128(value: number | bigint): Uint8Array {
  const writer = new ByteWriter();
  writer.unsigned(value);
  return writer.toBytes();
}

/** Encodes `value` as signed LEB128 (numbers must fit in 32 bits; use a bigint for 64-bit values). */
export function encodeSignedLeb128(value: number | bigint): Uint8Array {
  const writer = new ByteWriter();
  writer.signed(value);
  return writer.toBytes();
}

/** A function's local variable (parameters included), typed by its value type. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** A structured-control target handed to `block`/`loop`/`if` bodies; branch to it with `br`/`brIf`. */
export class Label {
  /** @internal */
  constructor(readonly depth: number) {}
}

/** A function in a module's function index space (imported or defined). */
export interface FuncRef {
  readonly index: number;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** Limits of an imported linear memory, in 64 KiB pages. Shared memories require `maximum`. */
export interface MemoryLimits {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

/** Feature switches for instructions outside the wasm 2.0 baseline. */
export interface ModuleFeatures {
  /** Allow relaxed-SIMD instructions such as `f32x4.relaxedMadd` (check `relaxedSimdAvailable()` first). */
  relaxedSimd?: boolean;
}

/** The instruction stream of one function body; the op namespaces below all write through it. */
class CodeWriter {
  readonly out = new ByteWriter();
  constructor(readonly features: Required<ModuleFeatures>) {}

  op(opcode: number): void {
    this.out.byte(opcode);
  }

  simd(opcode: number): void {
    this.out.byte(SIMD_PREFIX);
    this.out.unsigned(opcode);
  }

  relaxedSimd(opcode: number, instruction: string): void {
    if (!this.features.relaxedSimd) throw new Error(`${instruction} requires the module feature relaxedSimd`);
    this.simd(opcode);
  }

  memory(opcode: number, offset: number, alignLog2: number): void {
    this.out.byte(opcode);
    this.out.unsigned(alignLog2);
    this.out.unsigned(offset);
  }

  simdMemory(opcode: number, offset: number, alignLog2: number): void {
    this.simd(opcode);
    this.out.unsigned(alignLog2);
    this.out.unsigned(offset);
  }
}

type NullaryOps<Table> = { [Name in keyof Table]: () => void };

/** Builds a class whose methods each emit one immediate-free opcode from `table` (SIMD-prefixed if `simd`). */
function opsFromTable<const Table extends Record<string, number>>(table: Table, simd: boolean) {
  class Ops {
    /** @internal */
    constructor(readonly code: CodeWriter) {}
  }
  for (const [name, opcode] of Object.entries(table)) {
    const emit = simd
      ? function (this: Ops) {
          this.code.simd(opcode);
        }
      : function (this: Ops) {
          this.code.op(opcode);
        };
    Object.defineProperty(Ops.prototype, name, { value: emit });
  }
  return Ops as unknown as new (code: CodeWriter) => NullaryOps<Table> & { readonly code: CodeWriter };
}

const I32_OPS = {
  eqz: 0x45, eq: 0x46, ne: 0x47, ltS: 0x48, ltU: 0x49, gtS: 0x4a, gtU: 0x4b, leS: 0x4c, leU: 0x4d, geS: 0x4e, geU: 0x4f,
  clz: 0x67, ctz: 0x68, popcnt: 0x69, add: 0x6a, sub: 0x6b, mul: 0x6c, divS: 0x6d, divU: 0x6e, remS: 0x6f, remU: 0x70,
  and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shrS: 0x75, shrU: 0x76, rotl: 0x77, rotr: 0x78,
  wrapI64: 0xa7, truncF32S: 0xa8, truncF32U: 0xa9, truncF64S: 0xaa, truncF64U: 0xab, reinterpretF32: 0xbc,
} as const;

const I64_OPS = {
  eqz: 0x50, eq: 0x51, ne: 0x52, ltS: 0x53, ltU: 0x54, gtS: 0x55, gtU: 0x56, leS: 0x57, leU: 0x58, geS: 0x59, geU: 0x5a,
  clz: 0x79, ctz: 0x7a, popcnt: 0x7b, add: 0x7c, sub: 0x7d, mul: 0x7e, divS: 0x7f, divU: 0x80, remS: 0x81, remU: 0x82,
  and: 0x83, or: 0x84, xor: 0x85, shl: 0x86, shrS: 0x87, shrU: 0x88, rotl: 0x89, rotr: 0x8a,
  extendI32S: 0xac, extendI32U: 0xad, truncF32S: 0xae, truncF32U: 0xaf, truncF64S: 0xb0, truncF64U: 0xb1,
  reinterpretF64: 0xbd,
} as const;

const F32_OPS = {
  eq: 0x5b, ne: 0x5c, lt: 0x5d, gt: 0x5e, le: 0x5f, ge: 0x60,
  abs: 0x8b, neg: 0x8c, ceil: 0x8d, floor: 0x8e, trunc: 0x8f, nearest: 0x90, sqrt: 0x91,
  add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97, copysign: 0x98,
  convertI32S: 0xb2, convertI32U: 0xb3, convertI64S: 0xb4, convertI64U: 0xb5, demoteF64: 0xb6, reinterpretI32: 0xbe,
} as const;

const F64_OPS = {
  eq: 0x61, ne: 0x62, lt: 0x63, gt: 0x64, le: 0x65, ge: 0x66,
  abs: 0x99, neg: 0x9a, ceil: 0x9b, floor: 0x9c, trunc: 0x9d, nearest: 0x9e, sqrt: 0x9f,
  add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3, min: 0xa4, max: 0xa5, copysign: 0xa6,
  convertI32S: 0xb7, convertI32U: 0xb8, convertI64S: 0xb9, convertI64U: 0xba, promoteF32: 0xbb, reinterpretI64: 0xbf,
} as const;

const V128_OPS = { not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, anyTrue: 0x53 } as const;

const F32X4_OPS = {
  splat: 0x13, eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46,
  abs: 0xe0, neg: 0xe1, sqrt: 0xe3, add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9,
  pmin: 0xea, pmax: 0xeb, ceil: 0x67, floor: 0x68, trunc: 0x69, nearest: 0x6a,
  demoteF64x2Zero: 0x5e, convertI32x4S: 0xfa, convertI32x4U: 0xfb,
} as const;

const F64X2_OPS = {
  splat: 0x14, eq: 0x47, ne: 0x48, lt: 0x49, gt: 0x4a, le: 0x4b, ge: 0x4c,
  abs: 0xec, neg: 0xed, sqrt: 0xef, add: 0xf0, sub: 0xf1, mul: 0xf2, div: 0xf3, min: 0xf4, max: 0xf5,
  pmin: 0xf6, pmax: 0xf7, ceil: 0x74, floor: 0x75, trunc: 0x7a, nearest: 0x94,
  promoteLowF32x4: 0x5f, convertLowI32x4S: 0xfe, convertLowI32x4U: 0xff,
} as const;

const I32X4_OPS = {
  splat: 0x11, eq: 0x37, ne: 0x38, ltS: 0x39, ltU: 0x3a, gtS: 0x3b, gtU: 0x3c, leS: 0x3d, leU: 0x3e, geS: 0x3f, geU: 0x40,
  shl: 0xab, shrS: 0xac, shrU: 0xad, add: 0xae, sub: 0xb1, mul: 0xb5,
  abs: 0xa0, neg: 0xa1, allTrue: 0xa3, bitmask: 0xa4, extendLowI16x8S: 0xa7, extendLowI16x8U: 0xa9,
  minS: 0xb6, minU: 0xb7, maxS: 0xb8, maxU: 0xb9, truncSatF32x4S: 0xf8, truncSatF32x4U: 0xf9,
} as const;

const I16X8_OPS = { narrowI32x4S: 0x85, narrowI32x4U: 0x86, extendLowI8x16S: 0x87, extendLowI8x16U: 0x89 } as const;

const I8X16_OPS = { narrowI16x8S: 0x65, narrowI16x8U: 0x66, swizzle: 0x0e } as const;

/** `i32.*` instructions. Memory offsets are byte immediates; alignment is log2 bytes (natural by default). */
export class I32Ops extends opsFromTable(I32_OPS, false) {
  /** `i32.const`: accepts signed or unsigned 32-bit values. */
  const(value: number): void {
    this.code.op(0x41);
    this.code.out.signed(value | 0);
  }
  load(offset = 0, alignLog2 = 2): void {
    this.code.memory(0x28, offset, alignLog2);
  }
  store(offset = 0, alignLog2 = 2): void {
    this.code.memory(0x36, offset, alignLog2);
  }
  /** `i32.load8_u`: loads one byte, zero-extended. */
  load8U(offset = 0, alignLog2 = 0): void {
    this.code.memory(0x2d, offset, alignLog2);
  }
}

/** `i64.*` instructions. */
export class I64Ops extends opsFromTable(I64_OPS, false) {
  /** `i64.const`: numbers must be safe integers; pass a bigint for the full range. */
  const(value: number | bigint): void {
    this.code.op(0x42);
    this.code.out.signed(BigInt.asIntN(64, BigInt(value)));
  }
  load(offset = 0, alignLog2 = 3): void {
    this.code.memory(0x29, offset, alignLog2);
  }
  store(offset = 0, alignLog2 = 3): void {
    this.code.memory(0x37, offset, alignLog2);
  }
}

/** `f32.*` instructions. */
export class F32Ops extends opsFromTable(F32_OPS, false) {
  const(value: number): void {
    this.code.op(0x43);
    this.code.out.float32(value);
  }
  load(offset = 0, alignLog2 = 2): void {
    this.code.memory(0x2a, offset, alignLog2);
  }
  store(offset = 0, alignLog2 = 2): void {
    this.code.memory(0x38, offset, alignLog2);
  }
}

/** `f64.*` instructions. */
export class F64Ops extends opsFromTable(F64_OPS, false) {
  const(value: number): void {
    this.code.op(0x44);
    this.code.out.float64(value);
  }
  load(offset = 0, alignLog2 = 3): void {
    this.code.memory(0x2b, offset, alignLog2);
  }
  store(offset = 0, alignLog2 = 3): void {
    this.code.memory(0x39, offset, alignLog2);
  }
}

/** Lane-type-agnostic `v128.*` instructions: loads, stores, load-splats, constants, bitwise ops. */
export class V128Ops extends opsFromTable(V128_OPS, true) {
  /** `v128.const` from 16 raw little-endian bytes. */
  const(bytes: ArrayLike<number>): void {
    if (bytes.length !== 16) throw new RangeError('v128.const needs exactly 16 bytes');
    this.code.simd(0x0c);
    this.code.out.bytes(bytes);
  }
  /** An all-zero vector (`v128.const 0`). */
  zero(): void {
    this.const(ZERO_V128_BYTES);
  }
  load(offset = 0, alignLog2 = 4): void {
    this.code.simdMemory(0x00, offset, alignLog2);
  }
  store(offset = 0, alignLog2 = 4): void {
    this.code.simdMemory(0x0b, offset, alignLog2);
  }
  /** `v128.load32_splat`: loads one 32-bit value into all four lanes. */
  load32Splat(offset = 0, alignLog2 = 2): void {
    this.code.simdMemory(0x09, offset, alignLog2);
  }
  /** `v128.load64_splat`: loads one 64-bit value into both lanes. */
  load64Splat(offset = 0, alignLog2 = 3): void {
    this.code.simdMemory(0x0a, offset, alignLog2);
  }
  /** `v128.load32_zero`: loads one 32-bit value into lane 0, zeroing the rest. */
  load32Zero(offset = 0, alignLog2 = 2): void {
    this.code.simdMemory(0x5c, offset, alignLog2);
  }
  /** `v128.store8_lane`: stores byte `lane` of the vector. Pops address, vector. */
  store8Lane(lane: number, offset = 0, alignLog2 = 0): void {
    this.laneMemory(0x58, lane, 16, offset, alignLog2);
  }
  /** `v128.store32_lane`: stores 32-bit lane `lane` of the vector. Pops address, vector. */
  store32Lane(lane: number, offset = 0, alignLog2 = 2): void {
    this.laneMemory(0x5a, lane, 4, offset, alignLog2);
  }
  private laneMemory(opcode: number, lane: number, lanes: number, offset: number, alignLog2: number): void {
    checkLane(lane, lanes);
    this.code.simdMemory(opcode, offset, alignLog2);
    this.code.out.byte(lane);
  }
}

function checkLane(lane: number, lanes: number): void {
  if (!Number.isInteger(lane) || lane < 0 || lane >= lanes) throw new RangeError(`lane ${lane} out of 0..${lanes - 1}`);
}

/** `f32x4.*` instructions, including the relaxed-SIMD fused multiply-adds behind `ModuleFeatures.relaxedSimd`. */
export class F32x4Ops extends opsFromTable(F32X4_OPS, true) {
  extractLane(lane: number): void {
    checkLane(lane, 4);
    this.code.simd(0x1f);
    this.code.out.byte(lane);
  }
  replaceLane(lane: number): void {
    checkLane(lane, 4);
    this.code.simd(0x20);
    this.code.out.byte(lane);
  }
  /** `f32x4.relaxed_madd`: pops a, b, c and pushes a*b+c (fused or not, depending on the host). */
  relaxedMadd(): void {
    this.code.relaxedSimd(0x105, 'f32x4.relaxed_madd');
  }
  /** `f32x4.relaxed_nmadd`: pops a, b, c and pushes -(a*b)+c. */
  relaxedNmadd(): void {
    this.code.relaxedSimd(0x106, 'f32x4.relaxed_nmadd');
  }
}

/** `f64x2.*` instructions. */
export class F64x2Ops extends opsFromTable(F64X2_OPS, true) {
  extractLane(lane: number): void {
    checkLane(lane, 2);
    this.code.simd(0x21);
    this.code.out.byte(lane);
  }
  replaceLane(lane: number): void {
    checkLane(lane, 2);
    this.code.simd(0x22);
    this.code.out.byte(lane);
  }
  /** `f64x2.relaxed_madd`: pops a, b, c and pushes a*b+c. */
  relaxedMadd(): void {
    this.code.relaxedSimd(0x107, 'f64x2.relaxed_madd');
  }
}

/** `i32x4.*` instructions (index arithmetic and masks). */
export class I32x4Ops extends opsFromTable(I32X4_OPS, true) {
  extractLane(lane: number): void {
    checkLane(lane, 4);
    this.code.simd(0x1b);
    this.code.out.byte(lane);
  }
  replaceLane(lane: number): void {
    checkLane(lane, 4);
    this.code.simd(0x1c);
    this.code.out.byte(lane);
  }
}

/** `i16x8.*` instructions (lane narrowing and widening, for byte-sized data). */
export class I16x8Ops extends opsFromTable(I16X8_OPS, true) {}

/** `i8x16.*` instructions: byte shuffles and narrowing. */
export class I8x16Ops extends opsFromTable(I8X16_OPS, true) {
  /** `i8x16.shuffle`: pops a, b and picks 16 bytes from their concatenation (indices 0..31). */
  shuffle(lanes: readonly number[]): void {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new RangeError('i8x16.shuffle needs 16 lane indices in 0..31');
    this.code.simd(0x0d);
    this.code.out.bytes(lanes);
  }
}

/** `local.*` instructions. */
export class LocalOps {
  constructor(private readonly code: CodeWriter) {}
  get(local: Local): void {
    this.code.op(0x20);
    this.code.out.unsigned(local.index);
  }
  set(local: Local): void {
    this.code.op(0x21);
    this.code.out.unsigned(local.index);
  }
  tee(local: Local): void {
    this.code.op(0x22);
    this.code.out.unsigned(local.index);
  }
}

/** `memory.size` / `memory.grow` on memory 0, in pages. */
export class MemoryOps {
  constructor(private readonly code: CodeWriter) {}
  size(): void {
    this.code.op(0x3f);
    this.code.out.byte(0x00);
  }
  grow(): void {
    this.code.op(0x40);
    this.code.out.byte(0x00);
  }
}

/**
 * Builds one function body. Instructions are grouped like the text format (`f.i32.add()`,
 * `f.v128.load(16)`, `f.local.get(x)`); structured control flow takes callbacks and hands them
 * a {@link Label}, so branch depths are computed for you.
 */
export class FunctionBuilder {
  /** The parameters, as locals 0..params.length-1. */
  readonly params: readonly Local[];
  readonly i32: I32Ops;
  readonly i64: I64Ops;
  readonly f32: F32Ops;
  readonly f64: F64Ops;
  readonly v128: V128Ops;
  readonly f32x4: F32x4Ops;
  readonly f64x2: F64x2Ops;
  readonly i32x4: I32x4Ops;
  readonly i16x8: I16x8Ops;
  readonly i8x16: I8x16Ops;
  readonly local: LocalOps;
  readonly memory: MemoryOps;

  private readonly code: CodeWriter;
  private readonly declaredLocals: ValType[] = [];
  private readonly controlStack: Label[] = [];

  /** @internal Use {@link ModuleBuilder.func}. */
  constructor(paramTypes: readonly ValType[], features: Required<ModuleFeatures>) {
    this.code = new CodeWriter(features);
    this.params = paramTypes.map((type, index) => ({ index, type }));
    this.i32 = new I32Ops(this.code);
    this.i64 = new I64Ops(this.code);
    this.f32 = new F32Ops(this.code);
    this.f64 = new F64Ops(this.code);
    this.v128 = new V128Ops(this.code);
    this.f32x4 = new F32x4Ops(this.code);
    this.f64x2 = new F64x2Ops(this.code);
    this.i32x4 = new I32x4Ops(this.code);
    this.i16x8 = new I16x8Ops(this.code);
    this.i8x16 = new I8x16Ops(this.code);
    this.local = new LocalOps(this.code);
    this.memory = new MemoryOps(this.code);
  }

  /** Declares a new local of `type` (zero-initialised) and returns it. */
  declareLocal(type: ValType): Local {
    const local = { index: this.params.length + this.declaredLocals.length, type };
    this.declaredLocals.push(type);
    return local;
  }

  /** `block ... end`; `br(label)` inside jumps past the end. */
  block(body: (label: Label) => void, result?: ValType): void {
    this.structured(0x02, body, result);
  }

  /** `loop ... end`; `br(label)` inside jumps back to the top. */
  loop(body: (label: Label) => void, result?: ValType): void {
    this.structured(0x03, body, result);
  }

  /** `if ... [else ...] end`, consuming an i32 condition from the stack. */
  if(then: (label: Label) => void, otherwise?: (label: Label) => void, result?: ValType): void {
    this.code.op(0x04);
    this.code.out.byte(result ?? EMPTY_BLOCK_TYPE);
    const label = this.pushLabel();
    then(label);
    if (otherwise) {
      this.code.op(0x05);
      otherwise(label);
    }
    this.popLabel(label);
  }

  /** Unconditional branch to `label`. */
  br(label: Label): void {
    this.code.op(0x0c);
    this.code.out.unsigned(this.depthOf(label));
  }

  /** Branch to `label` if the i32 on the stack is non-zero. */
  brIf(label: Label): void {
    this.code.op(0x0d);
    this.code.out.unsigned(this.depthOf(label));
  }

  /** `call` a function of the same module (imported or defined). */
  call(func: FuncRef): void {
    this.code.op(0x10);
    this.code.out.unsigned(func.index);
  }

  return(): void {
    this.code.op(0x0f);
  }

  drop(): void {
    this.code.op(0x1a);
  }

  /** `select`: pops a, b, cond and pushes cond ? a : b (numeric operands). */
  select(): void {
    this.code.op(0x1b);
  }

  unreachable(): void {
    this.code.op(0x00);
  }

  nop(): void {
    this.code.op(0x01);
  }

  /** @internal Encodes locals and body (terminated by `end`) as a code-section entry. */
  encode(into: ByteWriter): void {
    if (this.controlStack.length !== 0) throw new Error('unterminated block in function body');
    const entry = new ByteWriter();
    const runs: { type: ValType; count: number }[] = [];
    for (const type of this.declaredLocals) {
      const last = runs[runs.length - 1];
      if (last && last.type === type) last.count++;
      else runs.push({ type, count: 1 });
    }
    entry.unsigned(runs.length);
    for (const run of runs) {
      entry.unsigned(run.count);
      entry.byte(run.type);
    }
    entry.bytes(this.code.out.view());
    entry.byte(0x0b);
    into.sized(entry);
  }

  private structured(opcode: number, body: (label: Label) => void, result: ValType | undefined): void {
    this.code.op(opcode);
    this.code.out.byte(result ?? EMPTY_BLOCK_TYPE);
    const label = this.pushLabel();
    body(label);
    this.popLabel(label);
  }

  private pushLabel(): Label {
    const label = new Label(this.controlStack.length);
    this.controlStack.push(label);
    return label;
  }

  private popLabel(label: Label): void {
    if (this.controlStack.pop() !== label) throw new Error('mismatched block nesting');
    this.code.op(0x0b);
  }

  private depthOf(label: Label): number {
    if (this.controlStack[label.depth] !== label) throw new Error('branch to a label that is not enclosing');
    return this.controlStack.length - 1 - label.depth;
  }
}

interface FunctionImport {
  module: string;
  name: string;
  typeIndex: number;
}

interface MemoryImport {
  module: string;
  name: string;
  limits: MemoryLimits;
}

interface DefinedFunction {
  typeIndex: number;
  builder: FunctionBuilder;
}

/**
 * Assembles a wasm module: imports (functions, one memory), defined functions and exports.
 *
 * ```ts
 * const mod = new ModuleBuilder();
 * const add = mod.func([i32, i32], [i32], (f) => {
 *   f.local.get(f.params[0]!); f.local.get(f.params[1]!); f.i32.add();
 * });
 * mod.exportFunc('add', add);
 * const { add: addFn } = mod.instantiate().exports;
 * ```
 */
export class ModuleBuilder {
  private readonly features: Required<ModuleFeatures>;
  private readonly types: (readonly [readonly ValType[], readonly ValType[]])[] = [];
  private readonly typeIndexByKey = new Map<string, number>();
  private readonly functionImports: FunctionImport[] = [];
  private memoryImport: MemoryImport | undefined;
  private readonly definedFunctions: DefinedFunction[] = [];
  private readonly exports: { name: string; kind: number; index: number }[] = [];
  private readonly functionNames = new Map<number, string>();

  constructor(features: ModuleFeatures = {}) {
    this.features = { relaxedSimd: features.relaxedSimd ?? false };
  }

  /** Whether relaxed-SIMD instructions may be emitted into this module. */
  get relaxedSimd(): boolean {
    return this.features.relaxedSimd;
  }

  /** Imports linear memory 0 as `module.name`. Shared memories need a `maximum`. */
  importMemory(module: string, name: string, limits: MemoryLimits): void {
    if (this.memoryImport) throw new Error('only one memory can be imported');
    if (limits.shared && limits.maximum === undefined) throw new Error('a shared memory needs a maximum');
    this.memoryImport = { module, name, limits };
  }

  /** Imports a host function; must precede all `func` definitions (imports come first in the index space). */
  importFunc(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): FuncRef {
    if (this.definedFunctions.length > 0) throw new Error('import functions before defining any');
    const index = this.functionImports.length;
    this.functionImports.push({ module, name, typeIndex: this.typeIndex(params, results) });
    return { index, params, results };
  }

  /** Defines a function; `build` emits its body through the given {@link FunctionBuilder}. */
  func(params: readonly ValType[], results: readonly ValType[], build: (f: FunctionBuilder) => void): FuncRef {
    const builder = new FunctionBuilder(params, this.features);
    build(builder);
    const index = this.functionImports.length + this.definedFunctions.length;
    this.definedFunctions.push({ typeIndex: this.typeIndex(params, results), builder });
    return { index, params, results };
  }

  /** Names `func` in the module's "name" custom section (shown by profilers and stack traces). */
  nameFunc(func: FuncRef, name: string): void {
    this.functionNames.set(func.index, name);
  }

  /** Exports `func` under `name`. */
  exportFunc(name: string, func: FuncRef): void {
    this.exports.push({ name, kind: ExternalKind.func, index: func.index });
  }

  /** Encodes the module as wasm binary. */
  toBytes(): Uint8Array {
    const out = new ByteWriter();
    out.bytes(WASM_MAGIC_AND_VERSION);

    this.section(out, Section.type, this.types.length, (body) => {
      for (const [params, results] of this.types) {
        body.byte(FUNC_TYPE_TAG);
        body.unsigned(params.length);
        body.bytes(params);
        body.unsigned(results.length);
        body.bytes(results);
      }
    });

    const importCount = this.functionImports.length + (this.memoryImport ? 1 : 0);
    this.section(out, Section.import, importCount, (body) => {
      for (const imported of this.functionImports) {
        body.name(imported.module);
        body.name(imported.name);
        body.byte(ExternalKind.func);
        body.unsigned(imported.typeIndex);
      }
      if (this.memoryImport) {
        const { module, name, limits } = this.memoryImport;
        body.name(module);
        body.name(name);
        body.byte(ExternalKind.memory);
        const hasMaximum = limits.maximum !== undefined;
        body.byte((hasMaximum ? 0x01 : 0x00) | (limits.shared ? 0x02 : 0x00));
        body.unsigned(limits.initial);
        if (hasMaximum) body.unsigned(limits.maximum!);
      }
    });

    this.section(out, Section.function, this.definedFunctions.length, (body) => {
      for (const defined of this.definedFunctions) body.unsigned(defined.typeIndex);
    });

    this.section(out, Section.export, this.exports.length, (body) => {
      for (const exported of this.exports) {
        body.name(exported.name);
        body.byte(exported.kind);
        body.unsigned(exported.index);
      }
    });

    this.section(out, Section.code, this.definedFunctions.length, (body) => {
      for (const defined of this.definedFunctions) defined.builder.encode(body);
    });

    if (this.functionNames.size > 0) {
      // Custom section "name", subsection 1 (function names): a vector of (index, name) sorted by index.
      const names = new ByteWriter();
      const entries = [...this.functionNames].sort((a, b) => a[0] - b[0]);
      names.unsigned(entries.length);
      for (const [index, name] of entries) {
        names.unsigned(index);
        names.name(name);
      }
      const body = new ByteWriter();
      body.name('name');
      body.byte(1);
      body.sized(names);
      out.byte(0);
      out.sized(body);
    }
    return out.toBytes();
  }

  /** Compiles the module synchronously (fine for small kernels; V8 compiles lazily). */
  compile(): WasmModule {
    return new wasmApi.Module(this.toBytes());
  }

  /** Compiles and instantiates the module with `imports`. */
  instantiate(imports: WasmImports = {}): WasmInstance {
    return new wasmApi.Instance(this.compile(), imports);
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}:${results.join(',')}`;
    let index = this.typeIndexByKey.get(key);
    if (index === undefined) {
      index = this.types.length;
      this.types.push([params, results]);
      this.typeIndexByKey.set(key, index);
    }
    return index;
  }

  private section(out: ByteWriter, id: number, count: number, writeEntries: (body: ByteWriter) => void): void {
    if (count === 0) return;
    const body = new ByteWriter();
    body.unsigned(count);
    writeEntries(body);
    out.byte(id);
    out.sized(body);
  }
}

let relaxedSimdProbe: boolean | undefined;

/**
 * Whether this engine accepts relaxed-SIMD instructions (Node 20 needs `--experimental-wasm-relaxed-simd`).
 * Probed once with `WebAssembly.validate` on a one-instruction module and cached; `recheck` re-probes
 * (for when V8 flags change at runtime).
 */
export function relaxedSimdAvailable(recheck = false): boolean {
  if (relaxedSimdProbe === undefined || recheck) {
    const probe = new ModuleBuilder({ relaxedSimd: true });
    probe.func([], [], (f) => {
      f.v128.zero();
      f.v128.zero();
      f.v128.zero();
      f.f32x4.relaxedMadd();
      f.drop();
    });
    relaxedSimdProbe = wasmApi.validate(probe.toBytes());
  }
  return relaxedSimdProbe;
}

/** Emits `body` `count` times as a counted-down loop over `counter` (inlined once for 1, nothing for 0). */
export function emitCountedLoop(f: FunctionBuilder, count: number, counter: Local, body: () => void): void {
  if (count <= 0) return;
  if (count === 1) return body();
  f.i32.const(count);
  f.local.set(counter);
  f.loop((top) => {
    body();
    f.local.get(counter);
    f.i32.const(1);
    f.i32.sub();
    f.local.tee(counter);
    f.brIf(top);
  });
}

/** Emits `local += amount` (i32; nothing for 0). */
export function emitAddToLocal(f: FunctionBuilder, local: Local, amount: number): void {
  if (amount === 0) return;
  f.local.get(local);
  f.i32.const(amount);
  f.i32.add();
  f.local.set(local);
}
