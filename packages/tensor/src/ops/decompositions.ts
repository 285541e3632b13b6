// Dense linear solves and factorizations (solve, triangular solve, Cholesky, slogdet, eigh, QR) as primitives, and np.linalg on them.
import { DriftError, fmtShape } from "../errors.ts";
import { type DType, type TypedArray, allocate, isFloat } from "../dtype.ts";
import { broadcastShapes, shapesEqual, sizeOf } from "../shape.ts";
import { type ConcreteArray, type Primitive, ShapedArray, type Tensor, UndefPrimal, bind, bind1, definePrimitive } from "../core/tensor.ts";
import { type ArrayLike, asTensor, convert } from "./coerce.ts";
import { add, div, exp, mul, sub, where } from "./elementwise.ts";
import { broadcastInDimPrim, broadcastTo, expandDims, moveaxis, reshape, squeeze, swapaxes } from "./movement.ts";
import { sum } from "./reduce.ts";
import { diagonal } from "./indexing.ts";
import { matmulPrim, tril, triu } from "./linalg.ts";
import { eye } from "./creation.ts";

/** The n × n matrices of a [..., n, n] stack, read into float64 rows for the factorizations. */
function matrixAt(buf: TypedArray, t: number, n: number): Float64Array {
  return Float64Array.from(buf.subarray(t * n * n, (t + 1) * n * n));
}

/** The row at or below `col` with the largest |m[row, col]| (partial pivoting). */
function pivotRow(m: Float64Array, n: number, col: number): number {
  let pivot = col;
  for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
  return pivot;
}

/** Swaps rows i and j of a row-major matrix with `width` columns. */
function swapRows(m: Float64Array, width: number, i: number, j: number): void {
  for (let c = 0; c < width; c++) [m[i * width + c], m[j * width + c]] = [m[j * width + c]!, m[i * width + c]!];
}

/** Checks that `a` is a float stack of square matrices [..., n, n] (the factorizations' input). */
function checkSquare(op: string, a: { dtype: DType; ndim: number; shape: readonly number[] }): void {
  if (!isFloat(a.dtype)) throw new DriftError(op, `needs a float32 or float64 matrix; got ${a.dtype}`);
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2])
    throw new DriftError(op, `a must be a stack of square matrices [..., n, n]; got shape ${fmtShape(a.shape)}`);
}

/** The argument as an array, integers and bools converted to float32 (the public solvers' input). */
function floatArg(op: string, x: ArrayLike, arg = "a"): Tensor {
  const t = asTensor(x, op, arg);
  return isFloat(t.dtype) ? t : convert(t, "float32");
}

/** Shared checks of a stack of square matrices a [..., n, n] and right-hand sides b [..., n, k] with equal batch dims. */
function checkSystem(op: string, a: ShapedArray, b: ShapedArray): void {
  if (a.dtype !== b.dtype) throw new DriftError(op, `a and b must share a dtype; got ${a.dtype} and ${b.dtype}`);
  checkSquare(op, a);
  const n = a.shape[a.ndim - 1];
  if (b.ndim !== a.ndim || b.shape[b.ndim - 2] !== n || !shapesEqual(a.shape.slice(0, -2), b.shape.slice(0, -2)))
    throw new DriftError(op, `b must be [..., ${n}, k] with a's batch dimensions; a is ${fmtShape(a.shape)}, b is ${fmtShape(b.shape)}`);
}

/** The abstract evaluation of a solver: X has b's shape and dtype. */
function systemAval(op: string): (avals: ShapedArray[]) => ShapedArray[] {
  return ([a, b]) => {
    checkSystem(op, a!, b!);
    return [new ShapedArray(b!.shape, b!.dtype, a!.weakType && b!.weakType)];
  };
}

/**
 * Runs a solver on every system of a stack: `solveInPlace(m, x, t)` gets matrix t of a as float64 rows (n × n) and its
 * right-hand sides as float64 rows (n × k) to overwrite with the solution; returns the solutions in o's dtype.
 */
