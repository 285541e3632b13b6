// Normalisation layers: LayerNorm over the feature axis and GroupNorm over channel groups and spatial axes.
import { DriftError, np, type Array } from "@drift/tensor";
import { ones, zeros } from "../init.ts";
import { type InitOptions, type Module, checkLastAxis, checkPositiveInt } from "./module.ts";

/** Learnable affine parameters of a normalisation layer, each [features] (absent when disabled). */
export interface NormParams {
  scale?: Array;
  bias?: Array;
}

/** Configuration of `layerNorm`. */
export interface LayerNormConfig {
  features: number;
  /** Added to the variance (default 1e-6, as Flax `nn.LayerNorm`; PyTorch uses 1e-5). */
  eps?: number;
  /** Learn a per-feature scale, initialised to 1 (default true). */
  useScale?: boolean;
  /** Learn a per-feature bias, initialised to 0 (default true). */
  useBias?: boolean;
}

function affineInit(features: number, useScale: boolean, useBias: boolean, opts: InitOptions, key: Array): NormParams {
  const p: NormParams = {};
  if (useScale) p.scale = ones(key, [features], opts);
  if (useBias) p.bias = zeros(key, [features], opts);
  return p;
}

function affine(y: Array, p: NormParams): Array {
  const scaled = p.scale ? np.mul(y, p.scale) : y;
  return p.bias ? np.add(scaled, p.bias) : scaled;
}

/** (x − mean)/√(var + eps) over `axes`, with the biased variance. */
function standardize(x: Array, axes: number[], eps: number): Array {
  const centered = np.sub(x, np.mean(x, axes, { keepdims: true }));
  const variance = np.mean(np.square(centered), axes, { keepdims: true });
  return np.mul(centered, np.rsqrt(np.add(variance, eps)));
}

/** Layer normalisation (Ba et al. 2016) over the last axis: y = (x − μ)/√(σ² + eps)·scale + bias. */
export function layerNorm(config: LayerNormConfig): Module<NormParams> {
  const op = "layerNorm";
  const { features, eps = 1e-6, useScale = true, useBias = true } = config;
  checkPositiveInt(op, "features", features);
  return {
    init: (key, opts = {}) => affineInit(features, useScale, useBias, opts, key),
    apply(params, x) {
      checkLastAxis(op, x, features);
      return affine(standardize(x, [x.ndim - 1], eps), params);
    },
  };
}

/** Configuration of `groupNorm`. */
export interface GroupNormConfig {
  /** Number of channel groups; must divide `features`. */
  numGroups: number;
  /** Channels (the last axis). */
  features: number;
  /** Added to the variance (default 1e-5, as PyTorch `nn.GroupNorm`; Flax uses 1e-6). */
  eps?: number;
  /**
   * Axes before the channel axis that are normalised together with it (default 1: the W of an NWC sequence, as
   * PyTorch's GroupNorm on [N, C, W]); everything before them is batch.
   */
  spatialDims?: number;
  /** Learn a per-channel scale, initialised to 1 (default true). */
  useScale?: boolean;
  /** Learn a per-channel bias, initialised to 0 (default true). */
  useBias?: boolean;
}

/**
 * Group normalisation (Wu & He 2018), channels last: the C channels are split into `numGroups` groups and each
 * group is standardised over its channels and the `spatialDims` axes before them, then scaled per channel.
 */
export function groupNorm(config: GroupNormConfig): Module<NormParams> {
  const op = "groupNorm";
  const { numGroups, features, eps = 1e-5, spatialDims = 1, useScale = true, useBias = true } = config;
  checkPositiveInt(op, "numGroups", numGroups);
  checkPositiveInt(op, "features", features);
  if (features % numGroups !== 0) throw new DriftError(op, `numGroups (${numGroups}) must divide features (${features})`);
  if (!Number.isInteger(spatialDims) || spatialDims < 0) throw new DriftError(op, `spatialDims must be a non-negative integer; got ${spatialDims}`);
  return {
    init: (key, opts = {}) => affineInit(features, useScale, useBias, opts, key),
    apply(params, x) {
      checkLastAxis(op, x, features, spatialDims + 1);
      const lead = x.shape.slice(0, x.ndim - 1);
      const grouped = np.reshape(x, [...lead, numGroups, features / numGroups]);
      // Grouped layout [...batch, ...spatial, G, C/G]: reduce the spatial axes and the last one.
      const r = grouped.ndim;
      const axes = [...globalThis.Array.from({ length: spatialDims }, (_, i) => r - 2 - spatialDims + i), r - 1];
      return affine(np.reshape(standardize(grouped, axes, eps), x.shape), params);
    },
  };
}
