// workerVectorEnv: N copies of a registered env stepped by a pool of worker threads through SharedArrayBuffer + Atomics.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type Array, DriftError, np } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Info } from "../types.ts";
import { spec as getSpec } from "../registry.ts";
import { checkKey } from "../validation.ts";
import {
  type ArrayLikeTyped,
  type BoxSpec,
  CMD,
  DTYPES,
  ERROR_BYTES,
  type EnvLayout,
  HEADER,
  HEADER_SIZE,
  type LeafSpec,
  type Regions,
  SLOT,
  WORKER_STRIDE,
  carve,
  dataBytes,
  fillTree,
} from "./layout.ts";
import type { WorkerInit } from "./worker.ts";

/** Options of `workerVectorEnv`. */
export interface WorkerVectorEnvOptions<P = any> {
  /** Worker threads (each loads the env once and steps a contiguous shard of copies). Default min(2, CPU cores), at most numEnvs. */
  workers?: number;
  /** Param overrides merged over the env's defaults, as `makeEnv`'s; plain data only (numbers, booleans, strings, arrays, objects). */
  params?: Partial<P>;
  /** Overrides the registry's time limit; null removes it. */
  maxEpisodeSteps?: number | null;
}

/** What `reset` resolves to: observations [numEnvs, ...] and the batched state. */
export interface WorkerResetResult {
  /** First observations, leading axis numEnvs. */
  obs: Array;
  /** Batched state: `{ env, t }` (the env's state and the int32 time-limit counter) or the env's state when there is no time limit. */
  state: unknown;
}

/** What `step` resolves to (SameStep auto-reset: finished copies already carry their reset observation and state). */
export interface WorkerStepResult extends WorkerResetResult {
  /** Rewards [numEnvs]. */
  reward: Array;
  /** Terminated flags, bool [numEnvs]. */
  terminated: Array;
  /** Truncated flags (env or time limit), bool [numEnvs]. */
  truncated: Array;
  /** The env's batched info plus `finalObservation` (observations before auto-reset) and `finalInfo`. */
  info: Info;
}

type WaitResult = { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number) => WaitResult }).waitAsync;

const BOOTSTRAP = new URL("./bootstrap.mjs", import.meta.url);

function boxOf(s: BoxSpec): Box {
  return new Box(np.array(Float64Array.from(s.low), { dtype: s.dtype }), np.array(Float64Array.from(s.high), { dtype: s.dtype }), s.shape, s.dtype);
}

function checkPlainData(op: string, x: unknown, path: string): void {
  if (x === null || ["number", "boolean", "string", "undefined"].includes(typeof x)) return;
  if (globalThis.Array.isArray(x)) return x.forEach((v, i) => checkPlainData(op, v, `${path}[${i}]`));
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype)
    return Object.entries(x).forEach(([k, v]) => checkPlainData(op, v, `${path}.${k}`));
  throw new DriftError(op, `${path} must be plain data (numbers, booleans, strings, arrays, objects) to reach the workers; got ${x instanceof np.Array ? "a Drift array" : typeof x}`);
}

/** The worker threads of one pool, their shared memory, and a promise that rejects when one of them dies. */
class Threads {
  /** The workers, one per shard. */
  readonly workers: Worker[];
  /** Rejects (with a DriftError) when a worker crashes or exits before `terminate`. */
  readonly failure: Promise<never>;
  /** Control words. */
  readonly ctrl: Int32Array;
  /** Error text areas. */
  readonly errors: Uint8Array;
  /** The first failure, if any. */
  failedWith: DriftError | null = null;
  private readonly exited: boolean[];
  private closing = false;
  private reject: (err: DriftError) => void = () => {};

  private constructor(id: string, inits: WorkerInit[]) {
    this.failure = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.failure.catch(() => {});
    this.ctrl = new Int32Array(inits[0]!.control);
    this.errors = new Uint8Array(inits[0]!.errors);
    this.exited = inits.map(() => false);
    this.workers = inits.map((init, w) => {
      const worker = new Worker(BOOTSTRAP, { workerData: init });
      worker.on("error", (err) => this.fail(new DriftError("workerVectorEnv", `worker ${w} of ${id} crashed: ${err.message}`)));
      worker.on("exit", (code) => {
        this.exited[w] = true;
        if (!this.closing) this.fail(new DriftError("workerVectorEnv", `worker ${w} of ${id} exited unexpectedly (code ${code})`));
      });
      return worker;
    });
  }

