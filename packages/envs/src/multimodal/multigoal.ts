// The 2-D multi-goal point mass of soft Q-learning (Haarnoja et al. 2017; softqlearning/environments/multigoal.py).
import { type Array, DriftError, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env } from "../types.ts";
import { type Scalar, checkActionShape, checkParam, toDtype } from "../internal/util.ts";

/** Parameters of MultiGoal-v0 (the paper's values; keep the weights as parameters, as multimodal-policy papers vary them). */
export interface MultiGoalParams {
  /** Bonus when the point is within `goalThreshold` of a goal (10). */
  goalReward: Scalar;
  /** Weight of ‖a‖² (30). */
  actuationCostCoeff: Scalar;
  /** Weight of the squared distance to the nearest goal (1). */
  distanceCostCoeff: Scalar;
  /** Reset draws s ~ N(0, initSigma²·I) (0.1). */
  initSigma: Scalar;
  /** Goal radius (1). */
  goalThreshold: Scalar;
  /** Std of Gaussian noise added to the point dynamics (0). */
  dynamicsNoise: Scalar;
  /** Positions are clipped to [−positionBound, positionBound]² (7). */
  positionBound: Scalar;
  /** Actions (velocities) are clipped to [−velocityBound, velocityBound]² (1). */
  velocityBound: Scalar;
  /** Goal positions [k, 2] (float32; default (5, 0), (−5, 0), (0, 5), (0, −5)). */
  goals: Array;
}

/** State of MultiGoal-v0: the point's position (float32 [2]). */
export interface MultiGoalState {
  /** Position. */
  pos: Array;
}

/**
 * MultiGoal-v0: a = clip(action, ±velocityBound); s' = clip(s + a + σ·ε, ±positionBound);
 * reward = −(30·‖a‖² + 1·min_g ‖s' − g‖²) + 10·[min_g ‖s' − g‖ < 1]; terminated when a goal is reached.
 * Reset: s = clip(N(0, 0.1²·I), ±7). Observation = position (float32); info.pos = position (as rllab's env_infos).
 * Registry horizon 30 (the paper's max path length).
 */
export function multiGoal(): Env<MultiGoalState, MultiGoalParams> {
  const id = "MultiGoal-v0";
  const f = (v: Scalar): Array => toDtype(v, "float32");
  return {
    id,
    traceable: true,
    defaultParams: {
      goalReward: 10,
      actuationCostCoeff: 30,
      distanceCostCoeff: 1,
      initSigma: 0.1,
      goalThreshold: 1,
      dynamicsNoise: 0,
      positionBound: 7,
      velocityBound: 1,
      goals: np.array([[5, 0], [-5, 0], [0, 5], [0, -5]], { dtype: "float32" }),
    },
    observationSpace: (p) => new Box(np.neg(p.positionBound), p.positionBound, [2], "float32"),
    actionSpace: (p) => new Box(np.neg(p.velocityBound), p.velocityBound, [2], "float32"),
    checkParams(p) {
      const fin = Number.isFinite;
      checkParam(id, p as any, "goalReward", fin, "finite");
      for (const k of ["actuationCostCoeff", "distanceCostCoeff", "initSigma", "dynamicsNoise"] as const)
        checkParam(id, p as any, k, (v) => fin(v) && v >= 0, "a finite number >= 0");
      for (const k of ["goalThreshold", "positionBound", "velocityBound"] as const)
        checkParam(id, p as any, k, (v) => fin(v) && v > 0, "a finite number > 0");
      const g = p.goals as unknown;
      if (!(g instanceof np.Array) || g.ndim !== 2 || g.shape[1] !== 2 || g.shape[0]! < 1)
        throw new DriftError(id, `params.goals must be an array of shape [k, 2] with k >= 1; got ${g instanceof np.Array ? `shape [${g.shape.join(",")}]` : typeof g}`);
      checkParam(id, p as any, "goals", fin, "finite");
    },
    reset(key, p) {
      const bound = f(p.positionBound);
      const pos = np.clip(np.mul(random.normal(key, [2]), f(p.initSigma)), np.neg(bound), bound);
      return { obs: pos, state: { pos } };
    },
    step(key, s, action, p) {
      const vb = f(p.velocityBound);
      const pb = f(p.positionBound);
      const a = np.clip(np.astype(checkActionShape(id, action, [2]), "float32"), np.neg(vb), vb);
      const noise = np.mul(random.normal(key, [2]), f(p.dynamicsNoise));
      const pos = np.clip(np.add(np.add(s.pos, a), noise), np.neg(pb), pb);
      const sq = np.sum(np.square(np.sub(np.expandDims(pos, 0), np.astype(p.goals, "float32"))), -1);
      const minSq = np.min(sq);
      const done = np.less(np.sqrt(minSq), f(p.goalThreshold));
      const cost = np.add(np.mul(np.sum(np.square(a)), f(p.actuationCostCoeff)), np.mul(f(p.distanceCostCoeff), minSq));
      const reward = np.add(np.neg(cost), np.where(done, f(p.goalReward), 0));
      return { obs: pos, state: { pos }, reward: np.astype(reward, "float32"), terminated: done, truncated: np.array(false), info: { pos } };
    },
  };
}
