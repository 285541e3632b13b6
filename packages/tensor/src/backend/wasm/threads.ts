// Worker threads that share the calling thread's loops over kernel work items (matmul column panels), through Atomics (Node only).
import type { WasmMemory, WasmModule } from "./wasm-api.ts";
import { DriftError } from "../../errors.ts";

/** Per-worker control block (Int32 words). */
const SEQ = 0;
const DONE = 1;
const STATE = 2;
const CMD = 3;
const MODULE = 4;
const FN = 5;
const BASE = 6;
const SCRATCH = 7;
const CONTROL_WORDS = 8;
/** Work block shared by every worker: next item, item count, grab unit, and the share of what is left one grab takes. */
const NEXT = 0;
const TOTAL = 1;
const UNIT = 2;
const PARTS = 3;
const WORK_WORDS = 4;
/**
 * Guided self-scheduling, shared by the caller and the workers: a grab takes 1/PARTS of the items left, rounded down to
 * whole units (at least one unit), so early grabs are large and the last ones small, and no thread waits long for
 * another's last chunk. `grab(work)` claims a chunk and returns its first item (−1 when none is left); `chunkEnd(work,
 * i)` is where the chunk that starts at item i ends (a pure function of i, so both sides agree without sharing it).
 */
const SCHEDULER_SOURCE = `
function chunkEnd(work, i) {
  const total = work[${TOTAL}], unit = work[${UNIT}], parts = work[${PARTS}];
  return Math.min(total, i + unit * Math.max(1, Math.floor(Math.ceil((total - i) / unit) / parts)));
}
function grab(work) {
  for (;;) {
    const i = Atomics.load(work, ${NEXT});
    if (i >= work[${TOTAL}]) return -1;
    if (Atomics.compareExchange(work, ${NEXT}, i, chunkEnd(work, i)) === i) return i;
  }
}`;
const scheduler = new Function(`${SCHEDULER_SOURCE}\nreturn { chunkEnd, grab };`)() as {
  chunkEnd(work: Int32Array, i: number): number;
  grab(work: Int32Array): number;
};

/**
 * The chunks [from, to) one thread grabbing alone would take from `total` items in `unit`s, each grab 1/`parts` of what
 * is left: the schedule of {@link KernelPool.parallel}.
 */
export function guidedChunks(total: number, unit: number, parts: number): [number, number][] {
  const work = new Int32Array(new SharedArrayBuffer(WORK_WORDS * 4));
  work.set([0, total, unit, parts]);
  const chunks: [number, number][] = [];
  for (let i = scheduler.grab(work); i >= 0; i = scheduler.grab(work)) chunks.push([i, scheduler.chunkEnd(work, i)]);
  return chunks;
}
const CMD_RUN = 1;
const CMD_LOAD = 2;
const CMD_WAKE = 3;
/** Job states: posted and not yet claimed; claimed by the worker; withdrawn by the caller before the worker claimed it. */
const IDLE = 0;
const POSTED = 1;
const RUNNING = 2;
const WITHDRAWN = 3;
/**
 * A worker polls for its next command this long (ms) before sleeping in Atomics.wait: kernels come in bursts, and waking
 * a sleeping thread takes tens to hundreds of µs here, longer than a 256-wide matmul's share of work.
 */
const WORKER_SPIN_MS = 1;
/** The caller polls a running worker this long (ms) before sleeping (longer spinning would steal a shared core from it). */
const CALLER_SPIN_MS = 0.05;
/** After this many dispatches of a site in a row where the caller waited for workers longer than it worked… */
const BAD_DISPATCHES = 3;
/** …this many dispatches of the site run on the calling thread alone before threads are tried again. */
const BACKOFF = 16;

