// Checkpoints: a pytree's arrays in a safetensors file, its structure and static leaves in a JSON sidecar beside it.
import { randomUUID } from "node:crypto";
import { DriftError } from "../errors.ts";
import type { Tensor as DriftArray } from "../core/tensor.ts";
import { readIfExists, readIfExistsSync, readPart, readPartSync, writeFilesAtomic, writeFilesAtomicSync, type PendingFile } from "./files.ts";
import { buildTree, describeTree, leafNames, parseSidecar, sidecarText, type TreeNode } from "./pytree.ts";
import {
  checkMetadata,
  decodeFile,
  encodeChunks,
  fmtShape,
  parseHeader,
  readHeaderLength,
  type Fail,
  type ParsedHeader,
} from "./safetensors.ts";

/** Options of `save` / `saveSync`. */
export interface SaveOptions {
  /** Strings stored in the safetensors `__metadata__` map, readable by any safetensors tool; read back with `readMetadata`. */
  metadata?: Record<string, string>;
}

/** Options of `load` / `loadSync`. */
export interface LoadOptions<T> {
  /**
   * A pytree of arrays the checkpoint must match: the same tensor names, shapes and dtypes, no more and no fewer.
   * The result has `like`'s structure and static leaves; the sidecar is not read.
   */
  like?: T;
}

/** The arrays and metadata map of a safetensors file. */
export interface SafetensorsContents {
  /** Tensors by name, in the order of their data in the file. */
  tensors: Map<string, DriftArray>;
  metadata: Record<string, string>;
}

/** Metadata key holding the id that ties a tensor file to the sidecar written with it (hidden from `readMetadata`). */
const CHECKPOINT_ID_KEY = "drift.checkpoint_id";

/** The sidecar path of a checkpoint: `<path>.json`. */
function sidecarPath(path: string): string {
  return `${path}.json`;
}

function failFor(op: string, path: string): Fail {
  return (what) => new DriftError(op, `${path}: ${what}`);
}

/** Rethrows an I/O error as a DriftError naming the file (DriftErrors pass through). */
function ioError(op: string, action: string, path: string, e: unknown): DriftError {
  if (e instanceof DriftError) return e;
  const err = new DriftError(op, `could not ${action} ${path}: ${(e as Error).message}`);
  err.cause = e;
  return err;
}

/** Validates and serialises everything before any file is touched, so a bad tree never leaves files behind. */
function prepareSave(path: string, tree: unknown, opts: SaveOptions, op: string): PendingFile[] {
  if (typeof path !== "string" || path === "") throw new DriftError(op, `path must be a non-empty string; got ${JSON.stringify(path)}`);
  const { node, leaves } = describeTree(tree, op, "tree");
  const metadata = checkMetadata(opts.metadata ?? {}, op);
  if (Object.hasOwn(metadata, CHECKPOINT_ID_KEY)) throw new DriftError(op, `metadata key '${CHECKPOINT_ID_KEY}' is reserved for Drift`);
  const id = randomUUID();
  return [
    { path, chunks: encodeChunks(leaves, { ...metadata, [CHECKPOINT_ID_KEY]: id }, op) },
    { path: sidecarPath(path), chunks: [new TextEncoder().encode(sidecarText(id, node))] },
  ];
}

/**
 * Saves a pytree of arrays to `path` (a safetensors file; conventionally `*.safetensors`) and its structure to
 * `<path>.json`. Arrays are named by their tree path joined with "." (`layers.0.w`); numbers, strings, booleans,
 * null and undefined are kept in the sidecar. Both files are written to temporary files in the target directory
 * (created if missing), flushed, then renamed into place, so an interrupted save never leaves a partial file;
 * an id shared by both files lets `load` detect a pair from different saves.
 */
export async function save(path: string, tree: unknown, opts: SaveOptions = {}): Promise<void> {
  const files = prepareSave(path, tree, opts, "save");
  try {
    await writeFilesAtomic(files);
  } catch (e) {
    throw ioError("save", "write checkpoint", path, e);
  }
}

/** Synchronous `save`. */
export function saveSync(path: string, tree: unknown, opts: SaveOptions = {}): void {
  const files = prepareSave(path, tree, opts, "saveSync");
  try {
    writeFilesAtomicSync(files);
  } catch (e) {
    throw ioError("saveSync", "write checkpoint", path, e);
  }
}

/** Checks the file's tensors against `like` (first mismatch by name, in flatten order) and returns them in its shape. */
function shapeLike<T>(like: T, tensors: Map<string, DriftArray>, fail: Fail, op: string): T {
  const { node, leaves } = describeTree(like, op, "like");
  const expected = new Map(leaves);
  for (const [name, want] of leaves) {
    const got = tensors.get(name);
    const sig = (x: DriftArray) => `${x.dtype} ${fmtShape(x.shape)}`;
    if (!got) throw fail(`has no tensor '${name}' (like expects ${sig(want)})`);
    if (got.dtype !== want.dtype || got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i]))
      throw fail(`tensor '${name}': like expects ${sig(want)}, found ${sig(got)}`);
  }
  for (const [name, got] of tensors)
    if (!expected.has(name)) throw fail(`holds tensor '${name}' (${got.dtype} ${fmtShape(got.shape)}) that like does not have`);
  return buildTree(node, (name) => tensors.get(name)!) as T;
}