function solveEach(a: ConcreteArray, b: ConcreteArray, o: ShapedArray, solveInPlace: (m: Float64Array, x: Float64Array, t: number) => void): TypedArray {
  const n = a.shape[a.ndim - 1]!;
  const k = b.shape[b.ndim - 1]!;
  const out = allocate(o.dtype, o.size);
  for (let t = 0; t < sizeOf(a.shape.slice(0, -2)); t++) {
    const x = Float64Array.from(b.buf.subarray(t * n * k, (t + 1) * n * k));
    solveInPlace(matrixAt(a.buf, t, n), x, t);
    out.set(x, t * n * k);
  }
  return out;
}

/** Moves the batch dimension of each operand to the front, broadcasting unbatched operands (batching rules). */
function batchFront(args: readonly Tensor[], dims: readonly (number | null | undefined)[], size: number): Tensor[] {
  return args.map((x, i) => {
    const d = dims[i];
    return d === null || d === undefined
      ? bind1(broadcastInDimPrim, [x], { shape: [size, ...x.shape], dims: x.shape.map((_, j) => j + 1) })
      : moveaxis(x, d, 0);
  });
}

/** The transposes of the matrices of a stack. */
const mT = (x: Tensor): Tensor => swapaxes(x, -1, -2);

/** solve: X = A⁻¹B for stacks of general square A (Gaussian elimination with partial pivoting, in float64). */
export const solvePrim: Primitive<null> = definePrimitive<null>({
  name: "solve",
  abstractEval: systemAval("solve"),
  impl([a, b], _p, [o]) {
    const n = a!.shape[a!.ndim - 1]!;
    const k = b!.shape[b!.ndim - 1]!;
    const out = solveEach(a!, b!, o!, (m, x, t) => {
      for (let col = 0; col < n; col++) {
        const pivot = pivotRow(m, n, col);
        if (m[pivot * n + col] === 0 || Number.isNaN(m[pivot * n + col]!)) throw new DriftError("solve", `matrix ${t} of the stack is singular (no nonzero pivot in column ${col})`);
        if (pivot !== col) {
          swapRows(m, n, col, pivot);
          swapRows(x, k, col, pivot);
        }
        for (let r = col + 1; r < n; r++) {
          const f = m[r * n + col]! / m[col * n + col]!;
          if (f === 0) continue;
          for (let j = col; j < n; j++) m[r * n + j]! -= f * m[col * n + j]!;
          for (let j = 0; j < k; j++) x[r * k + j]! -= f * x[col * k + j]!;
        }
      }
      for (let r = n - 1; r >= 0; r--)
        for (let j = 0; j < k; j++) {
          let s = x[r * k + j]!;
          for (let c = r + 1; c < n; c++) s -= m[r * n + c]! * x[c * k + j]!;
          x[r * k + j] = s / m[r * n + r]!;
        }
    });
    return [out];
  },
  // d(A⁻¹B) = A⁻¹(dB − dA·X).
  jvp([a, b], [ta, tb]) {
    const x = bind1(solvePrim, [a!, b!], null);
    const dAx = ta && bind1(matmulPrim, [ta, x], { transA: false, transB: false });
    const rhs = dAx && tb ? sub(tb, dAx) : dAx ? mul(dAx, -1) : tb;
    return [[x], [rhs && bind1(solvePrim, [a!, rhs], null)]];
  },
  // Linear in B: B̄ = A⁻ᵀ X̄.
  transpose([ct], [a, b]) {
    if (a instanceof UndefPrimal) throw new DriftError("solve", "transpose with respect to the matrix (solve is linear only in b)");
    return [null, ct && b instanceof UndefPrimal ? bind1(solvePrim, [mT(a as Tensor), ct], null) : null];
  },
  batch(args, dims, _p, size) {
    return [[bind1(solvePrim, batchFront(args as Tensor[], dims, size), null)], [0]];
  },
});

/** Parameters of {@link triangularSolvePrim}: A is lower (else upper) triangular; solve Aᵀ X = B when `transA`. */
export interface TriangularSolveParams {
  lower: boolean;
  transA: boolean;
}

