// Batched matmul primitive (with transposed layouts) and matmul, dot, tensordot, einsum, outer on top of it; norm.
import { DriftError, fmtShape } from "../errors.ts";
import { type TypedArray, allocate, isFloat, promoteTypes } from "../dtype.ts";
import { broadcastShapes, normAxis, shapesEqual, sizeOf } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert } from "./coerce.ts";
import { abs, add, lessEqual, mul, notEqual, pow, sqrt, square, sub, where } from "./elementwise.ts";
import { broadcastInDimPrim, broadcastTo, moveaxis, reshape, squeeze, transpose } from "./movement.ts";
import { max, min, sum } from "./reduce.ts";
import { diagonal } from "./indexing.ts";
import { arangeInt } from "./creation.ts";

/** Layout flags: `transA` means a is stored [..., k, m]; `transB` means b is stored [..., n, k]. */
export interface MatmulParams {
  transA: boolean;
  transB: boolean;
}

/** Dimensions (m, k, n) of op(a)·op(b) from stored shapes. */
function mkn(a: readonly number[], b: readonly number[], p: MatmulParams): [number, number, number, number] {
  const ra = a.length;
  const rb = b.length;
  const m = p.transA ? a[ra - 1]! : a[ra - 2]!;
  const k = p.transA ? a[ra - 2]! : a[ra - 1]!;
  const kb = p.transB ? b[rb - 1]! : b[rb - 2]!;
  const n = p.transB ? b[rb - 2]! : b[rb - 1]!;
  return [m, k, kb, n];
}

/** Reference kernel: one (m×k)·(k×n) product with float64 accumulation; transposed B is repacked first. */
function matmulReference(A: TypedArray, aOff: number, B: TypedArray, bOff: number, m: number, k: number, n: number, p: MatmulParams, out: TypedArray, oOff: number): void {
  let Bn = B;
  let bBase = bOff;
  if (p.transB) {
    Bn = new Float64Array(k * n);
    for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) Bn[q * n + j] = B[bOff + j * k + q]!;
    bBase = 0;
  }
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let q = 0; q < k; q++) {
      const aiq = p.transA ? A[aOff + q * m + i]! : A[aOff + i * k + q]!;
      const row = bBase + q * n;
      for (let j = 0; j < n; j++) acc[j] += aiq * Bn[row + j]!;
    }
    for (let j = 0; j < n; j++) out[oOff + i * n + j] = acc[j]!;
  }
}

/** Kernel used for float32 products; replaceable by a faster backend kernel (see `setFloat32Matmul`). */
type MatmulKernel = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, p: MatmulParams) => Float32Array;
let float32Kernel: MatmulKernel | null = null;

/** Installs the kernel that computes float32 batched products (the wasm backend registers one). */
export function setFloat32Matmul(kernel: MatmulKernel | null): void {
  float32Kernel = kernel;
}

