// Shared-memory protocol of workerVectorEnv: control words, the per-leaf data layout, and pytree skeletons.
import { type Array, type DType, DriftError, np } from "@drift/tensor";

/** Int32 slots of the control header shared by all workers. */
export const HEADER = {
  /** Low word of the reset key (uint32 bits). */
  KEY0: 0,
  /** High word of the reset key (uint32 bits). */
  KEY1: 1,
  /** Step number since the last reset (selects the step key). */
  T: 2,
  /** Dtype code (`DTYPES` index) of the caller's action array. */
  ACTION_DTYPE: 3,
  /** Command for this round (`CMD`). */
  CMD: 4,
} as const;

/** Slots of the header; each worker's block follows at `HEADER_SIZE + w·WORKER_STRIDE`. */
export const HEADER_SIZE = 8;
/** Int32 slots per worker block. */
export const WORKER_STRIDE = 8;
/** Offsets inside a worker block. */
export const SLOT = {
  /** Sequence number of the latest request (written by the caller, waited on by the worker). */
  REQ: 0,
  /** Sequence number of the latest finished request (written by the worker, waited on by the caller). */
  DONE: 1,
  /** 0 when the request succeeded, 1 when it threw (message in the error area). */
  STATUS: 2,
  /** Bytes of the UTF-8 error message. */
  ERRLEN: 3,
} as const;

/** Commands. */
export const CMD = { RESET: 1, STEP: 2, CLOSE: 3 } as const;

/** Bytes of error text each worker may leave. */
export const ERROR_BYTES = 4096;

/** Dtypes by code (the code travels in an Int32 slot). */
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"];

/** Shape (of one copy) and dtype of one array leaf. */
export interface LeafSpec {
  /** Per-copy shape (the batch axis is not included). */
  shape: number[];
  /** Element type. */
  dtype: DType;
}

/** A Box space as plain data. */
export interface BoxSpec extends LeafSpec {
  /** Lower bounds (flattened). */
  low: number[];
  /** Upper bounds (flattened). */
  high: number[];
}

/** A pytree with its array leaves replaced by `{ [LEAF]: index }` markers, plus the specs of those leaves. */
export interface TreeSpec {
  /** The structure (plain objects, JS arrays, static leaves, markers). */
  skeleton: unknown;
  /** The array leaves in marker order. */
  leaves: LeafSpec[];
}

/** What a worker learns about the env by resetting and stepping one probe copy; the caller sizes shared memory from it. */
export interface EnvLayout {
  /** Action space of one copy. */
  action: BoxSpec;
  /** Observation space of one copy. */
  observation: BoxSpec;
  /** Observation leaf. */
  obs: LeafSpec;
  /** Reward leaf. */
  reward: LeafSpec;
  /** The env's own state (without the time-limit counter). */
  state: TreeSpec;
  /** The env's step info (without the auto-reset keys). */
  info: TreeSpec;
  /** Whether `step` output depends on its key (then exact per-copy step keys are derived). */
  stepUsesKey: boolean;
}

/** Typed array views of one data buffer, each with a leading copy axis. */
export interface Regions {
  /** Actions as float64 [N·actionSize]. */
  actions: Float64Array;
  /** Observations after auto-reset. */
  obs: ArrayLikeTyped;
  /** Observations before auto-reset (the episode's last one where a copy finished). */
  finalObs: ArrayLikeTyped;
  /** Rewards. */
  reward: ArrayLikeTyped;
  /** Terminated flags (0/1). */
  terminated: Uint8Array;
  /** Truncated flags (0/1). */
  truncated: Uint8Array;
  /** Time-limit step counters. */
  t: Int32Array;
  /** State leaves. */
  state: ArrayLikeTyped[];
  /** Info leaves. */
  info: ArrayLikeTyped[];
}

/** Any of the typed arrays Drift arrays are stored in. */
export type ArrayLikeTyped = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
} as const;

