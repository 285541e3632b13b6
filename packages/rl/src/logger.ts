// Metrics logging: a logger fanning records out to sinks (CSV, JSONL, console), readers for the files, and CleanRL metric names.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DriftError, np } from "@drift/tensor";

/** CleanRL's metric names (TensorBoard tags), so curves line up with CleanRL / openrlbenchmark runs. */
export const METRICS = {
  episodicReturn: "charts/episodic_return",
  episodicLength: "charts/episodic_length",
  sps: "charts/SPS",
  learningRate: "charts/learning_rate",
  epsilon: "charts/epsilon",
  qfLoss: "losses/qf_loss",
  qf1Loss: "losses/qf1_loss",
  qf2Loss: "losses/qf2_loss",
  qf1Values: "losses/qf1_values",
  qf2Values: "losses/qf2_values",
  qValues: "losses/q_values",
  tdLoss: "losses/td_loss",
  actorLoss: "losses/actor_loss",
  alpha: "losses/alpha",
  alphaLoss: "losses/alpha_loss",
  valueLoss: "losses/value_loss",
  policyLoss: "losses/policy_loss",
  entropy: "losses/entropy",
  oldApproxKl: "losses/old_approx_kl",
  approxKl: "losses/approx_kl",
  clipfrac: "losses/clipfrac",
  explainedVariance: "losses/explained_variance",
} as const;

/** A logged value: numbers (non-finite ones included), strings, booleans, or null for "no value". */
export type MetricValue = number | string | boolean | null;

/** One logged record: the step and its metrics by name. */
export interface MetricRecord {
  step: number;
  metrics: Record<string, MetricValue>;
}

/** A destination for metric records. `write` may buffer; `flush` makes everything written durable/visible. */
export interface MetricSink {
  write(record: MetricRecord): void;
  flush(): void;
  close(): void;
}

/** What `Logger.log` accepts per metric: a value, or a size-1 Drift array (read with `item()`, so outside jit). */
export type LoggableValue = MetricValue | InstanceType<typeof np.Array>;

/** Sends each record to every sink. */
export class Logger {
  private readonly sinks: MetricSink[];
  private closed = false;
  /** A logger writing to `sinks` (in order). */
  constructor(sinks: MetricSink[]) {
    if (!globalThis.Array.isArray(sinks)) throw new DriftError("Logger", "sinks must be a list of MetricSink");
    this.sinks = sinks;
  }
  /** Logs `metrics` at `step` (a non-negative integer); Drift arrays are read with `item()`. */
  log(step: number, metrics: Record<string, LoggableValue>): void {
    if (this.closed) throw new DriftError("Logger.log", "the logger is closed");
    if (!Number.isInteger(step) || step < 0) throw new DriftError("Logger.log", `step must be a non-negative integer; got ${step}`);
    const out: Record<string, MetricValue> = {};
    for (const [k, v] of Object.entries(metrics)) {
      if (k === "step") throw new DriftError("Logger.log", "'step' is reserved for the step column; rename the metric");
      out[k] = v instanceof np.Array ? v.item() : v;
      if (!(out[k] === null || ["number", "string", "boolean"].includes(typeof out[k])))
        throw new DriftError("Logger.log", `metric '${k}' must be a number, string, boolean, null or size-1 array; got ${typeof v}`);
    }
    for (const s of this.sinks) s.write({ step, metrics: out });
  }
  /** Flushes every sink. */
  flush(): void {
    for (const s of this.sinks) s.flush();
  }
  /** Flushes and closes every sink; later `log` calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sinks) s.close();
  }
}

/** Options of the file sinks. */
export interface FileSinkOptions {
  /** Records buffered before they are written (default 1: every record is appended at once). */
  flushEvery?: number;
}

function checkFlushEvery(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new DriftError(op, `flushEvery must be a positive integer; got ${n}`);
}

/** Writes `text` to `path` through a temporary file and a rename, so readers never see a half-written file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Numbers as their shortest round-trip text; NaN and ±Infinity by name. */
function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : x > 0 ? "Infinity" : x < 0 ? "-Infinity" : "NaN";
}

