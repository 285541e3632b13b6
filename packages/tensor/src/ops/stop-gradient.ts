// stop_gradient: the identity whose derivative is zero.
import { type ArrayLike, asTensor } from "./coerce.ts";
import { type Primitive, ShapedArray, type Tensor, bind1, definePrimitive } from "../core/tensor.ts";

/** stop_gradient primitive: identity forward, zero tangent. */
export const stopGradientPrim: Primitive<null> = definePrimitive<null>({
  name: "stop_gradient",
  abstractEval: ([x]) => [new ShapedArray(x!.shape, x!.dtype, x!.weakType)],
  impl: ([x]) => [x!.buf],
  jvp: ([x]) => [[bind1(stopGradientPrim, [x!], null)], [null]],
  batch: ([x], [d]) => [[bind1(stopGradientPrim, [x!], null)], [d!]],
});

/** Treats the array `x` as a constant for differentiation (its gradient is zero). */
export function stopGradient(x: ArrayLike): Tensor {
  return bind1(stopGradientPrim, [asTensor(x, "stopGradient")], null);
}
