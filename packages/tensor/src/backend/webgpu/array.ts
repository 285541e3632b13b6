// Arrays held in WebGPU buffers: upload, asynchronous readback, disposal and collection back into the buffer pool.
/// <reference types="@webgpu/types" />
import { DriftError } from "../../errors.ts";
import type { DType, TypedArray } from "../../dtype.ts";
import { ConcreteArray, DeviceArray, type ShapedArray, type Tensor } from "../../core/tensor.ts";
import { type Webgpu, webgpu } from "./device.ts";

/** Every dtype occupies one 32-bit word per element on the GPU (bool as 0/1 u32); float64 has no WGSL type. */
export const WORD = 4;

/** Returns buffers of collected arrays to the pool. */
const collected = new FinalizationRegistry<{ gpu: Webgpu; buffer: GPUBuffer }>(({ gpu, buffer }) => gpu.release(buffer));

/** Throws for dtypes the GPU cannot hold. */
export function checkGpuDtype(op: string, dtype: DType): void {
  if (dtype === "float64")
    throw new DriftError(op, "float64 is not supported on webgpu (WGSL has no 64-bit floats): cast to float32 with .astype('float32'), or keep this computation on the cpu backend");
}

/** An array in a WebGPU storage buffer. Read it with `await x.data()`; `dispose()` frees the buffer early. */
export class GpuArray extends DeviceArray {
  readonly device = "webgpu";
  private _buffer: GPUBuffer | null;
  private readonly _aval: ShapedArray;
  constructor(
    aval: ShapedArray,
    buffer: GPUBuffer,
    private readonly gpu: Webgpu,
  ) {
    super();
    this._aval = aval;
    this._buffer = buffer;
    collected.register(this, { gpu, buffer }, this);
  }
  get aval(): ShapedArray {
    return this._aval;
  }
  /** The storage buffer (one 32-bit word per element). */
  get buffer(): GPUBuffer {
    if (!this._buffer) throw new DriftError("webgpu", `this ${this._aval} array was disposed and can no longer be used`);
    return this._buffer;
  }
  override dispose(): void {
    if (!this._buffer) return;
    collected.unregister(this);
    this.gpu.release(this._buffer);
    this._buffer = null;
  }
  override async data(): Promise<TypedArray> {
    return (await readBack([this]))[0]!.buf;
  }
}

/** Data of `x` as 32-bit words for the GPU (bool bytes widened to u32). */
export function wordsOf(x: ConcreteArray): Uint32Array | Float32Array | Int32Array {
  checkGpuDtype("devicePut", x.dtype);
  const b = x.buf;
  if (b instanceof Uint8Array) return Uint32Array.from(b);
  return b as Uint32Array | Float32Array | Int32Array;
}

const uploads = new WeakMap<ConcreteArray, GpuArray>();

/** Copies a CPU array to a new GPU buffer (cached per CPU array: they are immutable). */
export function upload(x: ConcreteArray): GpuArray {
  const hit = uploads.get(x);
  if (hit && !x.donated) {
    try {
      hit.buffer;
      return hit;
    } catch {
      uploads.delete(x);
    }
  }
  const gpu = webgpu("devicePut");
  const data = wordsOf(x);
  const buffer = gpu.acquire(Math.max(data.byteLength, WORD));
  if (data.byteLength > 0) gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  const out = new GpuArray(x.aval, buffer, gpu);
  uploads.set(x, out);
  return out;
}

/** A GPU array for `x`: itself when already on the GPU, else an upload. */
export function onGpu(x: Tensor): GpuArray {
  if (x instanceof GpuArray) return x;
  if (x instanceof ConcreteArray) return upload(x);
  throw new DriftError("webgpu", `cannot move ${x.aval} to webgpu: it is a tracer or lives on ${(x as DeviceArray).device}`);
}

/** Reads arrays back to the CPU with one submit and one map per array. */
export async function readBack(xs: readonly GpuArray[]): Promise<ConcreteArray[]> {
  if (xs.length === 0) return [];
  const gpu = webgpu("deviceGet");
  const { device, usage } = gpu;
  const enc = device.createCommandEncoder();
  const staging = xs.map((x) => {
    const bytes = Math.max(x.size * WORD, WORD);
    const s = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: usage.MAP_READ | usage.COPY_DST });
    enc.copyBufferToBuffer(x.buffer, 0, s, 0, s.size);
    return s;
  });
  device.queue.submit([enc.finish()]);
  await Promise.all(staging.map((s) => s.mapAsync(usage.READ)));
  gpu.checkErrors("deviceGet");
  return xs.map((x, i) => {
    const s = staging[i]!;
    const words = s.getMappedRange().slice(0, x.size * WORD);
    s.unmap();
    s.destroy();
    return new ConcreteArray(x.aval, fromWords(x.dtype, words));
  });
}

function fromWords(dtype: DType, words: ArrayBuffer): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(words);
    case "int32":
      return new Int32Array(words);
    case "uint32":
      return new Uint32Array(words);
    case "bool":
      return Uint8Array.from(new Uint32Array(words));
    default:
      throw new DriftError("deviceGet", `unexpected dtype ${dtype} on webgpu`);
  }
}
