// Gradient accumulation (after optax.MultiSteps): average k mini-batch gradients and apply them every k-th step, jit-safe.
import { type Array, np } from "@drift/tensor";
import { type GradientTransformation, checkInteger, safeIncrement, treeMap, zeroCount, zerosLikeTree } from "./base.ts";

/** State of `multiSteps`. */
export interface MultiStepsState<S = unknown, T = unknown> {
  /** Mini-steps accumulated since the last emitted update, in [0, everyK) (int32 scalar). */
  miniStep: Array;
  /** Number of updates emitted so far (int32 scalar). */
  gradientStep: Array;
  /** State of the wrapped optimizer; it only advances on emitting steps. */
  innerState: S;
  /** Running mean of the gradients of the current mini-steps. */
  accGrads: T;
}

/**
 * Gradient accumulation (optax.MultiSteps): keeps the running mean of the incoming gradients (Welford's update
 * acc ← acc + (g − acc)/(n + 1)); on every `everyK`-th call it passes the mean to `inner`, returns its updates,
 * advances its state and resets the mean; on the other calls it returns zero updates and keeps the inner state.
 * Branch-free (the inner update always runs and `np.where` selects), so the whole update traces under `jit`.
 */
export function multiSteps<S>(inner: GradientTransformation<S>, everyK: number): GradientTransformation<MultiStepsState<S>> {
  const op = "multiSteps";
  checkInteger(op, "everyK", everyK, 1);
  return {
    init: (params) => ({ miniStep: zeroCount(), gradientStep: zeroCount(), innerState: inner.init(params), accGrads: zerosLikeTree(params) }),
    update(updates, state, params) {
      const n = np.add(state.miniStep, 1);
      const acc = treeMap(
        op,
        ["updates", "state.accGrads"],
        (g, a) => np.add(a, np.div(np.sub(g, a), np.astype(n, a.dtype))),
        updates,
        state.accGrads,
      );
      const mean = treeMap(op, ["updates", "accGrads"], (g, a) => np.astype(a, g.dtype), updates, acc);
      const [innerUpdates, newInner] = inner.update(mean, state.innerState, params);
      const emit = np.equal(state.miniStep, everyK - 1);
      const out = treeMap(op, ["inner updates"], (u) => np.where(emit, u, np.zerosLike(u)), innerUpdates);
      const next: MultiStepsState<S> = {
        miniStep: np.rem(safeIncrement(state.miniStep), everyK),
        gradientStep: np.where(emit, safeIncrement(state.gradientStep), state.gradientStep),
        innerState: treeMap(op, ["state.innerState", "new inner state"], (s, ns) => np.astype(np.where(emit, ns, s), s.dtype), state.innerState, newInner),
        accGrads: treeMap(op, ["accGrads"], (a) => np.where(emit, np.zerosLike(a), a), acc),
      };
      return [out, next];
    },
  };
}
