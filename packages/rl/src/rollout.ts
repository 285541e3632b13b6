// On-policy rollout buffer: T×N preallocated arrays filled one time step at a time, flattened and split into shuffled minibatches.
import { type Array, DriftError, np, random, tree } from "@drift/tensor";
import { checkInt, concreteScalar, describe, leafPaths } from "./util.ts";

/** State of a rollout buffer: `data` has leaves [T, N, ...], `t` (int32 scalar) is the next time step to write. */
export interface RolloutState<T> {
  data: T;
  t: Array;
}

/**
 * An empty rollout of `numSteps` (T) steps from `numEnvs` (N) environments; `example` is one environment's step
 * (a pytree of arrays, e.g. `{obs: [3], action: [1], logProb: [], reward: [], value: [], terminated: []}`).
 */
export function init<T>(numSteps: number, numEnvs: number, example: T): RolloutState<T> {
  const op = "rollout.init";
  checkInt(op, "numSteps", numSteps, 1);
  checkInt(op, "numEnvs", numEnvs, 1);
  if (tree.leaves(example).length === 0) throw new DriftError(op, `example must be a pytree with at least one array; got ${describe(example)}`);
  return { data: tree.map((x) => np.zeros([numSteps, numEnvs, ...x.shape], { dtype: x.dtype }), example), t: np.array(0, { dtype: "int32" }) };
}

/**
 * Writes one time step (leaves [N, ...], matching the storage; the error names the leaf) at row `t` and advances
 * `t`. Throws when the rollout is already full (checked when `t` is concrete). Jittable.
 */
export function add<T>(state: RolloutState<T>, step: T): RolloutState<T> {
  const op = "rollout.add";
  const [store, def] = tree.flatten(state?.data, op);
  const [leaves, sdef] = tree.flatten(step, op);
  if (!tree.treeDefEqual(def, sdef)) throw new DriftError(op, `step has structure ${tree.treeDefToString(sdef)} but the rollout stores ${tree.treeDefToString(def)}`);
  const paths = leafPaths(state.data);
  const T = store[0]!.shape[0]!;
  const t = concreteScalar(state.t);
  if (t !== null && t >= T) throw new DriftError(op, `the rollout is full (${T} steps); start a new one with rollout.init or reset t`);
  const rowMask = np.equal(np.arange(T, undefined, 1, { dtype: "int32" }), state.t);
  const data = store.map((s, i) => {
    const x = leaves[i]!;
    const want = s.shape.slice(1);
    if (x.ndim !== want.length || x.shape.some((d, j) => d !== want[j]))
      throw new DriftError(op, `leaf '${paths[i]}' has shape [${x.shape.join(",")}]; expected [${want.join(",")}] (numEnvs first)`);
    const mask = np.reshape(rowMask, [T, ...new globalThis.Array<number>(want.length).fill(1)]);
    return np.where(mask, np.broadcastTo(np.expandDims(x.astype(s.dtype), 0), s.shape), s);
  });
  return { data: tree.unflatten<T>(def, data), t: np.add(state.t, 1) };
}

/** Merges the time and environment axes: leaves [T, N, ...] → [T·N, ...] (row t·N + n is step t of env n). */
export function flatten<T>(data: T): T {
  return tree.map((x) => {
    if (x.ndim < 2) throw new DriftError("rollout.flatten", `every leaf needs [T, N, ...] axes; got shape [${x.shape.join(",")}]`);
    return np.reshape(x, [x.shape[0]! * x.shape[1]!, ...x.shape.slice(2)]);
  }, data);
}

/**
 * Shuffles a flat batch (leaves [B, ...]) with `key` and splits it into `numMinibatches` equal minibatches:
 * leaves [numMinibatches, B/numMinibatches, ...], ready for a loop or `lax.scan` over the first axis (PPO epochs).
 */
export function minibatches<T>(data: T, key: Array, numMinibatches: number): T {
  const op = "rollout.minibatches";
  checkInt(op, "numMinibatches", numMinibatches, 1);
  const leaves = tree.leaves(data);
  if (leaves.length === 0) throw new DriftError(op, "data has no arrays");
  const B = leaves[0]!.shape[0]!;
  const paths = leafPaths(data);
  leaves.forEach((x, i) => {
    if (x.shape[0] !== B) throw new DriftError(op, `leaf '${paths[i]}' has ${x.shape[0]} rows but leaf '${paths[0]}' has ${B}`);
  });
  if (B % numMinibatches !== 0) throw new DriftError(op, `batch of ${B} rows cannot be split into ${numMinibatches} equal minibatches`);
  const perm = random.permutation(key, B);
  return tree.map((x) => np.reshape(np.take(x, perm, 0), [numMinibatches, B / numMinibatches, ...x.shape.slice(1)]), data);
}
