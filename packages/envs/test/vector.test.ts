// Tests for vector envs: N copies equal N separate envs, vmap equals the loop path, jit equals eager, batched params, scan.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, lax, np, random } from "@drift/tensor";
import { type Env, autoReset, episodeStatistics, pendulum, timeLimit, treeIndex, vectorEnv } from "../src/index.ts";
import { counterEnv, expectSameTree, opaque } from "./helpers.ts";

const key = random.key(11);
const N = 3;
const row = (keys: Array, i: number): Array => np.reshape(np.slice(keys, [i, i + 1]), [2]);
const actionsAt = (t: number): Array => np.array(globalThis.Array.from({ length: N }, (_, i) => [2 * Math.sin(t + i)]));

/** Steps `env` (single) with copy i's keys and actions, as the vector env splits them. */
function runSeparately(env: Env, steps: number, i: number) {
  const p = env.defaultParams;
  const r0 = env.reset(row(random.split(key, N), i), p);
  let state = r0.state;
  const outs = [r0];
  for (let t = 0; t < steps; t++) {
    const k = row(random.split(random.foldIn(key, t), N), i);
    const out = env.step(k, state, np.reshape(np.slice(actionsAt(t), [i, i + 1]), [1]), p);
    outs.push(out);
    state = out.state;
  }
  return outs;
}

function runVector(venv: Env, steps: number, stepFn = venv.step) {
  const p = venv.defaultParams;
  const r0 = venv.reset(key, p);
  let state = r0.state;
  const outs = [r0];
  for (let t = 0; t < steps; t++) {
    const n = (venv as { numEnvs?: number }).numEnvs ?? N;
    const out = stepFn(random.foldIn(key, t), state, np.slice(actionsAt(t), [0, n]), p);
    outs.push(out);
    state = out.state;
  }
  return outs;
}

describe("vectorEnv", () => {
  const single = episodeStatistics(autoReset(timeLimit(pendulum(), 4)));

  it("equals N separate envs bitwise (reset, steps, autoreset across episode ends)", () => {
    const venv = vectorEnv(single, N);
    const vec = runVector(venv, 9);
    for (let i = 0; i < N; i++) {
      const sep = runSeparately(single, 9, i);
      vec.forEach((v, t) => expectSameTree(treeIndex(v, i), sep[t]));
    }
    expect(vec[4]!.obs.shape).toEqual([N, 3]);
    expect(venv.observationSpace(venv.defaultParams).shape).toEqual([N, 3]);
    expect(venv.singleActionSpace(venv.defaultParams).shape).toEqual([1]);
  });

  it("the vmap path equals the JS loop path used for non-traceable envs", () => {
    const viaVmap = runVector(vectorEnv(single, N), 6);
    const viaLoop = runVector(vectorEnv(episodeStatistics(autoReset(timeLimit(opaque(pendulum()), 4))), N), 6);
    viaVmap.forEach((v, t) => expectSameTree(viaLoop[t], v));
  });

  it("with one copy, the JS loop path (reshapes instead of slice/stack) equals the vmap path", () => {
    const viaVmap = runVector(vectorEnv(single, 1), 6);
    const viaLoop = runVector(vectorEnv(episodeStatistics(autoReset(timeLimit(opaque(pendulum()), 4))), 1), 6);
    viaVmap.forEach((v, t) => expectSameTree(viaLoop[t], v));
    expect(viaLoop[5]!.obs.shape).toEqual([1, 3]);
  });

  it("jit(step) equals eager stepping bitwise", () => {
    const venv = vectorEnv(single, N);
    const p = venv.defaultParams;
    const jitted = jit((k: Array, s: any, a: Array) => venv.step(k, s, a, p));
    const eager = runVector(venv, 6);
    const viaJit = runVector(venv, 6, (k, s, a) => jitted(k, s, a));
    eager.forEach((v, t) => expectSameTree(viaJit[t], v));
    expect(jitted.cacheSize).toBe(1);
  });

  it("batchedParams gives each copy its own params (domain randomisation)", () => {
    const base = pendulum();
    const venv = vectorEnv(base, N, { batchedParams: true });
    const gs = [9.81, 10, 1.62];
    const params = { ...base.defaultParams, g: np.array(gs, { dtype: "float64" }) };
    const r = venv.reset(key, params);
    const out = venv.step(key, r.state, actionsAt(0), params);
    gs.forEach((g, i) => {
      const s = base.reset(row(random.split(key, N), i), { ...base.defaultParams, g }).state;
      const o = base.step(row(random.split(key, N), i), s, np.array([2 * Math.sin(i)]), { ...base.defaultParams, g });
      expectSameTree(treeIndex(out.state, i), o.state);
    });
    expect(() => venv.checkParams({ ...params, dt: -1 })).toThrow(DriftError);
  });

  it("a lax.scan rollout equals the JS loop", () => {
    const venv = vectorEnv(autoReset(timeLimit(counterEnv(3), 5)), 2);
    const p = venv.defaultParams;
    const r0 = venv.reset(key, p);
    const T = 7;
    const acts = np.ones([T, 2, 1]);
    const [, rewards] = lax.scan(
      ([k, s]: [Array, unknown], a: Array) => {
        const [k1, k2] = [row(random.split(k), 0), row(random.split(k), 1)];
        const out = venv.step(k2, s, a, p);
        return [[k1, out.state] as [Array, unknown], np.stack([out.reward, np.astype(out.terminated, "float32"), np.reshape(out.obs, [2])])];
      },
      [key, r0.state] as [Array, unknown],
      acts,
    );
    let k = key;
    let s = r0.state;
    const loop: Array[] = [];
    for (let t = 0; t < T; t++) {
      const [k1, k2] = [row(random.split(k), 0), row(random.split(k), 1)];
      const out = venv.step(k2, s, np.ones([2, 1]), p);
      loop.push(np.stack([out.reward, np.astype(out.terminated, "float32"), np.reshape(out.obs, [2])]));
      k = k1;
      s = out.state;
    }
    expectSameTree(rewards, np.stack(loop));
    expect((np.slice(rewards, null, [2, 3]).toArray() as number[][][]).map((r) => r[0]![0])).toEqual([1, 2, 0, 1, 2, 0, 1]);
  });

  it("rejects bad sizes and action batches", () => {
    expect(() => vectorEnv(single, 0)).toThrow(/numEnvs must be a positive integer/);
    const venv = vectorEnv(single, N);
    const s = venv.reset(key, venv.defaultParams).state;
    expect(() => venv.step(key, s, np.zeros([N + 1, 1]), venv.defaultParams)).toThrow(/leading axis of 3/);
  });
});
