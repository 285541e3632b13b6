// WebGPU lowerings of structured control flow: scan unrolled into one command buffer, switch by evaluating every branch and selecting.
import { DriftError } from "../../errors.ts";
import { sizeOf } from "../../shape.ts";
import { type Atom, Lit, Var } from "../../core/jaxpr.ts";
import type { ScanParams, SwitchParams } from "../../lax/control-flow.ts";
import type { PrimStep } from "../../jit/schedule.ts";
import { type PrimContext, type PrimLowering, gpuProgram } from "./program.ts";
import { literal, shader, storeWord } from "./wgsl.ts";

const words = (a: Atom): number => sizeOf(a.aval.shape);
const literals = (s: PrimStep): Lit[] => s.ins.filter((a): a is Lit => a instanceof Lit);

/**
 * Frame offsets of a step's inputs: variables where they live, literals written into the step's scratch (first
 * `literals(s).length` words) by a small kernel.
 */
function inputSlots(s: PrimStep, ctx: PrimContext): number[] {
  const lits = literals(s);
  const base = lits.length > 0 ? ctx.scratch(lits.length + extraWords(s)) : 0;
  let k = 0;
  const slots = s.ins.map((a) => (a instanceof Var ? ctx.slot(a) : base + k++));
  if (lits.length > 0)
    ctx.dispatch({
      code: shader(1, 1, lits.map((l, i) => `  ${storeWord(l.aval.dtype, `${base + i}u`, literal(l.value, l.aval.dtype))}`).join("\n")).code,
      groups: [1, 1],
    });
  return slots;
}

/** Scratch words a step needs beyond its literal inputs. */
function extraWords(s: PrimStep): number {
  if (s.prim.name !== "switch") return 0;
  const p = s.params as SwitchParams;
  return p.branches.length * s.outs.reduce((acc, v) => acc + Math.max(words(v), 1), 0);
}

/** A kernel copying `n` words inside the frame (buffer copies cannot have the same source and destination). */
function copyWithin(ctx: PrimContext, from: number, to: number, n: number): void {
  if (n > 0) ctx.dispatch(shader(n, ctx.gpu.maxWorkgroups, `  F[${to}u + idx] = F[${from}u + idx];`));
}

/** scan: the body's program recorded `length` times; carries go body → outer frame → body, x and y rows by offset. */
const scan: PrimLowering = {
  scratchWords: (s) => literals(s).length,
  lower(s, ctx) {
    const p = s.params as ScanParams;
    const slots = inputSlots(s, ctx);
    const outSlots = s.outs.map((v) => ctx.slot(v));
    const carryIn = slots.slice(p.numConsts, p.numConsts + p.numCarry);
    if (p.length === 0) {
      carryIn.forEach((from, j) => copyWithin(ctx, from, outSlots[j]!, words(s.outs[j]!)));
      return;
    }
    const body = gpuProgram(p.jaxpr);
    const rowWords = s.ins.map((a) => sizeOf(a.aval.shape.slice(1)));
    ctx.record((rec, frame) => {
      const bf = body.frameBuffer();
      for (let step = 0; step < p.length; step++) {
        const i = p.reverse ? p.length - 1 - step : step;
        s.ins.forEach((a, j) => {
          const at = body.inSlots[j];
          if (at === null || at === undefined) return;
          if (j < p.numConsts) rec.copy(frame, slots[j]!, bf, at, words(a));
          else if (j < p.numConsts + p.numCarry) rec.copy(frame, step === 0 ? slots[j]! : outSlots[j - p.numConsts]!, bf, at, words(a));
          else rec.copy(frame, slots[j]! + i * rowWords[j]!, bf, at, rowWords[j]!);
        });
        body.record(rec);
        s.outs.forEach((v, j) => {
          if (j < p.numCarry) rec.copy(bf, body.outSlots[j]!, frame, outSlots[j]!, words(v));
          else {
            const row = sizeOf(v.aval.shape.slice(1));
            rec.copy(bf, body.outSlots[j]!, frame, outSlots[j]! + i * row, row);
          }
        });
      }
    });
  },
};

/** switch: every branch runs (as `vmap` of cond does); a kernel then picks the outputs of branch clamp(index). */
const switchLowering: PrimLowering = {
  scratchWords: (s) => literals(s).length + extraWords(s),
  lower(s, ctx) {
    const p = s.params as SwitchParams;
    const slots = inputSlots(s, ctx);
    const base = ctx.scratch(literals(s).length + extraWords(s)) + literals(s).length;
    const outWords = s.outs.map((v) => Math.max(words(v), 1));
    const perBranch = outWords.reduce((a, b) => a + b, 0);
    const prefix = outWords.map((_, j) => outWords.slice(0, j).reduce((a, b) => a + b, 0));
    const branches = p.branches.map((b) => gpuProgram(b));
    ctx.record((rec, frame) => {
      branches.forEach((prog, b) => {
        const bf = prog.frameBuffer();
        s.ins.slice(1).forEach((a, j) => {
          const at = prog.inSlots[j];
          if (at !== null && at !== undefined) rec.copy(frame, slots[j + 1]!, bf, at, words(a));
        });
        prog.record(rec);
        s.outs.forEach((v, j) => rec.copy(bf, prog.outSlots[j]!, frame, base + b * perBranch + prefix[j]!, words(v)));
      });
    });
    const n = p.branches.length;
    const index = `u32(clamp(${ctx.read(s.ins[0]!, "0u")}, 0, ${n - 1}))`;
    s.outs.forEach((v, j) => {
      if (words(v) === 0) return;
      ctx.dispatch(shader(words(v), ctx.gpu.maxWorkgroups, `  F[${ctx.slot(v)}u + idx] = F[${base + prefix[j]!}u + ${index} * ${perBranch}u + idx];`));
    });
  },
};

/** whileLoop cannot be recorded ahead: its trip count is data the GPU would have to send back every iteration. */
const whileLowering: PrimLowering = {
  lower() {
    throw new DriftError(
      "whileLoop",
      "is not supported on webgpu: its trip count depends on values the GPU would have to send back each iteration; use lax.foriLoop or lax.scan with a fixed count, or run this function on the cpu backend",
    );
  },
};

/** Control-flow lowerings by primitive name. */
export const CONTROL_LOWERINGS: Record<string, PrimLowering> = { scan, switch: switchLowering, while: whileLowering };