/** Rebuilds the saved pytree from the sidecar, checking that it was written with this tensor file and names each tensor once. */
function shapeFromSidecar(text: string, header: ParsedHeader, tensors: Map<string, DriftArray>, path: string, op: string): unknown {
  const fail = failFor(op, sidecarPath(path));
  const { checkpointId, node } = parseSidecar(text, fail);
  const fileId = header.metadata[CHECKPOINT_ID_KEY];
  if (checkpointId !== fileId)
    throw fail(
      `belongs to checkpoint ${checkpointId} but ${path} ${fileId === undefined ? "has no Drift checkpoint id" : `is checkpoint ${fileId}`}; ` +
        `the files come from different saves (an interrupted save, or a file copied over the other)`,
    );
  const used = new Set<string>();
  for (const name of leafNames(node)) {
    if (used.has(name)) throw fail(`names tensor '${name}' twice`);
    if (!tensors.has(name)) throw fail(`names tensor '${name}', which ${path} does not hold`);
    used.add(name);
  }
  for (const name of tensors.keys()) if (!used.has(name)) throw fail(`does not place tensor '${name}' of ${path} in the tree`);
  return buildTree(node, (name) => tensors.get(name)!);
}

/** A flat object of the tensors by name, for safetensors files without a sidecar. */
function flatTree(tensors: Map<string, DriftArray>): Record<string, DriftArray> {
  const node: TreeNode = { dict: [...tensors.keys()].map((name) => [name, { tensor: name }]) };
  return buildTree(node, (name) => tensors.get(name)!) as Record<string, DriftArray>;
}

/** Decodes a checkpoint read from disk; `sidecar` is null when there is none (or `like` makes it unneeded). */
function fromBytes<T>(op: string, path: string, file: Uint8Array | null, sidecar: Uint8Array | null, like: T | undefined): T {
  if (!file) throw new DriftError(op, `${path}: no such checkpoint file`);
  const { header, tensors } = decodeFile(file, failFor(op, path));
  if (like !== undefined) return shapeLike(like, tensors, failFor(op, path), op);
  if (!sidecar) return flatTree(tensors) as T;
  return shapeFromSidecar(new TextDecoder().decode(sidecar), header, tensors, path, op) as T;
}

/**
 * Loads a checkpoint written by `save`, validating the safetensors file completely (malformed or truncated files
 * throw a DriftError naming the file and the problem). With `like`, the tensors must match it by name, shape and
 * dtype and the result is shaped like it. Without `like`, the sidecar `<path>.json` rebuilds the saved pytree,
 * static leaves included; a safetensors file with no sidecar (e.g. from another library) loads as a flat object
 * `{name: array}`.
 */
export async function load<T = any>(path: string, opts: LoadOptions<T> = {}): Promise<T> {
  const read = (p: string) =>
    readIfExists(p).catch((e: unknown) => {
      throw ioError("load", "read", p, e);
    });
  const file = await read(path);
  const sidecar = opts.like === undefined && file ? await read(sidecarPath(path)) : null;
  return fromBytes("load", path, file, sidecar, opts.like);
}

/** Synchronous `load`. */
export function loadSync<T = any>(path: string, opts: LoadOptions<T> = {}): T {
  const read = (p: string) => {
    try {
      return readIfExistsSync(p);
    } catch (e) {
      throw ioError("loadSync", "read", p, e);
    }
  };
  const file = read(path);
  const sidecar = opts.like === undefined && file ? read(sidecarPath(path)) : null;
  return fromBytes("loadSync", path, file, sidecar, opts.like);
}

/** The user metadata of a header (without Drift's checkpoint id). */
function userMetadata(header: ParsedHeader): Record<string, string> {
  const { [CHECKPOINT_ID_KEY]: _id, ...rest } = header.metadata;
  return rest;
}

/** Reads the `metadata` saved with a checkpoint (any safetensors file's `__metadata__`), reading and validating only the header. */
export async function readMetadata(path: string): Promise<Record<string, string>> {
  const fail = failFor("readMetadata", path);
  try {
    return await readPart(path, async (size, read) => {
      const n = readHeaderLength(await read(0, Math.min(size, 8)), size, fail);
      return userMetadata(parseHeader(await read(8, n), size - 8 - n, fail));
    });
  } catch (e) {
    throw ioError("readMetadata", "read", path, e);
  }
}

/** Synchronous `readMetadata`. */
export function readMetadataSync(path: string): Record<string, string> {
  const fail = failFor("readMetadataSync", path);
  try {
    return readPartSync(path, (size, read) => {
      const n = readHeaderLength(read(0, Math.min(size, 8)), size, fail);
      return userMetadata(parseHeader(read(8, n), size - 8 - n, fail));
    });
  } catch (e) {
    throw ioError("readMetadataSync", "read", path, e);
  }
}

/**
 * Serialises named arrays to safetensors bytes (no sidecar, no files): for browsers or custom storage.
 * Tensors are laid out by decreasing item size so each is aligned in the file; `metadata` becomes `__metadata__`.
 */
export function encodeSafetensors(
  tensors: Record<string, DriftArray> | ReadonlyMap<string, DriftArray>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const chunks = encodeChunks(entries, metadata, "encodeSafetensors");
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Parses and fully validates safetensors bytes; errors name `source` (default "safetensors buffer"). */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors buffer"): SafetensorsContents {
  const { header, tensors } = decodeFile(bytes, failFor("decodeSafetensors", source));
  return { tensors, metadata: header.metadata };
}
