// The array type, abstract values, primitives and the interpreter stack that routes each op to a trace.
import { ConcretizationError, DriftError, fmtShape } from "../errors.ts";
import { type DType, type TypedArray, isFloat } from "../dtype.ts";
import { sizeOf, stridesOf } from "../shape.ts";
import type { Jaxpr } from "./jaxpr.ts";

/** The abstract value of an array: what tracing and shape inference know about it. */
export class ShapedArray {
  /** @param weakType true for values that came from JS numbers: they adopt the other operand's dtype. */
  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly weakType = false,
  ) {}
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Short form such as `f32[2,3]`. */
  toString(): string {
    return `${SHORT_DTYPE[this.dtype]}[${this.shape.join(",")}]`;
  }
  private cachedKey?: string;
  /** dtype, weak-type mark and shape as one string (e.g. `float32~[3,4]`), computed once: jit's cache keys use it. */
  get key(): string {
    return (this.cachedKey ??= `${this.dtype}${this.weakType ? "~" : ""}[${this.shape.join(",")}]`);
  }
  /** True when shape and dtype agree. */
  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && this.shape.length === other.shape.length && this.shape.every((d, i) => d === other.shape[i]);
  }
}

const SHORT_DTYPE: Record<DType, string> = { float32: "f32", float64: "f64", int32: "i32", uint32: "u32", bool: "bool" };

/** Rules of one primitive, side by side, as in JAX: abstract eval, eager impl, jvp, transpose, batching. */
export interface Primitive<P = any> {
  /** Name shown in jaxprs and errors. */
  readonly name: string;
  /** Output shapes/dtypes from input avals; validates arguments and throws DriftError on bad input. */
  abstractEval(inputs: ShapedArray[], params: P): ShapedArray[];
  /** Eager evaluation on the JS reference backend: returns one buffer per output aval. */
  impl(inputs: ConcreteArray[], params: P, outs: ShapedArray[]): TypedArray[];
  /** Forward-mode rule: tangents are `null` for symbolic zeros; returns primal and tangent outputs. */
  jvp?(primals: Tensor[], tangents: (Tensor | null)[], params: P): [Tensor[], (Tensor | null)[]];
  /** Transpose rule of a linear primitive: cotangents of the linear (UndefPrimal) inputs. */
  transpose?(cts: (Tensor | null)[], args: (Tensor | UndefPrimal)[], params: P): (Tensor | null)[];
  /** Elementwise primitives only: the value of one output element as a JS expression over inputs `a, b, c` (for fused kernels). */
  jsExpr?(inputs: ShapedArray[], params: P): string;
  /** Batching rule: inputs with their batch axis (`null` = unbatched); returns outputs and their batch axes. */
  batch?(args: Tensor[], dims: (number | null)[], params: P, axisSize: number): [Tensor[], (number | null)[]];
}

/** Stand-in for the unknown linear input of a primitive during transposition. */
export class UndefPrimal {
  constructor(readonly aval: ShapedArray) {}
}

const registry = new Map<string, Primitive>();

/** Registers a primitive so that jaxprs and backends can find it by name; returns it. */
export function definePrimitive<P>(prim: Primitive<P>): Primitive<P> {
  if (registry.has(prim.name)) throw new Error(`primitive ${prim.name} defined twice`);
  registry.set(prim.name, prim);
  return prim;
}

/** Every registered primitive, by name. */
export function primitives(): ReadonlyMap<string, Primitive> {
  return registry;
}

/**
 * An n-dimensional array. Concrete arrays hold data; inside transformations the same type is a tracer,
 * so user code is written once against `Tensor` (exported as `Array`).
 */
export abstract class Tensor {
  /** The trace this value belongs to. */
  abstract readonly _trace: Trace;
  /** Shape and dtype. */
  abstract get aval(): ShapedArray;
  /** Dimensions. */
  get shape(): number[] {
    return this.aval.shape as number[];
  }
  /** Element type. */
  get dtype(): DType {
    return this.aval.dtype;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.aval.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return this.aval.size;
  }
  /** True when this value came from a JS number and adopts the dtype of what it is combined with. */
  get weakType(): boolean {
    return this.aval.weakType;
  }
  /** The concrete value behind this array, or `null` when it is abstract (vmap/jit tracers). */
  abstract toConcrete(): ConcreteArray | null;
  /** The data as a typed array (synchronous read). */
  dataSync(): TypedArray {
    return this.requireConcrete("dataSync").buf;
  }
  /** The data as a typed array; resolves once any device work finished. */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }
  /** The data as nested JS arrays (booleans for bool arrays). */
  toArray(): any {
    return this.requireConcrete("toArray").toNested();
  }
  /** The single element of a size-1 array. */
  item(): number {
    const c = this.requireConcrete("item");
    if (c.size !== 1) throw new DriftError("item", `needs an array of size 1; got shape ${fmtShape(c.shape)}`);
    return c.buf[0]!;
  }
  /** Releases device memory early; CPU memory is reclaimed by the garbage collector without it. */
  dispose(): void {}
  /** e.g. `Array(f32[2,3])`. */
  toString(): string {
    const c = this.toConcrete();
    return c ? `Array(${this.aval}, ${JSON.stringify(c.toNested())})` : `Tracer(${this.aval})`;
  }
  private requireConcrete(op: string): ConcreteArray {
    const c = this.toConcrete();
    if (!c) throw new ConcretizationError(op, "reading array data");
    return c;
  }
}

