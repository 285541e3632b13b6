// Checkpoints: bitwise round trips, spec-built files, an independent reader, malformed files, `like` checks, atomic writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { np, vmap, DriftError, type Array } from "../src/index.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  load,
  loadSync,
  readMetadata,
  readMetadataSync,
  save,
  saveSync,
} from "../src/io/checkpoint.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "drift-ckpt-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** A fresh file path in the temp dir. */
const fresh = (name = "model") => join(dir, `${name}-${counter++}.safetensors`);

/** The raw bytes of an array's storage. */
function bytesOf(x: Array): Uint8Array {
  const d = x.dataSync();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

/** Typed arrays built from raw little-endian bit patterns (NaN payloads survive only a byte-exact path). */
function f32Bits(bits: number[]): Float32Array {
  const u = new Uint32Array(bits);
  return new Float32Array(u.buffer);
}
function f64Bits(bits: bigint[]): Float64Array {
  const u = new BigUint64Array(bits);
  return new Float64Array(u.buffer);
}

/** Assembles a safetensors file from a header object / text and data bytes, as the format spec describes. */
function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), opts: { pad?: boolean; n?: bigint } = {}): Uint8Array {
  let json = typeof header === "string" ? header : JSON.stringify(header);
  if (opts.pad !== false) json += " ".repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.n ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** An independent minimal reader: header length, JSON header, and each tensor's bytes sliced by its offsets. */
function tinyRead(file: Uint8Array) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const headerText = new TextDecoder().decode(file.subarray(8, 8 + n));
  const header = JSON.parse(headerText) as Record<string, any>;
  const tensors: Record<string, { dtype: string; shape: number[]; begin: number; bytes: Uint8Array }> = {};
  for (const [k, v] of Object.entries(header)) {
    if (k === "__metadata__") continue;
    const [b, e] = v.data_offsets as [number, number];
    tensors[k] = { dtype: v.dtype, shape: v.shape, begin: 8 + n + b, bytes: file.subarray(8 + n + b, 8 + n + e) };
  }
  return { n, headerText, metadata: header.__metadata__ as Record<string, string> | undefined, tensors, view };
}

/** A params tree holding every dtype, 0-d and empty arrays, special float bit patterns, and static leaves. */
function paramsTree() {
  return {
    layers: [
      {
        w: np.reshape(np.array(f32Bits([0x3f800000, 0x80000000, 0x7fc00000, 0x7fa00001, 0xffc12345, 0x7f800000])), [2, 3]),
        b: np.array(f64Bits([0x8000000000000000n, 0x7ff0000000000001n, 0xfff8000000000abcn, 0x3ff0000000000001n])),
        act: "relu",
      },
      { w: np.zeros([0, 4]), b: np.array(2.5, { dtype: "float64" }), act: null },
    ],
    count: np.array(new Int32Array([-2147483648, -1, 0, 2147483647])),
    seed: np.array(new Uint32Array([0, 1, 0xffffffff])),
    mask: np.reshape(np.array([true, false, true, true, false, false]), [3, 1, 2]),
    scalarMask: np.array(false),
    empty: np.zeros([2, 0, 3], { dtype: "int32" }),
    step: 1200,
    lr: 3e-4,
    tags: ["a", 2, -0, NaN, Infinity, true, null, undefined],
  };
}

/** Asserts two pytrees have equal static leaves, structure and bitwise-equal arrays of the same shape and dtype. */
function expectSameTree(got: unknown, want: unknown, path = "root"): void {
  if (want instanceof Object && "dataSync" in (want as object)) {
    const w = want as Array;
    const g = got as Array;
    expect(g.dtype, path).toBe(w.dtype);
    expect(g.shape, path).toEqual(w.shape);
    expect(bytesOf(g), path).toEqual(bytesOf(w));
    return;
  }
  if (globalThis.Array.isArray(want)) {
    expect(globalThis.Array.isArray(got), path).toBe(true);
    expect((got as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => expectSameTree((got as unknown[])[i], w, `${path}.${i}`));
    return;
  }
  if (typeof want === "object" && want !== null) {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) expectSameTree((got as any)[k], (want as any)[k], `${path}.${k}`);
    return;
  }
  expect(Object.is(got, want), `${path}: ${String(got)} vs ${String(want)}`).toBe(true);
}

