// Replay buffer: a fixed-capacity ring of pytrees in preallocated arrays, pure functional state, uniform and n-step sampling by key.
import { type Array, DriftError, lax, np, random, tree } from "@drift/tensor";
import { asFloat, checkFinite, checkInt, concreteScalar, describe, floatDtype, leafPaths } from "./util.ts";

/**
 * State of a replay buffer: `data` is the transition pytree with a leading capacity axis on every leaf, `ptr` the
 * slot the next item goes to and `size` the number of valid items (both int32 scalars). Items fill slots 0, 1, …
 * and then overwrite the oldest, so the valid slots are always 0 … size − 1. A pytree: jittable and saveable.
 */
export interface ReplayState<T> {
  data: T;
  ptr: Array;
  size: Array;
}

/** The capacity (static: the leading dimension of the storage). */
export function capacity<T>(state: ReplayState<T>): number {
  const leaves = tree.leaves(state?.data);
  if (leaves.length === 0) throw new DriftError("replay.capacity", "state.data has no arrays");
  return leaves[0]!.shape[0]!;
}

/**
 * An empty buffer of `capacity` items shaped like `example` (one transition: a pytree of arrays, e.g.
 * `{obs: [3], action: [1], reward: [], nextObs: [3], terminated: []}`); storage is preallocated as zeros
 * [capacity, ...leaf shape] in each leaf's dtype.
 */
export function init<T>(capacity: number, example: T): ReplayState<T> {
  const op = "replay.init";
  checkInt(op, "capacity", capacity, 1);
  const leaves = tree.leaves(example);
  if (leaves.length === 0) throw new DriftError(op, `example must be a pytree with at least one array; got ${describe(example)}`);
  return {
    data: tree.map((x) => np.zeros([capacity, ...x.shape], { dtype: x.dtype }), example),
    ptr: np.array(0, { dtype: "int32" }),
    size: np.array(0, { dtype: "int32" }),
  };
}

/** Batches up to this many rows are written row by row with dynamic_update_slice; larger ones in one masked pass. */
const ROW_WRITE_LIMIT = 64;

/**
 * Adds one transition (leaves shaped like the example) or a batch (leaves with one extra leading axis of the same
 * length B) at `ptr`, wrapping around and overwriting the oldest items; a batch longer than the capacity keeps its
 * last `capacity` items. Leaves are cast to the storage dtype. Every leaf must match the storage structure and
 * shape (the error names the leaf). Jittable (B is static). Up to 64 rows cost O(B · item) and are written in
 * place under `jit(add, {donateArgnums: 0})`; eagerly each call copies the buffer (arrays are immutable values).
 */
