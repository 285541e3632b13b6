// Applying updates to parameters and Polyak averaging of parameter trees (after optax.apply_updates / incremental_update).
import { type Array, DriftError, np } from "@drift/tensor";
import { asLeafDType, treeMap } from "./base.ts";

/** params + updates leaf by leaf, each result cast back to its parameter's dtype (optax.apply_updates). */
export function applyUpdates<T>(params: T, updates: T): T {
  return treeMap("applyUpdates", ["params", "updates"], (p, u) => np.astype(np.add(p, u), p.dtype), params, updates);
}

/**
 * Polyak averaging of a target tree towards an online tree (Polyak & Juditsky 1992,
 * https://doi.org/10.1137/0330046; optax.incremental_update): tau·online + (1 − tau)·target, with `tau` in [0, 1]
 * (a number, or a scalar array when it is traced).
 */
export function emaUpdate<T>(target: T, online: T, tau: number | Array): T {
  if (typeof tau === "number" && !(tau >= 0 && tau <= 1)) throw new DriftError("emaUpdate", `tau must be in [0, 1]; got ${tau}`);
  const keep = typeof tau === "number" ? 1 - tau : np.sub(1, tau);
  return treeMap(
    "emaUpdate",
    ["target", "online"],
    (t, o) => np.astype(np.add(np.mul(asLeafDType(tau, o), o), np.mul(asLeafDType(keep, t), t)), t.dtype),
    target,
    online,
  );
}