describe("checkpoint round trip", () => {
  it("restores a nested tree with every dtype bitwise (NaN payloads, -0, 0-d and empty arrays) and its static leaves", async () => {
    const p = fresh();
    const t = paramsTree();
    await save(p, t, { metadata: { epoch: "3", note: "üñí" } });
    const back = await load(p);
    expectSameTree(back, t);
    expect(back.layers[0].w.dataSync()[3]).toBeNaN();
    expect(await readMetadata(p)).toEqual({ epoch: "3", note: "üñí" });
    expect(readMetadataSync(p)).toEqual({ epoch: "3", note: "üñí" });
  });

  it("sync and async variants read each other's files; keys like __proto__ and integer-like keys survive", async () => {
    const t: Record<string, unknown> = { 10: np.array([1, 2]), 2: "two", nested: { "0": np.array(7, { dtype: "uint32" }) } };
    Object.defineProperty(t, "__proto__", { value: np.array([true]), enumerable: true, writable: true, configurable: true });
    const p = fresh();
    saveSync(p, t);
    const a = await load(p);
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expectSameTree(a, t);
    const q = fresh();
    await save(q, t);
    expectSameTree(loadSync(q), t);
  });

  it("saves a bare array and an array-only list", async () => {
    const p = fresh();
    await save(p, np.arange(5));
    expectSameTree(await load(p), np.arange(5));
    const q = fresh();
    await save(q, [np.ones([2]), [np.zeros([1], { dtype: "bool" })]]);
    expectSameTree(await load(q), [np.ones([2]), [np.zeros([1], { dtype: "bool" })]]);
    expect(Object.keys(tinyRead(readFileSync(q)).tensors).sort()).toEqual(["0", "1.0"]);
  });

  it("overwrites an existing checkpoint and leaves no temporary files", async () => {
    const sub = join(dir, "overwrite");
    const p = join(sub, "m.safetensors");
    await save(p, { w: np.ones([3]) });
    await save(p, { w: np.full([2], 5), step: 2 });
    expectSameTree(await load(p), { w: np.full([2], 5), step: 2 });
    expect(readdirSync(sub).sort()).toEqual(["m.safetensors", "m.safetensors.json"]);
  });
});