/**
 * The worker: instantiates posted modules on the shared memory; for a job it claims, it takes chunks of items from the
 * shared counter and runs `fn(base, from, to, scratch)` on each until none are left.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
${SCHEDULER_SOURCE}
const ctrl = new Int32Array(workerData.control);
const work = new Int32Array(workerData.work);
const port = workerData.port;
const modules = [];
let seen = 0;
for (;;) {
  let spins = 0, until = 0;
  while (Atomics.load(ctrl, ${SEQ}) === seen) {
    if ((++spins & 1023) !== 0) continue;
    const now = performance.now();
    if (until === 0) until = now + ${WORKER_SPIN_MS};
    else if (now > until) { Atomics.wait(ctrl, ${SEQ}, seen); until = 0; }
  }
  seen = Atomics.load(ctrl, ${SEQ});
  if (ctrl[${CMD}] === ${CMD_LOAD}) {
    const { module, memory, names, imports, released } = receiveMessageOnPort(port).message;
    for (const id of released) modules[id] = undefined;
    const math = {};
    for (const [name, source] of Object.entries(imports)) math[name] = new Function("return " + source)();
    const instance = new WebAssembly.Instance(module, { env: { memory }, math });
    modules[ctrl[${MODULE}]] = names.map((n) => instance.exports[n]);
    Atomics.store(ctrl, ${DONE}, seen);
    Atomics.notify(ctrl, ${DONE});
  } else if (Atomics.compareExchange(ctrl, ${STATE}, ${POSTED}, ${RUNNING}) === ${POSTED}) {
    const fn = modules[ctrl[${MODULE}]][ctrl[${FN}]];
    const base = ctrl[${BASE}], scratch = ctrl[${SCRATCH}];
    for (let i = grab(work); i >= 0; i = grab(work)) fn(base, i, chunkEnd(work, i), scratch);
    Atomics.store(ctrl, ${STATE}, ${IDLE});
    Atomics.notify(ctrl, ${STATE});
  }
}
`;

/** Per call site state of {@link KernelPool.parallel}: how it has gone lately, and how long to run it alone. */
export interface ThreadSite {
  bad: number;
  backoff: number;
}

interface WorkerHandle {
  readonly ctrl: Int32Array;
  readonly port: { postMessage(message: unknown): void };
  seq: number;
}

interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown; transferList: unknown[] }) => { unref(): void };
  MessageChannel: new () => { port1: { postMessage(message: unknown): void; unref?(): void }; port2: unknown };
}

/**
 * A pool of kernel threads. `load` hands a compiled module to every worker; `parallel` runs a loop over work items
 * on the calling thread and on every worker that wakes in time, each taking chunks from a shared counter (large ones
 * first, small ones last), so a busy or descheduled worker never delays the caller by more than the chunk it is
 * running. When dispatches keep failing to gain at a call site (an oversubscribed host, or work too small to wake a
 * thread for), that site runs on the calling thread alone for a while, then tries again.
 */
export class KernelPool {
  private readonly workers: WorkerHandle[] = [];
  private readonly work = new Int32Array(new SharedArrayBuffer(WORK_WORDS * 4));
  private modules = 0;
  private released: number[] = [];

