// The 2-D toy bandits of FlowRL (flowrl/dataset/toy2d.py): energies, shape samplers and one-step bandit envs.
import { type Array, DriftError, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env } from "../types.ts";
import { type Scalar, checkActionShape, checkParam, closeMatches, floorMod, splitKeys } from "../internal/util.ts";

/** Names of the toy 2-D tasks. `8gaussiansmix` has an energy but no data sampler (FlowRL uses it with a uniform prior only). */
export const TOY_2D_TASKS = ["8gaussians", "swissroll", "rings", "checkerboard", "moons", "2spirals", "circles", "8gaussiansmix"] as const;

/** One of `TOY_2D_TASKS`. */
export type Toy2dTask = (typeof TOY_2D_TASKS)[number];

function checkTask(op: string, name: string): Toy2dTask {
  if ((TOY_2D_TASKS as readonly string[]).includes(name)) return name as Toy2dTask;
  const near = closeMatches(name, TOY_2D_TASKS);
  throw new DriftError(op, `unknown toy task "${name}"${near.length ? ` (did you mean "${near[0]}"?)` : ""}; valid tasks: ${TOY_2D_TASKS.join(", ")}`);
}

const R2 = Math.SQRT1_2;
/** The unit directions of the 8 Gaussians in FlowRL's order. */
const EIGHT_DIRS: [number, number][] = [[0, 1], [-R2, R2], [-1, 0], [-R2, -R2], [0, -1], [R2, -R2], [1, 0], [R2, R2]];

/** Column `i` of a [..., 2] array. */
function col(x: Array, i: number): Array {
  return np.squeeze(np.slice(x, ...new globalThis.Array(x.ndim - 1).fill(null), [i, i + 1]), -1);
}

/** Squared distances from points [..., 2] to centres [m, 2]: [..., m]. */
function sqDists(x: Array, centres: Array): Array {
  return np.sum(np.square(np.sub(np.expandDims(x, -2), centres)), -1);
}

/** Noise-free moon arcs (after FlowRL's ×2 + (−1, −0.2)): rows 0..K−1 are the outer moon (label 0), K..2K−1 the inner (label 1). */
function moonCurves(k: number): Array {
  const t = globalThis.Array.from({ length: k }, (_, i) => (Math.PI * i) / (k - 1));
  const outer = t.map((s) => [Math.cos(s) * 2 - 1, Math.sin(s) * 2 - 0.2]);
  const inner = t.map((s) => [(1 - Math.cos(s)) * 2 - 1, (1 - Math.sin(s) - 0.5) * 2 - 0.2]);
  return np.array([...outer, ...inner], { dtype: "float32" });
}

const SPIRAL_MAX = (540 * 2 * Math.PI) / 360;

/** Noise-free spiral arms at parameters n ∈ [0, 3π] with the uniform jitter at its mean 0.25: rows [arm; mirrored arm]. */
function spiralCurves(k: number): { points: Array; n: number[] } {
  const n = globalThis.Array.from({ length: k }, (_, i) => (SPIRAL_MAX * i) / (k - 1));
  const arm = n.map((s) => [(-Math.cos(s) * s + 0.25) / 3, (Math.sin(s) * s + 0.25) / 3]);
  return { points: np.array([...arm, ...arm.map(([a, b]) => [-a!, -b!])], { dtype: "float32" }), n: [...n, ...n] };
}

const MOONS = 256;
const SPIRAL = 1024;

/**
 * The energy (bandit reward) of 2-D points `x` of shape [..., 2], as FlowRL's `_compute_energy` (float32 out, shape [...]):
 * - swissroll ‖x‖²/9; circles 1[‖x‖² < 4]; rings by r² = ‖x‖²: 0 (r² < 2), 1 (< 5), 0.333 (< 8.5), 0.667 (else);
 * - 8gaussians (index of the nearest centre 4·dᵢ/1.414)/7; checkerboard 1[(0 < x₁ ≤ 2) ∨ x₁ ≤ −2];
 * - 8gaussiansmix Σᵢ wᵢ·N(x; 3dᵢ, 1.5²I) with w = (8, 7, …, 1).
 * FlowRL defines moons and 2spirals energies only through the sampler's latent labels (moon label; clip(1 − n/10, 0, 1)
 * of the spiral parameter n). As a function of the point this port uses the label / parameter of the nearest
 * noise-free curve point (256 points per moon arc, 1024 per spiral arm) — a Drift extension, documented as such.
 */
