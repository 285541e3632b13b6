// Tests for the pure wrappers: time limit, episode statistics, autoreset modes, normalisation, action wrappers, composition.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random, vmap } from "@drift/tensor";
import {
  type Env, actionRepeat, autoReset, clipAction, episodeStatistics, normalizeObservation, normalizeReward, pendulum,
  rescaleAction, timeLimit, validateEnv, vectorEnv,
} from "../src/index.ts";
import { counterEnv, expectSameTree } from "./helpers.ts";

const key = random.key(7);
const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);

interface Row {
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Record<string, unknown>;
}

/** Runs `env` from reset with the given scalar actions; returns the reset obs and one row per step. */
function rollout(env: Env, actions: number[], params = env.defaultParams): { first: number[]; rows: Row[] } {
  const r0 = env.reset(key, params);
  let state = r0.state;
  const rows: Row[] = [];
  actions.forEach((a, t) => {
    const out = env.step(random.foldIn(key, t), state, np.array([a]), params);
    rows.push({ obs: vals(out.obs), reward: out.reward.item(), terminated: out.terminated.item() !== 0, truncated: out.truncated.item() !== 0, info: out.info });
    state = out.state;
  });
  return { first: vals(r0.obs), rows };
}

const seq = (rows: Row[], f: (r: Row) => unknown): unknown[] => rows.map(f);

describe("timeLimit", () => {
  it("truncates after exactly maxEpisodeSteps; terminated and truncated can both hold", () => {
    const { rows } = rollout(timeLimit(counterEnv(100), 3), [1, 1, 1]);
    expect(seq(rows, (r) => r.truncated)).toEqual([false, false, true]);
    expect(seq(rows, (r) => r.terminated)).toEqual([false, false, false]);
    const both = rollout(timeLimit(counterEnv(2), 2), [1, 1]).rows[1]!;
    expect([both.terminated, both.truncated]).toEqual([true, true]);
    expect(() => timeLimit(counterEnv(), 0)).toThrow(DriftError);
  });
});

