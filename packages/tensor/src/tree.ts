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

/** Flattens a pytree into its array leaves (depth first, object keys in insertion order) and its structure. */
export function flatten(tree: unknown, op = "tree.flatten"): [Tensor[], TreeDef] {
  const leaves: Tensor[] = [];
  const walk = (x: unknown, path: string): TreeDef => {
    if (x instanceof Tensor) {
      leaves.push(x);
      return LEAF;
    }
    if (Array.isArray(x)) return { kind: "array", children: x.map((c, i) => walk(c, `${path}[${i}]`)) };
    if (isPlainObject(x)) {
      const keys = Object.keys(x);
      return { kind: "object", keys, children: keys.map((k) => walk(x[k], `${path}.${k}`)) };
    }
    if (x === null || x === undefined || typeof x === "number" || typeof x === "string" || typeof x === "boolean")
      return { kind: "static", value: x };
    throw new DriftError(op, `${path || "tree"} is a ${describe(x)}, which is not a pytree node (use plain objects, arrays, Drift arrays, numbers, strings or null)`);
  };
  const def = walk(tree, "");
  return [leaves, def];
}

/** Rebuilds a pytree of `def`'s structure from leaves in flatten order. */
export function unflatten<T = any>(def: TreeDef, leaves: readonly unknown[]): T {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        if (i >= leaves.length) throw new DriftError("tree.unflatten", `structure needs more than ${leaves.length} leaves`);
        return leaves[i++];
      case "static":
        return d.value;
      case "array":
        return d.children.map(build);
      case "object": {
        const o: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (o[k] = build(d.children[j]!)));
        return o;
      }
    }
  };
  const out = build(def);
  if (i !== leaves.length) throw new DriftError("tree.unflatten", `structure has ${i} leaves but ${leaves.length} were given`);
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
    case "array":
      return `[${def.children.map(treeDefToString).join(", ")}]`;
    case "object":
      return `{${def.keys.map((k, i) => `${k}: ${treeDefToString(def.children[i]!)}`).join(", ")}}`;
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
