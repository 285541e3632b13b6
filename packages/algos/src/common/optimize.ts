// One optimizer step on a loss (optax: value_and_grad → update → apply_updates), shared by every algorithm's update.
import { type Array, valueAndGrad } from "@drift/tensor";
import { optim } from "@drift/nn";

/** Parameters trained by one optimizer, with that optimizer's state. */
export interface TrainedPart<P = unknown> {
  params: P;
  opt: unknown;
}

/**
 * Differentiates `loss` (which returns `[value, aux]`; aux may be `null`) at `part.params`, runs `optimizer` on the
 * gradient and applies the update. Returns the new part, the loss value and the aux. The same ops in the same order
 * as writing the three calls out, so results are bitwise unchanged.
 */
export function gradientStep<P, A>(
  optimizer: optim.GradientTransformation,
  part: TrainedPart<P>,
  loss: (params: P) => [Array, A],
): { part: TrainedPart<P>; loss: Array; aux: A } {
  const [[value, aux], grads] = valueAndGrad(loss as (p: unknown) => [Array, A], { hasAux: true })(part.params) as unknown as [[Array, A], P];
  const [updates, opt] = optimizer.update(grads, part.opt as never, part.params);
  return { part: { params: optim.applyUpdates(part.params, updates) as P, opt }, loss: value, aux };
}
