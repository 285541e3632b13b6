// DeepMind Control Suite for @drift/envs: task constructors, models, tolerance rewards and registry specs (ids "dm_control/<domain>-<task>-v0").
import { DriftError } from "@drift/tensor";
import type { EnvSpec } from "../registry.ts";
import type { Env } from "../types.ts";
import { actionRepeat } from "../wrappers/action.ts";
import { initMujoco, mujocoReady } from "../mujoco/runtime.ts";
import type { DmcEnv } from "./suite.ts";
import { acrobotSwingup, acrobotSwingupSparse } from "./tasks/acrobot.ts";
import { ballInCupCatch } from "./tasks/ballInCup.ts";
import { cartpoleBalance, cartpoleBalanceSparse, cartpoleSwingup, cartpoleSwingupSparse } from "./tasks/cartpole.ts";
import { cheetahRun } from "./tasks/cheetah.ts";
import { fingerSpin } from "./tasks/finger.ts";
import { hopperHop, hopperStand } from "./tasks/hopper.ts";
import { humanoidRun, humanoidStand, humanoidWalk } from "./tasks/humanoid.ts";
import { pendulumSwingup } from "./tasks/pendulum.ts";
import { quadrupedRun, quadrupedWalk } from "./tasks/quadruped.ts";
import { reacherEasy, reacherHard } from "./tasks/reacher.ts";
import { walkerRun, walkerStand, walkerWalk } from "./tasks/walker.ts";

export { tolerance, numpySum, numpyMean, SIGMOIDS } from "./rewards.ts";
export type { Sigmoid, ToleranceOptions } from "./rewards.ts";
export { makeDmcEnv, legacyStep, randomizeLimitedAndRotationalJoints, untilNoContacts, xmatAt, Names, RandomStream } from "./suite.ts";
export type { DmcEnv, DmcParams, DmcState, DmcTask, InitContext, ObservationField, StepContext } from "./suite.ts";
export { cartpoleModel as dmcCartpoleModel } from "./models/cartpole.ts";
export { pendulumModel as dmcPendulumModel } from "./models/pendulum.ts";
export { cheetahModel as dmcCheetahModel } from "./models/cheetah.ts";
export { walkerModel as dmcWalkerModel } from "./models/walker.ts";
export { hopperModel as dmcHopperModel } from "./models/hopper.ts";
export { reacherModel as dmcReacherModel } from "./models/reacher.ts";
export { fingerModel as dmcFingerModel } from "./models/finger.ts";
export { ballInCupModel as dmcBallInCupModel } from "./models/ballInCup.ts";
export { acrobotModel as dmcAcrobotModel } from "./models/acrobot.ts";
export { quadrupedModel as dmcQuadrupedModel } from "./models/quadruped.ts";
export { humanoidModel as dmcHumanoidModel } from "./models/humanoid.ts";
export {
  acrobotSwingup, acrobotSwingupSparse, ballInCupCatch, cartpoleBalance, cartpoleBalanceSparse, cartpoleSwingup, cartpoleSwingupSparse,
  cheetahRun, fingerSpin, hopperHop, hopperStand, humanoidRun, humanoidStand, humanoidWalk, pendulumSwingup, quadrupedRun, quadrupedWalk,
  reacherEasy, reacherHard, walkerRun, walkerStand, walkerWalk,
};

