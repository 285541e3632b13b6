// Classifier-free guidance: a model function that mixes a conditional and an unconditional prediction.
import { DriftError, np, type Array } from "@drift/tensor";
import type { ModelFn } from "./common.ts";

/**
 * Classifier-free guidance (Ho & Salimans 2022 eq. 6, in DWM's convention, papers.md §3.1):
 * ε̂ = ω·ε_θ(x, t, c) + (1 − ω)·ε_θ(x, t, ∅). ω = 1 is the conditional model, ω = 0 the unconditional one, ω > 1
 * extrapolates. Both models must use the same parameterization; since every conversion between ε, x_0, v and score is
 * affine in the prediction with the same coefficients, mixing any one of them is mixing ε. Pass the result to any
 * sampler (combine with `inpaint` for DWM's guided, inpainted sampling).
 */
export function classifierFreeGuidance(conditional: ModelFn, unconditional: ModelFn, weight: number | Array): ModelFn {
  if (typeof conditional !== "function" || typeof unconditional !== "function")
    throw new DriftError("classifierFreeGuidance", "conditional and unconditional must be model functions (x, t) => prediction");
  if (typeof weight === "number" && !Number.isFinite(weight)) throw new DriftError("classifierFreeGuidance", `weight must be finite; got ${weight}`);
  return (x, t) => {
    const c = conditional(x, t);
    const u = unconditional(x, t);
    return np.add(np.mul(c, weight), np.mul(u, np.sub(1, weight)));
  };
}
