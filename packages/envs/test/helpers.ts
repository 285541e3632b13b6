// Test helpers: a deterministic counter env with readable obs/reward sequences, and bitwise tree comparison.
import { type Array, np, tree } from "@drift/tensor";
import { Box, type Env } from "../src/index.ts";

/** Params of the counter env. */
export interface CounterParams {
  /** Terminates when the step count reaches horizon. */
  horizon: number;
}

/**
 * obs = [t] (float32) after t steps since reset; reward = action[0]; terminated when t ≥ horizon;
 * info = { t } (int32). Reset gives obs [0]. Ignores keys, so sequences are easy to write down.
 */
export function counterEnv(horizon = 3): Env<{ t: Array }, CounterParams> {
  return {
    id: "Test/Counter-v0",
    traceable: true,
    defaultParams: { horizon },
    observationSpace: () => new Box(0, Infinity, [1]),
    actionSpace: () => new Box(-10, 10, [1]),
    checkParams: () => {},
    reset: () => ({ obs: np.zeros([1]), state: { t: np.array(0, { dtype: "int32" }) } }),
    step(_key, state, action, params) {
      const t = np.add(state.t, 1);
      return {
        obs: np.reshape(np.astype(t, "float32"), [1]),
        state: { t },
        reward: np.astype(np.reshape(action, []), "float32"),
        terminated: np.greaterEqual(t, params.horizon),
        truncated: np.array(false),
        info: { t },
      };
    },
  };
}

/** The same env marked non-traceable, to exercise the JS-branching paths of wrappers and vector envs. */
export function opaque<S, P>(env: Env<S, P>): Env<S, P> {
  return { ...env, traceable: false };
}

/** Every leaf of `t` as plain numbers, for toEqual comparisons (bitwise for floats). */
export function leaves(t: unknown): number[][] {
  return tree.leaves(t).map((x) => globalThis.Array.from(x.dataSync(), Number));
}

/** Asserts two pytrees have the same structure, dtypes, shapes and bits. */
export function expectSameTree(a: unknown, b: unknown): void {
  const [la, da] = tree.flatten(a);
  const [lb, db] = tree.flatten(b);
  if (tree.treeDefToString(da) !== tree.treeDefToString(db)) throw new Error(`structures differ: ${tree.treeDefToString(da)} vs ${tree.treeDefToString(db)}`);
  la.forEach((x, i) => {
    const y = lb[i]!;
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) throw new Error(`leaf ${i}: ${x.dtype}[${x.shape}] vs ${y.dtype}[${y.shape}]`);
    const u = x.dataSync();
    const v = y.dataSync();
    for (let j = 0; j < u.length; j++) if (!Object.is(u[j], v[j])) throw new Error(`leaf ${i} element ${j}: ${u[j]} vs ${v[j]}`);
  });
}