export function add<T>(state: ReplayState<T>, items: T): ReplayState<T> {
  const op = "replay.add";
  const [store, def] = tree.flatten(state?.data, op);
  const [leaves, idef] = tree.flatten(items, op);
  const paths = leafPaths(state.data);
  if (store.length === 0) throw new DriftError(op, "state.data has no arrays");
  if (!tree.treeDefEqual(def, idef))
    throw new DriftError(op, `items have structure ${tree.treeDefToString(idef)} but the buffer stores ${tree.treeDefToString(def)}`);
  const C = store[0]!.shape[0]!;
  let batch: number | null = null;
  let batched: boolean | null = null;
  leaves.forEach((x, i) => {
    const s = store[i]!;
    const item = s.shape.slice(1);
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, j) => d === b[j]);
    let isBatch: boolean;
    if (same(x.shape, item)) isBatch = false;
    else if (x.ndim === item.length + 1 && same(x.shape.slice(1), item)) isBatch = true;
    else
      throw new DriftError(
        op,
        `leaf '${paths[i]}' has shape [${x.shape.join(",")}]; expected [${item.join(",")}] for one transition or [B,${item.join(",")}] for a batch`,
      );
    const b = isBatch ? x.shape[0]! : 1;
    if (batched !== null && (batched !== isBatch || batch !== b))
      throw new DriftError(
        op,
        `leaf '${paths[i]}' is ${isBatch ? `a batch of ${b}` : "a single transition"} but earlier leaves are ${batched ? `a batch of ${batch}` : "a single transition"}`,
      );
    batched = isBatch;
    batch = b;
  });
  let B = batch!;
  let xs = leaves.map((x, i) => (batched ? x : np.expandDims(x, 0)).astype(store[i]!.dtype));
  let ptr = state.ptr;
  if (B > C) {
    xs = xs.map((x) => np.slice(x, [B - C, null]));
    ptr = np.rem(np.add(ptr, B - C), C);
    B = C;
  }
  let data: Array[];
  if (B <= ROW_WRITE_LIMIT) {
    // One dynamic_update_slice per row: O(B · item) work, done in place under jit with the state donated.
    data = store.map((s, i) => {
      let out = s;
      for (let j = 0; j < B; j++) {
        const row = np.slice(xs[i]!, [j, j + 1]);
        const at = j === 0 ? ptr : np.rem(np.add(ptr, j), C);
        out = lax.dynamicUpdateSlice(out, row, [at, ...new globalThis.Array<number>(s.ndim - 1).fill(0)]);
      }
      return out;
    });
  } else {
    // Large batches: slot c receives item (c − ptr) mod C when that is < B (one pass over the buffer).
    const offset = np.rem(np.add(np.sub(np.arange(C, undefined, 1, { dtype: "int32" }), ptr), C), C);
    const written = np.less(offset, B);
    const src = np.minimum(offset, B - 1);
    data = store.map((s, i) => {
      const picked = np.take(xs[i]!, src, 0);
      const mask = np.reshape(written, [C, ...new globalThis.Array<number>(s.ndim - 1).fill(1)]);
      return np.where(mask, picked, s);
    });
  }
  return {
    data: tree.unflatten<T>(def, data),
    ptr: np.rem(np.add(ptr, B), C),
    size: np.minimum(np.add(state.size, B), C),
  };
}

/** The items at storage slots `idx` (int32 [...]): every leaf gathered along axis 0. */
export function gather<T>(state: ReplayState<T>, idx: Array): T {
  return tree.map((x) => np.take(x, idx, 0), state.data);
}

function checkBatch(op: string, state: ReplayState<unknown>, batchSize: number): void {
  checkInt(op, "batchSize", batchSize, 1);
  const size = concreteScalar(state.size);
  if (size !== null && batchSize > size)
    throw new DriftError(op, `batchSize ${batchSize} is larger than the ${size} item${size === 1 ? "" : "s"} in the buffer; add more before sampling`);
}

/** Uniform random slots in [0, size) for a batch (int32 [batchSize]). */
export function sampleIndices<T>(state: ReplayState<T>, key: Array, batchSize: number): Array {
  checkBatch("replay.sampleIndices", state, batchSize);
  return random.randint(key, [batchSize], 0, state.size);
}

/**
 * A batch of `batchSize` transitions drawn uniformly with replacement from the valid items. Throws a DriftError when
 * `batchSize` exceeds the number of items (checked when the size is concrete, i.e. outside jit). Jittable.
 */
export function sample<T>(state: ReplayState<T>, key: Array, batchSize: number): T {
  checkBatch("replay.sample", state, batchSize);
  return gather(state, random.randint(key, [batchSize], 0, state.size));
}

/** Fields an n-step transition needs: the reward, the termination flag and the next observation (any pytree). */
export interface NStepFields {
  reward: Array;
  terminated: Array;
  nextObs: unknown;
  /** Optional time-limit flag: the window stops there and bootstraps from that step's `nextObs`. */
  truncated?: Array;
}

/** Options of `sampleNStep` / `gatherNStep`. */
export interface NStepOptions {
  /** Number of steps n ≥ 1 (n = 1 gives one-step transitions with discount γ·(1 − terminated)). */
  n: number;
  /** Discount factor γ. */
  gamma: number;
  /**
   * Slots between consecutive steps of one stream (default 1). When N environments add a batch of N transitions per
   * step, use stride N (the capacity must be a multiple of N).
   */
  stride?: number;
}