/** matmul: batched op(a)·op(b) over equal leading batch dims. */
export const matmulPrim: Primitive<MatmulParams> = definePrimitive<MatmulParams>({
  name: "matmul",
  abstractEval([a, b], p) {
    if (a!.dtype !== b!.dtype) throw new DriftError("matmul", `operands must share a dtype; got ${a!.dtype} and ${b!.dtype}`);
    if (a!.ndim < 2 || b!.ndim < 2 || a!.ndim !== b!.ndim || !shapesEqual(a!.shape.slice(0, -2), b!.shape.slice(0, -2)))
      throw new DriftError("matmul", `batch dimensions differ: a is ${fmtShape(a!.shape)}, b is ${fmtShape(b!.shape)}`);
    const [m, k, kb, n] = mkn(a!.shape, b!.shape, p);
    if (k !== kb) throw new DriftError("matmul", `inner dimensions differ: a is ${fmtShape(a!.shape)}, b is ${fmtShape(b!.shape)}`);
    return [new ShapedArray([...a!.shape.slice(0, -2), m, n], a!.dtype, a!.weakType && b!.weakType)];
  },
  impl([a, b], p, [o]) {
    const [m, k, , n] = mkn(a!.shape, b!.shape, p);
    const batch = sizeOf(a!.shape.slice(0, -2));
    if (o!.dtype === "float32" && float32Kernel) return [float32Kernel(a!.buf as Float32Array, b!.buf as Float32Array, batch, m, k, n, p)];
    const out = allocate(o!.dtype, o!.size);
    for (let t = 0; t < batch; t++) matmulReference(a!.buf, t * m * k, b!.buf, t * k * n, m, k, n, p, out, t * m * n);
    return [out];
  },
  jvp([a, b], [ta, tb], p) {
    const out = bind1(matmulPrim, [a!, b!], p);
    const x = ta && bind1(matmulPrim, [ta, b!], p);
    const y = tb && bind1(matmulPrim, [a!, tb], p);
    return [[out], [x && y ? add(x, y) : (x ?? y)]];
  },
  transpose([ct], [a, b], p) {
    if (!ct) return [null, null];
    let ca: Tensor | null = null;
    let cb: Tensor | null = null;
    // C = op(A)·op(B): d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC, written back in each operand's stored layout.
    if (a instanceof UndefPrimal) {
      const B = b as Tensor;
      ca = p.transA
        ? bind1(matmulPrim, [B, ct], { transA: p.transB, transB: true })
        : bind1(matmulPrim, [ct, B], { transA: false, transB: !p.transB });
    }
    if (b instanceof UndefPrimal) {
      const A = a as Tensor;
      cb = p.transB
        ? bind1(matmulPrim, [ct, A], { transA: true, transB: p.transA })
        : bind1(matmulPrim, [A, ct], { transA: !p.transA, transB: false });
    }
    return [ca, cb];
  },
  batch([a, b], [da, db], p, size) {
    const front = (x: Tensor, d: number | null | undefined): Tensor =>
      d === null || d === undefined
        ? bind1(broadcastInDimPrim, [x], { shape: [size, ...x.shape], dims: x.shape.map((_, i) => i + 1) })
        : moveaxis(x, d, 0);
    return [[bind1(matmulPrim, [front(a!, da), front(b!, db)], p)], [0]];
  },
});

function promotePair(op: string, x: ArrayLike, y: ArrayLike): [Tensor, Tensor] {
  const a = asTensor(x, op, "a");
  const b = asTensor(y, op, "b");
  const dtype = promoteTypes(a.dtype, a.weakType, b.dtype, b.weakType);
  return [convert(a, dtype), convert(b, dtype)];
}

/** Matrix product with numpy semantics: 1-D operands are promoted and squeezed, leading dims broadcast. */
export function matmul(x: ArrayLike, y: ArrayLike): Tensor {
  let [a, b] = promotePair("matmul", x, y);
  if (a.ndim === 0 || b.ndim === 0) throw new DriftError("matmul", `operands must be at least 1-D; got a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)}`);
  const aVec = a.ndim === 1;
  const bVec = b.ndim === 1;
  const origA = a.shape;
  const origB = b.shape;
  if (aVec) a = reshape(a, [1, a.shape[0]!]);
  if (bVec) b = reshape(b, [b.shape[0]!, 1]);
  if (a.shape[a.ndim - 1] !== b.shape[b.ndim - 2])
    throw new DriftError("matmul", `inner dimensions differ: a is ${fmtShape(origA)}, b is ${fmtShape(origB)}`);
  const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  a = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  b = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  let out = bind1(matmulPrim, [a, b], { transA: false, transB: false });
  if (aVec || bVec) {
    const shape = [...batch];
    if (!aVec) shape.push(out.shape[out.ndim - 2]!);
    if (!bVec) shape.push(out.shape[out.ndim - 1]!);
    out = reshape(out, shape);
  }
  return out;
}

