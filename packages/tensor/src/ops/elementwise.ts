// Elementwise primitives (unary, binary, select) with their rules, and the numpy-style functions over them.
import { DriftError } from "../errors.ts";
import { type DType, allocate, isFloat, promoteTypes } from "../dtype.ts";
import { broadcastShapes, shapesEqual } from "../shape.ts";
import { type Primitive, ShapedArray, type Tensor, UndefPrimal, bind1, definePrimitive } from "../core/tensor.ts";
import { mapElementwise } from "../backend/js.ts";
import { type ArrayLike, asTensor, convert, scalar } from "./coerce.ts";
import { broadcastTo, moveaxis, reshape, sumToShape } from "./movement.ts";

/** Shape/dtype inference shared by elementwise primitives: equal dtypes, numpy broadcasting. */
function elementwiseAval(name: string, avals: ShapedArray[], outDtype?: DType): ShapedArray {
  const dtype = avals[0]!.dtype;
  for (const a of avals)
    if (a.dtype !== dtype) throw new DriftError(name, `operands must share a dtype; got ${avals.map((x) => x.dtype).join(" and ")}`);
  const shape = avals.length === 1 ? avals[0]!.shape : broadcastShapes(name, ...avals.map((a) => a.shape));
  return new ShapedArray(shape, outDtype ?? dtype, avals.every((a) => a.weakType));
}

/** Batching rule of every elementwise primitive: batch axes to the front, ranks aligned for broadcasting. */
function batchElementwise(prim: Primitive) {
  return (args: Tensor[], dims: (number | null)[], params: any): [Tensor[], number[]] => {
    const outRank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d === null || d === undefined) return a;
      let m = moveaxis(a, d, 0);
      const rank = m.ndim - 1;
      if (rank < outRank) m = reshape(m, [m.shape[0]!, ...new Array(outRank - rank).fill(1), ...m.shape.slice(1)]);
      return m;
    });
    return [[bind1(prim, moved, params)], [0]];
  };
}

/** Broadcasts a tangent to the output shape (tangents of broadcast operands are smaller). */
function toShape(t: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
}

type Expr = (dtype: DType) => string;

interface UnaryDef {
  name: string;
  expr: Expr;
  /** Tangent of the output given input x, tangent t and output y. */
  jvp?: (x: Tensor, t: Tensor, y: Tensor) => Tensor;
  /** Output dtype when it differs from the input's. */
  outDtype?: DType;
  /** Linear in its input: transposes to itself. */
  linear?: boolean;
}

function defineUnary(def: UnaryDef): Primitive<null> {
  const prim: Primitive<null> = definePrimitive<null>({
    name: def.name,
    abstractEval: ([x]) => [new ShapedArray(x!.shape, def.outDtype ?? x!.dtype, x!.weakType)],
    impl: ([x], _p, [o]) => [mapElementwise(def.expr(x!.dtype), [x!], allocate(o!.dtype, o!.size), o!.shape)],
    jsExpr: ([x]) => def.expr(x!.dtype),
    ...(def.jvp && {
      jvp: ([x], [t]) => {
        const y = bind1(prim, [x!], null);
        return [[y], [def.jvp!(x!, t!, y)]];
      },
    }),
    ...(def.linear && { transpose: ([ct]) => [ct === null ? null : bind1(prim, [ct], null)] }),
    batch: ([x], [d]) => [[bind1(prim, [x!], null)], [d!]],
  });
  return prim;
}

const same = (e: string): Expr => () => e;
const SQRT_PI = Math.sqrt(Math.PI);

