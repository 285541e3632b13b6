// The WebGPU runtime: one submit per jitted call, buffer pooling and disposal, default-backend switching, adapter refusal.
import { afterAll, describe, expect, it } from "vitest";
import { type Array, GpuArray, deviceGet, devicePut, getBackend, grad, initWebgpu, jit, np, random, setBackend, vmap } from "../src/index.ts";
import { webgpu } from "../src/backend/webgpu/device.ts";
import { gpuProgram } from "../src/backend/webgpu/program.ts";
import { expectClose } from "./helpers.ts";

const ready = await initWebgpu({ allowFallback: true }).then(
  (w) => w,
  (e: Error) => {
    if (process.env.DRIFT_REQUIRE_WEBGPU) throw new Error(`DRIFT_REQUIRE_WEBGPU is set but no WebGPU adapter was found: ${e.message}`);
    console.warn(`webgpu runtime tests skipped: ${e.message}`);
    return null;
  },
);

describe.skipIf(!ready)("webgpu runtime", () => {
  afterAll(() => setBackend("cpu"));

  it("a jitted call records one command buffer and submits once; outputs stay on the GPU until read", async () => {
    const gpu = webgpu();
    const queue = gpu.device.queue;
    const submit = queue.submit.bind(queue);
    let submits = 0;
    queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
      submits++;
      return submit(buffers);
    };
    try {
      const f = jit((x: Array, w: Array) => np.sum(np.tanh(np.matmul(x, w)), 0), { backend: "webgpu" });
      const x = np.ones([8, 4]);
      const w = np.full([4, 3], 0.1);
      f(x, w);
      submits = 0;
      const out = f(x, w);
      expect(submits).toBe(1);
      expect(out).toBeInstanceOf(GpuArray);
      expectClose(await deviceGet(out), np.sum(np.tanh(np.matmul(x, w)), 0), 1e-5, 1e-5);
    } finally {
      queue.submit = submit;
    }
  });

  it("long reductions (workgroup-cooperative) and several reductions of one kernel equal the CPU", async () => {
    const x = random.normal(random.key(5), [3, 1000]);
    const f = (a: Array) => {
      const e = np.exp(np.mul(a, 0.1));
      return [np.sum(e, 1), np.max(a, 1), np.min(a, 0), np.mean(e), np.mul(e, 2)] as const;
    };
    const want = f(x);
    const got = await deviceGet(jit(f, { backend: "webgpu" })(x));
    got.forEach((g, i) => expectClose(g, want[i]!, 1e-4, 1e-5));
    const withNan = np.where(np.equal(np.arange(1000), 700), NaN, np.ones([1000]));
    const [m] = await deviceGet([jit((a: Array) => np.max(a), { backend: "webgpu" })(withNan)]);
    expect(Number.isNaN(m!.item())).toBe(true);
  });

  it("a dense layer (matmul, bias, ReLU) is one dispatch: the epilogue runs inside the matmul kernel", async () => {
    const layer = (x: Array, w: Array, b: Array) => np.maximum(np.add(np.matmul(x, w), b), 0);
    const x = random.normal(random.key(8), [5, 7]);
    const w = random.normal(random.key(9), [7, 6]);
    const b = random.normal(random.key(10), [6]);
    const f = jit(layer, { backend: "webgpu" });
    expect(gpuProgram(f.lower(x, w, b).jaxpr).dispatches).toBe(1);
    expectClose(await deviceGet(f(x, w, b)), layer(x, w, b), 1e-5, 1e-5);
  });

  it("eager grad and vmap over GPU arrays stay on the GPU and equal the CPU", async () => {
    const loss = (w: Array, x: Array) => np.mean(np.square(np.tanh(np.matmul(x, w))));
    const w = random.normal(random.key(11), [4, 3]);
    const x = random.normal(random.key(12), [6, 4]);
    const g = grad(loss)(devicePut(w, "webgpu"), devicePut(x, "webgpu"));
    expect(g).toBeInstanceOf(GpuArray);
    expectClose(await deviceGet(g), grad(loss)(w, x), 1e-5, 1e-4);
    const perRow = vmap((r: Array) => np.sum(np.exp(r)), { inAxes: 0 });
    expectClose(await deviceGet(perRow(devicePut(x, "webgpu"))), perRow(x), 1e-5, 1e-5);
  });

  it("donated GPU arguments are freed after the call; a kept duplicate is not", async () => {
    const step = jit((p: Array, g: Array) => np.sub(p, np.mul(g, 0.5)), { backend: "webgpu", donateArgnums: 0 });
    const p = devicePut(np.arange(8).astype("float32"), "webgpu") as GpuArray;
    const g = devicePut(np.ones([8]), "webgpu") as GpuArray;
    const next = step(p, g);
    expect(() => p.buffer).toThrow(/disposed/);
    expect(g.buffer).toBeDefined();
    expect([...(await next.data())]).toEqual([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    const twice = jit((a: Array, b: Array) => np.add(a, b), { backend: "webgpu", donateArgnums: 0 });
    expect([...(await twice(next, next).data())]).toEqual([-1, 1, 3, 5, 7, 9, 11, 13]);
    expect((next as GpuArray).buffer).toBeDefined();
  });

  it("disposed arrays return their buffer to the pool and refuse further use", async () => {
    const gpu = webgpu();
    const a = devicePut(np.arange(100).astype("float32"), "webgpu") as GpuArray;
    const buffer = a.buffer;
    a.dispose();
    expect(() => a.buffer).toThrow(/disposed/);
    expect(gpu.acquire(400)).toBe(buffer);
  });

  it("setBackend('webgpu') runs eager ops on the GPU; arrays already there stay there after switching back", async () => {
    await setBackend("webgpu", { allowFallback: true });
    expect(getBackend()).toBe("webgpu");
    const y = np.add(np.array([1, 2, 3]), 1);
    expect(y).toBeInstanceOf(GpuArray);
    await setBackend("cpu");
    const z = np.mul(y, 2);
    expect(z).toBeInstanceOf(GpuArray);
    expect((await deviceGet(z)).toArray()).toEqual([4, 6, 8]);
    expect(np.mul(np.array([1]), 2).toArray()).toEqual([2]);
  });

  it("bad names and unread arrays give errors that list the choices", async () => {
    await expect(setBackend("cuda" as "cpu")).rejects.toThrow(/"cpu", "webgpu"/);
    expect(() => jit((x: Array) => x, { backend: "tpu" as "cpu" })).toThrow(/backend must be one of "cpu", "webgpu"/);
    const g = devicePut(np.array([1, 2]), "webgpu");
    expect(() => devicePut(g, "cpu")).toThrow(/deviceGet/);
    expect(() => jit((x: Array) => np.add(x, 1), { backend: "cpu" })(g)).toThrow(/lives on webgpu/);
  });

  it("a software adapter is refused unless allowed", async () => {
    if (!ready!.info.isFallbackAdapter) return;
    await expect(initWebgpu()).rejects.toThrow(/software adapter.*allowFallback/);
  });
});