/** triangular_solve: X = op(A)⁻¹B for stacks of triangular A (only A's triangle is read), by substitution in float64. */
export const triangularSolvePrim: Primitive<TriangularSolveParams> = definePrimitive<TriangularSolveParams>({
  name: "triangular_solve",
  abstractEval: systemAval("solveTriangular"),
  impl([a, b], p, [o]) {
    const n = a!.shape[a!.ndim - 1]!;
    const k = b!.shape[b!.ndim - 1]!;
    // op(A) is lower triangular when A is lower and not transposed, or upper and transposed: solve forwards then.
    const forward = p.lower !== p.transA;
    const at = (m: Float64Array, r: number, c: number): number => (p.transA ? m[c * n + r]! : m[r * n + c]!);
    const out = solveEach(a!, b!, o!, (m, x, t) => {
      for (let s = 0; s < n; s++) {
        const r = forward ? s : n - 1 - s;
        const d = at(m, r, r);
        if (d === 0 || Number.isNaN(d)) throw new DriftError("solveTriangular", `matrix ${t} of the stack is singular (diagonal entry ${r} is ${d})`);
        for (let j = 0; j < k; j++) {
          let v = x[r * k + j]!;
          if (forward) for (let c = 0; c < r; c++) v -= at(m, r, c) * x[c * k + j]!;
          else for (let c = r + 1; c < n; c++) v -= at(m, r, c) * x[c * k + j]!;
          x[r * k + j] = v / d;
        }
      }
    });
    return [out];
  },
  // d(op(A)⁻¹B) = op(A)⁻¹(dB − op(dA)·X), with dA restricted to A's triangle (the only part A's values come from).
  jvp([a, b], [ta, tb], p) {
    const x = bind1(triangularSolvePrim, [a!, b!], p);
    const dA = ta && (p.lower ? tril(ta) : triu(ta));
    const dAx = dA && bind1(matmulPrim, [dA, x], { transA: p.transA, transB: false });
    const rhs = dAx && tb ? sub(tb, dAx) : dAx ? mul(dAx, -1) : tb;
    return [[x], [rhs && bind1(triangularSolvePrim, [a!, rhs], p)]];
  },
  transpose([ct], [a, b], p) {
    if (a instanceof UndefPrimal) throw new DriftError("solveTriangular", "transpose with respect to the matrix (the solve is linear only in b)");
    return [null, ct && b instanceof UndefPrimal ? bind1(triangularSolvePrim, [a as Tensor, ct], { lower: p.lower, transA: !p.transA }) : null];
  },
  batch(args, dims, p, size) {
    return [[bind1(triangularSolvePrim, batchFront(args as Tensor[], dims, size), p)], [0]];
  },
});

/** cholesky: the lower-triangular L with L·Lᵀ = A for stacks of symmetric positive-definite A (A's lower triangle is read). */
export const choleskyPrim: Primitive<null> = definePrimitive<null>({
  name: "cholesky",
  abstractEval([a]) {
    checkSquare("cholesky", a!);
    return [new ShapedArray(a!.shape, a!.dtype, a!.weakType)];
  },
  impl([a], _p, [o]) {
    const n = a!.shape[a!.ndim - 1]!;
    const out = allocate(o!.dtype, o!.size);
    for (let t = 0; t < sizeOf(a!.shape.slice(0, -2)); t++) {
      const m = matrixAt(a!.buf, t, n);
      const l = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        let d = m[j * n + j]!;
        for (let c = 0; c < j; c++) d -= l[j * n + c]! ** 2;
        if (!(d > 0)) throw new DriftError("cholesky", `matrix ${t} of the stack is not positive definite (pivot ${j} is ${d})`);
        const ljj = Math.sqrt(d);
        l[j * n + j] = ljj;
        for (let r = j + 1; r < n; r++) {
          let v = m[r * n + j]!;
          for (let c = 0; c < j; c++) v -= l[r * n + c]! * l[j * n + c]!;
          l[r * n + j] = v / ljj;
        }
      }
      out.set(l, t * n * n);
    }
    return [out];
  },
  // dL = L·Φ(L⁻¹ Ȧ L⁻ᵀ) with Ȧ symmetrised and Φ the lower triangle with its diagonal halved (Murray 2016, "Differentiation
  // of the Cholesky decomposition").
  jvp([a], [ta]) {
    const l = bind1(choleskyPrim, [a!], null);
    if (!ta) return [[l], [null]];
    const sym = mul(add(ta, mT(ta)), 0.5);
    const lower = { lower: true, transA: false };
    const left = bind1(triangularSolvePrim, [l, sym], lower);
    const inner = mT(bind1(triangularSolvePrim, [l, mT(left)], lower));
    const phi = sub(tril(inner), mul(tril(triu(inner)), 0.5));
    return [[l], [bind1(matmulPrim, [l, phi], { transA: false, transB: false })]];
  },
  batch([a], [d]) {
    return [[bind1(choleskyPrim, [moveaxis(a!, d!, 0)], null)], [0]];
  },
});

