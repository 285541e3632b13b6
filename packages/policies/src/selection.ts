// Best-of-N action selection by a critic (FlowRL eq. 10, papers.md §2.3(a)): sample N candidates per state, keep the argmax-Q one.
import { DriftError, np, random, vmap, type Array } from "@drift/tensor";

/** The chosen candidate per state. */
export interface Selection {
  /** The selected action, [..., d]. */
  action: Array;
  /** Its index among the N candidates (int32), [...]. */
  index: Array;
  /** Its score, [...]. */
  score: Array;
}

/**
 * Picks argmax_i scores[..., i] among candidates [..., N, d] (first index on ties), as a gather so it batches under vmap.
 */
export function selectBest(candidates: Array, scores: Array): Selection {
  const op = "selectBest";
  if (candidates.ndim < 2) throw new DriftError(op, `candidates must be [..., N, d]; got shape [${candidates.shape.join(",")}]`);
  const lead = candidates.shape.slice(0, -1);
  if (scores.ndim !== lead.length || scores.shape.some((n, i) => n !== lead[i]))
    throw new DriftError(op, `scores must have shape [${lead.join(",")}] (one per candidate); got [${scores.shape.join(",")}]`);
  const index = np.argmax(scores, -1);
  const idx = np.expandDims(index, -1);
  const score = np.squeeze(np.takeAlongAxis(scores, idx, -1), -1);
  const action = np.squeeze(np.takeAlongAxis(candidates, np.expandDims(idx, -1), -2), -2);
  return { action, index, score };
}

/** Draws one action [d] for a single state `cond` (unbatched). */
export type CandidateSampler = (key: Array, cond: Array) => Array;
/** Scores one action [d] at a single state (returns a scalar, e.g. the min over a critic ensemble). */
export type CandidateCritic = (cond: Array, action: Array) => Array;

/**
 * Best-of-N at one state (FlowRL eq. 10): a* = argmax_{a_i ~ π(·|s), i ≤ n} Q(s, a_i), with the n candidates drawn
 * from n split keys and scored under vmap.
 */
export function bestOfNSingle(key: Array, cond: Array, n: number, sample: CandidateSampler, critic: CandidateCritic): Selection {
  if (!Number.isInteger(n) || n <= 0) throw new DriftError("bestOfN", `n must be a positive integer; got ${n}`);
  const candidates = vmap(sample, { inAxes: [0, null] })(random.split(key, n), cond);
  if (candidates.ndim !== 2) throw new DriftError("bestOfN", `sample must return one action of shape [d]; got [${candidates.shape.slice(1).join(",")}]`);
  const scores = vmap(critic, { inAxes: [null, 0] })(cond, candidates);
  if (scores.ndim !== 1) throw new DriftError("bestOfN", `critic must return a scalar per action; got shape [${scores.shape.slice(1).join(",")}]`);
  return selectBest(candidates, scores);
}

/**
 * Batched Best-of-N: `cond` is [B, ...]; each state gets its own key (split from `key`) and n candidates; the whole
 * selection is vmapped over the batch. Returns action [B, d], index [B], score [B].
 */
export function bestOfN(key: Array, cond: Array, n: number, sample: CandidateSampler, critic: CandidateCritic): Selection {
  if (cond.ndim < 1) throw new DriftError("bestOfN", `cond must be batched [B, ...]; got a scalar`);
  const keys = random.split(key, cond.shape[0]!);
  return vmap((k: Array, c: Array) => bestOfNSingle(k, c, n, sample, critic))(keys, cond);
}
