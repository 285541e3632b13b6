// Tests for the replay buffer (wrap-around, uniform sampling, n-step windows), the rollout buffer and trajectory windows, eager and under jit.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, jit, np, random, vmap } from "@drift/tensor";
import { makeWindows, replay, rollout, sampleWindows } from "../src/index.ts";
import { bitEqual, close, f32 } from "./helpers.ts";

/** Transition t of a toy stream: obs = [t, −t], reward t + 1, nextObs = t + 1, flags as given. */
function transition(t: number, terminated = false, truncated = false) {
  return {
    obs: f32([t, -t]),
    reward: f32(t + 1),
    nextObs: f32([t + 1, -(t + 1)]),
    terminated: np.array(terminated),
    truncated: np.array(truncated),
  };
}
type Tr = ReturnType<typeof transition>;
const ints = (a: Array): number[] => globalThis.Array.from(a.dataSync(), Number);

describe("replay buffer", () => {
  it("wraps around: capacity 5, 7 adds", () => {
    let s = replay.init(5, transition(0));
    expect(s.data.obs.shape).toEqual([5, 2]);
    expect(s.data.terminated.dtype).toBe("bool");
    for (let t = 0; t < 7; t++) s = replay.add(s, transition(t));
    // item t lives in slot t mod 5: slots hold t = [5, 6, 2, 3, 4]
    expect(ints(s.data.reward)).toEqual([6, 7, 3, 4, 5]);
    close(s.data.obs, [[5, -5], [6, -6], [2, -2], [3, -3], [4, -4]]);
    expect(s.ptr.item()).toBe(2);
    expect(s.size.item()).toBe(5);
    expect(replay.capacity(s)).toBe(5);
  });
  it("batch adds equal single adds, including a batch longer than the capacity", () => {
    const batch = (ts: number[]) => ({
      obs: f32(ts.map((t) => [t, -t])),
      reward: f32(ts.map((t) => t + 1)),
      nextObs: f32(ts.map((t) => [t + 1, -(t + 1)])),
      terminated: np.array(ts.map(() => false)),
      truncated: np.array(ts.map(() => false)),
    });
    let single = replay.init(5, transition(0));
    for (let t = 0; t < 7; t++) single = replay.add(single, transition(t));
    const split = replay.add(replay.add(replay.init(5, transition(0)), batch([0, 1, 2])), batch([3, 4, 5, 6]));
    const whole = replay.add(replay.init(5, transition(0)), batch([0, 1, 2, 3, 4, 5, 6]));
    for (const other of [split, whole]) {
      bitEqual(other.data.obs, single.data.obs, "obs");
      bitEqual(other.data.reward, single.data.reward, "reward");
      expect(other.ptr.item()).toBe(2);
      expect(other.size.item()).toBe(5);
    }
  });
  it("add and sample under jit match eager", () => {
    let eager = replay.init(5, transition(0));
    let traced = replay.init(5, transition(0));
    const add = jit(replay.add<Tr>);
    for (let t = 0; t < 7; t++) {
      eager = replay.add(eager, transition(t));
      traced = add(traced, transition(t));
    }
    expect(add.cacheSize).toBe(1);
    bitEqual(traced.data.obs, eager.data.obs);
    expect(traced.ptr.item()).toBe(2);
    const key = random.key(3);
    const sample = jit((s: typeof eager, k: Array) => replay.sample(s, k, 4));
    bitEqual(sample(traced, key).obs, replay.sample(eager, key, 4).obs);
  });
  it("samples uniformly over the valid slots only", () => {
    let s = replay.init(10, { x: f32(0) });
    s = replay.add(s, { x: f32([0, 1, 2, 3, 4, 5, 6]) });
    // 1000 batches of 7 (a batch may not exceed the 7 items), one key each, vmapped
    const keys = random.split(random.key(0), 1000);
    const idx = ints(vmap((k: Array) => replay.sampleIndices(s, k, 7))(keys));
    const n = idx.length;
    expect(n).toBe(7000);
    const counts = new globalThis.Array(10).fill(0);
    for (const i of idx) counts[i]++;
    expect(counts.slice(7)).toEqual([0, 0, 0]);
    // χ² over the 7 valid slots (6 dof): the 0.1% critical value is 22.46
    const chi2 = counts.slice(0, 7).reduce((a, c) => a + (c - n / 7) ** 2 / (n / 7), 0);
    expect(chi2).toBeLessThan(22.46);
    // the sampled items are the items at those slots
    const batch = replay.sample(s, random.key(0), 7);
    expect(ints(batch.x)).toEqual(ints(replay.sampleIndices(s, random.key(0), 7)));
  });
  it("n-step windows stop at a termination, at truncation and at the newest item", () => {
    // t = 0..5, reward t + 1, terminated at t = 2; n = 3, γ = 0.5:
    // t0: 1 + 0.5·2 + 0.25·3 = 2.75, 3 steps, next = 3, discount 0.125·(1 − 1) = 0
    // t1: 2 + 0.5·3 = 3.5, 2 steps, next 3, discount 0;  t2: 3, 1 step, discount 0
    // t3: 4 + 0.5·5 + 0.25·6 = 8, 3 steps, next 6, discount 0.125
    // t4: 5 + 0.5·6 = 8, 2 steps (t5 is the newest item), next 6, discount 0.25;  t5: 6, 1 step, discount 0.5
    let s = replay.init(8, transition(0));
    for (let t = 0; t < 6; t++) s = replay.add(s, transition(t, t === 2));
    const idx = np.array([0, 1, 2, 3, 4, 5], { dtype: "int32" });
    const b = replay.gatherNStep(s, idx, { n: 3, gamma: 0.5 });
    close(b.reward, [2.75, 3.5, 3, 8, 8, 6]);
    expect(ints(b.steps)).toEqual([3, 2, 1, 3, 2, 1]);
    close(b.discount, [0, 0, 0, 0.125, 0.25, 0.5]);
    close(np.slice(b.nextObs, null, [0, 1]), [3, 3, 3, 6, 6, 6]);
    close(np.slice(b.obs, null, [0, 1]), [0, 1, 2, 3, 4, 5]);
    // the same under jit
    const g = jit((st: typeof s, i: Array) => replay.gatherNStep(st, i, { n: 3, gamma: 0.5 }));
    close(g(s, idx).reward, [2.75, 3.5, 3, 8, 8, 6]);
    // truncation at t = 3: the window from t3 stops there but still bootstraps: 4, 1 step, next 4, discount 0.5
    let tr = replay.init(8, transition(0));
    for (let t = 0; t < 6; t++) tr = replay.add(tr, transition(t, t === 2, t === 3));
    const bt = replay.gatherNStep(tr, idx, { n: 3, gamma: 0.5 });
    close(bt.reward, [2.75, 3.5, 3, 4, 8, 6]);
    close(bt.discount, [0, 0, 0, 0.5, 0.25, 0.5]);
    close(np.slice(bt.nextObs, null, [0, 1]), [3, 3, 3, 4, 6, 6]);
  });
  it("n-step windows do not run from the newest item into the oldest after wrap-around", () => {
    // capacity 4, t = 0..5: slots hold t = [4, 5, 2, 3], oldest t2 at slot 2
    let s = replay.init(4, transition(0));
    for (let t = 0; t < 6; t++) s = replay.add(s, transition(t));
    const b = replay.gatherNStep(s, np.array([3, 0, 1], { dtype: "int32" }), { n: 3, gamma: 0.5 });
    // slot 3 (t3): 4 + 2.5 + 1.5 = 8; slot 0 (t4): 5 + 3 = 8; slot 1 (t5): 6
    close(b.reward, [8, 8, 6]);
    expect(ints(b.steps)).toEqual([3, 2, 1]);
  });
  it("n-step with stride follows each environment's stream", () => {
    // 2 envs adding a batch per step: env 0 rewards 1, 2, 3; env 1 rewards 10, 20, 30 (slots alternate)
    let s = replay.init(6, { reward: f32(0), terminated: np.array(false), nextObs: f32(0) });
    for (let t = 0; t < 3; t++) s = replay.add(s, { reward: f32([t + 1, 10 * (t + 1)]), terminated: np.array([false, false]), nextObs: f32([t, 100 + t]) });
    const b = replay.gatherNStep(s, np.array([0, 1], { dtype: "int32" }), { n: 2, gamma: 0.5, stride: 2 });
    close(b.reward, [2, 20]);
    close(b.nextObs, [1, 101]);
    const sampled = replay.sampleNStep(s, random.key(1), 4, { n: 2, gamma: 0.5, stride: 2 });
    expect(sampled.reward.shape).toEqual([4]);
  });
  it("DriftError for bad input", () => {
    expect(() => replay.init(0, transition(0))).toThrow(DriftError);
    expect(() => replay.init(0, transition(0))).toThrow(/capacity must be an integer ≥ 1; got 0/);
    expect(() => replay.init(-3, transition(0))).toThrow(/capacity/);
    let s = replay.init(10, transition(0));
    for (let t = 0; t < 7; t++) s = replay.add(s, transition(t));
    expect(() => replay.sample(s, random.key(0), 8)).toThrow(/batchSize 8 is larger than the 7 items/);
    expect(() => replay.sample(replay.init(3, transition(0)), random.key(0), 1)).toThrow(DriftError);
    expect(() => replay.add(s, { ...transition(0), obs: f32([1, 2, 3]) })).toThrow(/leaf 'obs' has shape \[3\]; expected \[2\]/);
    const nested = replay.init(4, { obs: f32([0, 0]), info: { x: f32(0) } });
    expect(() => replay.add(nested, { obs: f32([[1, 2]]), info: { x: f32([1, 2]) } })).toThrow(/leaf 'info.x' is a batch of 2 but earlier leaves are a batch of 1/);
    expect(() => replay.add(nested, { obs: f32([1, 2]) } as never)).toThrow(/structure/);
    expect(() => replay.gatherNStep(replay.init(4, { x: f32(0) }) as never, np.array([0], { dtype: "int32" }), { n: 2, gamma: 0.9 })).toThrow(/needs a 'reward' field/);
  });
});

