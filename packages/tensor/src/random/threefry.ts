// Threefry-2x32 (20 rounds), the counter-based hash behind JAX's default PRNG, bit-identical to jax.random.

// Reference: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers:
// as easy as 1, 2, 3", SC'11 (the Random123 paper), which defines Threefry-2x32. The rotation
// constants, the key-schedule parity 0x1BD11BDA and the injection order below follow JAX's
// `_threefry2x32_lowering` (jax/_src/random/threefry2x32.py), i.e. Threefry-2x32-20.

/** Rotation amounts of the even (index 0) and odd (index 1) groups of four rounds. */
const ROTATIONS: readonly (readonly number[])[] = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
];

/** Skein/Threefish key-schedule parity constant: ks[2] = k0 ^ k1 ^ KS_PARITY. */
const KS_PARITY = 0x1bd11bda;

/** Rotates the uint32 `x` left by `r` bits (0 < r < 32). */
function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/**
 * Hashes one counter pair under one key: the scalar Threefry-2x32-20 block function.
 *
 * All inputs are taken modulo 2^32 (`>>> 0`), so negative or oversized numbers wrap.
 * Returns the two output words as uint32 numbers, `[y0, y1]`.
 */
export function threefry2x32Pair(key0: number, key1: number, c0: number, c1: number): [number, number] {
  const k0 = key0 >>> 0;
  const k1 = key1 >>> 0;
  const ks = [k0, k1, (k0 ^ k1 ^ KS_PARITY) >>> 0];
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  // Five groups of four rounds; after group g (1-based) inject key words ks[g % 3], ks[(g + 1) % 3] + g.
  for (let g = 1; g <= 5; g++) {
    const rot = ROTATIONS[(g - 1) & 1]!;
    for (let i = 0; i < 4; i++) {
      x0 = (x0 + x1) >>> 0;
      x1 = (rotl32(x1, rot[i]!) ^ x0) >>> 0;
    }
    x0 = (x0 + ks[g % 3]!) >>> 0;
    x1 = (x1 + ks[(g + 1) % 3]! + g) >>> 0;
  }
  return [x0, x1];
}

/**
 * Threefry-2x32-20 applied elementwise: output `i` is the hash of the counter pair
 * `(x0[i], x1[i])` under the key `(key0, key1)`, as JAX's `threefry2x32_p` primitive.
 *
 * `x0` and `x1` must have the same length; the results are fresh arrays of that length.
 */
export function threefry2x32(
  key0: number,
  key1: number,
  x0: Uint32Array,
  x1: Uint32Array,
): [Uint32Array, Uint32Array] {
  if (x0.length !== x1.length) {
    throw new RangeError(`threefry2x32: counter halves differ in length (${x0.length} vs ${x1.length})`);
  }
  const n = x0.length;
  const y0 = new Uint32Array(n);
  const y1 = new Uint32Array(n);
  // The 20 rounds unrolled in int32 arithmetic (`| 0` wraps like uint32; a Uint32Array store reinterprets the bits):
  // rotations 13, 15, 26, 6 in odd groups and 17, 29, 16, 24 in even ones; after group g, x0 += ks[g % 3] and
  // x1 += ks[(g + 1) % 3] + g, as in `threefry2x32Pair`.
  const k0 = key0 | 0;
  const k1 = key1 | 0;
  const k2 = k0 ^ k1 ^ KS_PARITY;
  for (let j = 0; j < n; j++) {
    let a = (x0[j]! + k0) | 0;
    let b = (x1[j]! + k1) | 0;
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k1) | 0; b = (b + k2 + 1) | 0;
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k2) | 0; b = (b + k0 + 2) | 0;
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k0) | 0; b = (b + k1 + 3) | 0;
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k1) | 0; b = (b + k2 + 4) | 0;
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k2) | 0; b = (b + k0 + 5) | 0;
    y0[j] = a;
    y1[j] = b;
  }
  return [y0, y1];
}
