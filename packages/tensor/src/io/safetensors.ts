// The safetensors format (github.com/huggingface/safetensors): encoding named arrays and strictly validated decoding.
import * as np from "../numpy.ts";
import { ConcretizationError, DriftError } from "../errors.ts";
import { Tensor as DriftArray } from "../core/tensor.ts";
import type { DType, TypedArray } from "../dtype.ts";

/** Largest header the reference implementation accepts, in bytes. */
const MAX_HEADER_BYTES = 100_000_000;

/** The header key reserved for the free-form string-to-string metadata map. */
export const METADATA_KEY = "__metadata__";

/** Safetensors dtype name and item size in bytes of each Drift dtype (bool is one 0/1 byte). */
const FILE_DTYPE: Record<DType, { name: string; bytes: number }> = {
  float64: { name: "F64", bytes: 8 },
  float32: { name: "F32", bytes: 4 },
  int32: { name: "I32", bytes: 4 },
  uint32: { name: "U32", bytes: 4 },
  bool: { name: "BOOL", bytes: 1 },
};

const DRIFT_DTYPE: Readonly<Record<string, DType>> = { F64: "float64", F32: "float32", I32: "int32", U32: "uint32", BOOL: "bool" };

const TYPED: Record<DType, new (buffer: ArrayBuffer) => TypedArray> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor as described by a safetensors header. */
export interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte range in the data section (after the header), end exclusive. */
  begin: number;
  end: number;
}

/** A validated header: tensors sorted by offset, the metadata map, and where the data section starts in the file. */
export interface ParsedHeader {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/** Builds the error for a malformed file: `op: source: what`. */
export type Fail = (what: string) => DriftError;

/** Formats a shape as `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reverses the bytes of each `width`-byte element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** Joins `[key, value]` pairs into a JSON object text, keeping their order (integer-like keys would reorder in a JS object). */
function jsonObject(pairs: readonly (readonly [string, string])[]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}

/** Checks that user metadata is a string-to-string map, as the format requires. */
export function checkMetadata(metadata: unknown, op: string): Record<string, string> {
  if (!isRecord(metadata)) throw new DriftError(op, `metadata must be an object of strings; got ${typeName(metadata)}`);
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== "string") throw new DriftError(op, `metadata values must be strings; metadata['${k}'] is ${typeName(v)}`);
  return metadata as Record<string, string>;
}

/**
 * Serialises named arrays as safetensors chunks: the 8-byte header length, the header (space-padded to a multiple
 * of 8 as the reference writer does), then each tensor's bytes. Tensors are laid out by decreasing item size (stable
 * otherwise), so every tensor starts at a file offset that is a multiple of its item size, as zero-copy readers need.
 * On little-endian hosts the data chunks are views of the arrays' storage, not copies.
 */
export function encodeChunks(tensors: readonly (readonly [string, DriftArray])[], metadata: Record<string, string> | undefined, op: string): Uint8Array[] {
  const seen = new Set<string>();
  const items = tensors.map(([name, x], i) => {
    if (name === METADATA_KEY) throw new DriftError(op, `tensor name ${METADATA_KEY} is reserved by the safetensors format for metadata`);
    if (seen.has(name)) throw new DriftError(op, `tensor name '${name}' is used twice`);
    seen.add(name);
    if (!(x instanceof DriftArray)) throw new DriftError(op, `tensor '${name}' must be a Drift array; got ${typeName(x)}`);
    let data: TypedArray;
    try {
      data = x.dataSync();
    } catch (e) {
      if (e instanceof ConcretizationError)
        throw new DriftError(op, `tensor '${name}' is traced inside a transformation (grad/vmap/jit); save concrete arrays outside it`);
      throw e;
    }
    const { name: dtype, bytes: width } = FILE_DTYPE[x.dtype];
    let bytes = new Uint8Array(data.buffer, data.byteOffset, x.size * width);
    if (!LITTLE_ENDIAN_HOST && width > 1) swapBytes((bytes = bytes.slice()), width);
    return { name, shape: x.shape, dtype, width, bytes, i };
  });
  items.sort((a, b) => b.width - a.width || a.i - b.i);
  const pairs: [string, string][] = [];
  if (metadata !== undefined) pairs.push([METADATA_KEY, jsonObject(Object.entries(checkMetadata(metadata, op)).map(([k, v]) => [k, JSON.stringify(v)]))]);
  let offset = 0;
  for (const t of items) {
    const begin = offset;
    offset += t.bytes.length;
    pairs.push([t.name, JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [begin, offset] })]);
  }
  const json = new TextEncoder().encode(jsonObject(pairs));
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) throw new DriftError(op, `the header would be ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit of the format`);
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  return [head, ...items.map((t) => t.bytes)];
}

