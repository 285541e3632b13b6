// DMC reacher easy/hard, after dm_control's suite/reacher.py.
import { tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, randomizeLimitedAndRotationalJoints } from "../suite.ts";
import { reacherModel } from "../models/reacher.ts";

/**
 * dm_control `reacher.Reacher`: joints from `randomize_limited_and_rotational_joints`; the target sits at radius
 * U(0.05, 0.2) and angle U(0, 2π), (x, y) = r·(sin a, cos a). dm_control moves and resizes the target geom in the
 * model; contacts are disabled, so here the target's (x, y) is episode data (`state.physics[stateSize…+2]`) and the
 * model stays as published. Observation (6) = position qpos (2) + to_target (target − finger, x and y) (2) +
 * velocity qvel (2); reward = 1 while the finger–target distance ≤ target radius + finger radius, else 0.
 */
function reacherTask(task: string, targetSize: number): DmcEnv {
  return makeDmcEnv<{ finger: number; fingerSize: number }>({
    domain: "reacher",
    task,
    modelName: "dmc_reacher",
    model: reacherModel,
    timeLimit: 20,
    nSubSteps: 1,
    taskStateSize: 2,
    observation: [
      { key: "position", size: 2 },
      { key: "to_target", size: 2 },
      { key: "velocity", size: 2 },
    ],
    bind: (n) => {
      const finger = n.geom("finger");
      return { finger, fingerSize: (n.model.model.geom_size as Float64Array)[3 * finger]! };
    },
    initialize(_b, { model, sim, rng, task }) {
      randomizeLimitedAndRotationalJoints(model, sim.qpos, rng);
      const angle = rng.uniform(0, 2 * Math.PI, 1)[0]!;
      const radius = rng.uniform(0.05, 0.2, 1)[0]!;
      task[0] = radius * Math.sin(angle);
      task[1] = radius * Math.cos(angle);
    },
    observe(b, { sim, task }, out) {
      out.set(sim.qpos, 0);
      out[2] = task[0]! - sim.geom_xpos[3 * b.finger]!;
      out[3] = task[1]! - sim.geom_xpos[3 * b.finger + 1]!;
      out.set(sim.qvel, 4);
    },
    reward(b, { sim, task }) {
      const dx = task[0]! - sim.geom_xpos[3 * b.finger]!;
      const dy = task[1]! - sim.geom_xpos[3 * b.finger + 1]!;
      return tolerance(Math.sqrt(dx * dx + dy * dy), { bounds: [0, targetSize + b.fingerSize] });
    },
  });
}

/** reacher-easy: target radius 0.05. */
export const reacherEasy = (): DmcEnv => reacherTask("easy", 0.05);
/** reacher-hard: target radius 0.015. */
export const reacherHard = (): DmcEnv => reacherTask("hard", 0.015);
