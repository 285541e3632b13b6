// A jitted MLP train step on WebGPU inside headless Chromium (playwright-core + the system chromium) matches the CPU result.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.DRIFT_REQUIRE_WEBGPU) throw new Error(`DRIFT_REQUIRE_WEBGPU is set but there is no Chromium at ${CHROMIUM}`);
if (!hasChromium) console.warn(`webgpu browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!hasChromium)("webgpu in the browser", () => {
  let server: Server;
  let browser: Browser;
  let url = "";
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL("./browser/mlp-step.page.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      external: ["webgpu"],
    });
    const js = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
      else res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--enable-unsafe-webgpu", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("a jitted MLP train step on navigator.gpu equals the CPU backend in the same page", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as any).__result !== undefined || (globalThis as any).__error !== undefined, null, { timeout: 60_000 });
    const error = await page.evaluate(() => (globalThis as any).__error as string | undefined);
    expect(error).toBeUndefined();
    const r = await page.evaluate(() => (globalThis as any).__result as { adapter: { host: string }; cpuLoss: number; gpuLoss: number; maxParamDiff: number });
    console.log(`browser webgpu: ${JSON.stringify(r)}`);
    expect(r.adapter.host).toBe("browser");
    expect(Math.abs(r.gpuLoss - r.cpuLoss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(r.cpuLoss)));
    expect(r.maxParamDiff).toBeLessThan(1e-5);
  }, 90_000);
});