/** A materialised array on the CPU: an immutable typed array in row-major order. */
export class ConcreteArray extends Tensor {
  private readonly _aval: ShapedArray;
  /** For a weak scalar made from a JS number: that number before rounding to the dtype, so a later cast to float64 is exact. */
  exactScalar?: number;
  /** Set when this array was donated to a jitted function: its buffer may hold another array's data now. */
  donated = false;
  constructor(
    aval: ShapedArray,
    readonly buf: TypedArray,
  ) {
    super();
    this._aval = aval;
  }
  get _trace(): Trace {
    return evalTrace;
  }
  get aval(): ShapedArray {
    return this._aval;
  }
  toConcrete(): ConcreteArray {
    if (this.donated) throw donatedError("reading");
    return this;
  }
  /** Nested JS arrays of numbers (booleans for bool). */
  toNested(): any {
    const { shape, dtype } = this._aval;
    const conv = dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    if (shape.length === 0) return conv(this.buf[0]!);
    const strides = stridesOf(shape);
    const build = (dim: number, offset: number): any[] => {
      const out: any[] = [];
      for (let i = 0; i < shape[dim]!; i++) {
        const o = offset + i * strides[dim]!;
        out.push(dim === shape.length - 1 ? conv(this.buf[o]!) : build(dim + 1, o));
      }
      return out;
    };
    return build(0, 0);
  }
}

/** Makes a concrete array from data already in the right storage. */
export function concrete(shape: readonly number[], dtype: DType, data: TypedArray, weakType = false): ConcreteArray {
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), data);
}

/** One level of the interpreter stack: a transformation in progress. */
export class MainTrace {
  constructor(
    readonly level: number,
    readonly makeTrace: (main: MainTrace) => Trace,
    readonly globalData: any,
  ) {}
}

/** How a transformation interprets primitives applied to its tracers. */
export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from a lower level as a tracer of this trace. */
  abstract pure(x: Tensor): Tensor;
  /** Wraps a value from a lower level (defaults to `pure`). */
  lift(x: Tensor): Tensor {
    return this.pure(x);
  }
  /** Applies `prim` to tracers of this trace. */
  abstract processPrimitive(prim: Primitive, tracers: Tensor[], params: any): Tensor[];
}

/** The bottom of the stack: evaluates primitives eagerly. */
class EvalTrace extends Trace {
  pure(x: Tensor): Tensor {
    return x;
  }
  processPrimitive(prim: Primitive, tracers: Tensor[], params: any): Tensor[] {
    return evalPrimitive(prim, tracers, params);
  }
}

const traceStack: MainTrace[] = [];
const evalMain = new MainTrace(0, (m) => new EvalTrace(m), null);
traceStack.push(evalMain);
const evalTrace: Trace = new EvalTrace(evalMain);
let dynamicMain: MainTrace | null = null;

/** Runs `body` with a new transformation level pushed on the stack; pops it whatever happens. */
export function withMainTrace<T>(makeTrace: (main: MainTrace) => Trace, globalData: any, body: (main: MainTrace) => T): T {
  const main = new MainTrace(traceStack.length, makeTrace, globalData);
  traceStack.push(main);
  try {
    return body(main);
  } finally {
    traceStack.pop();
  }
}

/** Runs `body` with `main` as the dynamic trace: every op is staged into it, even ops on constants (for jit). */
export function withDynamicTrace<T>(main: MainTrace, body: () => T): T {
  const prev = dynamicMain;
  dynamicMain = main;
  try {
    return body();
  } finally {
    dynamicMain = prev;
  }
}

/** An array held by a device backend other than the CPU (WebGPU): its data is read asynchronously. */
export abstract class DeviceArray extends Tensor {
  /** The backend that holds the data, e.g. "webgpu". */
  abstract readonly device: string;
  get _trace(): Trace {
    return evalTrace;
  }
  toConcrete(): null {
    return null;
  }
  override dataSync(): never {
    throw this.syncReadError("dataSync");
  }
  override toArray(): never {
    throw this.syncReadError("toArray");
  }
  override item(): never {
    throw this.syncReadError("item");
  }
  private syncReadError(op: string): DriftError {
    return new DriftError(
      op,
      `this ${this.aval} array lives on ${this.device}, whose data can only be read asynchronously: use \`await x.data()\`, or \`await deviceGet(x)\` for a CPU copy`,
    );
  }
}

