// Combinators (after optax.chain, optax.masked and optax.multi_transform): sequence, mask and partition transformations.
import { DriftError } from "@drift/tensor";
import { type EmptyState, type GradientTransformation, type Label, type StateOf, labelLeaves, mapPrefix } from "./base.ts";

/** The transformation that passes updates through unchanged. */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => [],
    update: (updates, state) => [updates, state],
  };
}

/**
 * Applies `transforms` in order, each to the previous one's output; the state is the tuple of their states.
 * An update whose state has a different length (e.g. the state of another optimizer) is a DriftError.
 */
export function chain<const G extends readonly GradientTransformation<any>[]>(
  ...transforms: G
): GradientTransformation<{ -readonly [K in keyof G]: StateOf<G[K]> }> {
  transforms.forEach((t, i) => {
    if (!t || typeof t.init !== "function" || typeof t.update !== "function")
      throw new DriftError("chain", `argument ${i} must be a GradientTransformation ({init, update}); got ${typeof t}`);
  });
  return {
    init: (params) => transforms.map((t) => t.init(params)) as any,
    update(updates, state, params) {
      if (!globalThis.Array.isArray(state) || state.length !== transforms.length)
        throw new DriftError(
          "chain",
          `state must be a list of ${transforms.length} states (one per chained transform, as returned by init); ` +
            `got ${globalThis.Array.isArray(state) ? `a list of ${state.length}` : typeof state}`,
        );
      let u = updates;
      const next = transforms.map((t, i) => {
        const [out, s] = t.update(u, state[i], params);
        u = out;
        return s;
      });
      return [u, next as any];
    },
  };
}

/** A tree of booleans shaped like the params (or a prefix of them), or a function of the params that returns one. */
export type Mask = unknown | ((params: any) => unknown);

/** State of `masked`: the inner state, built for the masked-in leaves only. */
export interface MaskedState<S = unknown> {
  /** State of the wrapped transformation. */
  innerState: S;
}

function resolve(labels: unknown, t: unknown): unknown {
  return typeof labels === "function" ? (labels as (p: unknown) => unknown)(t) : labels;
}

/** Evaluates a mask (or mask function) and checks that its leaves are booleans. */
function resolveMask(op: string, mask: Mask, t: unknown): unknown {
  const m = resolve(mask, t);
  if (labelLeaves(op, m, "mask").some((l) => typeof l !== "boolean"))
    throw new DriftError(op, "mask leaves must be booleans (true: transform the leaf, false: pass it through)");
  return m;
}

/** Replaces the subtrees of `t` whose label is false by `null`, so the inner transformation skips them. */
function maskTree(op: string, mask: unknown, t: unknown, name: string): unknown {
  return mapPrefix(op, mask, "mask", [t], [name], (m, sub) => (m === true ? sub : null));
}

/**
 * Applies `inner` only to the leaves whose mask is true and passes the rest through unchanged (optax.masked).
 * The mask is static: a tree of booleans with the params' structure or a prefix of it, or a function of the
 * params returning one. The inner state is built only for the masked-in leaves (the others are `null`).
 */
export function masked<S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> {
  return maskedWithOp("masked", inner, mask);
}

function maskedWithOp<S>(op: string, inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> {
  return {
    init(params) {
      const m = resolveMask(op, mask, params);
      return { innerState: inner.init(maskTree(op, m, params, "params")) };
    },
    update(updates, state, params) {
      const m = resolveMask(op, mask, updates);
      const inUpdates = maskTree(op, m, updates, "updates");
      const inParams = params === undefined ? undefined : maskTree(op, m, params, "params");
      const [newUpdates, innerState] = inner.update(inUpdates, state.innerState, inParams);
      const merged = mapPrefix(op, m, "mask", [newUpdates, updates], ["inner updates", "updates"], (on, nu, old) => (on === true ? nu : old));
      return [merged as typeof updates, { innerState }];
    },
  };
}

/** State of `multiTransform`: one masked state per label. */
export interface MultiTransformState {
  /** The state of each label's transformation (a `MaskedState`). */
  innerStates: Record<string, MaskedState>;
}

/**
 * Applies a different transformation to each group of parameters (optax.multi_transform / optax.partition).
 * `labels` is a tree of label strings with the params' structure (or a prefix of it), or a function of the params
 * returning one; every label must be a key of `transforms`. Each transformation sees only its own leaves.
 */
export function multiTransform(
  transforms: Record<string, GradientTransformation<any>>,
  labels: unknown | ((params: any) => unknown),
): GradientTransformation<MultiTransformState> {
  const op = "multiTransform";
  const groups = Object.keys(transforms);
  const maskFor = (ls: unknown, group: string): unknown => mapPrefix(op, ls, "labels", [], [], (l) => l === group);
  const checkLabels = (ls: unknown): void => {
    const unknownLabels = [...new Set(labelLeaves(op, ls, "labels"))].filter((l: Label) => typeof l !== "string" || !groups.includes(l));
    if (unknownLabels.length > 0)
      throw new DriftError(
        op,
        `labels ${unknownLabels.map((l) => JSON.stringify(l)).join(", ")} have no transformation; the transforms' keys are ${groups.map((g) => JSON.stringify(g)).join(", ")}`,
      );
  };
  return {
    init(params) {
      const ls = resolve(labels, params);
      checkLabels(ls);
      const innerStates: Record<string, MaskedState> = {};
      for (const g of groups) innerStates[g] = maskedWithOp(op, transforms[g]!, maskFor(ls, g)).init(params);
      return { innerStates };
    },
    update(updates, state, params) {
      const ls = resolve(labels, updates);
      checkLabels(ls);
      const innerStates: Record<string, MaskedState> = {};
      let u = updates;
      for (const g of groups) {
        const s = state?.innerStates?.[g];
        if (s === undefined) throw new DriftError(op, `state.innerStates has no entry for label "${g}" (pass the state returned by init)`);
        [u, innerStates[g]] = maskedWithOp(op, transforms[g]!, maskFor(ls, g)).update(u, s, params);
      }
      return [u, { innerStates }];
    },
  };
}