  /**
   * Starts `numWorkers` workers on contiguous shards of `numEnvs` copies, waits until each has loaded the env and
   * reported its layout, then hands them the data buffer. Idle workers are unref'd.
   */
  static async start(id: string, numEnvs: number, numWorkers: number, params: unknown, maxEpisodeSteps: number | null): Promise<{ threads: Threads; layout: EnvLayout; data: SharedArrayBuffer }> {
    const control = new SharedArrayBuffer(4 * (HEADER_SIZE + numWorkers * WORKER_STRIDE));
    const errors = new SharedArrayBuffer(ERROR_BYTES * numWorkers);
    const inits = globalThis.Array.from({ length: numWorkers }, (_, w): WorkerInit => {
      const start = Math.floor((w * numEnvs) / numWorkers);
      const end = Math.floor(((w + 1) * numEnvs) / numWorkers);
      return { id, params: params as Record<string, unknown> | undefined, maxEpisodeSteps, numEnvs, start, count: end - start, index: w, control, errors };
    });
    const threads = new Threads(id, inits);
    let layout: EnvLayout;
    try {
      const started = threads.workers.map(
        (w, i) =>
          new Promise<EnvLayout>((resolve, reject) =>
            w.once("message", (msg: { type: string; layout?: EnvLayout; message?: string }) =>
              msg.type === "layout" ? resolve(msg.layout!) : reject(new DriftError("workerVectorEnv", `worker ${i} could not start ${id}: ${msg.message}`)),
            ),
          ),
      );
      layout = (await Promise.race([Promise.all(started), threads.failure]))[0]!;
    } catch (err) {
      await threads.terminate();
      throw err;
    }
    const data = new SharedArrayBuffer(dataBytes(layout, numEnvs));
    for (const w of threads.workers) {
      w.postMessage({ data });
      w.unref();
    }
    return { threads, layout, data };
  }

  /** Workers still running. */
  get live(): number {
    return this.exited.filter((e) => !e).length;
  }

  /** Records the first failure and rejects `failure`. */
  fail(err: DriftError): void {
    if (this.failedWith) return;
    this.failedWith = err;
    this.reject(err);
  }

  /** Terminates every worker (exits after this are expected). */
  async terminate(): Promise<void> {
    this.closing = true;
    // Ref'd until they are gone: an unref'd worker's exit does not keep the process alive to resolve terminate().
    await Promise.all(this.workers.map((w) => (w.ref(), w.terminate())));
  }
}

/**
 * A vector env whose copies live in worker threads. Create it with `workerVectorEnv`. One command runs at a time:
 * await each `reset`/`step` before the next. Equivalent, bitwise, to the single-thread
 * `vectorEnv(autoReset(makeEnv(id, { params, maxEpisodeSteps }).env), numEnvs)` driven as follows: `reset(key)`
 * splits key into `[k0, k1]` and resets with k0; step number t after that reset uses key `random.foldIn(k1, t)`.
 * Workers derive a copy's reset key only when it finishes, and its step key only when the env's step reads its key
 * (probed once at start-up by stepping one state with two keys; MuJoCo envs ignore it, so they skip that cost).
 */
export class WorkerVectorEnv {
  /** Registry id. */
  readonly id: string;
  /** Number of copies. */
  readonly numEnvs: number;
  /** Number of worker threads. */
  readonly numWorkers: number;
  /** Time limit applied in the workers (null: none). */
  readonly maxEpisodeSteps: number | null;
  /** One copy's observation space. */
  readonly singleObservationSpace: Box;
  /** One copy's action space. */
  readonly singleActionSpace: Box;
  /** Batched observation space [numEnvs, ...]. */
  readonly observationSpace: Box;
  /** Batched action space [numEnvs, ...]. */
  readonly actionSpace: Box;
  private readonly threads: Threads;
  private readonly ctrl: Int32Array;
  private readonly errors: Uint8Array;
  private readonly layout: EnvLayout;
  private readonly regions: Regions;
  private seq = 0;
  private t = 0;
  private busy = false;
  private needsReset = true;
  private closed = false;

  private constructor(id: string, numEnvs: number, maxEpisodeSteps: number | null, started: { threads: Threads; layout: EnvLayout; data: SharedArrayBuffer }) {
    const { threads, layout, data } = started;
    this.id = id;
    this.numEnvs = numEnvs;
    this.numWorkers = threads.workers.length;
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.threads = threads;
    this.ctrl = threads.ctrl;
    this.errors = threads.errors;
    this.layout = layout;
    this.regions = carve(layout, numEnvs, data);
    this.singleObservationSpace = boxOf(layout.observation);
    this.singleActionSpace = boxOf(layout.action);
    const batched = (b: Box) => new Box(np.broadcastTo(b.low, [numEnvs, ...b.shape]), np.broadcastTo(b.high, [numEnvs, ...b.shape]), [numEnvs, ...b.shape], b.dtype);
    this.observationSpace = batched(this.singleObservationSpace);
    this.actionSpace = batched(this.singleActionSpace);
  }

