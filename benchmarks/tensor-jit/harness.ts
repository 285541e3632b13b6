// Interleaved timing rounds (every library sampled once per round, so load drift hits all alike) and agreement checks.
import type { Prepared } from "./workloads.ts";

/** Untimed calls after the first (which compiles) before timing starts; V8 tiers wasm and JS up meanwhile… */
const WARMUP_CALLS = 3;
/** …unless they already took this long (a call of seconds needs no more warming up than one). */
const WARMUP_MS = 500;
/** One sample repeats the call until it lasts at least this long. */
const SAMPLE_MS = 150;
/** Rounds of samples; the reported figure is the median sample. */
const ROUNDS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What one library's first call gave and how long it took, then its median and best seconds per call over the rounds. */
export interface Timing {
  firstCallMs: number;
  /** A copy of what the first call read back. */
  firstOutput: Float64Array;
  secondsPerCall: number;
  bestSecondsPerCall: number;
}

/**
 * Prepares every subject (timing its first call, which traces and compiles), warms each up, then runs ROUNDS rounds;
 * in a round each subject takes one sample of repeated calls. Returns per-subject median and best seconds per call.
 */
export function measureInterleaved<P extends Pick<Prepared, "run">>(prepare: (() => P)[]): Timing[] {
  const prepared = prepare.map((make) => {
    const start = performance.now();
    const p = make();
    const firstOutput = Float64Array.from(p.run());
    return { p, firstCallMs: performance.now() - start, firstOutput };
  });
  for (const { p } of prepared) {
    const start = performance.now();
    for (let i = 0; i < WARMUP_CALLS && performance.now() - start < WARMUP_MS; i++) p.run();
  }
  const samples: number[][] = prepared.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    prepared.forEach(({ p }, i) => {
      let calls = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        p.run();
        calls++;
        elapsed = performance.now() - start;
      } while (elapsed < SAMPLE_MS);
      samples[i]!.push(elapsed / 1000 / calls);
    });
  }
  return prepared.map(({ firstCallMs, firstOutput }, i) => ({
    firstCallMs,
    firstOutput,
    secondsPerCall: median(samples[i]!),
    bestSecondsPerCall: Math.min(...samples[i]!),
  }));
}

/** A figure with 3 significant digits (whole numbers from 100 up). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** max |a − b| / max |b| over the outputs (Infinity on a length mismatch or NaN). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    ref = Math.max(ref, Math.abs(expected[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(ref, 1e-30);
}