/** Elements in one copy of a leaf. */
export function leafSize(spec: LeafSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Dtype and element count of every region, in buffer order: actions, obs, finalObs, reward, flags, t, state, info. */
function regionSpecs(layout: EnvLayout, numEnvs: number): [DType, number][] {
  const leaf = (s: LeafSpec): [DType, number] => [s.dtype, numEnvs * leafSize(s)];
  return [
    ["float64", numEnvs * leafSize(layout.action)],
    leaf(layout.obs),
    leaf(layout.obs),
    leaf(layout.reward),
    ["bool", numEnvs],
    ["bool", numEnvs],
    ["int32", numEnvs],
    ...layout.state.leaves.map(leaf),
    ...layout.info.leaves.map(leaf),
  ];
}

/** Byte offset of every region (each 8-byte aligned) and the total size. */
function offsets(specs: [DType, number][]): { starts: number[]; bytes: number } {
  let bytes = 0;
  const starts = specs.map(([dtype, count]) => {
    const start = bytes;
    bytes += Math.ceil((count * CTORS[dtype].BYTES_PER_ELEMENT) / 8) * 8;
    return start;
  });
  return { starts, bytes };
}

/** Bytes of the data buffer for `numEnvs` copies. */
export function dataBytes(layout: EnvLayout, numEnvs: number): number {
  return offsets(regionSpecs(layout, numEnvs)).bytes;
}

/** Views of a data buffer of `dataBytes(layout, numEnvs)` bytes; the caller and every worker get the same offsets. */
export function carve(layout: EnvLayout, numEnvs: number, buffer: SharedArrayBuffer): Regions {
  const specs = regionSpecs(layout, numEnvs);
  const { starts } = offsets(specs);
  // Typed arrays accept SharedArrayBuffers; ES2023's lib types only name ArrayBuffer in the constructors.
  const views = specs.map(([dtype, count], i): ArrayLikeTyped => new CTORS[dtype](buffer as unknown as ArrayBuffer, starts[i]!, count));
  const nState = layout.state.leaves.length;
  return {
    actions: views[0] as Float64Array,
    obs: views[1]!,
    finalObs: views[2]!,
    reward: views[3]!,
    terminated: views[4] as Uint8Array,
    truncated: views[5] as Uint8Array,
    t: views[6] as Int32Array,
    state: views.slice(7, 7 + nState),
    info: views.slice(7 + nState),
  };
}

/** Marker key of a leaf in a skeleton. */
const LEAF = "__driftWorkerLeaf";

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/** Replaces every Drift array in `t` by a marker and returns the structure with the leaves' specs and the arrays. */
export function describeTree(t: unknown): TreeSpec & { arrays: Array[] } {
  const arrays: Array[] = [];
  const walk = (x: unknown): unknown => {
    if (x instanceof np.Array) {
      arrays.push(x);
      return { [LEAF]: arrays.length - 1 };
    }
    if (globalThis.Array.isArray(x)) return x.map(walk);
    if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
    if (x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return x;
    throw new DriftError("workerVectorEnv", `env outputs must be pytrees of arrays, plain objects, JS arrays and static numbers/strings; found ${typeof x}`);
  };
  const skeleton = walk(t);
  return { skeleton, leaves: arrays.map((a) => ({ shape: [...a.shape], dtype: a.dtype })), arrays };
}

/** The leaves of `t` in `describeTree` order (the structure is assumed equal to the described one). */
export function treeArrays(t: unknown, out: Array[] = []): Array[] {
  if (t instanceof np.Array) out.push(t);
  else if (globalThis.Array.isArray(t)) for (const x of t) treeArrays(x, out);
  else if (isPlainObject(t)) for (const v of Object.values(t)) treeArrays(v, out);
  return out;
}

/** Rebuilds a pytree from a skeleton, putting `leaves[i]` where marker i is. */
export function fillTree(skeleton: unknown, leaves: readonly Array[]): unknown {
  if (globalThis.Array.isArray(skeleton)) return skeleton.map((x) => fillTree(x, leaves));
  if (isPlainObject(skeleton)) {
    if (LEAF in skeleton) return leaves[skeleton[LEAF] as number];
    return Object.fromEntries(Object.entries(skeleton).map(([k, v]) => [k, fillTree(v, leaves)]));
  }
  return skeleton;
}
