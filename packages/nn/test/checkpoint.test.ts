// @drift/nn re-exports the checkpoint API: an MLP's params round-trip through save/load with `like`.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { np, random, tree } from "@drift/tensor";
import { layers, load, save } from "../src/index.ts";

describe("checkpoints from @drift/nn", () => {
  it("round-trips MLP params exactly", async () => {
    const mlp = layers.mlp({ inFeatures: 3, hidden: [8], outFeatures: 2 });
    const params = mlp.init(random.key(0));
    const path = join(mkdtempSync(join(tmpdir(), "drift-nn-")), "mlp.safetensors");
    await save(path, params, { metadata: { step: "10" } });
    const back = await load(path, { like: params });
    tree.map((a, b) => {
      expect(np.equal(a, b).astype("int32").sum().item()).toBe(a.size);
      return a;
    }, params, back);
  });
});
