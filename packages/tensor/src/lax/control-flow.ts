// Structured control flow as primitives over jaxprs: scan, switch/cond and whileLoop, each with jvp, transpose and batching rules.
import { DriftError, fmtShape } from "../errors.ts";
import { allocate, isFloat } from "../dtype.ts";
import { sizeOf } from "../shape.ts";
import { ConcreteArray, type Primitive, ShapedArray, type Tensor, UndefPrimal, bind, definePrimitive } from "../core/tensor.ts";
import { type Jaxpr, evalJaxpr, traceFlat } from "../core/jaxpr.ts";
import { backwardPass } from "../core/linearize.ts";
import { compiled } from "../jit/compile.ts";
import { jvp, vmap } from "../transformations.ts";
import { broadcastTo, moveaxis, reshape } from "../ops/movement.ts";
import { add, clip, equal, where } from "../ops/elementwise.ts";
import { convert } from "../ops/coerce.ts";
import { zerosLike } from "../ops/creation.ts";
import { max as reduceMax } from "../ops/reduce.ts";

const avalsOf = (j: Jaxpr): ShapedArray[] => j.inBinders.map((v) => v.aval);
const outAvalsOf = (j: Jaxpr): ShapedArray[] => j.outs.map((a) => a.aval);
const isFloatAval = (a: ShapedArray): boolean => isFloat(a.dtype);
const strong = (a: ShapedArray): ShapedArray => new ShapedArray(a.shape, a.dtype);
const zerosOf = (a: ShapedArray): Tensor => broadcastTo(convert(zerosLike(0), a.dtype), a.shape);
const pick = <T>(xs: readonly T[], mask: readonly boolean[]): T[] => xs.filter((_, i) => mask[i]);

/** Re-traces `jaxpr` with no consts of its own: every capture is already an input. */
function retrace(fn: (...xs: Tensor[]) => Tensor[], avals: readonly ShapedArray[]): { jaxpr: Jaxpr; consts: Tensor[] } {
  return traceFlat(fn, avals.map(strong));
}

/** Tangent function of `jaxpr` at primals `ps` for the float inputs `ts` (others get zero tangents); float outputs only. */
function tangentOf(jaxpr: Jaxpr, ps: Tensor[], floatIn: boolean[], ts: Tensor[]): Tensor[] {
  let k = 0;
  const full = ps.map((p, i) => (floatIn[i] ? ts[k++]! : zerosLike(p)));
  const [, tOut] = jvp((...xs: Tensor[]) => evalJaxpr(jaxpr, xs), ps as any, full as any) as unknown as [Tensor[], Tensor[]];
  return pick(tOut, outAvalsOf(jaxpr).map(isFloatAval));
}

// ---------------------------------------------------------------------------------------------- scan

/** Parameters of the scan primitive: `jaxpr` maps (consts, carry, x) to (carry, y). */
export interface ScanParams {
  jaxpr: Jaxpr;
  numConsts: number;
  numCarry: number;
  length: number;
  reverse: boolean;
}

/** Row `i` of a stacked concrete array, without copying. */
function rowOf(x: ConcreteArray, i: number): ConcreteArray {
  const row = sizeOf(x.shape.slice(1));
  return new ConcreteArray(new ShapedArray(x.shape.slice(1), x.dtype), x.buf.subarray(i * row, (i + 1) * row));
}

