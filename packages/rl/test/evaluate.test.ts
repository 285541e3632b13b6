// Tests for the evaluation loop on a toy functional env, episode statistics and the in-loop episode tracker.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random } from "@drift/tensor";
import { type Env, episodeStats, episodeTrackerInit, episodeTrackerUpdate, evaluate } from "../src/index.ts";
import { close } from "./helpers.ts";

type State = { pos: Array; t: Array };
type Params = { maxT: number };

/** A walk on a line: action is added to the position and is the reward; terminates at pos ≥ 3, truncates after maxT steps. */
const walk: Env<State, Params, Array, Array> = {
  reset: () => {
    const state = { pos: np.array(0, { dtype: "float32" }), t: np.array(0, { dtype: "int32" }) };
    return { obs: np.reshape(state.pos, [1]), state };
  },
  step: (_key, state, action, params) => {
    const a = np.reshape(action, []);
    const pos = np.add(state.pos, a);
    const t = np.add(state.t, 1);
    return {
      obs: np.reshape(pos, [1]),
      state: { pos, t },
      reward: a,
      terminated: np.greaterEqual(pos, 3),
      truncated: np.greaterEqual(t, params.maxT),
      info: {},
    };
  },
};

const constant = (v: number) => () => np.array([v], { dtype: "float32" });
/** Uniform [0, 1) actions when stochastic, 0.75 when deterministic. */
const noisy = (key: Array, _obs: Array, deterministic: boolean) => (deterministic ? np.array([0.75], { dtype: "float32" }) : random.uniform(key, [1]));

describe("evaluate", () => {
  it("hand-computed episodes: termination, truncation and the maxSteps cut", () => {
    // action 1: positions 1, 2, 3 → terminated after 3 steps, return 3
    const a = evaluate(walk, { maxT: 10 }, constant(1), random.key(0), { episodes: 2 });
    expect(a).toEqual({ returns: [3, 3], lengths: [3, 3], completed: [true, true] });
    // action 0.5 with maxT 5: truncated after 5 steps, return 2.5
    const b = evaluate(walk, { maxT: 5 }, constant(0.5), random.key(0), { episodes: 1, jit: false });
    expect(b).toEqual({ returns: [2.5], lengths: [5], completed: [true] });
    // action 0 never ends before maxT 100; cut at maxSteps 4
    const c = evaluate(walk, { maxT: 100 }, constant(0), random.key(0), { episodes: 3, maxSteps: 4 });
    expect(c).toEqual({ returns: [0, 0, 0], lengths: [4, 4, 4], completed: [false, false, false] });
  });
  it("stochastic episodes do not depend on parallel or jit; deterministic flag reaches the policy", () => {
    const key = random.key(42);
    const all = evaluate(walk, { maxT: 8 }, noisy, key, { episodes: 5, deterministic: false });
    const one = evaluate(walk, { maxT: 8 }, noisy, key, { episodes: 5, deterministic: false, parallel: 2, jit: false });
    expect(one).toEqual(all);
    // Envs that cannot be traced (MuJoCo) run episode by episode with the same keys.
    const seq = evaluate({ ...walk, traceable: false }, { maxT: 8 }, noisy, key, { episodes: 5, deterministic: false, parallel: 3 });
    expect(seq).toEqual(all);
    expect(new Set(all.returns).size).toBeGreaterThan(1);
    all.returns.forEach((r, i) => {
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThan(4);
      expect(all.lengths[i]).toBeGreaterThanOrEqual(3);
      expect(all.lengths[i]).toBeLessThanOrEqual(8);
    });
    // deterministic: 0.75 per step → pos 3 after 4 steps
    expect(evaluate(walk, { maxT: 8 }, noisy, key, { episodes: 2 }).lengths).toEqual([4, 4]);
  });
  it("rejects bad arguments", () => {
    expect(() => evaluate({} as never, {}, constant(1), random.key(0), { episodes: 1 })).toThrow(DriftError);
    expect(() => evaluate(walk, { maxT: 5 }, constant(1), random.key(0), { episodes: 0 })).toThrow(/episodes must be an integer ≥ 1/);
  });
});

describe("episodeStats", () => {
  it("mean, population std, min, max, mean length", () => {
    const s = episodeStats({ returns: [1, 2, 3], lengths: [10, 20, 60] });
    expect(s.count).toBe(3);
    expect(s.returnMean).toBe(2);
    expect(s.returnStd).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect([s.returnMin, s.returnMax, s.lengthMean]).toEqual([1, 3, 30]);
    expect(episodeStats({ returns: [], lengths: [] }).returnMean).toBeNaN();
  });
});

describe("episode tracker", () => {
  it("reports finished episodes and restarts their counts, eager and under jit", () => {
    // 2 envs, rewards 1 and 2 per step; env 0 ends at step 1 (return 2, length 2), env 1 at step 2 (return 6, length 3)
    const dones = [[false, false], [true, false], [false, true]];
    for (const update of [episodeTrackerUpdate, jit(episodeTrackerUpdate)]) {
      let s = episodeTrackerInit(2);
      const finished: { returns: number[]; lengths: number[]; done: boolean[] }[] = [];
      for (const d of dones) {
        const [s2, out] = update(s, np.array([1, 2], { dtype: "float32" }), np.array(d));
        s = s2;
        finished.push({ returns: [...out.returns.dataSync()], lengths: [...out.lengths.dataSync()].map(Number), done: out.done.toArray() });
      }
      expect(finished[1]).toEqual({ returns: [2, 0], lengths: [2, 0], done: [true, false] });
      expect(finished[2]).toEqual({ returns: [0, 6], lengths: [0, 3], done: [false, true] });
      close(s.returns, [1, 0]);
      close(s.lengths, [1, 0]);
    }
  });
});
