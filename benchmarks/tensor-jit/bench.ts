// Jitted matmuls, MLP train step, SAC update and DDPM sampling of @drift/tensor vs tfjs-wasm and jax-js, one process: `npm run bench -w @drift/bench-tensor-jit [-- --relaxed | --only matmul | --rss [N]]`.
import os from "node:os";
import v8 from "node:v8";
import { readFileSync } from "node:fs";
import { relaxedSimdAvailable } from "../../packages/tensor/src/backend/wasm/emitter.ts";
import { DDPM, type Prepared, SAC, type Subject, makeData } from "./workloads.ts";
import { fmt, measureInterleaved, relativeError } from "./harness.ts";
import { matmulTable, measureMatmuls } from "./matmul.ts";
import { drift, driftOneThread } from "./subjects/drift.ts";
import { initTfjs, tfjs } from "./subjects/tfjs.ts";
import { initJax, jax } from "./subjects/jax.ts";

/** Largest relative difference accepted between libraries on the first call's outputs. */
const TOLERANCE = 1e-4;
/** RSS is printed every this many calls in `--rss` mode. */
const RSS_EVERY = 1000;
/** Measured 128-bit SIMD peak of one core of the project machine (/work/shared/reference/kernels.md §1): mul+add, and relaxed FMA. */
const PEAK_GFLOPS = { plain: 28, relaxed: 42 };
/** Cores Drift's programs use: the calling thread and (by default) one kernel worker where there is a second core. */
const DRIFT_CORES = Math.min(2, os.availableParallelism());
/** Most relative difference accepted between libraries on an (a) matmul's C. */
const MATMUL_TOLERANCE = 1e-4;

type Program = "mlp" | "sac" | "ddpm" | "act";
type Workload = "matmul" | Program;
interface Row {
  workload: Program;
  label: string;
  unit: string;
  /** Converts seconds per call into the unit (higher is better when `higherIsBetter`). */
  score(seconds: number): number;
  higherIsBetter: boolean;
}

const ROWS: Row[] = [
  { workload: "mlp", label: "(b) MLP train step 64→256→256→64, batch 256, Adam", unit: "ms/step", score: (s) => s * 1e3, higherIsBetter: false },
  { workload: "sac", label: `(c) SAC update, ${SAC.obs}→256→256→${SAC.act}, twin critics + actor + EMA, batch 256`, unit: "updates/s", score: (s) => 1 / s, higherIsBetter: true },
  { workload: "ddpm", label: `(d) DDPM sampling, ${DDPM.steps} steps, 3×256 noise MLP, ${DDPM.batch} actions`, unit: "samples/s", score: (s) => DDPM.batch / s, higherIsBetter: true },
  { workload: "act", label: `(e) acting: SAC actor ${SAC.obs}→256→256→${SAC.act}, one observation, action read back`, unit: "µs/call", score: (s) => s * 1e6, higherIsBetter: false },
];

function rss(): string {
  return `${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`;
}

