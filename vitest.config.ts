// Test runner configuration for every workspace package (run from the repository root).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    execArgv: ["--expose-gc"],
    testTimeout: 60_000,
  },
});