export function toyEnergy(name: string, x: Array): Array {
  return np.astype(energyOf(checkTask("toyEnergy", name), x), "float32");
}

function energyOf(task: Toy2dTask, x: Array): Array {
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== 2) throw new DriftError("toyEnergy", `x must have shape [..., 2]; got [${x.shape.join(",")}]`);
  const p = np.astype(x, "float32");
  const r2 = np.sum(np.square(p), -1);
  switch (task) {
    case "swissroll":
      return np.div(r2, 9);
    case "circles":
      return np.astype(np.less(r2, 4), "float32");
    case "rings":
      return np.where(np.less(r2, 2), 0, np.where(np.less(r2, 5), 1, np.where(np.less(r2, 8.5), 0.333, 0.667)));
    case "8gaussians": {
      const centres = np.array(EIGHT_DIRS.map(([a, b]) => [(4 * a) / 1.414, (4 * b) / 1.414]), { dtype: "float32" });
      return np.div(np.astype(np.argmin(sqDists(p, centres), -1), "float32"), 7);
    }
    case "checkerboard": {
      const x1 = col(p, 0);
      return np.astype(np.logicalOr(np.logicalAnd(np.greater(x1, 0), np.lessEqual(x1, 2)), np.lessEqual(x1, -2)), "float32");
    }
    case "8gaussiansmix": {
      const centres = np.array(EIGHT_DIRS.map(([a, b]) => [3 * a, 3 * b]), { dtype: "float32" });
      const w = np.array([8, 7, 6, 5, 4, 3, 2, 1], { dtype: "float32" });
      const s2 = 1.5 ** 2;
      const pdf = np.mul(np.exp(np.div(sqDists(p, centres), -2 * s2)), 1 / (2 * Math.PI * s2));
      return np.sum(np.mul(pdf, w), -1);
    }
    case "moons": {
      const idx = np.argmin(sqDists(p, moonCurves(MOONS)), -1);
      return np.astype(np.greaterEqual(idx, MOONS), "float32");
    }
    case "2spirals": {
      const { points, n } = spiralCurves(SPIRAL);
      const energy = np.array(n.map((v) => Math.min(1, Math.max(0, 1 - v / 10))), { dtype: "float32" });
      return np.take(energy, np.argmin(sqDists(p, points), -1), 0);
    }
  }
}

/** `[n, 2]` points on a circle of `radius` at angles linspace(0, 2π, n, endpoint=false). */
function ring(n: number, radius: number): number[][] {
  return globalThis.Array.from({ length: n }, (_, i) => {
    const t = (2 * Math.PI * i) / n;
    return [Math.cos(t) * radius, Math.sin(t) * radius];
  });
}

/** `[n, 2]` points f(t) at t = linspace(0, π, n) (endpoint included, as sklearn's moons). */
function arc(n: number, f: (t: number) => number[]): number[][] {
  return globalThis.Array.from({ length: n }, (_, i) => f(n === 1 ? 0 : (Math.PI * i) / (n - 1)));
}

function shuffled(key: Array, pts: number[][]): Array {
  return np.take(np.array(pts, { dtype: "float32" }), random.permutation(key, pts.length), 0);
}