/** slogdet: the sign (±1, or 0 when singular) and log |det A| of stacks of square matrices, by LU with partial pivoting. */
export const slogdetPrim: Primitive<null> = definePrimitive<null>({
  name: "slogdet",
  abstractEval([a]) {
    checkSquare("slogdet", a!);
    const batch = a!.shape.slice(0, -2);
    return [new ShapedArray(batch, a!.dtype, a!.weakType), new ShapedArray(batch, a!.dtype, a!.weakType)];
  },
  impl([a], _p, [so, lo]) {
    const n = a!.shape[a!.ndim - 1]!;
    const signs = allocate(so!.dtype, so!.size);
    const logs = allocate(lo!.dtype, lo!.size);
    for (let t = 0; t < signs.length; t++) {
      const m = matrixAt(a!.buf, t, n);
      let sign = 1;
      let logAbs = 0;
      for (let col = 0; col < n && sign !== 0; col++) {
        const pivot = pivotRow(m, n, col);
        const p = m[pivot * n + col]!;
        if (p === 0) {
          sign = 0;
          logAbs = -Infinity;
          break;
        }
        if (pivot !== col) {
          swapRows(m, n, col, pivot);
          sign = -sign;
        }
        if (p < 0) sign = -sign;
        logAbs += Math.log(Math.abs(p));
        for (let r = col + 1; r < n; r++) {
          const f = m[r * n + col]! / p;
          for (let j = col; j < n; j++) m[r * n + j]! -= f * m[col * n + j]!;
        }
      }
      signs[t] = sign;
      logs[t] = logAbs;
    }
    return [signs, logs];
  },
  // d log|det A| = tr(A⁻¹ dA); the sign is piecewise constant.
  jvp([a], [ta]) {
    const [sign, logAbs] = bind(slogdetPrim, [a!], null) as [Tensor, Tensor];
    const t = ta && sum(diagonal(bind1(solvePrim, [a!, ta], null), 0, -2, -1), -1);
    return [[sign, logAbs], [null, t]];
  },
  batch([a], [d]) {
    return [bind(slogdetPrim, [moveaxis(a!, d!, 0)], null), [0, 0]];
  },
});

/** Jacobi sweeps before {@link eighPrim} gives up (each sweep roughly squares the off-diagonal mass once it is small). */
const MAX_JACOBI_SWEEPS = 60;

/**
 * eigh: eigenvalues (ascending) and orthonormal eigenvectors (columns) of stacks of symmetric matrices, by cyclic
 * Jacobi rotations in float64 (Golub & Van Loan, "Matrix Computations", §8.5) until the off-diagonal mass is below
 * float64 rounding of the matrix's norm.
 */