/** Contracts `axes` of a with `axes` of b (a number n means a's last n with b's first n). */
export function tensordot(x: ArrayLike, y: ArrayLike, axes: number | readonly [readonly number[], readonly number[]] = 2): Tensor {
  const [a, b] = promotePair("tensordot", x, y);
  let ax: number[];
  let bx: number[];
  if (typeof axes === "number") {
    ax = Array.from({ length: axes }, (_, i) => a.ndim - axes + i);
    bx = Array.from({ length: axes }, (_, i) => i);
  } else {
    ax = axes[0].map((i) => normAxis("tensordot", i, a.ndim, "axes"));
    bx = axes[1].map((i) => normAxis("tensordot", i, b.ndim, "axes"));
  }
  if (ax.length !== bx.length) throw new DriftError("tensordot", `axes lists differ in length: [${ax}] vs [${bx}]`);
  ax.forEach((i, j) => {
    if (a.shape[i] !== b.shape[bx[j]!])
      throw new DriftError("tensordot", `contracted sizes differ: a axis ${i} is ${a.shape[i]}, b axis ${bx[j]} is ${b.shape[bx[j]!]}`);
  });
  const aFree = a.shape.map((_, i) => i).filter((i) => !ax.includes(i));
  const bFree = b.shape.map((_, i) => i).filter((i) => !bx.includes(i));
  const k = sizeOf(ax.map((i) => a.shape[i]!));
  const a2 = reshape(transpose(a, [...aFree, ...ax]), [sizeOf(aFree.map((i) => a.shape[i]!)), k]);
  const b2 = reshape(transpose(b, [...bx, ...bFree]), [k, sizeOf(bFree.map((i) => b.shape[i]!))]);
  const out = bind1(matmulPrim, [a2, b2], { transA: false, transB: false });
  return reshape(out, [...aFree.map((i) => a.shape[i]!), ...bFree.map((i) => b.shape[i]!)]);
}

/** numpy dot: products of scalars, inner product of vectors, matmul for ≤2-D, else a sum over a's last and b's second-last axis. */
export function dot(x: ArrayLike, y: ArrayLike): Tensor {
  const [a, b] = promotePair("dot", x, y);
  if (a.ndim === 0 || b.ndim === 0) return mul(a, b);
  if (b.ndim <= 2) {
    if (a.shape[a.ndim - 1] !== b.shape[Math.max(0, b.ndim - 2)])
      throw new DriftError("dot", `inner dimensions differ: a is ${fmtShape(a.shape)}, b is ${fmtShape(b.shape)}`);
    return matmul(a, b);
  }
  return tensordot(a, b, [[a.ndim - 1], [b.ndim - 2]]);
}

/** Outer product of two vectors (inputs are flattened). */
export function outer(x: ArrayLike, y: ArrayLike): Tensor {
  const [a, b] = promotePair("outer", x, y);
  return mul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}

interface Operand {
  x: Tensor;
  letters: string;
}