/** Draws the points of a dataset shape with FlowRL's data prior; also returns the energy FlowRL stores for them. */
function drawToy(op: string, name: string, key: Array, n: number): { x: Array; energy: Array } {
  const task = checkTask(op, name);
  if (!Number.isInteger(n) || n < 1) throw new DriftError(op, `n must be a positive integer; got ${n}`);
  const [k1, k2, k3] = splitKeys(key, 3) as [Array, Array, Array];
  switch (task) {
    case "8gaussians": {
      const idx = random.randint(k1, [n], 0, 8);
      const centres = np.array(EIGHT_DIRS.map(([a, b]) => [4 * a, 4 * b]), { dtype: "float32" });
      const x = np.div(np.add(np.take(centres, idx, 0), np.mul(random.normal(k2, [n, 2]), 0.5)), 1.414);
      return { x, energy: toyEnergy(task, x) };
    }
    case "swissroll": {
      // sklearn make_swiss_roll(noise=1.0), coordinates (x, z) = (t cos t, t sin t) + N(0, 1), then / 5.
      const t = np.mul(1.5 * Math.PI, np.add(1, np.mul(2, random.uniform(k1, [n]))));
      const x = np.div(np.add(np.stack([np.mul(t, np.cos(t)), np.mul(t, np.sin(t))], -1), random.normal(k2, [n, 2])), 5);
      return { x, energy: toyEnergy(task, x) };
    }
    case "circles": {
      // sklearn make_circles(factor=0.5, noise=0.08): n//2 outer points, the rest inner, shuffled; then × 3.
      const nOut = Math.floor(n / 2);
      const base = shuffled(k1, [...ring(nOut, 1), ...ring(n - nOut, 0.5)]);
      const x = np.mul(np.add(base, np.mul(random.normal(k2, [n, 2]), 0.08)), 3);
      return { x, energy: toyEnergy(task, x) };
    }
    case "rings": {
      // Four circles (radii 1, .75, .5, .25) × 3, shuffled; FlowRL's energy uses the points before the N(0, 0.08²) noise.
      const q = Math.floor(n / 4);
      const clean = np.mul(shuffled(k1, [...ring(q, 1), ...ring(q, 0.75), ...ring(q, 0.5), ...ring(n - 3 * q, 0.25)]), 3);
      return { x: np.add(clean, np.mul(random.normal(k2, [n, 2]), 0.08)), energy: toyEnergy(task, clean) };
    }
    case "moons": {
      // sklearn make_moons(noise=0.1): n//2 outer-moon points (label 0), the rest inner (label 1); then × 2 + (−1, −0.2).
      const nOut = Math.floor(n / 2);
      const pts = [...arc(nOut, (t) => [Math.cos(t), Math.sin(t)]), ...arc(n - nOut, (t) => [1 - Math.cos(t), 1 - Math.sin(t) - 0.5])];
      const labels = [...new globalThis.Array(nOut).fill(0), ...new globalThis.Array(n - nOut).fill(1)];
      const perm = random.permutation(k1, n);
      const base = np.take(np.array(pts, { dtype: "float32" }), perm, 0);
      const x = np.add(np.mul(np.add(base, np.mul(random.normal(k2, [n, 2]), 0.1)), 2), np.array([-1, -0.2], { dtype: "float32" }));
      return { x, energy: np.take(np.array(labels, { dtype: "float32" }), perm, 0) };
    }
    case "2spirals": {
      // n' = √U · 3π; arm = (−cos n'·n' + U/2, sin n'·n' + U/2); the arm and its mirror, / 3, + N(0, 0.1²).
      const m = Math.ceil(n / 2);
      const s = np.mul(np.sqrt(random.uniform(k1, [m])), SPIRAL_MAX);
      const jitter = np.mul(random.uniform(k2, [m, 2]), 0.5);
      const arm = np.add(np.stack([np.mul(np.neg(np.cos(s)), s), np.mul(np.sin(s), s)], -1), jitter);
      const both = np.slice(np.concatenate([arm, np.neg(arm)], 0), [0, n]);
      const x = np.add(np.div(both, 3), np.mul(random.normal(k3, [n, 2]), 0.1));
      const e = np.clip(np.sub(1, np.div(s, 10)), 0, 1);
      return { x, energy: np.slice(np.concatenate([e, e], 0), [0, n]) };
    }
    case "checkerboard": {
      const x1 = np.sub(np.mul(random.uniform(k1, [n]), 4), 2);
      const x2 = np.add(np.sub(random.uniform(k2, [n]), np.mul(random.randint(k3, [n], 0, 2), 2)), floorMod(np.floor(x1), 2));
      const x = np.mul(np.stack([x1, x2], -1), 2);
      return { x, energy: toyEnergy(task, x) };
    }
    case "8gaussiansmix":
      throw new DriftError(op, `"8gaussiansmix" has no data sampler (FlowRL uses it with a uniform prior only); use prior "uniform" or another task`);
  }
}

