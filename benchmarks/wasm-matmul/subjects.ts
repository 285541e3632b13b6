// The square f32 matmul written against each measured library: Drift's wasm kernel, Drift's np.matmul, tfjs-wasm and jax-js.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { defaultDevice, init, jit, numpy as jnp } from '@jax-js/jax';
import { np } from '@drift/tensor';
import { matmulF32 } from '../../packages/tensor/src/backend/wasm/matmul.ts';

/** A storage layout of C = op(A)·op(B): `transA` means A is stored [k, m] and used transposed; likewise `transB`. */
export interface Layout {
  readonly name: string;
  readonly transA: boolean;
  readonly transB: boolean;
}

/** The three layouts measured (TT is left out: no library has a separate path for it). */
export const LAYOUTS: readonly Layout[] = [
  { name: 'NN', transA: false, transB: false },
  { name: 'NT', transA: false, transB: true },
  { name: 'TN', transA: true, transB: false },
];

/** One library's N×N product for one layout, set up once per cell. */
export interface Prepared {
  /** Computes C = op(A)·op(B) and returns it as row-major floats (read back from the library, so it is complete). */
  run(): Float32Array;
  /** Frees what `prepare` allocated in the library (tensors, wasm buffers). */
  dispose(): void;
}

/** A measured library. */
export interface Subject {
  readonly name: string;
  /** Uploads A and B (both stored N×N row-major, read per `layout`) and returns the timed call. */
  prepare(a: Float32Array, b: Float32Array, n: number, layout: Layout): Prepared;
}

/** Selects tfjs's wasm backend and starts jax-js's wasm device (plain `init()` throws in Node 20: no `navigator`). */
export async function initAnchors(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: the wasm device failed to initialise (got ${devices.join(', ')})`);
  defaultDevice('wasm');
}

/** Drift's `matmulF32` called directly: copy-in, packing, the SIMD kernel and copy-out into a reused buffer. */
export const driftKernel: Subject = {
  name: 'drift kernel',
  prepare(a, b, n, { transA, transB }) {
    const out = new Float32Array(n * n);
    return { run: () => matmulF32(a, b, n, n, n, { transA, transB, out }), dispose() {} };
  },
};

/** Drift's public eager path; transposed operands are `x.T`, which materialises the transpose before the product. */
export const driftNp: Subject = {
  name: 'drift np.matmul',
  prepare(aData, bData, n, { transA, transB }) {
    const a = np.array(aData).reshape([n, n]);
    const b = np.array(bData).reshape([n, n]);
    const run = (): Float32Array => np.matmul(transA ? a.T : a, transB ? b.T : b).dataSync() as Float32Array;
    return { run, dispose() {} };
  },
};

/** TensorFlow.js 4.22 on its wasm backend (XNNPACK, SIMD, one thread in Node), with its own transpose flags. */
export const tfjsWasm: Subject = {
  name: 'tfjs-wasm',
  prepare(aData, bData, n, { transA, transB }) {
    const a = tf.tensor2d(aData, [n, n]);
    const b = tf.tensor2d(bData, [n, n]);
    const run = (): Float32Array => {
      const c = tf.matMul(a, b, transA, transB);
      const data = c.dataSync() as Float32Array;
      c.dispose();
      return data;
    };
    return { run, dispose: () => tf.dispose([a, b]) };
  },
};

/** jax-js under `jit`, one function per layout; it consumes its arguments, so inputs are passed as `.ref`. */
const jaxMatmul = {
  NN: jit((a: jnp.Array, b: jnp.Array) => jnp.matmul(a, b)),
  NT: jit((a: jnp.Array, b: jnp.Array) => jnp.matmul(a, b.transpose())),
  TN: jit((a: jnp.Array, b: jnp.Array) => jnp.matmul(a.transpose(), b)),
} as const;

/** jax-js 0.1.25 on its wasm device, jitted (eager was measured 0–25% slower at N = 256 and within noise at 1024). */
export const jaxJs: Subject = {
  name: 'jax-js (jit)',
  prepare(aData, bData, n, layout) {
    const a = jnp.array(aData).reshape([n, n]);
    const b = jnp.array(bData).reshape([n, n]);
    const f = jaxMatmul[layout.name as keyof typeof jaxMatmul];
    if (!f) throw new Error(`jax-js: no function for layout ${layout.name}`);
    const run = (): Float32Array => f(a.ref, b.ref).dataSync() as Float32Array;
    return {
      run,
      dispose() {
        a.dispose();
        b.dispose();
      },
    };
  },
};

/** Every subject, in the order they are run within a round; the kernel comes first and is the reference. */
export const SUBJECTS: readonly Subject[] = [driftKernel, driftNp, tfjsWasm, jaxJs];
