// Tests for Pendulum-v1 and MountainCarContinuous-v0: dynamics and rewards against float64 reference formulas, resets, limits.
import { describe, expect, it } from "vitest";
import { type Array, np, random } from "@drift/tensor";
import { make, makeEnv, mountainCarContinuous, pendulum } from "../src/index.ts";

const f64 = (x: number): Array => np.array(x, { dtype: "float64" });
const act = (a: number): Array => np.array([a]);
const key = random.key(0);

/** Gymnasium's Pendulum step written out in float64 (independent of the implementation). */
function pendulumRef(th: number, thdot: number, a: number): { th: number; thdot: number; reward: number } {
  const u = Math.min(Math.max(Math.fround(a), -2), 2);
  let norm = (th + Math.PI) % (2 * Math.PI);
  if (norm < 0) norm += 2 * Math.PI;
  norm -= Math.PI;
  const cost = norm ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
  const newThdot = Math.min(Math.max(thdot + ((3 * 10) / (2 * 1) * Math.sin(th) + (3 / (1 * 1 ** 2)) * u) * 0.05, -8), 8);
  return { th: th + newThdot * 0.05, thdot: newThdot, reward: -cost };
}

/** Gymnasium's MountainCarContinuous step in float64, with the state stored as float32 afterwards. */
function carRef(x: number, v: number, a: number): { x: number; v: number; reward: number; terminated: boolean } {
  const af = Math.fround(a);
  const force = Math.min(Math.max(af, -1), 1);
  let vel = v + (force * 0.0015 - 0.0025 * Math.cos(3 * x));
  vel = Math.min(Math.max(vel, -0.07), 0.07);
  let pos = Math.min(Math.max(x + vel, -1.2), 0.6);
  if (pos === -1.2 && vel < 0) vel = 0;
  const terminated = pos >= 0.45 && vel >= 0;
  const reward = (terminated ? 100 : 0) - af ** 2 * 0.1;
  pos = Math.fround(pos);
  vel = Math.fround(vel);
  return { x: pos, v: vel, reward, terminated };
}

describe("Pendulum-v1", () => {
  const env = pendulum();
  const params = env.defaultParams;

  it("matches Gymnasium's formulas step by step from known states (angle wrap, torque and speed clipping)", () => {
    const cases: [number, number, number[]][] = [
      [0.3, -0.5, [0.7, -1.3, 2, 0.1, -0.4]],
      [7.0, 0.2, [3.5, -3.5, 0, 1, -2]], // θ beyond 2π and clipped torques
      [-2.9, 7.9, [2, 2, 2, 2, 2]], // speed clipping at 8
    ];
    for (const [th0, thd0, actions] of cases) {
      let state = { theta: f64(th0), thetaDot: f64(thd0) };
      let ref = { th: th0, thdot: thd0 };
      for (const a of actions) {
        const out = env.step(key, state, act(a), params);
        const want = pendulumRef(ref.th, ref.thdot, a);
        expect(out.state.theta.item()).toBeCloseTo(want.th, 12);
        expect(out.state.thetaDot.item()).toBeCloseTo(want.thdot, 12);
        expect(out.reward.dtype).toBe("float32");
        expect(out.reward.item()).toBe(Math.fround(want.reward));
        expect(out.obs.dtype).toBe("float32");
        expect(globalThis.Array.from(out.obs.dataSync())).toEqual([Math.cos(want.th), Math.sin(want.th), want.thdot].map(Math.fround));
        expect(out.terminated.item()).toBe(0);
        expect(out.truncated.item()).toBe(0);
        state = out.state;
        ref = want;
      }
    }
  });

  it("resets θ ~ U(±π), θ̇ ~ U(±1) with obs [cos θ, sin θ, θ̇]; reset options change the bounds", () => {
    const thetas: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { obs, state } = env.reset(random.key(i), params);
      const th = state.theta.item();
      const thd = state.thetaDot.item();
      expect(Math.abs(th)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(thd)).toBeLessThanOrEqual(1);
      expect(globalThis.Array.from(obs.dataSync())).toEqual([Math.cos(th), Math.sin(th), thd].map(Math.fround));
      thetas.push(th);
    }
    expect(Math.min(...thetas)).toBeLessThan(-2.8);
    expect(Math.max(...thetas)).toBeGreaterThan(2.8);
    const small = env.reset(key, { ...params, xInit: 0.1, yInit: 0 }).state;
    expect(Math.abs(small.theta.item())).toBeLessThanOrEqual(0.1);
    expect(small.thetaDot.item()).toBe(0);
  });

  it("float32 state (gymnax-style) stays within float32 error of the float64 state", () => {
    const e32 = pendulum({ stateDtype: "float32" });
    let s64 = { theta: f64(1.0), thetaDot: f64(0.5) };
    let s32 = { theta: np.array(1.0), thetaDot: np.array(0.5) };
    for (let t = 0; t < 10; t++) {
      const a = act(Math.sin(t));
      s64 = env.step(key, s64, a, params).state;
      const o32 = e32.step(key, s32, a, params);
      expect(o32.state.theta.dtype).toBe("float32");
      s32 = o32.state;
    }
    expect(Math.abs(s32.theta.item() - s64.theta.item())).toBeLessThan(1e-5);
  });

  it("truncates at exactly 200 steps through the registry's time limit", () => {
    const g = make("Pendulum-v1");
    g.reset({ seed: 3 });
    let steps = 0;
    for (;;) {
      const [, , terminated, truncated] = g.step([0.1]);
      steps++;
      expect(terminated).toBe(false);
      if (truncated) break;
    }
    expect(steps).toBe(200);
  });

  it("random-policy return over 20 episodes is about −1200 (mean in [−1500, −900])", () => {
    const g = make("Pendulum-v1");
    const returns: number[] = [];
    let k = random.key(123);
    for (let ep = 0; ep < 20; ep++) {
      g.reset({ seed: 1000 + ep });
      let ret = 0;
      for (;;) {
        k = random.foldIn(k, 1);
        const [, r, te, tr] = g.step(g.actionSpace.sample(k));
        ret += r;
        if (te || tr) break;
      }
      returns.push(ret);
    }
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    expect(mean).toBeGreaterThan(-1500);
    expect(mean).toBeLessThan(-900);
    expect(Math.min(...returns)).toBeGreaterThan(-16.2736044 * 200);
  });
});

