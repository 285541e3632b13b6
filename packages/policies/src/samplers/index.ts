// The samplers: pure functions over `lax.scan` (so they compose with jit and vmap) for diffusion, flow and Langevin models.
export type { ModelFn, Inpainting, DiffusionSampleOptions } from "./common.ts";
export {
  ddpmSample,
  ddimSample,
  dpmSolver2Sample,
  dpmSolverPP2MSample,
  heunSample,
  diffusionSample,
  DIFFUSION_SAMPLERS,
} from "./diffusion.ts";
export type { DdpmOptions, DdimOptions, HeunOptions, DiffusionSamplerName, AnySamplerOptions } from "./diffusion.ts";
export { flowSample, FLOW_METHODS } from "./flow.ts";
export type { FlowSampleOptions, FlowMethod } from "./flow.ts";
export { langevinSample } from "./langevin.ts";
export type { LangevinOptions } from "./langevin.ts";
export { classifierFreeGuidance } from "./guidance.ts";
