// Shared benchmark inputs and the interface each library implements (one closure per measured case).

/** Length of the small arrays in the per-op overhead cases. */
export const SMALL = 256;
/** Length of the arrays in the throughput case. */
export const LARGE = 65536;
/** Dependent adds per call in the add cases (one read-back at the end, amortized). */
export const ADD_BLOCK = 64;
/** Ops in the elementwise chain: mul 0.5, add 1, tanh, repeating. */
export const CHAIN_OPS = 100;
/** Square matmul size N (N×N · N×N). */
export const MATMUL_N = 256;
/** MLP shapes: batch 64, 32 → 64 (tanh) → 1, mean squared error. */
export const MLP = { batch: 64, inputs: 32, hidden: 64, outputs: 1 } as const;

/** Inputs of the MLP loss; weight matrices are row-major [in, out]. */
export interface MlpData {
  x: Float32Array;
  y: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** Every case's input data, generated once and shared by all libraries. */
export interface Inputs {
  smallA: Float32Array;
  smallB: Float32Array;
  largeA: Float32Array;
  largeB: Float32Array;
  matA: Float32Array;
  matB: Float32Array;
  mlp: MlpData;
}

/**
 * One library's implementation of the cases. Each method does its setup (uploads) and returns a closure that runs one
 * timed call and returns the call's result read back to the host; for `mlpStep` that is [loss, dW1, db1, dW2, db2].
 */
export interface Subject {
  /** Column name in the results table. */
  readonly name: string;
  /** `ADD_BLOCK` dependent adds `acc = acc + b` starting from `a + b`, then one read-back. */
  addChain(a: Float32Array, b: Float32Array): () => Float32Array;
  /** `CHAIN_OPS` elementwise ops (x·0.5, x+1, tanh, …) starting from x, then one read-back. */
  elementwiseChain(x: Float32Array): () => Float32Array;
  /** a·b for N×N row-major float32 matrices, read back. */
  matmul(a: Float32Array, b: Float32Array, n: number): () => Float32Array;
  /** Eager valueAndGrad of the MLP loss with respect to all four parameters, read back. */
  mlpStep(data: MlpData): () => Float32Array[];
}

/** Uniform values in [-scale, scale) from a fixed-seed mulberry32 generator (same data in every run). */
function uniform(length: number, scale: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (unit * 2 - 1) * scale;
  }
  return out;
}

/** Deterministic inputs for every case. */
export function makeInputs(): Inputs {
  const { batch, inputs, hidden, outputs } = MLP;
  return {
    smallA: uniform(SMALL, 1, 1),
    smallB: uniform(SMALL, 1, 2),
    largeA: uniform(LARGE, 1, 3),
    largeB: uniform(LARGE, 1, 4),
    matA: uniform(MATMUL_N * MATMUL_N, 1, 5),
    matB: uniform(MATMUL_N * MATMUL_N, 1, 6),
    mlp: {
      x: uniform(batch * inputs, 1, 7),
      y: uniform(batch * outputs, 1, 8),
      w1: uniform(inputs * hidden, 1 / Math.sqrt(inputs), 9),
      b1: uniform(hidden, 0.1, 10),
      w2: uniform(hidden * outputs, 1 / Math.sqrt(hidden), 11),
      b2: uniform(outputs, 0.1, 12),
    },
  };
}
