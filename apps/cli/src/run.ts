// Runs a training job in a worker thread with a progress bar, Ctrl-C handling (stop → checkpoint → resumable), and plots at the end.
import { Worker } from "node:worker_threads";
import { isAbsolute, relative } from "node:path";
import type { Io } from "./io.ts";
import { ProgressBar, formatDuration } from "./progress.ts";
import { writeCurvePlots } from "./plot.ts";
import { type RunInfo, checkpointStep, runPaths } from "./run-dir.ts";
import type { TrainJob, TrainOutcome } from "./training.ts";
import type { WorkerInput, WorkerMessage } from "./train-worker.ts";

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

const WORKER = new URL("./train-worker.mjs", import.meta.url);

/** Callbacks of `trainInWorker`. */
export interface WorkerHooks {
  onMessage(m: WorkerMessage): void;
}

/** Runs `job` in a worker thread; `stop` (an Int32 flag) asks it to checkpoint and finish. Resolves with the outcome. */
export function trainInWorker(job: TrainJob, stop: SharedArrayBuffer, hooks: WorkerHooks): Promise<TrainOutcome> {
  return new Promise((resolve, reject) => {
    const input: WorkerInput = { job, stop };
    const worker = new Worker(WORKER, { workerData: input });
    let settled = false;
    const settle = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "done") settle(() => resolve(m.outcome));
      else if (m.type === "error") {
        const err = new Error(m.message);
        err.name = m.name;
        if (m.stack) err.stack = m.stack;
        settle(() => reject(err));
      } else hooks.onMessage(m);
    });
    worker.on("error", (e) => settle(() => reject(e)));
    worker.on("exit", (code) => settle(() => reject(new Error(`the training thread exited (code ${code}) before finishing`))));
  });
}

/** `path` as typed on a command line: relative to the working directory when it lies below it, quoted if it has spaces. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const p = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
  return /\s/.test(p) ? JSON.stringify(p) : p;
}

/** The command that resumes `runDir`. */
export function resumeCommand(runDir: string): string {
  return `npx drift resume ${displayPath(runDir)}`;
}

/**
 * Trains the run in `runDir` (config from `info`) to `info.totalSteps`, starting from its checkpoint if it has one.
 * Shows progress; the first Ctrl-C (SIGINT or SIGTERM) asks the loop to stop, which saves a checkpoint, and says how
 * to resume; a second one exits at once. Writes curve.svg and curve.png at the end (also after a stop).
 * Returns the exit status: 0 when finished, 130 when stopped.
 */
export async function executeRun(runDir: string, info: RunInfo, io: Io): Promise<number> {
  const paths = runPaths(runDir);
  const job: TrainJob = {
    runDir,
    algo: info.algo,
    env: info.env,
    seed: info.seed,
    totalSteps: info.totalSteps,
    logEvery: info.logEvery,
    checkpointEvery: info.checkpointEvery,
    config: info.config,
  };
  const bar = new ProgressBar({ write: io.err, tty: io.tty, columns: io.columns, label: `${info.algo} ${info.env}` });
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  let interrupts = 0;
  let saved = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1 && !saved) {
      Atomics.store(flag, 0, 1);
      bar.message(`${signal}: stopping after this step and saving a checkpoint (press Ctrl-C again to quit at once, without saving)`);
    } else {
      bar.done();
      io.err(
        saved
          ? `${signal}: quitting; the checkpoint is saved, resume with: ${resumeCommand(runDir)}\n`
          : `${signal} again: quitting without saving. The last periodic checkpoint is kept; resume with: ${resumeCommand(runDir)}\n`,
      );
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const started = performance.now();
    let outcome: TrainOutcome;
    try {
      outcome = await trainInWorker(job, stop, {
        onMessage(m) {
          if (m.type === "progress") bar.update(m.progress);
          else if (m.type === "eval") bar.message(`eval at step ${m.step}: mean return ${m.meanReturn.toFixed(2)} (deterministic)`);
        },
      });
      saved = true;
    } catch (e) {
      bar.done();
      const at = checkpointStep(runDir);
      if (at !== null) io.err(`training failed; the checkpoint at step ${at} is kept (resume with: ${resumeCommand(runDir)})\n`);
      throw e;
    } finally {
      bar.done();
    }
    try {
      await writeCurvePlots(paths.jsonl, paths.svg, paths.png, {
        title: `${info.env} · ${info.algo} · seed ${info.seed}`,
        subtitle: `${outcome.step} of ${info.totalSteps} steps${outcome.stopped ? " (stopped)" : ""} · ${runDir}`,
        xMax: info.totalSteps,
      });
    } catch (e) {
      io.err(`warning: could not write the learning-curve plots: ${(e as Error).message}\n`);
    }
    const secs = (performance.now() - started) / 1000;
    const last = outcome.returns.slice(-10);
    const lastText = last.length ? `; mean return of the last ${last.length} episodes ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(2)}` : "";
    if (outcome.stopped) {
      io.out(`Stopped at step ${outcome.step} of ${info.totalSteps} after ${formatDuration(secs)}; checkpoint saved in ${paths.checkpoint}.*${lastText}.\n`);
      io.out(`Resume with: ${resumeCommand(runDir)}\n`);
      return EXIT_INTERRUPTED;
    }
    io.out(`Finished ${outcome.step} steps in ${formatDuration(secs)}${lastText}.\n`);
    io.out(`Run directory: ${runDir} (config.json, metrics.csv, metrics.jsonl, checkpoints/, curve.svg, curve.png)\n`);
    io.out(`Evaluate with: npx drift eval ${displayPath(runDir)} --episodes 10\n`);
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
