// The WebGPU backend's public API: setBackend, devicePut / deviceGet, and the eager and jit hooks it installs.
import { DriftError } from "../../errors.ts";
import { ConcreteArray, DeviceArray, type Primitive, type Tensor, bind, getDeviceBackend, setDeviceBackend } from "../../core/tensor.ts";
import { type Jaxpr, traceFlat } from "../../core/jaxpr.ts";
import * as tree from "../../tree.ts";
import { type Webgpu, type WebgpuInfo, type WebgpuInitOptions, initWebgpu as initDevice, webgpuIfReady } from "./device.ts";
import { GpuArray, onGpu, readBack } from "./array.ts";
import { gpuProgram } from "./program.ts";

export { GpuArray } from "./array.ts";
export { describeAdapter, type WebgpuInfo, type WebgpuInitOptions } from "./device.ts";

/** Backends arrays and programs can run on. */
export type BackendName = "cpu" | "webgpu";
const BACKENDS: readonly BackendName[] = ["cpu", "webgpu"];

let defaultBackend: BackendName = "cpu";

/** Identity keys for parameter objects that are not plain data (jaxprs of control flow). */
const objectIds = new WeakMap<object, number>();
let nextId = 0;
function paramsKey(params: unknown): string {
  return JSON.stringify(params ?? null, (_k, v) => {
    if (v && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      let id = objectIds.get(v);
      if (id === undefined) objectIds.set(v, (id = nextId++));
      return `#obj${id}`;
    }
    return v;
  });
}

/** One-equation programs of eager ops, by primitive, params and input avals (least recently used dropped first). */
const eagerPrograms = new Map<string, Jaxpr>();
/** Eager programs kept; each holds a frame buffer on the GPU until it is dropped and collected. */
const EAGER_CACHE_SIZE = 512;

function eagerJaxpr(prim: Primitive, inputs: readonly Tensor[], params: unknown): Jaxpr {
  const key = `${prim.name}|${paramsKey(params)}|${inputs.map((x) => `${x.aval}${x.weakType ? "w" : ""}`).join(",")}`;
  let j = eagerPrograms.get(key);
  if (j) eagerPrograms.delete(key);
  else j = traceFlat((...xs) => bind(prim, xs, params), inputs.map((x) => x.aval)).jaxpr;
  eagerPrograms.set(key, j);
  if (eagerPrograms.size > EAGER_CACHE_SIZE) eagerPrograms.delete(eagerPrograms.keys().next().value!);
  return j;
}

const webgpuBackend = {
  name: "webgpu",
  claims: (inputs: readonly Tensor[]): boolean => defaultBackend === "webgpu" || inputs.some((x) => x instanceof GpuArray),
  evalPrimitive: (prim: Primitive, inputs: readonly Tensor[], params: unknown): Tensor[] => gpuProgram(eagerJaxpr(prim, inputs, params)).run(inputs),
  runJaxpr: (jaxpr: Jaxpr, inputs: readonly Tensor[], donated?: ReadonlySet<number>): Tensor[] => gpuProgram(jaxpr).run(inputs, donated),
};

/**
 * Requests a WebGPU adapter and device (see `WebgpuInitOptions`: a software adapter is refused unless
 * `allowFallback`) and enables the backend for arrays put there and for `jit(f, {backend: "webgpu"})`; the default
 * backend stays as it is (`setBackend` changes it).
 */
export async function initWebgpu(opts: WebgpuInitOptions = {}): Promise<Webgpu> {
  const gpu = await initDevice(opts);
  setDeviceBackend(webgpuBackend);
  return gpu;
}

/**
 * Chooses where eager ops and jitted functions run by default. "webgpu" initialises the device first (async; see
 * `initWebgpu` for adapter selection: a software adapter is refused unless `allowFallback`). Arrays already on a
 * device keep running there whatever the default.
 */
export async function setBackend(name: BackendName, opts: WebgpuInitOptions = {}): Promise<void> {
  if (!BACKENDS.includes(name)) throw new DriftError("setBackend", `backend must be one of ${BACKENDS.map((b) => `"${b}"`).join(", ")}; got ${JSON.stringify(name)}`);
  if (name === "webgpu") await initWebgpu(opts);
  defaultBackend = name;
}

/** The default backend. */
export function getBackend(): BackendName {
  return defaultBackend;
}

/** The adapter in use, or null before `setBackend("webgpu")` / `initWebgpu`. */
export function webgpuInfo(): WebgpuInfo | null {
  return webgpuIfReady()?.info ?? null;
}

/**
 * Puts every array of a pytree on `device`: "webgpu" uploads CPU arrays (synchronously: the copy is queued);
 * "cpu" keeps CPU arrays and refuses GPU ones, whose data can only come back asynchronously through `deviceGet`.
 */
export function devicePut<T>(x: T, device: BackendName): T {
  if (!BACKENDS.includes(device)) throw new DriftError("devicePut", `device must be one of ${BACKENDS.map((b) => `"${b}"`).join(", ")}; got ${JSON.stringify(device)}`);
  if (device === "webgpu" && getDeviceBackend() !== webgpuBackend)
    throw new DriftError("devicePut", 'the WebGPU backend is not initialised: call `await setBackend("webgpu")` or `await initWebgpu()` first');
  return tree.map((leaf: Tensor): Tensor => {
    if (device === "webgpu") return onGpu(leaf);
    if (leaf instanceof DeviceArray) throw new DriftError("devicePut", `an array ${leaf.aval} lives on ${leaf.device}; its data comes back asynchronously: use \`await deviceGet(x)\``);
    return leaf;
  }, x) as T;
}

/** Copies every GPU array of a pytree back to the CPU (one submit for all of them); CPU arrays pass through. */
export async function deviceGet<T>(x: T): Promise<T> {
  const leaves = tree.leaves(x as any) as Tensor[];
  const gpu = leaves.filter((l): l is GpuArray => l instanceof GpuArray);
  const back = await readBack(gpu);
  const byArray = new Map<Tensor, ConcreteArray>(gpu.map((g, i) => [g, back[i]!]));
  return tree.map((leaf: Tensor) => byArray.get(leaf) ?? leaf, x) as T;
}
