// DMC pendulum swingup, after dm_control's suite/pendulum.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, xmatAt } from "../suite.ts";
import { pendulumModel } from "../models/pendulum.ts";

/** cos 8°, with numpy's deg2rad (x·(π/180)). */
const COSINE_BOUND = Math.cos(8 * (Math.PI / 180));

/**
 * pendulum-swingup (dm_control `pendulum.SwingUp`): start at θ ~ U(−π, π) at rest; observation (3) = orientation
 * [pole zz, pole xz] + velocity [θ̇]; reward = 1 while the pole is within 8° of upright (zz ≥ cos 8°), else 0.
 */
export function pendulumSwingup(): DmcEnv {
  return makeDmcEnv<{ pole: number; hinge: number; dof: number }>({
    domain: "pendulum",
    task: "swingup",
    modelName: "dmc_pendulum",
    model: pendulumModel,
    timeLimit: 20,
    nSubSteps: 1,
    observation: [
      { key: "orientation", size: 2 },
      { key: "velocity", size: 1 },
    ],
    bind: (n) => ({ pole: n.body("pole"), hinge: n.qpos("hinge"), dof: n.dof("hinge") }),
    initialize(b, { sim, rng }) {
      sim.qpos[b.hinge] = rng.uniform(-Math.PI, Math.PI, 1)[0]!;
    },
    observe(b, { sim }, out) {
      out[0] = xmatAt(sim, b.pole, 2, 2);
      out[1] = xmatAt(sim, b.pole, 0, 2);
      out[2] = sim.qvel[b.dof]!;
    },
    reward: (b, { sim }) => tolerance(xmatAt(sim, b.pole, 2, 2), { bounds: [COSINE_BOUND, 1] }),
  });
}
