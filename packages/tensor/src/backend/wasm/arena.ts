// The process-wide wasm linear memory that compiled programs use as a stack of frames (shared when the host allows).
import { wasmApi, type WasmMemory } from "./wasm-api.ts";
import type { MemoryLimits } from "./emitter.ts";

const PAGE_BYTES = 65536;
/** Frames start on 64-byte boundaries (a cache line). */
const FRAME_ALIGN = 64;
/** A shared memory must declare its maximum up front: 4 GiB, the wasm32 limit (address space only). */
const MAX_PAGES = 65536;

/** Typed views of the whole arena, recreated whenever the memory grows. */
export interface ArenaViews {
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly u8: Uint8Array;
}

/**
 * A stack of frames in one `WebAssembly.Memory`: a program run pushes a frame holding its inputs, intermediates and
 * outputs, and pops it when it returns, so nested runs (control flow calling compiled bodies) stack above it.
 */
export class Arena {
  /** The memory every compiled program module imports. */
  readonly memory: WasmMemory;
  /** True when the memory is a SharedArrayBuffer-backed shared memory (worker threads may run kernels on it). */
  readonly shared: boolean;
  private top = 0;
  private cached: ArenaViews | null = null;

  /** @param preferShared try a shared memory first (it needs SharedArrayBuffer support; else the memory is private). */
  constructor(preferShared = true) {
    let memory: WasmMemory | undefined;
    let shared = preferShared;
    if (preferShared)
      try {
        memory = new wasmApi.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
      } catch {
        shared = false;
      }
    memory ??= new wasmApi.Memory({ initial: 16 });
    this.memory = memory;
    this.shared = shared;
  }

  /** The import declaration a module needs to use this memory. */
  get limits(): MemoryLimits {
    return this.shared ? { initial: 0, maximum: MAX_PAGES, shared: true } : { initial: 0 };
  }

  /** Reserves a frame of `bytes` above the current top; returns its base byte offset. */
  push(bytes: number): number {
    const base = Math.ceil(this.top / FRAME_ALIGN) * FRAME_ALIGN;
    const end = base + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.top = end;
    return base;
  }

  /** Releases the frame at `base` and everything above it. */
  pop(base: number): void {
    this.top = base;
  }

  /** Views of the current memory buffer. */
  views(): ArenaViews {
    const buffer = this.memory.buffer;
    if (!this.cached || this.cached.u8.buffer !== buffer || this.cached.u8.byteLength !== buffer.byteLength) {
      this.cached = {
        f32: new Float32Array(buffer),
        f64: new Float64Array(buffer),
        i32: new Int32Array(buffer),
        u32: new Uint32Array(buffer),
        u8: new Uint8Array(buffer),
      };
    }
    return this.cached;
  }
}

/** The arena used by every compiled program of this process. */
export const arena = new Arena();
