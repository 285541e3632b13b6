// Tests for the multimodal envs: turning double/multi well, multi-goal point mass, toy 2-D energies, samplers and bandits.
import { describe, expect, it } from "vitest";
import { type Array, np, random, vmap } from "@drift/tensor";
import {
  doubleWellReward, makeEnv, multiGoal, multiWellMinimaDeg, multiWellReward, sampleToyDataset, sampleToyTransitions,
  toyBandit, toyEnergy, turningDoubleWell, turningMultiWell,
} from "../src/index.ts";

const DEG = Math.PI / 180;
const key = random.key(0);
const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);
const rad = (degs: number[]): Array => np.array(degs.map((d) => d * DEG));

/** Double-well reward written out from papers.md §1.9. */
function doubleRef(deg: number, h = 0.85, w = 45): number {
  const v = (Math.min(Math.max(deg, -90), 90) / 90) ** 2;
  const vs = (w / 90) ** 2;
  return v <= vs ? h + (1 - h) * (1 - (1 - v / vs) ** 2) : 1 - ((v - vs) / (1 - vs)) ** 2;
}

describe("TurningDoubleWell-v0", () => {
  const env = turningDoubleWell();
  const p = env.defaultParams;

  it("reward R(0)=h, R(±45°)=1, R(±90°)=0 and the formula in between", () => {
    const degs = [0, 45, -45, 90, -90, 22.5, -60, 10, 80];
    const got = vals(doubleWellReward(rad(degs), 45, 0.85));
    degs.forEach((d, i) => expect(got[i]).toBeCloseTo(doubleRef(d), 5));
    expect(got.slice(0, 5).map((v) => Number(v.toFixed(5)))).toEqual([0.85, 1, 1, 0, 0]);
  });

  it("steps: reward of the raw turn, executed turn snapped to sign(u)·45°, move 1 along the new heading", () => {
    const state = { pos: np.array([0, 0]), angle: np.array(0) };
    for (const [u, turn] of [[0.3, 45], [-0.8, -45], [0, 45], [1.7, 45]] as const) {
      const out = env.step(key, state, np.array([u]), p);
      expect(out.reward.item()).toBeCloseTo(doubleRef(Math.max(-1, Math.min(1, u)) * 90), 5);
      expect(out.state.angle.item()).toBeCloseTo(turn * DEG, 6);
      expect(vals(out.obs)[0]).toBeCloseTo(Math.cos(turn * DEG), 6);
      expect(vals(out.obs)[1]).toBeCloseTo(Math.sin(turn * DEG), 6);
      expect(vals(out.state.pos)).toEqual(vals(out.obs));
      expect(out.terminated.item()).toBe(0);
    }
    // Without snapping the executed turn is the raw turn u·90°.
    const raw = env.step(key, state, np.array([0.3]), { ...p, snapActionToOptimal: false });
    expect(raw.state.angle.item()).toBeCloseTo(27 * DEG, 6);
    // Headings wrap: 170° + 45° = −145°.
    const wrapped = env.step(key, { pos: np.array([0, 0]), angle: np.array(170 * DEG) }, np.array([0.5]), p);
    expect(wrapped.state.angle.item()).toBeCloseTo(-145 * DEG, 5);
  });

  it("resets at the origin with a heading drawn from the 8 multiples of 45°", () => {
    const keys = random.split(key, 64);
    const { obs, state } = vmap((k: Array) => env.reset(k, p))(keys);
    const headings = new Set(vals(state.angle).map((a) => Math.round(((a / DEG) % 360 + 360) % 360)));
    expect([...headings].sort((a, b) => a - b)).toEqual([0, 45, 90, 135, 180, 225, 270, 315]);
    expect(vals(state.pos).every((v) => v === 0)).toBe(true);
    expect(obs.shape).toEqual([64, 2]);
    expect(makeEnv("TurningDoubleWell-v0").env).toHaveProperty("maxEpisodeSteps", 100);
  });
});