/** Letters an einsum subscript may use; those the subscripts leave free name the axes an ellipsis stands for. */
const EINSUM_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Einstein summation over one or more operands, e.g. `einsum("bij,bjk->bik", a, b)`, as `jnp.einsum`. Each letter
 * names an axis; letters missing from the output are summed. A letter repeated within one operand takes that
 * operand's diagonal (`"ii->i"`, `"ii"` is the trace). `...` stands for an operand's remaining axes; those of all
 * operands broadcast together (aligned on the right) and lead the implicit output (`"...ij,...jk"` → `"...ik"`).
 * Contractions go through the batched matmul primitive.
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): Tensor {
  const spec = subscripts.replace(/\s+/g, "");
  const sides = spec.split("->");
  if (sides.length > 2) throw new DriftError("einsum", `"${subscripts}" has more than one "->"`);
  const [lhs, rhsGiven] = sides as [string, string | undefined];
  const inputs = lhs.split(",");
  if (inputs.length !== operands.length)
    throw new DriftError("einsum", `"${subscripts}" names ${inputs.length} operands but ${operands.length} were given`);
  for (const part of [...inputs, ...(rhsGiven === undefined ? [] : [rhsGiven])])
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(part))
      throw new DriftError("einsum", `subscripts must be letters with at most one "..." per operand; got "${part}" in "${subscripts}"`);
  const xs = operands.map((o, i) => asTensor(o, "einsum", `operand ${i}`));
  const { letters, shapes, ellipsis } = expandEllipsis(subscripts, inputs, xs);
  const sizes = new Map<string, number>();
  const ops: Operand[] = letters.map((named, i) => {
    let x = shapesEqual(xs[i]!.shape, shapes[i]!) ? xs[i]! : broadcastTo(xs[i]!, shapes[i]!);
    if (named.length !== x.ndim)
      throw new DriftError("einsum", `operand ${i} has shape ${fmtShape(x.shape)} but subscripts "${inputs[i]}" name ${named.length} axes`);
    [...named].forEach((c, j) => {
      const d = x.shape[j]!;
      const prev = sizes.get(c);
      if (prev !== undefined && prev !== d) throw new DriftError("einsum", `index "${c}" has size ${prev} in one operand and ${d} in operand ${i}`);
      sizes.set(c, d);
    });
    // A repeated letter takes the diagonal of its two axes (which then sit last), until every letter is single.
    for (let c = repeated(named); c !== undefined; c = repeated(named)) {
      const p = named.indexOf(c);
      const q = named.indexOf(c, p + 1);
      x = diagonal(x, 0, p, q);
      named = [...named].filter((_, k) => k !== p && k !== q).join("") + c;
    }
    return { x, letters: named };
  });
  const out =
    rhsGiven === undefined
      ? implicitOutput(letters, ellipsis)
      : rhsGiven.includes("...")
        ? rhsGiven.replace("...", ellipsis)
        : rhsGiven;
  if (rhsGiven !== undefined && !rhsGiven.includes("...") && ellipsis.length > 0)
    throw new DriftError("einsum", `the operands' "..." stands for ${ellipsis.length} ${ellipsis.length === 1 ? "axis" : "axes"}, so the output "${rhsGiven}" must contain "..." too`);
  if (new Set(out).size !== out.length) throw new DriftError("einsum", `output "${rhsGiven}" repeats an index`);
  for (const c of out) if (!sizes.has(c)) throw new DriftError("einsum", `output index "${c}" does not appear in any input`);
  let acc = ops[0]!;
  for (let i = 1; i < ops.length; i++) {
    const later = ops.slice(i + 1).map((o) => o.letters).join("") + out;
    acc = contractPair(acc, ops[i]!, later);
  }
  const summed = [...acc.letters].map((c, i) => (out.includes(c) ? -1 : i)).filter((i) => i >= 0);
  let x = summed.length ? sum(acc.x, summed) : acc.x;
  const remaining = [...acc.letters].filter((c) => out.includes(c));
  return transpose(
    x,
    [...out].map((c) => remaining.indexOf(c)),
  );
}

/** The first letter that occurs twice in `letters`, if any. */
function repeated(letters: string): string | undefined {
  return [...letters].find((c, i) => letters.indexOf(c) !== i);
}