describe("rollout buffer", () => {
  const step = (t: number) => ({ obs: f32([[t, 0], [t, 1]]), reward: f32([t, 10 + t]) });
  it("fills T×N rows, flattens t-major and splits into shuffled minibatches", () => {
    let s = rollout.init(3, 2, { obs: f32([0, 0]), reward: f32(0) });
    expect(s.data.obs.shape).toEqual([3, 2, 2]);
    const add = jit(rollout.add<{ obs: Array; reward: Array }>);
    for (let t = 0; t < 3; t++) s = add(s, step(t));
    close(s.data.reward, [[0, 10], [1, 11], [2, 12]]);
    expect(s.t.item()).toBe(3);
    expect(() => rollout.add(s, step(3))).toThrow(/the rollout is full \(3 steps\)/);
    const flat = rollout.flatten(s.data);
    close(flat.reward, [0, 10, 1, 11, 2, 12]);
    const mb = rollout.minibatches(flat, random.key(0), 3);
    expect(mb.obs.shape).toEqual([3, 2, 2]);
    expect(ints(mb.reward).sort((a, b) => a - b)).toEqual([0, 1, 2, 10, 11, 12]);
    // rows stay together across leaves: obs[…, 0] = t and reward = t or 10 + t
    const r = ints(mb.reward);
    const o = ints(np.reshape(np.slice(mb.obs, null, null, [0, 1]), [6]));
    r.forEach((v, i) => expect(v % 10).toBe(o[i]));
    expect(() => rollout.minibatches(flat, random.key(0), 4)).toThrow(/cannot be split into 4 equal minibatches/);
    expect(() => rollout.add(rollout.init(3, 2, { obs: f32([0, 0]), reward: f32(0) }), { obs: f32([[1, 2]]), reward: f32([0, 1]) })).toThrow(/leaf 'obs' has shape \[1,2\]; expected \[2,2\]/);
  });
});