/** Elementwise unary primitives, by name. */
export const unaryPrims = {
  neg: defineUnary({ name: "neg", expr: same("-a"), jvp: (_x, t) => neg(t), linear: true }),
  sign: defineUnary({ name: "sign", expr: same("a > 0 ? 1 : a < 0 ? -1 : a"), jvp: (x) => zerosFor(x) }),
  floor: defineUnary({ name: "floor", expr: same("Math.floor(a)"), jvp: (x) => zerosFor(x) }),
  ceil: defineUnary({ name: "ceil", expr: same("Math.ceil(a)"), jvp: (x) => zerosFor(x) }),
  round: defineUnary({ name: "round", expr: same("H.roundHalfEven(a)"), jvp: (x) => zerosFor(x) }),
  trunc: defineUnary({ name: "trunc", expr: same("Math.trunc(a)"), jvp: (x) => zerosFor(x) }),
  exp: defineUnary({ name: "exp", expr: (d) => (d === "float32" ? "H.expf(a)" : "Math.exp(a)"), jvp: (_x, t, y) => mul(t, y) }),
  log: defineUnary({ name: "log", expr: (d) => (d === "float32" ? "H.logf(a)" : "Math.log(a)"), jvp: (x, t) => div(t, x) }),
  expm1: defineUnary({ name: "expm1", expr: same("Math.expm1(a)"), jvp: (_x, t, y) => mul(t, add(y, 1)) }),
  log1p: defineUnary({ name: "log1p", expr: (d) => (d === "float32" ? "H.log1pf(a)" : "Math.log1p(a)"), jvp: (x, t) => div(t, add(x, 1)) }),
  // float32 sin and cos reduce and evaluate in float64 with one rounding (H.sinf/H.cosf), as their wasm SIMD lowering.
  sin: defineUnary({ name: "sin", expr: (d) => (d === "float32" ? "H.sinf(a)" : "Math.sin(a)"), jvp: (x, t) => mul(t, cos(x)) }),
  cos: defineUnary({ name: "cos", expr: (d) => (d === "float32" ? "H.cosf(a)" : "Math.cos(a)"), jvp: (x, t) => neg(mul(t, sin(x))) }),
  // float32 tanh is computed in float32 arithmetic (H.tanhf), the same operations as its wasm SIMD lowering.
  tanh: defineUnary({ name: "tanh", expr: (d) => (d === "float32" ? "H.tanhf(a)" : "Math.tanh(a)"), jvp: (_x, t, y) => mul(t, sub(1, mul(y, y))) }),
  sqrt: defineUnary({ name: "sqrt", expr: same("Math.sqrt(a)"), jvp: (_x, t, y) => div(t, mul(y, 2)) }),
  asin: defineUnary({ name: "asin", expr: same("Math.asin(a)"), jvp: (x, t) => div(t, sqrt(sub(1, mul(x, x)))) }),
  acos: defineUnary({ name: "acos", expr: same("Math.acos(a)"), jvp: (x, t) => neg(div(t, sqrt(sub(1, mul(x, x))))) }),
  atan: defineUnary({ name: "atan", expr: same("Math.atan(a)"), jvp: (x, t) => div(t, add(1, mul(x, x))) }),
  rsqrt: defineUnary({ name: "rsqrt", expr: same("1 / Math.sqrt(a)"), jvp: (x, t, y) => mul(t, mul(div(y, x), -0.5)) }),
  abs: defineUnary({ name: "abs", expr: same("Math.abs(a)"), jvp: (x, t) => mul(t, sign(x)) }),
  erf: defineUnary({ name: "erf", expr: same("H.erf(a)"), jvp: (x, t) => mul(t, mul(exp(neg(mul(x, x))), 2 / SQRT_PI)) }),
  erfinv: defineUnary({ name: "erf_inv", expr: (d) => (d === "float32" ? "H.erfinvf(a)" : "H.erfinv(a)"), jvp: (_x, t, y) => mul(t, mul(exp(mul(y, y)), SQRT_PI / 2)) }),
  logistic: defineUnary({
    name: "logistic",
    expr: (d) => (d === "float32" ? "H.logisticf(a)" : "a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))"),
    jvp: (_x, t, y) => mul(t, mul(y, sub(1, y))),
  }),
  isFinite: defineUnary({ name: "is_finite", expr: same("Number.isFinite(a) ? 1 : 0"), outDtype: "bool" }),
  not: defineUnary({ name: "not", expr: (d) => (d === "bool" ? "a ? 0 : 1" : "~a") }),
};

interface BinaryDef {
  name: string;
  expr: Expr;
  /** Output tangent; either tangent may be null (zero). `shape` is the output shape. */
  jvp?: (x: Tensor, y: Tensor, tx: Tensor | null, ty: Tensor | null, out: Tensor) => Tensor | null;
  /** Cotangents of x and y given which one is the unknown linear input. */
  transpose?: (ct: Tensor, x: Tensor | UndefPrimal, y: Tensor | UndefPrimal) => [Tensor | null, Tensor | null];
  outDtype?: DType;
}