/** A CSV cell: numbers and booleans bare, null empty, strings always quoted (so "12" stays a string when read back). */
function csvCell(v: MetricValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  return `"${v.replace(/"/g, '""')}"`;
}

/** A header cell: bare unless it holds a comma, quote, newline or surrounding space. */
function headerCell(name: string): string {
  return /[",\n\r]/.test(name) || name.trim() !== name ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Splits CSV text into rows of raw cells (RFC 4180: quoted cells may hold commas, quotes and newlines). */
function parseCsvRows(text: string): { cell: string; quoted: boolean }[][] {
  const rows: { cell: string; quoted: boolean }[][] = [];
  let row: { cell: string; quoted: boolean }[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const endCell = () => {
    row.push({ cell, quoted });
    cell = "";
    quoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && cell === "" && !quoted) {
      quoted = true;
      i++;
      while (i < text.length) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i++];
      }
      continue;
    }
    if (c === ",") endCell();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
    i++;
  }
  if (cell !== "" || quoted || row.length > 0) {
    endCell();
    rows.push(row);
  }
  return rows;
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?Infinity$|^NaN$/;

/** A parsed CSV value: quoted cells are strings, empty cells null, numeric text (NaN/±Infinity included) numbers. */
function csvValue({ cell, quoted }: { cell: string; quoted: boolean }): MetricValue {
  if (quoted) return cell;
  if (cell === "") return null;
  if (NUMBER_TEXT.test(cell)) return Number(cell);
  if (cell === "true" || cell === "false") return cell === "true";
  return cell;
}

/** Reads a CSV metrics file written by `csvSink`: one object per row, keyed by the header (missing cells are null). */
export function readCsv(path: string): Record<string, MetricValue>[] {
  const rows = parseCsvRows(readFileSync(path, "utf8"));
  if (rows.length === 0) return [];
  const header = rows[0]!.map((c) => c.cell);
  return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ? csvValue(r[i]!) : null])));
}

/**
 * A CSV sink: one row per record with a `step` column first and one column per metric in first-seen order; cells of
 * metrics a record lacks stay empty. Appends to an existing file, keeping its header. When a record brings a new
 * metric, the file is rewritten once (atomically) with the wider header and the old rows padded with empty cells.
 */
export function csvSink(path: string, opts: FileSinkOptions = {}): MetricSink {
  const op = "csvSink";
  if (typeof path !== "string" || path === "") throw new DriftError(op, `path must be a non-empty string; got ${JSON.stringify(path)}`);
  const flushEvery = opts.flushEvery ?? 1;
  checkFlushEvery(op, flushEvery);
  mkdirSync(dirname(path), { recursive: true });
  let columns: string[] = [];
  if (existsSync(path)) {
    const rows = parseCsvRows(readFileSync(path, "utf8"));
    if (rows.length > 0) columns = rows[0]!.map((c) => c.cell);
    if (columns.length > 0 && columns[0] !== "step") throw new DriftError(op, `${path} exists but its first column is '${columns[0]}', not 'step'`);
  }
  let fileColumns = columns.length;
  let pending: MetricRecord[] = [];
  let closed = false;
  const line = (r: MetricRecord) => columns.map((c) => csvCell(c === "step" ? r.step : r.metrics[c])).join(",") + "\n";
  const flush = () => {
    if (pending.length === 0) return;
    if (columns.length === 0) columns = ["step"];
    for (const r of pending) for (const k of Object.keys(r.metrics)) if (!columns.includes(k)) columns.push(k);
    const body = pending.map(line).join("");
    if (fileColumns === 0) writeFileSync(path, columns.map(headerCell).join(",") + "\n" + body);
    else if (fileColumns === columns.length) appendFileSync(path, body);
    else {
      const old = readCsv(path);
      const oldText = old.map((o) => columns.map((c) => csvCell(o[c] ?? null)).join(",") + "\n").join("");
      writeAtomic(path, columns.map(headerCell).join(",") + "\n" + oldText + body);
    }
    fileColumns = columns.length;
    pending = [];
  };
  return {
    write(record) {
      if (closed) throw new DriftError(op, `${path} is closed`);
      pending.push(record);
      if (pending.length >= flushEvery) flush();
    },
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
    },
  };
}