  constructor(
    threads: WorkerThreadsModule,
    count: number,
    private readonly memory: WasmMemory,
  ) {
    for (let i = 0; i < count; i++) {
      const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
      const channel = new threads.MessageChannel();
      const worker = new threads.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { control, work: this.work.buffer, port: channel.port2 },
        transferList: [channel.port2],
      });
      worker.unref();
      channel.port1.unref?.();
      this.workers.push({ ctrl: new Int32Array(control), port: channel.port1, seq: 0 });
    }
  }

  /** Number of worker threads (the calling thread works too). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Instantiates `module` in every worker (blocking until they have it); its functions `names` get indices 0, 1, …
   * `imports` gives the JS source of each function the module imports from "math" (e.g. `Math.exp`).
   */
  load(module: WasmModule, names: readonly string[], imports: Readonly<Record<string, string>>): number {
    const id = this.modules++;
    const released = this.released;
    this.released = [];
    for (const w of this.workers) {
      w.port.postMessage({ module, memory: this.memory, names, imports, released });
      w.ctrl[CMD] = CMD_LOAD;
      w.ctrl[MODULE] = id;
      this.signal(w);
      while (Atomics.load(w.ctrl, DONE) !== w.seq) Atomics.wait(w.ctrl, DONE, Atomics.load(w.ctrl, DONE), 1);
    }
    return id;
  }

  /** Lets the workers drop module `id` (done with the next `load`, when a new module arrives anyway). */
  release(id: number): void {
    this.released.push(id);
  }

  /**
   * Runs items [0, total) in guided chunks of whole `unit`s (the last chunk may be cut at total): here through
   * `local(from, to)`, on worker w through function `fn` of module `id` called as `(base, from, to, scratch(w))`.
   * Returns when every item is done. `site` keeps the record of this call site: after a few dispatches in a row that
   * did not gain, it runs alone for a while.
   */
  parallel(
    site: ThreadSite,
    id: number,
    fn: number,
    base: number,
    total: number,
    unit: number,
    scratch: (worker: number) => number,
    local: (from: number, to: number) => void,
  ): void {
    if (site.backoff > 0) {
      site.backoff--;
      local(0, total);
      return;
    }
    const work = this.work;
    Atomics.store(work, NEXT, 0);
    Atomics.store(work, TOTAL, total);
    Atomics.store(work, UNIT, unit);
    Atomics.store(work, PARTS, 2 * (this.workers.length + 1));
    this.workers.forEach((w, i) => {
      w.ctrl[CMD] = CMD_RUN;
      w.ctrl[MODULE] = id;
      w.ctrl[FN] = fn;
      w.ctrl[BASE] = base;
      w.ctrl[SCRATCH] = scratch(i);
      Atomics.store(w.ctrl, STATE, POSTED);
      this.signal(w);
    });
    const start = performance.now();
    for (let i = scheduler.grab(work); i >= 0; i = scheduler.grab(work)) local(i, scheduler.chunkEnd(work, i));
    const worked = performance.now();
    for (const w of this.workers) {
      if (Atomics.compareExchange(w.ctrl, STATE, POSTED, WITHDRAWN) === POSTED) continue;
      const until = performance.now() + CALLER_SPIN_MS;
      while (Atomics.load(w.ctrl, STATE) === RUNNING) if (performance.now() > until) Atomics.wait(w.ctrl, STATE, RUNNING, 1);
    }
    // Threads pay only when workers finish about when the caller does; else back off for a while. A worker that never
    // showed up cost nothing (its job was withdrawn), so only waiting counts against the site.
    const waited = performance.now() - worked;
    site.bad = waited > worked - start ? site.bad + 1 : 0;
    if (site.bad >= BAD_DISPATCHES) {
      site.bad = 0;
      site.backoff = BACKOFF;
    }
  }

  /** Wakes sleeping workers without work, so that they are polling when the next {@link parallel} posts some. */
  wake(): void {
    for (const w of this.workers) {
      w.ctrl[CMD] = CMD_WAKE;
      this.signal(w);
    }
  }

  private signal(w: WorkerHandle): void {
    w.seq = (w.seq + 1) | 0;
    Atomics.store(w.ctrl, SEQ, w.seq);
    Atomics.notify(w.ctrl, SEQ);
  }
}

let pool: KernelPool | null | undefined;
let requested: number | undefined;

/**
 * Sets how many extra kernel threads programs compiled from now on may use (0 turns threading off, undefined restores
 * the default: one fewer than the available parallelism, capped at 1). Changing the count starts a new pool; workers
 * of an earlier pool stay idle.
 */
export function setKernelThreads(count: number | undefined): void {
  if (count !== undefined && !(Number.isInteger(count) && count >= 0))
    throw new DriftError("setKernelThreads", `count must be a non-negative integer (0 turns kernel threads off) or undefined for the default; got ${String(count)}`);
  requested = count;
}

/** The process's kernel pool for a shared `memory`, created on first use; null where threads are unavailable or off. */
export function kernelPool(memory: WasmMemory, shared: boolean): KernelPool | null {
  const want = requested ?? defaultThreads();
  if (want <= 0 || !shared) return null;
  if (pool === undefined || (pool && pool.size !== want)) {
    const threads = builtin<WorkerThreadsModule>("node:worker_threads");
    pool = threads ? new KernelPool(threads, want, memory) : null;
  }
  return pool;
}

function builtin<T>(id: string): T | undefined {
  return (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(id) as T | undefined;
}

function defaultThreads(): number {
  const cores = builtin<{ availableParallelism?: () => number }>("node:os")?.availableParallelism?.() ?? 1;
  return Math.min(1, cores - 1);
}
