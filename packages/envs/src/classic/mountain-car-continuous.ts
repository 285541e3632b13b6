// MountainCarContinuous-v0, ported from Gymnasium 1.x (gymnasium/envs/classic_control/continuous_mountain_car.py).
import { type Array, type DType, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env } from "../types.ts";
import { type Scalar, checkActionShape, checkParam, toDtype } from "../internal/util.ts";
import type { ClassicOptions } from "./pendulum.ts";

/** Parameters of MountainCarContinuous-v0 (Gymnasium's constants; `resetLow`/`resetHigh` are its reset options `low`/`high`). */
export interface MountainCarContinuousParams {
  /** Force clip range, low (−1). */
  minAction: Scalar;
  /** Force clip range, high (1). */
  maxAction: Scalar;
  /** Left wall (−1.2). */
  minPosition: Scalar;
  /** Right bound (0.6). */
  maxPosition: Scalar;
  /** Largest |velocity| (0.07). */
  maxSpeed: Scalar;
  /** Goal position (0.45). */
  goalPosition: Scalar;
  /** Smallest velocity that counts at the goal (0). */
  goalVelocity: Scalar;
  /** Force multiplier (0.0015). */
  power: Scalar;
  /** Reset draws the position from U(resetLow, resetHigh) (−0.6). */
  resetLow: Scalar;
  /** (−0.4). */
  resetHigh: Scalar;
}

/** State of MountainCarContinuous-v0: position and velocity, in the state dtype. */
export interface MountainCarContinuousState {
  /** Car position. */
  position: Array;
  /** Car velocity. */
  velocity: Array;
}

/**
 * MountainCarContinuous-v0 as Gymnasium: force = clip(a, minAction, maxAction);
 * v ← clip(v + force·power − 0.0025·cos(3x), ±maxSpeed); x ← clip(x + v, minPosition, maxPosition); v ← 0 if x
 * is at the left wall with v < 0; terminated = x ≥ goalPosition ∧ v ≥ goalVelocity;
 * reward = 100·terminated − 0.1·a² with the *unclipped* action (as Gymnasium). Reset: x ~ U(−0.6, −0.4), v = 0.
 * Gymnasium stores the state as float32 after every step (its reset state is float64); this port does the
 * same rounding, computing each step in the state dtype. Time limit 999 steps (registry).
 */
export function mountainCarContinuous(opts: ClassicOptions = {}): Env<MountainCarContinuousState, MountainCarContinuousParams> {
  const id = "MountainCarContinuous-v0";
  const dtype: DType = opts.stateDtype ?? "float64";
  const observe = (s: MountainCarContinuousState): Array => np.astype(np.stack([s.position, s.velocity]), "float32");
  const f32Round = (x: Array): Array => np.astype(np.astype(x, "float32"), dtype);
  return {
    id,
    traceable: true,
    defaultParams: {
      minAction: -1,
      maxAction: 1,
      minPosition: -1.2,
      maxPosition: 0.6,
      maxSpeed: 0.07,
      goalPosition: 0.45,
      goalVelocity: 0,
      power: 0.0015,
      resetLow: -0.6,
      resetHigh: -0.4,
    },
    observationSpace: (p) =>
      new Box(np.stack([p.minPosition, np.neg(p.maxSpeed)]), np.stack([p.maxPosition, p.maxSpeed]), [2], "float32"),
    actionSpace: (p) => new Box(p.minAction, p.maxAction, [1], "float32"),
    checkParams(p) {
      const fin = Number.isFinite;
      for (const k of Object.keys(p)) checkParam(id, p as any, k, fin, "finite");
      checkParam(id, p as any, "maxSpeed", (v) => v > 0, "> 0");
      const pair = (lo: keyof MountainCarContinuousParams, hi: keyof MountainCarContinuousParams, strict: boolean): void => {
        const a = p[lo];
        const b = p[hi];
        if (typeof a === "number" && typeof b === "number" && (strict ? !(a < b) : !(a <= b)))
          checkParam(id, p as any, lo, () => false, `${strict ? "<" : "<="} params.${hi} (${b})`);
      };
      pair("minAction", "maxAction", true);
      pair("minPosition", "maxPosition", true);
      pair("resetLow", "resetHigh", false);
    },
    reset(key, p) {
      const position = random.uniform(key, [], { dtype, minval: toDtype(p.resetLow, dtype), maxval: toDtype(p.resetHigh, dtype) });
      const state = { position, velocity: np.zeros([], { dtype }) };
      return { obs: observe(state), state };
    },
    step(_key, s, action, p) {
      const a = np.astype(np.reshape(checkActionShape(id, action, [1]), []), dtype);
      const [minA, maxA, minP, maxP, maxV, goalP, goalV, power] = [
        p.minAction, p.maxAction, p.minPosition, p.maxPosition, p.maxSpeed, p.goalPosition, p.goalVelocity, p.power,
      ].map((v) => toDtype(v, dtype)) as Array[];
      const force = np.minimum(np.maximum(a, minA!), maxA!);
      let velocity = np.add(s.velocity, np.sub(np.mul(force, power!), np.mul(0.0025, np.cos(np.mul(3, s.position)))));
      velocity = np.clip(velocity, np.neg(maxV!), maxV!);
      let position = np.clip(np.add(s.position, velocity), minP!, maxP!);
      velocity = np.where(np.logicalAnd(np.equal(position, minP!), np.less(velocity, 0)), 0, velocity);
      const terminated = np.logicalAnd(np.greaterEqual(position, goalP!), np.greaterEqual(velocity, goalV!));
      const reward = np.sub(np.where(terminated, 100, 0), np.mul(np.square(a), 0.1));
      const state = { position: f32Round(position), velocity: f32Round(velocity) };
      return { obs: observe(state), state, reward: np.astype(reward, "float32"), terminated, truncated: np.array(false), info: {} };
    },
  };
}
