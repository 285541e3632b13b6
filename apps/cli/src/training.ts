// One training run in the current thread: metrics to CSV/JSONL through the rl logger, the algos off-policy loop, checkpoints in the run directory.
import type { AlgorithmConfig, Progress } from "@drift/algos";
import { getAlgorithm, makeTrain } from "@drift/algos";
import { Logger, METRICS, csvSink, jsonlSink } from "@drift/rl";
import { random } from "@drift/tensor";
import { runPaths } from "./run-dir.ts";
import { EVAL_RETURN } from "./plot.ts";

/** Everything a training thread needs (plain data, so it can cross to a worker). */
export interface TrainJob {
  runDir: string;
  algo: string;
  env: string;
  seed: number;
  totalSteps: number;
  logEvery: number;
  checkpointEvery: number;
  config: AlgorithmConfig;
}

/** How a run ended. */
export interface TrainOutcome {
  /** Steps done (the checkpoint's step). */
  step: number;
  /** True when stopped early (Ctrl-C); a checkpoint was saved. */
  stopped: boolean;
  /** Returns of the episodes finished in this session, in order. */
  returns: number[];
  /** Evaluations in this session. */
  evals: { step: number; meanReturn: number }[];
}

/** Hooks of `runTraining`. */
export interface TrainHooks {
  onProgress?(p: Progress): void;
  /** An evaluation finished at `step` with this mean deterministic return. */
  onEval?(step: number, meanReturn: number): void;
  /** Polled every step: true stops after saving a checkpoint. */
  shouldStop?(): boolean;
}

/**
 * Checks `job.config` the way the training loop will (positive batch/buffer sizes…) without training: throws the
 * loop's DriftError for a config that `drift train` should reject before creating a run directory.
 */
export function checkJob(job: Omit<TrainJob, "runDir">): void {
  makeTrain(getAlgorithm(job.algo), job.config as any, { env: job.env, totalSteps: job.totalSteps, logEvery: job.logEvery });
}

/**
 * Trains `job` in this thread: appends metrics to the run's metrics.csv and metrics.jsonl (CleanRL names), checkpoints
 * to `<run>/checkpoints/latest` every `checkpointEvery` steps, at the end and when `shouldStop` fires, and resumes
 * from that checkpoint when one exists.
 */
export async function runTraining(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const paths = runPaths(job.runDir);
  const logger = new Logger([csvSink(paths.csv), jsonlSink(paths.jsonl)]);
  const returns: number[] = [];
  try {
    const { train } = makeTrain(
      getAlgorithm(job.algo),
      job.config as any,
      { env: job.env, totalSteps: job.totalSteps, logEvery: job.logEvery, checkpointEvery: job.checkpointEvery, checkpointPrefix: paths.checkpoint },
      {
        onLog(step, metrics) {
          logger.log(step, metrics);
          const r = metrics[METRICS.episodicReturn];
          if (r !== undefined) returns.push(r);
          const e = metrics[EVAL_RETURN];
          if (e !== undefined) hooks.onEval?.(step, e);
        },
        onProgress: hooks.onProgress,
        shouldStop: hooks.shouldStop,
      },
    );
    const res = await train(random.key(job.seed));
    return { step: res.step, stopped: res.stopped, returns, evals: res.evals };
  } finally {
    logger.close();
  }
}