function defineBinary(def: BinaryDef): Primitive<null> {
  const prim: Primitive<null> = definePrimitive<null>({
    name: def.name,
    abstractEval: (avals) => [elementwiseAval(def.name, avals, def.outDtype)],
    impl: ([x, y], _p, [o]) => [mapElementwise(def.expr(x!.dtype), [x!, y!], allocate(o!.dtype, o!.size), o!.shape)],
    jsExpr: ([x]) => def.expr(x!.dtype),
    ...(def.jvp && {
      jvp: ([x, y], [tx, ty]) => {
        const out = bind1(prim, [x!, y!], null);
        const t = def.jvp!(x!, y!, tx ?? null, ty ?? null, out);
        return [[out], [t === null ? null : toShape(t, out.shape)]];
      },
    }),
    ...(def.transpose && {
      transpose: ([ct], [x, y]) => {
        if (ct === null) return [null, null];
        const [cx, cy] = def.transpose!(ct, x!, y!);
        return [cx && sumToShape(cx, avalOf(x!).shape), cy && sumToShape(cy, avalOf(y!).shape)];
      },
    }),
    batch: (args, dims, params) => batchElementwise(prim)(args, dims, params),
  });
  return prim;
}

function avalOf(x: Tensor | UndefPrimal): ShapedArray {
  return x instanceof UndefPrimal ? x.aval : x.aval;
}

function zerosFor(x: Tensor): Tensor {
  return broadcastTo(scalar(0, x.dtype), x.shape);
}

/** 0.5 where x and y tie at the output, 1 where only x attains it, else 0 (JAX's balanced max/min rule). */
function balancedChoice(x: Tensor, out: Tensor, y: Tensor): Tensor {
  const one = scalar(1, x.dtype);
  const half = scalar(0.5, x.dtype);
  const zero = scalar(0, x.dtype);
  return where(equal(x, out), where(equal(y, out), half, one), zero);
}

const chooserJvp = (x: Tensor, y: Tensor, tx: Tensor | null, ty: Tensor | null, out: Tensor): Tensor | null => {
  const a = tx && mul(tx, balancedChoice(x, out, y));
  const b = ty && mul(ty, balancedChoice(y, out, x));
  return a && b ? add(a, b) : (a ?? b);
};

const intMul: Expr = (d) => (d === "int32" || d === "uint32" ? "Math.imul(a, b)" : d === "bool" ? "a & b" : "a * b");
const shiftGuard = (op: string): Expr => () => `b >= 32 ? 0 : a ${op} b`;

