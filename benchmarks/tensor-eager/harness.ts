// Timing loop (warm-up, then ≥1 s of timed batches, median per call) and the numeric agreement check.

/** Untimed warm-up: at least this many calls and this long (compiles kernels, lets V8 tier up). */
const WARMUP_CALLS = 3;
const WARMUP_MS = 200;
/** Each timed batch repeats the call until it lasts about this long. */
const BATCH_MS = 100;
/** Timed batches continue until there are at least MIN_BATCHES and MIN_TOTAL_MS have passed… */
const MIN_BATCHES = 7;
const MIN_TOTAL_MS = 1000;
/** …or, for very slow calls, at least 3 batches and this long. */
const MAX_TOTAL_MS = 5000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median seconds per call of `run`, over timed batches after a warm-up. */
export function secondsPerCall(run: () => unknown): number {
  const warmStart = performance.now();
  for (let i = 0; i < WARMUP_CALLS || performance.now() - warmStart < WARMUP_MS; i++) run();
  const probeStart = performance.now();
  run();
  const probeMs = performance.now() - probeStart;
  const callsPerBatch = Math.max(1, Math.round(BATCH_MS / Math.max(probeMs, 1e-3)));
  const perCallMs: number[] = [];
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (perCallMs.length >= MIN_BATCHES && elapsed >= MIN_TOTAL_MS) break;
    if (perCallMs.length >= 3 && elapsed >= MAX_TOTAL_MS) break;
    const batchStart = performance.now();
    for (let i = 0; i < callsPerBatch; i++) run();
    perCallMs.push((performance.now() - batchStart) / callsPerBatch);
  }
  return median(perCallMs) / 1000;
}

/** max |actual − expected| / max |expected| over all elements (arrays compared pairwise), or Infinity on a shape mismatch. */
export function relativeError(actual: readonly Float32Array[], expected: readonly Float32Array[]): number {
  if (actual.length !== expected.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let t = 0; t < expected.length; t++) {
    const a = actual[t]!;
    const e = expected[t]!;
    if (a.length !== e.length) return Infinity;
    for (let i = 0; i < e.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - e[i]!));
      maxRef = Math.max(maxRef, Math.abs(e[i]!));
    }
  }
  return Number.isNaN(maxDiff) ? Infinity : maxDiff / Math.max(maxRef, 1e-30);
}
