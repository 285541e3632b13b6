// Tests for the registry and the Gymnasium-shaped adapters: pure ≡ stateful, vector ≡ singles, autoreset modes, bad input.
import { describe, expect, it } from "vitest";
import { type Array, DriftError, np, random } from "@drift/tensor";
import { type Env, checkEnv, episodeStatistics, listEnvs, make, makeEnv, makeVec, prepareEnv, register, spec } from "../src/index.ts";
import { counterEnv, expectSameTree, opaque } from "./helpers.ts";

const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);
const rows = (x: Array): number[][] => x.toArray() as number[][];
const row = (keys: Array, i: number): Array => np.reshape(np.slice(keys, [i, i + 1]), [2]);

register({ id: "Test/Counter-v0", entryPoint: () => counterEnv(3), maxEpisodeSteps: 5 });
register({ id: "Test/OpaqueCounter-v0", entryPoint: () => opaque(counterEnv(3)), maxEpisodeSteps: 5 });

describe("registry", () => {
  it("lists the built-in envs and gives their specs", () => {
    const ids = listEnvs();
    for (const id of ["Pendulum-v1", "MountainCarContinuous-v0", "TurningDoubleWell-v0", "TurningMultiWell-v0", "MultiGoal-v0"])
      expect(ids).toContain(id);
    for (const t of ["8gaussians", "swissroll", "rings", "checkerboard", "moons", "2spirals", "circles"]) expect(ids).toContain(`Toy2d/${t}-v0`);
    expect(spec("Pendulum-v1").maxEpisodeSteps).toBe(200);
    expect(spec("MountainCarContinuous-v0").rewardThreshold).toBe(90);
  });

  it("an unknown id is a DriftError that suggests close matches and lists the valid ids", () => {
    expect(() => spec("Pendulum-v0")).toThrow(/did you mean "Pendulum-v1"\?.*registered ids: .*MountainCarContinuous-v0/);
    expect(() => make("pendulum-v1")).toThrow(/did you mean "Pendulum-v1"/);
    expect(() => makeEnv("Toy2d/8gaussian-v0")).toThrow(/did you mean "Toy2d\/8gaussians-v0"/);
    try {
      spec("HalfCheetah-v5");
    } catch (e) {
      expect(e).toBeInstanceOf(DriftError);
      expect((e as Error).message).toContain("TurningMultiWell-v0");
    }
  });

  it("register validates ids and duplicates; prepare() gates envs that need loading", async () => {
    expect(() => register({ id: "bad id!", entryPoint: () => counterEnv(), maxEpisodeSteps: null })).toThrow(/Name-vN/);
    expect(() => register({ id: "Test/Counter-v0", entryPoint: () => counterEnv(), maxEpisodeSteps: 5 })).toThrow(/already registered/);
    let loads = 0;
    register({ id: "Test/Loaded-v0", entryPoint: () => counterEnv(), maxEpisodeSteps: 4, prepare: async () => void loads++ });
    expect(() => makeEnv("Test/Loaded-v0")).toThrow(/await prepareEnv\("Test\/Loaded-v0"\)/);
    await prepareEnv("Test/Loaded-v0");
    await prepareEnv("Test/Loaded-v0");
    expect(loads).toBe(1);
    expect(makeEnv("Test/Loaded-v0").env).toHaveProperty("maxEpisodeSteps", 4);
  });

  it("params and kwargs: overrides merge, unknown names and out-of-range values throw", () => {
    expect(makeEnv("Pendulum-v1", { params: { g: 9.81 } }).params.g).toBe(9.81);
    expect(makeEnv("Pendulum-v1", { kwargs: { stateDtype: "float32" } }).env.reset(random.key(0), makeEnv("Pendulum-v1").params).state.env.theta.dtype).toBe("float32");
    expect(() => makeEnv("Pendulum-v1", { params: { gg: 9.81 } as never })).toThrow(/unknown parameter "gg" \(did you mean "g"\?\); valid parameters: maxSpeed/);
    expect(() => makeEnv("Pendulum-v1", { params: { dt: -1 } })).toThrow(/params.dt must be a finite number > 0; got -1/);
    expect(() => makeEnv("TurningDoubleWell-v0", { params: { wellHeight: 1.5 } })).toThrow(/wellHeight must be in \[0, 1\]/);
    expect(() => makeEnv("TurningDoubleWell-v0", { params: { wellAngleDeg: 95 } })).toThrow(/wellAngleDeg must be in \(0, 90\)/);
    expect(() => makeEnv("TurningMultiWell-v0", { params: { numMinima: 1 } })).toThrow(/numMinima must be an integer >= 2/);
    expect(() => makeEnv("MountainCarContinuous-v0", { params: { resetLow: 0, resetHigh: -1 } })).toThrow(/resetLow must be <= params.resetHigh/);
    expect(() => makeEnv("MultiGoal-v0", { params: { goals: np.zeros([3]) } })).toThrow(/goals must be an array of shape \[k, 2\]/);
    expect(() => makeEnv("Pendulum-v1", { kwargs: { dtype: "float32" } })).toThrow(/unknown option "dtype"/);
  });

  it("every registered env passes checkEnv (spaces, dtypes, determinism, jit ≡ eager); a broken env is reported", () => {
    // Envs that need prepared resources (MuJoCo) run checkEnv in their own test file.
    for (const id of listEnvs()) if (!id.startsWith("Test/") && !spec(id).prepare) {
      const { env, params } = makeEnv(id);
      checkEnv(env, params, { steps: 4 });
    }
    const base = counterEnv();
    const broken: Env = { ...base, step: (k, s, a, p) => ({ ...base.step(k, s, a, p), reward: np.array(1, { dtype: "float64" }) }) };
    expect(() => checkEnv(broken)).toThrow(/reward must be float32/);
  });
});