/** Elementwise binary primitives, by name. */
export const binaryPrims = {
  add: defineBinary({
    name: "add",
    expr: (d) => (d === "bool" ? "a | b" : "a + b"),
    jvp: (_x, _y, tx, ty) => (tx && ty ? add(tx, ty) : (tx ?? ty)),
    transpose: (ct, x, y) => [x instanceof UndefPrimal ? ct : null, y instanceof UndefPrimal ? ct : null],
  }),
  sub: defineBinary({
    name: "sub",
    expr: same("a - b"),
    jvp: (_x, _y, tx, ty) => (tx && ty ? sub(tx, ty) : (tx ?? (ty && neg(ty)))),
    transpose: (ct, x, y) => [x instanceof UndefPrimal ? ct : null, y instanceof UndefPrimal ? neg(ct) : null],
  }),
  mul: defineBinary({
    name: "mul",
    expr: intMul,
    jvp: (x, y, tx, ty) => {
      const a = tx && mul(tx, y);
      const b = ty && mul(x, ty);
      return a && b ? add(a, b) : (a ?? b);
    },
    transpose: (ct, x, y) => {
      if (x instanceof UndefPrimal && y instanceof UndefPrimal) throw new DriftError("mul", "transpose of a product of two linear values");
      return x instanceof UndefPrimal ? [mul(ct, y as Tensor), null] : [null, mul(x, ct)];
    },
  }),
  div: defineBinary({
    name: "div",
    expr: same("a / b"),
    jvp: (_x, y, tx, ty, out) => {
      const a = tx && div(tx, y);
      const b = ty && neg(mul(ty, div(out, y)));
      return a && b ? add(a, b) : (a ?? b);
    },
    transpose: (ct, x, y) => {
      if (y instanceof UndefPrimal) throw new DriftError("div", "transpose with respect to the divisor (div is not linear in it)");
      return [x instanceof UndefPrimal ? div(ct, y) : null, null];
    },
  }),
  max: defineBinary({ name: "max", expr: same("(a > b || a !== a) ? a : b"), jvp: chooserJvp }),
  min: defineBinary({ name: "min", expr: same("(a < b || a !== a) ? a : b"), jvp: chooserJvp }),
  pow: defineBinary({
    name: "pow",
    expr: same("Math.pow(a, b)"),
    jvp: (x, y, tx, ty, out) => {
      const zero = scalar(0, x.dtype);
      // d/dx x^y = y x^(y-1), taken as 0 where y == 0 (so 0^0 has derivative 0, not NaN).
      const a = tx && mul(tx, where(equal(y, zero), zero, mul(y, pow(x, sub(y, 1)))));
      // d/dy x^y = x^y log x, taken as 0 where x == 0.
      const b = ty && mul(ty, where(equal(x, zero), zero, mul(out, log(where(equal(x, zero), scalar(1, x.dtype), x)))));
      return a && b ? add(a, b) : (a ?? b);
    },
  }),
  rem: defineBinary({
    name: "rem",
    expr: (d) => (isFloat(d) ? "a % b" : "b === 0 ? a : a % b"),
    jvp: (x, y, tx, ty) => {
      const b = ty && neg(mul(ty, trunc(div(x, y))));
      return tx && b ? add(tx, b) : (tx ?? b);
    },
  }),
  atan2: defineBinary({
    name: "atan2",
    expr: same("Math.atan2(a, b)"),
    // d atan2(y, x) = (x dy − y dx) / (x² + y²).
    jvp: (y, x, ty, tx) => {
      const r2 = add(mul(x, x), mul(y, y));
      const a = ty && div(mul(ty, x), r2);
      const b = tx && neg(div(mul(tx, y), r2));
      return a && b ? add(a, b) : (a ?? b);
    },
  }),
  and: defineBinary({ name: "and", expr: same("a & b") }),
  or: defineBinary({ name: "or", expr: same("a | b") }),
  xor: defineBinary({ name: "xor", expr: same("a ^ b") }),
  shiftLeft: defineBinary({ name: "shift_left", expr: shiftGuard("<<") }),
  shiftRightLogical: defineBinary({ name: "shift_right_logical", expr: shiftGuard(">>>") }),
  lt: defineBinary({ name: "lt", expr: same("a < b ? 1 : 0"), outDtype: "bool" }),
  le: defineBinary({ name: "le", expr: same("a <= b ? 1 : 0"), outDtype: "bool" }),
  gt: defineBinary({ name: "gt", expr: same("a > b ? 1 : 0"), outDtype: "bool" }),
  ge: defineBinary({ name: "ge", expr: same("a >= b ? 1 : 0"), outDtype: "bool" }),
  eq: defineBinary({ name: "eq", expr: same("a === b ? 1 : 0"), outDtype: "bool" }),
  ne: defineBinary({ name: "ne", expr: same("a !== b ? 1 : 0"), outDtype: "bool" }),
};

/** select(pred, onTrue, onFalse) with broadcasting: the primitive behind `where`. */
export const selectPrim: Primitive<null> = definePrimitive<null>({
  name: "select",
  abstractEval([p, t, f]) {
    if (p!.dtype !== "bool") throw new DriftError("where", `condition must be bool; got ${p!.dtype}`);
    const v = elementwiseAval("where", [t!, f!]);
    return [new ShapedArray(broadcastShapes("where", p!.shape, v.shape), v.dtype, v.weakType)];
  },
  impl: ([p, t, f], _p, [o]) => [mapElementwise("a ? b : c", [p!, t!, f!], allocate(o!.dtype, o!.size), o!.shape)],
  jsExpr: () => "a ? b : c",
  jvp([p, t, f], [, tt, tf]) {
    const out = bind1(selectPrim, [p!, t!, f!], null);
    const zero = scalar(0, out.dtype);
    const tOut = tt || tf ? toShape(bind1(selectPrim, [p!, tt ?? zero, tf ?? zero], null), out.shape) : null;
    return [[out], [tOut]];
  },
  transpose([ct], [p, t, f]) {
    if (ct === null) return [null, null, null];
    if (p instanceof UndefPrimal) throw new DriftError("where", "transpose with respect to the condition");
    const zero = scalar(0, ct.dtype);
    return [
      null,
      t instanceof UndefPrimal ? sumToShape(bind1(selectPrim, [p!, ct, zero], null), t.aval.shape) : null,
      f instanceof UndefPrimal ? sumToShape(bind1(selectPrim, [p!, zero, ct], null), f.aval.shape) : null,
    ];
  },
  batch: (args, dims, params) => batchElementwise(selectPrim)(args, dims, params),
});

