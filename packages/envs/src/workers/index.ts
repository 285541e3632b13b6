// Worker-thread vector envs of @drift/envs: workerVectorEnv steps copies of a registered env in a pool of threads.
export { workerVectorEnv, WorkerVectorEnv } from "./pool.ts";
export type { WorkerVectorEnvOptions, WorkerResetResult, WorkerStepResult } from "./pool.ts";
