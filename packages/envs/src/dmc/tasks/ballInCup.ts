// DMC ball_in_cup catch, after dm_control's suite/ball_in_cup.py.
import { type DmcEnv, makeDmcEnv, untilNoContacts } from "../suite.ts";
import { ballInCupModel } from "../models/ballInCup.ts";

/** Resolved indices: ball slides, the target site and the ball body, and the in-target half-widths. */
interface CupIndices {
  ballX: number;
  ballZ: number;
  target: number;
  ball: number;
  halfX: number;
  halfZ: number;
}

/**
 * ball_in_cup-catch (dm_control `ball_in_cup.BallInCup`): the ball starts at x ~ U(±0.2), z ~ U(0.2, 0.5), redrawn
 * until contact-free. Observation (8) = position qpos (4) + velocity qvel (4); reward = 1 while the ball centre is
 * inside the cup's target box shrunk by the ball radius (|Δx| < 0.05 − 0.025 and |Δz| < 0.05 − 0.025), else 0.
 */
export function ballInCupCatch(): DmcEnv {
  return makeDmcEnv<CupIndices>({
    domain: "ball_in_cup",
    task: "catch",
    modelName: "dmc_ball_in_cup",
    model: ballInCupModel,
    timeLimit: 20,
    nSubSteps: 10,
    observation: [
      { key: "position", size: 4 },
      { key: "velocity", size: 4 },
    ],
    bind: (n) => {
      const m = n.model.model;
      const target = n.site("target");
      const ballRadius = (m.geom_size as Float64Array)[3 * n.geom("ball")]!;
      const size = m.site_size as Float64Array;
      return { ballX: n.qpos("ball_x"), ballZ: n.qpos("ball_z"), target, ball: n.body("ball"), halfX: size[3 * target]! - ballRadius, halfZ: size[3 * target + 2]! - ballRadius };
    },
    initialize(b, { model, sim, rng }) {
      untilNoContacts("ball_in_cup-catch reset", model, () => {
        sim.qpos[b.ballX] = rng.uniform(-0.2, 0.2, 1)[0]!;
        sim.qpos[b.ballZ] = rng.uniform(0.2, 0.5, 1)[0]!;
        model.forwardWithoutActuation();
      });
    },
    observe(_b, { sim }, out) {
      out.set(sim.qpos, 0);
      out.set(sim.qvel, 4);
    },
    reward(b, { sim }) {
      const dx = Math.abs(sim.site_xpos[3 * b.target]! - sim.xpos[3 * b.ball]!);
      const dz = Math.abs(sim.site_xpos[3 * b.target + 2]! - sim.xpos[3 * b.ball + 2]!);
      return dx < b.halfX && dz < b.halfZ ? 1 : 0;
    },
  });
}