type Kind = "arith" | "float" | "compare" | "bitwise" | "logical";

/** Applies a binary primitive after JAX-style promotion of the operands. */
function binary(prim: Primitive<null>, x: ArrayLike, y: ArrayLike, op: string, kind: Kind): Tensor {
  let a = asTensor(x, op, "x");
  let b = asTensor(y, op, "y");
  let dtype = promoteTypes(a.dtype, a.weakType, b.dtype, b.weakType);
  if (kind === "float" && !isFloat(dtype)) dtype = "float32";
  if (kind === "logical") dtype = "bool";
  if (kind === "bitwise" && isFloat(dtype))
    throw new DriftError(op, `needs integer or bool operands; got ${a.dtype} and ${b.dtype}`);
  const weak = a.weakType && b.weakType;
  a = convert(a, dtype, weak);
  b = convert(b, dtype, weak);
  return bind1(prim, [a, b], null);
}

/** Applies a unary primitive; `float` ops convert integer and bool input to float32 first. */
function unary(prim: Primitive<null>, x: ArrayLike, op: string, float: boolean): Tensor {
  let a = asTensor(x, op);
  if (float && !isFloat(a.dtype)) a = convert(a, "float32", a.weakType);
  return bind1(prim, [a], null);
}

/** x + y with broadcasting. */
export const add = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.add, x, y, "add", "arith");
/** x − y with broadcasting. */
export const sub = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.sub, x, y, "subtract", "arith");
/** x · y with broadcasting. */
export const mul = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.mul, x, y, "multiply", "arith");
/** True division x / y (integer inputs give float32). */
export const div = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.div, x, y, "divide", "float");
/** x ** y. */
export const pow = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.pow, x, y, "power", "arith");
/** Remainder with the sign of x (C fmod, as `lax.rem`). */
export const rem = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.rem, x, y, "rem", "arith");
/** Elementwise maximum (NaN propagates). */
export const maximum = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.max, x, y, "maximum", "arith");
/** Elementwise minimum (NaN propagates). */
export const minimum = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.min, x, y, "minimum", "arith");
/** x > y. */
export const greater = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.gt, x, y, "greater", "compare");
/** x >= y. */
export const greaterEqual = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.ge, x, y, "greaterEqual", "compare");
/** x < y. */
export const less = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.lt, x, y, "less", "compare");
/** x <= y. */
export const lessEqual = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.le, x, y, "lessEqual", "compare");
/** x == y. */
export const equal = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.eq, x, y, "equal", "compare");
/** x != y. */
export const notEqual = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.ne, x, y, "notEqual", "compare");
/** Logical and of truth values. */
export const logicalAnd = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.and, x, y, "logicalAnd", "logical");
/** Logical or of truth values. */
export const logicalOr = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.or, x, y, "logicalOr", "logical");
/** Logical xor of truth values. */
export const logicalXor = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.xor, x, y, "logicalXor", "logical");
/** Bitwise and of integers. */
export const bitwiseAnd = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.and, x, y, "bitwiseAnd", "bitwise");
/** Bitwise or of integers. */
export const bitwiseOr = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.or, x, y, "bitwiseOr", "bitwise");
/** Bitwise xor of integers. */
export const bitwiseXor = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.xor, x, y, "bitwiseXor", "bitwise");
/** x << y (0 for shifts of 32 or more). */
export const shiftLeft = (x: ArrayLike, y: ArrayLike): Tensor => binary(binaryPrims.shiftLeft, x, y, "shiftLeft", "bitwise");
/** Logical x >>> y (0 for shifts of 32 or more). */
export const shiftRightLogical = (x: ArrayLike, y: ArrayLike): Tensor =>
  binary(binaryPrims.shiftRightLogical, x, y, "shiftRightLogical", "bitwise");

