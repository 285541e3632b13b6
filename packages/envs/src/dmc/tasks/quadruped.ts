// DMC quadruped walk/run, after dm_control's suite/quadruped.py (Move task).
import { DriftError } from "@drift/tensor";
import { tolerance } from "../rewards.ts";
import { type DmcEnv, makeDmcEnv, xmatAt } from "../suite.ts";
import { requireMujoco } from "../../mujoco/runtime.ts";
import { quadrupedModel } from "../models/quadruped.ts";

/** Resolved indices: hinge qpos/qvel addresses, the torso body, velocimeter, IMU and force/torque sensordata ranges. */
interface QuadrupedIndices {
  root: number;
  hingeQpos: number[];
  hingeDofs: number[];
  torso: number;
  velocimeter: number;
  imu: number[];
  forceTorque: number[];
}

/** Sensordata addresses of every scalar output of the sensors whose type is in `types`, in sensor-id order. */
function sensorOutputs(types: Int32Array, adr: Int32Array, dim: Int32Array, wanted: readonly number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < types.length; s++) if (wanted.includes(types[s]!)) for (let k = 0; k < dim[s]!; k++) out.push(adr[s]! + k);
  return out;
}

/**
 * dm_control `quadruped.Move`: the torso gets a uniformly random orientation (normalised N(0, I₄) quaternion) at
 * (0, 0, z), z raised from 0 in 0.01 m steps until nothing touches. Observation (78) = egocentric_state [hinge qpos
 * (16), hinge qvel (16), act (12)] + torso_velocity (velocimeter, 3) + torso_upright (torso zz) + imu (accelerometer,
 * gyro: sensor order, 6) + force_torque (asinh of the 4 toe forces then 4 toe torques, 24). Reward =
 * tol(zz, [1, ∞), margin 2, linear, 0)·tol(v_x, [s, ∞), margin s, linear, 0.5) with v_x the torso-frame velocimeter.
 */
function moveTask(task: string, speed: number): DmcEnv {
  return makeDmcEnv<QuadrupedIndices>({
    domain: "quadruped",
    task,
    modelName: `dmc_quadruped_${task}`,
    model: () => quadrupedModel(20 * speed),
    timeLimit: 20,
    nSubSteps: 4,
    observation: [
      { key: "egocentric_state", size: 44 },
      { key: "torso_velocity", size: 3 },
      { key: "torso_upright", size: 1 },
      { key: "imu", size: 6 },
      { key: "force_torque", size: 24 },
    ],
    bind: (n) => {
      const mj = requireMujoco("dmc");
      const m = n.model.model;
      const types = m.jnt_type as Int32Array;
      const hinges = [...types.keys()].filter((j) => types[j] === mj.mjtJoint.mjJNT_HINGE.value);
      const sensors = [m.sensor_type as Int32Array, m.sensor_adr as Int32Array, m.sensor_dim as Int32Array] as const;
      const S = mj.mjtSensor;
      return {
        root: n.qpos("root"),
        hingeQpos: hinges.map((j) => (m.jnt_qposadr as Int32Array)[j]!),
        hingeDofs: hinges.map((j) => (m.jnt_dofadr as Int32Array)[j]!),
        torso: n.body("torso"),
        velocimeter: n.sensor("velocimeter"),
        imu: sensorOutputs(...sensors, [S.mjSENS_GYRO.value, S.mjSENS_ACCELEROMETER.value]),
        forceTorque: sensorOutputs(...sensors, [S.mjSENS_FORCE.value, S.mjSENS_TORQUE.value]),
      };
    },
    initialize(b, { model, rng }) {
      const q = rng.normal(4);
      const norm = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
      const orientation = globalThis.Array.from(q, (x) => x / norm);
      let z = 0;
      for (let attempt = 1; ; attempt++) {
        model.resetData();
        model.forwardWithoutActuation();
        const sim = model.views();
        sim.qpos.set([0, 0, z, ...orientation], b.root);
        model.forwardWithoutActuation();
        if (model.ncon === 0) return;
        z += 0.01;
        if (attempt > 10000) throw new DriftError(`quadruped-${task} reset`, "failed to find a non-contacting configuration");
      }
    },
    observe(b, { sim }, out) {
      let k = 0;
      for (const a of b.hingeQpos) out[k++] = sim.qpos[a]!;
      for (const a of b.hingeDofs) out[k++] = sim.qvel[a]!;
      out.set(sim.act, k);
      k += sim.act.length;
      for (let i = 0; i < 3; i++) out[k++] = sim.sensordata[b.velocimeter + i]!;
      out[k++] = xmatAt(sim, b.torso, 2, 2);
      for (const a of b.imu) out[k++] = sim.sensordata[a]!;
      for (const a of b.forceTorque) out[k++] = Math.asinh(sim.sensordata[a]!);
    },
    reward(b, { sim }) {
      const upright = tolerance(xmatAt(sim, b.torso, 2, 2), { bounds: [1, Infinity], sigmoid: "linear", margin: 2, valueAtMargin: 0 });
      const move = tolerance(sim.sensordata[b.velocimeter]!, { bounds: [speed, Infinity], margin: speed, valueAtMargin: 0.5, sigmoid: "linear" });
      return upright * move;
    },
  });
}

/** quadruped-walk: walk forward at ≥ 0.5 m/s (floor half-width 10 m). */
export const quadrupedWalk = (): DmcEnv => moveTask("walk", 0.5);
/** quadruped-run: run forward at ≥ 5 m/s (floor half-width 100 m). */
export const quadrupedRun = (): DmcEnv => moveTask("run", 5);