/** scan: a loop over the leading axis of xs carrying state, as `jax.lax.scan`. */
export const scanPrim: Primitive<ScanParams> = definePrimitive<ScanParams>({
  name: "scan",
  abstractEval(avals, p) {
    const xs = avals.slice(p.numConsts + p.numCarry);
    for (const x of xs)
      if (x.shape[0] !== p.length) throw new DriftError("scan", `every xs leaf needs leading dimension ${p.length}; got ${fmtShape(x.shape)}`);
    const outs = outAvalsOf(p.jaxpr);
    return [...outs.slice(0, p.numCarry).map(strong), ...outs.slice(p.numCarry).map((a) => new ShapedArray([p.length, ...a.shape], a.dtype))];
  },
  impl(inputs, p, outAvals) {
    const consts = inputs.slice(0, p.numConsts);
    let carry: Tensor[] = inputs.slice(p.numConsts, p.numConsts + p.numCarry);
    const xs = inputs.slice(p.numConsts + p.numCarry);
    const ysAvals = outAvals.slice(p.numCarry);
    const body = compiled(p.jaxpr);
    const ys = ysAvals.map((a) => allocate(a.dtype, a.size));
    for (let step = 0; step < p.length; step++) {
      const i = p.reverse ? p.length - 1 - step : step;
      const outs = body.run([...consts, ...(carry as ConcreteArray[]), ...xs.map((x) => rowOf(x, i))]);
      carry = outs.slice(0, p.numCarry);
      outs.slice(p.numCarry).forEach((y, j) => {
        const data = (y as ConcreteArray).buf;
        ys[j]!.set(data, i * data.length);
      });
    }
    return [...carry.map((c) => (c as ConcreteArray).buf), ...ys];
  },
  jvp(primals, tangents, p) {
    const { jaxpr, numConsts: nc, numCarry: nk } = p;
    const ins = avalsOf(jaxpr);
    const floatIn = ins.map(isFloatAval);
    const floatOut = outAvalsOf(jaxpr).map(isFloatAval);
    const carryAvals = ins.slice(nc, nc + nk);
    // 1. Primal scan that also emits each step's incoming carry (the residuals of the tangent scan).
    const withResiduals = retrace((...xs) => [...evalJaxpr(jaxpr, xs), ...xs.slice(nc, nc + nk)], ins).jaxpr;
    const primalOuts = bind(scanPrim, primals, { ...p, jaxpr: withResiduals });
    const carryOut = primalOuts.slice(0, nk);
    const ysOut = primalOuts.slice(nk, primalOuts.length - nk);
    const residuals = primalOuts.slice(primalOuts.length - nk);
    // 2. Tangent scan: linear in (float const tangents, float carry tangents, float x tangents).
    const floatConsts = floatIn.slice(0, nc);
    const floatCarry = floatIn.slice(nc, nc + nk);
    const floatXs = floatIn.slice(nc + nk);
    const t = (i: number): Tensor => tangents[i] ?? zerosOf(primals[i]!.aval);
    const constT = pick(primals.slice(0, nc).map((_, i) => i), floatConsts).map(t);
    const carryT = pick(carryAvals.map((_, i) => nc + i), floatCarry).map(t);
    const xsT = pick(primals.slice(nc + nk).map((_, i) => nc + nk + i), floatXs).map(t);
    const tConsts = primals.slice(0, nc);
    const xsP = primals.slice(nc + nk);
    const nct = constT.length;
    const nkt = carryT.length;
    const bodyAvals = [
      ...tConsts.map((x) => x.aval),
      ...constT.map((x) => x.aval),
      ...carryT.map((x) => x.aval),
      ...carryAvals,
      ...xsP.map((x) => new ShapedArray(x.shape.slice(1), x.dtype)),
      ...xsT.map((x) => new ShapedArray(x.shape.slice(1), x.dtype)),
    ];
    const tangentBody = retrace((...a) => {
      const cP = a.slice(0, nc);
      const cT = a.slice(nc, nc + nct);
      const kT = a.slice(nc + nct, nc + nct + nkt);
      const kP = a.slice(nc + nct + nkt, nc + nct + nkt + nk);
      const xP = a.slice(nc + nct + nkt + nk, nc + nct + nkt + nk + xsP.length);
      const xT = a.slice(nc + nct + nkt + nk + xsP.length);
      return tangentOf(jaxpr, [...cP, ...kP, ...xP], floatIn, [...cT, ...kT, ...xT]);
    }, bodyAvals).jaxpr;
    const tOuts = bind(scanPrim, [...tConsts, ...constT, ...carryT, ...residuals, ...xsP, ...xsT], {
      jaxpr: tangentBody,
      numConsts: nc + nct,
      numCarry: nkt,
      length: p.length,
      reverse: p.reverse,
    });
    let k = 0;
    const outT = floatOut.map((f) => (f ? tOuts[k++]! : null));
    return [[...carryOut, ...ysOut], outT];
  },
  transpose(cts, args, p) {
    const { jaxpr, numConsts: nc, numCarry: nk, length } = p;
    // Carries are always treated as linear: a known carry here is an instantiated zero tangent.
    const linear = args.map((a, i) => a instanceof UndefPrimal || (i >= nc && i < nc + nk));
    const ins = avalsOf(jaxpr);
    const outs = outAvalsOf(jaxpr);
    const constIdx = ins.slice(0, nc).map((_, i) => i);
    const knownConsts = constIdx.filter((i) => !linear[i]);
    const linearConsts = constIdx.filter((i) => linear[i]);
    const xIdx = ins.slice(nc + nk).map((_, i) => nc + nk + i);
    const knownXs = xIdx.filter((i) => !linear[i]);
    const linearXs = xIdx.filter((i) => linear[i]);
    const ctCarry = outs.slice(0, nk).map((a, i) => cts[i] ?? zerosOf(a));
    const ctYs = outs.slice(nk).map((a, i) => cts[nk + i] ?? zerosOf(new ShapedArray([length, ...a.shape], a.dtype)));
    const accInit = linearConsts.map((i) => zerosOf(ins[i]!));
    const nK = knownConsts.length;
    const nL = linearConsts.length;
    const nKX = knownXs.length;
    const bodyAvals = [
      ...knownConsts.map((i) => ins[i]!),
      ...ins.slice(nc, nc + nk),
      ...linearConsts.map((i) => ins[i]!),
      ...knownXs.map((i) => ins[i]!),
      ...outs.slice(nk),
    ];
    const body = retrace((...a) => {
      const kc = a.slice(0, nK);
      const ctc = a.slice(nK, nK + nk);
      const acc = a.slice(nK + nk, nK + nk + nL);
      const kx = a.slice(nK + nk + nL, nK + nk + nL + nKX);
      const cty = a.slice(nK + nk + nL + nKX);
      const bodyArgs: (Tensor | UndefPrimal)[] = ins.map((av) => new UndefPrimal(av));
      knownConsts.forEach((i, j) => (bodyArgs[i] = kc[j]!));
      knownXs.forEach((i, j) => (bodyArgs[i] = kx[j]!));
      const ctIn = backwardPass(jaxpr, bodyArgs, [...ctc, ...cty]);
      const orZero = (i: number): Tensor => ctIn[i] ?? zerosOf(ins[i]!);
      return [
        ...ins.slice(nc, nc + nk).map((_, j) => orZero(nc + j)),
        ...linearConsts.map((i, j) => (ctIn[i] ? add(acc[j]!, ctIn[i]!) : acc[j]!)),
        ...linearXs.map(orZero),
      ];
    }, bodyAvals).jaxpr;
    const res = bind(scanPrim, [...knownConsts.map((i) => args[i] as Tensor), ...ctCarry, ...accInit, ...knownXs.map((i) => args[i] as Tensor), ...ctYs], {
      jaxpr: body,
      numConsts: nK,
      numCarry: nk + nL,
      length,
      reverse: !p.reverse,
    });
    const out: (Tensor | null)[] = args.map(() => null);
    for (let j = 0; j < nk; j++) out[nc + j] = args[nc + j] instanceof UndefPrimal ? res[j]! : null;
    linearConsts.forEach((i, j) => (out[i] = res[nk + j]!));
    linearXs.forEach((i, j) => (out[i] = res[nk + nL + j]!));
    return out;
  },
  batch(args, dims, p, size) {
    const { jaxpr, numConsts: nc, numCarry: nk } = p;
    const front = (x: Tensor, d: number | null | undefined): Tensor =>
      d === null || d === undefined ? broadcastTo(x, [size, ...x.shape]) : moveaxis(x, d, 0);
    const consts = args.slice(0, nc).map((x, i) => (dims[i] === null ? x : moveaxis(x, dims[i]!, 0)));
    const carry = args.slice(nc, nc + nk).map((x, i) => front(x, dims[nc + i]));
    const xs = args.slice(nc + nk).map((x, i) => {
      const d = dims[nc + nk + i];
      return d === null || d === undefined ? x : moveaxis(x, d, 1);
    });
    const inAxes = [...dims.slice(0, nc).map((d) => (d === null ? null : 0)), ...carry.map(() => 0), ...dims.slice(nc + nk).map((d) => (d === null ? null : 0))];
    const ins = avalsOf(jaxpr);
    const bodyAvals = ins.map((a, i) => (inAxes[i] === null ? a : new ShapedArray([size, ...a.shape], a.dtype)));
    const body = retrace((...a) => vmap((...z: Tensor[]) => evalJaxpr(jaxpr, z), { inAxes, outAxes: 0 })(...a) as Tensor[], bodyAvals).jaxpr;
    const outs = bind(scanPrim, [...consts, ...carry, ...xs], { ...p, jaxpr: body });
    return [outs, outs.map((_, i) => (i < nk ? 0 : 1))];
  },
});

