// Worker entry of `drift train`/`resume`: registers tsx's ESM loader in this thread, then runs the TypeScript worker.
// A loader registered in the main thread does not hook worker threads, and vitest has none, so the worker registers its own.
const { register } = await import("tsx/esm/api");
register();
await import("./train-worker.ts");
