// The WebGPU device: adapter selection (Dawn's `webgpu` package in Node, `navigator.gpu` in browsers), buffer pool, pipeline cache.
/// <reference types="@webgpu/types" />
import { DriftError } from "../../errors.ts";

/** What `initWebgpu` found and chose. */
export interface WebgpuInfo {
  /** Adapter vendor, architecture, device and description strings as the driver reports them. */
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for software adapters (lavapipe, SwiftShader): correct but slower than the CPU backend. */
  readonly isFallbackAdapter: boolean;
  /** Where the adapter came from: "node" (the `webgpu` package) or "browser" (`navigator.gpu`). */
  readonly host: "node" | "browser";
}

/** Options of `initWebgpu`. */
export interface WebgpuInitOptions {
  /** Use a software (fallback) adapter; without it such an adapter is refused in favour of the CPU backend (default: the DRIFT_WEBGPU_ALLOW_FALLBACK=1 environment variable). */
  allowFallback?: boolean;
  /** Power preference passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
}

/** An initialised device and its caches. */
export interface Webgpu {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: WebgpuInfo;
  /** `GPUBufferUsage` / `GPUMapMode` flag values (globals in browsers, exported by the package in Node). */
  readonly usage: { STORAGE: number; COPY_SRC: number; COPY_DST: number; MAP_READ: number; UNIFORM: number; READ: number };
  /** Compute pipeline of a WGSL source (entry point `main`), compiled once per source text. */
  pipeline(code: string): GPUComputePipeline;
  /** A storage buffer of at least `bytes` bytes from the pool. */
  acquire(bytes: number): GPUBuffer;
  /** Returns a buffer to the pool (only once no later use of its old contents is recorded). */
  release(buffer: GPUBuffer): void;
  /** Largest number of workgroups per dispatch dimension. */
  readonly maxWorkgroups: number;
  /** Throws the first validation or execution error the device reported since the last check (errors arrive asynchronously). */
  checkErrors(op: string): void;
}

let current: Webgpu | null = null;
let pending: Promise<Webgpu> | null = null;

/** The initialised device; throws a message that says how to initialise it when there is none. */
export function webgpu(op = "webgpu"): Webgpu {
  if (!current)
    throw new DriftError(op, 'the WebGPU backend is not initialised: call `await setBackend("webgpu")` or `await initWebgpu()` first (each is async: adapters are requested asynchronously)');
  return current;
}

/** The initialised device or null. */
export function webgpuIfReady(): Webgpu | null {
  return current;
}

interface GpuHost {
  gpu: GPU | undefined;
  host: "node" | "browser";
  usage: Webgpu["usage"];
}

async function findHost(): Promise<GpuHost> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu && typeof (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage !== "undefined") {
    const g = globalThis as unknown as { GPUBufferUsage: Record<string, number>; GPUMapMode: Record<string, number> };
    return { gpu: nav.gpu, host: "browser", usage: usageOf(g.GPUBufferUsage, g.GPUMapMode) };
  }
  let mod: { create(flags: string[]): GPU; globals: Record<string, any> };
  try {
    mod = (await import(/* @vite-ignore */ "webgpu" as string)) as typeof mod;
  } catch (e) {
    throw new DriftError(
      "initWebgpu",
      `no navigator.gpu and the \`webgpu\` package (Dawn for Node) could not be loaded: ${(e as Error).message}. Install it with \`npm i webgpu\` (an optional dependency of @drift/tensor)`,
    );
  }
  return { gpu: mod.create([]), host: "node", usage: usageOf(mod.globals.GPUBufferUsage, mod.globals.GPUMapMode) };
}

function usageOf(u: Record<string, number>, m: Record<string, number>): Webgpu["usage"] {
  return { STORAGE: u.STORAGE!, COPY_SRC: u.COPY_SRC!, COPY_DST: u.COPY_DST!, MAP_READ: u.MAP_READ!, UNIFORM: u.UNIFORM!, READ: m.READ! };
}

const NO_ADAPTER_HELP =
  "in Node this needs a Vulkan driver: on Debian, `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1` gives the lavapipe software adapter " +
  "(Mesa 25; bookworm's Mesa 22 is rejected by Dawn), a GPU driver gives a real one; in Chromium start with --enable-unsafe-webgpu";