/**
 * `n` points (float32 [n, 2]) drawn from the shape of toy task `name`, as FlowRL's `inf_train_gen(prior="data")`
 * with sklearn's generators (swiss roll, circles, moons) written out. Pure: the same key gives the same points.
 *
 * @example
 * const x = sampleToyDataset("8gaussians", random.key(0), 512); // [512, 2]
 */
export function sampleToyDataset(name: string, key: Array, n: number): Array {
  return np.astype(drawToy("sampleToyDataset", name, key, n).x, "float32");
}

/** One-step offline transitions, as FlowRL's `Toy2dDataset`: obs/nextObs zeros [n, 1], action [n, 2], reward [n, 1], terminal ones [n, 1]. */
export interface ToyTransitions {
  /** Zeros [n, 1]. */
  obs: Array;
  /** Points [n, 2]. */
  action: Array;
  /** Energies [n, 1]. */
  reward: Array;
  /** Ones [n, 1] (every transition ends the episode). */
  terminal: Array;
  /** Zeros [n, 1]. */
  nextObs: Array;
}

/**
 * An offline dataset of the toy bandit. prior "data" (default): actions from the shape, rewards as FlowRL stores them
 * (moon labels, spiral clip(1 − n/10), rings' energy of the noise-free point, else `toyEnergy`); prior "uniform":
 * actions ~ U([−4, 4]²) with `toyEnergy` rewards (FlowRL allows swissroll, circles, rings, 8gaussians, checkerboard, 8gaussiansmix).
 */
export function sampleToyTransitions(name: string, key: Array, n: number, opts: { prior?: "data" | "uniform" } = {}): ToyTransitions {
  const op = "sampleToyTransitions";
  const prior = opts.prior ?? "data";
  let x: Array;
  let energy: Array;
  if (prior === "uniform") {
    const task = checkTask(op, name);
    if (task === "moons" || task === "2spirals")
      throw new DriftError(op, `prior "uniform" is not defined for "${task}" in FlowRL; use prior "data"`);
    if (!Number.isInteger(n) || n < 1) throw new DriftError(op, `n must be a positive integer; got ${n}`);
    x = random.uniform(key, [n, 2], { minval: -4, maxval: 4 });
    energy = toyEnergy(task, x);
  } else if (prior === "data") ({ x, energy } = drawToy(op, name, key, n));
  else throw new DriftError(op, `prior must be "data" or "uniform"; got ${String(prior)}`);
  const zeros = np.zeros([n, 1]);
  return { obs: zeros, action: np.astype(x, "float32"), reward: np.reshape(np.astype(energy, "float32"), [n, 1]), terminal: np.ones([n, 1]), nextObs: zeros };
}

/** Parameters of a toy bandit. */
export interface ToyBanditParams {
  /** Actions live in [−actionBound, actionBound]² (4, FlowRL's x ∈ [−4, 4]). */
  actionBound: Scalar;
}

/**
 * The one-step bandit of toy task `name` (FlowRL's toy 2-D benchmark): obs = zeros(1), action = a 2-D point,
 * reward = `toyEnergy(name, action)` of the unclipped action, terminated after the single step. State is empty.
 */
export function toyBandit(name: string): Env<Record<string, never>, ToyBanditParams> {
  const task = checkTask("toyBandit", name);
  const id = `Toy2d/${task}-v0`;
  const obs = (): Array => np.zeros([1]);
  return {
    id,
    traceable: true,
    defaultParams: { actionBound: 4 },
    observationSpace: () => new Box(0, 0, [1], "float32"),
    actionSpace: (p) => new Box(np.neg(p.actionBound), p.actionBound, [2], "float32"),
    checkParams: (p) => checkParam(id, p as any, "actionBound", (v) => Number.isFinite(v) && v > 0, "a finite number > 0"),
    reset: () => ({ obs: obs(), state: {} }),
    step(_key, state, action) {
      const a = checkActionShape(id, action, [2]);
      return { obs: obs(), state, reward: toyEnergy(task, a), terminated: np.array(true), truncated: np.array(false), info: {} };
    },
  };
}
