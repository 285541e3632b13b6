// Threefry-2x32 known-answer tests: Random123 vectors plus key/bit values printed by JAX itself.
import { describe, it, expect } from "vitest";
import { threefry2x32, threefry2x32Pair } from "../src/random/threefry.ts";

/** Hashes a single counter pair through the array API. */
function one(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const [y0, y1] = threefry2x32(k0, k1, new Uint32Array([c0]), new Uint32Array([c1]));
  return [y0[0]!, y1[0]!];
}

/** float32 in [0, 1) from 32 random bits, as jax.random.uniform: (bits >>> 9) | 0x3F800000, bitcast, minus 1. */
function bitsToUnitFloat32(bits: number): number {
  const u = new Uint32Array([((bits >>> 9) | 0x3f800000) >>> 0]);
  return Math.fround(new Float32Array(u.buffer)[0]! - 1);
}

/** 0..n-1 as uint32. */
function iota(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

describe("threefry2x32: Random123 known-answer vectors", () => {
  // Source: tests/random_test.py::testThreefry2x32 and tests/random_impl_test.py::test_threefry2x32_kat_vectors
  // in jax-ml/jax, which take them from DEShawResearch/Random123-Boost libs/random/test/test_threefry.cpp
  // (Threefry-2x32 with 20 rounds). Arguments are (key0, key1, counter0, counter1) -> (out0, out1).
  const cases: [string, [number, number, number, number], [number, number]][] = [
    ["zero key, zero counter", [0, 0, 0, 0], [0x6b200159, 0x99ba4efe]],
    ["all-ones key and counter", [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    // key and counter are the hex digits of pi: 0x243F6A88 85A308D3 13198A2E 03707344
    ["pi-digits key and counter", [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
  ];

  for (const [name, [k0, k1, c0, c1], expected] of cases) {
    it(`${name} (array API)`, () => {
      expect(one(k0, k1, c0, c1)).toEqual(expected);
    });
    it(`${name} (scalar helper)`, () => {
      expect(threefry2x32Pair(k0, k1, c0, c1)).toEqual(expected);
    });
  }

  it("hashes every lane independently (testThreefry2x32Large, scaled down)", () => {
    // JAX hashes 10^7 copies of the pi-digits counter and expects every lane to equal the single answer.
    const n = 1000;
    const [y0, y1] = threefry2x32(
      0x13198a2e,
      0x03707344,
      new Uint32Array(n).fill(0x243f6a88),
      new Uint32Array(n).fill(0x85a308d3),
    );
    expect(y0.every((v) => v === 0xc4923a9c)).toBe(true);
    expect(y1.every((v) => v === 0x483df7a0)).toBe(true);
  });

  it("mixes lanes with different counters without cross-talk", () => {
    const [y0, y1] = threefry2x32(0, 0, new Uint32Array([0, 0xffffffff, 0]), new Uint32Array([0, 0xffffffff, 0]));
    expect([y0[0], y1[0]]).toEqual([0x6b200159, 0x99ba4efe]);
    expect([y0[2], y1[2]]).toEqual([0x6b200159, 0x99ba4efe]);
    expect([y0[1], y1[1]]).not.toEqual([0x6b200159, 0x99ba4efe]);
  });

  it("wraps key words modulo 2^32 (-1 is 0xFFFFFFFF)", () => {
    expect(threefry2x32Pair(-1, -1, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
  });

  it("returns empty arrays for empty counters and rejects mismatched halves", () => {
    const [y0, y1] = threefry2x32(1, 2, new Uint32Array(0), new Uint32Array(0));
    expect(y0.length).toBe(0);
    expect(y1.length).toBe(0);
    expect(() => threefry2x32(1, 2, new Uint32Array(2), new Uint32Array(3))).toThrow(RangeError);
  });
});

describe("threefry2x32: key derivation values printed by JAX", () => {
  // fold_in(key, d) = threefry2x32(key, counter (0, d)) in both jax_threefry_partitionable modes.
  it("fold_in(key(0), 0) and fold_in(key(0), 1)", () => {
    // jax/_src/random/stateful_rng.py, StatefulPRNG.key docstring: stateful_rng(0).key() twice.
    expect(one(0, 0, 0, 0)).toEqual([1797259609, 2579123966]);
    expect(one(0, 0, 0, 1)).toEqual([928981903, 3453687069]);
  });

  it("fold_in(key(42), 4) and fold_in(key(42), 5)", () => {
    // jax/_src/random/stateful_rng.py, stateful_rng docstring: the 5th and 6th rng.key() of stateful_rng(42).
    expect(one(0, 42, 0, 4)).toEqual([2954079971, 3276725750]);
    expect(one(0, 42, 0, 5)).toEqual([2765691542, 824333390]);
  });

  it("fold_in(PRNGKey(0), 4)", () => {
    // tests/random_test.py::testPRNGValues (value identical in both modes).
    expect(one(0, 0, 0, 4)).toEqual([2285895361, 433833334]);
  });

  it("split(PRNGKey(0), 4) with jax_threefry_partitionable=False", () => {
    // tests/random_test.py::testPRNGValues (skipped when partitionable). Original split hashes
    // iota(8) as halves x0 = [0..3], x1 = [4..7]; concat(y0, y1) reshaped to (4, 2) gives the keys.
    const [y0, y1] = threefry2x32(0, 0, Uint32Array.from([0, 1, 2, 3]), Uint32Array.from([4, 5, 6, 7]));
    const flat = [...y0, ...y1];
    const keys = [0, 1, 2, 3].map((i) => [flat[2 * i], flat[2 * i + 1]]);
    expect(keys).toEqual([
      [2285895361, 1501764800],
      [1518642379, 4090693311],
      [433833334, 4221794875],
      [839183663, 3740430601],
    ]);
  });

  it("split(key, 3)[i] == fold_in(key, i) with jax_threefry_partitionable=True", () => {
    // tests/random_test.py::test_threefry_split_fold_in_symmetry: partitionable split hashes counters (0, i).
    const [y0, y1] = threefry2x32(0, 72, new Uint32Array(3), iota(3));
    for (let i = 0; i < 3; i++) expect([y0[i], y1[i]]).toEqual(one(0, 72, 0, i));
  });
});

describe("threefry2x32: random bits and uniform values printed by JAX", () => {
  it("bits(key(1701), (3,), uint32) with jax_threefry_partitionable=False (odd size)", () => {
    // tests/random_test.py::testRngRandomBits. Original mode hashes iota(3) padded with a 0:
    // x0 = [0, 1], x1 = [2, 0]; the output is concat(y0, y1) with the padding lane dropped.
    const [y0, y1] = threefry2x32(0, 1701, Uint32Array.from([0, 1]), Uint32Array.from([2, 0]));
    expect([y0[0], y0[1], y1[0]]).toEqual([56197195, 4200222568, 961309823]);
  });

  it("uniform(key(0), (3,)) = [0.947667, 0.9785799, 0.33229148] (default partitionable mode)", () => {
    // docs/jep/9263-typed-keys.md and jax/random.py module docstring (doctested in JAX CI).
    // Partitionable bits for element i: y0 ^ y1 of counter (hi=0, lo=i).
    const [y0, y1] = threefry2x32(0, 0, new Uint32Array(3), iota(3));
    const u = [0, 1, 2].map((i) => bitsToUnitFloat32((y0[i]! ^ y1[i]!) >>> 0));
    expect(u).toEqual([0.947667, 0.9785799, 0.33229148].map(Math.fround));
  });

  it("uniform(split(key(0))[1]) = 0.00729382 (default partitionable mode)", () => {
    // jax/random.py module docstring: `key, subkey = random.split(key); random.uniform(subkey)`.
    const sub = one(0, 0, 0, 1);
    const [y0, y1] = threefry2x32(sub[0], sub[1], new Uint32Array(1), new Uint32Array(1));
    expect(bitsToUnitFloat32((y0[0]! ^ y1[0]!) >>> 0)).toBeCloseTo(0.00729382, 8);
  });

  it("uniform(key(0), (3,)) = [0.9653214, 0.31468165, 0.63302994] with jax_threefry_partitionable=False", () => {
    // docs/jep/9263-typed-keys.md before JAX 0.5.0 (changed by commit a60ead6fd1, 2025-01-13).
    // Original bits for n=3: counters iota(3) padded -> x0 = [0, 1], x1 = [2, 0].
    const [y0, y1] = threefry2x32(0, 0, Uint32Array.from([0, 1]), Uint32Array.from([2, 0]));
    const u = [y0[0]!, y0[1]!, y1[0]!].map(bitsToUnitFloat32);
    expect(u).toEqual([0.9653214, 0.31468165, 0.63302994].map(Math.fround));
  });
});
