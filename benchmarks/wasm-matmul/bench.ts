// GFLOP/s of Drift's wasm SIMD matmul (kernel and np.matmul) vs tfjs-wasm and jax-js, one process: `npm run bench -w @drift/bench-wasm-matmul [-- --relaxed]`.

import os from 'node:os';
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import { relaxedSimdAvailable } from '../../packages/tensor/src/backend/wasm/emitter.ts';
import { GEMM_THREAD_MIN_MACS } from '../../packages/tensor/src/backend/wasm/gemm.ts';
import { LAYOUTS, SUBJECTS, initAnchors, type Layout, type Prepared } from './subjects.ts';

const SIZES = [64, 256, 1024];
/** Untimed warm-up per subject and cell: at least this many calls (the first compiles/traces) and this long. */
const WARMUP_CALLS = 2;
const WARMUP_MS = 100;
/** One timed sample repeats the call until it lasts at least this long (small N needs many calls). */
const MIN_SAMPLE_MS = 30;
/** Rounds of samples per cell; each round takes one sample of every subject in turn, so load drifts hit all alike. */
const MIN_ROUNDS = 5;
const MAX_ROUNDS = 7;
/** After MIN_ROUNDS, no new round starts once a cell has been timed this long (slow tfjs transposes stop early). */
const CELL_BUDGET_MS = 3000;
/** Largest max |Δ| / max |C| accepted between a library's C and the kernel's; and for the kernel against float64. */
const TOLERANCE = 1e-4;
/** Entries of C checked against a float64 dot product per cell. */
const F64_SPOT_CHECKS = 16;
/** 128-bit SIMD peak of one core of the project machine (/work/shared/reference/kernels.md §1): mul+add, and relaxed FMA. */
const PEAK_GFLOPS = { plain: 28, relaxed: 42 };

/** Deterministic uniform values in [-1, 1) (mulberry32), so every run and every library sees the same matrices. */
function seededMatrix(length: number, seed: number): Float32Array {
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** max |actual − expected| / max |expected|; Infinity on a length mismatch or NaN. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return Number.isNaN(maxDiff) ? Infinity : maxDiff / Math.max(maxRef, 1e-30);
}

/** Σ C[i], accumulated in float64: the checksum printed per cell. */
function checksum(c: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < c.length; i++) sum += c[i]!;
  return sum;
}

/** Σ |C[i]|: the scale a checksum difference is compared with. */
function absoluteSum(c: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < c.length; i++) sum += Math.abs(c[i]!);
  return Math.max(sum, 1e-30);
}

