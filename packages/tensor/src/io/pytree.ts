// Pytrees as named tensors plus a JSON description of their structure and static leaves (the checkpoint sidecar).
import { DriftError } from "../errors.ts";
import { Tensor as DriftArray } from "../core/tensor.ts";
import { METADATA_KEY, type Fail } from "./safetensors.ts";

/**
 * A JSON-safe pytree node: an array leaf by tensor name, a list, an object as ordered `[key, node]` pairs (a JSON
 * object would reorder integer-like keys), or a static leaf. Numbers JSON cannot hold (NaN, ±Infinity, -0) and
 * `undefined` get their own forms so static leaves round-trip exactly.
 */
export type TreeNode =
  | { tensor: string }
  | { list: TreeNode[] }
  | { dict: [string, TreeNode][] }
  | { static: string | number | boolean | null }
  | { number: SpecialNumber }
  | { undefined: true };

/** The numbers a JSON number cannot represent, by name. */
type SpecialNumber = "NaN" | "Infinity" | "-Infinity" | "-0";

/** Version of the sidecar layout written by `sidecarText`. */
const SIDECAR_VERSION = 1;
const SIDECAR_FORMAT = "drift.checkpoint";
const SPECIAL_NUMBERS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function describe(x: unknown): string {
  if (typeof x === "function") return "a function";
  if (typeof x === "object" && x !== null) return `a ${x.constructor?.name ?? "object with a custom prototype"}`;
  return `a ${typeof x}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sets an own enumerable property, so that a key such as `__proto__` is stored rather than changing the prototype. */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Walks a pytree (plain objects, JS arrays, Drift arrays, static numbers/strings/booleans/null/undefined) and names
 * each array leaf by its path joined with "." (`layers.0.w`). Rejects other values, cycles, and two leaves that
 * would get the same name (keys containing "." can collide with nested paths).
 */
export function describeTree(tree: unknown, op: string, what: string): { node: TreeNode; leaves: [string, DriftArray][] } {
  const leaves: [string, DriftArray][] = [];
  const names = new Set<string>();
  const open = new Set<object>();
  const walk = (x: unknown, path: string[]): TreeNode => {
    const at = path.length ? `'${path.join(".")}'` : "the root";
    if (x instanceof DriftArray) {
      const name = path.join(".");
      if (name === METADATA_KEY) throw new DriftError(op, `${what} has an array at '${name}', a name the safetensors format reserves for metadata`);
      if (names.has(name)) throw new DriftError(op, `${what} has two arrays named '${name}' (object keys containing "." collide with nested paths)`);
      names.add(name);
      leaves.push([name, x]);
      return { tensor: name };
    }
    if (x === undefined) return { undefined: true };
    if (x === null || typeof x === "string" || typeof x === "boolean") return { static: x };
    if (typeof x === "number") return Number.isFinite(x) && !Object.is(x, -0) ? { static: x } : { number: (Object.is(x, -0) ? "-0" : String(x)) as SpecialNumber };
    if (typeof x === "object") {
      const proto = Object.getPrototypeOf(x);
      if (Array.isArray(x) || proto === Object.prototype || proto === null) {
        if (open.has(x)) throw new DriftError(op, `${what} contains itself at ${at} (a cycle); pytrees must be trees`);
        open.add(x);
        const rec = x as Record<string, unknown>;
        const node: TreeNode = Array.isArray(x)
          ? { list: globalThis.Array.from({ length: x.length }, (_, i) => walk(x[i], [...path, String(i)])) }
          : { dict: Object.keys(rec).map((k) => [k, walk(rec[k], [...path, k])]) };
        open.delete(x);
        return node;
      }
    }
    throw new DriftError(
      op,
      `${what} holds ${describe(x)} at ${at}, which is not a pytree node (use plain objects, arrays, Drift arrays, numbers, strings, booleans or null)`,
    );
  };
  return { node: walk(tree, []), leaves };
}

/** The tensor names of a structure's array leaves, in flatten order. */
export function leafNames(node: TreeNode): string[] {
  if ("tensor" in node) return [node.tensor];
  if ("list" in node) return node.list.flatMap(leafNames);
  if ("dict" in node) return node.dict.flatMap(([, c]) => leafNames(c));
  return [];
}

/** Rebuilds a pytree from its structure, taking each array leaf by name. */
export function buildTree(node: TreeNode, take: (name: string) => DriftArray): unknown {
  if ("tensor" in node) return take(node.tensor);
  if ("list" in node) return node.list.map((c) => buildTree(c, take));
  if ("dict" in node) {
    const o: Record<string, unknown> = {};
    for (const [k, c] of node.dict) define(o, k, buildTree(c, take));
    return o;
  }
  if ("static" in node) return node.static;
  if ("number" in node) return SPECIAL_NUMBERS[node.number];
  return undefined;
}

/** The sidecar JSON: format tag, version, the id shared with the tensor file, and the tree structure. */
export function sidecarText(checkpointId: string, node: TreeNode): string {
  return `${JSON.stringify({ format: SIDECAR_FORMAT, version: SIDECAR_VERSION, checkpoint_id: checkpointId, tree: node }, null, 1)}\n`;
}

function checkNode(v: unknown, path: string[], fail: Fail): TreeNode {
  const at = path.length ? `'${path.join(".")}'` : "the root";
  const bad = (why: string) => fail(`tree node at ${at} ${why}`);
  if (!isRecord(v) || Object.keys(v).length !== 1)
    throw bad(`must be an object with exactly one of the keys tensor, list, dict, static, number, undefined`);
  const [kind, value] = Object.entries(v)[0]!;
  switch (kind) {
    case "tensor":
      if (typeof value !== "string") throw bad(`has a tensor name that is not a string`);
      return { tensor: value };
    case "list":
      if (!Array.isArray(value)) throw bad(`has a list that is not an array`);
      return { list: value.map((c, i) => checkNode(c, [...path, String(i)], fail)) };
    case "dict": {
      if (!Array.isArray(value)) throw bad(`has a dict that is not an array of [key, node] pairs`);
      const keys = new Set<string>();
      return {
        dict: value.map((pair): [string, TreeNode] => {
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") throw bad(`has a dict entry that is not a [key, node] pair`);
          if (keys.has(pair[0])) throw bad(`has the key '${pair[0]}' twice`);
          keys.add(pair[0]);
          return [pair[0], checkNode(pair[1], [...path, pair[0]], fail)];
        }),
      };
    }
    case "static":
      if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number") return { static: value };
      throw bad(`has a static value that is not a string, number, boolean or null`);
    case "number":
      if (typeof value === "string" && Object.hasOwn(SPECIAL_NUMBERS, value)) return { number: value as SpecialNumber };
      throw bad(`has number ${JSON.stringify(value)}; expected one of ${Object.keys(SPECIAL_NUMBERS).join(", ")}`);
    case "undefined":
      if (value === true) return { undefined: true };
      throw bad(`has undefined: ${JSON.stringify(value)}; expected true`);
    default:
      throw bad(`has unknown kind '${kind}' (expected tensor, list, dict, static, number or undefined)`);
  }
}

/** Parses and validates a sidecar written by `sidecarText`. */
export function parseSidecar(text: string, fail: Fail): { checkpointId: string; node: TreeNode } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc) || doc.format !== SIDECAR_FORMAT) throw fail(`not a Drift checkpoint sidecar (expected "format": "${SIDECAR_FORMAT}")`);
  if (doc.version !== SIDECAR_VERSION)
    throw fail(`has sidecar version ${JSON.stringify(doc.version)}; this Drift reads version ${SIDECAR_VERSION} (written by a newer Drift?)`);
  if (typeof doc.checkpoint_id !== "string") throw fail(`has no checkpoint_id string`);
  if (!("tree" in doc)) throw fail(`has no tree`);
  return { checkpointId: doc.checkpoint_id, node: checkNode(doc.tree, [], fail) };
}
