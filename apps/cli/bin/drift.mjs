#!/usr/bin/env node
// The `drift` executable: registers tsx's ESM loader in this process, then runs the TypeScript entry point.
let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch (err) {
  console.error(`drift runs from TypeScript source and needs the "tsx" package (a root devDependency; run \`npm ci\` at the repository root): ${err}`);
  process.exit(1);
}
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