/** Every DMC task: constructor and one-line description, keyed by "<domain>-<task>". */
const TASKS: { name: string; make: () => DmcEnv; description: string }[] = [
  { name: "cartpole-balance", make: cartpoleBalance, description: "balance a pole on a cart from near upright" },
  { name: "cartpole-balance_sparse", make: cartpoleBalanceSparse, description: "cart-pole balance, sparse reward" },
  { name: "cartpole-swingup", make: cartpoleSwingup, description: "swing a pole up from hanging down and balance it" },
  { name: "cartpole-swingup_sparse", make: cartpoleSwingupSparse, description: "cart-pole swing-up, sparse reward" },
  { name: "pendulum-swingup", make: pendulumSwingup, description: "swing a torque-limited pendulum up, sparse reward" },
  { name: "cheetah-run", make: cheetahRun, description: "planar cheetah running forward (10 m/s for full reward)" },
  { name: "walker-stand", make: walkerStand, description: "planar biped standing up" },
  { name: "walker-walk", make: walkerWalk, description: "planar biped walking at 1 m/s" },
  { name: "walker-run", make: walkerRun, description: "planar biped running at 8 m/s" },
  { name: "hopper-stand", make: hopperStand, description: "one-legged hopper standing" },
  { name: "hopper-hop", make: hopperHop, description: "one-legged hopper hopping forward at 2 m/s" },
  { name: "reacher-easy", make: reacherEasy, description: "two-link arm reaching a large random target" },
  { name: "reacher-hard", make: reacherHard, description: "two-link arm reaching a small random target" },
  { name: "finger-spin", make: fingerSpin, description: "two-link finger spinning a hinged body" },
  { name: "ball_in_cup-catch", make: ballInCupCatch, description: "swing a tethered ball into a cup" },
  { name: "acrobot-swingup", make: acrobotSwingup, description: "underactuated double pendulum swing-up" },
  { name: "acrobot-swingup_sparse", make: acrobotSwingupSparse, description: "acrobot swing-up, sparse reward" },
  { name: "quadruped-walk", make: quadrupedWalk, description: "quadruped walking at 0.5 m/s" },
  { name: "quadruped-run", make: quadrupedRun, description: "quadruped running at 5 m/s" },
  { name: "humanoid-stand", make: humanoidStand, description: "3-D humanoid standing still" },
  { name: "humanoid-walk", make: humanoidWalk, description: "3-D humanoid walking at 1 m/s" },
  { name: "humanoid-run", make: humanoidRun, description: "3-D humanoid running at 10 m/s" },
];

/** Ids of the DMC tasks, "dm_control/<domain>-<task>-v0" (Shimmy's naming), e.g. "dm_control/cartpole-swingup-v0". */
export const DMC_ENV_IDS: readonly string[] = TASKS.map((t) => `dm_control/${t.name}-v0`);

/** Builds the bare env for a DMC id; a DriftError lists the valid ids. */
export function dmcEnv(id: string): DmcEnv {
  const t = TASKS.find((x) => `dm_control/${x.name}-v0` === id);
  if (!t) throw new DriftError("dmcEnv", `unknown DMC env id ${JSON.stringify(id)}; valid ids: ${DMC_ENV_IDS.join(", ")}`);
  return t.make();
}

/** Reads the `actionRepeat` construction option (a positive integer, default 1); any other option throws. */
function repeatOption(id: string, kwargs: Record<string, unknown>): number {
  for (const k of Object.keys(kwargs)) if (k !== "actionRepeat") throw new DriftError("makeEnv", `unknown option "${k}" for ${id}; valid options: actionRepeat`);
  const r = kwargs.actionRepeat ?? 1;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) throw new DriftError("makeEnv", `${id}: actionRepeat must be a positive integer; got ${String(r)}`);
  return r;
}

/**
 * Registry specs of the DMC tasks (pass each to `register`). The envs end their own episodes as dm_control does
 * (`truncated` after 1000 control steps, from `params.timeLimit`), so `maxEpisodeSteps` is null. Construction option
 * `actionRepeat: k` wraps the env in `actionRepeat` (each action held for k control steps, rewards summed, so an
 * episode has ⌈1000/k⌉ agent steps and rewards lie in [0, k]). `prepare = initMujoco`.
 */
export const dmcEnvSpecs: readonly EnvSpec[] = TASKS.map(({ name, make, description }) => {
  const id = `dm_control/${name}-v0`;
  return {
    id,
    entryPoint: (kwargs: Record<string, unknown>): Env => {
      const repeat = repeatOption(id, kwargs);
      const env = make();
      return repeat === 1 ? env : actionRepeat(env, repeat);
    },
    maxEpisodeSteps: null,
    description: `DeepMind Control Suite (dm_control semantics, MuJoCo 3.3.8 wasm): ${description}`,
    prepare: async () => {
      await initMujoco();
    },
    isReady: mujocoReady,
  };
});