/** Worst max |Δ| / max |C| of the kernel's C against float64 dot products at a few fixed entries. */
function float64SpotError(a: Float32Array, b: Float32Array, n: number, layout: Layout, c: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let s = 0; s < F64_SPOT_CHECKS; s++) {
    const row = (s * 7919) % n;
    const column = (s * 104729 + 13) % n;
    let dot = 0;
    for (let p = 0; p < n; p++) {
      const x = layout.transA ? a[p * n + row]! : a[row * n + p]!;
      const y = layout.transB ? b[column * n + p]! : b[p * n + column]!;
      dot += x * y;
    }
    maxDiff = Math.max(maxDiff, Math.abs(c[row * n + column]! - dot));
    maxRef = Math.max(maxRef, Math.abs(dot));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

/** Times one call of `run` in ms. */
function timeCall(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

interface CellResult {
  /** Median GFLOP/s per subject, in SUBJECTS order. */
  gflops: number[];
  rounds: number;
  checksum: number;
  /** Largest |ΣC(library) − ΣC(kernel)| / Σ|C(kernel)| over the libraries. */
  checksumSpread: number;
  /** Worst relative deviation of any library's C from the kernel's, and the kernel's from float64. */
  worstLibraryError: number;
  kernelF64Error: number;
  /** Subjects whose C disagrees with the kernel's beyond TOLERANCE. */
  disagreeing: string[];
}

/** Measures every subject at size N in one layout, interleaving their samples round by round. */
function measureCell(n: number, layout: Layout, a: Float32Array, b: Float32Array): CellResult {
  const prepared: Prepared[] = SUBJECTS.map((subject) => subject.prepare(a, b, n, layout));
  try {
    const outputs = prepared.map((p) => Float32Array.from(p.run()));
    const reference = outputs[0]!;
    const errors = outputs.map((c) => relativeError(c, reference));
    const callsPerSample = prepared.map((p) => {
      const start = performance.now();
      let lastMs = Infinity;
      for (let i = 1; i < WARMUP_CALLS || performance.now() - start < WARMUP_MS; i++) lastMs = timeCall(p.run);
      return Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(lastMs, 1e-3)));
    });
    const samples: number[][] = prepared.map(() => []);
    const flops = 2 * n ** 3;
    const start = performance.now();
    let rounds = 0;
    while (rounds < MIN_ROUNDS || (rounds < MAX_ROUNDS && performance.now() - start < CELL_BUDGET_MS)) {
      prepared.forEach((p, s) => {
        const calls = callsPerSample[s]!;
        const sampleStart = performance.now();
        for (let call = 0; call < calls; call++) p.run();
        const seconds = (performance.now() - sampleStart) / 1000 / calls;
        samples[s]!.push(flops / seconds / 1e9);
      });
      rounds++;
    }
    return {
      gflops: samples.map(median),
      rounds,
      checksum: checksum(reference),
      checksumSpread: Math.max(...outputs.map((c) => Math.abs(checksum(c) - checksum(reference)))) / absoluteSum(reference),
      worstLibraryError: Math.max(...errors),
      kernelF64Error: float64SpotError(a, b, n, layout, reference),
      disagreeing: SUBJECTS.filter((_, s) => !(errors[s]! <= TOLERANCE)).map((subject) => subject.name),
    };
  } finally {
    for (const p of prepared) p.dispose();
  }
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function installedVersion(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** Cores Drift's kernel uses for a split product: the calling thread and (by default) one worker where there is a second core. */
const DRIFT_CORES = Math.min(2, os.availableParallelism());

async function main(): Promise<void> {
  if (process.argv.includes('--relaxed')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  await initAnchors();
  const relaxed = relaxedSimdAvailable();
  const peak = relaxed ? PEAK_GFLOPS.relaxed : PEAK_GFLOPS.plain;
  const [cpu] = os.cpus();
  console.log(`Node ${process.version}, ${os.cpus().length} × ${cpu?.model ?? 'unknown CPU'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`@tensorflow/tfjs-backend-wasm ${installedVersion('@tensorflow/tfjs-backend-wasm')}, @jax-js/jax ${installedVersion('@jax-js/jax')}`);
  console.log(`relaxed SIMD (f32x4.relaxed_madd) in Drift's kernel: ${relaxed ? 'on' : 'off'}; Drift splits products of ≥ ${GEMM_THREAD_MIN_MACS} multiply-adds across ${DRIFT_CORES} threads, the anchors run on one`);
  console.log(
    `per cell: ≥${WARMUP_CALLS} warm-up calls (≥${WARMUP_MS} ms) per library, then ${MIN_ROUNDS}–${MAX_ROUNDS} interleaved rounds of samples ≥${MIN_SAMPLE_MS} ms; ` +
      `median GFLOP/s = 2N³/t; read-back included\n`,
  );

  const header = ['N', 'layout', ...SUBJECTS.map((s) => s.name), 'kernel/tfjs', 'kernel/jax', `kernel % of peak (${peak} GFLOP/s × cores used)`, 'checksum ΣC', 'max rel Δ'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
  const failures: string[] = [];
  let worstChecksumSpread = 0;
  const started = performance.now();
  for (const [sizeIndex, n] of SIZES.entries()) {
    const a = seededMatrix(n * n, 1 + sizeIndex);
    const b = seededMatrix(n * n, 101 + sizeIndex);
    for (const layout of LAYOUTS) {
      const r = measureCell(n, layout, a, b);
      const [kernel, , tfjs, jax] = r.gflops as [number, number, number, number];
      const cells = [
        String(n),
        layout.name,
        ...r.gflops.map(fmt),
        fmt(kernel / tfjs),
        fmt(kernel / jax),
        `${((100 * kernel) / (peak * (n ** 3 >= GEMM_THREAD_MIN_MACS ? DRIFT_CORES : 1))).toFixed(0)}%`,
        r.checksum.toFixed(3),
        r.worstLibraryError.toExponential(1),
      ];
      console.log(`| ${cells.join(' | ')} |`);
      worstChecksumSpread = Math.max(worstChecksumSpread, r.checksumSpread);
      if (!(r.checksumSpread <= TOLERANCE)) failures.push(`N=${n} ${layout.name}: checksums differ by ${r.checksumSpread.toExponential(1)} of Σ|C|`);
      if (r.disagreeing.length > 0) failures.push(`N=${n} ${layout.name}: ${r.disagreeing.join(', ')} differ from the kernel by > ${TOLERANCE}`);
      if (!(r.kernelF64Error <= TOLERANCE)) failures.push(`N=${n} ${layout.name}: kernel is ${r.kernelF64Error.toExponential(1)} off a float64 dot product`);
    }
  }
  console.log(`\nGFLOP/s columns: higher is better. Ratios > 1 mean Drift's kernel is faster. Timed part took ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  if (failures.length > 0) {
    console.log(`Agreement check FAILED (tolerance ${TOLERANCE} of max |C|):\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(
      `Agreement: every library's C is within ${TOLERANCE} · max |C| of the kernel's (max rel Δ column); their checksums ΣC agree to ` +
        `${worstChecksumSpread.toExponential(1)} · Σ|C| at worst; the kernel is within ${TOLERANCE} of float64 dot products at ${F64_SPOT_CHECKS} entries per cell.`,
    );
  }
}

await main();
