// Where the CLI writes: standard output for results, standard error for progress and diagnostics.

/** Output streams of a command (injectable so tests can capture them). */
export interface Io {
  /** Results (tables, summaries). */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
  /** Standard error is a terminal: draw the progress bar in place. */
  tty: boolean;
  /** Terminal width. */
  columns: number;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    tty: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns ?? 100,
  };
}

/** An Io that records everything written (non-terminal), for tests and embedding. */
export function bufferIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), tty: false, columns: 100 };
}
