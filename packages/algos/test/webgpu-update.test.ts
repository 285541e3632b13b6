// Each algorithm's jitted update runs on the WebGPU backend (a software adapter in CI) and equals the CPU update.
import { describe, expect, it } from "vitest";
import { type Array, deviceGet, initWebgpu, jit, np, random, tree } from "@drift/tensor";
import { Box } from "@drift/envs";
import { getAlgorithm } from "../src/index.ts";

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