/** An n-step transition: the first step's fields with `reward` the discounted n-step reward, `nextObs` the bootstrap observation, plus `discount` and `steps`. */
export type NStepBatch<T> = T & {
  /** Multiplier of the bootstrap value: γᵐ·(1 − terminated at the last included step). */
  discount: Array;
  /** Number of rewards summed, m (int32). */
  steps: Array;
};

/**
 * n-step transitions starting at slots `idx`: walking forward from each slot through at most n steps of the same
 * stream, it sums R = Σ_{k<m} γᵏ·r_{t+k}, stopping after a step that terminated (or was truncated) and before data
 * newer than the buffer holds; `nextObs` comes from the last included step and `discount` = γᵐ·(1 − terminated
 * there), so the target is R + discount·V(nextObs). The other fields are those of the first step.
 */
export function gatherNStep<T extends NStepFields>(state: ReplayState<T>, idx: Array, opts: NStepOptions): NStepBatch<T> {
  const op = "replay.gatherNStep";
  checkInt(op, "n", opts?.n, 1);
  checkFinite(op, "gamma", opts.gamma);
  const stride = opts.stride ?? 1;
  checkInt(op, "stride", stride, 1);
  const data = state.data as T;
  for (const k of ["reward", "terminated", "nextObs"] as const)
    if (typeof data !== "object" || data === null || !(k in data)) throw new DriftError(op, `n-step sampling needs a '${k}' field in the transitions`);
  const C = capacity(state);
  if (C % stride !== 0) throw new DriftError(op, `capacity ${C} must be a multiple of stride ${stride}`);
  const { n, gamma } = opts;
  const dtype = floatDtype(data.reward);
  // Age rank of a slot: 0 for the oldest item (slot ptr once the buffer is full, slot 0 before).
  const full = np.greaterEqual(state.size, C);
  const start = np.where(full, state.ptr, 0);
  const rank0 = np.rem(np.add(np.sub(idx, start), C), C);
  const ends = (slot: Array): Array => {
    const t = asFloat(np.take(data.terminated, slot, 0), dtype);
    return data.truncated === undefined ? t : np.maximum(t, asFloat(np.take(data.truncated, slot, 0), dtype));
  };
  const expand = (mask: Array, like: Array): Array => np.reshape(mask, [...mask.shape, ...new globalThis.Array<number>(like.ndim - mask.ndim).fill(1)]);
  let alive = np.onesLike(asFloat(idx, dtype));
  let reward: Array | null = null;
  let last = idx;
  let steps = np.zerosLike(idx);
  let discount = np.onesLike(asFloat(idx, dtype));
  let scale = 1;
  for (let k = 0; k < n; k++) {
    const slot = np.rem(np.add(idx, k * stride), C);
    const available = np.less(np.add(rank0, k * stride), state.size);
    const take = np.logicalAnd(np.greater(alive, 0), available);
    const r = asFloat(np.take(data.reward, slot, 0), dtype);
    const contrib = np.mul(np.mul(r, expand(asFloat(take, dtype), r)), scale);
    reward = reward === null ? contrib : np.add(reward, contrib);
    last = np.where(take, slot, last);
    steps = np.add(steps, take.astype("int32"));
    scale *= gamma;
    discount = np.where(take, scale, discount);
    if (k < n - 1) alive = np.mul(asFloat(take, dtype), np.sub(1, ends(slot)));
  }
  const termLast = asFloat(np.take(data.terminated, last, 0), dtype);
  const first = gather(state, idx) as T;
  return {
    ...first,
    reward: reward!.astype(data.reward.dtype),
    nextObs: tree.map((x) => np.take(x, last, 0), data.nextObs),
    discount: np.mul(discount, np.sub(1, termLast)),
    steps,
  };
}

/** A batch of n-step transitions from uniformly drawn start slots (see `gatherNStep`). Jittable. */
export function sampleNStep<T extends NStepFields>(state: ReplayState<T>, key: Array, batchSize: number, opts: NStepOptions): NStepBatch<T> {
  checkBatch("replay.sampleNStep", state, batchSize);
  return gatherNStep(state, random.randint(key, [batchSize], 0, state.size), opts);
}