// -------------------------------------------------------------------------------------------- switch

/** Parameters of the switch primitive: every branch maps the same inputs (consts then operands) to the same outputs. */
export interface SwitchParams {
  branches: Jaxpr[];
}

/** switch: runs `branches[clamp(index)]` on the operands, as `jax.lax.switch`. */
export const switchPrim: Primitive<SwitchParams> = definePrimitive<SwitchParams>({
  name: "switch",
  abstractEval([index], p) {
    if (index!.dtype !== "int32" || index!.ndim !== 0) throw new DriftError("switch", `index must be an int32 scalar; got ${index}`);
    const first = outAvalsOf(p.branches[0]!);
    p.branches.forEach((b, i) => {
      const o = outAvalsOf(b);
      if (o.length !== first.length || o.some((a, j) => !strong(a).equals(strong(first[j]!))))
        throw new DriftError("switch", `branch ${i} returns (${o.join(", ")}) but branch 0 returns (${first.join(", ")}); every branch must return the same shapes and dtypes`);
    });
    return first.map(strong);
  },
  impl([index, ...ops], p) {
    const i = Math.min(Math.max(index!.buf[0]!, 0), p.branches.length - 1);
    return compiled(p.branches[i]!).run(ops).map((o) => o.buf);
  },
  jvp([index, ...ps], [, ...ts], p) {
    const primalOut = bind(switchPrim, [index!, ...ps], p);
    const ins = avalsOf(p.branches[0]!);
    const floatIn = ins.map(isFloatAval);
    const floatOut = outAvalsOf(p.branches[0]!).map(isFloatAval);
    const tIn = pick(ps.map((x, i) => ts[i] ?? zerosOf(x.aval)), floatIn);
    const tangentBranches = p.branches.map(
      (b) =>
        retrace((...a) => tangentOf(b, a.slice(0, ps.length), floatIn, a.slice(ps.length)), [...ins, ...pick(ins, floatIn)]).jaxpr,
    );
    const tOut = bind(switchPrim, [index!, ...ps, ...tIn], { branches: tangentBranches });
    let k = 0;
    return [primalOut, floatOut.map((f) => (f ? tOut[k++]! : null))];
  },
  transpose(cts, [index, ...args], p) {
    if (index instanceof UndefPrimal) throw new DriftError("switch", "transpose with respect to the index");
    const ins = avalsOf(p.branches[0]!);
    const outs = outAvalsOf(p.branches[0]!);
    const linear = args.map((a) => a instanceof UndefPrimal);
    const known = args.filter((a): a is Tensor => !(a instanceof UndefPrimal));
    const ctOut = outs.map((a, i) => cts[i] ?? zerosOf(a));
    const transposed = p.branches.map(
      (b) =>
        retrace((...a) => {
          let k = 0;
          const bArgs = ins.map((av, i) => (linear[i] ? new UndefPrimal(av) : a[k++]!));
          const ct = backwardPass(b, bArgs, a.slice(known.length));
          return ins.flatMap((av, i) => (linear[i] ? [ct[i] ?? zerosOf(av)] : []));
        }, [...known.map((x) => x.aval), ...outs]).jaxpr,
    );
    const res = bind(switchPrim, [index!, ...known, ...ctOut], { branches: transposed });
    let k = 0;
    return [null, ...linear.map((l) => (l ? res[k++]! : null))];
  },
  batch([index, ...ops], [di, ...dops], p, size) {
    const inAxes = dops.map((d) => (d === null || d === undefined ? null : d));
    const batched = p.branches.map((b) => (...a: Tensor[]) => vmap((...z: Tensor[]) => evalJaxpr(b, z), { inAxes, outAxes: 0 })(...a) as Tensor[]);
    if (di === null || di === undefined) {
      const branches = batched.map((fn) => retrace(fn, ops.map((x) => x.aval)).jaxpr);
      const outs = bind(switchPrim, [index!, ...ops], { branches });
      return [outs, outs.map(() => 0)];
    }
    // A batched index: evaluate every branch and select per batch member.
    const idx = clip(moveaxis(index!, di, 0), 0, p.branches.length - 1);
    const results = batched.map((fn) => fn(...ops));
    const outs = results[0]!.map((_, j) => {
      let acc = results[results.length - 1]![j]!;
      for (let b = results.length - 2; b >= 0; b--) {
        const y = results[b]![j]!;
        acc = where(reshape(equal(idx, b), [size, ...new Array(y.ndim - 1).fill(1)]), y, acc);
      }
      return acc;
    });
    return [outs, outs.map(() => 0)];
  },
});