export const eighPrim: Primitive<null> = definePrimitive<null>({
  name: "eigh",
  abstractEval([a]) {
    checkSquare("eigh", a!);
    return [new ShapedArray(a!.shape.slice(0, -1), a!.dtype, a!.weakType), new ShapedArray(a!.shape, a!.dtype, a!.weakType)];
  },
  impl([a], _p, [wo, vo]) {
    const n = a!.shape[a!.ndim - 1]!;
    const values = allocate(wo!.dtype, wo!.size);
    const vectors = allocate(vo!.dtype, vo!.size);
    for (let t = 0; t < sizeOf(a!.shape.slice(0, -2)); t++) {
      const m = matrixAt(a!.buf, t, n);
      const v = new Float64Array(n * n);
      for (let i = 0; i < n; i++) v[i * n + i] = 1;
      let norm2 = 0;
      for (const x of m) norm2 += x * x;
      for (let sweep = 0; ; sweep++) {
        let off = 0;
        for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
        if (off <= 1e-32 * norm2 || off === 0) break;
        if (sweep === MAX_JACOBI_SWEEPS) throw new DriftError("eigh", `matrix ${t} of the stack did not converge in ${MAX_JACOBI_SWEEPS} Jacobi sweeps (is it finite?)`);
        for (let p = 0; p < n; p++)
          for (let q = p + 1; q < n; q++) {
            const apq = m[p * n + q]!;
            if (apq === 0) continue;
            // The rotation (c, s) that zeroes m[p, q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
            const tau = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
            const tan = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
            const c = 1 / Math.sqrt(1 + tan * tan);
            const sn = tan * c;
            for (let k = 0; k < n; k++) {
              const mkp = m[k * n + p]!;
              const mkq = m[k * n + q]!;
              m[k * n + p] = c * mkp - sn * mkq;
              m[k * n + q] = sn * mkp + c * mkq;
            }
            for (let k = 0; k < n; k++) {
              const mpk = m[p * n + k]!;
              const mqk = m[q * n + k]!;
              m[p * n + k] = c * mpk - sn * mqk;
              m[q * n + k] = sn * mpk + c * mqk;
            }
            for (let k = 0; k < n; k++) {
              const vkp = v[k * n + p]!;
              const vkq = v[k * n + q]!;
              v[k * n + p] = c * vkp - sn * vkq;
              v[k * n + q] = sn * vkp + c * vkq;
            }
          }
      }
      // Ascending eigenvalues, eigenvectors as columns in the same order.
      const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i]! - m[j * n + j]!);
      order.forEach((src, dst) => {
        values[t * n + dst] = m[src * n + src]!;
        for (let k = 0; k < n; k++) vectors[t * n * n + k * n + dst] = v[k * n + src]!;
      });
    }
    return [values, vectors];
  },
  // With M = Vᵀ·Ȧ·V: ẇ = diag(M), V̇ = V·(F ∘ M), F_ij = 1/(w_j − w_i) off the diagonal (distinct eigenvalues).
  jvp([a], [ta]) {
    const [w, v] = bind(eighPrim, [a!], null) as [Tensor, Tensor];
    if (!ta) return [[w, v], [null, null]];
    const plain = { transA: false, transB: false };
    const m = bind1(matmulPrim, [bind1(matmulPrim, [v, ta], { transA: true, transB: false }), v], plain);
    const n = w.shape[w.ndim - 1]!;
    const gaps = sub(expandDims(w, -2), expandDims(w, -1));
    const onDiagonal = reshape(convert(eye(n), "bool"), [n, n]);
    const f = where(onDiagonal, 0, div(1, where(onDiagonal, 1, gaps)));
    return [[w, v], [diagonal(m, 0, -2, -1), bind1(matmulPrim, [v, mul(f, m)], plain)]];
  },
  batch([a], [d]) {
    return [bind(eighPrim, [moveaxis(a!, d!, 0)], null), [0, 0]];
  },
});

/**
 * qr: the reduced QR factorization of stacks of [..., m, n] matrices with m ≥ n — Q [..., m, n] with orthonormal columns
 * and R [..., n, n] upper triangular — by Householder reflections in float64 (Golub & Van Loan §5.2), each reflection
 * chosen so that R's diagonal is non-negative.
 */
