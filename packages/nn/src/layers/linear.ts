// Dense (fully connected) layer y = x·W + b with a [in, out] kernel, as Flax `nn.Dense`.
import { np, type Array } from "@drift/tensor";
import { type Initializer, lecunNormal, zeros } from "../init.ts";
import { type InitOptions, type Module, checkLastAxis, checkPositiveInt, splitKeys } from "./module.ts";

/** Configuration of `linear`. */
export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  /** Add a learned bias (default true). */
  useBias?: boolean;
  /** Kernel initializer (default `lecunNormal()`, as Flax `nn.Dense`). */
  kernelInit?: Initializer;
  /** Bias initializer (default zeros, as Flax `nn.Dense`). */
  biasInit?: Initializer;
}

/** Parameters of `linear`: kernel [in, out] and, unless `useBias` is false, bias [out]. */
export interface LinearParams {
  kernel: Array;
  bias?: Array;
}

/** A dense layer mapping [..., in] to [..., out]. */
export function linear(config: LinearConfig): Module<LinearParams> {
  const op = "linear";
  const { inFeatures, outFeatures, useBias = true } = config;
  checkPositiveInt(op, "inFeatures", inFeatures);
  checkPositiveInt(op, "outFeatures", outFeatures);
  const kernelInit = config.kernelInit ?? lecunNormal();
  const biasInit = config.biasInit ?? zeros;
  return {
    init(key: Array, opts: InitOptions = {}): LinearParams {
      const [kw, kb] = splitKeys(key, 2) as [Array, Array];
      const kernel = kernelInit(kw, [inFeatures, outFeatures], opts);
      return useBias ? { kernel, bias: biasInit(kb, [outFeatures], opts) } : { kernel };
    },
    apply(params: LinearParams, x: Array): Array {
      checkLastAxis(op, x, inFeatures);
      const y = np.matmul(x, params.kernel);
      return params.bias ? np.add(y, params.bias) : y;
    },
  };
}