// --------------------------------------------------------------------------------------------- while

/** Parameters of the while primitive: `cond` maps (condConsts, carry) to a bool scalar, `body` (bodyConsts, carry) to carry. */
export interface WhileParams {
  cond: Jaxpr;
  body: Jaxpr;
  numCondConsts: number;
  numBodyConsts: number;
}

/** while: repeats `body` while `cond` holds, as `jax.lax.while_loop` (forward-mode differentiable only). */
export const whilePrim: Primitive<WhileParams> = definePrimitive<WhileParams>({
  name: "while",
  abstractEval(avals, p) {
    const carry = avals.slice(p.numCondConsts + p.numBodyConsts);
    const c = outAvalsOf(p.cond);
    if (c.length !== 1 || c[0]!.dtype !== "bool" || c[0]!.ndim !== 0)
      throw new DriftError("whileLoop", `condFn must return a bool scalar; got (${c.join(", ")})`);
    const b = outAvalsOf(p.body);
    if (b.length !== carry.length || b.some((a, i) => !strong(a).equals(strong(carry[i]!))))
      throw new DriftError("whileLoop", `bodyFn returns (${b.join(", ")}) but the carry is (${carry.join(", ")}); it must keep shapes and dtypes`);
    return carry.map(strong);
  },
  impl(inputs, p) {
    const condConsts = inputs.slice(0, p.numCondConsts);
    const bodyConsts = inputs.slice(p.numCondConsts, p.numCondConsts + p.numBodyConsts);
    let carry = inputs.slice(p.numCondConsts + p.numBodyConsts);
    const cond = compiled(p.cond);
    const body = compiled(p.body);
    while (cond.run([...condConsts, ...carry])[0]!.buf[0]) carry = body.run([...bodyConsts, ...carry]);
    return carry.map((c) => c.buf);
  },
  jvp(primals, tangents, p) {
    const nC = p.numCondConsts;
    const nB = p.numBodyConsts;
    const carryP = primals.slice(nC + nB);
    const nk = carryP.length;
    const floatIn = avalsOf(p.body).map(isFloatAval);
    const bodyConstsT = pick(primals.slice(nC, nC + nB).map((x, i) => tangents[nC + i] ?? zerosOf(x.aval)), floatIn.slice(0, nB));
    const carryT = pick(carryP.map((x, i) => tangents[nC + nB + i] ?? zerosOf(x.aval)), floatIn.slice(nB));
    const nbt = bodyConstsT.length;
    const condAvals = avalsOf(p.cond);
    const cond = retrace((...a) => evalJaxpr(p.cond, a.slice(0, nC + nk)), [...condAvals, ...carryT.map((x) => x.aval)]).jaxpr;
    const bodyAvals = [...avalsOf(p.body).slice(0, nB), ...bodyConstsT.map((x) => x.aval), ...avalsOf(p.body).slice(nB), ...carryT.map((x) => x.aval)];
    const body = retrace((...a) => {
      const bc = a.slice(0, nB);
      const bct = a.slice(nB, nB + nbt);
      const kp = a.slice(nB + nbt, nB + nbt + nk);
      const kt = a.slice(nB + nbt + nk);
      const next = evalJaxpr(p.body, [...bc, ...kp]);
      return [...next, ...tangentOf(p.body, [...bc, ...kp], floatIn, [...bct, ...kt])];
    }, bodyAvals).jaxpr;
    const outs = bind(whilePrim, [...primals.slice(0, nC), ...primals.slice(nC, nC + nB), ...bodyConstsT, ...carryP, ...carryT], {
      cond,
      body,
      numCondConsts: nC,
      numBodyConsts: nB + nbt,
    });
    let k = 0;
    return [outs.slice(0, nk), floatIn.slice(nB).map((f) => (f ? outs[nk + k++]! : null))];
  },
  transpose() {
    throw new DriftError(
      "whileLoop",
      "reverse-mode differentiation (grad/vjp) is not supported because the trip count depends on the data; use lax.scan or lax.foriLoop with static bounds",
    );
  },
  batch(args, dims, p, size) {
    const nC = p.numCondConsts;
    const nB = p.numBodyConsts;
    const consts = args.slice(0, nC + nB).map((x, i) => (dims[i] === null || dims[i] === undefined ? x : moveaxis(x, dims[i]!, 0)));
    const constAxes = dims.slice(0, nC + nB).map((d) => (d === null || d === undefined ? null : 0));
    const carry = args.slice(nC + nB).map((x, i) => {
      const d = dims[nC + nB + i];
      return d === null || d === undefined ? broadcastTo(x, [size, ...x.shape]) : moveaxis(x, d, 0);
    });
    const carryAxes = carry.map(() => 0);
    const predOf = (cc: Tensor[], k: Tensor[]): Tensor =>
      vmap((...z: Tensor[]) => evalJaxpr(p.cond, z)[0]!, { inAxes: [...constAxes.slice(0, nC), ...carryAxes], outAxes: 0 })(...cc, ...k);
    const withAvals = (xs: Tensor[]): ShapedArray[] => xs.map((x) => x.aval);
    // Batched members run until all are done; finished members keep their carry.
    const cond = retrace((...a) => [convert(reduceMax(convert(predOf(a.slice(0, nC), a.slice(nC)), "int32")), "bool")], [
      ...withAvals(consts.slice(0, nC)),
      ...withAvals(carry),
    ]).jaxpr;
    const body = retrace((...a) => {
      const cc = a.slice(0, nC);
      const bc = a.slice(nC, nC + nB);
      const k = a.slice(nC + nB);
      const pred = predOf(cc, k);
      const next = vmap((...z: Tensor[]) => evalJaxpr(p.body, z), { inAxes: [...constAxes.slice(nC), ...carryAxes], outAxes: 0 })(...bc, ...k) as Tensor[];
      return next.map((n, i) => where(reshape(pred, [size, ...new Array(n.ndim - 1).fill(1)]), n, k[i]!));
    }, [...withAvals(consts), ...withAvals(carry)]).jaxpr;
    const outs = bind(whilePrim, [...consts.slice(0, nC), ...consts, ...carry], { cond, body, numCondConsts: nC, numBodyConsts: nC + nB });
    return [outs, outs.map(() => 0)];
  },
});