export const qrPrim: Primitive<null> = definePrimitive<null>({
  name: "qr",
  abstractEval([a]) {
    if (!isFloat(a!.dtype)) throw new DriftError("qr", `needs a float32 or float64 matrix; got ${a!.dtype}`);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    if (a!.ndim < 2 || m < n) throw new DriftError("qr", `a must be a stack of [..., m, n] matrices with m ≥ n (reduced QR); got shape ${fmtShape(a!.shape)}`);
    const batch = a!.shape.slice(0, -2);
    return [new ShapedArray([...batch, m, n], a!.dtype, a!.weakType), new ShapedArray([...batch, n, n], a!.dtype, a!.weakType)];
  },
  impl([a], _p, [qo, ro]) {
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const qs = allocate(qo!.dtype, qo!.size);
    const rs = allocate(ro!.dtype, ro!.size);
    for (let t = 0; t < sizeOf(a!.shape.slice(0, -2)); t++) {
      const r = Float64Array.from(a!.buf.subarray(t * m * n, (t + 1) * m * n));
      const reflectors: Float64Array[] = [];
      for (let j = 0; j < n; j++) {
        // v = x − (−sign(x₀)‖x‖)e₀ reflects column j's lower part onto −sign(x₀)‖x‖·e₀; the sign is fixed up below.
        let norm = 0;
        for (let i = j; i < m; i++) norm += r[i * n + j]! ** 2;
        norm = Math.sqrt(norm);
        const v = new Float64Array(m - j);
        for (let i = j; i < m; i++) v[i - j] = r[i * n + j]!;
        const alpha = v[0]! >= 0 ? -norm : norm;
        v[0] = v[0]! - alpha;
        let vv = 0;
        for (const x of v) vv += x * x;
        reflectors.push(vv === 0 ? new Float64Array(0) : v.map((x) => x / Math.sqrt(vv)));
        const u = reflectors[j]!;
        if (u.length === 0) continue;
        for (let c = j; c < n; c++) {
          let d = 0;
          for (let i = j; i < m; i++) d += u[i - j]! * r[i * n + c]!;
          for (let i = j; i < m; i++) r[i * n + c]! -= 2 * u[i - j]! * d;
        }
      }
      // Q's first n columns: the reflections applied, last first, to the first n columns of the identity.
      const q = new Float64Array(m * n);
      for (let i = 0; i < n; i++) q[i * n + i] = 1;
      for (let j = n - 1; j >= 0; j--) {
        const u = reflectors[j]!;
        if (u.length === 0) continue;
        for (let c = 0; c < n; c++) {
          let d = 0;
          for (let i = j; i < m; i++) d += u[i - j]! * q[i * n + c]!;
          for (let i = j; i < m; i++) q[i * n + c]! -= 2 * u[i - j]! * d;
        }
      }
      // A non-negative diagonal of R (negate row j of R and column j of Q together).
      for (let j = 0; j < n; j++) {
        if (r[j * n + j]! >= 0) continue;
        for (let c = j; c < n; c++) r[j * n + c] = -r[j * n + c]!;
        for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
      }
      qs.set(q, t * m * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) rs[t * n * n + i * n + c] = c >= i ? r[i * n + c]! : 0;
    }
    return [qs, rs];
  },
  // With X = Ȧ·R⁻¹ and C = QᵀX, Ω = tril(C, −1) − tril(C, −1)ᵀ: Q̇ = Q(Ω − C) + X, Ṙ = (C − Ω)R — the reduced, full-rank
  // QR derivative (Walter & Lehmann 2018, "Algorithmic differentiation of linear algebra functions"; JAX uses the same).
  jvp([a], [ta]) {
    const [q, r] = bind(qrPrim, [a!], null) as [Tensor, Tensor];
    if (!ta) return [[q, r], [null, null]];
    const plain = { transA: false, transB: false };
    // X = Ȧ·R⁻¹ solves X·R = Ȧ, i.e. Rᵀ·Xᵀ = Ȧᵀ with R upper triangular.
    const x = mT(bind1(triangularSolvePrim, [r, mT(ta)], { lower: false, transA: true }));
    const c = bind1(matmulPrim, [q, x], { transA: true, transB: false });
    const below = tril(c, -1);
    const omega = sub(below, mT(below));
    const dq = add(bind1(matmulPrim, [q, sub(omega, c)], plain), x);
    const dr = bind1(matmulPrim, [sub(c, omega), r], plain);
    return [[q, r], [dq, dr]];
  },
  batch([a], [d]) {
    return [bind(qrPrim, [moveaxis(a!, d!, 0)], null), [0, 0]];
  },
});

/** a and b as float arrays of one dtype (integers become float32), for the public solvers. */
function floatPair(op: string, x: ArrayLike, y: ArrayLike): [Tensor, Tensor] {
  const a = floatArg(op, x, "a");
  const b = floatArg(op, y, "b");
  const dtype = a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
  return [convert(a, dtype), convert(b, dtype)];
}

