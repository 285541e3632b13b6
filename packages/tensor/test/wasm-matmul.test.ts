// Correctness of the wasm SIMD matmul against a float64 JS reference: all layouts, edge sizes, k blocking, batching.

import { describe, expect, it } from 'vitest';
import { matmulF32, matmulF32Batched } from '../src/backend/wasm/matmul.ts';

const RELATIVE_TOLERANCE = 1e-5;

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

interface Layout {
  transA: boolean;
  transB: boolean;
}

const LAYOUTS: [string, Layout][] = [
  ['NN', { transA: false, transB: false }],
  ['NT', { transA: false, transB: true }],
  ['TN', { transA: true, transB: false }],
  ['TT', { transA: true, transB: true }],
];

/**
 * Checks `actual` (one [m, n] matrix at `actualOffset`) against op(A)·op(B) computed in float64:
 * |error| ≤ tol · Σ_p |a_ip·b_pj| per entry (the scale of the rounding error of any summation order).
 */
function expectMatmulClose(
  actual: Float32Array,
  actualOffset: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  m: number,
  k: number,
  n: number,
  { transA, transB }: Layout,
  label: string,
): void {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const aValue = a[aOffset + (transA ? p * m + i : i * k + p)]!;
        const bValue = b[bOffset + (transB ? j * k + p : p * n + j)]!;
        sum += aValue * bValue;
        scale += Math.abs(aValue * bValue);
      }
      const error = Math.abs(actual[actualOffset + i * n + j]! - sum) / Math.max(scale, 1e-30);
      if (!(error <= worst)) worst = error;
    }
  }
  expect(worst, `${label}: worst relative error`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
}

describe('matmulF32', () => {
  const EDGE_SIZES = [1, 3, 7, 17, 65];

  for (const [name, layout] of LAYOUTS) {
    it(`${name}: every combination of the edge sizes ${EDGE_SIZES.join(', ')}`, () => {
      let seed = 1;
      for (const m of EDGE_SIZES) {
        for (const k of EDGE_SIZES) {
          for (const n of EDGE_SIZES) {
            const a = randomArray(m * k, seed++);
            const b = randomArray(k * n, seed++);
            const c = matmulF32(a, b, m, k, n, layout);
            expect(c.length).toBe(m * n);
            expectMatmulClose(c, 0, a, 0, b, 0, m, k, n, layout, `${name} ${m}x${k}x${n}`);
          }
        }
      }
    });

    it(`${name}: random shapes, including k blocked into several passes`, () => {
      const shapes: [number, number, number][] = [
        [4, 8, 8],
        [8, 16, 16],
        [33, 40, 31],
        [12, 257, 24], // two k blocks of different lengths
        [9, 300, 13], // two equal k blocks
        [21, 600, 10], // three equal k blocks
        [5, 1000, 9], // four k blocks, uneven last
        [64, 64, 64],
        [128, 96, 72],
      ];
      let seed = 1000;
      for (let trial = 0; trial < 6; trial++) {
        shapes.push([1 + (seed * 7) % 50, 1 + (seed * 13) % 90, 1 + (seed * 11) % 70]);
        seed += 17;
      }
      for (const [m, k, n] of shapes) {
        const a = randomArray(m * k, seed++);
        const b = randomArray(k * n, seed++);
        const c = matmulF32(a, b, m, k, n, layout);
        expectMatmulClose(c, 0, a, 0, b, 0, m, k, n, layout, `${name} ${m}x${k}x${n}`);
      }
    });
  }

  it('returns zeros for k = 0, overwriting a provided out', () => {
    const out = new Float32Array(12).fill(7);
    expect(matmulF32(new Float32Array(0), new Float32Array(0), 3, 0, 4, { out })).toBe(out);
    expect([...out]).toEqual(new Array(12).fill(0));
    expect([...matmulF32(new Float32Array(0), new Float32Array(0), 2, 0, 2)]).toEqual([0, 0, 0, 0]);
  });

  it('handles empty outputs', () => {
    expect(matmulF32(new Float32Array(0), new Float32Array(5), 0, 5, 1).length).toBe(0);
  });

  it('writes into opts.out and leaves elements past m·n untouched', () => {
    const [m, k, n] = [40, 50, 30];
    const a = randomArray(m * k, 5);
    const b = randomArray(k * n, 6);
    const out = new Float32Array(m * n + 3).fill(-1);
    expect(matmulF32(a, b, m, k, n, { out })).toBe(out);
    expectMatmulClose(out, 0, a, 0, b, 0, m, k, n, LAYOUTS[0]![1], 'out');
    expect([...out.subarray(m * n)]).toEqual([-1, -1, -1]);
  });

  it('stays correct when the shared memory grows between calls', () => {
    const small = randomArray(32 * 32, 7);
    const layout = LAYOUTS[0]![1];
    expectMatmulClose(matmulF32(small, small, 32, 32, 32), 0, small, 0, small, 0, 32, 32, 32, layout, 'before grow');
    const [m, k, n] = [300, 400, 500];
    const a = randomArray(m * k, 8);
    const b = randomArray(k * n, 9);
    const c = matmulF32(a, b, m, k, n);
    for (const [i, j] of [[0, 0], [299, 499], [123, 456], [4, 7]] as const) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      expect(c[i * n + j]).toBeCloseTo(sum, 3);
    }
    expectMatmulClose(matmulF32(small, small, 32, 32, 32), 0, small, 0, small, 0, 32, 32, 32, layout, 'after grow');
  });

  it('validates sizes', () => {
    expect(() => matmulF32(new Float32Array(5), new Float32Array(6), 2, 3, 2)).toThrow(RangeError);
    expect(() => matmulF32(new Float32Array(6), new Float32Array(5), 2, 3, 2)).toThrow(RangeError);
    expect(() => matmulF32(new Float32Array(6), new Float32Array(6), 2, 3, 2, { out: new Float32Array(3) })).toThrow(
      RangeError,
    );
    expect(() => matmulF32(new Float32Array(6), new Float32Array(6), 2.5, 3, 2)).toThrow(RangeError);
  });
});