/** A backend that evaluates primitives eagerly on its own arrays (installed by `setBackend`). */
export interface DeviceBackend {
  /** Backend name, e.g. "webgpu". */
  readonly name: string;
  /** True when this backend runs an eager op on these inputs (it holds one of them, or it is the default). */
  claims(inputs: readonly Tensor[]): boolean;
  /** Evaluates `prim` on its device; CPU inputs are uploaded. */
  evalPrimitive(prim: Primitive, inputs: readonly Tensor[], params: any): Tensor[];
  /** Runs a jitted program (consts first, then arguments) on its device; `donated` input positions may be freed. */
  runJaxpr(jaxpr: Jaxpr, inputs: readonly Tensor[], donated?: ReadonlySet<number>): Tensor[];
}

let deviceBackend: DeviceBackend | null = null;

/** Installs (or with `null` removes) the device backend that eager ops consult before the CPU. */
export function setDeviceBackend(backend: DeviceBackend | null): void {
  deviceBackend = backend;
}

/** The installed device backend, if any. */
export function getDeviceBackend(): DeviceBackend | null {
  return deviceBackend;
}

/** Eagerly evaluates a primitive on concrete inputs (or on a device backend that claims them). */
export function evalPrimitive(prim: Primitive, inputs: Tensor[], params: any): Tensor[] {
  if (deviceBackend?.claims(inputs)) return deviceBackend.evalPrimitive(prim, inputs, params);
  return evalOnCpu(prim, inputs as ConcreteArray[], params);
}

/** Evaluates a primitive on the CPU reference backend. */
export function evalOnCpu(prim: Primitive, inputs: ConcreteArray[], params: any): ConcreteArray[] {
  for (const x of inputs) if (!(x instanceof ConcreteArray)) throw new DriftError(prim.name, `got an array on ${(x as DeviceArray).device ?? "an unknown device"} but no such backend is active`);
  const outAvals = prim.abstractEval(
    inputs.map((x) => x.aval),
    params,
  );
  const datas = prim.impl(inputs, params, outAvals);
  return outAvals.map((a, i) => new ConcreteArray(a, datas[i]!));
}

/** Applies a primitive to arrays, routing to the highest transformation among them. */
export function bind(prim: Primitive, args: Tensor[], params: any): Tensor[] {
  if (traceStack.length === 1 && dynamicMain === null) {
    for (const a of args) {
      if (a instanceof DeviceArray) continue;
      if (!(a instanceof ConcreteArray)) throw leakedTracer(prim, a);
      if (a.donated) throw donatedError(prim.name);
    }
    return evalPrimitive(prim, args, params);
  }
  let top: MainTrace = dynamicMain ?? evalMain;
  for (const a of args) {
    const m = a._trace.main;
    if (m.level > top.level) top = m;
  }
  const trace = top.makeTrace(top);
  const tracers = args.map((a) => fullRaise(trace, a, prim));
  const outs = trace.processPrimitive(prim, tracers, params);
  return outs.map(fullLower);
}

/** `bind` for single-output primitives. */
export function bind1(prim: Primitive, args: Tensor[], params: any): Tensor {
  return bind(prim, args, params)[0]!;
}

/** Lifts `x` into `trace`, checking that it is not from a higher level or a finished transformation. */
export function fullRaise(trace: Trace, x: Tensor, prim?: Primitive): Tensor {
  const xMain = x._trace.main;
  if (xMain === trace.main) return x;
  if (xMain.level < trace.main.level) {
    if (traceStack[xMain.level] !== xMain) throw leakedTracer(prim, x);
    return trace.lift(x);
  }
  throw leakedTracer(prim, x);
}

function fullLower(x: Tensor): Tensor {
  return (x as { lower?: () => Tensor }).lower?.() ?? x;
}

/** The error for using an array after it was donated to a jitted function. */
export function donatedError(op: string): DriftError {
  return new DriftError(op, "this array was donated to a jitted function (donateArgnums) and can no longer be used; use the function's output instead");
}

function leakedTracer(prim: Primitive | undefined, x: Tensor): DriftError {
  return new DriftError(
    prim?.name ?? "trace",
    `got a tracer ${x.aval} from a transformation that has already finished (a leaked tracer: ` +
      `an array saved from inside grad/vmap/jit and used outside it)`,
  );
}

/** True when float tangents/cotangents flow through this dtype. */
export function isDifferentiable(dtype: DType): boolean {
  return isFloat(dtype);
}

/** True when no transformation is active, so primitives run eagerly on concrete arrays. */
export function isEagerContext(): boolean {
  return traceStack.length === 1 && dynamicMain === null;
}
