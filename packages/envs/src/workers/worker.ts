// Worker thread of workerVectorEnv: loads the env once, then resets/steps its shard of copies on command via shared memory.
import { parentPort, workerData } from "node:worker_threads";
import { type Array, DriftError, np, random } from "@drift/tensor";
// The package entry point, so every env it registers (MuJoCo included) can be made here.
import { Box, type Env, makeEnv, prepareEnv } from "../index.ts";
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
  describeTree,
  leafSize,
  treeArrays,
} from "./layout.ts";

/** What the caller hands each worker at start-up. */
export interface WorkerInit {
  /** Registry id. */
  id: string;
  /** Param overrides (plain data). */
  params: Record<string, unknown> | undefined;
  /** Time limit (null: none). */
  maxEpisodeSteps: number | null;
  /** Total copies across all workers. */
  numEnvs: number;
  /** First copy of this worker's shard. */
  start: number;
  /** Copies in this worker's shard. */
  count: number;
  /** This worker's index. */
  index: number;
  /** Control words (Int32). */
  control: SharedArrayBuffer;
  /** Error text area (ERROR_BYTES per worker). */
  errors: SharedArrayBuffer;
}

const init = workerData as WorkerInit;
const port = parentPort!;

function boxSpec(op: string, space: unknown): BoxSpec {
  if (!(space instanceof Box)) throw new DriftError(op, `workerVectorEnv supports envs with Box spaces; got ${String(space)}`);
  return { shape: [...space.shape], dtype: space.dtype, low: globalThis.Array.from(space.low.dataSync()), high: globalThis.Array.from(space.high.dataSync()) };
}

function sameBits(a: Array, b: Array): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

/** Resets and steps one probe copy to learn shapes, dtypes and whether the step key matters. */
function probe(env: Env, params: unknown): EnvLayout {
  const op = `workerVectorEnv(${init.id})`;
  const action = boxSpec(op, env.actionSpace(params));
  const observation = boxSpec(op, env.observationSpace(params));
  const r = env.reset(random.key(0), params);
  const zero = np.zeros(action.shape, { dtype: action.dtype });
  const s1 = env.step(random.key(1), r.state, zero, params);
  const s2 = env.step(random.key(2), r.state, zero, params);
  const outs1 = treeArrays(s1);
  const outs2 = treeArrays(s2);
  const stepUsesKey = outs1.length !== outs2.length || outs1.some((x, i) => !sameBits(x, outs2[i]!));
  const leaf = (x: Array): LeafSpec => ({ shape: [...x.shape], dtype: x.dtype });
  const { skeleton: stateSkeleton, leaves: stateLeaves } = describeTree(r.state);
  const { skeleton: infoSkeleton, leaves: infoLeaves } = describeTree(s1.info);
  return {
    action,
    observation,
    obs: leaf(r.obs),
    reward: leaf(s1.reward),
    state: { skeleton: stateSkeleton, leaves: stateLeaves },
    info: { skeleton: infoSkeleton, leaves: infoLeaves },
    stepUsesKey,
  };
}

