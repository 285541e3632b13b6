// Each algorithm's jitted update runs on the WebGPU backend (a software adapter in CI) and equals the CPU update.
import { describe, expect, it } from "vitest";
import { type Array, deviceGet, initWebgpu, jit, np, random, tree } from "@drift/tensor";
import { Box } from "@drift/envs";
import { getAlgorithm, makeTrain } from "../src/index.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ready = await initWebgpu({ allowFallback: true }).then(
  () => true,
  (e: Error) => {
    if (process.env.DRIFT_REQUIRE_WEBGPU) throw new Error(`DRIFT_REQUIRE_WEBGPU is set but no WebGPU adapter was found: ${e.message}`);
    console.warn(`webgpu update tests skipped: ${e.message}`);
    return false;
  },
);

/** Largest |a − b| / max(1, |b|) over two pytrees of arrays. */
function maxRelDiff(a: unknown, b: unknown): number {
  const la = tree.leaves(a);
  const lb = tree.leaves(b);
  expect(la.length).toBe(lb.length);
  let worst = 0;
  la.forEach((x, i) => {
    const p = x.dataSync();
    const q = lb[i]!.dataSync();
    for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j]! - q[j]!) / Math.max(1, Math.abs(q[j]!)));
  });
  return worst;
}

const SMALL: Record<string, Record<string, unknown>> = {
  sac: { hidden: [32, 32] },
  td3: { hidden: [32, 32] },
  dacer: { hidden: [32, 32], actorHidden: [32, 32] },
  diffsac: { hidden: [32, 32], actorHidden: [32, 32], diffusionSteps: 4, stepsPerTransition: 4 },
};

describe.skipIf(!ready)("algorithm updates on WebGPU equal the CPU", () => {
  for (const name of Object.keys(SMALL)) {
    it(name, async () => {
      const algo = getAlgorithm(name);
      const config = { ...algo.defaults.gym, ...SMALL[name] };
      const agent = algo.agent.create(random.key(0), new Box(-1, 1, [3]), new Box(-2, 2, [1]), config as never);
      const k = (i: number) => random.foldIn(random.key(7), i);
      const batch = {
        obs: random.normal(k(0), [16, 3]),
        action: random.uniform(k(1), [16, 1], { minval: -2, maxval: 2 }),
        reward: random.normal(k(2), [16]),
        nextObs: random.normal(k(3), [16, 3]),
        terminated: np.less(random.uniform(k(4), [16]), 0.2),
      };
      const update = (s: unknown, b: unknown, key: Array) => algo.agent.update(s as never, b as never, key);
      const [cpuAgent, cpuMetrics] = jit(update, { backend: "cpu" })(agent, batch, k(5)) as [unknown, Record<string, Array>];
      const [gpuAgent, gpuMetrics] = (await deviceGet(jit(update, { backend: "webgpu" })(agent, batch, k(5)))) as [unknown, Record<string, Array>];
      expect(maxRelDiff(gpuMetrics, cpuMetrics)).toBeLessThan(1e-4);
      expect(maxRelDiff(gpuAgent, cpuAgent)).toBeLessThan(1e-4);
    }, 120_000);
  }
});

describe.skipIf(!ready)("the off-policy loop with backend webgpu", () => {
  it("logs the same losses as on the CPU over its first updates, checkpoints GPU state and resumes from it", async () => {
    const algo = getAlgorithm("sac");
    const config = { ...algo.defaults.gym, hidden: [16, 16], learningStarts: 200, batchSize: 32, bufferSize: 1000, evalEvery: 0 };
    const logs: Record<string, Record<string, number>> = {};
    for (const backend of ["cpu", "webgpu"]) {
      const { train } = makeTrain(algo, { ...config, backend }, { env: "Pendulum-v1", totalSteps: 210, logEvery: 210 }, { onLog: (_s, m) => void (logs[backend] = { ...logs[backend], ...m }) });
      await train(random.key(3));
    }
    for (const name of ["losses/qf_loss", "losses/actor_loss", "losses/alpha"])
      expect(Math.abs(logs.webgpu![name]! - logs.cpu![name]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(logs.cpu![name]!)));
    const prefix = join(mkdtempSync(join(tmpdir(), "drift-webgpu-")), "ck");
    const gpu = { ...config, backend: "webgpu" };
    await makeTrain(algo, gpu, { env: "Pendulum-v1", totalSteps: 205, checkpointPrefix: prefix }).train(random.key(3));
    const resumed = await makeTrain(algo, gpu, { env: "Pendulum-v1", totalSteps: 215, checkpointPrefix: prefix }).train(random.key(3));
    expect(resumed.step).toBe(215);
    expect(tree.leaves(resumed.agent).every((x) => x.toConcrete() !== null)).toBe(true);
  }, 300_000);
});
