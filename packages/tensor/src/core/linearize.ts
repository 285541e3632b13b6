// Reverse mode as in JAX: trace the JVP with symbolic tangents into a linear jaxpr, then transpose it.
import { DriftError } from "../errors.ts";
import { type Atom, type Jaxpr, JaxprBuilder, JaxprTrace, type JaxprTracer, Lit, Var, literalArray } from "./jaxpr.ts";
import { JVPTrace, JVPTracer } from "./jvp.ts";
import { ShapedArray, type Tensor, UndefPrimal, bind, fullRaise, isDifferentiable, withMainTrace } from "./tensor.ts";

/** The result of linearizing: primal outputs and a function from output cotangents to input cotangents. */
export interface Linearized {
  primalsOut: Tensor[];
  /** Cotangents of the inputs (`null` where the input is not differentiable or gets no gradient). */
  backward: (cts: (Tensor | null)[]) => (Tensor | null)[];
}

/**
 * Runs `f` on `primals` under a JVP trace whose tangents are staged into a jaxpr: primal work runs now,
 * tangent work is recorded (it is linear), and `backward` evaluates its transpose.
 */
export function linearize(f: (...xs: Tensor[]) => Tensor[], primals: Tensor[]): Linearized {
  return withMainTrace((m) => new JaxprTrace(m), new JaxprBuilder(), (builderMain) => {
    const staging = new JaxprTrace(builderMain);
    const diff = primals.map((p) => isDifferentiable(p.dtype));
    const tangentsIn = primals.map((p, i) => (diff[i] ? staging.newArg(new ShapedArray(p.shape, p.dtype)) : null));
    const [primalsOut, tangentsOut] = withMainTrace((m) => new JVPTrace(m), null, (jvpMain) => {
      const trace = new JVPTrace(jvpMain);
      const ins = primals.map((p, i) => new JVPTracer(trace, p, tangentsIn[i]!));
      const outs = f(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
      return [outs.map((o) => o.primal), outs.map((o) => o.tangent)] as const;
    });
    const linearIns = tangentsIn.filter((t): t is JaxprTracer => t !== null);
    const live = tangentsOut.map((t) => t !== null);
    const liveOuts = tangentsOut.filter((t): t is Tensor => t !== null);
    const { jaxpr, consts } = staging.builder.build(linearIns, liveOuts, staging);
    const backward = (cts: (Tensor | null)[]): (Tensor | null)[] => {
      const liveCts = cts.filter((_, i) => live[i]);
      const args = [...consts, ...linearIns.map((t) => new UndefPrimal(t.aval))];
      const grads = backwardPass(jaxpr, args, liveCts).slice(consts.length);
      let k = 0;
      return primals.map((_, i) => (diff[i] ? grads[k++]! : null));
    };
    return { primalsOut, backward };
  });
}

/**
 * Transposes a jaxpr that is linear in the inputs given as `UndefPrimal`; the other inputs are known values.
 * Equations that depend only on known values are evaluated forward first (they compute coefficients); the
 * rest are transposed in reverse. Returns one cotangent per input: `null` for known inputs and for linear
 * inputs that receive none.
 */
export function backwardPass(jaxpr: Jaxpr, args: (Tensor | UndefPrimal)[], cts: (Tensor | null)[]): (Tensor | null)[] {
  const known = new Map<Var, Tensor>();
  jaxpr.inBinders.forEach((v, i) => {
    const a = args[i]!;
    if (!(a instanceof UndefPrimal)) known.set(v, a);
  });
  const isKnown = (a: Atom): boolean => a instanceof Lit || known.has(a);
  const read = (a: Atom): Tensor | UndefPrimal => {
    if (a instanceof Lit) return literalArray(a);
    return known.get(a) ?? new UndefPrimal(a.aval);
  };
  const linearEqns = jaxpr.eqns.filter((eqn) => {
    if (!eqn.inputs.every(isKnown)) return true;
    const outs = bind(eqn.primitive, eqn.inputs.map(read) as Tensor[], eqn.params);
    eqn.outBinders.forEach((v, i) => known.set(v, outs[i]!));
    return false;
  });
  const ctEnv = new Map<Var, Tensor>();
  const addCt = (v: Var, ct: Tensor | null): void => {
    if (ct === null) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev ? addTensors(prev, ct) : ct);
  };
  jaxpr.outs.forEach((a, i) => {
    if (a instanceof Var && !known.has(a)) addCt(a, cts[i] ?? null);
  });
  for (let e = linearEqns.length - 1; e >= 0; e--) {
    const eqn = linearEqns[e]!;
    const ctsOut = eqn.outBinders.map((v) => {
      const ct = ctEnv.get(v) ?? null;
      ctEnv.delete(v);
      return ct;
    });
    if (ctsOut.every((c) => c === null)) continue;
    const prim = eqn.primitive;
    if (!prim.transpose) throw new DriftError(prim.name, "has no transpose rule, so it cannot appear in a linear (tangent) computation");
    const ctsIn = prim.transpose(ctsOut, eqn.inputs.map(read), eqn.params);
    eqn.inputs.forEach((a, i) => {
      if (a instanceof Var && !known.has(a)) addCt(a, ctsIn[i] ?? null);
    });
  }
  return jaxpr.inBinders.map((v) => (known.has(v) ? null : (ctEnv.get(v) ?? null)));
}

let addTensors: (a: Tensor, b: Tensor) => Tensor = () => {
  throw new Error("linearize: add is not registered");
};

/** Registers the addition used to accumulate cotangents (set by the ops layer, which depends on this module). */
export function setCotangentAdd(add: (a: Tensor, b: Tensor) => Tensor): void {
  addTensors = add;
}
