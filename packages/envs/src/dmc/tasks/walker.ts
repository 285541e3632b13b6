// DMC walker stand/walk/run, after dm_control's suite/walker.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, randomizeLimitedAndRotationalJoints, xmatAt } from "../suite.ts";
import { walkerModel } from "../models/walker.ts";

const STAND_HEIGHT = 1.2;

/**
 * dm_control `walker.PlanarWalker`: joints start from `randomize_limited_and_rotational_joints` (the torso pitch is
 * U(−π, π)). Observation (24) = orientations [xx, xz] of bodies 1–7 (14) + height (torso z) + velocity qvel (9).
 * stand = (3·tol(z, [1.2, ∞), margin 0.6) + (1 + torso zz)/2)/4; with speed s > 0 the reward is
 * stand·(5·tol(vx, [s, ∞), margin s/2, linear, 0.5) + 1)/6, vx the torso subtree's x velocity.
 */
function walkerTask(task: string, moveSpeed: number): DmcEnv {
  return makeDmcEnv<{ torso: number; speed: number }>({
    domain: "walker",
    task,
    modelName: "dmc_walker",
    model: walkerModel,
    timeLimit: 25,
    nSubSteps: 10,
    observation: [
      { key: "orientations", size: 14 },
      { key: "height", size: 1 },
      { key: "velocity", size: 9 },
    ],
    bind: (n) => ({ torso: n.body("torso"), speed: n.sensor("torso_subtreelinvel") }),
    initialize: (_b, { model, sim, rng }) => randomizeLimitedAndRotationalJoints(model, sim.qpos, rng),
    observe(b, { model, sim }, out) {
      let k = 0;
      for (let body = 1; body < model.nbody; body++) {
        out[k++] = xmatAt(sim, body, 0, 0);
        out[k++] = xmatAt(sim, body, 0, 2);
      }
      out[k++] = sim.xpos[3 * b.torso + 2]!;
      out.set(sim.qvel, k);
    },
    reward(b, { sim }) {
      const standing = tolerance(sim.xpos[3 * b.torso + 2]!, { bounds: [STAND_HEIGHT, Infinity], margin: STAND_HEIGHT / 2 });
      const upright = (1 + xmatAt(sim, b.torso, 2, 2)) / 2;
      const stand = (3 * standing + upright) / 4;
      if (moveSpeed === 0) return stand;
      const move = tolerance(sim.sensordata[b.speed]!, { bounds: [moveSpeed, Infinity], margin: moveSpeed / 2, valueAtMargin: 0.5, sigmoid: "linear" });
      return (stand * (5 * move + 1)) / 6;
    },
  });
}

/** walker-stand: stand up and stay upright. */
export const walkerStand = (): DmcEnv => walkerTask("stand", 0);
/** walker-walk: move forward at ≥ 1 m/s while standing. */
export const walkerWalk = (): DmcEnv => walkerTask("walk", 1);
/** walker-run: move forward at ≥ 8 m/s while standing. */
export const walkerRun = (): DmcEnv => walkerTask("run", 8);
