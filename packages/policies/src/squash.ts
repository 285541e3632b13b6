// tanh action squashing with clipping, its inverse, and the numerically stable log-determinant of its Jacobian.
import { DriftError, np, type Array } from "@drift/tensor";

/** Default clip of squashed actions: |a| ≤ 0.999 (DA-MDP, papers.md §1.2(b)). */
export const DEFAULT_SQUASH_CLIP = 0.999;

function checkClip(op: string, clip: number): void {
  if (!(clip > 0 && clip <= 1)) throw new DriftError(op, `clip must be in (0, 1]; got ${clip}`);
}

/** a = clip(tanh(u), −clip, clip) (default clip 0.999, as the DA-MDP environment wrapper). */
export function tanhSquash(u: Array, clip: number = DEFAULT_SQUASH_CLIP): Array {
  checkClip("tanhSquash", clip);
  const a = np.tanh(u);
  return clip < 1 ? np.clip(a, -clip, clip) : a;
}

/** u = atanh(clip(a, −clip, clip)) = ½(log1p(a) − log1p(−a)), the pre-squash value of an action (default clip 0.999). */
export function tanhUnsquash(a: Array, clip: number = DEFAULT_SQUASH_CLIP): Array {
  checkClip("tanhUnsquash", clip);
  const c = clip < 1 ? np.clip(a, -clip, clip) : a;
  return np.mul(np.sub(np.log1p(c), np.log1p(np.neg(c))), 0.5);
}

/**
 * Elementwise log tanh'(u) = log(1 − tanh(u)²) = 2·(log 2 − u − softplus(−2u)), exact for every u and free of the
 * cancellation in 1 − tanh² (SAC, Haarnoja et al. 2018 App. C eq. 21; the form used by TF-Agents / Acme).
 */
export function tanhLogDerivative(u: Array): Array {
  return np.mul(np.sub(np.sub(Math.LN2, u), np.softplus(np.mul(u, -2))), 2);
}

/**
 * log|det ∂tanh(u)/∂u| for the elementwise tanh: Σ over the last `axis` of `tanhLogDerivative(u)` (pass
 * `axis: null` for the elementwise terms). The clip of `tanhSquash` is ignored, as in SAC.
 */
export function tanhLogDet(u: Array, opts: { axis?: number | null } = {}): Array {
  const axis = opts.axis === undefined ? -1 : opts.axis;
  const terms = tanhLogDerivative(u);
  return axis === null ? terms : np.sum(terms, axis);
}
