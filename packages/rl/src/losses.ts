// Regression losses for value learning: the expectile loss of IQL.
import { type Array, DriftError, np } from "@drift/tensor";
import { asFloat, floatDtype } from "./util.ts";

/**
 * Expectile (asymmetric least-squares) loss, elementwise (Newey & Powell 1987; IQL, Kostrikov et al. 2022,
 * https://arxiv.org/abs/2110.06169):
 *
 *   L_τ(u) = |τ − 1[u < 0]|·u²,   u = target − prediction,
 *
 * so positive errors weigh τ and negative ones 1 − τ; τ = 0.5 is half the squared error. Pass `diff` = u
 * (e.g. Q(s,a) − V(s)); average the result for the loss.
 */
export function expectileLoss(diff: Array, expectile: number): Array {
  const op = "expectileLoss";
  if (!(diff instanceof np.Array)) throw new DriftError(op, `diff must be an array; got ${typeof diff}`);
  if (typeof expectile !== "number" || !(expectile > 0 && expectile < 1)) throw new DriftError(op, `expectile must be a number in (0, 1); got ${expectile}`);
  const dtype = floatDtype(diff);
  const u = asFloat(diff, dtype);
  const weight = np.where(np.less(u, 0), asFloat(1 - expectile, dtype), asFloat(expectile, dtype));
  return np.mul(weight, np.square(u));
}
