// The WebGPU lowerings of primitives that are not fused elementwise kernels or matmuls, by primitive name.
import type { PrimLowering } from "./program.ts";
import { CONTROL_LOWERINGS } from "./control.ts";
import { DATA_LOWERINGS } from "./data.ts";

/** Lowerings of primitive steps (control flow, indexing, data movement, PRNG), by primitive name. */
export const PRIM_LOWERINGS: Record<string, PrimLowering> = { ...DATA_LOWERINGS, ...CONTROL_LOWERINGS };
