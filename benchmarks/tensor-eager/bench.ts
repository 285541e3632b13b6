// Eager-mode benchmark of @drift/tensor against tfjs-wasm and jax-js, all in one process: `npm run bench -w @drift/bench-tensor-eager`.
import os from "node:os";
import { readFileSync } from "node:fs";
import { ADD_BLOCK, CHAIN_OPS, LARGE, MATMUL_N, SMALL, type Inputs, type Subject, makeInputs } from "./cases.ts";
import { relativeError, secondsPerCall } from "./harness.ts";
import { drift } from "./subjects/drift.ts";
import { initTfjs, tfjs } from "./subjects/tfjs.ts";
import { initJax, jax } from "./subjects/jax.ts";

/** Largest relative error (vs the max |value| of the reference) accepted between libraries. */
const TOLERANCE = 1e-3;

interface Case {
  label: string;
  unit: string;
  higherIsBetter: boolean;
  make(subject: Subject, inputs: Inputs): () => Float32Array | Float32Array[];
  /** Converts median seconds per call into the reported unit. */
  score(seconds: number): number;
}

const CASES: Case[] = [
  {
    label: `add, ${SMALL} f32`,
    unit: "µs/op",
    higherIsBetter: false,
    make: (s, i) => s.addChain(i.smallA, i.smallB),
    score: (t) => (t / ADD_BLOCK) * 1e6,
  },
  {
    label: `${CHAIN_OPS}-op chain ×0.5/+1/tanh, ${SMALL} f32`,
    unit: "µs/op",
    higherIsBetter: false,
    make: (s, i) => s.elementwiseChain(i.smallA),
    score: (t) => (t / CHAIN_OPS) * 1e6,
  },
  {
    label: `add, ${LARGE / 1024}k f32 (12 B/elem)`,
    unit: "GB/s",
    higherIsBetter: true,
    make: (s, i) => s.addChain(i.largeA, i.largeB),
    score: (t) => (12 * LARGE * ADD_BLOCK) / t / 1e9,
  },
  {
    label: `matmul ${MATMUL_N}³ f32`,
    unit: "GFLOP/s",
    higherIsBetter: true,
    make: (s, i) => s.matmul(i.matA, i.matB, MATMUL_N),
    score: (t) => (2 * MATMUL_N ** 3) / t / 1e9,
  },
  {
    label: "MLP valueAndGrad 64×32→64→1 tanh",
    unit: "ms/step",
    higherIsBetter: false,
    make: (s, i) => s.mlpStep(i.mlp),
    score: (t) => t * 1e3,
  },
];

type Cell = { value: number; output: Float32Array[] } | { error: string };

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function measureCell(c: Case, subject: Subject, inputs: Inputs): Cell {
  try {
    const run = c.make(subject, inputs);
    const first = run();
    const output = (Array.isArray(first) ? first : [first]).map((a) => Float32Array.from(a));
    return { value: c.score(secondsPerCall(run)), output };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** Speed ratio of Drift over an anchor (>1 = Drift faster), whatever the unit's direction. */
function speedRatio(c: Case, d: Cell, anchor: Cell): string {
  if (!("value" in d) || !("value" in anchor)) return "–";
  return fmt(c.higherIsBetter ? d.value / anchor.value : anchor.value / d.value);
}

function cellText(cell: Cell): string {
  return "value" in cell ? fmt(cell.value) : "error";
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { devDependencies: Record<string, string> };
  await initTfjs();
  await initJax();
  const subjects = [drift, tfjs, jax];
  const inputs = makeInputs();
  const cpus = os.cpus();

  console.log(`Drift eager benchmark — ${new Date().toISOString()}`);
  console.log(`Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}`);
  console.log(`Anchors: ${Object.entries(pkg.devDependencies).map(([n, v]) => `${n}@${v}`).join(", ")} (tfjs on its wasm backend, jax-js on wasm, eager, no jit)`);
  console.log("Note: the machine is shared and noisy; expect ±40% between runs. Each cell is the median of ≥7 timed batches over ≥1 s after a warm-up.\n");

  const rows: Cell[][] = [];
  for (const c of CASES) {
    rows.push(subjects.map((s) => measureCell(c, s, inputs)));
    process.stderr.write(`  measured: ${c.label}\n`);
  }

  console.log("Speed ratio columns: >1 = Drift faster than the anchor (for µs/op and ms/step that is anchor time / Drift time).\n");
  console.log(`| measurement | unit | ${subjects.map((s) => s.name).join(" | ")} | drift/tfjs | drift/jax |`);
  console.log(`|---|---|${subjects.map(() => "---:").join("|")}|---:|---:|`);
  CASES.forEach((c, i) => {
    const [d, t, j] = rows[i]!;
    console.log(`| ${c.label} | ${c.unit} | ${rows[i]!.map(cellText).join(" | ")} | ${speedRatio(c, d!, t!)} | ${speedRatio(c, d!, j!)} |`);
  });

  console.log(`\nAgreement check (max |Δ| / max |reference|, tolerance ${TOLERANCE}; reference = first library that ran):`);
  CASES.forEach((c, i) => {
    const cells = rows[i]!;
    const refIndex = cells.findIndex((cell) => "output" in cell);
    const ref = cells[refIndex];
    const parts = cells.map((cell, k) => {
      if (k === refIndex || !ref || !("output" in ref)) return null;
      if (!("output" in cell)) return `${subjects[k]!.name} –`;
      const err = relativeError(cell.output, ref.output);
      return `${subjects[k]!.name} ${err.toExponential(1)} ${err <= TOLERANCE ? "ok" : "MISMATCH"}`;
    });
    const checksum = ref && "output" in ref ? ref.output.reduce((acc, a) => acc + a.reduce((s, v) => s + v, 0), 0) : NaN;
    const refName = ref ? subjects[refIndex]!.name : "none";
    console.log(`  ${c.label}: vs ${refName} (checksum ${checksum.toPrecision(7)}): ${parts.filter((p) => p !== null).join(", ")}`);
  });

  const errors = CASES.flatMap((c, i) => rows[i]!.flatMap((cell, k) => ("error" in cell ? [`  ${subjects[k]!.name} / ${c.label}: ${cell.error}`] : [])));
  if (errors.length > 0) console.log(`\nFailures:\n${errors.join("\n")}`);
}

await main();