describe("make (stateful adapter)", () => {
  it("equals the pure env driven with the documented key chain", () => {
    const g = make("Pendulum-v1");
    const { env, params } = makeEnv("Pendulum-v1");
    const [obs0, info0] = g.reset({ seed: 5 });
    let carry = random.key(5);
    let sub: Array;
    [carry, sub] = [row(random.split(carry), 0), row(random.split(carry), 1)];
    const r0 = env.reset(sub, params);
    expectSameTree(obs0, r0.obs);
    expect(info0).toEqual({});
    let state = r0.state;
    for (let t = 0; t < 5; t++) {
      const a = [Math.cos(t)];
      const [obs, reward, terminated, truncated] = g.step(a);
      [carry, sub] = [row(random.split(carry), 0), row(random.split(carry), 1)];
      const out = env.step(sub, state, np.array(a), params);
      expectSameTree(obs, out.obs);
      expect(reward).toBe(out.reward.item());
      expect([terminated, truncated]).toEqual([false, false]);
      state = out.state;
    }
    expectSameTree(g.state, state);
    expect(g.observationSpace.toString()).toBe("Box([-1, -1, -8], [1, 1, 8], [3], float32)");
    expect(g.actionSpace.toString()).toBe("Box(-2, 2, [1], float32)");
  });

  it("eager and jitted adapters agree; reset options override params for that reset only", () => {
    const a = make("Pendulum-v1");
    const b = make("Pendulum-v1", { jit: false });
    expectSameTree(a.reset({ seed: 9 })[0], b.reset({ seed: 9 })[0]);
    for (let t = 0; t < 3; t++) {
      const [oa, ra] = a.step([0.3 * t]);
      const [ob, rb] = b.step([0.3 * t]);
      expectSameTree(oa, ob);
      expect(ra).toBe(rb);
    }
    const [obs] = a.reset({ seed: 1, options: { xInit: 0, yInit: 0 } });
    expect(vals(obs)).toEqual([1, 0, 0]);
  });

  it("applies pure wrappers given in `wrappers` (episode statistics in info)", () => {
    const g = make("Test/Counter-v0", { wrappers: [episodeStatistics] });
    g.reset({ seed: 0 });
    g.step([1]);
    g.step([2]);
    const [, , terminated, , info] = g.step([4]);
    expect(terminated).toBe(true);
    expect(vals(info.returned_episode_returns as Array)).toEqual([7]);
    expect(vals(info.returned_episode_lengths as Array)).toEqual([3]);
  });

  it("rejects bad input with DriftErrors", () => {
    const g = make("Pendulum-v1");
    expect(() => g.step([0])).toThrow(/call reset\(\) before step\(\)/);
    g.reset({ seed: 0 });
    expect(() => g.step([0.1, 0.2])).toThrow(/action must have shape \[1\] for Box\(-2, 2, \[1\], float32\); got \[2\]/);
    expect(() => g.step(0.5)).toThrow(/shape \[1\].*got \[\]/);
    expect(() => g.step([NaN])).toThrow(/action must be finite; element 0 is NaN/);
    expect(() => g.step([Infinity])).toThrow(/finite/);
    expect(() => g.step("left" as never)).toThrow(/action must be an array or number/);
    expect(() => g.reset({ seed: -1 })).toThrow(/seed must be a non-negative integer/);
    expect(() => g.reset({ seed: 1.5 })).toThrow(/seed must be a non-negative integer/);
    expect(() => g.reset({ options: { x_init: 1 } })).toThrow(/unknown parameter "x_init"/);
    expect(() => g.reset({ options: { xInit: -1 } })).toThrow(/xInit must be a finite number >= 0/);
    const c = make("Test/Counter-v0");
    c.reset({ seed: 0 });
    c.step([1]);
    c.step([1]);
    expect(c.step([1])[2]).toBe(true);
    expect(() => c.step([1])).toThrow(/episode has ended/);
    c.close();
    expect(() => c.reset()).toThrow(/closed/);
  });
});

