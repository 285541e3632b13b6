// Installs the wasm SIMD kernels behind the eager float32 ops at import time.
import { setFloat32Matmul } from "../ops/linalg.ts";
import { matmulF32Batched } from "./wasm/matmul.ts";

setFloat32Matmul((a, b, batch, m, k, n, p) => matmulF32Batched(a, b, batch, m, k, n, { transA: p.transA, transB: p.transB }));
