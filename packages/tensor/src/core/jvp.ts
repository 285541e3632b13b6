// Forward-mode differentiation: the JVP trace and its tracer.
import { DriftError } from "../errors.ts";
import { type ConcreteArray, type Primitive, type ShapedArray, Tensor, Trace, bind, isDifferentiable } from "./tensor.ts";

/** A value paired with its tangent (`null` = symbolic zero). */
export class JVPTracer extends Tensor {
  constructor(
    readonly _trace: JVPTrace,
    readonly primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  toConcrete(): ConcreteArray | null {
    return this.primal.toConcrete();
  }
}

/** Interprets primitives by their JVP rules. */
export class JVPTrace extends Trace {
  pure(x: Tensor): Tensor {
    return new JVPTracer(this, x, null);
  }
  processPrimitive(prim: Primitive, tracers: Tensor[], params: any): Tensor[] {
    const ts = tracers as JVPTracer[];
    const primals = ts.map((t) => t.primal);
    const tangents = ts.map((t) => t.tangent);
    if (tangents.every((t) => t === null)) {
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, null));
    }
    if (!prim.jvp) {
      const outs = bind(prim, primals, params);
      if (outs.some((o) => isDifferentiable(o.dtype))) throw new DriftError(prim.name, "is not differentiable (it has no JVP rule)");
      return outs.map((p) => new JVPTracer(this, p, null));
    }
    const [primalsOut, tangentsOut] = prim.jvp(primals, tangents, params);
    return primalsOut.map((p, i) => new JVPTracer(this, p, isDifferentiable(p.dtype) ? (tangentsOut[i] ?? null) : null));
  }
}