/** Arcsine, in [−π/2, π/2]. */
export const arcsin = (x: ArrayLike): Tensor => unary(unaryPrims.asin, x, "arcsin", true);
/** Arccosine, in [0, π]. */
export const arccos = (x: ArrayLike): Tensor => unary(unaryPrims.acos, x, "arccos", true);
/** Arctangent, in (−π/2, π/2). */
export const arctan = (x: ArrayLike): Tensor => unary(unaryPrims.atan, x, "arctan", true);
/** The angle of the point (x, y) from the positive x axis, in [−π, π] (`arctan2(y, x)`, as numpy). */
export const arctan2 = (y: ArrayLike, x: ArrayLike): Tensor => binary(binaryPrims.atan2, y, x, "arctan2", "float");
/** Tangent, sin x / cos x. */
export const tan = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "tan");
  return div(sin(a), cos(a));
};
/** Hyperbolic sine, (expm1(x) − expm1(−x)) / 2 (accurate near 0). */
export const sinh = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "sinh");
  return mul(sub(expm1(a), expm1(neg(a))), 0.5);
};
/** Hyperbolic cosine, (eˣ + e⁻ˣ) / 2. */
export const cosh = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "cosh");
  return mul(add(exp(a), exp(neg(a))), 0.5);
};
/** Inverse hyperbolic tangent on (−1, 1), (log1p(x) − log1p(−x)) / 2: the inverse of a tanh-squashed action. */
export const arctanh = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "arctanh");
  return mul(sub(log1p(a), log1p(neg(a))), 0.5);
};
/** Inverse hyperbolic sine, sign(x)·log1p(|x| + x²/(1 + √(1 + x²))) (accurate near 0, no overflow of x² below 1e19). */
export const arcsinh = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "arcsinh");
  const m = abs(a);
  const m2 = mul(m, m);
  return mul(sign(a), log1p(add(m, div(m2, add(1, sqrt(add(1, m2)))))));
};
/** Inverse hyperbolic cosine for x ≥ 1, log1p((x − 1) + √((x − 1)(x + 1))). */
export const arccosh = (x: ArrayLike): Tensor => {
  const a = convertFloat(x, "arccosh");
  const d = sub(a, 1);
  return log1p(add(d, sqrt(mul(d, add(a, 1)))));
};
/** Base-2 logarithm, log(x) / ln 2. */
export const log2 = (x: ArrayLike): Tensor => div(log(x), Math.LN2);
/** Base-10 logarithm, log(x) / ln 10. */
export const log10 = (x: ArrayLike): Tensor => div(log(x), Math.LN10);
/** 2ˣ, as pow(2, x) (exact at integers). */
export const exp2 = (x: ArrayLike): Tensor => pow(2, convertFloat(x, "exp2"));
/** √(x² + y²) without overflow or underflow of the squares: h·√(1 + (l/h)²) with h = max(|x|, |y|), l = min. */
export const hypot = (x: ArrayLike, y: ArrayLike): Tensor => {
  const a = abs(convertFloat(x, "hypot"));
  const b = abs(convertFloat(y, "hypot"));
  const hi = maximum(a, b);
  const lo = minimum(a, b);
  const safe = where(equal(hi, 0), 1, hi);
  const ratio = div(lo, safe);
  return where(equal(hi, 0), mul(hi, 0), mul(hi, sqrt(add(1, mul(ratio, ratio)))));
};
/** Remainder with the sign of the divisor, x − floor(x / y)·y (Python's %, `jnp.remainder`); `rem` keeps x's sign. */
export const mod = (x: ArrayLike, y: ArrayLike): Tensor => {
  const { r, d, shift } = remainderParts(x, y, "mod");
  return where(shift, add(r, d), r);
};

/** C's remainder r = rem(x, y), the divisor d in r's dtype, and where r must move by one divisor to take d's sign. */
function remainderParts(x: ArrayLike, y: ArrayLike, op: string): { r: Tensor; d: Tensor; shift: Tensor } {
  const r = rem(x, y);
  const d = convert(asTensor(y, op, "y"), r.dtype, r.weakType);
  const zero = scalar(0, r.dtype);
  return { r, d, shift: logicalAnd(notEqual(r, zero), notEqual(less(r, zero), less(d, zero))) };
}

/**
 * floor(x / y), as numpy's `//` (`jnp.floor_divide`). Integers stay integers and are exact (0 where y = 0). Floats take
 * q = (x − rem(x, y)) / y, one less where rem's sign differs from y's, rounded to the nearest integer (so 1 // 0.1 is
 * 9, as numpy, not floor(1 / 0.1) = 10).
 */