/** The stepping loop: blocks on the request word, runs the command on this shard, publishes the result. */
function serve(env: Env, params: unknown, layout: EnvLayout, regions: Regions): void {
  const ctrl = new Int32Array(init.control);
  const keyWords = new Uint32Array(init.control, 0, 2);
  const errText = new Uint8Array(init.errors, init.index * ERROR_BYTES, ERROR_BYTES);
  const base = HEADER_SIZE + init.index * WORKER_STRIDE;
  const { start, count, maxEpisodeSteps } = init;
  const opName = `${init.id} worker ${init.index}`;
  const actionSize = leafSize(layout.action);
  const obsSize = leafSize(layout.obs);
  const stateSizes = layout.state.leaves.map(leafSize);
  const infoSizes = layout.info.leaves.map(leafSize);
  const dummyKey = random.key(0);
  const states: unknown[] = new globalThis.Array(count).fill(null);
  let stepRoot: Array = dummyKey;

  /** Copies `x` (one copy's leaf) into row `g` of `region`, checking it still has the probed layout. */
  const put = (region: ArrayLikeTyped, g: number, size: number, x: Array, spec: LeafSpec, what: string): void => {
    const d = x.dataSync();
    if (d.length !== size || x.dtype !== spec.dtype)
      throw new DriftError(opName, `${what} changed layout: expected ${spec.dtype}[${spec.shape.join(",")}], got ${x.dtype}[${x.shape.join(",")}]`);
    region.set(d, g * size);
  };
  const putState = (g: number, state: unknown): void => {
    const leaves = treeArrays(state);
    if (leaves.length !== stateSizes.length) throw new DriftError(opName, `state changed structure (${leaves.length} leaves, expected ${stateSizes.length})`);
    leaves.forEach((x, i) => put(regions.state[i]!, g, stateSizes[i]!, x, layout.state.leaves[i]!, "state"));
  };
  const resetCopy = (j: number, key: Array): void => {
    const g = start + j;
    const r = env.reset(key, params);
    states[j] = r.state;
    regions.t[g] = 0;
    put(regions.obs, g, obsSize, r.obs, layout.obs, "obs");
    putState(g, r.state);
  };

  const reset = (): void => {
    const key = np.array(Uint32Array.from(keyWords), { dtype: "uint32" });
    // reset(key) splits key into [copies' key, steps' key]; row i of random.split(k, n) is random.foldIn(k, i).
    const copies = random.foldIn(key, 0);
    stepRoot = random.foldIn(key, 1);
    for (let j = 0; j < count; j++) resetCopy(j, random.foldIn(copies, start + j));
  };

  const step = (): void => {
    const t = Atomics.load(ctrl, HEADER.T);
    const dtype = DTYPES[Atomics.load(ctrl, HEADER.ACTION_DTYPE)]!;
    let stepKey: Array | null = null;
    for (let j = 0; j < count; j++) {
      const g = start + j;
      const flat = np.array(regions.actions.subarray(g * actionSize, (g + 1) * actionSize), { dtype });
      const action = layout.action.shape.length === 1 ? flat : np.reshape(flat, layout.action.shape);
      // Copy g of vectorEnv.step(k) uses row g of split(k); autoReset splits that into [step key, reset key].
      const copyKey = (): Array => random.foldIn((stepKey ??= random.foldIn(stepRoot, t)), g);
      const r = env.step(layout.stepUsesKey ? random.foldIn(copyKey(), 0) : dummyKey, states[j], action, params);
      const steps = regions.t[g]! + 1;
      const terminated = r.terminated.dataSync()[0] !== 0;
      const truncated = r.truncated.dataSync()[0] !== 0 || (maxEpisodeSteps !== null && steps >= maxEpisodeSteps);
      regions.terminated[g] = terminated ? 1 : 0;
      regions.truncated[g] = truncated ? 1 : 0;
      put(regions.reward, g, 1, r.reward, layout.reward, "reward");
      put(regions.finalObs, g, obsSize, r.obs, layout.obs, "obs");
      const info = treeArrays(r.info);
      if (info.length !== infoSizes.length) throw new DriftError(opName, `info changed structure (${info.length} leaves, expected ${infoSizes.length})`);
      info.forEach((x, i) => put(regions.info[i]!, g, infoSizes[i]!, x, layout.info.leaves[i]!, "info"));
      if (terminated || truncated) resetCopy(j, random.foldIn(copyKey(), 1));
      else {
        states[j] = r.state;
        regions.t[g] = steps;
        put(regions.obs, g, obsSize, r.obs, layout.obs, "obs");
        putState(g, r.state);
      }
    }
  };

  const encoder = new TextEncoder();
  // Requests count up from 0; one may already be waiting when this loop starts.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, base + SLOT.REQ, seen);
    seen = Atomics.load(ctrl, base + SLOT.REQ);
    const cmd = Atomics.load(ctrl, HEADER.CMD);
    if (cmd === CMD.CLOSE) return;
    let status = 0;
    try {
      if (cmd === CMD.RESET) reset();
      else if (cmd === CMD.STEP) step();
      else throw new DriftError(opName, `unknown command ${cmd}`);
    } catch (err) {
      status = 1;
      const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const { written } = encoder.encodeInto(text, errText);
      Atomics.store(ctrl, base + SLOT.ERRLEN, written);
    }
    Atomics.store(ctrl, base + SLOT.STATUS, status);
    Atomics.store(ctrl, base + SLOT.DONE, seen);
    Atomics.notify(ctrl, base + SLOT.DONE);
  }
}

async function main(): Promise<void> {
  let env: Env;
  let params: unknown;
  let layout: EnvLayout;
  try {
    await prepareEnv(init.id);
    const made = makeEnv(init.id, { params: init.params, maxEpisodeSteps: null });
    env = made.env;
    params = made.params;
    layout = probe(env, params);
  } catch (err) {
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.once("message", (msg: { data: SharedArrayBuffer }) => {
    serve(env, params, layout, carve(layout, init.numEnvs, msg.data));
    port.close();
  });
  port.postMessage({ type: "layout", layout });
}

void main();
