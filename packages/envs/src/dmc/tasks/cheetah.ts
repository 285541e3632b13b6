// DMC cheetah run, after dm_control's suite/cheetah.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, legacyStep, makeDmcEnv } from "../suite.ts";
import { cheetahModel } from "../models/cheetah.ts";

/**
 * cheetah-run (dm_control `cheetah.Cheetah`): limited joints start at U(range), then 200 physics steps with zero
 * control let the body settle and the clock is reset to 0. Observation (17) = position qpos[1:] (8) + velocity qvel (9);
 * reward = tol(v, [10, ∞), margin 10, linear, 0) = clip(v/10, 0, 1) with v the torso subtree's x velocity.
 */
export function cheetahRun(): DmcEnv {
  return makeDmcEnv<{ speed: number }>({
    domain: "cheetah",
    task: "run",
    modelName: "dmc_cheetah",
    model: cheetahModel,
    timeLimit: 10,
    nSubSteps: 1,
    observation: [
      { key: "position", size: 8 },
      { key: "velocity", size: 9 },
    ],
    bind: (n) => ({ speed: n.sensor("torso_subtreelinvel") }),
    initialize(_b, { model, sim, rng }) {
      const m = model.model;
      const limited = m.jnt_limited as Uint8Array;
      const range = m.jnt_range as Float64Array;
      const u = rng.uniform(0, 1, model.nq);
      let k = 0;
      for (let j = 0; j < limited.length; j++) {
        if (!limited[j]) continue;
        const lo = range[2 * j]!;
        sim.qpos[j] = lo + (range[2 * j + 1]! - lo) * u[k++]!;
      }
      // dm_control steps right after setting qpos, so the first substep continues from the reset's mj_forward at qpos0.
      legacyStep(model, 200, false);
      model.data.time = 0;
    },
    observe(_b, { sim }, out) {
      out.set(sim.qpos.subarray(1), 0);
      out.set(sim.qvel, 8);
    },
    reward: (b, { sim }) => tolerance(sim.sensordata[b.speed]!, { bounds: [10, Infinity], margin: 10, valueAtMargin: 0, sigmoid: "linear" }),
  });
}
