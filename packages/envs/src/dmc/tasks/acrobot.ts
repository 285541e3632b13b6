// DMC acrobot swingup (+ sparse), after dm_control's suite/acrobot.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, xmatAt } from "../suite.ts";
import { acrobotModel } from "../models/acrobot.ts";

/** Resolved indices: the two link bodies, the joints' qpos addresses, the tip and target sites and the target radius. */
interface AcrobotIndices {
  links: [number, number];
  joints: [number, number];
  tip: number;
  target: number;
  radius: number;
}

/**
 * dm_control `acrobot.Balance`: shoulder and elbow start at U(−π, π) at rest. Observation (6) = orientations
 * [upper xz, lower xz, upper zz, lower zz] (4) + velocity qvel (2); reward = tol(|tip − target|, [0, 0.2], margin 1)
 * (gaussian), or the indicator with margin 0 for the sparse task.
 */
function acrobotTask(task: string, sparse: boolean): DmcEnv {
  return makeDmcEnv<AcrobotIndices>({
    domain: "acrobot",
    task,
    modelName: "dmc_acrobot",
    model: acrobotModel,
    timeLimit: 10,
    nSubSteps: 1,
    observation: [
      { key: "orientations", size: 4 },
      { key: "velocity", size: 2 },
    ],
    bind: (n) => {
      const target = n.site("target");
      return {
        links: [n.body("upper_arm"), n.body("lower_arm")],
        joints: [n.qpos("shoulder"), n.qpos("elbow")],
        tip: n.site("tip"),
        target,
        radius: (n.model.model.site_size as Float64Array)[3 * target]!,
      };
    },
    initialize(b, { sim, rng }) {
      const u = rng.uniform(-Math.PI, Math.PI, 2);
      sim.qpos[b.joints[0]] = u[0]!;
      sim.qpos[b.joints[1]] = u[1]!;
    },
    observe(b, { sim }, out) {
      out[0] = xmatAt(sim, b.links[0], 0, 2);
      out[1] = xmatAt(sim, b.links[1], 0, 2);
      out[2] = xmatAt(sim, b.links[0], 2, 2);
      out[3] = xmatAt(sim, b.links[1], 2, 2);
      out.set(sim.qvel, 4);
    },
    reward(b, { sim }) {
      const p = sim.site_xpos;
      const d = [0, 1, 2].map((i) => p[3 * b.target + i]! - p[3 * b.tip + i]!);
      const distance = Math.sqrt(d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]!);
      return tolerance(distance, { bounds: [0, b.radius], margin: sparse ? 0 : 1 });
    },
  });
}

/** acrobot-swingup: swing the tip up to the target (smooth reward). */
export const acrobotSwingup = (): DmcEnv => acrobotTask("swingup", false);
/** acrobot-swingup_sparse: swing-up with the indicator reward. */
export const acrobotSwingupSparse = (): DmcEnv => acrobotTask("swingup_sparse", true);
