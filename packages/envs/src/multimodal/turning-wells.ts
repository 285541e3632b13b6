// TurningDoubleWell and TurningMultiWell, ported from the DA-MDP repository (src/env_utils/turning_{double,multi}_well_env.py).
import { type Array, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env } from "../types.ts";
import { type Scalar, checkActionShape, checkParam, checkStaticBoolean, checkStaticNumber, toDtype, wrapAngle } from "../internal/util.ts";

const DEG = Math.PI / 180;

/** Parameters both turning envs share (the DA-MDP config's names in camelCase). */
interface TurningCommonParams {
  /** Forward move per step along the new heading (1). */
  stepSize: Scalar;
  /** Action ±1 maps to a turn of ±maxTurnDeg degrees (90). */
  maxTurnDeg: Scalar;
  /** Half-width of uniform turn noise in degrees (0). */
  transitionNoiseDeg: Scalar;
  /** When true (default) the executed turn snaps to the nearest preferred turn; the reward still uses the raw turn. */
  snapActionToOptimal: boolean;
  /** When true (default) the reset heading is drawn (from the snapped support when snapping, else U(−π, π)). */
  randomizeInitialHeading: boolean;
  /** Reset heading in degrees when `randomizeInitialHeading` is false (0). */
  initialHeadingDeg: Scalar;
}

/** Parameters of TurningDoubleWell-v0 (config `mjx_double_well.yaml`). */
export interface TurningDoubleWellParams extends TurningCommonParams {
  /** The two reward maxima sit at turns of ±wellAngleDeg (45); a JS number in (0, 90), since it fixes the reset support. */
  wellAngleDeg: number;
  /** Reward of a zero turn, the barrier between the wells, in [0, 1] (0.85). */
  wellHeight: Scalar;
}

/** Parameters of TurningMultiWell-v0. */
export interface TurningMultiWellParams extends TurningCommonParams {
  /** Number of preferred turns θᵢ = 90 − 90/n − (180/n)·i, a JS integer ≥ 2 (4). */
  numMinima: number;
  /** Barrier reward between neighbouring wells, in [0, 1] (0.3). */
  wellHeight: Scalar;
  /** Exponent of the polynomial tails towards ±90° (2). */
  tailPower: Scalar;
  /** Reset support also holds the preferred headings + 180° (true). */
  includeOppositeHeadings: boolean;
}

/** State of a turning env: 2-D position and heading (radians, wrapped to [−π, π)), float32. */
export interface TurningState {
  /** Position, starts at the origin. */
  pos: Array;
  /** Heading. */
  angle: Array;
}

/**
 * Double-well turn reward (radians in, float32 out): with v = (clip(wrap(Δ)°, ±90)/90)², v* = (w/90)²,
 * R = h + (1−h)·(1 − (1 − v/v*)²) for v ≤ v*, else 1 − ((v − v*)/(1 − v*))². R(0) = h, R(±w) = 1, R(±90°) = 0.
 */
export function doubleWellReward(delta: Array, wellAngleDeg: number, wellHeight: Scalar): Array {
  const h = toDtype(wellHeight, "float32");
  const deg = np.mul(wrapAngle(np.astype(delta, "float32")), 180 / Math.PI);
  const v = np.square(np.div(np.clip(deg, -90, 90), 90));
  const peak = np.array((wellAngleDeg / 90) ** 2, { dtype: "float32" });
  const left = np.clip(np.div(v, peak), 0, 1);
  const right = np.clip(np.div(np.sub(v, peak), np.sub(1, peak)), 0, 1);
  const leftR = np.add(h, np.mul(np.sub(1, h), np.sub(1, np.square(np.sub(1, left)))));
  const rightR = np.sub(1, np.square(right));
  return np.where(np.lessEqual(v, peak), leftR, rightR);
}

/** The preferred turns of the multi-well env in degrees, ascending: 90 − 90/n − (180/n)·i rounded to float32. */
export function multiWellMinimaDeg(numMinima: number): number[] {
  const out = globalThis.Array.from({ length: numMinima }, (_, i) => Math.fround(90 - 90 / numMinima - (180 / numMinima) * i));
  return out.sort((a, b) => a - b);
}

/**
 * Multi-well turn reward (radians in, float32 out): cosine wells between the outer minima,
 * h + (1−h)·½(1 + cos(2π(θ − θ₀)/(180/n))), and tails ((θ + 90)/(θ₀ + 90))^p, ((90 − θ)/(90 − θₙ₋₁))^p outside.
 */
