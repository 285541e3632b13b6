// DMC cartpole balance/swingup (+ sparse variants), after dm_control's suite/cartpole.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, type DmcTask, makeDmcEnv, xmatAt } from "../suite.ts";
import { cartpoleModel } from "../models/cartpole.ts";

/** Resolved indices: the slider's qpos address, the hinge's, and the pole bodies. */
interface CartpoleIndices {
  slider: number;
  hinge: number;
  poles: number[];
}

/**
 * dm_control `cartpole.Balance`. Observation (5): position = [cart x, pole zz, pole xz] (cosine and sine of the pole
 * angle from the xmat), velocity = qvel. Smooth reward: upright·small_control·small_velocity·centred with upright =
 * (cos + 1)/2, centred = (1 + tol(x, margin 2))/2, small_control = (4 + tol(u, margin 1, quadratic, 0))/5,
 * small_velocity = (1 + tol(θ̇, margin 5))/2. Sparse: tol(x, [−0.25, 0.25])·tol(cos, [0.995, 1]). Swing-up starts
 * hanging down (θ = π + 0.01·N, x = 0.01·N); balance starts near upright (x ~ U(±0.1), θ ~ U(±0.034)); both add
 * qvel = 0.01·N.
 */
function balanceTask(task: string, swingUp: boolean, sparse: boolean): DmcTask<CartpoleIndices> {
  return {
    domain: "cartpole",
    task,
    modelName: "dmc_cartpole",
    model: cartpoleModel,
    timeLimit: 10,
    nSubSteps: 1,
    observation: [
      { key: "position", size: 3 },
      { key: "velocity", size: 2 },
    ],
    bind: (n) => ({ slider: n.qpos("slider"), hinge: n.qpos("hinge_1"), poles: [n.body("pole_1")] }),
    initialize(b, { model, sim, rng }) {
      const nv = model.nv;
      if (swingUp) {
        const z = rng.normal(nv);
        sim.qpos[b.slider] = 0.01 * z[0]!;
        sim.qpos[b.hinge] = Math.PI + 0.01 * z[1]!;
        for (let i = 2; i < nv; i++) sim.qpos[i] = 0.1 * z[i]!;
      } else {
        sim.qpos[b.slider] = rng.uniform(-0.1, 0.1, 1)[0]!;
        sim.qpos.set(rng.uniform(-0.034, 0.034, nv - 1), 1);
      }
      const v = rng.normal(nv);
      for (let i = 0; i < nv; i++) sim.qvel[i] = 0.01 * v[i]!;
    },
    observe(b, { sim }, out) {
      out[0] = sim.qpos[b.slider]!;
      b.poles.forEach((p, i) => {
        out[1 + 2 * i] = xmatAt(sim, p, 2, 2);
        out[2 + 2 * i] = xmatAt(sim, p, 0, 2);
      });
      out.set(sim.qvel, 1 + 2 * b.poles.length);
    },
    reward(b, { sim, ctrl }) {
      const cart = sim.qpos[b.slider]!;
      const cosines = b.poles.map((p) => xmatAt(sim, p, 2, 2));
      if (sparse) {
        let angleInBounds = 1;
        for (const c of cosines) angleInBounds *= tolerance(c, { bounds: [0.995, 1] });
        return tolerance(cart, { bounds: [-0.25, 0.25] }) * angleInBounds;
      }
      let upright = 0;
      for (const c of cosines) upright += (c + 1) / 2;
      upright /= cosines.length;
      const centered = (1 + tolerance(cart, { margin: 2 })) / 2;
      const smallControl = (4 + tolerance(ctrl[0]!, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" })) / 5;
      let slowest = Infinity;
      for (let i = 1; i < sim.qvel.length; i++) slowest = Math.min(slowest, tolerance(sim.qvel[i]!, { margin: 5 }));
      const smallVelocity = (1 + slowest) / 2;
      return upright * smallControl * smallVelocity * centered;
    },
  };
}

/** cartpole-balance: keep the pole upright from a near-upright start (smooth reward). */
export const cartpoleBalance = (): DmcEnv => makeDmcEnv(balanceTask("balance", false, false));
/** cartpole-balance_sparse: balance with the sparse reward. */
export const cartpoleBalanceSparse = (): DmcEnv => makeDmcEnv(balanceTask("balance_sparse", false, true));
/** cartpole-swingup: swing the pole up from hanging down and balance it (smooth reward). */
export const cartpoleSwingup = (): DmcEnv => makeDmcEnv(balanceTask("swingup", true, false));
/** cartpole-swingup_sparse: swing-up with the sparse reward. */
export const cartpoleSwingupSparse = (): DmcEnv => makeDmcEnv(balanceTask("swingup_sparse", true, true));
