// Vectorising map: the batching trace, which applies each primitive's batching rule.
import { DriftError } from "../errors.ts";
import { type Primitive, ShapedArray, Tensor, Trace, bind } from "./tensor.ts";

/** A batched value: `val` carries the batch along axis `bdim` (`null` = same for every batch member). */
export class BatchTracer extends Tensor {
  private cachedAval: ShapedArray | undefined;
  constructor(
    readonly _trace: BatchTrace,
    readonly val: Tensor,
    readonly bdim: number | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    if (this.bdim === null) return this.val.aval;
    if (!this.cachedAval) {
      const shape = [...this.val.shape];
      shape.splice(this.bdim, 1);
      this.cachedAval = new ShapedArray(shape, this.val.dtype, this.val.weakType);
    }
    return this.cachedAval;
  }
  toConcrete(): null {
    return null;
  }
  /** An unbatched value leaves the trace. */
  lower(): Tensor {
    return this.bdim === null ? this.val : this;
  }
}

/** Interprets primitives by their batching rules over a batch of `axisSize`. */
export class BatchTrace extends Trace {
  /** Size of the mapped axis. */
  get axisSize(): number {
    return this.main.globalData.axisSize as number;
  }
  pure(x: Tensor): Tensor {
    return new BatchTracer(this, x, null);
  }
  processPrimitive(prim: Primitive, tracers: Tensor[], params: any): Tensor[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    if (dims.every((d) => d === null)) return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    if (!prim.batch) throw new DriftError(prim.name, "has no batching rule, so it cannot be used under vmap");
    const [outs, outDims] = prim.batch(vals, dims, params, this.axisSize);
    return outs.map((v, i) => new BatchTracer(this, v, outDims[i] ?? null));
  }
}

