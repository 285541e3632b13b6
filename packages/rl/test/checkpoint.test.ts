// Tests for training checkpoints: 2N straight steps of a jitted SGD-from-replay loop equal N steps + save + load + N steps, bit for bit.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Array, DriftError, grad, jit, np, random, tree } from "@drift/tensor";
import { type ReplayState, checkpointFiles, loadCheckpoint, replay, saveCheckpoint } from "../src/index.ts";
import { bitEqual } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "drift-rl-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Params = { w: Array; b: Array };
type TrainState = {
  params: Params;
  opt: { velocity: Params; count: Array; momentum: number };
  buffer: ReplayState<{ x: Array; y: Array }>;
  key: Array;
};

const W_TRUE = np.array([1.5, -2, 0.5]);

/** Fresh training state from a seed: zero params and momentum, an empty replay buffer of capacity 32. */
function initState(seed: number): TrainState {
  const zeros = { w: np.zeros([3]), b: np.zeros([]) };
  return {
    params: zeros,
    opt: { velocity: zeros, count: np.array(0, { dtype: "int32" }), momentum: 0.9 },
    buffer: replay.init(32, { x: np.zeros([3]), y: np.zeros([]) }),
    key: random.key(seed),
  };
}

/** One training step: new data from the key into the buffer, a minibatch sampled by key, SGD with momentum on the MSE of a linear model. */
function trainStep(s: TrainState): TrainState {
  const keys = random.split(s.key, 4);
  const row = (i: number) => np.reshape(np.slice(keys, [i, i + 1]), [2]);
  const x = random.normal(row(1), [4, 3]);
  const y = np.add(np.add(np.matmul(x, W_TRUE), 0.3), np.mul(0.1, random.normal(row(2), [4])));
  const buffer = replay.add(s.buffer, { x, y });
  const batch = replay.sample(buffer, row(3), 8);
  const loss = (p: Params) => np.mean(np.square(np.sub(np.add(np.matmul(batch.x, p.w), p.b), batch.y)));
  const g = grad(loss)(s.params);
  const velocity = tree.map((v, gi) => np.add(np.mul(s.opt.momentum, v), gi), s.opt.velocity, g);
  const params = tree.map((p, v) => np.sub(p, np.mul(0.05, v)), s.params, velocity);
  return { params, opt: { velocity, count: np.add(s.opt.count, 1), momentum: s.opt.momentum }, buffer, key: row(0) };
}

function run(step: (s: TrainState) => TrainState, s: TrainState, n: number): TrainState {
  for (let i = 0; i < n; i++) s = step(s);
  return s;
}

function expectBitEqual(a: TrainState, b: TrainState): void {
  const [la, da] = tree.flatten(a);
  const [lb, db] = tree.flatten(b);
  expect(tree.treeDefEqual(da, db)).toBe(true);
  expect(la.length).toBe(10); // params 2, velocity 2, count, buffer x, y, ptr, size, key
  la.forEach((x, i) => bitEqual(x, lb[i]!, `leaf ${i}`));
}

describe("training checkpoints", () => {
  const N = 6;
  it("resume continues bit-identically: 2N straight = N, save, load into a fresh state, N more", async () => {
    const straight = run(jit(trainStep), initState(0), 2 * N);
    // the run really trains and the buffer wrapped (2N·4 = 48 adds into 32 slots)
    expect(straight.buffer.size.item()).toBe(32);
    expect(straight.buffer.ptr.item()).toBe(16);
    expect(straight.opt.count.item()).toBe(2 * N);
    const dist = (p: Params) => np.sum(np.square(np.sub(p.w, W_TRUE))).item();
    expect(dist(straight.params)).toBeLessThan(0.5 * dist(initState(0).params));

    const firstHalf = run(jit(trainStep), initState(0), N);
    const prefix = join(dir, "run", `ckpt_${String(N).padStart(6, "0")}`);
    await saveCheckpoint(prefix, { step: N, state: firstHalf, meta: { seed: 0, env: "linear" } });
    const files = checkpointFiles(prefix);
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);

    // a fresh jit (a fresh process would have nothing cached) and a state rebuilt from the files alone
    const loaded = await loadCheckpoint<TrainState>(prefix);
    expect(loaded.step).toBe(N);
    expect(loaded.meta).toEqual({ seed: 0, env: "linear" });
    expect(loaded.state.opt.momentum).toBe(0.9);
    expect(loaded.state.key.dtype).toBe("uint32");
    expectBitEqual(loaded.state, firstHalf);
    const resumed = run(jit(trainStep), loaded.state, N);
    expectBitEqual(resumed, straight);

    // loading shaped like a template gives the same state
    const liked = await loadCheckpoint(prefix, { like: initState(123) });
    expectBitEqual(run(jit(trainStep), liked.state, N), straight);
  });
  it("rejects files from different saves, missing files and bad input with DriftError", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    await saveCheckpoint(a, { step: 1, state: initState(1) });
    await saveCheckpoint(b, { step: 2, state: initState(2) });
    copyFileSync(checkpointFiles(b).state, checkpointFiles(a).state);
    await expect(loadCheckpoint(a)).rejects.toThrow(/different saves/);
    await expect(loadCheckpoint(join(dir, "missing"))).rejects.toThrow(DriftError);
    await expect(saveCheckpoint(join(dir, "c"), { step: -1, state: initState(0) })).rejects.toThrow(/step must be a non-negative integer/);
    await expect(loadCheckpoint(b, { like: { params: initState(0).params } as never })).rejects.toThrow(DriftError);
  });
});
