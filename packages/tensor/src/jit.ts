// jit: trace a function once per input signature into a jaxpr, cache it, and run the cached program.
import { DriftError } from "./errors.ts";
import { ConcreteArray, DeviceArray, type Tensor, donatedError, getDeviceBackend, isEagerContext } from "./core/tensor.ts";
import { compiled } from "./jit/compile.ts";
import { type ClosedJaxpr, evalJaxpr, traceFlat } from "./core/jaxpr.ts";
import { type TreeDef, flatten, flattenInto, treeDefEqual, treeDefToString, unflatten } from "./tree.ts";
import { asTensor } from "./ops/coerce.ts";

/** Options of `jit`. */
export interface JitOptions {
  /** Positional arguments treated as compile-time constants (part of the cache key; must be JSON-serialisable). */
  staticArgnums?: number | readonly number[];
  /** Keys of a trailing plain-object argument treated as compile-time constants. */
  staticArgnames?: readonly string[];
  /** Arguments whose buffers the program may reuse for its outputs (CPU: updated in place; WebGPU: freed after the call). */
  donateArgnums?: number | readonly number[];
  /** Most signatures kept in the cache before the least recently used one is dropped (default 64; Infinity keeps all). */
  cacheSize?: number;
  /**
   * Where the compiled program runs: "cpu" (wasm), or "webgpu" (after `await setBackend("webgpu")` or `initWebgpu()`).
   * Default: the backend of the inputs (webgpu when any input lives there), else the default backend (`setBackend`).
   */
  backend?: "cpu" | "webgpu";
}

const BACKENDS = ["cpu", "webgpu"];

interface CacheEntry {
  program: ClosedJaxpr;
  outTree: TreeDef;
}

/** A jitted function: call it like the original; `cacheSize` reports how many signatures are traced. */
export interface JittedFunction<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Number of traced signatures currently cached. */
  readonly cacheSize: number;
  /** The traced program for these arguments (tracing it if needed), for inspection. */
  lower(...args: Parameters<F>): ClosedJaxpr & { toString(): string };
}

function asList(x: number | readonly number[] | undefined): number[] {
  return x === undefined ? [] : typeof x === "number" ? [x] : [...x];
}

function staticKey(op: string, what: string, value: unknown): string {
  try {
    const s = JSON.stringify(value);
    if (s === undefined) throw new Error("not serialisable");
    return s;
  } catch {
    throw new DriftError(op, `static ${what} must be JSON-serialisable (numbers, strings, booleans, plain objects); got ${typeof value}`);
  }
}

