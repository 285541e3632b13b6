// Training progress: one redrawn status line on a terminal, plain periodic lines elsewhere (CI logs, pipes).

/** One progress report (the training loop's `Progress`). */
export interface ProgressInfo {
  step: number;
  totalSteps: number;
  /** Environment steps per second since this process started training. */
  sps: number;
  /** Return of the most recently finished episode, if any. */
  episodicReturn: number | null;
}

/** Where progress goes and how. */
export interface ProgressOptions {
  write: (text: string) => void;
  /** Redraw one line in place (a terminal) instead of printing lines. */
  tty: boolean;
  /** Terminal width (default 100). */
  columns?: number;
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
  /** Plain mode: also print a line when this many ms passed since the last one (default 30000). */
  plainEveryMs?: number;
  /** Text before the bar, e.g. `sac Pendulum-v1`. */
  label?: string;
}

/** `1h02m`, `3m05s` or `42s`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** The fields shown after the bar: steps, percent, steps/s, last return and ETA. */
export function progressFields(p: ProgressInfo): string[] {
  const pct = (100 * p.step) / p.totalSteps;
  const eta = p.sps > 0 ? (p.totalSteps - p.step) / p.sps : NaN;
  return [
    `${pct.toFixed(1).padStart(5)}%`,
    `${p.step}/${p.totalSteps} steps`,
    `${p.sps >= 100 ? p.sps.toFixed(0) : p.sps.toFixed(1)} steps/s`,
    `return ${p.episodicReturn === null ? "--" : p.episodicReturn.toFixed(1)}`,
    `ETA ${p.step >= p.totalSteps ? "0s" : formatDuration(eta)}`,
  ];
}

/**
 * A progress display. On a terminal `update` redraws a single line (`label [████░░░░] 45.2% | 9040/20000 steps |
 * 112 steps/s | return -812.3 | ETA 1m38s`) at most ten times a second; otherwise it prints the first report, one line
 * per tenth of the run and one every `plainEveryMs`. `message` prints a line above the bar; `done` ends the bar.
 */
export class ProgressBar {
  private readonly o: Required<ProgressOptions>;
  private last: ProgressInfo | null = null;
  private lastDraw = -Infinity;
  private lastTenth = -1;
  private drawn = false;

  /** A progress display writing through `opts.write`. */
  constructor(opts: ProgressOptions) {
    this.o = { columns: 100, now: () => performance.now(), plainEveryMs: 30_000, label: "", ...opts };
  }

  /** Reports progress; draws when due. */
  update(p: ProgressInfo): void {
    this.last = p;
    const t = this.o.now();
    const tenth = Math.floor((10 * p.step) / p.totalSteps);
    if (this.o.tty) {
      if (t - this.lastDraw >= 100 || p.step >= p.totalSteps) this.draw(t);
    } else if (tenth > this.lastTenth || t - this.lastDraw >= this.o.plainEveryMs) {
      this.lastTenth = tenth;
      this.lastDraw = t;
      this.o.write(`${this.o.label ? `${this.o.label} ` : ""}${progressFields(this.last).join(" | ")}\n`);
    }
  }

  /** Prints `line` (above the bar on a terminal). */
  message(line: string): void {
    if (this.o.tty && this.drawn) {
      this.o.write(`\r\x1b[2K${line}\n`);
      if (this.last) this.draw(this.o.now());
    } else this.o.write(`${line}\n`);
  }

  /** Draws the last report (on a terminal) and moves to a fresh line. */
  done(): void {
    if (this.o.tty && this.drawn) {
      if (this.last) this.draw(this.o.now());
      this.o.write("\n");
      this.drawn = false;
    }
  }

  private draw(t: number): void {
    const p = this.last!;
    this.lastDraw = t;
    const text = progressFields(p).join(" | ");
    const label = this.o.label ? `${this.o.label} ` : "";
    const width = Math.max(10, Math.min(40, this.o.columns - text.length - label.length - 4));
    const filled = Math.min(width, Math.round((width * p.step) / p.totalSteps));
    const bar = `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
    this.o.write(`\r\x1b[2K${label}${bar} ${text}`);
    this.drawn = true;
  }
}