describe("TurningMultiWell-v0", () => {
  const env = turningMultiWell();
  const p = env.defaultParams;

  it("minima at ±22.5°, ±67.5° with reward 1; barrier 0.3 between wells; quadratic tails to 0 at ±90°", () => {
    expect(multiWellMinimaDeg(4)).toEqual([-67.5, -22.5, 22.5, 67.5]);
    expect(multiWellMinimaDeg(2)).toEqual([-45, 45]);
    const degs = [-67.5, -22.5, 22.5, 67.5, 0, 45, -90, 90, -80, 75];
    const got = vals(multiWellReward(rad(degs), 4, 0.3, 2));
    const want = [1, 1, 1, 1, 0.3, 0.3, 0, 0, (10 / 22.5) ** 2, (15 / 22.5) ** 2];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    // Interior: h + (1−h)·½(1 + cos(2π(θ + 67.5)/45)) at θ = 10°.
    const interior = 0.3 + 0.7 * 0.5 * (1 + Math.cos((2 * Math.PI * (10 + 67.5)) / 45));
    expect(vals(multiWellReward(rad([10]), 4, 0.3, 2))[0]).toBeCloseTo(interior, 5);
  });

  it("snaps the executed turn to the nearest preferred turn (first on ties) and resets over 8 headings", () => {
    const state = { pos: np.array([0, 0]), angle: np.array(0) };
    for (const [u, turn] of [[10 / 90, 22.5], [0, -22.5], [-50 / 90, -67.5], [1, 67.5]] as const) {
      const out = env.step(key, state, np.array([u]), p);
      expect(out.state.angle.item()).toBeCloseTo(turn * DEG, 5);
    }
    const { state: s } = vmap((k: Array) => env.reset(k, p))(random.split(key, 96));
    const headings = new Set(vals(s.angle).map((a) => Math.round((a / DEG) * 10) / 10));
    expect([...headings].sort((a, b) => a - b)).toEqual([-157.5, -112.5, -67.5, -22.5, 22.5, 67.5, 112.5, 157.5]);
  });
});

describe("MultiGoal-v0", () => {
  const env = multiGoal();
  const p = env.defaultParams;

  it("reward −(30‖a‖² + min_g‖s'−g‖²) + 10·[goal reached], action and position clipping", () => {
    const near = env.step(key, { pos: np.array([4.5, 0.2]) }, np.array([0.6, -0.1]), p);
    const dGoal = (5.1 - 5) ** 2 + 0.1 ** 2;
    expect(near.reward.item()).toBeCloseTo(-(30 * (0.36 + 0.01) + dGoal) + 10, 4);
    expect(near.terminated.item()).toBe(1);
    expect(vals(near.obs).map((v) => Number(v.toFixed(5)))).toEqual([5.1, 0.1]);
    const far = env.step(key, { pos: np.array([0.5, 1]) }, np.array([3, 0]), p);
    expect(vals(far.obs)).toEqual([1.5, 1].map(Math.fround));
    expect(far.reward.item()).toBeCloseTo(-(30 * 1 + Math.min((1.5 - 5) ** 2 + 1, (0 - 1.5) ** 2 + 16)), 4);
    expect(far.terminated.item()).toBe(0);
    const wall = env.step(key, { pos: np.array([6.8, -6.9]) }, np.array([1, -1]), p);
    expect(vals(wall.obs)).toEqual([7, -7]);
    expect(vals(wall.info.pos as Array)).toEqual([7, -7]);
  });

  it("resets near the origin (σ = 0.1) and has the paper's horizon of 30", () => {
    const { state } = vmap((k: Array) => env.reset(k, p))(random.split(key, 256));
    const xs = vals(state.pos);
    const std = Math.sqrt(xs.reduce((a, b) => a + b * b, 0) / xs.length);
    expect(std).toBeGreaterThan(0.08);
    expect(std).toBeLessThan(0.12);
    expect(makeEnv("MultiGoal-v0").env).toHaveProperty("maxEpisodeSteps", 30);
  });
});