export const floorDivide = (x: ArrayLike, y: ArrayLike): Tensor => divmod(x, y)[0];
/** [floorDivide(x, y), mod(x, y)], as numpy's `divmod`. */
export const divmod = (x: ArrayLike, y: ArrayLike): [Tensor, Tensor] => {
  const { r, d, shift } = remainderParts(x, y, "divmod");
  const a = convert(asTensor(x, "divmod", "x"), r.dtype, r.weakType);
  const zero = scalar(0, r.dtype);
  // The truncated quotient of the exact multiple x − rem(x, y) (binaryPrims.div truncates integers).
  const q = bind1(binaryPrims.div, [sub(a, r), d], null);
  const floored = where(shift, sub(q, 1), q);
  const quotient = isFloat(r.dtype) ? round(floored) : where(equal(d, zero), zero, floored);
  return [quotient, where(shift, add(r, d), r)];
};
/** C's fmod: the remainder with the sign of x (the same as `rem`). */
export const fmod = (x: ArrayLike, y: ArrayLike): Tensor => rem(x, y);
/** True where x is NaN (never for integers). */
export const isnan = (x: ArrayLike): Tensor => {
  const a = asTensor(x, "isnan");
  return notEqual(a, a);
};
/** True where x is +∞ or −∞ (never for integers). */
export const isinf = (x: ArrayLike): Tensor => {
  const a = asTensor(x, "isinf");
  // Integers are never infinite (x ≠ x is false for every one of them).
  return isFloat(a.dtype) ? equal(abs(a), Infinity) : notEqual(a, a);
};
/** Options of {@link nanToNum}: replacements for NaN (default 0), +∞ and −∞ (default the dtype's largest and lowest). */
export interface NanToNumOptions {
  nan?: number;
  posinf?: number;
  neginf?: number;
}
/** x with NaN, +∞ and −∞ replaced by finite numbers, as `jnp.nan_to_num`. */
export const nanToNum = (x: ArrayLike, opts: NanToNumOptions = {}): Tensor => {
  const a = asTensor(x, "nanToNum");
  if (!isFloat(a.dtype)) return a;
  const big = a.dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const noNan = where(isnan(a), opts.nan ?? 0, a);
  return where(equal(noNan, Infinity), opts.posinf ?? big, where(equal(noNan, -Infinity), opts.neginf ?? -big, noNan));
};
/** Elementwise |x − y| ≤ atol + rtol·|y| (NaNs equal when `equalNan`), as `jnp.isclose`. */
export const isclose = (x: ArrayLike, y: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): Tensor => {
  const a = asTensor(x, "isclose", "x");
  const b = asTensor(y, "isclose", "y");
  const close = lessEqual(abs(sub(a, b)), add(opts.atol ?? 1e-8, mul(opts.rtol ?? 1e-5, abs(b))));
  // ±∞ is close only to itself.
  const same = equal(a, b);
  const finiteClose = logicalOr(same, logicalAnd(close, logicalAnd(isfinite(a), isfinite(b))));
  return opts.equalNan ? logicalOr(finiteClose, logicalAnd(isnan(a), isnan(b))) : finiteClose;
};

/** log(eˣ + eʸ) without overflow: max(x, y) + log1p(e^−|x − y|); x + y where x − y is NaN (both ±∞ alike, or a NaN). */
export const logaddexp = (x: ArrayLike, y: ArrayLike): Tensor => {
  const a = convertFloat(x, "logaddexp");
  const b = convertFloat(y, "logaddexp");
  const delta = sub(a, b);
  return where(isnan(delta), add(a, b), add(maximum(a, b), log1p(exp(neg(abs(delta))))));
};
/** Degrees to radians, x · π/180. */
export const deg2rad = (x: ArrayLike): Tensor => mul(convertFloat(x, "deg2rad"), Math.PI / 180);
/** Radians to degrees, x · 180/π. */
export const rad2deg = (x: ArrayLike): Tensor => mul(convertFloat(x, "rad2deg"), 180 / Math.PI);

/** Converts integer and bool input to float32 (floats are kept), for composite float ops. */
function convertFloat(x: ArrayLike, op: string): Tensor {
  const a = asTensor(x, op);
  return isFloat(a.dtype) ? a : convert(a, "float32", a.weakType);
}

