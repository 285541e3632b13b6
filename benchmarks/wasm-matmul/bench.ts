// GFLOP/s of the wasm SIMD matmul per layout and size: `npx tsx benchmarks/wasm-matmul/bench.ts [--relaxed]`.

import v8 from 'node:v8';
import { relaxedSimdAvailable } from '../../packages/tensor/src/backend/wasm/emitter.ts';
import { matmulF32 } from '../../packages/tensor/src/backend/wasm/matmul.ts';

const SIZES = [64, 256, 1024];
const LAYOUTS = [
  { name: 'NN', transA: false, transB: false },
  { name: 'NT', transA: false, transB: true },
  { name: 'TN', transA: true, transB: false },
] as const;
/** Timed samples per cell; the median is reported. */
const SAMPLES = 7;
/** Calls per sample are chosen so one sample lasts at least this long (small N needs many calls). */
const MIN_SAMPLE_MS = 20;
/** Untimed calls before sampling: the first compiles the kernel, later ones let V8 tier it up. */
const WARMUP_CALLS = 3;

function randomMatrix(length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = Math.random() * 2 - 1;
  return values;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median GFLOP/s (2·N³ flops per call) of matmulF32 at size N in one layout, packing and copy-out included. */
function measure(size: number, transA: boolean, transB: boolean): number {
  const a = randomMatrix(size * size);
  const b = randomMatrix(size * size);
  const out = new Float32Array(size * size);
  const run = (): unknown => matmulF32(a, b, size, size, size, { transA, transB, out });
  for (let i = 0; i < WARMUP_CALLS; i++) run();
  const probeStart = performance.now();
  run();
  const callsPerSample = Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(performance.now() - probeStart, 1e-3)));
  const gflops: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    const start = performance.now();
    for (let call = 0; call < callsPerSample; call++) run();
    const seconds = (performance.now() - start) / 1000 / callsPerSample;
    gflops.push((2 * size ** 3) / seconds / 1e9);
  }
  return median(gflops);
}

if (process.argv.includes('--relaxed')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

console.log(`Node ${process.version}, relaxed SIMD (f32x4.relaxed_madd): ${relaxedSimdAvailable() ? 'on' : 'off'}`);
console.log(`median of ${SAMPLES} samples (≥${MIN_SAMPLE_MS} ms each) after ${WARMUP_CALLS} warm-up calls; GFLOP/s = 2N³/t\n`);
const rows = SIZES.map((size) => {
  const row: Record<string, string> = { N: String(size) };
  for (const layout of LAYOUTS) row[layout.name] = measure(size, layout.transA, layout.transB).toFixed(1);
  return row;
});
const columns = ['N', ...LAYOUTS.map((layout) => layout.name)];
const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padStart(widths[i]!)).join(' | ')} |`;
console.log(line(columns));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(line(columns.map((column) => row[column]!)));
