// Relaxed-SIMD paths (f32x4.relaxed_madd in the emitter and the matmul kernels), enabled via a V8 flag for this file.

import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ModuleBuilder, i32, relaxedSimdAvailable } from '../src/backend/wasm/emitter.ts';
import { matmulF32, matmulF32Batched } from '../src/backend/wasm/matmul.ts';
import { wasmApi } from '../src/backend/wasm/wasm-api.ts';

// Node 20 needs the flag; later versions ship relaxed SIMD enabled. Each vitest file runs in its own
// module registry, and the matmul kernels probe relaxed SIMD lazily, so setting it here is enough.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

describe('relaxed SIMD', () => {
  it('is detected once the engine supports it', () => {
    expect(relaxedSimdAvailable(true)).toBe(true);
  });

  it('emits f32x4.relaxed_madd computing a·b + c', () => {
    const mod = new ModuleBuilder({ relaxedSimd: true });
    mod.importMemory('env', 'memory', { initial: 1 });
    const madd = mod.func([i32], [], (f) => {
      const base = f.params[0]!;
      f.local.get(base);
      f.local.get(base);
      f.v128.load(0);
      f.local.get(base);
      f.v128.load(16);
      f.local.get(base);
      f.v128.load(32);
      f.f32x4.relaxedMadd();
      f.v128.store(48);
    });
    mod.exportFunc('madd', madd);
    const memory = new wasmApi.Memory({ initial: 1 });
    const { madd: call } = mod.instantiate({ env: { memory } }).exports as { madd: (base: number) => void };
    const floats = new Float32Array(memory.buffer);
    floats.set([1, 2, 3, 4, 2, 2, -1, 0.5, 10, 20, 30, 40]);
    call(0);
    expect([...floats.subarray(12, 16)]).toEqual([12, 24, 27, 42]);
  });

  it('gives matmul results matching a float64 reference in every layout', () => {
    const shapes: [number, number, number][] = [
      [1, 65, 17],
      [17, 7, 65],
      [65, 65, 65],
      [33, 600, 21],
    ];
    let seed = 11;
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [m, k, n] of shapes) {
          const a = randomArray(m * k, seed++);
          const b = randomArray(k * n, seed++);
          const c = matmulF32(a, b, m, k, n, { transA, transB });
          expect(worstRelativeError(c, 0, a, 0, b, 0, m, k, n, transA, transB)).toBeLessThanOrEqual(1e-5);
        }
      }
    }
  });

  it('handles a broadcast operand in batched matmul', () => {
    const [batch, m, k, n] = [3, 20, 40, 12];
    const a = randomArray(batch * m * k, 5);
    const b = randomArray(k * n, 6);
    const c = matmulF32Batched(a, b, batch, m, k, n, { bBatchStride: 0 });
    for (let entry = 0; entry < batch; entry++) {
      expect(worstRelativeError(c, entry * m * n, a, entry * m * k, b, 0, m, k, n, false, false)).toBeLessThanOrEqual(1e-5);
    }
  });
});

/** Deterministic uniform values in [-1, 1) (mulberry32). */
function randomArray(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return values;
}

/** max over entries of |C - op(A)·op(B)| / Σ_p |a_ip·b_pj|, the reference computed in float64. */
function worstRelativeError(
  c: Float32Array,
  cOffset: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const product = a[aOffset + (transA ? p * m + i : i * k + p)]! * b[bOffset + (transB ? j * k + p : p * n + j)]!;
        sum += product;
        scale += Math.abs(product);
      }
      const error = Math.abs(c[cOffset + i * n + j]! - sum) / Math.max(scale, 1e-30);
      if (!(error <= worst)) worst = error;
    }
  }
  return worst;
}
