// Tests for workerVectorEnv: bitwise equality with vectorEnv across auto-resets, errors as DriftError, close, tsx runs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Array, DriftError, np, random } from "@drift/tensor";
import { type WorkerVectorEnv, autoReset, makeEnv, prepareEnv, vectorEnv, workerVectorEnv } from "../src/index.ts";
import { expectSameTree } from "./helpers.ts";

const ID = "Hopper-v5";
const N = 5;
const LIMIT = 25;
const STEPS = 50;
/** Deterministic float32 actions in [-1, 1] that vary by copy and step. */
const actionsAt = (t: number): Array => np.array(globalThis.Array.from({ length: N }, (_, i) => [0, 1, 2].map((j) => Math.sin(0.7 * t + 1.3 * i + 2.1 * j))));

describe("workerVectorEnv", () => {
  let venv: WorkerVectorEnv;

  beforeAll(async () => {
    await prepareEnv(ID);
    venv = await workerVectorEnv(ID, N, { workers: 2, maxEpisodeSteps: LIMIT });
  });
  afterAll(async () => {
    await venv?.close();
  });

  it("equals the single-thread vectorEnv bitwise over 50 steps with auto-resets (terminations and truncations)", async () => {
    expect(venv.numWorkers).toBe(2);
    expect(venv.observationSpace.shape).toEqual([N, 11]);
    expect(venv.singleActionSpace.shape).toEqual([3]);
    const { env, params } = makeEnv(ID, { maxEpisodeSteps: LIMIT });
    const ref = vectorEnv(autoReset(env), N);
    const key = random.key(7);
    const [k0, k1] = [random.foldIn(key, 0), random.foldIn(key, 1)];
    const r0 = ref.reset(k0, params);
    const p0 = await venv.reset(key);
    expectSameTree(p0.obs, r0.obs);
    expectSameTree(p0.state, r0.state);
    let state = r0.state;
    let terminations = 0;
    let truncations = 0;
    for (let t = 0; t < STEPS; t++) {
      const a = actionsAt(t);
      const want = ref.step(random.foldIn(k1, t), state, a, params);
      const got = await venv.step(a);
      for (const k of ["obs", "state", "reward", "terminated", "truncated", "info"] as const) expectSameTree(got[k], want[k]);
      terminations += globalThis.Array.from(want.terminated.dataSync()).filter(Boolean).length;
      truncations += globalThis.Array.from(want.truncated.dataSync()).filter(Boolean).length;
      state = want.state;
    }
    expect(terminations).toBeGreaterThan(0);
    expect(truncations).toBeGreaterThan(0);
  });

  it("rejects a bad action shape with a DriftError, and reports errors thrown inside a worker as DriftError", async () => {
    await expect(venv.step(np.zeros([N, 4]))).rejects.toThrow(/actions must have shape \[5,3\]/);
    await expect(venv.step(np.zeros([N - 1, 3]))).rejects.toBeInstanceOf(DriftError);
    const nan = np.where(np.equal(np.arange(3 * N).reshape([N, 3]), 4), NaN, 0);
    const err = await venv.step(nan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftError);
    expect(String((err as Error).message)).toMatch(/worker 0 failed: DriftError: Hopper-v5 step: action must be finite/);
    await expect(venv.step(np.zeros([N, 3]))).rejects.toThrow(/call reset\(\) before step\(\)/);
    await venv.reset(random.key(1));
    expect((await venv.step(np.zeros([N, 3]))).reward.shape).toEqual([N]);
  });

  it("close() terminates every worker, rejecting a step still in flight; later calls throw", async () => {
    expect(venv.liveWorkers).toBe(2);
    const inFlight = venv.step(np.zeros([N, 3])).catch((e: unknown) => e);
    await venv.close();
    expect(await inFlight).toBeInstanceOf(DriftError);
    expect(venv.liveWorkers).toBe(0);
    await expect(venv.step(np.zeros([N, 3]))).rejects.toThrow(/closed/);
    await venv.close();
  });

  it("rejects unknown ids and bad options before starting threads", async () => {
    await expect(workerVectorEnv("Hoper-v5", 2)).rejects.toThrow(/did you mean "Hopper-v5"/);
    await expect(workerVectorEnv(ID, 0)).rejects.toBeInstanceOf(DriftError);
    await expect(workerVectorEnv(ID, 2, { params: { frameSkip: np.array(4) } as never })).rejects.toThrow(/plain data/);
  });

  it("surfaces an error thrown while a worker starts (bad params) as a DriftError", async () => {
    const err = await workerVectorEnv(ID, 2, { workers: 1, params: { frameSkip: 0 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftError);
    expect(String((err as Error).message)).toMatch(/worker 0 could not start Hopper-v5: .*frameSkip must be a positive integer/);
  });

  it("runs under the tsx CLI and does not keep the process alive without close()", () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-workers-"));
    try {
      const script = join(dir, "run.mts");
      const src = (p: string) => JSON.stringify(fileURLToPath(new URL(p, import.meta.url)));
      writeFileSync(
        script,
        [
          `import { np, random } from ${src("../../tensor/src/index.ts")};`,
          `import { workerVectorEnv } from ${src("../src/index.ts")};`,
          `const venv = await workerVectorEnv("HalfCheetah-v5", 3, { workers: 2 });`,
          `await venv.reset(random.key(0));`,
          `const out = await venv.step(np.zeros([3, 6]));`,
          `console.log("obs", out.obs.shape.join("x"), "live", venv.liveWorkers);`,
        ].join("\n"),
      );
      const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
      const run = spawnSync(process.execPath, [tsxCli, script], { encoding: "utf8", timeout: 90_000 });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toBe("obs 3x17 live 2");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
