// DMC finger spin, after dm_control's suite/finger.py.
import { type DmcEnv, makeDmcEnv, randomizeLimitedAndRotationalJoints, untilNoContacts } from "../suite.ts";
import { fingerModel } from "../models/finger.ts";

/** Sensor addresses used by the observation and reward. */
interface FingerIndices {
  proximal: number;
  distal: number;
  tip: number;
  spinner: number;
  velocities: [number, number, number];
  touch: [number, number];
}

/**
 * finger-spin (dm_control `finger.Spin`): the spinner's hinge damping is 0.03 (dm_control lowers it from the file's
 * 0.5 at episode start; here the model variant carries it); joints from `randomize_limited_and_rotational_joints`,
 * redrawn until contact-free. Observation (9) = position [proximal, distal, tip x − spinner x, tip z − spinner z] (4)
 * + velocity [proximal, distal, hinge] (3) + touch log1p([top, bottom]) (2); reward = 1 while the hinge turns at
 * ≤ −15 rad/s, else 0.
 */
export function fingerSpin(): DmcEnv {
  return makeDmcEnv<FingerIndices>({
    domain: "finger",
    task: "spin",
    modelName: "dmc_finger_spin",
    model: () => fingerModel(0.03),
    timeLimit: 20,
    nSubSteps: 2,
    observation: [
      { key: "position", size: 4 },
      { key: "velocity", size: 3 },
      { key: "touch", size: 2 },
    ],
    bind: (n) => ({
      proximal: n.sensor("proximal"),
      distal: n.sensor("distal"),
      tip: n.sensor("tip"),
      spinner: n.sensor("spinner"),
      velocities: [n.sensor("proximal_velocity"), n.sensor("distal_velocity"), n.sensor("hinge_velocity")],
      touch: [n.sensor("touchtop"), n.sensor("touchbottom")],
    }),
    initialize(_b, { model, sim, rng }) {
      untilNoContacts("finger-spin reset", model, () => {
        randomizeLimitedAndRotationalJoints(model, sim.qpos, rng);
        model.forwardWithoutActuation();
      }, 1000);
    },
    observe(b, { sim }, out) {
      const s = sim.sensordata;
      out[0] = s[b.proximal]!;
      out[1] = s[b.distal]!;
      out[2] = s[b.tip]! - s[b.spinner]!;
      out[3] = s[b.tip + 2]! - s[b.spinner + 2]!;
      b.velocities.forEach((adr, i) => (out[4 + i] = s[adr]!));
      b.touch.forEach((adr, i) => (out[7 + i] = Math.log1p(s[adr]!)));
    },
    reward: (b, { sim }) => (sim.sensordata[b.velocities[2]]! <= -15 ? 1 : 0),
  });
}
