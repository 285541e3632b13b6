// Local typings of the WebAssembly JS API subset we use (the package's ES2023 lib has no DOM/WebAssembly types).

/** A compiled module (opaque). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

/** An instantiated module; exported functions are plain JS functions. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** A linear memory; `buffer` is replaced (and the old one detached) by `grow`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages and returns the previous size in pages. */
  grow(deltaPages: number): number;
}

/** Constructor argument of `WebAssembly.Memory`, sizes in 64 KiB pages. */
export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

/** Import object: module name → field name → memory or host function. */
export type WasmImports = Record<string, Record<string, WasmMemory | ((...args: never[]) => unknown)>>;

/** The `WebAssembly` global, typed as far as this backend uses it. */
export interface WasmJsApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
  Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The host's `WebAssembly` object (Node ≥ 20 and browsers). */
export const wasmApi: WasmJsApi = (globalThis as unknown as { WebAssembly: WasmJsApi }).WebAssembly;