/** numpy's implicit output: the ellipsis letters, then the letters that occur once in all the subscripts, sorted. */
function implicitOutput(letters: readonly string[], ellipsis: string): string {
  const counts = new Map<string, number>();
  for (const named of letters) for (const c of named) if (!ellipsis.includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  return ellipsis + [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join("");
}

/**
 * Replaces each operand's `...` by letters the subscripts do not use, one per axis it stands for, aligned on the right
 * across operands; returns each operand's letters, the shape to broadcast it to (its ellipsis axes of size 1 stretched
 * to the others' size) and the letters of the broadcast ellipsis axes.
 */
function expandEllipsis(subscripts: string, inputs: readonly string[], xs: readonly Tensor[]): { letters: string[]; shapes: number[][]; ellipsis: string } {
  const ranks = inputs.map((part, i) => (part.includes("...") ? xs[i]!.ndim - (part.length - 3) : 0));
  ranks.forEach((r, i) => {
    if (r < 0) throw new DriftError("einsum", `operand ${i} has shape ${fmtShape(xs[i]!.shape)} but subscripts "${inputs[i]}" name ${inputs[i]!.length - 3} axes besides "..."`);
  });
  const rank = Math.max(0, ...ranks);
  const free = [...EINSUM_LETTERS].filter((c) => !subscripts.includes(c));
  if (free.length < rank) throw new DriftError("einsum", `"..." stands for ${rank} axes but only ${free.length} letters are left unused by "${subscripts}"`);
  const ellipsis = free.slice(0, rank).join("");
  const dims: number[] = new Array<number>(rank).fill(1);
  inputs.forEach((part, i) => {
    const start = part.indexOf("...");
    if (start < 0) return;
    xs[i]!.shape.slice(start, start + ranks[i]!).forEach((d, j) => {
      const k = rank - ranks[i]! + j;
      if (d !== 1 && dims[k] !== 1 && dims[k] !== d)
        throw new DriftError("einsum", `the "..." axes of operand ${i} (shape ${fmtShape(xs[i]!.shape)}) do not broadcast with the other operands' (${fmtShape(dims)})`);
      if (d !== 1) dims[k] = d;
    });
  });
  const letters = inputs.map((part, i) => part.replace("...", ellipsis.slice(rank - ranks[i]!)));
  const shapes = inputs.map((part, i) => {
    const start = part.indexOf("...");
    const shape = [...xs[i]!.shape];
    for (let j = 0; j < ranks[i]!; j++) shape[start + j] = dims[rank - ranks[i]! + j]!;
    return shape;
  });
  return { letters, shapes, ellipsis };
}

/** Contracts two operands, keeping letters needed by `keep` (the output and operands still to come). */
function contractPair(A: Operand, B: Operand, keep: string): Operand {
  // Sum away letters private to one operand and not needed later.
  const reduceOwn = (o: Operand, other: string): Operand => {
    const drop = [...o.letters].map((c, i) => (!other.includes(c) && !keep.includes(c) ? i : -1)).filter((i) => i >= 0);
    if (!drop.length) return o;
    return { x: sum(o.x, drop), letters: [...o.letters].filter((_, i) => !drop.includes(i)).join("") };
  };
  const a = reduceOwn(A, B.letters);
  const b = reduceOwn(B, a.letters);
  const batch = [...a.letters].filter((c) => b.letters.includes(c) && keep.includes(c));
  const contract = [...a.letters].filter((c) => b.letters.includes(c) && !keep.includes(c));
  const aFree = [...a.letters].filter((c) => !b.letters.includes(c));
  const bFree = [...b.letters].filter((c) => !a.letters.includes(c));
  const dim = (c: string): number => (a.letters.includes(c) ? a.x.shape[a.letters.indexOf(c)]! : b.x.shape[b.letters.indexOf(c)]!);
  const size = (cs: string[]): number => cs.reduce((n, c) => n * dim(c), 1);
  const order = (o: Operand, cs: string[]) => cs.map((c) => o.letters.indexOf(c));
  const [ax, bx] = promotePair("einsum", a.x, b.x);
  const a3 = reshape(transpose(ax, order(a, [...batch, ...aFree, ...contract])), [size(batch), size(aFree), size(contract)]);
  const b3 = reshape(transpose(bx, order(b, [...batch, ...contract, ...bFree])), [size(batch), size(contract), size(bFree)]);
  const c = bind1(matmulPrim, [a3, b3], { transA: false, transB: false });
  const dims = [...batch, ...aFree, ...bFree];
  return { x: reshape(c, dims.map(dim)), letters: dims.join("") };
}

/** The order of a {@link norm}: a number (vector norms: any p, ±Infinity, 0; matrix norms: ±1, ±Infinity) or "fro". */
export type NormOrder = number | "fro" | null;

/**
 * Vector or matrix norm, as `jnp.linalg.norm(x, ord, axis, keepdims)`. With one axis (or a 1-D x and no axis): the
 * p-norm (sum |x|^p)^(1/p) for `ord` p (2 when omitted), max |x| for Infinity, min |x| for −Infinity, the count of
 * nonzeros for 0. With two axes (or a 2-D x and an `ord`): Frobenius ("fro" or omitted), the largest (1) or smallest
 * (−1) column sum of |x|, the largest (Infinity) or smallest (−Infinity) row sum. With neither `ord` nor `axis`, the
 * 2-norm of all elements. Integer input gives float32. Norms needing singular values (2, −2, "nuc" on matrices) are
 * not available.
 */
export function norm(x: ArrayLike, ord: NormOrder = null, axis?: number | readonly number[] | null, opts: { keepdims?: boolean } = {}): Tensor {
  let a = asTensor(x, "norm");
  if (!isFloat(a.dtype)) a = convert(a, "float32");
  const keepdims = opts.keepdims ?? false;
  if (axis === undefined || axis === null) {
    if (ord === null) return sqrt(sum(square(a), null, { keepdims }));
    if (a.ndim !== 1 && a.ndim !== 2)
      throw new DriftError("norm", `ord ${fmtOrd(ord)} without an axis needs a 1-D or 2-D x; got shape ${fmtShape(a.shape)} (give axis)`);
    axis = a.ndim === 1 ? 0 : [0, 1];
  }
  const axes = (typeof axis === "number" ? [axis] : [...axis]).map((i) => normAxis("norm", i, a.ndim));
  if (axes.length === 1) return vectorNorm(a, ord, axes[0]!, keepdims);
  if (axes.length !== 2 || axes[0] === axes[1])
    throw new DriftError("norm", `axis must be one axis or two different axes of shape ${fmtShape(a.shape)}; got ${JSON.stringify(axis)}`);
  return matrixNorm(a, ord, axes as [number, number], keepdims);
}

const fmtOrd = (ord: NormOrder): string => (typeof ord === "string" ? `"${ord}"` : String(ord));

function vectorNorm(a: Tensor, ord: NormOrder, axis: number, keepdims: boolean): Tensor {
  const o = { keepdims };
  if (ord === null || ord === 2) return sqrt(sum(square(a), axis, o));
  if (ord === Infinity) return max(abs(a), axis, o);
  if (ord === -Infinity) return min(abs(a), axis, o);
  if (ord === 0) return sum(convert(notEqual(a, 0), a.dtype), axis, o);
  if (ord === 1) return sum(abs(a), axis, o);
  if (typeof ord === "number" && Number.isFinite(ord)) return pow(sum(pow(abs(a), ord), axis, o), 1 / ord);
  throw new DriftError("norm", `ord ${fmtOrd(ord)} is not a vector norm; valid: a number (p), Infinity, -Infinity, 0, or omitted (2)`);
}

function matrixNorm(a: Tensor, ord: NormOrder, [row, col]: [number, number], keepdims: boolean): Tensor {
  const done = (t: Tensor): Tensor => (keepdims ? t : squeeze(t, [row, col]));
  const kept = { keepdims: true };
  if (ord === null || ord === "fro") return done(sqrt(sum(square(a), [row, col], kept)));
  // Column sums of |x| reduce the row axis; row sums the column axis.
  if (ord === 1) return done(max(sum(abs(a), row, kept), col, kept));
  if (ord === -1) return done(min(sum(abs(a), row, kept), col, kept));
  if (ord === Infinity) return done(max(sum(abs(a), col, kept), row, kept));
  if (ord === -Infinity) return done(min(sum(abs(a), col, kept), row, kept));
  throw new DriftError(
    "norm",
    `matrix ord ${fmtOrd(ord)} is not available (2, -2 and "nuc" need singular values); valid: "fro" (or omitted), 1, -1, Infinity, -Infinity`,
  );
}

/** x with the elements above diagonal `k` of its last two axes set to zero (lower triangle), as `jnp.tril`. */
export function tril(x: ArrayLike, k = 0): Tensor {
  return triangle("tril", x, k, true);
}

/** x with the elements below diagonal `k` of its last two axes set to zero (upper triangle), as `jnp.triu`. */
export function triu(x: ArrayLike, k = 0): Tensor {
  return triangle("triu", x, k, false);
}

function triangle(op: string, x: ArrayLike, k: number, lower: boolean): Tensor {
  const a = asTensor(x, op);
  if (a.ndim < 2) throw new DriftError(op, `x must have at least 2 axes; got shape ${fmtShape(a.shape)}`);
  if (!Number.isInteger(k)) throw new DriftError(op, `k must be an integer; got ${k}`);
  const [n, m] = a.shape.slice(-2) as [number, number];
  // column − row ≤ k keeps the lower triangle; the upper keeps column − row ≥ k.
  const offset = sub(reshape(arangeInt(m), [1, m]), reshape(arangeInt(n), [n, 1]));
  const keep = lower ? lessEqual(offset, k) : lessEqual(k, offset);
  return where(keep, a, 0);
}
