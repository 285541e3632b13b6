// 1-D convolution over NWC sequences (kernel [k, in, out], as Flax `nn.Conv`), built from pad + gather + matmul.
import { DriftError, np, type Array } from "@drift/tensor";
import { type Initializer, lecunNormal, zeros } from "../init.ts";
import { type Module, checkLastAxis, checkPositiveInt, splitKeys } from "./module.ts";

/** Padding of `conv1d`: "SAME" (output length ⌈W/stride⌉), "VALID" (none), "CAUSAL" (left only), or explicit [lo, hi]. */
export type Padding = "SAME" | "VALID" | "CAUSAL" | readonly [number, number];

/** Configuration of `conv1d`. */
export interface Conv1dConfig {
  inFeatures: number;
  outFeatures: number;
  kernelSize: number;
  /** Step between output positions (default 1). */
  stride?: number;
  /** Default "SAME", as Flax `nn.Conv`. */
  padding?: Padding;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Add a learned bias (default true). */
  useBias?: boolean;
  /** Kernel initializer (default `lecunNormal()`, fan_in = kernelSize·inFeatures, as Flax). */
  kernelInit?: Initializer;
  /** Bias initializer (default zeros). */
  biasInit?: Initializer;
}

/** Parameters of `conv1d`: kernel [kernelSize, in, out] and, unless disabled, bias [out]. */
export interface Conv1dParams {
  kernel: Array;
  bias?: Array;
}

/** [lo, hi] padding for a sequence of length `w`, as XLA's padtype_to_pads for SAME. */
function padsFor(op: string, padding: Padding, w: number, span: number, stride: number): [number, number] {
  if (padding === "VALID") return [0, 0];
  if (padding === "CAUSAL") return [span - 1, 0];
  if (padding === "SAME") {
    const out = Math.ceil(w / stride);
    const total = Math.max((out - 1) * stride + span - w, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  if (globalThis.Array.isArray(padding) && padding.length === 2 && padding.every((p) => Number.isInteger(p) && p >= 0)) return [padding[0]!, padding[1]!];
  throw new DriftError(op, `padding must be "SAME", "VALID", "CAUSAL" or [lo, hi] non-negative integers; got ${JSON.stringify(padding)}`);
}

/**
 * 1-D convolution (cross-correlation, as every DL library): x [..., W, in] → [..., W', out] with
 * y[o] = Σ_j x[o·stride + j·dilation − lo]·K[j] + b. Each output's taps are gathered into a [W', k·in] patch
 * matrix and multiplied by the kernel reshaped to [k·in, out].
 */
export function conv1d(config: Conv1dConfig): Module<Conv1dParams> {
  const op = "conv1d";
  const { inFeatures, outFeatures, kernelSize, stride = 1, dilation = 1, padding = "SAME", useBias = true } = config;
  checkPositiveInt(op, "inFeatures", inFeatures);
  checkPositiveInt(op, "outFeatures", outFeatures);
  checkPositiveInt(op, "kernelSize", kernelSize);
  checkPositiveInt(op, "stride", stride);
  checkPositiveInt(op, "dilation", dilation);
  padsFor(op, padding, 1, 1, 1);
  const kernelInit = config.kernelInit ?? lecunNormal();
  const biasInit = config.biasInit ?? zeros;
  const span = (kernelSize - 1) * dilation + 1;
  return {
    init(key, opts = {}) {
      const [kw, kb] = splitKeys(key, 2) as [Array, Array];
      const kernel = kernelInit(kw, [kernelSize, inFeatures, outFeatures], opts);
      return useBias ? { kernel, bias: biasInit(kb, [outFeatures], opts) } : { kernel };
    },
    apply(params, x) {
      checkLastAxis(op, x, inFeatures, 2);
      const w = x.shape[x.ndim - 2]!;
      const [lo, hi] = padsFor(op, padding, w, span, stride);
      const padded = w + lo + hi;
      if (padded < span) throw new DriftError(op, `sequence of length ${w} (padded ${padded}) is shorter than the kernel span ${span}`);
      const outLen = Math.floor((padded - span) / stride) + 1;
      const xp = lo || hi ? np.pad(x, x.shape.map((_, i) => (i === x.ndim - 2 ? ([lo, hi] as const) : ([0, 0] as const)))) : x;
      const taps = new Int32Array(outLen * kernelSize);
      for (let o = 0; o < outLen; o++) for (let j = 0; j < kernelSize; j++) taps[o * kernelSize + j] = o * stride + j * dilation;
      const gathered = np.take(xp, np.array(taps), x.ndim - 2);
      const patches = np.reshape(gathered, [...x.shape.slice(0, -2), outLen, kernelSize * inFeatures]);
      const y = np.matmul(patches, np.reshape(params.kernel, [kernelSize * inFeatures, outFeatures]));
      return params.bias ? np.add(y, params.bias) : y;
    },
  };
}