describe('matmulF32Batched', () => {
  const SHAPES: [number, number, number][] = [
    [3, 5, 2],
    [17, 33, 9],
    [20, 64, 24],
  ];

  for (const [name, layout] of LAYOUTS) {
    it(`${name}: contiguous and broadcast operands`, () => {
      const batch = 3;
      let seed = 77;
      for (const [m, k, n] of SHAPES) {
        for (const [aBroadcast, bBroadcast] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const a = randomArray((aBroadcast ? 1 : batch) * m * k, seed++);
          const b = randomArray((bBroadcast ? 1 : batch) * k * n, seed++);
          const c = matmulF32Batched(a, b, batch, m, k, n, {
            ...layout,
            aBatchStride: aBroadcast ? 0 : m * k,
            bBatchStride: bBroadcast ? 0 : k * n,
          });
          expect(c.length).toBe(batch * m * n);
          for (let entry = 0; entry < batch; entry++) {
            const label = `${name} ${m}x${k}x${n} entry ${entry} broadcast A=${aBroadcast} B=${bBroadcast}`;
            const aOffset = aBroadcast ? 0 : entry * m * k;
            const bOffset = bBroadcast ? 0 : entry * k * n;
            expectMatmulClose(c, entry * m * n, a, aOffset, b, bOffset, m, k, n, layout, label);
          }
        }
      }
    });
  }

  it('uses default strides m·k and k·n', () => {
    const [batch, m, k, n] = [4, 6, 70, 10];
    const a = randomArray(batch * m * k, 3);
    const b = randomArray(batch * k * n, 4);
    const c = matmulF32Batched(a, b, batch, m, k, n);
    for (let entry = 0; entry < batch; entry++) {
      expectMatmulClose(c, entry * m * n, a, entry * m * k, b, entry * k * n, m, k, n, LAYOUTS[0]![1], `entry ${entry}`);
    }
  });

  it('validates batch strides against operand lengths', () => {
    expect(() => matmulF32Batched(new Float32Array(12), new Float32Array(6), 3, 2, 3, 2)).toThrow(RangeError);
    expect(() =>
      matmulF32Batched(new Float32Array(6), new Float32Array(18), 3, 2, 3, 2, { aBatchStride: -1 }),
    ).toThrow(RangeError);
    expect(matmulF32Batched(new Float32Array(6), new Float32Array(18), 3, 2, 3, 2, { aBatchStride: 0 }).length).toBe(12);
  });
});