/** JSON with NaN and ±Infinity kept as the strings "NaN", "Infinity", "-Infinity" (plain JSON would turn them into null). */
function jsonValue(v: MetricValue): MetricValue {
  return typeof v === "number" && !Number.isFinite(v) ? formatNumber(v) : v;
}

/** Reads a JSONL metrics file written by `jsonlSink`: one `{step, ...metrics}` object per line, non-finite numbers restored. */
export function readJsonl(path: string): Record<string, MetricValue>[] {
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      let o: Record<string, MetricValue>;
      try {
        o = JSON.parse(l);
      } catch (e) {
        throw new DriftError("readJsonl", `${path} line ${i + 1} is not valid JSON: ${(e as Error).message}`);
      }
      for (const [k, v] of Object.entries(o)) if (typeof v === "string" && Object.hasOwn(special, v)) o[k] = special[v]!;
      return o;
    });
}

/**
 * A JSONL sink: one `{"step": …, "<metric>": …}` object per line, appended (an existing file is continued). Records
 * may carry any keys; non-finite numbers are written as the strings "NaN"/"Infinity"/"-Infinity" (see `readJsonl`).
 */
export function jsonlSink(path: string, opts: FileSinkOptions = {}): MetricSink {
  const op = "jsonlSink";
  if (typeof path !== "string" || path === "") throw new DriftError(op, `path must be a non-empty string; got ${JSON.stringify(path)}`);
  const flushEvery = opts.flushEvery ?? 1;
  checkFlushEvery(op, flushEvery);
  mkdirSync(dirname(path), { recursive: true });
  let pending: string[] = [];
  let closed = false;
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(path, pending.join(""));
    pending = [];
  };
  return {
    write(record) {
      if (closed) throw new DriftError(op, `${path} is closed`);
      const o: Record<string, MetricValue> = { step: record.step };
      for (const [k, v] of Object.entries(record.metrics)) o[k] = jsonValue(v);
      pending.push(JSON.stringify(o) + "\n");
      if (pending.length >= flushEvery) flush();
    },
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
    },
  };
}

/** Options of `consoleSink`. */
export interface ConsoleSinkOptions {
  /** Where lines go (default `console.log`). */
  print?: (line: string) => void;
  /** Print only every `every`-th record (default 1). */
  every?: number;
  /** Significant digits of numbers (default 4). */
  digits?: number;
}

/** A console sink: one line per record, `step 1000 | charts/episodic_return 12.35 | losses/qf_loss 0.0123`. */
export function consoleSink(opts: ConsoleSinkOptions = {}): MetricSink {
  const print = opts.print ?? ((l: string) => console.log(l));
  const every = opts.every ?? 1;
  const digits = opts.digits ?? 4;
  if (!Number.isInteger(every) || every < 1) throw new DriftError("consoleSink", `every must be a positive integer; got ${every}`);
  let count = 0;
  const fmt = (v: MetricValue): string => {
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v) || !Number.isFinite(v)) return formatNumber(v);
    const [mantissa, exponent] = v.toPrecision(digits).split("e") as [string, string | undefined];
    const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    return exponent === undefined ? m : `${m}e${exponent}`;
  };
  return {
    write(record) {
      if (count++ % every !== 0) return;
      print([`step ${record.step}`, ...Object.entries(record.metrics).map(([k, v]) => `${k} ${fmt(v)}`)].join(" | "));
    },
    flush() {},
    close() {},
  };
}
