// Pytrees: nested plain objects and arrays whose leaves are Drift arrays; other scalars are static structure.
import { DriftError } from "./errors.ts";
import { Tensor } from "./core/tensor.ts";

/** A value whose structure is kept by flatten/unflatten: arrays (tuples), plain objects, static scalars. */
export type Static = number | string | boolean | null | undefined;

/** The structure of a pytree with its leaves removed; compare with `treeDefEqual`. */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "static"; readonly value: Static }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

const LEAF: TreeDef = { kind: "leaf" };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(x: unknown): string {
  if (typeof x === "object" && x !== null) return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/** True for the scalars a pytree keeps as static structure. */
function isStatic(x: unknown): x is Static {
  return x === null || x === undefined || typeof x === "number" || typeof x === "string" || typeof x === "boolean";
}

/** Shared nodes for the common static values (flatten runs on every jit call, so it allocates as little as it can). */
const NULL_NODE: TreeDef = { kind: "static", value: null };
const UNDEFINED_NODE: TreeDef = { kind: "static", value: undefined };

/** The structure of `x` with its leaves appended to `leaves`; undefined where some node is not a pytree node. */
function walk(x: unknown, leaves: Tensor[]): TreeDef | undefined {
  if (x instanceof Tensor) {
    leaves.push(x);
    return LEAF;
  }
  if (Array.isArray(x)) {
    const children: TreeDef[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const child = walk(x[i], leaves);
      if (child === undefined) return undefined;
      children[i] = child;
    }
    return { kind: "array", children };
  }
  if (isPlainObject(x)) {
    const keys = Object.keys(x);
    const children: TreeDef[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const child = walk(x[keys[i]!], leaves);
      if (child === undefined) return undefined;
      children[i] = child;
    }
    return { kind: "object", keys, children };
  }
  if (x === null) return NULL_NODE;
  if (x === undefined) return UNDEFINED_NODE;
  return isStatic(x) ? { kind: "static", value: x } : undefined;
}

/** The first node of `x` that is not a pytree node, with its path (e.g. `.params[1].w`), or undefined. */
function findBadNode(x: unknown, path: string): { path: string; value: unknown } | undefined {
  if (x instanceof Tensor || isStatic(x)) return undefined;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const bad = findBadNode(x[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (isPlainObject(x)) {
    for (const k of Object.keys(x)) {
      const bad = findBadNode(x[k], `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return { path, value: x };
}

/**
 * Appends the array leaves of `tree` to `leaves` (in {@link flatten}'s order) and returns its structure. Errors name
 * the bad node's path, prefixed by `argument N` when `argument` (the tree's position in a call) is given.
 */
export function flattenInto(tree: unknown, leaves: Tensor[], op = "tree.flatten", argument?: number): TreeDef {
  const def = walk(tree, leaves);
  if (def === undefined) {
    const bad = findBadNode(tree, "")!;
    const where = argument === undefined ? bad.path || "tree" : `argument ${argument}${bad.path}`;
    throw new DriftError(op, `${where} is a ${describe(bad.value)}, which is not a pytree node (use plain objects, arrays, Drift arrays, numbers, strings or null)`);
  }
  return def;
}

/** Flattens a pytree into its array leaves (depth first, object keys in insertion order) and its structure. */
export function flatten(tree: unknown, op = "tree.flatten"): [Tensor[], TreeDef] {
  const leaves: Tensor[] = [];
  return [leaves, flattenInto(tree, leaves, op)];
}

/** Builds the subtree `def` from `leaves`, starting at `cursor.next` (advanced past the leaves used). */
function build(def: TreeDef, leaves: readonly unknown[], cursor: { next: number }): unknown {
  switch (def.kind) {
    case "leaf":
      if (cursor.next >= leaves.length) throw new DriftError("tree.unflatten", `structure needs more than ${leaves.length} leaves`);
      return leaves[cursor.next++];
    case "static":
      return def.value;
    case "array": {
      const out: unknown[] = new Array(def.children.length);
      for (let i = 0; i < def.children.length; i++) out[i] = build(def.children[i]!, leaves, cursor);
      return out;
    }
    case "object": {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < def.keys.length; i++) o[def.keys[i]!] = build(def.children[i]!, leaves, cursor);
      return o;
    }
  }
}

/** Rebuilds a pytree of `def`'s structure from leaves in flatten order. */
export function unflatten<T = any>(def: TreeDef, leaves: readonly unknown[]): T {
  const cursor = { next: 0 };
  const out = build(def, leaves, cursor);
  if (cursor.next !== leaves.length) throw new DriftError("tree.unflatten", `structure has ${cursor.next} leaves but ${leaves.length} were given`);
  return out as T;
}

/** The array leaves of a pytree. */
export function leaves(tree: unknown): Tensor[] {
  return flatten(tree, "tree.leaves")[0];
}

/** The structure of a pytree. */
export function structure(tree: unknown): TreeDef {
  return flatten(tree, "tree.structure")[1];
}

/** Number of leaves a structure holds. */
export function numLeaves(def: TreeDef): number {
  switch (def.kind) {
    case "leaf":
      return 1;
    case "static":
      return 0;
    default:
      return def.children.reduce((n, c) => n + numLeaves(c), 0);
  }
}

/** True when two structures are the same (same keys, lengths and static values). */
export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "leaf":
      return true;
    case "static":
      return a.value === (b as typeof a).value;
    case "array": {
      const bc = (b as typeof a).children;
      return a.children.length === bc.length && a.children.every((c, i) => treeDefEqual(c, bc[i]!));
    }
    case "object": {
      const bo = b as typeof a;
      return a.keys.length === bo.keys.length && a.keys.every((k, i) => k === bo.keys[i] && treeDefEqual(a.children[i]!, bo.children[i]!));
    }
  }
}

/** A compact text form of a structure, e.g. `{w: *, b: *}`. */
export function treeDefToString(def: TreeDef): string {
  switch (def.kind) {
    case "leaf":
      return "*";
    case "static":
      return JSON.stringify(def.value) ?? "undefined";
    case "array": {
      let text = "[";
      for (let i = 0; i < def.children.length; i++) text += (i ? ", " : "") + treeDefToString(def.children[i]!);
      return text + "]";
    }
    case "object": {
      let text = "{";
      for (let i = 0; i < def.keys.length; i++) text += `${i ? ", " : ""}${def.keys[i]}: ${treeDefToString(def.children[i]!)}`;
      return text + "}";
    }
  }
}

/** Maps `f` over the leaves of `tree` (and the matching leaves of `rest`, which must share its structure). */
export function map<T>(f: (x: Tensor, ...rest: Tensor[]) => Tensor, tree: T, ...rest: T[]): T {
  const [ls, def] = flatten(tree, "tree.map");
  const others = rest.map((r, k) => {
    const [rl, rdef] = flatten(r, "tree.map");
    if (!treeDefEqual(def, rdef))
      throw new DriftError("tree.map", `tree ${k + 1} has structure ${treeDefToString(rdef)} but the first has ${treeDefToString(def)}`);
    return rl;
  });
  return unflatten<T>(
    def,
    ls.map((x, i) => f(x, ...others.map((o) => o[i]!))),
  );
}