describe("toy 2-D energies (FlowRL §2.7)", () => {
  const e = (name: string, pts: number[][]): number[] => vals(toyEnergy(name, np.array(pts)));

  it("gives the energies of hand-picked points", () => {
    expect(e("swissroll", [[3, 0], [1, 2]])[0]).toBeCloseTo(1, 6);
    expect(e("swissroll", [[1, 2]])[0]).toBeCloseTo(5 / 9, 6);
    expect(e("circles", [[1, 1], [2, 0], [0, 2.5]])).toEqual([1, 0, 0]);
    expect(e("rings", [[1, 0], [1.5, 0], [0, 2.5], [3, 0]])).toEqual([0, 1, 0.333, 0.667].map(Math.fround));
    const centres = [[0, 1], [-Math.SQRT1_2, Math.SQRT1_2], [-1, 0], [-Math.SQRT1_2, -Math.SQRT1_2], [0, -1], [Math.SQRT1_2, -Math.SQRT1_2], [1, 0], [Math.SQRT1_2, Math.SQRT1_2]];
    expect(e("8gaussians", centres.map(([a, b]) => [(a! * 4) / 1.414, (b! * 4) / 1.414]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => Math.fround(k / 7)));
    expect(e("checkerboard", [[1, 0], [-1, 5], [-2, 0], [2, -3], [3, 0], [-3, 1]])).toEqual([1, 0, 1, 1, 0, 1]);
    const mix = centres.reduce((s, [a, b], i) => s + (8 - i) * Math.exp(-((0 - 3 * a!) ** 2 + (3 - 3 * b!) ** 2) / (2 * 2.25)) / (2 * Math.PI * 2.25), 0);
    expect(e("8gaussiansmix", [[0, 3]])[0]).toBeCloseTo(mix, 6);
    // Moons: the label of the nearest noise-free arc; 2spirals: clip(1 − n/10) of the nearest spiral point.
    expect(e("moons", [[1, -1.2], [-1, 1.8], [-3, -0.2], [3, 0.8]])).toEqual([1, 0, 0, 1]);
    const spiral = (n: number): number[] => [(-Math.cos(n) * n + 0.25) / 3, (Math.sin(n) * n + 0.25) / 3];
    const got = e("2spirals", [spiral(3), spiral(3).map((v) => -v), spiral(8)]);
    expect(got[0]).toBeCloseTo(0.7, 2);
    expect(got[1]).toBeCloseTo(0.7, 2);
    expect(got[2]).toBeCloseTo(0.2, 2);
  });

  it("samples 8gaussians around the 8 centres with equal weights, deterministically", () => {
    const x = sampleToyDataset("8gaussians", key, 4096);
    expect(x.shape).toEqual([4096, 2]);
    expect(x.dtype).toBe("float32");
    expect(vals(x)).toEqual(vals(sampleToyDataset("8gaussians", key, 4096)));
    const labels = vals(np.mul(toyEnergy("8gaussians", x), 7)).map(Math.round);
    const counts = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => labels.filter((l) => l === k).length);
    counts.forEach((c) => expect(Math.abs(c - 512)).toBeLessThan(110));
    // Mean squared distance to the nearest centre ≈ 2·(0.5/1.414)² = 0.25.
    const c = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => [4 * Math.cos(Math.PI / 2 + (k * Math.PI) / 4) / 1.414, 4 * Math.sin(Math.PI / 2 + (k * Math.PI) / 4) / 1.414]);
    const xs = x.toArray() as number[][];
    const msd = xs.reduce((s, [a, b]) => s + Math.min(...c.map(([u, v]) => (a! - u!) ** 2 + (b! - v!) ** 2)), 0) / xs.length;
    expect(msd).toBeGreaterThan(0.2);
    expect(msd).toBeLessThan(0.3);
  });

  it("samples the other shapes where they should lie", () => {
    const radii = (name: string): number[] => (sampleToyDataset(name, key, 800).toArray() as number[][]).map(([a, b]) => Math.hypot(a!, b!));
    const ringR = radii("rings");
    expect(ringR.every((r) => [3, 2.25, 1.5, 0.75].some((c) => Math.abs(r - c) < 0.45))).toBe(true);
    const circR = radii("circles");
    expect(circR.every((r) => Math.abs(r - 3) < 1.2 || Math.abs(r - 1.5) < 1.2)).toBe(true);
    expect(circR.filter((r) => r > 2.25).length).toBe(400);
    const roll = radii("swissroll");
    expect(Math.max(...roll)).toBeLessThan((4.5 * Math.PI) / 5 + 1.5);
    const moons = sampleToyTransitions("moons", key, 600);
    const pointwise = vals(toyEnergy("moons", moons.action));
    const agree = vals(moons.reward).filter((r, i) => r === pointwise[i]).length;
    expect(agree / 600).toBeGreaterThan(0.95);
    expect(vals(moons.reward).filter((r) => r === 1).length).toBe(300);
    const board = sampleToyTransitions("checkerboard", key, 1000);
    const ones = vals(board.reward).filter((r) => r === 1).length;
    expect(ones / 1000).toBeGreaterThan(0.4);
    expect(ones / 1000).toBeLessThan(0.6);
    const spirals = sampleToyTransitions("2spirals", key, 500);
    expect(spirals.action.shape).toEqual([500, 2]);
    expect(Math.min(...vals(spirals.reward))).toBeGreaterThan(0.05);
    expect(vals(spirals.terminal).every((t) => t === 1)).toBe(true);
    const uni = sampleToyTransitions("rings", key, 300, { prior: "uniform" });
    expect(vals(uni.action).every((v) => v >= -4 && v < 4)).toBe(true);
    expect(vals(uni.reward)).toEqual(vals(toyEnergy("rings", uni.action)));
  });

  it("bandit envs: obs zeros(1), reward = energy of the action, terminal after one step, no time limit", () => {
    const env = toyBandit("8gaussians");
    const { obs, state } = env.reset(key, env.defaultParams);
    expect(vals(obs)).toEqual([0]);
    const a = np.array([4 / 1.414, 0]);
    const out = env.step(key, state, a, env.defaultParams);
    expect(out.reward.item()).toBe(Math.fround(6 / 7));
    expect(out.terminated.item()).toBe(1);
    expect(out.truncated.item()).toBe(0);
    expect(makeEnv("Toy2d/8gaussians-v0").env).not.toHaveProperty("maxEpisodeSteps");
    expect(env.actionSpace(env.defaultParams).toString()).toBe("Box(-4, 4, [2], float32)");
  });
});
