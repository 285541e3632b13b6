// WebGPU vs the CPU backend, measured in one run: jitted matmul (NN, 256 and 1024) and the 64→256→256→64 MLP train step.
import { type Array, deviceGet, describeAdapter, initWebgpu, jit, np, random } from "@drift/tensor";
import { MLP, makeData } from "../tensor-jit/workloads.ts";
import { type MlpState, mlpInitialState, mlpTrainStep } from "../tensor-jit/subjects/drift.ts";

/** Calls per timed sample, and samples (the median is reported). */
const SAMPLE_MS = 300;
const SAMPLES = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Seconds per call of `call`, which starts one call and returns its output; `finish` waits until an output is
 * computed (a GPU readback; a no-op on the CPU). Calls queue back to back, as a training loop issues them.
 */
async function secondsPerCall(call: () => Array, finish: (x: Array) => Promise<unknown>): Promise<number> {
  await finish(call());
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const start = performance.now();
    let calls = 0;
    let last: Array;
    do {
      last = call();
      calls++;
      if (calls % 16 === 0) await finish(last);
    } while (performance.now() - start < SAMPLE_MS);
    await finish(last);
    samples.push((performance.now() - start) / 1000 / calls);
  }
  return median(samples);
}

const onCpu = async (): Promise<void> => {};
const onGpu = (x: Array): Promise<unknown> => x.data();

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

async function main(): Promise<void> {
  let gpu;
  try {
    gpu = await initWebgpu({ allowFallback: true });
  } catch (e) {
    console.log(`no WebGPU adapter: ${(e as Error).message}`);
    return;
  }
  const software = gpu.info.isFallbackAdapter;
  console.log(`adapter: ${describeAdapter(gpu.info)}`);
  console.log(software ? "software adapter: this is a correctness run; its timings say nothing about GPUs\n" : "hardware adapter: ratios > 1 mean WebGPU is faster\n");

  console.log("| program | cpu (wasm) | webgpu | webgpu / cpu speed | max rel. diff |");
  console.log("|---|---|---|---|---|");
  for (const n of [256, 1024]) {
    const a = random.normal(random.key(1), [n, n]);
    const b = random.normal(random.key(2), [n, n]);
    const cpu = jit((x: Array, y: Array) => np.matmul(x, y), { backend: "cpu" });
    const wg = jit((x: Array, y: Array) => np.matmul(x, y), { backend: "webgpu" });
    const diff = maxRelDiff((await deviceGet(wg(a, b))).dataSync(), cpu(a, b).dataSync());
    const tc = await secondsPerCall(() => cpu(a, b), onCpu);
    const tg = await secondsPerCall(() => wg(a, b), onGpu);
    const gf = (t: number) => `${((2 * n ** 3) / t / 1e9).toFixed(1)} GFLOP/s`;
    console.log(`| matmul ${n}³ NN | ${gf(tc)} | ${gf(tg)} | ${(tc / tg).toFixed(2)}× | ${diff.toExponential(1)} |`);
  }

  const data = makeData().mlp;
  const x = np.reshape(np.array(data.x), [MLP.batch, MLP.sizes[0]]);
  const y = np.reshape(np.array(data.y), [MLP.batch, MLP.sizes[3]]);
  const cpuStep = jit(mlpTrainStep, { backend: "cpu" });
  const gpuStep = jit(mlpTrainStep, { backend: "webgpu" });
  let cpuState: MlpState = mlpInitialState(data);
  let gpuState: MlpState = mlpInitialState(data);
  const cpuLosses: number[] = [];
  const gpuLosses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [c, lc] = cpuStep(cpuState, x, y);
    const [g, lg] = gpuStep(gpuState, x, y);
    cpuState = c;
    gpuState = g;
    cpuLosses.push(lc.item());
    gpuLosses.push((await lg.data())[0]!);
  }
  const tc = await secondsPerCall(() => {
    const [s, l] = cpuStep(cpuState, x, y);
    cpuState = s;
    return l;
  }, onCpu);
  const tg = await secondsPerCall(() => {
    const [s, l] = gpuStep(gpuState, x, y);
    gpuState = s;
    return l;
  }, onGpu);
  const ms = (t: number) => `${(t * 1000).toFixed(2)} ms/step`;
  console.log(`| MLP train step (batch ${MLP.batch}, ${MLP.sizes.join("→")}, Adam) | ${ms(tc)} | ${ms(tg)} | ${(tc / tg).toFixed(2)}× | ${maxRelDiff(gpuLosses, cpuLosses).toExponential(1)} (losses of 5 steps) |`);
  console.log(`\nlosses cpu ${cpuLosses.map((l) => l.toFixed(5)).join(" ")}\nlosses gpu ${gpuLosses.map((l) => l.toFixed(5)).join(" ")}`);
  process.exit(0);
}

await main();