/** −x. */
export const neg = (x: ArrayLike): Tensor => unary(unaryPrims.neg, x, "negative", false);
/** −1, 0 or 1 by sign (NaN stays NaN). */
export const sign = (x: ArrayLike): Tensor => unary(unaryPrims.sign, x, "sign", false);
/** Largest integer ≤ x. */
export const floor = (x: ArrayLike): Tensor => unary(unaryPrims.floor, x, "floor", true);
/** Smallest integer ≥ x. */
export const ceil = (x: ArrayLike): Tensor => unary(unaryPrims.ceil, x, "ceil", true);
/** Round half to even. */
export const round = (x: ArrayLike): Tensor => unary(unaryPrims.round, x, "round", true);
/** Round toward zero. */
export const trunc = (x: ArrayLike): Tensor => unary(unaryPrims.trunc, x, "trunc", true);
/** eˣ. */
export const exp = (x: ArrayLike): Tensor => unary(unaryPrims.exp, x, "exp", true);
/** Natural logarithm. */
export const log = (x: ArrayLike): Tensor => unary(unaryPrims.log, x, "log", true);
/** eˣ − 1, accurate near 0. */
export const expm1 = (x: ArrayLike): Tensor => unary(unaryPrims.expm1, x, "expm1", true);
/** log(1 + x), accurate near 0. */
export const log1p = (x: ArrayLike): Tensor => unary(unaryPrims.log1p, x, "log1p", true);
/** Sine. */
export const sin = (x: ArrayLike): Tensor => unary(unaryPrims.sin, x, "sin", true);
/** Cosine. */
export const cos = (x: ArrayLike): Tensor => unary(unaryPrims.cos, x, "cos", true);
/** Hyperbolic tangent. */
export const tanh = (x: ArrayLike): Tensor => unary(unaryPrims.tanh, x, "tanh", true);
/** Square root. */
export const sqrt = (x: ArrayLike): Tensor => unary(unaryPrims.sqrt, x, "sqrt", true);
/** 1 / √x. */
export const rsqrt = (x: ArrayLike): Tensor => unary(unaryPrims.rsqrt, x, "rsqrt", true);
/** |x|. */
export const abs = (x: ArrayLike): Tensor => unary(unaryPrims.abs, x, "abs", false);
/** The error function. */
export const erf = (x: ArrayLike): Tensor => unary(unaryPrims.erf, x, "erf", true);
/** The inverse error function on (−1, 1). */
export const erfinv = (x: ArrayLike): Tensor => unary(unaryPrims.erfinv, x, "erfinv", true);
/** The logistic sigmoid 1 / (1 + e⁻ˣ), stable for large |x|. */
export const sigmoid = (x: ArrayLike): Tensor => unary(unaryPrims.logistic, x, "sigmoid", true);
/** True where x is neither infinite nor NaN. */
export const isfinite = (x: ArrayLike): Tensor => unary(unaryPrims.isFinite, x, "isfinite", false);
/** Logical not. */
export const logicalNot = (x: ArrayLike): Tensor => bind1(unaryPrims.not, [convert(asTensor(x, "logicalNot"), "bool")], null);
/** Bitwise not of integers. */
export const bitwiseNot = (x: ArrayLike): Tensor => unary(unaryPrims.not, x, "bitwiseNot", false);
/** x². */
export const square = (x: ArrayLike): Tensor => {
  const a = asTensor(x, "square");
  return mul(a, a);
};
/** log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|). */
export const softplus = (x: ArrayLike): Tensor => {
  const a = unary(unaryPrims.abs, x, "softplus", true);
  const xf = convert(asTensor(x, "softplus"), a.dtype, a.weakType);
  return add(maximum(xf, 0), log1p(exp(neg(a))));
};
/** min(max(x, lo), hi); either bound may be omitted with `undefined`. */
export const clip = (x: ArrayLike, lo?: ArrayLike, hi?: ArrayLike): Tensor => {
  let out = asTensor(x, "clip");
  if (lo !== undefined && lo !== null) out = maximum(out, lo);
  if (hi !== undefined && hi !== null) out = minimum(out, hi);
  return out;
};

/** Picks `x` where `condition` is true and `y` elsewhere, with broadcasting. */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): Tensor {
  const c = convert(asTensor(condition, "where", "condition"), "bool");
  let a = asTensor(x, "where", "x");
  let b = asTensor(y, "where", "y");
  const dtype = promoteTypes(a.dtype, a.weakType, b.dtype, b.weakType);
  const weak = a.weakType && b.weakType;
  a = convert(a, dtype, weak);
  b = convert(b, dtype, weak);
  return bind1(selectPrim, [c, a, b], null);
}

