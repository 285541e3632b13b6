// @drift/tensor: arrays, numpy-style ops, PRNG keys, pytrees and composable transformations.
import * as np from "./numpy.ts";
import * as tree from "./tree.ts";
import * as random from "./random/random.ts";
import * as lax from "./lax/index.ts";
export { np, tree, random, lax };
export { Tensor as Array, ShapedArray } from "./core/tensor.ts";
export { DriftError, ConcretizationError } from "./errors.ts";
export type { DType, TypedArray } from "./dtype.ts";
export { grad, valueAndGrad, vjp, jvp, vmap, stopGradient, makeJaxpr } from "./transformations.ts";
export { jit } from "./jit.ts";
export { setKernelThreads } from "./backend/wasm/threads.ts";
export type { JitOptions, JittedFunction } from "./jit.ts";
export type { GradOptions, VmapOptions, AxisSpec, TracedProgram } from "./transformations.ts";
export type { TreeDef } from "./tree.ts";
export { setBackend, getBackend, devicePut, deviceGet, webgpuInfo, initWebgpu, describeAdapter, GpuArray } from "./backend/webgpu/index.ts";
export type { BackendName, WebgpuInfo, WebgpuInitOptions } from "./backend/webgpu/index.ts";