/** Reads and checks the 8-byte little-endian header length from the first bytes of a file of `fileSize` bytes. */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, fail: Fail): number {
  if (fileSize < 8) throw fail(`file is ${fileSize} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  if (8 + Number(n) > fileSize)
    throw fail(`header length ${n} runs past the end of the file (${fileSize} bytes; ${fileSize - 8} after the length): the file is truncated or not safetensors`);
  return Number(n);
}

/** The first object key that occurs twice in one object of a (valid) JSON text; JSON.parse would silently keep the last. */
function firstDuplicateKey(json: string): string | undefined {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (c === "[") stack.push({ keys: null, expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack[stack.length - 1]!;
      top.expectKey = top.keys !== null;
    }
  }
  return undefined;
}

function checkIndex(v: unknown, what: string, fail: Fail): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw fail(`${what} must be a non-negative integer; got ${typeName(v)}`);
  return v;
}

function parseEntry(name: string, info: unknown, fail: Fail): HeaderEntry {
  if (!isRecord(info)) throw fail(`tensor '${name}' must be described by an object {dtype, shape, data_offsets}; got ${typeName(info)}`);
  for (const k of Object.keys(info))
    if (k !== "dtype" && k !== "shape" && k !== "data_offsets") throw fail(`tensor '${name}' has unknown field '${k}' (expected dtype, shape, data_offsets)`);
  for (const k of ["dtype", "shape", "data_offsets"]) if (!(k in info)) throw fail(`tensor '${name}' is missing its '${k}' field`);
  const { dtype: d, shape: s, data_offsets: o } = info;
  const dtype = typeof d === "string" && Object.hasOwn(DRIFT_DTYPE, d) ? DRIFT_DTYPE[d]! : undefined;
  if (!dtype) throw fail(`tensor '${name}' has dtype ${typeName(d)}; supported dtypes are ${Object.keys(DRIFT_DTYPE).join(", ")}`);
  if (!Array.isArray(s)) throw fail(`tensor '${name}' shape must be an array of non-negative integers; got ${typeName(s)}`);
  const shape = s.map((v, i) => checkIndex(v, `tensor '${name}' shape[${i}]`, fail));
  if (!Array.isArray(o) || o.length !== 2) throw fail(`tensor '${name}' data_offsets must be [begin, end]; got ${JSON.stringify(o)}`);
  const begin = checkIndex(o[0], `tensor '${name}' data_offsets[0]`, fail);
  const end = checkIndex(o[1], `tensor '${name}' data_offsets[1]`, fail);
  if (end < begin) throw fail(`tensor '${name}' data_offsets [${begin},${end}] end before they begin`);
  return { name, dtype, shape, begin, end };
}

/**
 * Validates a header (the `n` JSON bytes after the length) against a data section of `dataLength` bytes, following
 * the format's rules: UTF-8 JSON object starting with `{`, no duplicate keys, `__metadata__` a string-to-string map,
 * known dtypes, integer shapes, and data offsets that are contiguous, non-overlapping, sized as shape × item size
 * and cover the whole data section.
 */
export function parseHeader(headerBytes: Uint8Array, dataLength: number, fail: Fail): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw fail(`header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) throw fail(`header must be a JSON object; got ${typeName(header)}`);
  if (headerBytes[0] !== 0x7b) throw fail(`header must begin with '{' (found leading whitespace)`);
  const dup = firstDuplicateKey(text);
  if (dup !== undefined) throw fail(`header has the key '${dup}' twice (duplicate keys are not allowed)`);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== METADATA_KEY) {
      entries.push(parseEntry(name, info, fail));
      continue;
    }
    if (!isRecord(info)) throw fail(`${METADATA_KEY} must be an object of strings; got ${typeName(info)}`);
    for (const [k, v] of Object.entries(info)) {
      if (typeof v !== "string") throw fail(`${METADATA_KEY} values must be strings; '${k}' is ${typeName(v)}`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | undefined;
  for (const e of entries) {
    const range = `data_offsets [${e.begin},${e.end}]`;
    if (e.begin < covered) throw fail(`tensor '${e.name}' ${range} overlap tensor '${previous}', which ends at byte ${covered}`);
    if (e.begin > covered) throw fail(`bytes ${covered}..${e.begin} of the data section belong to no tensor (tensor '${e.name}' has ${range}); offsets must be contiguous`);
    if (e.end > dataLength)
      throw fail(`tensor '${e.name}' ${range} run past the end of the data section (${dataLength} bytes): the file is truncated`);
    let count = 1;
    for (const d of e.shape) count *= d;
    const nbytes = count * FILE_DTYPE[e.dtype].bytes;
    if (!Number.isSafeInteger(nbytes)) throw fail(`tensor '${e.name}' shape ${fmtShape(e.shape)} is too large`);
    if (e.end - e.begin !== nbytes)
      throw fail(`tensor '${e.name}' is ${FILE_DTYPE[e.dtype].name} ${fmtShape(e.shape)} (${nbytes} bytes) but its ${range} span ${e.end - e.begin} bytes`);
    covered = e.end;
    previous = e.name;
  }
  if (covered !== dataLength)
    throw fail(`the data section is ${dataLength} bytes but the tensors cover only ${covered}; ${dataLength - covered} trailing bytes belong to no tensor`);
  return { entries, metadata, dataStart: 8 + headerBytes.length };
}

/** Copies one tensor's bytes out of the file into a Drift array (checking that bool bytes are 0 or 1). */
export function readTensor(file: Uint8Array, dataStart: number, e: HeaderEntry, fail: Fail): DriftArray {
  const bytes = new Uint8Array(file.subarray(dataStart + e.begin, dataStart + e.end)); // a copy, aligned for the typed view
  const width = FILE_DTYPE[e.dtype].bytes;
  if (!LITTLE_ENDIAN_HOST && width > 1) swapBytes(bytes, width);
  if (e.dtype === "bool") {
    const bad = bytes.findIndex((b) => b > 1);
    if (bad >= 0) throw fail(`BOOL tensor '${e.name}' holds byte ${bytes[bad]} at element ${bad}; BOOL elements must be 0 or 1`);
  }
  return np.reshape(np.array(new TYPED[e.dtype](bytes.buffer), { dtype: e.dtype }), e.shape);
}

/** Parses and validates a complete safetensors file held in memory. */
export function decodeFile(file: Uint8Array, fail: Fail): { header: ParsedHeader; tensors: Map<string, DriftArray> } {
  const n = readHeaderLength(file, file.length, fail);
  const header = parseHeader(file.subarray(8, 8 + n), file.length - 8 - n, fail);
  const tensors = new Map<string, DriftArray>();
  for (const e of header.entries) tensors.set(e.name, readTensor(file, header.dataStart, e, fail));
  return { header, tensors };
}