/**
 * `jit(f)` returns a function that traces `f` into a jaxpr on first use for each signature (tree structure,
 * shapes, dtypes, static values) and reuses it afterwards. Composes with grad, vmap and itself: under a
 * transformation the cached program is re-run through that transformation.
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOptions = {}): JittedFunction<F> {
  const op = "jit";
  const staticNums = asList(opts.staticArgnums);
  const donate = asList(opts.donateArgnums);
  /** Every argument number the options name (checked against each call's argument count). */
  const argNums = [...staticNums, ...donate];
  for (const n of argNums)
    if (!Number.isInteger(n) || n < 0) throw new DriftError(op, `argument numbers must be non-negative integers; got ${n}`);
  const staticNames = opts.staticArgnames ?? [];
  const capacity = opts.cacheSize ?? 64;
  if (!((Number.isInteger(capacity) || capacity === Infinity) && capacity >= 1))
    throw new DriftError(op, `cacheSize must be a positive integer or Infinity (signatures kept before the least recently used is dropped); got ${String(capacity)}`);
  if (opts.backend !== undefined && !BACKENDS.includes(opts.backend))
    throw new DriftError(op, `backend must be one of ${BACKENDS.map((b) => `"${b}"`).join(", ")}; got ${JSON.stringify(opts.backend)}`);
  const cache = new Map<string, CacheEntry>();

  /** Rebuilds the call's arguments from traced leaves (static ones from `args`) and traces `f` on them. */
  const trace = (args: any[], def: TreeDef, leaves: Tensor[], named: Record<string, unknown> | null): CacheEntry => {
    let outTree: TreeDef | null = null;
    const program = traceFlat(
      (...ins) => {
        const rebuilt = unflatten<any[]>(def, ins);
        const full = rebuilt.map((a, i) => (staticNums.includes(i) ? args[i] : named && i === args.length - 1 ? { ...a, ...named } : a));
        const [outs, d] = flatten(f(...full), op);
        outTree = d;
        return outs;
      },
      leaves.map((x) => x.aval),
    );
    return { program, outTree: outTree! };
  };

  /** The previous call's signature and entry. */
  let last: { statics: string; def: TreeDef; avalKeys: string[]; entry: CacheEntry } | null = null;

  const lookup = (args: any[]): { entry: CacheEntry; leaves: Tensor[]; donatedLeaves: Set<number> | null } => {
    for (const n of argNums) if (n >= args.length) throw new DriftError(op, `argument number ${n} is out of range: the function was called with ${args.length} arguments`);
    // One pass over the arguments: their leaves, their structures (one array node of them), the donated leaf positions
    // and the cache key (static values, structure, then each leaf's dtype and shape).
    const leaves: Tensor[] = [];
    const children: TreeDef[] = new Array(args.length);
    const donatedLeaves = donate.length ? new Set<number>() : null;
    let key = "";
    let named: Record<string, unknown> | null = null;
    for (let i = 0; i < args.length; i++) {
      let a = args[i];
      if (staticNums.includes(i)) {
        key += `s${i}=${staticKey(op, `argument ${i}`, a)}|`;
        a = undefined;
      } else if (staticNames.length && i === args.length - 1 && a && typeof a === "object" && Object.getPrototypeOf(a) === Object.prototype) {
        named = {};
        const rest: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(a)) {
          if (staticNames.includes(k)) {
            named[k] = v;
            key += `n${k}=${staticKey(op, `argument "${k}"`, v)}|`;
          } else rest[k] = v;
        }
        a = rest;
      } else if (typeof a === "number") a = asTensor(a, op);
      const first = leaves.length;
      children[i] = flattenInto(a, leaves, op, i);
      if (donatedLeaves && donate.includes(i)) for (let j = first; j < leaves.length; j++) donatedLeaves.add(j);
    }
    const def: TreeDef = { kind: "array", children };
    // The same signature as the previous call (the common case in a loop) skips building and hashing the key.
    if (last && last.statics === key && last.avalKeys.length === leaves.length && treeDefEqual(last.def, def)) {
      let same = true;
      for (let i = 0; i < leaves.length && same; i++) same = leaves[i]!.aval.key === last.avalKeys[i];
      if (same) return { entry: last.entry, leaves, donatedLeaves };
    }
    const statics = key;
    key += treeDefToString(def);
    for (const x of leaves) key += `|${x.aval.key}`;
    let entry = cache.get(key);
    if (entry) {
      cache.delete(key);
      cache.set(key, entry);
    } else {
      entry = trace(args, def, leaves, named);
      // Programs that captured tracers of an enclosing transformation are valid for this call only.
      if (!entry.program.consts.every((c) => c instanceof ConcreteArray || c instanceof DeviceArray)) return { entry, leaves, donatedLeaves };
      cache.set(key, entry);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    }
    // The entry is now the most recently used, so it stays cached while it is `last`.
    last = { statics, def, avalKeys: leaves.map((x) => x.aval.key), entry };
    return { entry, leaves, donatedLeaves };
  };

  const jitted = ((...args: any[]) => {
    const { entry, leaves, donatedLeaves } = lookup(args);
    const inputs = [...entry.program.consts, ...leaves];
    // Concrete inputs outside any transformation run the compiled program; otherwise the jaxpr is
    // re-evaluated through the active transformations (inlined into an enclosing jit, differentiated, batched).
    if (!(isEagerContext() && inputs.every((x) => x instanceof ConcreteArray || x instanceof DeviceArray))) return unflatten(entry.outTree, evalJaxpr(entry.program.jaxpr, inputs));
    const device = getDeviceBackend();
    const onDevice = opts.backend === undefined ? device?.claims(inputs) : opts.backend !== "cpu";
    if (onDevice) {
      if (!device || device.name !== opts.backend && opts.backend !== undefined)
        throw new DriftError(op, `backend "${opts.backend}" is not initialised: call \`await setBackend("${opts.backend}")\` (or initWebgpu) first`);
      // Donated device arrays free their buffers once the call is queued (unless also passed in a kept position).
      const nConsts = entry.program.consts.length;
      const donated = new Set<number>();
      if (donatedLeaves) {
        const keptArrays = new Set(leaves.filter((_, i) => !donatedLeaves.has(i)));
        for (const i of donatedLeaves) if (!keptArrays.has(leaves[i]!)) donated.add(nConsts + i);
      }
      return unflatten(entry.outTree, device.runJaxpr(entry.program.jaxpr, inputs, donated));
    }
    const onGpu = inputs.find((x) => x instanceof DeviceArray) as DeviceArray | undefined;
    if (onGpu) throw new DriftError(op, `backend "cpu" was asked for, but an input ${onGpu.aval} lives on ${onGpu.device}: bring it back with \`await deviceGet(x)\` first`);
    const concreteInputs = inputs as ConcreteArray[];
    for (const x of concreteInputs) if (x.donated) throw donatedError(op);
    if (!donatedLeaves) return unflatten(entry.outTree, compiled(entry.program.jaxpr).run(concreteInputs));
    const nConsts = entry.program.consts.length;
    // A donated buffer that is also passed in another (non-donated) position cannot be overwritten.
    const kept = new Set(leaves.filter((_, i) => !donatedLeaves.has(i)).map((x) => (x as ConcreteArray).buf));
    const donated = new Set<number>();
    for (const i of donatedLeaves) if (!kept.has((leaves[i] as ConcreteArray).buf)) donated.add(nConsts + i);
    const outs = compiled(entry.program.jaxpr).run(concreteInputs, donated);
    const donatedArrays = new Set([...donatedLeaves].map((i) => leaves[i] as ConcreteArray));
    for (const x of donatedArrays) x.donated = true;
    // An output that is a donated input itself gets a fresh handle on the same buffer.
    return unflatten(
      entry.outTree,
      outs.map((o) => (donatedArrays.has(o) ? new ConcreteArray(o.aval, o.buf) : o)),
    );
  }) as JittedFunction<F>;
  Object.defineProperty(jitted, "cacheSize", { get: () => cache.size });
  Object.defineProperty(jitted, "lower", {
    value: (...args: any[]) => {
      const { program } = lookup(args).entry;
      return { ...program, toString: () => program.jaxpr.toString() };
    },
  });
  return jitted;
}
