// DMC hopper stand/hop, after dm_control's suite/hopper.py.
import { numpyMean, tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, randomizeLimitedAndRotationalJoints } from "../suite.ts";
import { hopperModel } from "../models/hopper.ts";

/** Resolved indices: torso and foot bodies, the subtree-velocity and touch sensors. */
interface HopperIndices {
  torso: number;
  foot: number;
  speed: number;
  toe: number;
  heel: number;
}

/**
 * dm_control `hopper.Hopper`: joints from `randomize_limited_and_rotational_joints`. Observation (15) = position
 * qpos[1:] (6) + velocity qvel (7) + touch log1p([toe, heel]) (2). standing = 1 when the torso's centre of mass is
 * 0.6–2 m above the foot's; hop: standing·tol(vx, [2, ∞), margin 1, linear, 0.5); stand: standing·(4 + mean
 * tol(u, margin 1, quadratic, 0))/5.
 */
function hopperTask(task: string, hopping: boolean): DmcEnv {
  return makeDmcEnv<HopperIndices>({
    domain: "hopper",
    task,
    modelName: "dmc_hopper",
    model: hopperModel,
    timeLimit: 20,
    nSubSteps: 4,
    observation: [
      { key: "position", size: 6 },
      { key: "velocity", size: 7 },
      { key: "touch", size: 2 },
    ],
    bind: (n) => ({ torso: n.body("torso"), foot: n.body("foot"), speed: n.sensor("torso_subtreelinvel"), toe: n.sensor("touch_toe"), heel: n.sensor("touch_heel") }),
    initialize: (_b, { model, sim, rng }) => randomizeLimitedAndRotationalJoints(model, sim.qpos, rng),
    observe(b, { sim }, out) {
      out.set(sim.qpos.subarray(1), 0);
      out.set(sim.qvel, 6);
      out[13] = Math.log1p(sim.sensordata[b.toe]!);
      out[14] = Math.log1p(sim.sensordata[b.heel]!);
    },
    reward(b, { sim, ctrl }) {
      const height = sim.xipos[3 * b.torso + 2]! - sim.xipos[3 * b.foot + 2]!;
      const standing = tolerance(height, { bounds: [0.6, 2] });
      if (hopping) return standing * tolerance(sim.sensordata[b.speed]!, { bounds: [2, Infinity], margin: 1, valueAtMargin: 0.5, sigmoid: "linear" });
      const small = numpyMean(globalThis.Array.from(ctrl, (u) => tolerance(u, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" })));
      return standing * ((small + 4) / 5);
    },
  });
}

/** hopper-stand: stand upright with small controls. */
export const hopperStand = (): DmcEnv => hopperTask("stand", false);
/** hopper-hop: hop forward at ≥ 2 m/s while standing. */
export const hopperHop = (): DmcEnv => hopperTask("hop", true);
