// Bad input raises DriftError naming the op, the argument, what was received and what was expected.
import { describe, expect, it } from "vitest";
import { DriftError, grad, jit, lax, np, tree, vjp, vmap } from "../src/index.ts";

const f32 = (shape: number[]) => np.zeros(shape);

const CASES: [string, () => unknown, RegExp][] = [
  ["matmul inner dimensions", () => np.matmul(f32([32, 17]), f32([6, 256])), /matmul: inner dimensions differ: a is \[32,17\], b is \[6,256\]/],
  ["matmul of a scalar", () => np.matmul(np.array(1), f32([2, 2])), /matmul: operands must be at least 1-D/],
  ["broadcast mismatch", () => np.add(f32([2, 3]), f32([4])), /add: shapes \[2,3\] and \[4\] cannot be broadcast/],
  ["reshape size", () => np.reshape(f32([2, 3]), [4, 2]), /reshape: cannot reshape an array of shape \[2,3\] \(size 6\) into \[4,2\]/],
  ["reshape two -1", () => np.reshape(f32([2, 3]), [-1, -1]), /at most one -1/],
  ["sum axis out of range", () => np.sum(f32([2, 3]), 2), /sum: axis 2 is out of range for an array of rank 2 \(valid: -2\.\.1\)/],
  ["duplicate axes", () => np.sum(f32([2, 3]), [0, -2]), /axis contains duplicates/],
  ["transpose bad perm", () => np.transpose(f32([2, 3]), [0, 0]), /transpose: axes must be a permutation/],
  ["concatenate ranks", () => np.concatenate([f32([2, 3]), f32([3])]), /concatenate: array 1 has rank 1 but array 0 has rank 2/],
  ["concatenate shapes", () => np.concatenate([f32([2, 3]), f32([3, 2])], 0), /array 1 has shape \[3,2\], which does not match array 0's \[2,3\] outside axis 0/],
  ["stack shapes", () => np.stack([f32([2]), f32([3])]), /stack: array 1 has shape \[3\] but array 0 has \[2\]/],
  ["squeeze non-1 axis", () => np.squeeze(f32([2, 3]), 0), /squeeze: axis 0 has size 2, not 1/],
  ["take out of bounds", () => np.take(f32([5]), np.array([7], { dtype: "int32" })), /take: index 7 is out of bounds for axis 0 with size 5/],
  ["take with float indices", () => np.take(f32([5]), np.array([1])), /take: indices must be int32 or uint32; got float32/],
  ["bad dtype name", () => np.zeros([2], { dtype: "float16" as any }), /dtype must be one of float32, float64, int32, uint32, bool; got float16/],
  ["ragged nested list", () => np.array([[1, 2], [3]]), /array: ragged nested list: \[1\] should have length 2/],
  ["JS array where an array is needed", () => np.add([1, 2] as any, 1), /add: x must be an array or a number; got a JS array/],
  ["negative shape", () => np.zeros([2, -1]), /zeros|full: shape must be a list of non-negative integers/],
  ["bitwise on floats", () => np.bitwiseAnd(f32([2]), f32([2])), /bitwiseAnd: needs integer or bool operands/],
  ["max of empty axis", () => np.max(f32([0, 3]), 0), /max: cannot reduce over axis 0 of size 0/],
  ["item of a vector", () => f32([3]).item(), /item: needs an array of size 1; got shape \[3\]/],
  ["grad of a non-scalar", () => grad((x: any) => np.mul(x, 2))(f32([3])), /grad: f must return a scalar \(shape \[\]\); got shape \[3\]/],
  ["grad w.r.t. an int array", () => grad((x: any) => np.sum(x))(np.array([1, 2], { dtype: "int32" })), /grad: can only differentiate with respect to float arrays; got a int32 input/],
  ["grad argnums out of range", () => grad((x: any) => np.sum(x), { argnums: 2 })(f32([2])), /grad: argnums 2 is out of range/],
  ["vmap size mismatch", () => vmap((a: any, b: any) => np.add(a, b))(f32([3, 2]), f32([4, 2])), /vmap: mapped axes have different sizes/],
  ["vmap inAxes out of range", () => vmap((a: any) => a, { inAxes: 2 })(f32([3, 2])), /vmap: inAxes for argument leaf 0 2 is out of range/],
  ["vmap nothing mapped", () => vmap((a: any) => a, { inAxes: null })(f32([3])), /vmap: no argument is mapped/],
  ["vjp cotangent shape", () => vjp((x: any) => np.mul(x, 2), f32([3]))[1](f32([4]) as any), /vjp: cotangent 0 is float32\[4\] but the output is float32\[3\]/],
  ["non-pytree leaf", () => tree.flatten({ a: new Map() }), /\.a is a Map, which is not a pytree node/],
  ["nested non-pytree leaf", () => tree.flatten({ p: [f32([1]), 2, { w: new Set() }] }), /tree\.flatten: \.p\[2\]\.w is a Set, which is not a pytree node/],
  ["jit argument with a non-pytree leaf", () => jit((_: any, b: any) => b)(f32([1]), [f32([1]), new Uint8Array(2)]), /jit: argument 1\[1\] is a Uint8Array, which is not a pytree node/],
  ["tree.map structure mismatch", () => tree.map((a: any, b: any) => np.add(a, b), { a: f32([1]) }, { b: f32([1]) } as any), /tree\.map: tree 1 has structure \{b: \*\} but the first has \{a: \*\}/],
  ["leaked tracer", () => {
    let leaked: any;
    grad((x: any) => {
      leaked = x;
      return np.sum(x);
    })(f32([2]));
    return np.add(leaked, 1);
  }, /leaked tracer/],
  ["reading a traced value under vmap", () => vmap((x: any) => np.array(x.item()))(f32([3])), /ConcretizationError|needs a concrete value/],
  ["einsum operand count", () => np.einsum("ij,jk->ik", f32([2, 2])), /einsum: "ij,jk->ik" names 2 operands but 1 were given/],
  ["einsum size mismatch", () => np.einsum("ij,jk->ik", f32([2, 3]), f32([4, 2])), /einsum: index "j" has size 3 in one operand and 4 in operand 1/],
  ["einsum ellipsis missing from output", () => np.einsum("...i->i", f32([2, 3])), /einsum: the operands' "..." stands for 1 axis, so the output "i" must contain "..." too/],
  ["einsum ellipsis not broadcastable", () => np.einsum("...i,...i", f32([2, 3]), f32([4, 3])), /einsum: the "..." axes of operand 1 \(shape \[4,3\]\) do not broadcast/],
  ["einsum bad subscripts", () => np.einsum("i.j", f32([2, 3])), /einsum: subscripts must be letters with at most one "..." per operand; got "i.j"/],
  ["einsum diagonal of unequal axes", () => np.einsum("ii->i", f32([2, 3])), /einsum: index "i" has size 2 in one operand and 3 in operand 0/],
  ["diagonal same axis", () => np.diagonal(f32([2, 3]), 0, 1, -1), /diagonal: axis1 and axis2 must be different axes; both are axis 1/],
  ["norm: matrix 2-norm", () => np.linalg.norm(f32([2, 3]), 2), /norm: matrix ord 2 is not available \(2, -2 and "nuc" need singular values\); valid: "fro" \(or omitted\), 1, -1, Infinity, -Infinity/],
  ["norm: ord without axis on 3-D", () => np.linalg.norm(f32([2, 2, 2]), 1), /norm: ord 1 without an axis needs a 1-D or 2-D x; got shape \[2,2,2\] \(give axis\)/],
  ["norm: fro on a vector", () => np.linalg.norm(f32([3]), "fro"), /norm: ord "fro" is not a vector norm/],
  ["norm: repeated axis", () => np.linalg.norm(f32([2, 3]), 1, [1, 1]), /norm: axis must be one axis or two different axes of shape \[2,3\]; got \[1,1\]/],
  ["repeat count mismatch", () => np.repeat(f32([3, 2]), [1, 2], 0), /repeat: repeats has 2 entries but axis 0 of shape \[3,2\] has 3/],
  ["roll shift/axis mismatch", () => np.roll(f32([3, 2]), [1, 2, 3], [0, 1]), /roll: shift has 3 entries but axis has 2/],
  ["quantile out of range", () => np.quantile(f32([4]), 1.5), /quantile: quantiles must lie in \[0, 1\] \(percentiles in \[0, 100\]\); got 1.5/],
  ["searchsorted 2-D", () => np.searchsorted(f32([2, 2]), f32([3])), /searchsorted: sorted must be 1-D; got shape \[2,2\]/],
  ["tril of a vector", () => np.tril(f32([3])), /tril: x must have at least 2 axes; got shape \[3\]/],
  ["topK k too large", () => lax.topK(f32([2, 3]), 4), /topK: k must be an integer in \[0, 3\] \(the last axis of shape \[2,3\]\); got 4/],
  ["interp shapes", () => np.interp(f32([2]), f32([3]), f32([4])), /interp: xp and fp must be 1-D of one nonzero length; got shapes \[3\] and \[4\]/],
  ["diag of 3-D", () => np.diag(f32([2, 2, 2])), /diag: x must be 1-D \(to build a matrix\) or 2-D \(to read a diagonal\); got shape \[2,2,2\]/],
  ["solve singular", () => np.linalg.solve(np.array([[1, 2], [2, 4]]), f32([2])), /solve: matrix 0 of the stack is singular \(no nonzero pivot in column 1\)/],
  ["cholesky not positive definite", () => np.linalg.cholesky(np.array([[1, 2], [2, 1]])), /cholesky: matrix 0 of the stack is not positive definite \(pivot 1 is -3\)/],
  ["solve shapes", () => np.linalg.solve(f32([2, 3]), f32([2])), /solve: a must be a stack of square matrices \[\.\.\., n, n\]; got shape \[2,3\]/],
  ["solve rhs shape", () => np.linalg.solve(f32([3, 3]), f32([2, 1])), /solve: b must be \[\.\.\., 3, k\] with a's batch dimensions/],
  ["eigh of a non-square matrix", () => np.linalg.eigh(f32([2, 3])), /eigh: a must be a stack of square matrices \[\.\.\., n, n\]; got shape \[2,3\]/],
  ["qr of a wide matrix", () => np.linalg.qr(f32([2, 3])), /qr: a must be a stack of \[\.\.\., m, n\] matrices with m ≥ n \(reduced QR\); got shape \[2,3\]/],
  ["diagonal of a vector", () => np.diagonal(f32([3])), /diagonal: x must have at least 2 axes; got shape \[3\]/],
];

describe("bad input raises a DriftError with a precise message", () => {
  for (const [name, fn, message] of CASES) {
    it(name, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, "expected an error").toBeInstanceOf(DriftError);
      expect((err as Error).message).toMatch(message);
    });
  }
});

describe("invalid input never becomes a silent NaN", () => {
  it("out-of-range gather throws instead of reading garbage", () => {
    expect(() => np.take(np.arange(3), np.array([3], { dtype: "int32" }))).toThrow(DriftError);
  });
});
