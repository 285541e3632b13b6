// Multi-layer perceptrons: a plain MLP (Dense → [LayerNorm] → act) and a pre-norm residual MLP.
import type { Array } from "@drift/tensor";
import { type Initializer, lecunNormal, scaled, zeros } from "../init.ts";
import { type Activation, resolve } from "./activations.ts";
import { type LinearParams, linear } from "./linear.ts";
import { type Module, checkPositiveInt, splitKeys } from "./module.ts";
import { type NormParams, layerNorm } from "./norm.ts";

/** Configuration of `mlp`. */
export interface MlpConfig {
  inFeatures: number;
  /** Widths of the hidden layers (may be empty: a single linear layer). */
  hidden: readonly number[];
  outFeatures: number;
  /** Hidden activation (default "relu"). */
  activation?: Activation;
  /** LayerNorm after each hidden Dense, before the activation (default false). */
  layerNorm?: boolean;
  /** Apply the activation to the output too (default false). */
  activateFinal?: boolean;
  /** Multiply the last kernel's initializer by this factor (e.g. 1e-8 for a near-zero output layer). */
  finalScale?: number;
  /** Kernel initializer of every layer (default `lecunNormal()`, as Flax `nn.Dense`). */
  kernelInit?: Initializer;
  /** Bias initializer of every layer (default zeros). */
  biasInit?: Initializer;
}

/** Parameters of `mlp`: one `LinearParams` per layer and, with `layerNorm`, one `NormParams` per hidden layer. */
export interface MlpParams {
  layers: LinearParams[];
  norms?: NormParams[];
}

/** MLP [..., in] → [..., out]: hidden layers Dense → (LayerNorm) → activation, then a final Dense. */
export function mlp(config: MlpConfig): Module<MlpParams> {
  const op = "mlp";
  const { inFeatures, hidden, outFeatures, activateFinal = false } = config;
  [inFeatures, ...hidden, outFeatures].forEach((n, i) => checkPositiveInt(op, i === 0 ? "inFeatures" : i > hidden.length ? "outFeatures" : `hidden[${i - 1}]`, n));
  const act = resolve(config.activation ?? "relu", op);
  const kernelInit = config.kernelInit ?? lecunNormal();
  const biasInit = config.biasInit ?? zeros;
  const widths = [inFeatures, ...hidden, outFeatures];
  const dense = hidden.concat([outFeatures]).map((out, i) =>
    linear({
      inFeatures: widths[i]!,
      outFeatures: out,
      kernelInit: i === hidden.length && config.finalScale !== undefined ? scaled(kernelInit, config.finalScale) : kernelInit,
      biasInit,
    }),
  );
  const norms = config.layerNorm ? hidden.map((h) => layerNorm({ features: h })) : null;
  return {
    init(key, opts = {}) {
      const keys = splitKeys(key, dense.length);
      const layers = dense.map((d, i) => d.init(keys[i]!, opts));
      return norms ? { layers, norms: norms.map((n) => n.init(key, opts)) } : { layers };
    },
    apply(params, x) {
      let h = x;
      dense.forEach((d, i) => {
        h = d.apply(params.layers[i]!, h);
        if (i < hidden.length) {
          if (norms) h = norms[i]!.apply(params.norms![i]!, h);
          h = act(h);
        } else if (activateFinal) h = act(h);
      });
      return h;
    },
  };
}

/** Configuration of `residualMlp`. */
export interface ResidualMlpConfig {
  inFeatures: number;
  /** Width of each residual block. */
  hidden: readonly number[];
  /** Output Dense after a final activation (omit to return the last block's features). */
  outFeatures?: number;
  /** Inner expansion of each block (default 4). */
  multiplier?: number;
  /** Activation (default "relu"). */
  activation?: Activation;
  /** Pre-norm: LayerNorm at the start of each block's branch (default false). */
  layerNorm?: boolean;
  /** Kernel initializer (default `lecunNormal()`). */
  kernelInit?: Initializer;
}

/** Parameters of one residual block: branch Dense layers, optional pre-norm, and a projection when widths differ. */
export interface ResidualBlockParams {
  norm?: NormParams;
  up: LinearParams;
  down: LinearParams;
  proj?: LinearParams;
}

/** Parameters of `residualMlp`. */
export interface ResidualMlpParams {
  blocks: ResidualBlockParams[];
  out?: LinearParams;
}

/**
 * Residual MLP (the FlowRL/Diff-SR `ResidualMLP` layout): each block computes
 * x ← P(x) + Dense_h(act(Dense_{m·h}(LN(x)))), with P a Dense projection when the width changes and the identity
 * otherwise; with `outFeatures`, the result goes through act → Dense(out).
 */
export function residualMlp(config: ResidualMlpConfig): Module<ResidualMlpParams> {
  const op = "residualMlp";
  const { inFeatures, hidden, outFeatures, multiplier = 4 } = config;
  checkPositiveInt(op, "inFeatures", inFeatures);
  hidden.forEach((h, i) => checkPositiveInt(op, `hidden[${i}]`, h));
  checkPositiveInt(op, "multiplier", multiplier);
  if (outFeatures !== undefined) checkPositiveInt(op, "outFeatures", outFeatures);
  const act = resolve(config.activation ?? "relu", op);
  const kernelInit = config.kernelInit ?? lecunNormal();
  const blocks = hidden.map((h, i) => {
    const width = i === 0 ? inFeatures : hidden[i - 1]!;
    return {
      norm: config.layerNorm ? layerNorm({ features: width }) : null,
      up: linear({ inFeatures: width, outFeatures: h * multiplier, kernelInit }),
      down: linear({ inFeatures: h * multiplier, outFeatures: h, kernelInit }),
      proj: width !== h ? linear({ inFeatures: width, outFeatures: h, kernelInit }) : null,
    };
  });
  const lastWidth = hidden.length ? hidden[hidden.length - 1]! : inFeatures;
  const out = outFeatures !== undefined ? linear({ inFeatures: lastWidth, outFeatures, kernelInit }) : null;
  return {
    init(key, opts = {}) {
      const keys = splitKeys(key, blocks.length + 1);
      const params: ResidualMlpParams = {
        blocks: blocks.map((b, i) => {
          const [ku, kd, kp] = splitKeys(keys[i]!, 3) as [Array, Array, Array];
          const p: ResidualBlockParams = { up: b.up.init(ku, opts), down: b.down.init(kd, opts) };
          if (b.norm) p.norm = b.norm.init(ku, opts);
          if (b.proj) p.proj = b.proj.init(kp, opts);
          return p;
        }),
      };
      if (out) params.out = out.init(keys[blocks.length]!, opts);
      return params;
    },
    apply(params, x) {
      let h = x;
      blocks.forEach((b, i) => {
        const p = params.blocks[i]!;
        const branchIn = b.norm ? b.norm.apply(p.norm!, h) : h;
        const branch = b.down.apply(p.down, act(b.up.apply(p.up, branchIn)));
        h = (b.proj ? b.proj.apply(p.proj!, h) : h).add(branch);
      });
      return out ? out.apply(params.out!, act(h)) : h;
    },
  };
}