describe("makeVec (Gymnasium 1.x vector semantics)", () => {
  const acts = (t: number): number[][] => [[t + 1], [10 * (t + 1)]];

  it("copy i equals make(id) reset with seed + i", () => {
    const v = makeVec("Pendulum-v1", 3);
    const [obs] = v.reset({ seed: 20 });
    const singles = [0, 1, 2].map(() => make("Pendulum-v1"));
    singles.forEach((s, i) => expect(vals(s.reset({ seed: 20 + i })[0])).toEqual(rows(obs)[i]));
    for (let t = 0; t < 4; t++) {
      const a = [[0.5], [-1], [t / 2]];
      const [o, r] = v.step(a);
      singles.forEach((s, i) => {
        const [so, sr] = s.step(a[i]!);
        expect(vals(so)).toEqual(rows(o)[i]);
        expect(sr).toBe(vals(r)[i]);
      });
    }
    expect(v.observationSpace.shape).toEqual([3, 3]);
    expect(v.singleObservationSpace.shape).toEqual([3]);
    expect(v.metadata.autoresetMode).toBe("NextStep");
  });

  it("NextStep: the step after termination returns the reset obs, reward 0, flags false, masked info", () => {
    const v = makeVec("Test/Counter-v0", 2);
    v.reset({ seed: 0 });
    const got = [0, 1, 2, 3, 4].map((t) => v.step(acts(t)));
    expect(got.map(([o]) => rows(o).map((r) => r[0]))).toEqual([[1, 1], [2, 2], [3, 3], [0, 0], [1, 1]]);
    expect(got.map(([, r]) => vals(r))).toEqual([[1, 10], [2, 20], [3, 30], [0, 0], [5, 50]]);
    expect(got.map(([, , te]) => vals(te))).toEqual([[0, 0], [0, 0], [1, 1], [0, 0], [0, 0]]);
    expect(got.map(([, , , tr]) => vals(tr))).toEqual([[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(got.map(([, , , , info]) => vals(info._t as Array))).toEqual([[1, 1], [1, 1], [1, 1], [0, 0], [1, 1]]);
    expect(vals(got[3]![4].t as Array)).toEqual([0, 0]);
  });

  it("SameStep: the finishing step returns the reset obs with final_obs/final_info and their masks", () => {
    const v = makeVec("Test/Counter-v0", 2, { autoresetMode: "SameStep" });
    v.reset({ seed: 0 });
    const got = [0, 1, 2, 3].map((t) => v.step(acts(t)));
    expect(got.map(([o]) => rows(o).map((r) => r[0]))).toEqual([[1, 1], [2, 2], [0, 0], [1, 1]]);
    expect(got.map(([, r]) => vals(r))).toEqual([[1, 10], [2, 20], [3, 30], [4, 40]]);
    expect(got.map(([, , te]) => vals(te))).toEqual([[0, 0], [0, 0], [1, 1], [0, 0]]);
    const info = got[2]![4];
    expect(rows(info.finalObservation as Array)).toEqual([[3], [3]]);
    expect(vals(info._finalObservation as Array)).toEqual([1, 1]);
    expect(vals((info.finalInfo as { t: Array }).t)).toEqual([3, 3]);
    expect(vals(got[3]![4]._finalObservation as Array)).toEqual([0, 0]);
  });

  it("SameStep resets on time-limit truncation too", () => {
    const v = makeVec("Test/Counter-v0", 2, { autoresetMode: "SameStep", params: { horizon: 100 } });
    v.reset({ seed: 0 });
    const got = [0, 1, 2, 3, 4, 5].map((t) => v.step(acts(t)));
    expect(got.map(([o]) => rows(o)[0]![0])).toEqual([1, 2, 3, 4, 0, 1]);
    expect(got.map(([, , , tr]) => vals(tr)[0])).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it("Disabled: stepping a finished copy throws until reset with a resetMask resets it", () => {
    const v = makeVec("Test/Counter-v0", 2, { autoresetMode: "Disabled" });
    v.reset({ seed: 0 });
    [0, 1, 2].forEach((t) => v.step(acts(t)));
    expect(() => v.step(acts(3))).toThrow(/copies \[0, 1\] finished their episodes/);
    const [obs] = v.reset({ options: { resetMask: [true, false] } });
    expect(rows(obs)).toEqual([[0], [3]]);
    expect(() => v.step(acts(3))).toThrow(/copies \[1\] finished/);
    v.reset({ options: { resetMask: np.array([false, true]) } });
    const [o2, r2] = v.step(acts(4));
    expect(rows(o2)).toEqual([[1], [1]]);
    expect(vals(r2)).toEqual([5, 50]);
  });

  it("non-traceable envs (stepped in a JS loop) follow the same semantics in every mode", () => {
    for (const autoresetMode of ["NextStep", "SameStep"] as const) {
      const a = makeVec("Test/Counter-v0", 2, { autoresetMode });
      const b = makeVec("Test/OpaqueCounter-v0", 2, { autoresetMode });
      expectSameTree(a.reset({ seed: 4 }), b.reset({ seed: 4 }));
      for (let t = 0; t < 7; t++) expectSameTree(a.step(acts(t)), b.step(acts(t)));
    }
  });

  it("rejects bad input with DriftErrors", () => {
    expect(() => makeVec("Pendulum-v1", 0)).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeVec("Pendulum-v1", 2, { autoresetMode: "Sometimes" as never })).toThrow(/"NextStep", "SameStep" or "Disabled"/);
    const v = makeVec("Pendulum-v1", 2);
    expect(() => v.step([[0], [0]])).toThrow(/call reset\(\) before step\(\)/);
    expect(() => v.reset({ options: { resetMask: [true, false] } })).toThrow(/resetMask needs a full reset\(\) first/);
    v.reset({ seed: 1 });
    expect(() => v.step([[0], [0], [0]])).toThrow(/action must have shape \[2,1\]/);
    expect(() => v.step([[0], [NaN]])).toThrow(/element 1 is NaN/);
    expect(() => v.reset({ options: { resetMask: [true] } })).toThrow(/resetMask must be a bool array of shape \[2\]/);
    expect(() => v.reset({ options: { resetMask: [false, false] } })).toThrow(/at least one true/);
    expect(() => v.reset({ seed: [1, 2, 3] })).toThrow(/list of 2 integers/);
  });
});
