// Worker entry of workerVectorEnv: registers tsx's ESM loader in this thread, then runs the TypeScript worker.
// tsx's --import loader (inherited from a `tsx` parent) only hooks the main thread, and vitest has no Node loader,
// so every worker registers its own; the registration applies to this worker's imports only.
let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch (err) {
  throw new Error(`@drift/envs workerVectorEnv runs its worker from TypeScript source and needs the "tsx" package to load it: ${err}`);
}
register();
await import("./worker.ts");
