// Pendulum-v1, ported from Gymnasium 1.x (gymnasium/envs/classic_control/pendulum.py): torque-limited swing-up.
import { type Array, type DType, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env } from "../types.ts";
import { type Scalar, checkActionShape, checkParam, toDtype, wrapAngle } from "../internal/util.ts";

/** Parameters of Pendulum-v1 (Gymnasium's constants; `xInit`/`yInit` are its reset options `x_init`/`y_init`). */
export interface PendulumParams {
  /** Largest |θ̇| in rad/s (8). */
  maxSpeed: Scalar;
  /** Largest |torque| (2). */
  maxTorque: Scalar;
  /** Integration step in seconds (0.05). */
  dt: Scalar;
  /** Gravity (10). */
  g: Scalar;
  /** Mass (1). */
  m: Scalar;
  /** Length (1). */
  l: Scalar;
  /** Reset draws θ ~ U(−xInit, xInit) (π). */
  xInit: Scalar;
  /** Reset draws θ̇ ~ U(−yInit, yInit) (1). */
  yInit: Scalar;
}

/** State of Pendulum-v1: angle θ (0 = upright) and angular velocity θ̇, in the state dtype. */
export interface PendulumState {
  /** Angle, not wrapped (Gymnasium keeps it unwrapped too). */
  theta: Array;
  /** Angular velocity. */
  thetaDot: Array;
}

/** Construction options of the classic-control envs. */
export interface ClassicOptions {
  /** Dtype of the physical state: float64 (default, as Gymnasium's NumPy state) or float32 (as gymnax). */
  stateDtype?: "float32" | "float64";
}

/**
 * Pendulum-v1 exactly as Gymnasium: u = clip(a, ±maxTorque);
 * cost = angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²; θ̇' = clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·u)·dt, ±maxSpeed);
 * θ' = θ + θ̇'·dt; reward = −cost; obs = [cos θ', sin θ', θ̇'] (float32); never terminates (the registry's
 * time limit truncates at 200 steps). Reset: θ ~ U(±π), θ̇ ~ U(±1). Reward is returned as float32.
 */
export function pendulum(opts: ClassicOptions = {}): Env<PendulumState, PendulumParams> {
  const id = "Pendulum-v1";
  const dtype: DType = opts.stateDtype ?? "float64";
  const observe = (s: PendulumState): Array => np.astype(np.stack([np.cos(s.theta), np.sin(s.theta), s.thetaDot]), "float32");
  return {
    id,
    traceable: true,
    defaultParams: { maxSpeed: 8, maxTorque: 2, dt: 0.05, g: 10, m: 1, l: 1, xInit: Math.PI, yInit: 1 },
    observationSpace: (p) => new Box(np.stack([-1, -1, np.neg(p.maxSpeed)]), np.stack([1, 1, p.maxSpeed]), [3], "float32"),
    actionSpace: (p) => new Box(np.neg(p.maxTorque), p.maxTorque, [1], "float32"),
    checkParams(p) {
      const pos = (v: number): boolean => v > 0 && Number.isFinite(v);
      const nonNeg = (v: number): boolean => v >= 0 && Number.isFinite(v);
      for (const k of ["maxSpeed", "maxTorque", "dt", "m", "l"] as const) checkParam(id, p as any, k, pos, "a finite number > 0");
      checkParam(id, p as any, "g", Number.isFinite, "finite");
      for (const k of ["xInit", "yInit"] as const) checkParam(id, p as any, k, nonNeg, "a finite number >= 0");
    },
    reset(key, p) {
      const high = np.stack([toDtype(p.xInit, dtype), toDtype(p.yInit, dtype)]);
      const s = random.uniform(key, [2], { dtype, minval: np.neg(high), maxval: high });
      const state = { theta: np.reshape(np.slice(s, [0, 1]), []), thetaDot: np.reshape(np.slice(s, [1, 2]), []) };
      return { obs: observe(state), state };
    },
    step(_key, s, action, p) {
      const a = checkActionShape(id, action, [1]);
      const [maxTorque, maxSpeed, dt, g, m, l] = [p.maxTorque, p.maxSpeed, p.dt, p.g, p.m, p.l].map((v) => toDtype(v, dtype)) as Array[];
      const u = np.clip(np.astype(np.reshape(a, []), dtype), np.neg(maxTorque!), maxTorque!);
      const th = s.theta;
      const thdot = s.thetaDot;
      const costs = np.add(np.add(np.square(wrapAngle(th)), np.mul(0.1, np.square(thdot))), np.mul(0.001, np.square(u)));
      const accel = np.add(np.mul(np.div(np.mul(3, g!), np.mul(2, l!)), np.sin(th)), np.mul(np.div(3, np.mul(m!, np.square(l!))), u));
      const newThdot = np.clip(np.add(thdot, np.mul(accel, dt!)), np.neg(maxSpeed!), maxSpeed!);
      const newTh = np.add(th, np.mul(newThdot, dt!));
      const state = { theta: newTh, thetaDot: newThdot };
      return {
        obs: observe(state),
        state,
        reward: np.astype(np.neg(costs), "float32"),
        terminated: np.array(false),
        truncated: np.array(false),
        info: {},
      };
    },
  };
}