  /** Validates the arguments, starts the workers and resolves once every one has loaded the env (see `workerVectorEnv`). */
  static async start<P = any>(id: string, numEnvs: number, opts: WorkerVectorEnvOptions<P> = {}): Promise<WorkerVectorEnv> {
    const op = "workerVectorEnv";
    const s = getSpec(id);
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new DriftError(op, `numEnvs must be a positive integer; got ${numEnvs}`);
    const workers = opts.workers ?? Math.min(2, availableParallelism());
    if (!Number.isInteger(workers) || workers < 1) throw new DriftError(op, `workers must be a positive integer; got ${workers}`);
    const maxEpisodeSteps = opts.maxEpisodeSteps === undefined ? s.maxEpisodeSteps : opts.maxEpisodeSteps;
    if (maxEpisodeSteps !== null && (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1))
      throw new DriftError(op, `maxEpisodeSteps must be a positive integer or null; got ${maxEpisodeSteps}`);
    checkPlainData(op, opts.params, "params");
    const started = await Threads.start(id, numEnvs, Math.min(workers, numEnvs), opts.params, maxEpisodeSteps);
    return new WorkerVectorEnv(id, numEnvs, maxEpisodeSteps, started);
  }

  /** Worker threads that have not exited yet (0 after `close`). */
  get liveWorkers(): number {
    return this.threads.live;
  }

  /** Resets every copy. Copy i is reset with row i of `random.split(k0, numEnvs)`, where `[k0, k1] = random.split(key)`. */
  async reset(key: Array): Promise<WorkerResetResult> {
    const op = `${this.id} workerVectorEnv.reset`;
    checkKey(op, key);
    this.assertUsable(op);
    const words = key.dataSync();
    this.ctrl[HEADER.KEY0] = words[0]! | 0;
    this.ctrl[HEADER.KEY1] = words[1]! | 0;
    await this.run(op, CMD.RESET);
    this.t = 0;
    this.needsReset = false;
    return { obs: this.read(this.regions.obs, this.layout.obs), state: this.readState() };
  }

  /**
   * Steps every copy with `actions` (shape [numEnvs, ...action shape]). Copies that terminate or truncate are reset in
   * the same step (SameStep auto-reset): their `obs` and `state` are the new episode's, `info.finalObservation` holds
   * the last observation of the finished episode, and reward/flags/info are the finishing step's.
   */
  async step(actions: Array): Promise<WorkerStepResult> {
    const op = `${this.id} workerVectorEnv.step`;
    const shape = [this.numEnvs, ...this.layout.action.shape];
    if (!(actions instanceof np.Array)) throw new DriftError(op, `actions must be a Drift array of shape [${shape.join(",")}]; got ${actions === null ? "null" : typeof actions}`);
    if (actions.ndim !== shape.length || actions.shape.some((d, i) => d !== shape[i]))
      throw new DriftError(op, `actions must have shape [${shape.join(",")}] (numEnvs × action shape); got [${actions.shape.join(",")}]`);
    if (actions.toConcrete() === null) throw new DriftError(op, "actions are traced; the worker pool steps concrete arrays only (call it outside jit/vmap/grad)");
    this.assertUsable(op);
    if (this.needsReset) throw new DriftError(op, "call reset() before step() (also needed after a failed reset or step)");
    this.ctrl[HEADER.ACTION_DTYPE] = DTYPES.indexOf(actions.dtype);
    this.ctrl[HEADER.T] = this.t;
    this.regions.actions.set(actions.dataSync());
    await this.run(op, CMD.STEP);
    this.t++;
    const info = fillTree(this.layout.info.skeleton, this.layout.info.leaves.map((s, i) => this.read(this.regions.info[i]!, s))) as Info;
    return {
      obs: this.read(this.regions.obs, this.layout.obs),
      state: this.readState(),
      reward: this.read(this.regions.reward, this.layout.reward),
      terminated: this.read(this.regions.terminated, { shape: [], dtype: "bool" }),
      truncated: this.read(this.regions.truncated, { shape: [], dtype: "bool" }),
      info: { ...info, finalObservation: this.read(this.regions.finalObs, this.layout.obs), finalInfo: info },
    };
  }