/** Runs a solver primitive on a [..., n, n] and b ([..., n, k], or [n] as numpy treats a 1-D b), broadcasting batch dims. */
function solveWith(op: string, prim: Primitive<any>, params: unknown, x: ArrayLike, y: ArrayLike): Tensor {
  const [a, b0] = floatPair(op, x, y);
  checkSquare(op, a);
  const vector = b0.ndim === 1;
  const b = vector ? expandDims(b0, -1) : b0;
  if (b.ndim < 2) throw new DriftError(op, `b must be [n] or [..., n, k]; got shape ${fmtShape(b0.shape)}`);
  const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const x2 = bind1(prim, [broadcastTo(a, [...batch, ...a.shape.slice(-2)]), broadcastTo(b, [...batch, ...b.shape.slice(-2)])], params);
  return vector ? squeeze(x2, -1) : x2;
}

/** Solves a·x = b, as `jnp.linalg.solve` (b is [n] or [..., n, k]; a singular matrix is an error naming it). */
export function solve(a: ArrayLike, b: ArrayLike): Tensor {
  return solveWith("solve", solvePrim, null, a, b);
}

/**
 * Solves a·x = b (or aᵀ·x = b with `trans`) for triangular a, reading only its lower (`lower`) or upper (the default,
 * as scipy) triangle, as `jax.scipy.linalg.solve_triangular`.
 */
export function solveTriangular(a: ArrayLike, b: ArrayLike, opts: { lower?: boolean; trans?: boolean } = {}): Tensor {
  return solveWith("solveTriangular", triangularSolvePrim, { lower: opts.lower ?? false, transA: opts.trans ?? false }, a, b);
}

/** The inverse of each matrix of a stack, as `jnp.linalg.inv` (solve against the identity). */
export function inv(a: ArrayLike): Tensor {
  const m = floatArg("inv", a);
  checkSquare("inv", m);
  const n = m.shape[m.ndim - 1]!;
  return bind1(solvePrim, [m, broadcastTo(convert(eye(n), m.dtype), m.shape)], null);
}

/** The lower-triangular Cholesky factor L (L·Lᵀ = a) of symmetric positive-definite matrices, as `jnp.linalg.cholesky`. */
export function cholesky(a: ArrayLike): Tensor {
  return bind1(choleskyPrim, [floatArg("cholesky", a)], null);
}

/** [sign, log |det a|] of each matrix of a stack, as `jnp.linalg.slogdet` (sign 0 and −∞ for a singular matrix). */
export function slogdet(a: ArrayLike): [Tensor, Tensor] {
  return bind(slogdetPrim, [floatArg("slogdet", a)], null) as [Tensor, Tensor];
}

/** The determinant of each matrix of a stack, sign · e^(log |det|), as `jnp.linalg.det`. */
export function det(a: ArrayLike): Tensor {
  const [sign, logAbs] = slogdet(a);
  return where(sign, mul(sign, exp(logAbs)), 0);
}

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of v, orthonormal) of symmetric matrices, as `jnp.linalg.eigh`;
 * the input is symmetrised first, (a + aᵀ)/2, as JAX does by default. Eigenvectors are defined up to sign (and within
 * repeated eigenvalues up to rotation), as in numpy.
 */
export function eigh(a: ArrayLike): [Tensor, Tensor] {
  const m = floatArg("eigh", a);
  checkSquare("eigh", m);
  return bind(eighPrim, [mul(add(m, mT(m)), 0.5)], null) as [Tensor, Tensor];
}

/** Eigenvalues (ascending) of symmetric matrices, as `jnp.linalg.eigvalsh`. */
export function eigvalsh(a: ArrayLike): Tensor {
  return eigh(a)[0];
}

/**
 * The reduced QR factorization a = Q·R of [..., m, n] matrices with m ≥ n, as `jnp.linalg.qr(a, mode="reduced")`: Q has
 * orthonormal columns, R is upper triangular with a non-negative diagonal (numpy's LAPACK signs may differ per column).
 */
export function qr(a: ArrayLike): [Tensor, Tensor] {
  return bind(qrPrim, [floatArg("qr", a)], null) as [Tensor, Tensor];
}