describe("MountainCarContinuous-v0", () => {
  const env = mountainCarContinuous();
  const params = env.defaultParams;
  const st = (x: number, v: number) => ({ position: f64(x), velocity: f64(v) });

  it("matches Gymnasium's formulas (float32 state storage, unclipped action in the reward)", () => {
    let state = env.reset(random.key(5), params).state;
    let ref = { x: state.position.item(), v: 0 };
    for (const a of [0.5, -1.7, 1, 2.5, 0, -0.3, 0.9]) {
      const out = env.step(key, state, act(a), params);
      const want = carRef(ref.x, ref.v, a);
      expect(out.state.position.item()).toBe(want.x);
      expect(out.state.velocity.item()).toBe(want.v);
      expect(out.reward.item()).toBe(Math.fround(want.reward));
      expect(globalThis.Array.from(out.obs.dataSync())).toEqual([want.x, want.v]);
      state = out.state;
      ref = want;
    }
    // Reward uses the unclipped action: a = 2 pushes with force 1 but costs 0.1·4.
    expect(env.step(key, st(-0.5, 0), act(2), params).reward.item()).toBeCloseTo(-0.4, 6);
  });

  it("stops at the left wall and terminates at the goal with reward 100 − 0.1·a²", () => {
    const wall = env.step(key, st(-1.19, -0.06), act(-1), params);
    const wantWall = carRef(-1.19, -0.06, -1);
    expect(wall.state.position.item()).toBe(wantWall.x);
    expect(wantWall.x).toBe(Math.fround(-1.2));
    expect(wall.state.velocity.item()).toBe(0);
    const goal = env.step(key, st(0.44, 0.05), act(0.5), params);
    expect(goal.terminated.item()).toBe(1);
    expect(goal.reward.item()).toBe(Math.fround(carRef(0.44, 0.05, 0.5).reward));
    expect(goal.reward.item()).toBeCloseTo(100 - 0.025, 4);
    const notYet = env.step(key, st(0.3, 0.01), act(0), params);
    expect(notYet.terminated.item()).toBe(0);
  });

  it("resets x ~ U(−0.6, −0.4), v = 0, and truncates at exactly 999 steps", () => {
    for (let i = 0; i < 50; i++) {
      const { state } = env.reset(random.key(i), params);
      expect(state.position.item()).toBeGreaterThanOrEqual(-0.6);
      expect(state.position.item()).toBeLessThanOrEqual(-0.4);
      expect(state.velocity.item()).toBe(0);
    }
    const { env: limited, params: p } = makeEnv("MountainCarContinuous-v0");
    expect((limited as { maxEpisodeSteps?: number }).maxEpisodeSteps).toBe(999);
    const g = make("MountainCarContinuous-v0");
    g.reset({ seed: 1 });
    let steps = 0;
    for (;;) {
      const [, , te, tr] = g.step([0]);
      steps++;
      if (te || tr) {
        expect(te).toBe(false);
        break;
      }
    }
    expect(steps).toBe(999);
    expect(p.goalPosition).toBe(0.45);
  });
});