describe("safetensors format", () => {
  it("reads a file assembled by hand from the spec (no sidecar: flat object; with like: nested)", async () => {
    const data = new Uint8Array(8 + 12 + 8 + 4 + 2);
    const dv = new DataView(data.buffer);
    dv.setFloat64(0, -1.5, true);
    [1, -2.25, 1e-3].forEach((v, i) => dv.setFloat32(8 + 4 * i, v, true));
    dv.setInt32(20, -7, true);
    dv.setInt32(24, 123456789, true);
    dv.setUint32(28, 4000000000, true);
    data.set([1, 0], 32);
    // Names are listed out of offset order on purpose: readers must go by data_offsets.
    const header = {
      "enc.mask": { dtype: "BOOL", shape: [2], data_offsets: [32, 34] },
      "enc.w": { dtype: "F32", shape: [1, 3], data_offsets: [8, 20] },
      "enc.scale": { dtype: "F64", shape: [], data_offsets: [0, 8] },
      "enc.idx": { dtype: "I32", shape: [2], data_offsets: [20, 28] },
      "enc.id": { dtype: "U32", shape: [1], data_offsets: [28, 32] },
      __metadata__: { framework: "hand" },
    };
    const p = fresh("hand");
    writeFileSync(p, assemble(header, data));
    const flat = await load(p);
    expect(Object.keys(flat)).toEqual(["enc.scale", "enc.w", "enc.idx", "enc.id", "enc.mask"]);
    expect(flat["enc.scale"].shape).toEqual([]);
    expect(flat["enc.scale"].item()).toBe(-1.5);
    expect(flat["enc.w"].dtype).toBe("float32");
    expect(flat["enc.w"].toArray()).toEqual([[1, -2.25, Math.fround(1e-3)]]);
    expect(flat["enc.idx"].toArray()).toEqual([-7, 123456789]);
    expect(flat["enc.id"].dtype).toBe("uint32");
    expect(flat["enc.id"].toArray()).toEqual([4000000000]);
    expect(flat["enc.mask"].toArray()).toEqual([true, false]);
    expect(await readMetadata(p)).toEqual({ framework: "hand" });

    const like = {
      enc: {
        w: np.zeros([1, 3]),
        scale: np.zeros([], { dtype: "float64" }),
        idx: np.zeros([2], { dtype: "int32" }),
        id: np.zeros([1], { dtype: "uint32" }),
        mask: np.zeros([2], { dtype: "bool" }),
        kind: "encoder",
      },
    };
    const nested = await load(p, { like });
    expect(nested.enc.kind).toBe("encoder");
    expect(nested.enc.w.toArray()).toEqual([[1, -2.25, Math.fround(1e-3)]]);
    expect(nested.enc.mask.toArray()).toEqual([true, false]);
  });

  it("writes files an independent reader parses: padded aligned header, contiguous aligned offsets, little-endian data", async () => {
    const p = fresh();
    const t = paramsTree();
    await save(p, t, { metadata: { k: "v" } });
    const file = readFileSync(p);
    const r = tinyRead(file);
    expect(r.n % 8).toBe(0);
    expect(r.headerText.startsWith("{")).toBe(true);
    expect(r.headerText).toMatch(/^[^]*\} *$/);
    expect(r.metadata?.k).toBe("v");
    const entries = Object.entries(r.tensors).sort((a, b) => a[1].begin - b[1].begin);
    let end = 8 + r.n;
    const size: Record<string, number> = { F64: 8, F32: 4, I32: 4, U32: 4, BOOL: 1 };
    for (const [name, e] of entries) {
      expect(e.begin, name).toBe(end);
      expect(e.begin % size[e.dtype]!, `${name} aligned`).toBe(0);
      expect(e.bytes.length, name).toBe(e.shape.reduce((a, b) => a * b, 1) * size[e.dtype]!);
      end += e.bytes.length;
    }
    expect(end).toBe(file.length);
    const w = r.tensors["layers.0.w"]!;
    expect([w.dtype, w.shape]).toEqual(["F32", [2, 3]]);
    const wv = new DataView(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
    expect([0, 1, 2, 3, 4, 5].map((i) => wv.getUint32(4 * i, true))).toEqual([0x3f800000, 0x80000000, 0x7fc00000, 0x7fa00001, 0xffc12345, 0x7f800000]);
    const b = r.tensors["layers.0.b"]!;
    const bv = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    expect(bv.getBigUint64(16, true)).toBe(0xfff8000000000abcn);
    expect(r.tensors["count"]!.dtype).toBe("I32");
    expect(new DataView(r.tensors["count"]!.bytes.buffer, r.tensors["count"]!.bytes.byteOffset).getInt32(0, true)).toBe(-2147483648);
    expect(r.tensors["seed"]!.dtype).toBe("U32");
    expect([...r.tensors["mask"]!.bytes]).toEqual([1, 0, 1, 1, 0, 0]);
    expect(r.tensors["scalarMask"]).toMatchObject({ dtype: "BOOL", shape: [] });
    expect(r.tensors["empty"]).toMatchObject({ dtype: "I32", shape: [2, 0, 3] });
    expect(r.tensors["empty"]!.bytes.length).toBe(0);
    expect(Object.keys(r.tensors)).not.toContain("step");
  });

  it("encodes byte-identically to the reference implementation's test vectors", () => {
    // safetensors/src/tensor.rs tests: an F32 [1,2,3] tensor "attn.0" holding 0..5, and empty files.
    const x = np.reshape(np.array([0, 1, 2, 3, 4, 5]), [1, 2, 3]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const data = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
    expect(encodeSafetensors({ "attn.0": x })).toEqual(assemble(header, data));
    expect([...encodeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(new TextDecoder().decode(encodeSafetensors(new Map(), { framework: "pt" }).subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
    const back = decodeSafetensors(encodeSafetensors(new Map([["attn.0", x]]), { a: "b" }));
    expect(back.metadata).toEqual({ a: "b" });
    expect(back.tensors.get("attn.0")!.toArray()).toEqual([[[0, 1, 2], [3, 4, 5]]]);
  });
});

describe("malformed files are rejected with the file name and the problem", () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const w = (shape: number[], offsets: number[], dtype = "F32") => ({ dtype, shape, data_offsets: offsets });
  const cases: [string, Uint8Array, RegExp][] = [
    ["file shorter than 8 bytes", new Uint8Array([1, 0, 0]), /3 bytes, shorter than the 8-byte header length/],
    ["header length past the end of the file", assemble({}, new Uint8Array(0), { n: 200n }), /header length 200 runs past the end of the file \(16 bytes/],
    ["header length over the 100 MB limit", assemble({}, new Uint8Array(0), { n: 1n << 40n }), /exceeds the 100000000-byte limit/],
    ["header not UTF-8", (() => { const b = assemble("{}      "); b[9] = 0xff; return b; })(), /header is not valid UTF-8/],
    ["header not JSON", assemble('{"a": {"dtype": "F32",'), /header is not valid JSON/],
    ["header a JSON array", assemble("[1, 2]"), /header must be a JSON object; got an array/],
    ["header with leading whitespace", assemble(" {}"), /header must begin with '\{'/],
    ["duplicate tensor name", assemble('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)), /key 'w' twice/],
    ["unknown dtype", assemble({ w: w([2], [0, 4], "F16") }, f32(1)), /tensor 'w' has dtype string "F16"; supported dtypes are F64, F32, I32, U32, BOOL/],
    ["missing data_offsets", assemble({ w: { dtype: "F32", shape: [1] } }, f32(1)), /tensor 'w' is missing its 'data_offsets' field/],
    ["unknown tensor field", assemble({ w: { ...w([1], [0, 4]), offsets: [0, 4] } }, f32(1)), /tensor 'w' has unknown field 'offsets'/],
    ["tensor info not an object", assemble({ w: [1, 2] }), /tensor 'w' must be described by an object/],
    ["negative shape entry", assemble({ w: w([-1], [0, 4]) }, f32(1)), /tensor 'w' shape\[0\] must be a non-negative integer; got number -1/],
    ["fractional shape entry", assemble({ w: w([1.5], [0, 4]) }, f32(1)), /tensor 'w' shape\[0\] must be a non-negative integer; got number 1.5/],
    ["shape not an array", assemble({ w: w(4 as unknown as number[], [0, 4]) }, f32(1)), /tensor 'w' shape must be an array/],
    ["offsets not a pair", assemble({ w: w([1], [0, 4, 8]) }, f32(2)), /tensor 'w' data_offsets must be \[begin, end\]/],
    ["offsets ending before they begin", assemble({ w: w([1], [4, 0]) }, f32(1)), /data_offsets \[4,0\] end before they begin/],
    ["shape/offset size mismatch", assemble({ w: w([2, 2], [0, 12]) }, f32(3)), /tensor 'w' is F32 \[2,2\] \(16 bytes\) but its data_offsets \[0,12\] span 12 bytes/],
    ["overlapping offsets", assemble({ a: w([2], [0, 8]), b: w([2], [4, 12]) }, f32(3)), /tensor 'b' data_offsets \[4,12\] overlap tensor 'a', which ends at byte 8/],
    ["hole between tensors", assemble({ a: w([1], [0, 4]), b: w([1], [8, 12]) }, f32(3)), /bytes 4\.\.8 of the data section belong to no tensor/],
    ["offsets not starting at 0", assemble({ a: w([1], [4, 8]) }, f32(2)), /bytes 0\.\.4 of the data section belong to no tensor/],
    ["truncated data", assemble({ a: w([4], [0, 16]) }, f32(2)), /tensor 'a' data_offsets \[0,16\] run past the end of the data section \(8 bytes\): the file is truncated/],
    ["trailing bytes", assemble({ a: w([1], [0, 4]) }, f32(2)), /data section is 8 bytes but the tensors cover only 4; 4 trailing bytes/],
    ["__metadata__ not an object", assemble({ __metadata__: "x" }), /__metadata__ must be an object of strings; got string "x"/],
    ["__metadata__ with a number value", assemble({ __metadata__: { epoch: 3 } }), /__metadata__ values must be strings; 'epoch' is number 3/],
    ["duplicate __metadata__ key", assemble('{"__metadata__":{"a":"1","a":"2"}}'), /key 'a' twice/],
    ["BOOL byte other than 0/1", assemble({ m: w([3], [0, 3], "BOOL") }, new Uint8Array([1, 2, 0])), /BOOL tensor 'm' holds byte 2 at element 1/],
    ["shape too large", assemble({ w: w([2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }, f32(1)), /shape \[1073741824,1073741824,1073741824\] is too large/],
  ];

  it.each(cases)("%s", async (_label, bytes, message) => {
    const p = fresh("bad");
    writeFileSync(p, bytes);
    const err = await load(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftError);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toMatch(message);
    expect(() => loadSync(p)).toThrow(message);
    expect(() => decodeSafetensors(bytes, "buf.safetensors")).toThrow(/^decodeSafetensors: buf\.safetensors: /);
  });

  it("readMetadata validates the header without reading the data", async () => {
    const p = fresh("bad");
    writeFileSync(p, assemble({ __metadata__: { a: 1 } }));
    await expect(readMetadata(p)).rejects.toThrow(/readMetadata: .*'a' is number 1/);
    const q = fresh("bad");
    writeFileSync(q, assemble({ a: w([4], [0, 16]) }, f32(2)));
    expect(() => readMetadataSync(q)).toThrow(/the file is truncated/);
  });

  it("a missing file is a DriftError naming it", async () => {
    const p = join(dir, "nope.safetensors");
    await expect(load(p)).rejects.toThrow(`load: ${p}: no such checkpoint file`);
    expect(() => loadSync(p)).toThrow(DriftError);
  });
});

describe("sidecar", () => {
  it("rejects a sidecar from another save (interrupted save or mixed files)", async () => {
    const p = fresh();
    await save(p, { w: np.ones([2]), step: 1 });
    const oldSidecar = readFileSync(`${p}.json`);
    await save(p, { w: np.full([2], 2), step: 2 });
    writeFileSync(`${p}.json`, oldSidecar);
    await expect(load(p)).rejects.toThrow(/\.json: belongs to checkpoint [0-9a-f-]+ but .* is checkpoint [0-9a-f-]+; the files come from different saves/);
    // The tensors are still usable with `like`, which does not read the sidecar.
    expect((await load(p, { like: { w: np.zeros([2]) } })).w.toArray()).toEqual([2, 2]);
  });

  it("rejects malformed sidecars", async () => {
    const p = fresh();
    await save(p, { a: np.ones([1]), b: [np.ones([1]), 3] });
    const good = JSON.parse(readFileSync(`${p}.json`, "utf8"));
    const id = good.checkpoint_id;
    const variants: [unknown, RegExp][] = [
      ["{not json", /not valid JSON/],
      [{ ...good, format: "other" }, /not a Drift checkpoint sidecar/],
      [{ ...good, version: 2 }, /sidecar version 2; this Drift reads version 1/],
      [{ ...good, tree: { dict: [["a", { tensor: "a" }]] } }, /does not place tensor 'b\.0'/],
      [{ ...good, tree: { list: [{ tensor: "a" }, { tensor: "a" }, { tensor: "b.0" }] } }, /names tensor 'a' twice/],
      [{ ...good, tree: { list: [{ tensor: "a" }, { tensor: "zz" }] } }, /names tensor 'zz', which .* does not hold/],
      [{ ...good, tree: { dict: [["a", { tensor: "a" }], ["b", { list: [{ tensor: "b.0" }, { static: [1] }] }]] } }, /tree node at 'b\.1' has a static value that is not/],
      [{ ...good, tree: { tuple: [] } }, /tree node at the root has unknown kind 'tuple'/],
      [{ format: good.format, version: 1, tree: good.tree }, /has no checkpoint_id/],
    ];
    for (const [doc, message] of variants) {
      writeFileSync(`${p}.json`, typeof doc === "string" ? doc : JSON.stringify(doc));
      const err = await load(p).catch((e: unknown) => e);
      expect(err, String(message)).toBeInstanceOf(DriftError);
      expect((err as Error).message).toContain(`${p}.json`);
      expect((err as Error).message).toMatch(message);
    }
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("load with like", () => {
  const saved = { enc: { w: np.ones([2, 3]), b: np.zeros([3]) }, head: [np.zeros([3], { dtype: "int32" })], name: "m" };
  let p: string;
  beforeAll(async () => {
    p = fresh("like");
    await save(p, saved);
  });

  it("returns the tree shaped like `like`, with like's static leaves", async () => {
    const like = { enc: { b: np.ones([3]), w: np.ones([2, 3]) }, head: [np.ones([3], { dtype: "int32" })], name: "other", extra: 5 };
    const got = await load(p, { like });
    expect(Object.keys(got.enc)).toEqual(["b", "w"]);
    expect(got.enc.w.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(got.name).toBe("other");
    expect(got.extra).toBe(5);
  });

  it("names the first mismatching tensor with expected and found shape/dtype", async () => {
    const base = { enc: { w: np.ones([2, 3]), b: np.zeros([3]) }, head: [np.zeros([3], { dtype: "int32" })] };
    await expect(load(p, { like: { ...base, enc: { w: np.ones([3, 2]), b: np.zeros([3]) } } })).rejects.toThrow(
      /tensor 'enc\.w': like expects float32 \[3,2\], found float32 \[2,3\]/,
    );
    await expect(load(p, { like: { ...base, head: [np.zeros([3])] } })).rejects.toThrow(/tensor 'head\.0': like expects float32 \[3\], found int32 \[3\]/);
    expect(() => loadSync(p, { like: { ...base, enc: { w: np.ones([2, 3]) } } })).toThrow(/holds tensor 'enc\.b' \(float32 \[3\]\) that like does not have/);
    await expect(load(p, { like: { ...base, dec: np.ones([1]) } })).rejects.toThrow(new RegExp(`${p.replace(/[.\\]/g, "\\$&")}: has no tensor 'dec' \\(like expects float32 \\[1\\]\\)`));
    await expect(load(p, { like: { ...base, f: () => 1 } })).rejects.toThrow(/like holds a function at 'f'/);
  });
});

describe("atomic writes", () => {
  it("a tree with a non-array, non-static leaf fails before anything is written (no directory, no temp file)", async () => {
    const sub = join(dir, "never", "created");
    const p = join(sub, "m.safetensors");
    await expect(save(p, { w: np.ones([2]), bad: { when: new Date() } })).rejects.toThrow(/tree holds a Date at 'bad\.when', which is not a pytree node/);
    expect(() => saveSync(p, { w: np.ones([2]), f: new Map() })).toThrow(/tree holds a Map at 'f'/);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  it("rejects colliding names, reserved names and keys, bad metadata and cycles before writing", async () => {
    const sub = join(dir, "rejects");
    mkdirSync(sub);
    const p = join(sub, "m.safetensors");
    await expect(save(p, { "a.b": np.ones([1]), a: { b: np.ones([1]) } })).rejects.toThrow(/two arrays named 'a\.b'/);
    await expect(save(p, { __metadata__: np.ones([1]) })).rejects.toThrow(/'__metadata__', a name the safetensors format reserves/);
    await expect(save(p, { w: np.ones([1]) }, { metadata: { n: 3 as unknown as string } })).rejects.toThrow(/metadata\['n'\] is number 3/);
    await expect(save(p, { w: np.ones([1]) }, { metadata: { "drift.checkpoint_id": "x" } })).rejects.toThrow(/reserved for Drift/);
    const cyclic: Record<string, unknown> = { w: np.ones([1]) };
    cyclic.self = { again: cyclic };
    await expect(save(p, cyclic)).rejects.toThrow(/contains itself at 'self\.again'/);
    expect(readdirSync(sub)).toEqual([]);
  });

  it("a traced array fails before writing, naming the tensor", () => {
    const sub = join(dir, "traced");
    let traced = false;
    vmap((x: Array) => {
      expect(() => saveSync(join(sub, "m.safetensors"), { params: { w: x } })).toThrow(/tensor 'params\.w' is traced inside a transformation/);
      traced = true;
      return x;
    })(np.ones([2, 3]));
    expect(traced).toBe(true);
    expect(existsSync(sub)).toBe(false);
  });

  it("when the final rename fails, the temporary files are removed and nothing partial is left", async () => {
    const sub = join(dir, "rename-fails");
    const p = join(sub, "m.safetensors");
    mkdirSync(join(p, "occupied"), { recursive: true }); // a non-empty directory where the file should go
    const err = await save(p, { w: np.ones([4]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftError);
    expect((err as Error).message).toMatch(/^save: could not write checkpoint .*m\.safetensors: /);
    expect(() => saveSync(p, { w: np.ones([4]) })).toThrow(/^saveSync: could not write checkpoint/);
    expect(readdirSync(sub)).toEqual(["m.safetensors"]);
    expect(readdirSync(p)).toEqual(["occupied"]);
  });

  it("creates parent directories", async () => {
    const p = join(dir, "deep", "er", "m.safetensors");
    await save(p, { w: np.ones([1]) });
    expect(readdirSync(join(dir, "deep", "er")).sort()).toEqual(["m.safetensors", "m.safetensors.json"]);
    const q = join(dir, "deep2", "m.safetensors");
    saveSync(q, { w: np.ones([1]) });
    expect(loadSync(q).w.toArray()).toEqual([1]);
  });
});
