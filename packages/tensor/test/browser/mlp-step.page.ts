// Browser page script: one jitted MLP train step on WebGPU (navigator.gpu) and on the CPU backend, results on window.
import { type Array, deviceGet, grad, initWebgpu, jit, np, random, webgpuInfo } from "../../src/index.ts";

type Params = { w1: Array; b1: Array; w2: Array; b2: Array };

/** MSE of a 2-layer ReLU MLP. */
function loss(p: Params, x: Array, y: Array): Array {
  const h = np.maximum(np.add(np.matmul(x, p.w1), p.b1), 0);
  return np.mean(np.square(np.sub(np.add(np.matmul(h, p.w2), p.b2), y)));
}

/** Loss and SGD-updated parameters. */
function step(p: Params, x: Array, y: Array): [Array, Params] {
  const g = grad(loss)(p, x, y) as Params;
  const upd = (a: Array, b: Array) => np.sub(a, np.mul(b, 0.1));
  return [loss(p, x, y), { w1: upd(p.w1, g.w1), b1: upd(p.b1, g.b1), w2: upd(p.w2, g.w2), b2: upd(p.b2, g.b2) }];
}

async function main(): Promise<unknown> {
  await initWebgpu({ allowFallback: true });
  const k = random.split(random.key(0), 4);
  const row = (i: number) => np.reshape(np.slice(k, [i, i + 1]), [2]);
  const p: Params = { w1: random.normal(row(0), [16, 32]).mul(0.3), b1: np.zeros([32]), w2: random.normal(row(1), [32, 4]).mul(0.3), b2: np.zeros([4]) };
  const x = random.normal(row(2), [64, 16]);
  const y = random.normal(row(3), [64, 4]);
  const [cpuLoss, cpuParams] = jit(step, { backend: "cpu" })(p, x, y);
  const [gpuLoss, gpuParams] = await deviceGet(jit(step, { backend: "webgpu" })(p, x, y));
  const diffs = (["w1", "b1", "w2", "b2"] as const).map((n) => np.max(np.abs(np.sub(cpuParams[n], gpuParams[n]))).item());
  return { adapter: webgpuInfo(), cpuLoss: cpuLoss.item(), gpuLoss: gpuLoss.item(), maxParamDiff: Math.max(...diffs) };
}

const w = globalThis as unknown as { __result?: unknown; __error?: string };
main().then(
  (r) => (w.__result = r),
  (e: Error) => (w.__error = `${e.name}: ${e.message}`),
);
