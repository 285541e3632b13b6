// Activation functions (elementwise, any shape) and the name lookup that modules use for their `activation` option.
import { DriftError, np, type Array } from "@drift/tensor";

/** max(x, 0), with derivative 0 at 0 as `jax.nn.relu`. */
export function relu(x: Array): Array {
  return np.where(np.greater(x, 0), x, 0);
}

/** Exact GELU x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016), as PyTorch `nn.GELU()` and `jax.nn.gelu(approximate=False)`. */
export function gelu(x: Array): Array {
  return np.mul(np.mul(x, 0.5), np.add(np.erf(np.mul(x, Math.SQRT1_2)), 1));
}

/** Tanh-approximated GELU ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as `jax.nn.gelu` (default) and Flax `nn.gelu`. */
export function geluTanh(x: Array): Array {
  const inner = np.mul(np.add(x, np.mul(np.mul(np.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return np.mul(np.mul(x, 0.5), np.add(np.tanh(inner), 1));
}

/** Mish x·tanh(softplus(x)) (Misra 2019). */
export function mish(x: Array): Array {
  return np.mul(x, np.tanh(np.softplus(x)));
}

/** SiLU / swish x·σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017), as `jax.nn.silu`. */
export function silu(x: Array): Array {
  return np.mul(x, np.sigmoid(x));
}

/** Alias of `silu`. */
export const swish = silu;

/** ELU: x for x > 0, α(eˣ − 1) otherwise (Clevert et al. 2016), default α = 1 as `jax.nn.elu`. */
export function elu(x: Array, alpha = 1): Array {
  // expm1 of min(x, 0) keeps the unused branch finite, so its zero cotangent cannot turn into NaN.
  return np.where(np.greater(x, 0), x, np.mul(np.expm1(np.minimum(x, 0)), alpha));
}

/** Leaky ReLU: x for x ≥ 0, slope·x otherwise, default slope 0.01 as `jax.nn.leaky_relu`. */
export function leakyRelu(x: Array, negativeSlope = 0.01): Array {
  return np.where(np.greaterEqual(x, 0), x, np.mul(x, negativeSlope));
}

/** Hyperbolic tangent. */
export function tanh(x: Array): Array {
  return np.tanh(x);
}

/** Logistic sigmoid 1/(1 + e^−x). */
export function sigmoid(x: Array): Array {
  return np.sigmoid(x);
}

/** Identity (no activation). */
export function identity(x: Array): Array {
  return x;
}

const BY_NAME = { relu, gelu, geluTanh, mish, silu, swish, elu, leakyRelu, tanh, sigmoid, identity } as const;

/** Names accepted wherever a module takes an `activation`. */
export type ActivationName = keyof typeof BY_NAME;

/** Every valid activation name. */
export const names = Object.keys(BY_NAME) as ActivationName[];

/** An activation: a name, a parameterised leaky ReLU or ELU, or any elementwise function. */
export type Activation =
  | ActivationName
  | { name: "leakyRelu"; negativeSlope: number }
  | { name: "elu"; alpha: number }
  | ((x: Array) => Array);

/** Resolves an `Activation` to its function; throws a DriftError listing the valid names for an unknown one. */
export function resolve(activation: Activation, op = "activation"): (x: Array) => Array {
  if (typeof activation === "function") return activation;
  if (typeof activation === "object" && activation !== null) {
    if (activation.name === "leakyRelu") return (x) => leakyRelu(x, activation.negativeSlope);
    if (activation.name === "elu") return (x) => elu(x, activation.alpha);
  }
  if (typeof activation === "string" && Object.hasOwn(BY_NAME, activation)) return BY_NAME[activation];
  throw new DriftError(
    op,
    `unknown activation ${JSON.stringify(activation)}; valid names: ${names.join(", ")} ` +
      `(or {name: "leakyRelu", negativeSlope}, {name: "elu", alpha}, or a function)`,
  );
}