/**
 * Requests an adapter and a device and keeps them for the WebGPU backend. A software (fallback) adapter is refused
 * unless `allowFallback` is set: it is correct but slower than the CPU backend. Resolves to the same device on repeated
 * calls; the error says which adapter was found and why it was not used.
 */
export async function initWebgpu(opts: WebgpuInitOptions = {}): Promise<Webgpu> {
  // DRIFT_WEBGPU_ALLOW_FALLBACK=1 allows a software adapter process-wide (for tools that do not pass options, e.g. the CLI).
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  opts = { ...opts, allowFallback: opts.allowFallback ?? env?.DRIFT_WEBGPU_ALLOW_FALLBACK === "1" };
  if (current) {
    if (current.info.isFallbackAdapter && !opts.allowFallback) throw fallbackRefused(current.info);
    return current;
  }
  pending ??= (async () => {
    const { gpu, host, usage } = await findHost();
    if (!gpu) throw new DriftError("initWebgpu", `no WebGPU implementation found; ${NO_ADAPTER_HELP}`);
    const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
    if (!adapter) throw new DriftError("initWebgpu", `WebGPU is present but no adapter was found; ${NO_ADAPTER_HELP}`);
    const a = adapter.info;
    const info: WebgpuInfo = {
      vendor: a.vendor,
      architecture: a.architecture,
      device: a.device,
      description: a.description,
      isFallbackAdapter: Boolean((a as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
      host,
    };
    const lim = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
      },
    });
    return makeWebgpu(gpu, adapter, device, info, usage);
  })();
  let w: Webgpu;
  try {
    w = await pending;
  } catch (e) {
    pending = null;
    throw e;
  }
  current = w;
  if (w.info.isFallbackAdapter && !opts.allowFallback) throw fallbackRefused(w.info);
  return w;
}

function fallbackRefused(info: WebgpuInfo): DriftError {
  return new DriftError(
    "initWebgpu",
    `found only the software adapter "${describeAdapter(info)}" (isFallbackAdapter): it is slower than the CPU backend, so it is not used; pass {allowFallback: true} (or set DRIFT_WEBGPU_ALLOW_FALLBACK=1) to use it anyway`,
  );
}

/** One line naming an adapter, e.g. `mesa llvmpipe (software)`. */
export function describeAdapter(info: WebgpuInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return `${parts.join(" ") || "unnamed adapter"}${info.isFallbackAdapter ? " (software fallback)" : ""} via ${info.host === "node" ? "Dawn (webgpu package)" : "navigator.gpu"}`;
}

/** Size class of a pooled buffer: powers of two from 256 bytes, so freed buffers are found again. */
function sizeClass(bytes: number): number {
  let s = 256;
  while (s < bytes) s *= 2;
  return s;
}

function makeWebgpu(gpu: GPU, adapter: GPUAdapter, device: GPUDevice, info: WebgpuInfo, usage: Webgpu["usage"]): Webgpu {
  const pipelines = new Map<string, GPUComputePipeline>();
  const pool = new Map<number, GPUBuffer[]>();
  const storage = usage.STORAGE | usage.COPY_SRC | usage.COPY_DST;
  const errors: string[] = [];
  device.addEventListener("uncapturederror", (e) => void errors.push((e as GPUUncapturedErrorEvent).error.message));
  return {
    checkErrors(op) {
      if (errors.length === 0) return;
      const first = errors[0]!;
      const more = errors.length - 1;
      errors.length = 0;
      throw new DriftError(op, `the WebGPU device reported an error (a bug in Drift's WGSL lowering; please report it): ${first}${more > 0 ? ` (and ${more} more)` : ""}`);
    },
    gpu,
    adapter,
    device,
    info,
    usage,
    maxWorkgroups: device.limits.maxComputeWorkgroupsPerDimension,
    pipeline(code) {
      let p = pipelines.get(code);
      if (!p) {
        const module = device.createShaderModule({ code });
        p = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
        pipelines.set(code, p);
      }
      return p;
    },
    acquire(bytes) {
      const size = sizeClass(bytes);
      const free = pool.get(size);
      return free?.pop() ?? device.createBuffer({ size, usage: storage });
    },
    release(buffer) {
      const free = pool.get(buffer.size);
      if (free) free.push(buffer);
      else pool.set(buffer.size, [buffer]);
    },
  };
}
