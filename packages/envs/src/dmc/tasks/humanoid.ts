// DMC humanoid stand/walk/run, after dm_control's suite/humanoid.py.
import { numpyMean, tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, randomizeLimitedAndRotationalJoints, untilNoContacts, xmatAt } from "../suite.ts";
import { humanoidModel } from "../models/humanoid.ts";

const STAND_HEIGHT = 1.4;

/** Resolved indices: torso and head bodies, the extremity bodies (left hand, left foot, right hand, right foot), the subtree velocity. */
interface HumanoidIndices {
  torso: number;
  head: number;
  extremities: number[];
  comVelocity: number;
}

/**
 * dm_control `humanoid.Humanoid` (features, not pure state): joints from `randomize_limited_and_rotational_joints`
 * (torso orientation = normalised U[0, 1)⁴ quaternion at 1.5 m), redrawn until contact-free. Observation (67) =
 * joint_angles qpos[7:] (21) + head_height (1) + extremities (hands and feet relative to the torso, in the torso frame,
 * left then right, hand then foot: 12) + torso_vertical [zx, zy, zz] (3) + com_velocity (3) + velocity qvel (27).
 * Reward = small_control·standing·upright·move, with standing = tol(head z, [1.4, ∞), margin 0.35), upright =
 * tol(torso zz, [0.9, ∞), linear, margin 1.9, 0), small_control = (4 + mean tol(u, margin 1, quadratic, 0))/5 and
 * move = mean tol(v_xy, margin 2) for stand, else (5·tol(|v_xy|, [s, ∞), margin s, linear, 0) + 1)/6.
 */
function humanoidTask(task: string, moveSpeed: number): DmcEnv {
  return makeDmcEnv<HumanoidIndices>({
    domain: "humanoid",
    task,
    modelName: "dmc_humanoid",
    model: humanoidModel,
    timeLimit: 25,
    nSubSteps: 5,
    observation: [
      { key: "joint_angles", size: 21 },
      { key: "head_height", size: 1 },
      { key: "extremities", size: 12 },
      { key: "torso_vertical", size: 3 },
      { key: "com_velocity", size: 3 },
      { key: "velocity", size: 27 },
    ],
    bind: (n) => ({
      torso: n.body("torso"),
      head: n.body("head"),
      extremities: ["left_hand", "left_foot", "right_hand", "right_foot"].map((b) => n.body(b)),
      comVelocity: n.sensor("torso_subtreelinvel"),
    }),
    initialize(_b, { model, sim, rng }) {
      untilNoContacts(`humanoid-${task} reset`, model, () => {
        randomizeLimitedAndRotationalJoints(model, sim.qpos, rng);
        model.forwardWithoutActuation();
      });
    },
    observe(b, { sim }, out) {
      out.set(sim.qpos.subarray(7), 0);
      out[21] = sim.xpos[3 * b.head + 2]!;
      let k = 22;
      const t = 3 * b.torso;
      for (const e of b.extremities) {
        const v = [0, 1, 2].map((i) => sim.xpos[3 * e + i]! - sim.xpos[t + i]!);
        for (let c = 0; c < 3; c++) out[k++] = v[0]! * xmatAt(sim, b.torso, 0, c) + v[1]! * xmatAt(sim, b.torso, 1, c) + v[2]! * xmatAt(sim, b.torso, 2, c);
      }
      for (let c = 0; c < 3; c++) out[k++] = xmatAt(sim, b.torso, 2, c);
      for (let i = 0; i < 3; i++) out[k++] = sim.sensordata[b.comVelocity + i]!;
      out.set(sim.qvel, k);
    },
    reward(b, { sim, ctrl }) {
      const standing = tolerance(sim.xpos[3 * b.head + 2]!, { bounds: [STAND_HEIGHT, Infinity], margin: STAND_HEIGHT / 4 });
      const upright = tolerance(xmatAt(sim, b.torso, 2, 2), { bounds: [0.9, Infinity], sigmoid: "linear", margin: 1.9, valueAtMargin: 0 });
      const standReward = standing * upright;
      const control = numpyMean(globalThis.Array.from(ctrl, (u) => tolerance(u, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" })));
      const smallControl = (4 + control) / 5;
      const vx = sim.sensordata[b.comVelocity]!;
      const vy = sim.sensordata[b.comVelocity + 1]!;
      if (moveSpeed === 0) {
        const dontMove = numpyMean([tolerance(vx, { margin: 2 }), tolerance(vy, { margin: 2 })]);
        return smallControl * standReward * dontMove;
      }
      const move = tolerance(Math.sqrt(vx * vx + vy * vy), { bounds: [moveSpeed, Infinity], margin: moveSpeed, valueAtMargin: 0, sigmoid: "linear" });
      return smallControl * standReward * ((5 * move + 1) / 6);
    },
  });
}

/** humanoid-stand: stand with the head above 1.4 m and stay still. */
export const humanoidStand = (): DmcEnv => humanoidTask("stand", 0);
/** humanoid-walk: walk at ≥ 1 m/s. */
export const humanoidWalk = (): DmcEnv => humanoidTask("walk", 1);
/** humanoid-run: run at ≥ 10 m/s. */
export const humanoidRun = (): DmcEnv => humanoidTask("run", 10);
