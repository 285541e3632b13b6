// Run directories: naming (`<env>__<algo>__<seed>__<time>`), the files inside, `config.json` with versions, and metric trimming on resume.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { AlgorithmConfig, Suite } from "@drift/algos";
import { checkpointFiles } from "@drift/rl";
import { RUN_FORMAT, type TrainSettings } from "./config.ts";
import { type Validated, fail } from "./errors.ts";

/** Paths of the files in run directory `dir`. */
export function runPaths(dir: string) {
  return {
    dir,
    config: join(dir, "config.json"),
    csv: join(dir, "metrics.csv"),
    jsonl: join(dir, "metrics.jsonl"),
    /** Checkpoint prefix passed to the training loop (`<prefix>.safetensors`, `.safetensors.json`, `.state.json`). */
    checkpoint: join(dir, "checkpoints", "latest"),
    svg: join(dir, "curve.svg"),
    png: join(dir, "curve.png"),
    eval: join(dir, "eval.json"),
  };
}

/** What `config.json` holds: the full training setup, how it was started, and the versions that ran it. */
export interface RunInfo {
  format: typeof RUN_FORMAT;
  version: 1;
  algo: string;
  env: string;
  suite: Suite;
  seed: number;
  totalSteps: number;
  logEvery: number;
  checkpointEvery: number;
  /** The resolved algorithm config (defaults ← file ← `--set`). */
  config: AlgorithmConfig;
  /** The command line, starting with `drift`. */
  command: string[];
  /** ISO time the run was created. */
  createdAt: string;
  versions: Versions;
  /** Each `drift resume` of the run: its command line, time, the step it started from and the target. */
  resumes?: { command: string[]; at: string; fromStep: number; totalSteps: number; versions: Versions }[];
}

/** Software versions recorded with a run. */
export interface Versions {
  node: string;
  /** Versions of the @drift packages the CLI uses. */
  packages: Record<string, string>;
  /** The repository's commit (with `-dirty` when the work tree has changes), or null outside a git checkout. */
  git: string | null;
}

/** The run directory name: env id (slashes become `-`), algorithm, seed and Unix time in seconds, joined by `__` (CleanRL's layout). */
export function runDirName(env: string, algo: string, seed: number, time: Date): string {
  return [env.replace(/[/\\:\s]/g, "-"), algo, seed, Math.floor(time.getTime() / 1000)].join("__");
}

/** Creates a fresh run directory under `root` (a `-2`, `-3`… suffix avoids clobbering a run started the same second). */
export function createRunDir(root: string, settings: Pick<TrainSettings, "env" | "algo" | "seed">, time: Date): string {
  const base = join(root, runDirName(settings.env, settings.algo, settings.seed, time));
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(join(dir, "checkpoints"), { recursive: true });
  return dir;
}

/** Writes `config.json` (through a temporary file and a rename). */
export function writeRunInfo(dir: string, info: RunInfo): void {
  const path = runPaths(dir).config;
  writeFileSync(`${path}.tmp`, JSON.stringify(info, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

/** Reads `config.json` of run directory `dir`; a missing or malformed file is a `bad-file` error. */
export function readRunInfo(dir: string): Validated<RunInfo> {
  const path = runPaths(dir).config;
  if (!existsSync(path)) return fail({ kind: "bad-file", path, reason: `not found: is ${dir} a run directory made by \`drift train\`?` });
  let info: Partial<RunInfo>;
  try {
    info = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return fail({ kind: "bad-file", path, reason: `not valid JSON: ${(e as Error).message}` });
  }
  if (info?.format !== RUN_FORMAT) return fail({ kind: "bad-file", path, reason: `not a drift run config (format ${JSON.stringify(info?.format)})` });
  const missing = (["algo", "env", "suite", "seed", "totalSteps", "config"] as const).filter((k) => info[k] === undefined);
  if (missing.length) return fail({ kind: "bad-file", path, reason: `missing ${missing.join(", ")}` });
  return E.right(info as RunInfo);
}

/** The step of the checkpoint saved in run directory `dir`, or null when it has none yet. */
export function checkpointStep(dir: string): number | null {
  const state = checkpointFiles(runPaths(dir).checkpoint).state;
  if (!existsSync(state)) return null;
  const step = JSON.parse(readFileSync(state, "utf8")).step;
  return Number.isSafeInteger(step) ? step : null;
}

/**
 * Drops metric rows logged after `step` from `metrics.csv` and `metrics.jsonl`: a run that crashed after its last
 * checkpoint logged steps that the resumed run repeats. Rows start with the integer step (CSV) or hold it as `step`
 * (JSONL).
 */
export function trimMetrics(dir: string, step: number): void {
  const { csv, jsonl } = runPaths(dir);
  const rewrite = (path: string, keep: (line: string, i: number) => boolean) => {
    if (!existsSync(path)) return;
    const lines = readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
    const kept = lines.filter(keep);
    if (kept.length === lines.length) return;
    writeFileSync(`${path}.tmp`, kept.map((l) => l + "\n").join(""));
    renameSync(`${path}.tmp`, path);
  };
  rewrite(csv, (line, i) => i === 0 || Number(line.slice(0, line.indexOf(","))) <= step);
  rewrite(jsonl, (line) => (JSON.parse(line) as { step: number }).step <= step);
}

/** The versions of Node, the @drift packages the CLI uses, and the git commit of the checkout (if any). */
export function versions(): Versions {
  const require = createRequire(import.meta.url);
  const packages: Record<string, string> = {};
  for (const name of ["@drift/cli", "@drift/algos", "@drift/envs", "@drift/rl", "@drift/nn", "@drift/policies", "@drift/tensor"]) {
    try {
      let dir = dirname(require.resolve(name));
      while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
      packages[name] = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
    } catch {
      // not installed beside the CLI: leave it out
    }
  }
  let git: string | null = null;
  try {
    const opts = { cwd: dirname(new URL(import.meta.url).pathname), encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"] };
    git = execFileSync("git", ["rev-parse", "HEAD"], opts).trim();
    if (execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], opts).trim() !== "") git += "-dirty";
  } catch {
    git = null;
  }
  return { node: process.version, packages, git };
}
