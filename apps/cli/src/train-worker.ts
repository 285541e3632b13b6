// Worker thread of `drift train`/`resume`: runs the training loop off the main thread so Ctrl-C and the progress bar stay responsive.
import { parentPort, workerData } from "node:worker_threads";
import { type TrainJob, type TrainOutcome, runTraining } from "./training.ts";
import type { ProgressInfo } from "./progress.ts";

/** What the main thread hands the worker. */
export interface WorkerInput {
  job: TrainJob;
  /** Int32 flag set to 1 by the main thread to ask for a stop (checkpoint, then finish). */
  stop: SharedArrayBuffer;
}

/** Messages from the worker to the main thread. */
export type WorkerMessage =
  | { type: "progress"; progress: ProgressInfo }
  | { type: "eval"; step: number; meanReturn: number }
  | { type: "done"; outcome: TrainOutcome }
  | { type: "error"; name: string; message: string; stack?: string };

const { job, stop } = workerData as WorkerInput;
const flag = new Int32Array(stop);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
let lastPost = -Infinity;

try {
  const outcome = await runTraining(job, {
    shouldStop: () => Atomics.load(flag, 0) === 1,
    onProgress(p) {
      const t = performance.now();
      if (t - lastPost >= 100 || p.step >= p.totalSteps) {
        lastPost = t;
        post({ type: "progress", progress: { step: p.step, totalSteps: p.totalSteps, sps: p.sps, episodicReturn: p.episodicReturn } });
      }
    },
    onEval: (step, meanReturn) => post({ type: "eval", step, meanReturn }),
  });
  post({ type: "done", outcome });
} catch (e) {
  const err = e as Error;
  post({ type: "error", name: err?.name ?? "Error", message: err?.message ?? String(e), stack: err?.stack });
}
