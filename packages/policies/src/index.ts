// @drift/policies: diffusion and flow primitives (schedules, noising, samplers, losses, densities) and policy heads.
export * from "./schedules.ts";
export * from "./noising.ts";
export * from "./samplers/index.ts";
export * from "./squash.ts";
export * from "./heads.ts";
export * from "./bc.ts";
export * from "./losses.ts";
export * from "./damdp.ts";
export * from "./entropy.ts";
export * from "./selection.ts";