/** `--rss [N]`: N calls of the MLP step (default 10^4), printing the resident set size every RSS_EVERY calls. */
function rssCheck(calls: number): void {
  const step = drift.mlp(makeData().mlp);
  console.log(`RSS before the first call: ${rss()}`);
  for (let i = 1; i <= calls; i++) {
    step.run();
    if (i % RSS_EVERY === 0) console.log(`after ${i} calls: ${rss()}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const relaxed = args.includes("--relaxed");
  if (relaxed) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  const rssAt = args.indexOf("--rss");
  if (rssAt >= 0) return rssCheck(Number(args[rssAt + 1] ?? 1e4) || 1e4);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? (args[onlyAt + 1] as Workload) : undefined;

  const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { devDependencies: Record<string, string> };
  await initTfjs();
  await initJax();
  const peak = relaxedSimdAvailable() ? PEAK_GFLOPS.relaxed : PEAK_GFLOPS.plain;
  const subjects: Subject[] = [drift, tfjs, jax, driftOneThread];
  const data = makeData();
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`anchors: @tensorflow/tfjs-backend-wasm ${pkg.devDependencies["@tensorflow/tfjs-backend-wasm"]}, @jax-js/jax ${pkg.devDependencies["@jax-js/jax"]}; relaxed SIMD ${relaxed ? "on" : "off"}`);
  console.log(`peak: ${peak} GFLOP/s per core (128-bit SIMD, ${relaxed ? "relaxed FMA" : "mul+add"}), drift on ${DRIFT_CORES} cores: ${peak * DRIFT_CORES} GFLOP/s`);
  console.log(`RSS at start: ${rss()}\n`);
  console.log("Cells: median over the rounds (best round in parentheses); ratios >1 mean drift is faster.\n");
  const problems: string[] = [];
  const notes: string[] = [];

  if (!only || only === "matmul") {
    const table = matmulTable(peak, DRIFT_CORES);
    console.log("(a) C = op(A)·op(B), N×N float32, GFLOP/s = 2N³/t, read-back included\n");
    console.log(table.header.join("\n"));
    measureMatmuls((c) => {
      console.log(table.row(c));
      if (!(c.worstError <= MATMUL_TOLERANCE)) problems.push(`(a) N=${c.n} ${c.layout.name}: an anchor's C differs from drift's by ${c.worstError.toExponential(1)}`);
    });
    console.log("");
  }

  const rows = ROWS.filter((row) => !only || row.workload === only);
  if (rows.length) {
    console.log(`| program | unit | drift | tfjs-wasm | jax-js | drift vs tfjs | drift vs jax | drift GFLOP/s (matmul) | % of ${DRIFT_CORES}-core peak | drift, 1 thread | first call drift / jax-js |`);
    console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  }
  for (const row of rows) {
    let flops = NaN;
    const prepare = subjects.map((s, i) => (): Prepared => {
      const p = s[row.workload](data[row.workload === "act" ? "sac" : row.workload] as never);
      if (i === 0) flops = p.matmulFlops ?? NaN;
      return p;
    });
    const t = measureInterleaved(prepare);
    const med = t.map((x) => row.score(x.secondsPerCall));
    const best = t.map((x) => row.score(x.bestSecondsPerCall));
    const cell = (i: number): string => `${fmt(med[i]!)} (${fmt(best[i]!)})`;
    const ratio = (i: number): string => {
      const r = (v: number[]): string => fmt(row.higherIsBetter ? v[0]! / v[i]! : v[i]! / v[0]!);
      return `${r(med)}× (${r(best)}×)`;
    };
    const gflops = flops / t[0]!.secondsPerCall / 1e9;
    const first = `${fmt(t[0]!.firstCallMs)} / ${fmt(t[2]!.firstCallMs)} ms`;
    console.log(
      `| ${row.label} | ${row.unit} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${ratio(1)} | ${ratio(2)} | ${fmt(gflops)} (${fmt(flops / t[0]!.bestSecondsPerCall / 1e9)}) | ${((100 * gflops) / (peak * DRIFT_CORES)).toFixed(0)}% | ${cell(3)} | ${first} |`,
    );
    t.slice(1, 3).forEach((x, i) => {
      const err = relativeError(x.firstOutput, t[0]!.firstOutput);
      if (!(err <= TOLERANCE)) problems.push(`${row.workload}: ${subjects[i + 1]!.name} differs from drift on the first call by ${err.toExponential(1)}`);
    });
    notes.push(`${row.label.slice(0, 3)} matmul work per call: ${fmt(flops / 1e6)} MFLOP`);
    if (row.workload === "sac") {
      const compile = t[0]!.firstCallMs - t[0]!.secondsPerCall * 1e3;
      notes.push(`(c) drift compile time (first call − steady call): ${fmt(compile)} ms (target < 2000)`);
    }
  }
  console.log(`\n${notes.join("\n")}${notes.length ? "\n" : ""}RSS at end: ${rss()}`);
  console.log(problems.length ? `DISAGREEMENT:\n${problems.join("\n")}` : `agreement: first-call outputs of all libraries within ${TOLERANCE} (relative)`);
  if (problems.length) process.exitCode = 1;
}

await main();
