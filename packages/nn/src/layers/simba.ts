// SimBa (Lee et al. 2024, arXiv 2410.09754): input projection, pre-norm residual MLP blocks, final LayerNorm.
import type { Array } from "@drift/tensor";
import { heNormal, orthogonal } from "../init.ts";
import { type Activation, resolve } from "./activations.ts";
import { type LinearParams, linear } from "./linear.ts";
import { type Module, checkPositiveInt, splitKeys } from "./module.ts";
import { type NormParams, layerNorm } from "./norm.ts";

/** Configuration of `simba`. */
export interface SimbaConfig {
  inFeatures: number;
  /** Width h of the residual stream. */
  hidden: number;
  /** Number of residual blocks. */
  numBlocks: number;
  /** Output Dense after the final LayerNorm (omit to return the normalised features). */
  outFeatures?: number;
  /** Inner expansion of each block (default 4). */
  multiplier?: number;
  /** Block activation (default "relu", as SimBa). */
  activation?: Activation;
}

/** Parameters of one SimBa block. */
export interface SimbaBlockParams {
  norm: NormParams;
  up: LinearParams;
  down: LinearParams;
}

/** Parameters of `simba`. */
export interface SimbaParams {
  input: LinearParams;
  blocks: SimbaBlockParams[];
  norm: NormParams;
  out?: LinearParams;
}

/**
 * SimBa network: x ← Dense_h(x) (orthogonal init); per block x ← x + Dense_h(act(Dense_{4h}(LN(x)))) (He-normal
 * init); then LN(x) and, with `outFeatures`, a final Dense (orthogonal init, no activation). LayerNorm eps is
 * Flax's 1e-6. The observation normaliser (RSNorm) of the paper is left to the caller.
 */
export function simba(config: SimbaConfig): Module<SimbaParams> {
  const op = "simba";
  const { inFeatures, hidden, numBlocks, outFeatures, multiplier = 4 } = config;
  checkPositiveInt(op, "inFeatures", inFeatures);
  checkPositiveInt(op, "hidden", hidden);
  checkPositiveInt(op, "numBlocks", numBlocks);
  checkPositiveInt(op, "multiplier", multiplier);
  if (outFeatures !== undefined) checkPositiveInt(op, "outFeatures", outFeatures);
  const act = resolve(config.activation ?? "relu", op);
  const input = linear({ inFeatures, outFeatures: hidden, kernelInit: orthogonal({ scale: 1 }) });
  const norm = layerNorm({ features: hidden });
  const up = linear({ inFeatures: hidden, outFeatures: hidden * multiplier, kernelInit: heNormal() });
  const down = linear({ inFeatures: hidden * multiplier, outFeatures: hidden, kernelInit: heNormal() });
  const out = outFeatures !== undefined ? linear({ inFeatures: hidden, outFeatures, kernelInit: orthogonal({ scale: 1 }) }) : null;
  return {
    init(key, opts = {}) {
      const keys = splitKeys(key, numBlocks + 2);
      const params: SimbaParams = {
        input: input.init(keys[0]!, opts),
        blocks: keys.slice(1, numBlocks + 1).map((k) => {
          const [ku, kd] = splitKeys(k, 2) as [Array, Array];
          return { norm: norm.init(k, opts), up: up.init(ku, opts), down: down.init(kd, opts) };
        }),
        norm: norm.init(key, opts),
      };
      if (out) params.out = out.init(keys[numBlocks + 1]!, opts);
      return params;
    },
    apply(params, x) {
      let h = input.apply(params.input, x);
      for (const b of params.blocks) h = h.add(down.apply(b.down, act(up.apply(b.up, norm.apply(b.norm, h)))));
      h = norm.apply(params.norm, h);
      return out ? out.apply(params.out!, h) : h;
    },
  };
}
