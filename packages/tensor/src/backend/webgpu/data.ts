// WebGPU lowerings of indexing, data-movement, PRNG and integer reduction primitives: one WGSL kernel per step.
import type { PrimLowering } from "./program.ts";

/** Data-movement and indexing lowerings by primitive name. */
export const DATA_LOWERINGS: Record<string, PrimLowering> = {};
