// (a) Square float32 matmuls as jitted Drift functions (the threaded gemm) vs tfjs-wasm and jax-js in NN, NT and TN layouts.
import { type Array, jit, np } from "@drift/tensor";
import { LAYOUTS, type Layout, type Prepared as MatmulPrepared, type Subject as MatmulSubject, jaxJs, tfjsWasm } from "../wasm-matmul/subjects.ts";
import { fmt, measureInterleaved, relativeError } from "./harness.ts";
import { oneThread } from "./subjects/drift.ts";
import { normals } from "./workloads.ts";

/** Matrix sizes N of the (a) rows: C = op(A)·op(B) with N×N operands. */
export const MATMUL_SIZES = [64, 256, 1024] as const;

/** The layout's product as a Drift function; under `jit` the transpose becomes the gemm's layout flag (no copy). */
function product(layout: Layout): (a: Array, b: Array) => Array {
  if (layout.transA) return (a, b) => np.matmul(a.T, b);
  if (layout.transB) return (a, b) => np.matmul(a, b.T);
  return (a, b) => np.matmul(a, b);
}

/**
 * Drift: a fresh `jit` of the product per cell, called on arrays made once; the timed call copies A and B into the
 * arena, runs the gemm (split across the kernel threads from 4M multiply-adds on) and reads C back with `dataSync`.
 */
export const driftJit: MatmulSubject = {
  name: "drift jit",
  prepare(aData, bData, n, layout) {
    const a = np.reshape(np.array(aData), [n, n]);
    const b = np.reshape(np.array(bData), [n, n]);
    const f = jit(product(layout));
    return { run: () => f(a, b).dataSync() as Float32Array, dispose() {} };
  },
};

/** The same, compiled with kernel threads off. */
export const driftJitOneThread: MatmulSubject = {
  name: "drift jit, 1 thread",
  prepare: (a, b, n, layout) => oneThread(() => driftJit.prepare(a, b, n, layout)),
};

/** Median and best GFLOP/s of every subject in one (N, layout) cell, and the worst disagreement with Drift's C. */
export interface MatmulCell {
  n: number;
  layout: Layout;
  /** Per subject of {@link MATMUL_SUBJECTS}: median and best GFLOP/s. */
  gflops: { median: number; best: number }[];
  /** Largest max |Δ| / max |C| of an anchor's C against Drift's (threaded) C. */
  worstError: number;
  /** Drift's first call (trace, compile, run) in ms. */
  firstCallMs: number;
}

/** The subjects of (a), Drift's threaded jit first (the reference of the agreement check). */
export const MATMUL_SUBJECTS: readonly MatmulSubject[] = [driftJit, driftJitOneThread, tfjsWasm, jaxJs];

/** Measures one cell with the interleaved rounds of `harness.ts`; inputs are seeded normals, the same for every library. */
export function measureMatmulCell(n: number, layout: Layout, seed: number): MatmulCell {
  const a = normals(n * n, seed);
  const b = normals(n * n, seed + 1);
  const prepared: MatmulPrepared[] = [];
  try {
    const t = measureInterleaved(
      MATMUL_SUBJECTS.map((s) => () => {
        const p = s.prepare(a, b, n, layout);
        prepared.push(p);
        return p;
      }),
    );
    const flops = 2 * n ** 3;
    return {
      n,
      layout,
      gflops: t.map((x) => ({ median: flops / x.secondsPerCall / 1e9, best: flops / x.bestSecondsPerCall / 1e9 })),
      worstError: Math.max(...t.slice(1).map((x) => relativeError(x.firstOutput, t[0]!.firstOutput))),
      firstCallMs: t[0]!.firstCallMs,
    };
  } finally {
    for (const p of prepared) p.dispose();
  }
}

/** Every (a) cell in order: sizes outer, layouts inner; `onCell` sees each as soon as it is measured. */
export function measureMatmuls(onCell: (cell: MatmulCell) => void): MatmulCell[] {
  const cells: MatmulCell[] = [];
  MATMUL_SIZES.forEach((n, i) =>
    LAYOUTS.forEach((layout, j) => {
      const cell = measureMatmulCell(n, layout, 100 + 10 * i + 2 * j);
      cells.push(cell);
      onCell(cell);
    }),
  );
  return cells;
}

/** The Markdown table of (a): header lines, and one row per cell given the per-core peak and cores Drift may use. */
export function matmulTable(peakPerCore: number, cores: number): { header: string[]; row(cell: MatmulCell): string } {
  const cols = [
    "N",
    "layout",
    "drift jit GFLOP/s",
    "drift 1 thread",
    "tfjs-wasm",
    "jax-js (jit)",
    "drift vs tfjs",
    "drift vs jax",
    `drift % of ${cores}-core peak (${peakPerCore * cores})`,
    `1 thread % of 1-core peak (${peakPerCore})`,
    "drift first call",
    "max rel Δ",
  ];
  return {
    header: [`| ${cols.join(" | ")} |`, `|${cols.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`],
    row(c) {
      const g = c.gflops;
      const cell = (i: number): string => `${fmt(g[i]!.median)} (${fmt(g[i]!.best)})`;
      const ratio = (i: number): string => `${fmt(g[0]!.median / g[i]!.median)}× (${fmt(g[0]!.best / g[i]!.best)}×)`;
      const pct = (x: number, peak: number): string => `${((100 * x) / peak).toFixed(0)}%`;
      return `| ${c.n} | ${c.layout.name} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${cell(3)} | ${ratio(2)} | ${ratio(3)} | ${pct(g[0]!.median, peakPerCore * cores)} | ${pct(g[1]!.median, peakPerCore)} | ${fmt(c.firstCallMs)} ms | ${c.worstError.toExponential(1)} |`;
    },
  };
}