describe("trajectory windows", () => {
  // 10 rows, reward r_i = i + 1, episodes end at rows 3 and 7 (and at the dataset end): [0..3], [4..7], [8, 9]
  const N = 10;
  const data = { obs: f32(globalThis.Array.from({ length: N }, (_, i) => [i])), action: f32(globalThis.Array.from({ length: N }, (_, i) => -i)) };
  const rewards = f32(globalThis.Array.from({ length: N }, (_, i) => i + 1));
  const dones = np.array(globalThis.Array.from({ length: N }, (_, i) => i === 3 || i === 7));
  it("indexes windows inside one episode with window RTG labels", () => {
    // length 3: starts 0, 1 (ends on the done row 3), 4, 5; episode [8, 9] is too short
    // window RTG (γ = 0.5): s0: 1 + 1 + 0.75 = 2.75; s1: 2 + 1.5 + 1 = 4.5; s4: 5 + 3 + 1.75 = 9.75; s5: 6 + 3.5 + 2 = 11.5
    const w = makeWindows(data, rewards, dones, { length: 3, gamma: 0.5 });
    expect(ints(w.starts)).toEqual([0, 1, 4, 5]);
    close(w.rtg, [2.75, 4.5, 9.75, 11.5]);
    // episode RTG: s0: 1 + 1 + 0.75 + 0.5 = 3.25; s1: 4.5; s4: 5 + 3 + 1.75 + 1 = 10.75; s5: 11.5; reward scale 2 halves them
    const e = makeWindows(data, rewards, dones, { length: 3, gamma: 0.5, rtg: "episode", rewardScale: 2 });
    close(e.rtg, [1.625, 2.25, 5.375, 5.75]);
  });
  it("samples [B, T, ...] windows with their labels, eager and under jit", () => {
    const w = makeWindows(data, rewards, dones, { length: 3, gamma: 0.5 });
    const out = sampleWindows(w, random.key(5), 16);
    expect(out.data.obs.shape).toEqual([16, 3, 1]);
    expect(out.data.action.shape).toEqual([16, 3]);
    const starts = ints(out.start);
    const obs = ints(out.data.obs);
    const rtgByStart: Record<number, number> = { 0: 2.75, 1: 4.5, 4: 9.75, 5: 11.5 };
    starts.forEach((s, b) => {
      expect([0, 1, 4, 5]).toContain(s);
      expect(obs.slice(3 * b, 3 * b + 3)).toEqual([s, s + 1, s + 2]);
      expect(out.rtg.dataSync()[b]).toBeCloseTo(rtgByStart[s]!, 6);
    });
    const j = jit((k: Array) => sampleWindows(w, k, 16));
    bitEqual(j(random.key(5)).data.obs, out.data.obs);
  });
  it("DriftError when no window fits or shapes disagree", () => {
    expect(() => makeWindows(data, rewards, dones, { length: 5, gamma: 0.5 })).toThrow(/no window of length 5/);
    expect(() => makeWindows({ obs: f32([[1], [2]]) }, rewards, dones, { length: 2, gamma: 0.5 })).toThrow(/leaf 'obs' has 2 rows; expected 10/);
  });
});

describe("replay.add under jit with donation", () => {
  it("writes in place (1000 adds into a 100k × 17 buffer in well under a second) and equals eager adds", () => {
    const example = { obs: np.zeros([17]), reward: np.zeros([]) };
    const addJit = jit(replay.add, { donateArgnums: 0 });
    let state: any = replay.init(100_000, example);
    let eager: any = replay.init(300, example);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      const item = { obs: np.full([17], i), reward: np.array(i) };
      state = addJit(state, item);
      if (i < 300) eager = replay.add(eager, item);
    }
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(3000);
    const at = (s: any, idx: number[]): any => replay.gather(s, np.array(idx, { dtype: "int32" }));
    expect(at(state, [0, 299, 999]).reward.toArray()).toEqual([0, 299, 999]);
    expect(at(eager, [0, 299]).obs.toArray()).toEqual(at(state, [0, 299]).obs.toArray());
    expect(state.size.item()).toBe(1000);
  });
});
