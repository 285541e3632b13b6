// Unit tests of the wasm binary emitter: LEB128, module structure, control flow, memory, SIMD.

import { describe, expect, it } from 'vitest';
import {
  ModuleBuilder,
  i64,
  encodeSignedLeb128,
  encodeUnsignedLeb128,
  f32,
  f64,
  i32,
  relaxedSimdAvailable,
  v128,
  type FunctionBuilder,
  type Label,
  type Local,
  type ValType,
} from '../src/backend/wasm/emitter.ts';
import { wasmApi } from '../src/backend/wasm/wasm-api.ts';

type Exported = Record<string, (...args: never[]) => unknown>;

function exportsOf(mod: ModuleBuilder, imports = {}): Exported {
  return mod.instantiate(imports).exports as Exported;
}

describe('LEB128', () => {
  it('encodes unsigned values', () => {
    const cases: [number | bigint, number[]][] = [
      [0, [0x00]],
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [624485, [0xe5, 0x8e, 0x26]],
      [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
      [2 ** 35, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
      [2n ** 64n - 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ];
    for (const [value, bytes] of cases) expect([...encodeUnsignedLeb128(value)], String(value)).toEqual(bytes);
  });

  it('encodes signed values', () => {
    const cases: [number | bigint, number[]][] = [
      [0, [0x00]],
      [-1, [0x7f]],
      [63, [0x3f]],
      [64, [0xc0, 0x00]],
      [-64, [0x40]],
      [-65, [0xbf, 0x7f]],
      [-123456, [0xc0, 0xbb, 0x78]],
      [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
      [-(2 ** 31), [0x80, 0x80, 0x80, 0x80, 0x78]],
      [-(2n ** 63n), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]],
      [2n ** 63n - 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ];
    for (const [value, bytes] of cases) expect([...encodeSignedLeb128(value)], String(value)).toEqual(bytes);
  });

  it('rejects values it cannot encode', () => {
    expect(() => encodeUnsignedLeb128(-1)).toThrow(RangeError);
    expect(() => encodeUnsignedLeb128(1.5)).toThrow(RangeError);
    expect(() => encodeSignedLeb128(2 ** 33)).toThrow(RangeError);
  });
});

describe('ModuleBuilder', () => {
  it('emits a valid module that adds two i32s', () => {
    const mod = new ModuleBuilder();
    const add = mod.func([i32, i32], [i32], (f) => {
      const [x, y] = f.params;
      f.local.get(x!);
      f.local.get(y!);
      f.i32.add();
    });
    mod.exportFunc('add', add);
    const bytes = mod.toBytes();
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(wasmApi.validate(bytes)).toBe(true);
    const { add: addFn } = exportsOf(mod) as { add: (x: number, y: number) => number };
    expect(addFn(2, 40)).toBe(42);
    expect(addFn(0x7fffffff, 1)).toBe(-0x80000000);
  });

  it('dedupes function types and calls between functions', () => {
    const mod = new ModuleBuilder();
    const square = mod.func([f64], [f64], (f) => {
      f.local.get(f.params[0]!);
      f.local.get(f.params[0]!);
      f.f64.mul();
    });
    const sumOfSquares = mod.func([f64, f64], [f64], (f) => {
      f.local.get(f.params[0]!);
      f.call(square);
      f.local.get(f.params[1]!);
      f.call(square);
      f.f64.add();
    });
    mod.exportFunc('sumOfSquares', sumOfSquares);
    const { sumOfSquares: fn } = exportsOf(mod) as { sumOfSquares: (a: number, b: number) => number };
    expect(fn(3, 4)).toBe(25);
  });

  it('builds loops, blocks and if/else with label-based branches', () => {
    const mod = new ModuleBuilder();
    // Sum of odd numbers below n, exiting early once the sum exceeds a cap.
    const sumOdd = mod.func([i32, i32], [i32], (f) => {
      const [n, cap] = f.params as [Local, Local];
      const i = f.declareLocal(i32);
      const sum = f.declareLocal(i32);
      f.block((done) => {
        f.loop((next) => {
          f.local.get(i);
          f.local.get(n);
          f.i32.geS();
          f.brIf(done);
          f.local.get(i);
          f.i32.const(1);
          f.i32.and();
          f.if(() => {
            f.local.get(sum);
            f.local.get(i);
            f.i32.add();
            f.local.set(sum);
          });
          f.local.get(sum);
          f.local.get(cap);
          f.i32.gtS();
          f.brIf(done);
          f.local.get(i);
          f.i32.const(1);
          f.i32.add();
          f.local.set(i);
          f.br(next);
        });
      });
      f.local.get(sum);
    });
    const sign = mod.func([f32], [i32], (f) => {
      f.local.get(f.params[0]!);
      f.f32.const(0);
      f.f32.lt();
      f.if(
        () => f.i32.const(-1),
        () => f.i32.const(1),
        i32,
      );
    });
    mod.exportFunc('sumOdd', sumOdd);
    mod.exportFunc('sign', sign);
    const exported = exportsOf(mod) as { sumOdd: (n: number, cap: number) => number; sign: (x: number) => number };
    expect(exported.sumOdd(10, 1000)).toBe(1 + 3 + 5 + 7 + 9);
    expect(exported.sumOdd(100, 10)).toBe(1 + 3 + 5 + 7);
    expect(exported.sign(-2.5)).toBe(-1);
    expect(exported.sign(2.5)).toBe(1);
  });

  it('supports i64 immediates, conversions and f64 math', () => {
    const mod = new ModuleBuilder();
    const fn = mod.func([f64], [f64], (f) => {
      f.i64.const(2n ** 40n);
      f.i64.const(-3);
      f.i64.mul();
      f.f64.convertI64S();
      f.local.get(f.params[0]!);
      f.f64.sqrt();
      f.f64.add();
    });
    mod.exportFunc('fn', fn);
    const { fn: call } = exportsOf(mod) as { fn: (x: number) => number };
    expect(call(16)).toBe(-3 * 2 ** 40 + 4);
  });

  it('imports memory (plain or shared) and uses loads/stores with offsets', () => {
    for (const shared of [false, true]) {
      const mod = new ModuleBuilder();
      mod.importMemory('env', 'memory', shared ? { initial: 1, maximum: 2, shared } : { initial: 1 });
      // out[0] = in[1] * in[2] + (f32) in_i64[2], at byte offsets 4/8 and 16 from `base`
      const fn = mod.func([i32], [], (f) => {
        const base = f.params[0]!;
        f.local.get(base);
        f.local.get(base);
        f.f32.load(4);
        f.local.get(base);
        f.f32.load(8);
        f.f32.mul();
        f.local.get(base);
        f.i64.load(16);
        f.f32.convertI64S();
        f.f32.add();
        f.f32.store(0);
      });
      mod.exportFunc('fn', fn);
      const memory = new wasmApi.Memory(shared ? { initial: 1, maximum: 2, shared } : { initial: 1 });
      const { fn: call } = exportsOf(mod, { env: { memory } }) as { fn: (base: number) => void };
      const floats = new Float32Array(memory.buffer, 64, 8);
      new BigInt64Array(memory.buffer, 64 + 16, 1)[0] = 10n;
      floats[1] = 1.5;
      floats[2] = 4;
      call(64);
      expect(floats[0]).toBe(16);
    }
  });

  it('calls imported host functions', () => {
    const mod = new ModuleBuilder();
    const hostExp = mod.importFunc('math', 'exp', [f64], [f64]);
    const fn = mod.func([f64], [f64], (f) => {
      f.local.get(f.params[0]!);
      f.call(hostExp);
      f.f64.const(1);
      f.f64.sub();
    });
    mod.exportFunc('expm1', fn);
    const { expm1 } = exportsOf(mod, { math: { exp: Math.exp } }) as { expm1: (x: number) => number };
    expect(expm1(1)).toBeCloseTo(Math.E - 1, 12);
  });

  it('emits SIMD128: v128 load/store, load splat, f32x4/f64x2 arithmetic, extract_lane', () => {
    const mod = new ModuleBuilder();
    mod.importMemory('env', 'memory', { initial: 1 });
    // out = max(min(x * splat(s) + y, 10), -10) over 4 lanes; returns lane 2 of the result.
    const f32Kernel = mod.func([i32, i32, i32, i32], [f32], (f) => {
      const [x, y, s, out] = f.params as [Local, Local, Local, Local];
      const result = f.declareLocal(v128);
      f.local.get(x);
      f.v128.load();
      f.local.get(s);
      f.v128.load32Splat();
      f.f32x4.mul();
      f.local.get(y);
      f.v128.load();
      f.f32x4.add();
      f.f32.const(10);
      f.f32x4.splat();
      f.f32x4.min();
      f.f32.const(-10);
      f.f32x4.splat();
      f.f32x4.max();
      f.local.tee(result);
      f.local.get(out);
      f.local.get(result);
      f.v128.store(16);
      f.f32x4.extractLane(2);
    });
    // f64x2: (a + b) * splat(c) - a, both lanes summed with extract_lane.
    const f64Kernel = mod.func([i32, i32, f64], [f64], (f) => {
      const [a, b, c] = f.params as [Local, Local, Local];
      const tmp = f.declareLocal(v128);
      f.local.get(a);
      f.v128.load();
      f.local.get(b);
      f.v128.load();
      f.f64x2.add();
      f.local.get(c);
      f.f64x2.splat();
      f.f64x2.mul();
      f.local.get(a);
      f.v128.load();
      f.f64x2.sub();
      f.local.tee(tmp);
      f.f64x2.extractLane(0);
      f.local.get(tmp);
      f.f64x2.extractLane(1);
      f.f64.add();
    });
    mod.exportFunc('f32Kernel', f32Kernel);
    mod.exportFunc('f64Kernel', f64Kernel);
    expect(wasmApi.validate(mod.toBytes())).toBe(true);
    const memory = new wasmApi.Memory({ initial: 1 });
    const exported = exportsOf(mod, { env: { memory } }) as {
      f32Kernel: (x: number, y: number, s: number, out: number) => number;
      f64Kernel: (a: number, b: number, c: number) => number;
    };
    const floats = new Float32Array(memory.buffer);
    floats.set([1, -2, 3, 40], 0); // x at byte 0
    floats.set([0.5, 0.5, 0.5, 0.5], 4); // y at byte 16
    floats[8] = 2; // s at byte 32
    const lane2 = exported.f32Kernel(0, 16, 32, 48);
    expect(lane2).toBe(6.5);
    expect([...floats.subarray(16, 20)]).toEqual([2.5, -3.5, 6.5, 10]); // out at 48 + 16
    const doubles = new Float64Array(memory.buffer);
    doubles.set([1, 2], 16); // a at byte 128
    doubles.set([3, 5], 18); // b at byte 144
    expect(exported.f64Kernel(128, 144, 2)).toBe((1 + 3) * 2 - 1 + ((2 + 5) * 2 - 2));
  });

  it('gates relaxed SIMD behind the module feature', () => {
    const mod = new ModuleBuilder();
    expect(() =>
      mod.func([], [], (f) => {
        f.v128.zero();
        f.v128.zero();
        f.v128.zero();
        f.f32x4.relaxedMadd();
        f.drop();
      }),
    ).toThrow(/relaxedSimd/);
    expect(typeof relaxedSimdAvailable()).toBe('boolean');
  });

  it('rejects malformed structure', () => {
    const mod = new ModuleBuilder();
    expect(() =>
      mod.func([], [], (f) => {
        let outer: Label | undefined;
        f.block((label) => {
          outer = label;
        });
        f.br(outer!);
      }),
    ).toThrow(/not enclosing/);
    expect(() => mod.importMemory('env', 'memory', { initial: 1, shared: true })).toThrow(/maximum/);
    expect(() =>
      mod.func([], [], (f) => {
        f.f32x4.extractLane(4);
      }),
    ).toThrow(RangeError);
  });
});

describe('instruction tables', () => {
  type Namespace = 'i32' | 'i64' | 'f32' | 'f64';
  type Case = [namespace: Namespace, op: string, params: ValType[], result: ValType, args: (number | bigint)[], expected: number | bigint];

  /** Runs a one-instruction function `(params) -> result` and returns its value. */
  function runScalar(namespace: Namespace, op: string, params: ValType[], result: ValType, args: (number | bigint)[]): unknown {
    const mod = new ModuleBuilder();
    const fn = mod.func(params, [result], (f) => {
      for (const param of f.params) f.local.get(param);
      (f[namespace] as unknown as Record<string, () => void>)[op]!();
    });
    mod.exportFunc('fn', fn);
    return (exportsOf(mod).fn as (...values: (number | bigint)[]) => unknown)(...args);
  }

  it('computes scalar ops like JS', () => {
    const cases: Case[] = [
      ['i32', 'sub', [i32, i32], i32, [5, 7], -2],
      ['i32', 'mul', [i32, i32], i32, [0x10000, 0x10001], 0x10000],
      ['i32', 'divS', [i32, i32], i32, [-7, 2], -3],
      ['i32', 'divU', [i32, i32], i32, [-1, 2], 0x7fffffff],
      ['i32', 'remS', [i32, i32], i32, [-7, 2], -1],
      ['i32', 'remU', [i32, i32], i32, [7, 4], 3],
      ['i32', 'and', [i32, i32], i32, [0b1100, 0b1010], 0b1000],
      ['i32', 'or', [i32, i32], i32, [0b1100, 0b1010], 0b1110],
      ['i32', 'xor', [i32, i32], i32, [0b1100, 0b1010], 0b0110],
      ['i32', 'shl', [i32, i32], i32, [3, 4], 48],
      ['i32', 'shrS', [i32, i32], i32, [-16, 2], -4],
      ['i32', 'shrU', [i32, i32], i32, [-16, 28], 15],
      ['i32', 'rotl', [i32, i32], i32, [0x80000001, 1], 3],
      ['i32', 'rotr', [i32, i32], i32, [3, 1], 0x80000001 | 0],
      ['i32', 'clz', [i32], i32, [1], 31],
      ['i32', 'ctz', [i32], i32, [8], 3],
      ['i32', 'popcnt', [i32], i32, [0xff], 8],
      ['i32', 'eqz', [i32], i32, [0], 1],
      ['i32', 'eq', [i32, i32], i32, [3, 3], 1],
      ['i32', 'ne', [i32, i32], i32, [3, 3], 0],
      ['i32', 'ltS', [i32, i32], i32, [-1, 0], 1],
      ['i32', 'ltU', [i32, i32], i32, [-1, 0], 0],
      ['i32', 'gtU', [i32, i32], i32, [-1, 0], 1],
      ['i32', 'leS', [i32, i32], i32, [2, 2], 1],
      ['i32', 'geU', [i32, i32], i32, [1, 2], 0],
      ['i32', 'truncF64S', [f64], i32, [-3.7], -3],
      ['i32', 'wrapI64', [i64], i32, [2n ** 32n + 5n], 5],
      ['i32', 'reinterpretF32', [f32], i32, [1], 0x3f800000],
      ['i64', 'add', [i64, i64], i64, [2n ** 40n, 1n], 2n ** 40n + 1n],
      ['i64', 'mul', [i64, i64], i64, [-(2n ** 33n), 3n], -3n * 2n ** 33n],
      ['i64', 'divS', [i64, i64], i64, [-7n, 2n], -3n],
      ['i64', 'shrU', [i64, i64], i64, [-1n, 60n], 15n],
      ['i64', 'popcnt', [i64], i64, [2n ** 40n - 1n], 40n],
      ['i64', 'ltS', [i64, i64], i32, [-1n, 0n], 1],
      ['i64', 'extendI32S', [i32], i64, [-2], -2n],
      ['i64', 'extendI32U', [i32], i64, [-2], 2n ** 32n - 2n],
      ['i64', 'truncF64S', [f64], i64, [-2.5e12], -2500000000000n],
      ['f32', 'add', [f32, f32], f32, [0.5, 0.25], 0.75],
      ['f32', 'div', [f32, f32], f32, [1, 4], 0.25],
      ['f32', 'sqrt', [f32], f32, [9], 3],
      ['f32', 'neg', [f32], f32, [2], -2],
      ['f32', 'abs', [f32], f32, [-2], 2],
      ['f32', 'min', [f32, f32], f32, [1, -1], -1],
      ['f32', 'max', [f32, f32], f32, [1, -1], 1],
      ['f32', 'floor', [f32], f32, [-1.5], -2],
      ['f32', 'ceil', [f32], f32, [-1.5], -1],
      ['f32', 'trunc', [f32], f32, [-1.5], -1],
      ['f32', 'nearest', [f32], f32, [2.5], 2],
      ['f32', 'copysign', [f32, f32], f32, [3, -1], -3],
      ['f32', 'ge', [f32, f32], i32, [1, 1], 1],
      ['f32', 'convertI32U', [i32], f32, [-1], 4294967296],
      ['f32', 'demoteF64', [f64], f32, [0.1], Math.fround(0.1)],
      ['f64', 'sub', [f64, f64], f64, [0.5, 0.25], 0.25],
      ['f64', 'div', [f64, f64], f64, [1, 3], 1 / 3],
      ['f64', 'min', [f64, f64], f64, [1, -1], -1],
      ['f64', 'max', [f64, f64], f64, [1, -1], 1],
      ['f64', 'nearest', [f64], f64, [3.5], 4],
      ['f64', 'ne', [f64, f64], i32, [1, 2], 1],
      ['f64', 'convertI32S', [i32], f64, [-5], -5],
      ['f64', 'promoteF32', [f32], f64, [0.5], 0.5],
      ['f64', 'reinterpretI64', [i64], f64, [0x3ff0000000000000n], 1],
    ];
    for (const [namespace, op, params, result, args, expected] of cases) {
      expect(runScalar(namespace, op, params, result, args), `${namespace}.${op}(${args.join(', ')})`).toBe(expected);
    }
  });

  /** Runs `(x, y) -> op` over two v128 operands stored at bytes 0 and 16; returns the 16 result bytes. */
  function runVectorBinary(emitOp: (f: FunctionBuilder) => void, x: ArrayBufferView, y: ArrayBufferView): ArrayBuffer {
    const mod = new ModuleBuilder();
    mod.importMemory('env', 'memory', { initial: 1 });
    const fn = mod.func([], [], (f) => {
      f.i32.const(32);
      f.i32.const(0);
      f.v128.load();
      f.i32.const(0);
      f.v128.load(16);
      emitOp(f);
      f.v128.store();
    });
    mod.exportFunc('fn', fn);
    const memory = new wasmApi.Memory({ initial: 1 });
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(new Uint8Array(x.buffer, x.byteOffset, 16), 0);
    bytes.set(new Uint8Array(y.buffer, y.byteOffset, 16), 16);
    (exportsOf(mod, { env: { memory } }).fn as () => void)();
    return memory.buffer.slice(32, 48) as ArrayBuffer;
  }

  it('computes SIMD lane ops like JS', () => {
    const x = new Float32Array([1, -2, 9, 0.5]);
    const y = new Float32Array([3, 4, -1, 0.25]);
    const f32Lanes = (emitOp: (f: FunctionBuilder) => void): number[] => [...new Float32Array(runVectorBinary(emitOp, x, y))];
    expect(f32Lanes((f) => f.f32x4.sub())).toEqual([-2, -6, 10, 0.25]);
    expect(f32Lanes((f) => f.f32x4.div())).toEqual([1 / 3, -0.5, -9, 2].map(Math.fround));
    expect(f32Lanes((f) => f.f32x4.pmax())).toEqual([3, 4, 9, 0.5]);
    expect(f32Lanes((f) => (f.drop(), f.f32x4.abs()))).toEqual([1, 2, 9, 0.5]);
    expect(f32Lanes((f) => (f.drop(), f.f32x4.sqrt()))).toEqual([1, NaN, 3, Math.fround(Math.sqrt(0.5))]);
    expect([...new Int32Array(runVectorBinary((f) => f.f32x4.lt(), x, y))]).toEqual([-1, -1, 0, 0]);

    const xd = new Float64Array([1, -8]);
    const yd = new Float64Array([4, 2]);
    const f64Lanes = (emitOp: (f: FunctionBuilder) => void): number[] => [...new Float64Array(runVectorBinary(emitOp, xd, yd))];
    expect(f64Lanes((f) => f.f64x2.div())).toEqual([0.25, -4]);
    expect(f64Lanes((f) => f.f64x2.min())).toEqual([1, -8]);
    expect(f64Lanes((f) => f.f64x2.max())).toEqual([4, 2]);
    expect(f64Lanes((f) => (f.drop(), f.f64x2.neg()))).toEqual([-1, 8]);
    expect([...new BigInt64Array(runVectorBinary((f) => f.f64x2.ge(), xd, new Float64Array([0.5, 2])))]).toEqual([-1n, 0n]);

    const xi = new Int32Array([1, -2, 3, 0x40000000]);
    const yi = new Int32Array([5, 6, -7, 4]);
    const i32Lanes = (emitOp: (f: FunctionBuilder) => void): number[] => [...new Int32Array(runVectorBinary(emitOp, xi, yi))];
    expect(i32Lanes((f) => f.i32x4.add())).toEqual([6, 4, -4, 0x40000004]);
    expect(i32Lanes((f) => f.i32x4.sub())).toEqual([-4, -8, 10, 0x3ffffffc]);
    expect(i32Lanes((f) => f.i32x4.mul())).toEqual([5, -12, -21, 0]);
    expect(i32Lanes((f) => f.i32x4.gtS())).toEqual([0, 0, -1, -1]);
    expect(i32Lanes((f) => f.v128.and())).toEqual([1 & 5, -2 & 6, 3 & -7, 0x40000000 & 4]);
    expect(i32Lanes((f) => f.v128.xor())).toEqual([1 ^ 5, -2 ^ 6, 3 ^ -7, 0x40000000 ^ 4]);
    expect(i32Lanes((f) => f.v128.andnot())).toEqual([1 & ~5, -2 & ~6, 3 & ~-7, 0x40000000 & ~4]);
    expect(
      i32Lanes((f) => {
        f.drop();
        f.i32.const(2);
        f.i32x4.shl();
      }),
    ).toEqual([4, -8, 12, 0]);
    expect(
      i32Lanes((f) => {
        f.drop();
        f.i32.const(99);
        f.i32x4.replaceLane(1);
      }),
    ).toEqual([1, 99, 3, 0x40000000]);
    expect(
      i32Lanes((f) => {
        f.drop();
        f.drop();
        f.i32.const(7);
        f.i32x4.splat();
      }),
    ).toEqual([7, 7, 7, 7]);
  });
});