describe("autoReset", () => {
  const actions = [1, 2, 3, 4, 5, 6, 7];

  it("SameStep: the finishing step returns the reset obs with its own reward/flags and finalObservation/finalInfo", () => {
    const { first, rows } = rollout(autoReset(timeLimit(counterEnv(3), 10)), actions);
    expect(first).toEqual([0]);
    expect(seq(rows, (r) => r.obs[0])).toEqual([1, 2, 0, 1, 2, 0, 1]);
    expect(seq(rows, (r) => r.reward)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seq(rows, (r) => r.terminated)).toEqual([false, false, true, false, false, true, false]);
    expect(seq(rows, (r) => vals(r.info.finalObservation as Array)[0])).toEqual([1, 2, 3, 1, 2, 3, 1]);
    expect(seq(rows, (r) => vals((r.info.finalInfo as { t: Array }).t)[0])).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it("SameStep also resets on truncation by the time limit", () => {
    const { rows } = rollout(autoReset(timeLimit(counterEnv(100), 2)), [1, 1, 1, 1, 1]);
    expect(seq(rows, (r) => r.obs[0])).toEqual([1, 0, 1, 0, 1]);
    expect(seq(rows, (r) => r.truncated)).toEqual([false, true, false, true, false]);
  });

  it("NextStep: the step after a finished one ignores its action and returns the reset obs, reward 0, flags false", () => {
    const { rows } = rollout(autoReset(timeLimit(counterEnv(3), 10), { mode: "NextStep" }), actions);
    expect(seq(rows, (r) => r.obs[0])).toEqual([1, 2, 3, 0, 1, 2, 3]);
    expect(seq(rows, (r) => r.reward)).toEqual([1, 2, 3, 0, 5, 6, 7]);
    expect(seq(rows, (r) => r.terminated)).toEqual([false, false, true, false, false, false, true]);
    expect(seq(rows, (r) => r.truncated)).toEqual([false, false, false, false, false, false, false]);
    expect(seq(rows, (r) => vals(r.info.t as Array)[0])).toEqual([1, 2, 3, 0, 1, 2, 3]);
    expect(() => autoReset(counterEnv(), { mode: "Later" as never })).toThrow(/SameStep/);
  });
});

describe("episodeStatistics", () => {
  it("reports the last finished episode's return and length, as purejaxrl's LogWrapper", () => {
    const env = episodeStatistics(autoReset(timeLimit(counterEnv(3), 10)));
    const { rows } = rollout(env, [1, 2, 3, 4, 5, 6, 7]);
    expect(seq(rows, (r) => vals(r.info.returned_episode_returns as Array)[0])).toEqual([0, 0, 6, 6, 6, 15, 15]);
    expect(seq(rows, (r) => vals(r.info.returned_episode_lengths as Array)[0])).toEqual([0, 0, 3, 3, 3, 3, 3]);
    expect(seq(rows, (r) => vals(r.info.returned_episode as Array)[0])).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(seq(rows, (r) => vals(r.info.timestep as Array)[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

/** Merges a pseudo-sample (count 1e-4, mean 0, var 1) with samples `xs`: the reference running statistics. */
function refStats(xs: number[]): { mean: number; var: number } {
  const c = 1e-4;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / (n + c);
  const m2 = c * (1 + mean * mean) + xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, var: m2 / (n + c) };
}

describe("normalizeObservation / normalizeReward", () => {
  it("normalises observations with running statistics of every observation seen (float64 reference)", () => {
    const inner = autoReset(timeLimit(pendulum(), 200));
    const env = normalizeObservation(inner);
    const p = inner.defaultParams;
    const a = inner.reset(key, p);
    const w = env.reset(key, p);
    const seen: number[][] = [vals(a.obs)];
    let [s, sw] = [a.state, w.state];
    for (let t = 0; t < 12; t++) {
      const k = random.foldIn(key, t);
      const action = np.array([Math.sin(t) * 2]);
      const raw = inner.step(k, s, action, p);
      const out = env.step(k, sw, action, p);
      seen.push(vals(raw.obs));
      const got = vals(out.obs);
      for (let d = 0; d < 3; d++) {
        const st = refStats(seen.map((o) => o[d]!));
        expect(got[d]).toBeCloseTo((seen[seen.length - 1]![d]! - st.mean) / Math.sqrt(st.var + 1e-8), 5);
      }
      [s, sw] = [raw.state, out.state];
    }
  });

  it("on a vector env the statistics are shared and updated with the whole batch", () => {
    const venv = vectorEnv(pendulum(), 4);
    const env = normalizeObservation(venv);
    const p = venv.defaultParams;
    const raw = venv.reset(key, p);
    const out = env.reset(key, p);
    const rows = raw.obs.toArray() as number[][];
    const got = out.obs.toArray() as number[][];
    for (let d = 0; d < 3; d++) {
      const st = refStats(rows.map((r) => r[d]!));
      rows.forEach((r, i) => expect(got[i]![d]).toBeCloseTo((r[d]! - st.mean) / Math.sqrt(st.var + 1e-8), 5));
    }
  });

  it("scales rewards by the running std of the discounted return G ← γG(1 − terminated) + r (Gymnasium 1.x)", () => {
    const inner = autoReset(timeLimit(counterEnv(3), 10));
    const env = normalizeReward(inner, { gamma: 0.9 });
    const p = inner.defaultParams;
    let s = env.reset(key, p).state;
    const gs: number[] = [];
    let g = 0;
    const actions = [1, -2, 3, 0.5, 4, -1, 2];
    actions.forEach((r, t) => {
      const out = env.step(key, s, np.array([r]), p);
      const terminated = (t + 1) % 3 === 0;
      g = g * 0.9 * (terminated ? 0 : 1) + r;
      gs.push(g);
      expect(out.reward.item()).toBeCloseTo(r / Math.sqrt(refStats(gs).var + 1e-8), 5);
      s = out.state;
    });
    for (const mode of ["NextStep", "SameStep"] as const) {
      // Gymnasium 1.4's vector NormalizeReward: NextStep skips the reset step; SameStep restarts G after a done.
      const venv = vectorEnv(autoReset(timeLimit(counterEnv(3), 10), { mode }), 2);
      const wrapped = normalizeReward(venv, { gamma: 0.9, autoresetMode: mode });
      let [sv, sw] = [venv.reset(key, p).state, wrapped.reset(key, p).state];
      const acc = [0, 0];
      let prev = [false, false];
      const samples: number[] = [];
      for (let t = 0; t < 8; t++) {
        const a = np.array([[t + 1], [-2 * (t + 1)]]);
        const raw = venv.step(key, sv, a, p);
        const out = wrapped.step(key, sw, a, p);
        const rew = vals(raw.reward);
        const term = vals(raw.terminated).map(Boolean);
        const done = term.map((d, i) => d || vals(raw.truncated)[i] !== 0);
        [0, 1].forEach((i) => {
          if (mode === "NextStep" && prev[i]) return;
          acc[i] = acc[i]! * 0.9 * (term[i] ? 0 : 1) + rew[i]!;
          samples.push(acc[i]!);
        });
        prev = done;
        if (mode === "SameStep") done.forEach((d, i) => d && (acc[i] = 0));
        const sd = Math.sqrt(refStats(samples).var + 1e-8);
        vals(out.reward).forEach((r, i) => expect(r).toBeCloseTo(rew[i]! / sd, 5));
        [sv, sw] = [raw.state, out.state];
      }
    }
    const frozen = normalizeReward(inner, { update: false });
    const fr = frozen.step(key, frozen.reset(key, p).state, np.array([2]), p);
    expect(fr.reward.item()).toBeCloseTo(2 / Math.sqrt(1 + 1e-8), 6);
  });
});

describe("action wrappers", () => {
  const env = pendulum();
  const p = env.defaultParams;
  const s0 = env.reset(key, p).state;

  it("clipAction clips to the Box; rescaleAction maps [min, max] affinely onto it", () => {
    expectSameTree(clipAction(env).step(key, s0, np.array([5]), p), env.step(key, s0, np.array([2]), p));
    expect(clipAction(env).actionSpace(p).toString()).toBe("Box(-Infinity, Infinity, [1], float32)");
    const scaled = rescaleAction(env, -1, 1);
    expect(scaled.actionSpace(p).toString()).toBe("Box(-1, 1, [1], float32)");
    expectSameTree(scaled.step(key, s0, np.array([0.5]), p), env.step(key, s0, np.array([1]), p));
    expectSameTree(rescaleAction(env, 0, 1).step(key, s0, np.array([0.25]), p), env.step(key, s0, np.array([-1]), p));
    expect(() => rescaleAction(env, 1, 1)).toThrow(/minAction < maxAction/);
  });

  it("actionRepeat sums rewards over repeats and masks the repeats after a finishing step", () => {
    const rep = actionRepeat(env, 3);
    const out = rep.step(key, s0, np.array([0.7]), p);
    let s = s0;
    let total = 0;
    for (const k of random.split(key, 3).toArray() as number[][]) {
      const o = env.step(np.array(new Uint32Array(k)), s, np.array([0.7]), p);
      total += o.reward.item();
      s = o.state;
    }
    expect(out.reward.item()).toBeCloseTo(total, 4);
    expectSameTree(out.state, s);
    const counter = actionRepeat(counterEnv(2), 3);
    const c = counter.step(key, counter.reset(key, { horizon: 2 }).state, np.array([1.5]), { horizon: 2 });
    expect([c.reward.item(), vals(c.obs)[0], c.terminated.item()]).toEqual([3, 2, 1]);
  });
});

describe("composition", () => {
  const build = (): Env =>
    episodeStatistics(normalizeReward(normalizeObservation(autoReset(timeLimit(actionRepeat(clipAction(pendulum()), 2), 6)))));

  it("a full stack runs eagerly, under jit (bitwise equal) and under vmap (equal to separate copies)", () => {
    const env = build();
    const p = env.defaultParams;
    const step = jit((k: Array, s: unknown, a: Array) => env.step(k, s, a, p));
    let s = env.reset(key, p).state;
    let sj = s;
    for (let t = 0; t < 8; t++) {
      const k = random.foldIn(key, t);
      const a = np.array([3 * Math.cos(t)]);
      const eager = env.step(k, s, a, p);
      const jitted = step(k, sj, a);
      expectSameTree(jitted, eager);
      expect(eager.info).toHaveProperty("returned_episode_returns");
      expect(eager.info).toHaveProperty("finalObservation");
      s = eager.state;
      sj = jitted.state;
    }
    const keys = random.split(key, 3);
    const batched = vmap((k: Array) => env.reset(k, p))(keys);
    const single = env.reset(np.reshape(np.slice(keys, [1, 2]), [2]), p);
    expect(vals(np.slice(batched.obs, [1, 2]))).toEqual(vals(single.obs));
  });

  it("validateEnv rejects bad keys, actions and params eagerly; shapes are also checked while tracing", () => {
    const env = validateEnv(timeLimit(pendulum(), 200));
    const p = env.defaultParams;
    const s = env.reset(key, p).state;
    expect(() => env.step(key, s, np.array([0.1, 0.2]), p)).toThrow(/shape \[1\].*got \[2\]/);
    expect(() => env.step(key, s, np.array([NaN]), p)).toThrow(/finite/);
    expect(() => env.step(key, s, np.array([-Infinity]), p)).toThrow(/finite/);
    expect(() => env.step(np.array([1, 2]), s, np.array([0]), p)).toThrow(/PRNG key/);
    expect(() => env.reset(key, { ...p, dt: -0.05 })).toThrow(/params.dt must be a finite number > 0; got -0.05/);
    expect(() => jit((a: Array) => env.step(key, s, a, p))(np.array([1, 2]))).toThrow(DriftError);
    // Inside jit values are not readable, so NaN passes through (documented); eagerly it throws.
    const out = jit((a: Array) => env.step(key, s, a, p))(np.array([NaN]));
    expect(Number.isNaN(out.reward.item())).toBe(true);
  });
});