export function multiWellReward(delta: Array, numMinima: number, wellHeight: Scalar, tailPower: Scalar): Array {
  const minima = multiWellMinimaDeg(numMinima);
  const lo = minima[0]!;
  const hi = minima[minima.length - 1]!;
  const h = toDtype(wellHeight, "float32");
  const deg = np.clip(np.mul(wrapAngle(np.astype(delta, "float32")), 180 / Math.PI), -90, 90);
  const spacing = np.array(180 / numMinima, { dtype: "float32" });
  const phase = np.div(np.sub(deg, lo), spacing);
  const wave = np.mul(0.5, np.add(1, np.cos(np.mul(2 * Math.PI, phase))));
  const interior = np.add(h, np.mul(np.sub(1, h), wave));
  const p = toDtype(tailPower, "float32");
  const leftTail = np.pow(np.clip(np.div(np.add(deg, 90), lo + 90), 0, 1), p);
  const rightTail = np.pow(np.clip(np.div(np.sub(90, deg), 90 - hi), 0, 1), p);
  const r = np.where(np.less(deg, lo), leftTail, np.where(np.greater(deg, hi), rightTail, interior));
  return np.clip(r, 0, 1);
}

/** Reset headings (degrees) of the double well when snapping: k·w mod 360 for every k until the cycle closes. */
function doubleWellSupportDeg(wellAngleDeg: number): number[] {
  // w as a fraction p/q (denominator ≤ 3600, like Python's Fraction.limit_denominator); the period is 360q / gcd(p, 360q).
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let best = { p: Math.round(wellAngleDeg), q: 1 };
  for (let q = 1; q <= 3600; q++) {
    const p = Math.round(wellAngleDeg * q);
    if (Math.abs(p / q - wellAngleDeg) < Math.abs(best.p / best.q - wellAngleDeg)) best = { p, q };
    if (Math.abs(p / q - wellAngleDeg) < 1e-12) break;
  }
  const period = (360 * best.q) / gcd(best.p, 360 * best.q);
  return globalThis.Array.from({ length: period }, (_, k) => Math.fround(k * (best.p / best.q)));
}

/** Reset headings (degrees) of the multi-well env: the minima, plus their +180° copies wrapped and deduplicated. */
function multiWellSupportDeg(numMinima: number, includeOpposite: boolean): number[] {
  const minima = multiWellMinimaDeg(numMinima);
  if (!includeOpposite) return minima;
  const wrapped = [...minima, ...minima.map((m) => m + 180)].map((d) => (((d + 180) % 360) + 360) % 360 - 180);
  const rounded = [...new Set(wrapped.map((d) => Math.round(d * 1e6) / 1e6))];
  return rounded.sort((a, b) => a - b).map(Math.fround);
}

/** Uniform turn noise in radians with half-width `halfWidthDeg` degrees; exactly 0 for the JS number 0 (as the source). */
function turnNoise(key: Array, halfWidthDeg: Scalar): Array {
  if (typeof halfWidthDeg === "number" && halfWidthDeg === 0) return np.zeros([]);
  const half = np.mul(np.abs(toDtype(halfWidthDeg, "float32")), DEG);
  return random.uniform(key, [], { minval: np.neg(half), maxval: half });
}

interface TurningSpec<P extends TurningCommonParams> {
  id: string;
  defaults: P;
  check(p: P): void;
  reward(delta: Array, p: P): Array;
  /** The executed turn (radians) when snapping, from the raw turn and the clipped action. */
  snap(raw: Array, u: Array, maxTurn: Array, p: P): Array;
  supportDeg(p: P): number[];
}

function turningEnv<P extends TurningCommonParams>(spec: TurningSpec<P>): Env<TurningState, P> {
  const { id } = spec;
  const observe = (angle: Array): Array => np.stack([np.cos(angle), np.sin(angle)]);
  return {
    id,
    traceable: true,
    defaultParams: spec.defaults,
    observationSpace: () => new Box(-1, 1, [2], "float32"),
    actionSpace: () => new Box(-1, 1, [1], "float32"),
    checkParams(p) {
      const fin = (v: number): boolean => Number.isFinite(v);
      checkParam(id, p as any, "stepSize", (v) => fin(v) && v > 0, "a finite number > 0");
      checkParam(id, p as any, "maxTurnDeg", (v) => fin(v) && v > 0, "a finite number > 0");
      checkParam(id, p as any, "transitionNoiseDeg", (v) => fin(v) && v >= 0, "a finite number >= 0");
      checkParam(id, p as any, "initialHeadingDeg", fin, "finite");
      checkStaticBoolean(id, p as any, "snapActionToOptimal");
      checkStaticBoolean(id, p as any, "randomizeInitialHeading");
      spec.check(p);
    },
    reset(key, p) {
      let angle: Array;
      if (!p.randomizeInitialHeading) angle = np.mul(toDtype(p.initialHeadingDeg, "float32"), DEG);
      else if (p.snapActionToOptimal) {
        const support = np.mul(np.array(spec.supportDeg(p), { dtype: "float32" }), DEG);
        const idx = random.randint(key, [], 0, support.shape[0]!);
        angle = wrapAngle(np.take(support, idx, 0));
      } else angle = random.uniform(key, [], { minval: -Math.PI, maxval: Math.PI });
      return { obs: observe(angle), state: { pos: np.zeros([2]), angle } };
    },
    step(key, s, action, p) {
      const u = np.clip(np.astype(np.reshape(checkActionShape(id, action, [1]), []), "float32"), -1, 1);
      const maxTurn = np.mul(toDtype(p.maxTurnDeg, "float32"), DEG);
      const noise = turnNoise(key, p.transitionNoiseDeg);
      const raw = np.add(np.mul(u, maxTurn), noise);
      const reward = spec.reward(raw, p);
      const turn = p.snapActionToOptimal ? np.add(spec.snap(raw, u, maxTurn, p), noise) : raw;
      const angle = wrapAngle(np.add(s.angle, turn));
      const obs = observe(angle);
      const pos = np.add(s.pos, np.mul(toDtype(p.stepSize, "float32"), obs));
      return { obs, state: { pos, angle }, reward, terminated: np.array(false), truncated: np.array(false), info: {} };
    },
  };
}