  /** Stops and terminates every worker; later reset/step calls throw. Calling it again is a no-op. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.threads.live === 0) return;
    if (this.busy) this.threads.fail(new DriftError(`${this.id} workerVectorEnv.close`, "the env was closed while a reset/step was running"));
    Atomics.store(this.ctrl, HEADER.CMD, CMD.CLOSE);
    const seq = ++this.seq;
    this.threads.workers.forEach((_, w) => {
      Atomics.store(this.ctrl, HEADER_SIZE + w * WORKER_STRIDE + SLOT.REQ, seq);
      Atomics.notify(this.ctrl, HEADER_SIZE + w * WORKER_STRIDE + SLOT.REQ);
    });
    await this.threads.terminate();
  }

  private assertUsable(op: string): void {
    const failed = this.threads.failedWith;
    if (failed) throw new DriftError(op, `the worker pool failed and was shut down: ${failed.message}`);
    if (this.closed) throw new DriftError(op, "the env is closed");
    if (this.busy) throw new DriftError(op, "another reset/step is still running; await it before calling again");
  }

  /** Posts `cmd` to every worker and resolves when all finished; worker errors become a DriftError. */
  private async run(op: string, cmd: number): Promise<void> {
    this.busy = true;
    const workers = this.threads.workers;
    // Keep the process alive while workers compute (a pending Atomics.waitAsync does not); idle pools stay unref'd.
    for (const w of workers) w.ref();
    try {
      Atomics.store(this.ctrl, HEADER.CMD, cmd);
      const seq = ++this.seq;
      const waits = workers.map(async (_, w) => {
        const base = HEADER_SIZE + w * WORKER_STRIDE;
        Atomics.store(this.ctrl, base + SLOT.REQ, seq);
        Atomics.notify(this.ctrl, base + SLOT.REQ);
        for (;;) {
          const done = Atomics.load(this.ctrl, base + SLOT.DONE);
          if (done === seq) return;
          const r = waitAsync(this.ctrl, base + SLOT.DONE, done);
          if (r.async) await r.value;
        }
      });
      await Promise.race([Promise.all(waits), this.threads.failure]);
      const failed = workers.findIndex((_, w) => Atomics.load(this.ctrl, HEADER_SIZE + w * WORKER_STRIDE + SLOT.STATUS) !== 0);
      if (failed >= 0) {
        this.needsReset = true;
        const len = Atomics.load(this.ctrl, HEADER_SIZE + failed * WORKER_STRIDE + SLOT.ERRLEN);
        const text = new TextDecoder().decode(this.errors.slice(failed * ERROR_BYTES, failed * ERROR_BYTES + len));
        throw new DriftError(op, `worker ${failed} failed: ${text}`);
      }
    } finally {
      this.busy = false;
      if (!this.closed) for (const w of workers) w.unref();
    }
  }

  private read(region: ArrayLikeTyped, s: LeafSpec): Array {
    return np.reshape(np.array(region, { dtype: s.dtype }), [this.numEnvs, ...s.shape]);
  }

  private readState(): unknown {
    const env = fillTree(this.layout.state.skeleton, this.layout.state.leaves.map((s, i) => this.read(this.regions.state[i]!, s)));
    return this.maxEpisodeSteps === null ? env : { env, t: this.read(this.regions.t, { shape: [], dtype: "int32" }) };
  }
}

/**
 * Starts `numEnvs` copies of the registered env `id` (a MuJoCo id such as "HalfCheetah-v5", or any registered env
 * with Box spaces) in a pool of worker threads and resolves once every worker has loaded it. Each worker loads
 * the env (for MuJoCo: its own wasm module) once and steps a contiguous shard of copies; actions, observations,
 * rewards, flags, states and infos travel through one SharedArrayBuffer, with Atomics for signalling. The time
 * limit (the registry's unless overridden) and SameStep auto-reset run inside the workers.
 *
 * Results equal the single-thread `vectorEnv(autoReset(makeEnv(id, opts).env), numEnvs)` bitwise (see
 * `WorkerVectorEnv` for the key schedule). Idle workers do not keep the process alive; still call `close()`.
 * Worker code runs from TypeScript source, so tsx must be installed (it is registered inside each worker).
 *
 * @example
 * const venv = await workerVectorEnv("HalfCheetah-v5", 16, { workers: 2 });
 * let { obs } = await venv.reset(random.key(0));
 * const out = await venv.step(np.zeros([16, 6]));
 * await venv.close();
 */
export function workerVectorEnv<P = any>(id: string, numEnvs: number, opts: WorkerVectorEnvOptions<P> = {}): Promise<WorkerVectorEnv> {
  return WorkerVectorEnv.start(id, numEnvs, opts);
}
