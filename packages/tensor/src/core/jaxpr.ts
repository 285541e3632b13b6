// The jaxpr IR: typed SSA equations that tracing produces and every transformation consumes.
import { ConcreteArray, type Primitive, ShapedArray, Tensor, Trace, bind, concrete, withDynamicTrace, withMainTrace } from "./tensor.ts";
import { allocate } from "../dtype.ts";

let nextVarId = 0;

/** A variable of the IR, bound once. */
export class Var {
  readonly id = nextVarId++;
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar literal inlined into an equation. */
export class Lit {
  constructor(
    readonly value: number,
    readonly aval: ShapedArray,
  ) {}
}

/** An equation input. */
export type Atom = Var | Lit;

/** One primitive application: `outBinders = primitive[params](inputs)`. */
export interface JaxprEqn {
  readonly primitive: Primitive;
  readonly inputs: Atom[];
  readonly params: any;
  readonly outBinders: Var[];
}

/** A closed-over function body: inputs, equations, outputs. Consts come first among the inputs of a traced program. */
export class Jaxpr {
  constructor(
    readonly inBinders: Var[],
    readonly eqns: JaxprEqn[],
    readonly outs: Atom[],
  ) {}

  /** Readable listing in JAX's style: `{ lambda a:f32[3] . let b:f32[3] = sin a in ( b ) }`. */
  toString(): string {
    const names = new Map<Var, string>();
    const name = (v: Var): string => {
      let n = names.get(v);
      if (!n) {
        n = varName(names.size);
        names.set(v, n);
      }
      return n;
    };
    const atom = (a: Atom): string => (a instanceof Lit ? String(a.value) : name(a));
    const binder = (v: Var): string => `${name(v)}:${v.aval}`;
    const lines = [`{ lambda ${this.inBinders.map(binder).join(" ")} . let`];
    for (const e of this.eqns) {
      const params = fmtParams(e.params);
      lines.push(`    ${e.outBinders.map(binder).join(" ")} = ${e.primitive.name}${params} ${e.inputs.map(atom).join(" ")}`);
    }
    lines.push(`  in ( ${this.outs.map(atom).join(", ")} ) }`);
    return lines.join("\n");
  }
}

function varName(i: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

function fmtParams(params: any): string {
  if (!params || typeof params !== "object") return "";
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "";
  return `[${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}]`;
}

/** A jaxpr with the values of its leading const inputs. */
export interface ClosedJaxpr {
  readonly jaxpr: Jaxpr;
  readonly consts: Tensor[];
}

/** Evaluates a jaxpr on arguments (consts first), binding each equation through the current traces. */
export function evalJaxpr(jaxpr: Jaxpr, args: Tensor[]): Tensor[] {
  const env = new Map<Var, Tensor>();
  const read = (a: Atom): Tensor => (a instanceof Lit ? literalArray(a) : env.get(a)!);
  jaxpr.inBinders.forEach((v, i) => env.set(v, args[i]!));
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.primitive, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}

/** The concrete 0-d array a literal stands for. */
export function literalArray(lit: Lit): ConcreteArray {
  const data = allocate(lit.aval.dtype, 1);
  data[0] = lit.value;
  return concrete([], lit.aval.dtype, data, lit.aval.weakType);
}

/** A tracer that records every op applied to it into a jaxpr. */
export class JaxprTracer extends Tensor {
  constructor(
    readonly _trace: JaxprTrace,
    private readonly _aval: ShapedArray,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this._aval;
  }
  toConcrete(): null {
    return null;
  }
}

/** Collects equations while tracing; one per jaxpr being built. */
export class JaxprBuilder {
  readonly eqns: JaxprEqn[] = [];
  readonly tracerToVar = new Map<JaxprTracer, Var>();
  readonly constTracers = new Map<Tensor, JaxprTracer>();
  readonly constVars = new Map<Var, Tensor>();

  /** The variable a tracer is bound to, creating it for fresh tracers. */
  varFor(t: JaxprTracer): Var {
    let v = this.tracerToVar.get(t);
    if (!v) {
      v = new Var(t.aval);
      this.tracerToVar.set(t, v);
    }
    return v;
  }

  /**
   * Closes the traced function: consts become leading inputs (or literals when scalar and concrete).
   * Outputs that are not tracers of this builder become consts too.
   */
  build(inTracers: JaxprTracer[], outs: Tensor[], trace: JaxprTrace): ClosedJaxpr {
    const outTracers = outs.map((o) => (o instanceof JaxprTracer && o._trace.main === trace.main ? o : trace.lift(o)) as JaxprTracer);
    const inVars = inTracers.map((t) => this.varFor(t));
    const constVars = [...this.constVars.keys()];
    const consts = constVars.map((v) => this.constVars.get(v)!);
    const litOf = new Map<Var, Lit>();
    const keptVars: Var[] = [];
    const keptConsts: Tensor[] = [];
    constVars.forEach((v, i) => {
      const c = consts[i]!;
      if (c instanceof ConcreteArray && c.size === 1 && c.ndim === 0) litOf.set(v, new Lit(c.buf[0]!, c.aval));
      else {
        keptVars.push(v);
        keptConsts.push(c);
      }
    });
    const sub = (a: Atom): Atom => (a instanceof Var ? (litOf.get(a) ?? a) : a);
    const eqns = this.eqns.map((e) => ({ ...e, inputs: e.inputs.map(sub) }));
    const jaxpr = new Jaxpr([...keptVars, ...inVars], eqns, outTracers.map((t) => sub(this.varFor(t))));
    return { jaxpr, consts: keptConsts };
  }
}

/** The trace that stages primitives into a jaxpr instead of running them. */
export class JaxprTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }
  /** A new input of the jaxpr being built. */
  newArg(aval: ShapedArray): JaxprTracer {
    const t = new JaxprTracer(this, aval);
    this.builder.varFor(t);
    return t;
  }
  pure(x: Tensor): Tensor {
    const b = this.builder;
    let t = b.constTracers.get(x);
    if (!t) {
      t = new JaxprTracer(this, x.aval);
      b.constTracers.set(x, t);
      b.constVars.set(b.varFor(t), x);
    }
    return t;
  }
  processPrimitive(prim: Primitive, tracers: Tensor[], params: any): Tensor[] {
    const avals = prim.abstractEval(
      tracers.map((t) => t.aval),
      params,
    );
    const outs = avals.map((a) => new JaxprTracer(this, a));
    const b = this.builder;
    b.eqns.push({
      primitive: prim,
      inputs: tracers.map((t) => b.varFor(t as JaxprTracer)),
      params,
      outBinders: outs.map((o) => b.varFor(o)),
    });
    return outs;
  }
}


/**
 * Traces `fn` on abstract inputs of `avals` into a closed jaxpr. Every op is staged (even ops on constants);
 * captured arrays, including tracers of enclosing transformations, become the jaxpr's leading const inputs.
 */
export function traceFlat(fn: (...xs: Tensor[]) => Tensor[], avals: readonly ShapedArray[]): ClosedJaxpr {
  return withMainTrace(
    (m) => new JaxprTrace(m),
    new JaxprBuilder(),
    (main) => {
      const trace = new JaxprTrace(main);
      const ins = avals.map((a) => trace.newArg(a));
      return withDynamicTrace(main, () => trace.builder.build(ins, fn(...ins), trace));
    },
  );
}
