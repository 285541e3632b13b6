// @drift/nn: modules as pytrees of parameters with pure apply functions, initializers, optax-style optimizers, checkpoints (re-exported from @drift/tensor/io).
export * as init from "./init.ts";
export * as layers from "./layers/index.ts";
export * as optim from "./optim/index.ts";
export { save, load, saveSync, loadSync, readMetadata, readMetadataSync, encodeSafetensors, decodeSafetensors } from "@drift/tensor/io";
export type { SaveOptions, LoadOptions, SafetensorsContents } from "@drift/tensor/io";
