// Chainable methods on arrays (`x.add(y).mul(2).sum()`), delegating to the numpy-style functions.
import { type DType, checkDType } from "../dtype.ts";
import { Tensor } from "../core/tensor.ts";
import { setCotangentAdd } from "../core/linearize.ts";
import type { ArrayLike } from "./coerce.ts";
import { convert } from "./coerce.ts";
import * as ew from "./elementwise.ts";
import * as mv from "./movement.ts";
import * as rd from "./reduce.ts";
import * as la from "./linalg.ts";
import * as ix from "./indexing.ts";

type Axis = number | readonly number[] | undefined;

declare module "../core/tensor.ts" {
  interface Tensor {
    /** this + y */ add(y: ArrayLike): Tensor;
    /** this − y */ sub(y: ArrayLike): Tensor;
    /** this · y */ mul(y: ArrayLike): Tensor;
    /** this / y */ div(y: ArrayLike): Tensor;
    /** this ** y */ pow(y: ArrayLike): Tensor;
    /** −this */ neg(): Tensor;
    /** eˣ */ exp(): Tensor;
    /** log x */ log(): Tensor;
    /** sin x */ sin(): Tensor;
    /** cos x */ cos(): Tensor;
    /** tanh x */ tanh(): Tensor;
    /** √x */ sqrt(): Tensor;
    /** |x| */ abs(): Tensor;
    /** x² */ square(): Tensor;
    /** logistic sigmoid */ sigmoid(): Tensor;
    /** elementwise maximum */ maximum(y: ArrayLike): Tensor;
    /** elementwise minimum */ minimum(y: ArrayLike): Tensor;
    /** clip to [lo, hi] */ clip(lo?: ArrayLike, hi?: ArrayLike): Tensor;
    /** this > y */ greater(y: ArrayLike): Tensor;
    /** this < y */ less(y: ArrayLike): Tensor;
    /** this == y */ equal(y: ArrayLike): Tensor;
    /** sum over axis */ sum(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** mean over axis */ mean(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** max over axis */ max(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** min over axis */ min(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** product over axis */ prod(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** argmax along axis */ argmax(axis?: number, opts?: rd.ReduceOptions): Tensor;
    /** argmin along axis */ argmin(axis?: number, opts?: rd.ReduceOptions): Tensor;
    /** variance over axis */ var(axis?: Axis, opts?: rd.VarOptions): Tensor;
    /** standard deviation over axis */ std(axis?: Axis, opts?: rd.VarOptions): Tensor;
    /** new shape (one −1 allowed) */ reshape(shape: number | readonly number[]): Tensor;
    /** flattened to 1-D */ flatten(): Tensor;
    /** permuted axes */ transpose(axes?: readonly number[]): Tensor;
    /** transposed (axes reversed) */ readonly T: Tensor;
    /** size-1 axes removed */ squeeze(axis?: number | readonly number[]): Tensor;
    /** size-1 axes inserted */ expandDims(axis: number | readonly number[]): Tensor;
    /** broadcast to shape */ broadcastTo(shape: readonly number[]): Tensor;
    /** cast to dtype */ astype(dtype: DType): Tensor;
    /** matrix product */ matmul(y: ArrayLike): Tensor;
    /** numpy dot */ dot(y: ArrayLike): Tensor;
    /** gather along axis */ take(indices: ArrayLike, axis?: number): Tensor;
    /** numpy-style slicing per axis */ slice(...specs: (readonly (number | null | undefined)[] | null | undefined)[]): Tensor;
    /** true where any element over axis is nonzero */ any(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** true where every element over axis is nonzero */ all(axis?: Axis, opts?: rd.ReduceOptions): Tensor;
    /** cumulative sum along axis */ cumsum(axis?: number, opts?: { reverse?: boolean }): Tensor;
    /** cumulative product along axis */ cumprod(axis?: number, opts?: { reverse?: boolean }): Tensor;
    /** flattened to 1-D */ ravel(): Tensor;
    /** diagonal of the matrices on two axes */ diagonal(offset?: number, axis1?: number, axis2?: number): Tensor;
    /** sum of a diagonal */ trace(offset?: number, axis1?: number, axis2?: number): Tensor;
    /** rounded half to even */ round(): Tensor;
    /** elements repeated along axis */ repeat(repeats: number | readonly number[], axis?: number): Tensor;
  }
}

const P = Tensor.prototype as any;
const methods: Record<string, (this: Tensor, ...a: any[]) => Tensor> = {
  add(y) { return ew.add(this, y); },
  sub(y) { return ew.sub(this, y); },
  mul(y) { return ew.mul(this, y); },
  div(y) { return ew.div(this, y); },
  pow(y) { return ew.pow(this, y); },
  neg() { return ew.neg(this); },
  exp() { return ew.exp(this); },
  log() { return ew.log(this); },
  sin() { return ew.sin(this); },
  cos() { return ew.cos(this); },
  tanh() { return ew.tanh(this); },
  sqrt() { return ew.sqrt(this); },
  abs() { return ew.abs(this); },
  square() { return ew.square(this); },
  sigmoid() { return ew.sigmoid(this); },
  maximum(y) { return ew.maximum(this, y); },
  minimum(y) { return ew.minimum(this, y); },
  clip(lo, hi) { return ew.clip(this, lo, hi); },
  greater(y) { return ew.greater(this, y); },
  less(y) { return ew.less(this, y); },
  equal(y) { return ew.equal(this, y); },
  sum(axis, opts) { return rd.sum(this, axis, opts); },
  mean(axis, opts) { return rd.mean(this, axis, opts); },
  max(axis, opts) { return rd.max(this, axis, opts); },
  min(axis, opts) { return rd.min(this, axis, opts); },
  prod(axis, opts) { return rd.prod(this, axis, opts); },
  argmax(axis, opts) { return rd.argmax(this, axis, opts); },
  argmin(axis, opts) { return rd.argmin(this, axis, opts); },
  var(axis, opts) { return rd.variance(this, axis, opts); },
  std(axis, opts) { return rd.std(this, axis, opts); },
  reshape(shape) { return mv.reshape(this, shape); },
  flatten() { return mv.reshape(this, [-1]); },
  transpose(axes) { return mv.transpose(this, axes); },
  squeeze(axis) { return mv.squeeze(this, axis); },
  expandDims(axis) { return mv.expandDims(this, axis); },
  broadcastTo(shape) { return mv.broadcastTo(this, shape); },
  astype(dtype) { return convert(this, checkDType("astype", dtype)); },
  matmul(y) { return la.matmul(this, y); },
  dot(y) { return la.dot(this, y); },
  take(indices, axis) { return ix.take(this, indices, axis); },
  slice(...specs) { return mv.slice(this, ...specs); },
  any(axis, opts) { return rd.any(this, axis, opts); },
  all(axis, opts) { return rd.all(this, axis, opts); },
  cumsum(axis, opts) { return rd.cumsum(this, axis, opts); },
  cumprod(axis, opts) { return rd.cumprod(this, axis, opts); },
  ravel() { return mv.ravel(this); },
  diagonal(offset, axis1, axis2) { return ix.diagonal(this, offset, axis1, axis2); },
  trace(offset, axis1, axis2) { return ix.trace(this, offset, axis1, axis2); },
  round() { return ew.round(this); },
  repeat(repeats, axis) { return ix.repeat(this, repeats, axis); },
};
for (const [name, fn] of Object.entries(methods)) Object.defineProperty(P, name, { value: fn, writable: true, configurable: true });
Object.defineProperty(P, "T", {
  get(this: Tensor) {
    return mv.transpose(this);
  },
  configurable: true,
});

setCotangentAdd((a, b) => ew.add(a, b));