/**
 * TurningDoubleWell-v0 (DA-MDP multimodal benchmark): heading-only observation (cos θ, sin θ); action u ∈ [−1, 1]
 * is a relative turn u·maxTurnDeg; reward `doubleWellReward` of the raw turn, maxima at ±45°. With snapping the
 * executed turn is sign(u)·min(w, maxTurn) (sign(0) = +), so both modes are optimal everywhere. The walker then moves
 * stepSize along the new heading. Reset: p = 0, θ uniform over {k·45°}. Never terminates; registry horizon 100.
 */
export function turningDoubleWell(): Env<TurningState, TurningDoubleWellParams> {
  const id = "TurningDoubleWell-v0";
  return turningEnv<TurningDoubleWellParams>({
    id,
    defaults: {
      stepSize: 1,
      maxTurnDeg: 90,
      transitionNoiseDeg: 0,
      snapActionToOptimal: true,
      randomizeInitialHeading: true,
      initialHeadingDeg: 0,
      wellAngleDeg: 45,
      wellHeight: 0.85,
    },
    check(p) {
      checkStaticNumber(id, p as any, "wellAngleDeg", (v) => v > 0 && v < 90, "in (0, 90)");
      checkParam(id, p as any, "wellHeight", (v) => v >= 0 && v <= 1, "in [0, 1]");
      const n = doubleWellSupportDeg(p.wellAngleDeg).length;
      if (n > 8192) checkStaticNumber(id, p as any, "wellAngleDeg", () => false, `an angle with at most 8192 distinct multiples mod 360 (it has ${n})`);
    },
    reward: (delta, p) => doubleWellReward(delta, p.wellAngleDeg, p.wellHeight),
    snap(_raw, u, maxTurn, p) {
      const sign = np.where(np.greaterEqual(u, 0), 1, -1);
      const well = np.array(p.wellAngleDeg * DEG, { dtype: "float32" });
      const ratio = np.minimum(np.mul(well, np.where(np.greater(maxTurn, 0), np.div(1, maxTurn), 0)), 1);
      return np.mul(np.clip(np.mul(sign, ratio), -1, 1), maxTurn);
    },
    supportDeg: (p) => doubleWellSupportDeg(p.wellAngleDeg),
  });
}

/**
 * TurningMultiWell-v0: the turning walker with `numMinima` preferred turns (default 4: ±22.5°, ±67.5°), barrier
 * 0.3 and quadratic tails (`multiWellReward`). With snapping the executed turn is the preferred turn (clipped to
 * ±maxTurn) nearest the raw turn, first on ties. Reset heading uniform over the minima and their +180° copies.
 */
export function turningMultiWell(): Env<TurningState, TurningMultiWellParams> {
  const id = "TurningMultiWell-v0";
  return turningEnv<TurningMultiWellParams>({
    id,
    defaults: {
      stepSize: 1,
      maxTurnDeg: 90,
      transitionNoiseDeg: 0,
      snapActionToOptimal: true,
      randomizeInitialHeading: true,
      initialHeadingDeg: 0,
      numMinima: 4,
      wellHeight: 0.3,
      tailPower: 2,
      includeOppositeHeadings: true,
    },
    check(p) {
      checkStaticNumber(id, p as any, "numMinima", (v) => Number.isInteger(v) && v >= 2, "an integer >= 2");
      checkParam(id, p as any, "wellHeight", (v) => v >= 0 && v <= 1, "in [0, 1]");
      checkParam(id, p as any, "tailPower", (v) => Number.isFinite(v) && v > 0, "a finite number > 0");
      checkStaticBoolean(id, p as any, "includeOppositeHeadings");
    },
    reward: (delta, p) => multiWellReward(delta, p.numMinima, p.wellHeight, p.tailPower),
    snap(raw, _u, maxTurn, p) {
      const preferred = np.clip(np.mul(np.array(multiWellMinimaDeg(p.numMinima), { dtype: "float32" }), DEG), np.neg(maxTurn), maxTurn);
      const idx = np.argmin(np.abs(np.sub(np.expandDims(raw, -1), preferred)), -1);
      return np.take(preferred, idx, 0);
    },
    supportDeg: (p) => multiWellSupportDeg(p.numMinima, p.includeOppositeHeadings),
  });
}
