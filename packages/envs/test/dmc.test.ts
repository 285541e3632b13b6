// DMC tasks: tolerance values, model equivalence with dm_control's XMLs, bitwise legacy-step trajectories, rewards, determinism, errors.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { DriftError, np, random, type Array } from "@drift/tensor";
import type { MjData, MjModel } from "mujoco-js";
import type { Box } from "../src/spaces.ts";
import { checkEnv } from "../src/validation.ts";
import { makeEnv, prepareEnv, register } from "../src/registry.ts";
import { make } from "../src/gym.ts";
import { vectorEnv } from "../src/wrappers/vector.ts";
import { compileModel, initMujoco, requireMujoco, toMjcf } from "../src/mujoco/index.ts";
import type { MjcfModel } from "../src/mujoco/mjcf.ts";
import {
  DMC_ENV_IDS, type DmcState, SIGMOIDS, dmcAcrobotModel as acrobotModel, dmcBallInCupModel as ballInCupModel, dmcCartpoleModel as cartpoleModel,
  dmcCheetahModel as cheetahModel, dmcEnv, dmcEnvSpecs, dmcFingerModel as fingerModel, dmcHopperModel as hopperModel, dmcHumanoidModel,
  dmcPendulumModel as pendulumModel, dmcQuadrupedModel as quadrupedModel, dmcReacherModel as reacherModel, dmcWalkerModel as walkerModel,
  numpyMean, numpySum, tolerance,
} from "../src/dmc/index.ts";
import { actionStream, bitMismatches, compareModels } from "./mujoco-helpers.ts";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const REF_DIR = path.resolve(REPO_ROOT, "../shared/assets/mujoco/dmc");
const HAVE_REFS = existsSync(REF_DIR);
if (!HAVE_REFS) console.log(`dmc.test: skipping reference-model checks because ${REF_DIR} does not exist`);

/** dm_control `quadruped.make_model(floor_size)` for walk/run, as text edits of the reference XML. */
function quadrupedWalkRunXml(xml: string, floorSize: number): string {
  return xml
    .replace(/(<geom name="floor"[^>]*size=")[^"]*(")/, `$1${floorSize} ${floorSize} .5$2`)
    .replace(/<geom name="wall_[pn][xy]"[^>]*\/>/g, "")
    .replace(/<site name="target"[^>]*\/>/, "")
    .replace(/<geom name="terrain"[^>]*\/>/, "")
    .replace(/<rangefinder[^>]*\/>/g, "")
    .replace(/<body name="ball"[\s\S]*?<\/body>/, "");
}

const refCache = new Map<string, MjModel>();
/** Loads a reference model with its common/ includes from an in-memory copy of the DMC asset folder. */
function loadReference(file: string, edit: (xml: string) => string = (x) => x, tag = file): MjModel {
  const hit = refCache.get(tag);
  if (hit) return hit;
  const mj = requireMujoco("test");
  const fs = mj.FS as unknown as { mkdirTree(p: string): void; writeFile(p: string, d: string): void };
  if (refCache.size === 0) {
    fs.mkdirTree("/dmc-ref/common");
    for (const f of ["materials.xml", "skybox.xml", "visual.xml"]) fs.writeFile(`/dmc-ref/common/${f}`, readFileSync(path.join(REF_DIR, "common", f), "utf8"));
  }
  const file2 = `/dmc-ref/${tag.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  fs.writeFile(file2, edit(readFileSync(path.join(REF_DIR, file), "utf8")));
  const m = mj.MjModel.loadFromXML(file2);
  if (!m) throw new Error(`could not load ${file}`);
  refCache.set(tag, m);
  return m;
}

/** Our models, the reference files they reproduce, and dm_control's task-time model edits (finger-spin's damping). */
const MODELS: { tag: string; build: () => MjcfModel; file: string; edit?: (xml: string) => string; tweak?: (m: MjModel) => void }[] = [
  { tag: "cartpole", build: cartpoleModel, file: "cartpole.xml" },
  { tag: "pendulum", build: pendulumModel, file: "pendulum.xml" },
  { tag: "cheetah", build: cheetahModel, file: "cheetah.xml" },
  { tag: "walker", build: walkerModel, file: "walker.xml" },
  { tag: "hopper", build: hopperModel, file: "hopper.xml" },
  { tag: "reacher", build: reacherModel, file: "reacher.xml" },
  { tag: "finger", build: () => fingerModel(), file: "finger.xml" },
  { tag: "finger_spin", build: () => fingerModel(0.03), file: "finger.xml", tweak: (m) => void ((m.dof_damping as Float64Array)[2] = 0.03) },
  { tag: "ball_in_cup", build: ballInCupModel, file: "ball_in_cup.xml" },
  { tag: "acrobot", build: acrobotModel, file: "acrobot.xml" },
  { tag: "quadruped_walk", build: () => quadrupedModel(10), file: "quadruped.xml", edit: (x) => quadrupedWalkRunXml(x, 10) },
  { tag: "quadruped_run", build: () => quadrupedModel(100), file: "quadruped.xml", edit: (x) => quadrupedWalkRunXml(x, 100) },
  { tag: "humanoid", build: dmcHumanoidModel, file: "humanoid.xml" },
];

function reference(tag: string): MjModel {
  const spec = MODELS.find((m) => m.tag === tag)!;
  const m = loadReference(spec.file, spec.edit, tag);
  spec.tweak?.(m);
  return m;
}

beforeAll(async () => {
  await initMujoco();
});

describe.skipIf(!HAVE_REFS)("DMC models against dm_control's XMLs", () => {
  it.each(MODELS)("$tag compiles to the same numeric arrays as $file", ({ tag, build }) => {
    const ref = reference(tag);
    const ours = compileModel(`dmc_test_${tag}`, toMjcf(build())).model;
    const { compared, maxDiff } = compareModels(ref, ours);
    expect(compared.length).toBeGreaterThan(250);
    expect(maxDiff).toBe(0);
    console.log(`dmc.test ${tag}: ${compared.length} numeric fields equal, max |difference| ${maxDiff}`);
  });
});

/** Named read access to a reference MjData (dm_control's `physics.named`), for independent observations and rewards. */
class Named {
  private readonly mj = requireMujoco("test");
  constructor(
    readonly m: MjModel,
    readonly d: MjData,
  ) {}
  private id(kind: "BODY" | "JOINT" | "GEOM" | "SITE" | "SENSOR", name: string): number {
    const id = this.mj.mj_name2id(this.m, this.mj.mjtObj[`mjOBJ_${kind}`].value, name);
    if (id < 0) throw new Error(`no ${kind} ${name}`);
    return id;
  }
  /** Row of xmat by element name ("xx" … "zz"). */
  xmat(body: string, el: string): number {
    return this.d.xmat[9 * this.id("BODY", body) + ["xx", "xy", "xz", "yx", "yy", "yz", "zx", "zy", "zz"].indexOf(el)];
  }
  xpos(body: string, axis: number): number {
    return this.d.xpos[3 * this.id("BODY", body) + axis];
  }
  xipos(body: string, axis: number): number {
    return this.d.xipos[3 * this.id("BODY", body) + axis];
  }
  siteXpos(site: string, axis: number): number {
    return this.d.site_xpos[3 * this.id("SITE", site) + axis];
  }
  geomXpos(geom: string, axis: number): number {
    return this.d.geom_xpos[3 * this.id("GEOM", geom) + axis];
  }
  sensor(name: string, k = 0): number {
    return this.d.sensordata[(this.m.sensor_adr as Int32Array)[this.id("SENSOR", name)]! + k];
  }
  qpos(joint: string): number {
    return this.d.qpos[(this.m.jnt_qposadr as Int32Array)[this.id("JOINT", joint)]!];
  }
  qvel(joint: string): number {
    return this.d.qvel[(this.m.jnt_dofadr as Int32Array)[this.id("JOINT", joint)]!];
  }
  get qposAll(): number[] {
    return globalThis.Array.from(this.d.qpos as Float64Array);
  }
  get qvelAll(): number[] {
    return globalThis.Array.from(this.d.qvel as Float64Array);
  }
  get ctrl(): number[] {
    return globalThis.Array.from(this.d.ctrl as Float64Array);
  }
}

/**
 * A stateful dm_control-style stepper on the *reference* model (control.Environment + Physics with legacy_step):
 * ctrl = action; Euler: mj_step2, mj_step × (n − 1); RK4: mj_step × n; then mj_step1.
 */
class LegacyReference {
  private readonly mj = requireMujoco("test");
  readonly d: MjData;
  readonly named: Named;
  constructor(
    readonly m: MjModel,
    readonly nSub: number,
  ) {
    this.d = new this.mj.MjData(m);
    this.named = new Named(m, this.d);
  }
  /** Loads [time, qpos, qvel, act, qacc_warmstart] and runs mj_forward without actuation (dm_control's after_reset). */
  load(s: Float64Array): void {
    const { m, d } = this;
    let k = 0;
    d.time = s[k++]!;
    for (const [view, n] of [[d.qpos, m.nq], [d.qvel, m.nv], [d.act, m.na], [d.qacc_warmstart, m.nv]] as const) {
      (view as Float64Array).set(s.subarray(k, k + n));
      k += n;
    }
    const flags = m.opt.disableflags;
    m.opt.disableflags = flags | this.mj.mjtDisableBit.mjDSBL_ACTUATION.value;
    this.mj.mj_forward(m, d);
    m.opt.disableflags = flags;
  }
  step(action: Float32Array): void {
    const { mj, m, d } = this;
    d.ctrl.set(action);
    if (m.opt.integrator !== mj.mjtIntegrator.mjINT_RK4.value) {
      mj.mj_step2(m, d);
      for (let i = 1; i < this.nSub; i++) mj.mj_step(m, d);
    } else for (let i = 0; i < this.nSub; i++) mj.mj_step(m, d);
    mj.mj_step1(m, d);
  }
  /** [time, qpos, qvel, act, qacc_warmstart]. */
  snapshot(): number[] {
    const d = this.d;
    return [d.time, ...(d.qpos as Float64Array), ...(d.qvel as Float64Array), ...(d.act as Float64Array), ...(d.qacc_warmstart as Float64Array)];
  }
  dispose(): void {
    this.d.delete();
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const quadControl = (u: number) => tolerance(u, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" });
const linearUp = (x: number, lo: number, margin: number, v: number) => tolerance(x, { bounds: [lo, Infinity], margin, valueAtMargin: v, sigmoid: "linear" });
const range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

/** dm_control observations and rewards written out from the suite's Python, read through named reference data. */
interface RefTask {
  obs(p: Named, task: Float64Array): number[];
  reward(p: Named, task: Float64Array): number;
}
const cartpole = (sparse: boolean): RefTask => ({
  obs: (p) => [p.qpos("slider"), p.xmat("pole_1", "zz"), p.xmat("pole_1", "xz"), ...p.qvelAll],
  reward: (p) => {
    const cos = p.xmat("pole_1", "zz");
    const x = p.qpos("slider");
    if (sparse) return tolerance(x, { bounds: [-0.25, 0.25] }) * tolerance(cos, { bounds: [0.995, 1] });
    return ((cos + 1) / 2) * ((4 + quadControl(p.ctrl[0]!)) / 5) * ((1 + tolerance(p.qvel("hinge_1"), { margin: 5 })) / 2) * ((1 + tolerance(x, { margin: 2 })) / 2);
  },
});
const walker = (speed: number): RefTask => ({
  obs: (p) => [
    ...["torso", "right_thigh", "right_leg", "right_foot", "left_thigh", "left_leg", "left_foot"].flatMap((b) => [p.xmat(b, "xx"), p.xmat(b, "xz")]),
    p.xpos("torso", 2),
    ...p.qvelAll,
  ],
  reward: (p) => {
    const stand = (3 * tolerance(p.xpos("torso", 2), { bounds: [1.2, Infinity], margin: 0.6 }) + (1 + p.xmat("torso", "zz")) / 2) / 4;
    return speed === 0 ? stand : (stand * (5 * linearUp(p.sensor("torso_subtreelinvel"), speed, speed / 2, 0.5) + 1)) / 6;
  },
});
const hopper = (hop: boolean): RefTask => ({
  obs: (p) => [...p.qposAll.slice(1), ...p.qvelAll, Math.log1p(p.sensor("touch_toe")), Math.log1p(p.sensor("touch_heel"))],
  reward: (p) => {
    const standing = tolerance(p.xipos("torso", 2) - p.xipos("foot", 2), { bounds: [0.6, 2] });
    return hop ? standing * linearUp(p.sensor("torso_subtreelinvel"), 2, 1, 0.5) : standing * ((mean(p.ctrl.map(quadControl)) + 4) / 5);
  },
});
const reacher = (size: number): RefTask => ({
  obs: (p) => [...p.qposAll, p.geomXpos("target", 0) - p.geomXpos("finger", 0), p.geomXpos("target", 1) - p.geomXpos("finger", 1), ...p.qvelAll],
  reward: (p) => tolerance(Math.hypot(p.geomXpos("target", 0) - p.geomXpos("finger", 0), p.geomXpos("target", 1) - p.geomXpos("finger", 1)), { bounds: [0, size + 0.01] }),
});
const acrobot = (sparse: boolean): RefTask => ({
  obs: (p) => [p.xmat("upper_arm", "xz"), p.xmat("lower_arm", "xz"), p.xmat("upper_arm", "zz"), p.xmat("lower_arm", "zz"), ...p.qvelAll],
  reward: (p) => tolerance(Math.hypot(...range(3).map((i) => p.siteXpos("target", i) - p.siteXpos("tip", i))), { bounds: [0, 0.2], margin: sparse ? 0 : 1 }),
});
const QUAD_SIDES = ["front_left", "front_right", "back_right", "back_left"];
const quadruped = (speed: number): RefTask => ({
  obs: (p) => [
    ...QUAD_SIDES.flatMap((s) => ["yaw", "pitch", "knee", "ankle"].map((j) => `${j}_${s}`)).map((j) => p.qpos(j)),
    ...QUAD_SIDES.flatMap((s) => ["yaw", "pitch", "knee", "ankle"].map((j) => `${j}_${s}`)).map((j) => p.qvel(j)),
    ...(p.d.act as Float64Array),
    ...range(3).map((k) => p.sensor("velocimeter", k)),
    p.xmat("torso", "zz"),
    ...range(3).map((k) => p.sensor("imu_accel", k)),
    ...range(3).map((k) => p.sensor("imu_gyro", k)),
    ...["force", "torque"].flatMap((f) => QUAD_SIDES.flatMap((s) => range(3).map((k) => Math.asinh(p.sensor(`${f}_toe_${s}`, k))))),
  ],
  reward: (p) => linearUp(p.xmat("torso", "zz"), 1, 2, 0) * linearUp(p.sensor("velocimeter"), speed, speed, 0.5),
});
const humanoid = (speed: number): RefTask => ({
  obs: (p) => {
    const toTorso = (b: string) => {
      const v = range(3).map((i) => p.xpos(b, i) - p.xpos("torso", i));
      return ["x", "y", "z"].map((c) => v[0]! * p.xmat("torso", `x${c}`) + v[1]! * p.xmat("torso", `y${c}`) + v[2]! * p.xmat("torso", `z${c}`));
    };
    return [
      ...p.qposAll.slice(7),
      p.xpos("head", 2),
      ...["left_hand", "left_foot", "right_hand", "right_foot"].flatMap(toTorso),
      p.xmat("torso", "zx"), p.xmat("torso", "zy"), p.xmat("torso", "zz"),
      ...range(3).map((k) => p.sensor("torso_subtreelinvel", k)),
      ...p.qvelAll,
    ];
  },
  reward: (p) => {
    const stand = tolerance(p.xpos("head", 2), { bounds: [1.4, Infinity], margin: 0.35 }) * linearUp(p.xmat("torso", "zz"), 0.9, 1.9, 0);
    const small = (4 + numpyMean(p.ctrl.map(quadControl))) / 5;
    const [vx, vy] = [p.sensor("torso_subtreelinvel", 0), p.sensor("torso_subtreelinvel", 1)];
    if (speed === 0) return small * stand * ((tolerance(vx, { margin: 2 }) + tolerance(vy, { margin: 2 })) / 2);
    return small * stand * ((5 * linearUp(Math.hypot(vx, vy), speed, speed, 0) + 1) / 6);
  },
});

/** Every task with its model tag, its independent observation/reward, and its physics steps per control step. */
const TASKS: Record<string, { tag: string; nSub: number; ref: RefTask }> = {
  "cartpole-balance": { tag: "cartpole", nSub: 1, ref: cartpole(false) },
  "cartpole-balance_sparse": { tag: "cartpole", nSub: 1, ref: cartpole(true) },
  "cartpole-swingup": { tag: "cartpole", nSub: 1, ref: cartpole(false) },
  "cartpole-swingup_sparse": { tag: "cartpole", nSub: 1, ref: cartpole(true) },
  "pendulum-swingup": {
    tag: "pendulum",
    nSub: 1,
    ref: { obs: (p) => [p.xmat("pole", "zz"), p.xmat("pole", "xz"), p.qvel("hinge")], reward: (p) => tolerance(p.xmat("pole", "zz"), { bounds: [Math.cos((8 * Math.PI) / 180), 1] }) },
  },
  "cheetah-run": { tag: "cheetah", nSub: 1, ref: { obs: (p) => [...p.qposAll.slice(1), ...p.qvelAll], reward: (p) => linearUp(p.sensor("torso_subtreelinvel"), 10, 10, 0) } },
  "walker-stand": { tag: "walker", nSub: 10, ref: walker(0) },
  "walker-walk": { tag: "walker", nSub: 10, ref: walker(1) },
  "walker-run": { tag: "walker", nSub: 10, ref: walker(8) },
  "hopper-stand": { tag: "hopper", nSub: 4, ref: hopper(false) },
  "hopper-hop": { tag: "hopper", nSub: 4, ref: hopper(true) },
  "reacher-easy": { tag: "reacher", nSub: 1, ref: reacher(0.05) },
  "reacher-hard": { tag: "reacher", nSub: 1, ref: reacher(0.015) },
  "finger-spin": {
    tag: "finger_spin",
    nSub: 2,
    ref: {
      obs: (p) => [
        p.sensor("proximal"), p.sensor("distal"), p.sensor("tip", 0) - p.sensor("spinner", 0), p.sensor("tip", 2) - p.sensor("spinner", 2),
        p.sensor("proximal_velocity"), p.sensor("distal_velocity"), p.sensor("hinge_velocity"), Math.log1p(p.sensor("touchtop")), Math.log1p(p.sensor("touchbottom")),
      ],
      reward: (p) => (p.sensor("hinge_velocity") <= -15 ? 1 : 0),
    },
  },
  "ball_in_cup-catch": {
    tag: "ball_in_cup",
    nSub: 10,
    ref: {
      obs: (p) => [...p.qposAll, ...p.qvelAll],
      reward: (p) => (Math.abs(p.siteXpos("target", 0) - p.xpos("ball", 0)) < 0.05 - 0.025 && Math.abs(p.siteXpos("target", 2) - p.xpos("ball", 2)) < 0.05 - 0.025 ? 1 : 0),
    },
  },
  "acrobot-swingup": { tag: "acrobot", nSub: 1, ref: acrobot(false) },
  "acrobot-swingup_sparse": { tag: "acrobot", nSub: 1, ref: acrobot(true) },
  "quadruped-walk": { tag: "quadruped_walk", nSub: 4, ref: quadruped(0.5) },
  "quadruped-run": { tag: "quadruped_run", nSub: 4, ref: quadruped(5) },
  "humanoid-stand": { tag: "humanoid", nSub: 5, ref: humanoid(0) },
  "humanoid-walk": { tag: "humanoid", nSub: 5, ref: humanoid(1) },
  "humanoid-run": { tag: "humanoid", nSub: 5, ref: humanoid(10) },
};
const taskName = (id: string) => id.slice("dm_control/".length, -"-v0".length);

/** Groups of tasks sharing one model: the first drives the trajectory, the others step from the same states. */
const TRAJECTORIES = Object.entries(
  Object.keys(TASKS).reduce<Record<string, string[]>>((acc, name) => {
    (acc[TASKS[name]!.tag] ??= []).push(name);
    return acc;
  }, {}),
).map(([tag, names]) => ({ tag, names }));

describe.skipIf(!HAVE_REFS)("DMC trajectories against a stateful dm_control-style stepper on the reference models", () => {
  it.each(TRAJECTORIES)("$tag: 1000 control steps bitwise equal, observations and rewards recomputed ($names)", ({ tag, names }) => {
    const envs = names.map((n) => dmcEnv(`dm_control/${n}-v0`));
    const lead = envs[0]!;
    const p = lead.defaultParams;
    const spec = TASKS[names[0]!]!;
    // dm_control edits reacher's target geom in the model; do the same on a private copy of the reference.
    const m = tag === "reacher" ? loadReference("reacher.xml", undefined, "reacher_traj") : reference(tag);
    const ref = new LegacyReference(m, spec.nSub);
    const space = lead.actionSpace(p) as Box;
    const next = actionStream(tag.length * 7919 + 5, space.low.dataSync(), space.high.dataSync());
    const { obs, state: s0 } = lead.reset(random.key(7), p);
    const stateSize = 1 + m.nq + 2 * m.nv + m.na;
    const taskData = (s: DmcState) => (s.physics.dataSync() as Float64Array).slice(stateSize);
    if (tag === "reacher") {
      const t = taskData(s0);
      const g = requireMujoco("test").mj_name2id(m, requireMujoco("test").mjtObj.mjOBJ_GEOM.value, "target");
      (m.geom_pos as Float64Array).set([t[0]!, t[1]!], 3 * g);
    }
    ref.load(s0.physics.dataSync() as Float64Array);
    let mismatches = bitMismatches(obs.dataSync(), spec.ref.obs(ref.named, taskData(s0)));
    let state = s0;
    const rewardSums = names.map(() => 0);
    let truncatedAt = -1;
    for (let t = 0; t < 1000; t++) {
      const a = next();
      ref.step(a);
      const from = state;
      names.forEach((name, i) => {
        const r = envs[i]!.step(random.key(0), from, np.array(a), p);
        const task = TASKS[name]!.ref;
        mismatches += bitMismatches(r.state.physics.dataSync().subarray(0, stateSize), ref.snapshot());
        mismatches += bitMismatches(r.obs.dataSync(), task.obs(ref.named, taskData(r.state)));
        mismatches += bitMismatches([r.reward.item()], [Math.fround(task.reward(ref.named, taskData(r.state)))]);
        rewardSums[i]! += r.reward.item();
        if (i === 0) {
          if (r.truncated.item() && truncatedAt < 0) truncatedAt = t;
          state = r.state;
        }
      });
    }
    ref.dispose();
    expect(mismatches).toBe(0);
    expect(truncatedAt).toBe(999);
    console.log(`dmc.test ${tag}: returns of the random-action trajectory ${names.map((n, i) => `${n} ${rewardSums[i]!.toFixed(2)}`).join(", ")}`);
  });
});

/** np.sum of [i·0.1 + 10^(i mod 7)/(i + 1) for i < 300] under numpy 2.4 (sequential summation gives 696385.7472731988). */
const BIG_SUM = 696385.7472731983;

describe("tolerance (dm_control rewards.tolerance)", () => {
  // Values from dm_control's rewards.py under numpy 2.4 for bounds (−0.2, 1), margin 1.5, value_at_margin 0.3.
  const NUMPY: [string, number, number][] = [
    ["gaussian", 1.25, 0.9671093685850132], ["gaussian", 2.0, 0.585611297615544], ["gaussian", 3.5, 0.03528247487077987], ["gaussian", -0.4, 0.9788234782167105],
    ["hyperbolic", 1.25, 0.9531395110449844], ["hyperbolic", 2.0, 0.5298955002619987], ["hyperbolic", 3.5, 0.08787651030657179], ["hyperbolic", -0.4, 0.9695809711725526],
    ["long_tail", 1.25, 0.9391304347826086], ["long_tail", 2.0, 0.49090909090909085], ["long_tail", 3.5, 0.13366336633663364], ["long_tail", -0.4, 0.9601706970128023],
    ["reciprocal", 1.25, 0.72], ["reciprocal", 2.0, 0.391304347826087], ["reciprocal", 3.5, 0.20454545454545453], ["reciprocal", -0.4, 0.7627118644067796],
    ["cosine", 1.25, 0.9729586726509629], ["cosine", 2.0, 0.6233406434142255], ["cosine", 3.5, 0], ["cosine", -0.4, 0.9826367002443007],
    ["linear", 1.25, 0.8833333333333333], ["linear", 2.0, 0.5333333333333334], ["linear", 3.5, 0], ["linear", -0.4, 0.9066666666666667],
    ["quadratic", 1.25, 0.9805555555555555], ["quadratic", 2.0, 0.6888888888888889], ["quadratic", 3.5, 0], ["quadratic", -0.4, 0.9875555555555555],
    ["tanh_squared", 1.25, 0.9604124730280539], ["tanh_squared", 2.0, 0.5541455198500091], ["tanh_squared", 3.5, 0.06842955674903495], ["tanh_squared", -0.4, 0.9744193327794],
  ];

  it("matches numpy's values for every sigmoid (to 1 ulp-scale) and hand formulas", () => {
    expect(SIGMOIDS.length).toBe(8);
    for (const [sigmoid, x, want] of NUMPY) {
      const got = tolerance(x, { bounds: [-0.2, 1], margin: 1.5, sigmoid: sigmoid as never, valueAtMargin: 0.3 });
      expect(Math.abs(got - want), `${sigmoid}(${x})`).toBeLessThanOrEqual(2e-16);
    }
    // Hand formulas: d = distance/margin; v at d = 1.
    const d = (2 - 1) / 1.5;
    expect(tolerance(2, { bounds: [-0.2, 1], margin: 1.5, sigmoid: "linear", valueAtMargin: 0.3 })).toBeCloseTo(1 - d * 0.7, 15);
    expect(tolerance(2, { bounds: [-0.2, 1], margin: 1.5, valueAtMargin: 0.3 })).toBeCloseTo(Math.exp(-0.5 * d * d * -2 * Math.log(0.3)), 15);
    expect(tolerance(2, { bounds: [-0.2, 1], margin: 1.5, sigmoid: "long_tail", valueAtMargin: 0.3 })).toBeCloseTo(1 / (d * d * (1 / 0.3 - 1) + 1), 15);
    for (const sigmoid of SIGMOIDS) {
      // At exactly one margin from the bound every sigmoid gives value_at_margin; inside the bounds it gives 1.
      expect(tolerance(3, { bounds: [0, 1], margin: 2, sigmoid, valueAtMargin: 0.25 }), sigmoid).toBeCloseTo(0.25, 14);
      expect(tolerance(-1, { bounds: [0, 1], margin: 1, sigmoid, valueAtMargin: 0.25 }), sigmoid).toBeCloseTo(0.25, 14);
      expect(tolerance(0.5, { bounds: [0, 1], margin: 2, sigmoid, valueAtMargin: 0.25 })).toBe(1);
    }
  });

  it("is an indicator with margin 0, inclusive at the bounds, and defaults to bounds (0, 0), gaussian, 0.1", () => {
    expect(tolerance(0)).toBe(1);
    expect(tolerance(1e-300)).toBe(0);
    expect(tolerance(0.25, { bounds: [-0.25, 0.25] })).toBe(1);
    expect(tolerance(0.2500000001, { bounds: [-0.25, 0.25] })).toBe(0);
    expect(tolerance(5, { bounds: [1, Infinity] })).toBe(1);
    expect(tolerance(2, { margin: 2 })).toBeCloseTo(0.1, 15);
    expect(tolerance(NaN, { margin: 1, sigmoid: "linear" })).toBe(0);
    expect(tolerance(NaN)).toBe(0);
    expect(Number.isNaN(tolerance(NaN, { margin: 1 }))).toBe(true);
    // Zero value at margin is allowed exactly for cosine, linear and quadratic, which then reach 0 at one margin.
    expect(tolerance(1, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" })).toBe(0);
    expect(tolerance(0.5, { margin: 1, valueAtMargin: 0, sigmoid: "quadratic" })).toBe(0.75);
    expect(tolerance(5, { bounds: [10, Infinity], margin: 10, valueAtMargin: 0, sigmoid: "linear" })).toBe(0.5);
  });

  it("raises where dm_control raises", () => {
    expect(() => tolerance(0, { bounds: [1, 0] })).toThrow(/lower <= upper/);
    expect(() => tolerance(0, { margin: -1 })).toThrow(/non-negative/);
    expect(() => tolerance(0, { margin: 1, valueAtMargin: 0 })).toThrow(/strictly between 0 and 1/);
    expect(() => tolerance(0, { margin: 1, valueAtMargin: 1, sigmoid: "linear" })).toThrow(/\[0, 1\)/);
    expect(() => tolerance(0, { margin: 1, sigmoid: "logistic" as never })).toThrow(/unknown sigmoid/);
    expect(() => tolerance(0, { margin: 1, valueAtMargin: 0 })).toThrow(DriftError);
    // With margin 0 the sigmoid is never evaluated, so dm_control accepts any value_at_margin.
    expect(tolerance(0, { valueAtMargin: 5 })).toBe(1);
  });

  it("sums and averages with numpy's pairwise summation", () => {
    const a = [1e16, 1, -1e16, 1, 3, 1e-3, 7, 1e16, -1e16, 2.5, 0.1, 0.2, 0.3, ...range(20).map((i) => 0.1 * i)];
    expect(numpySum(a)).toBe(33.9); // np.sum; a left-to-right loop gives 34.099999999999994
    const b = range(21).map((i) => 0.1 * i + 1e-3 * i * i);
    expect(numpyMean(b)).toBe(1.1366666666666665); // np.mean; sum/21 in order gives ...663
    expect(numpySum([1, 2, 3])).toBe(6);
    const big = range(300).map((i) => i * 0.1 + (1 / (i + 1)) * 10 ** (i % 7));
    expect(numpySum(big)).toBe(BIG_SUM); // np.sum (blocks of 144, 72 and 84); a left-to-right loop differs
  });
});

/** The compiled model of a task's env (the same cached instance the env steps). */
function modelOf(tag: string) {
  return compileModel(`dmc_test_${tag}`, toMjcf(MODELS.find((m) => m.tag === tag)!.build()));
}

/** A state at rest in the reference configuration, edited by `edit(qpos, qvel)`, with optional task data. */
function stateAt(tag: string, edit: (qpos: Float64Array, qvel: Float64Array) => void, task: number[] = []): DmcState {
  const c = modelOf(tag);
  const s = new Float64Array(c.stateSize + task.length);
  const qpos = s.subarray(1, 1 + c.nq);
  qpos.set(c.qpos0);
  edit(qpos, s.subarray(1 + c.nq, 1 + c.nq + c.nv));
  s.set(task, c.stateSize);
  return { physics: np.array(s), steps: np.array(0, { dtype: "int32" }) };
}

describe("DMC tasks", () => {
  const env = (name: string) => dmcEnv(`dm_control/${name}-v0`);
  const rewardAt = (name: string, edit: (q: Float64Array, v: Float64Array) => void, task: number[] = [], action?: number[]) =>
    env(name).evaluate(stateAt(TASKS[name]!.tag, edit, task), action ? np.array(action) : undefined).reward;
  const none = () => {};

  it("lists 22 tasks with dm_control's observation and action sizes", () => {
    const dims: Record<string, [number, number]> = {
      "cartpole-balance": [5, 1], "cartpole-balance_sparse": [5, 1], "cartpole-swingup": [5, 1], "cartpole-swingup_sparse": [5, 1],
      "pendulum-swingup": [3, 1], "cheetah-run": [17, 6], "walker-stand": [24, 6], "walker-walk": [24, 6], "walker-run": [24, 6],
      "hopper-stand": [15, 4], "hopper-hop": [15, 4], "reacher-easy": [6, 2], "reacher-hard": [6, 2], "finger-spin": [9, 2],
      "ball_in_cup-catch": [8, 2], "acrobot-swingup": [6, 1], "acrobot-swingup_sparse": [6, 1], "quadruped-walk": [78, 12],
      "quadruped-run": [78, 12], "humanoid-stand": [67, 21], "humanoid-walk": [67, 21], "humanoid-run": [67, 21],
    };
    expect(DMC_ENV_IDS.map(taskName).sort()).toEqual(Object.keys(dims).sort());
    expect(dmcEnvSpecs.map((s) => s.id)).toEqual([...DMC_ENV_IDS]);
    for (const id of DMC_ENV_IDS) {
      const e = dmcEnv(id);
      const [obs, act] = dims[taskName(id)]!;
      expect(e.observationSpace(e.defaultParams).shape, id).toEqual([obs]);
      expect(e.observationSpace(e.defaultParams).dtype).toBe("float64");
      expect(e.actionSpace(e.defaultParams).shape, id).toEqual([act]);
      const last = e.observationLayout[e.observationLayout.length - 1]!;
      expect(last.start + last.size, id).toBe(obs);
      expect(e.traceable).toBe(false);
    }
    expect(env("quadruped-walk").observationLayout.map((f) => f.key)).toEqual(["egocentric_state", "torso_velocity", "torso_upright", "imu", "force_torque"]);
    const q = env("quadruped-run").actionSpace({ timeLimit: 20 }) as Box;
    expect(globalThis.Array.from(q.high.dataSync()).slice(0, 3)).toEqual([1, Math.fround(1.1), Math.fround(0.8)]);
    expect(() => dmcEnv("dm_control/cartpole-swing-v0")).toThrow(/valid ids/);
  });

  it("meets the env contract (checkEnv) for every task", () => {
    for (const id of DMC_ENV_IDS) checkEnv(dmcEnv(id), undefined, { steps: 3 });
  });

  it("rewards known states as dm_control defines them", () => {
    const near = (x: number, want: number) => expect(Math.abs(x - want)).toBeLessThanOrEqual(1e-12);
    // cartpole: upright and centred at rest with zero control is the maximum; each factor then lowers it alone.
    for (const t of ["cartpole-balance", "cartpole-swingup", "cartpole-balance_sparse", "cartpole-swingup_sparse"]) expect(rewardAt(t, none), t).toBe(1);
    expect(rewardAt("cartpole-swingup", (q) => void (q[1] = Math.PI))).toBeLessThan(1e-30);
    expect(rewardAt("cartpole-swingup_sparse", (q) => void (q[1] = Math.PI))).toBe(0);
    near(rewardAt("cartpole-balance", (q) => void (q[0] = 2)), (1 + 0.1) / 2); // centred = (1 + tol(2, margin 2)) / 2
    near(rewardAt("cartpole-balance", (_q, v) => void (v[1] = 5)), (1 + 0.1) / 2);
    near(rewardAt("cartpole-balance", none, [], [1]), 4 / 5); // quadratic control term is 0 at |u| = 1
    expect(rewardAt("cartpole-balance_sparse", (q) => void (q[0] = 0.3))).toBe(0);
    expect(rewardAt("cartpole-balance_sparse", (q) => void (q[1] = 0.1))).toBe(1); // cos 0.1 = 0.99500 ≥ 0.995
    expect(rewardAt("cartpole-balance_sparse", (q) => void (q[1] = 0.11))).toBe(0);
    // pendulum: 1 within 8° of upright.
    expect(rewardAt("pendulum-swingup", none)).toBe(1);
    expect(rewardAt("pendulum-swingup", (q) => void (q[0] = (7 * Math.PI) / 180))).toBe(1);
    expect(rewardAt("pendulum-swingup", (q) => void (q[0] = (9 * Math.PI) / 180))).toBe(0);
    expect(rewardAt("pendulum-swingup", (q) => void (q[0] = Math.PI))).toBe(0);
    // cheetah: clip(v / 10, 0, 1) of the centre-of-mass velocity.
    expect(rewardAt("cheetah-run", none)).toBe(0);
    near(rewardAt("cheetah-run", (_q, v) => void (v[0] = 5)), 0.5);
    near(rewardAt("cheetah-run", (_q, v) => void (v[0] = 12)), 1);
    // walker: standing upright (torso at 1.3 m) gives stand = 1; the move term needs vx ≥ speed.
    near(rewardAt("walker-stand", none), 1);
    near(rewardAt("walker-walk", none), 1 / 6);
    near(rewardAt("walker-walk", (_q, v) => void (v[1] = 1)), 1);
    near(rewardAt("walker-run", (_q, v) => void (v[1] = 4)), (5 * 0.5 + 1) / 6);
    near(rewardAt("walker-stand", (q) => void (q[2] = Math.PI / 2)), (3 + 0.5) / 4); // lying: upright = (1 + cos 90°)/2
    // hopper: standing (torso 0.6–2 m above the foot) times the task term.
    near(rewardAt("hopper-stand", none), 1);
    near(rewardAt("hopper-stand", none, [], [1, 0, 0, 0]), (4 + 3 / 4) / 5);
    expect(rewardAt("hopper-hop", none)).toBe(0);
    near(rewardAt("hopper-hop", (_q, v) => void (v[0] = 3)), 1);
    near(rewardAt("hopper-hop", (_q, v) => void (v[0] = 1.5)), 0.75);
    expect(rewardAt("hopper-stand", (q) => void (q[2] = Math.PI))).toBe(0); // upside down: torso below the foot
    // reacher: the finger (at x = 0.24 in the reference pose) inside target radius + finger radius.
    expect(rewardAt("reacher-easy", none, [0.24, 0])).toBe(1);
    expect(rewardAt("reacher-easy", none, [0.27, 0])).toBe(1); // 0.03 ≤ 0.05 + 0.01
    expect(rewardAt("reacher-hard", none, [0.27, 0])).toBe(0); // 0.03 > 0.015 + 0.01
    expect(rewardAt("reacher-hard", none, [0.26, 0])).toBe(1);
    expect(rewardAt("reacher-easy", none, [0, 0.2])).toBe(0);
    // finger-spin: 1 while the hinge turns at ≤ −15 rad/s.
    expect(rewardAt("finger-spin", (_q, v) => void (v[2] = -20))).toBe(1);
    expect(rewardAt("finger-spin", (_q, v) => void (v[2] = -10))).toBe(0);
    expect(rewardAt("finger-spin", (_q, v) => void (v[2] = 20))).toBe(0);
    // ball_in_cup: ball centre (0, 0.2 + z) inside the cup's target box around (0, 0.55).
    expect(rewardAt("ball_in_cup-catch", (q) => void (q[3] = 0.35))).toBe(1);
    expect(rewardAt("ball_in_cup-catch", (q) => ((q[2] = 0.03), (q[3] = 0.35)))).toBe(0);
    expect(rewardAt("ball_in_cup-catch", none)).toBe(0);
    // acrobot: tip at the target (both links up) vs hanging down 4 m away: gaussian 0.1^(3.8²).
    expect(rewardAt("acrobot-swingup", none)).toBe(1);
    expect(rewardAt("acrobot-swingup_sparse", none)).toBe(1);
    const hanging = rewardAt("acrobot-swingup", (q) => void (q[0] = Math.PI));
    expect(Math.abs(hanging / 0.1 ** (3.8 * 3.8) - 1)).toBeLessThan(1e-9);
    expect(rewardAt("acrobot-swingup_sparse", (q) => void (q[0] = Math.PI))).toBe(0);
    // quadruped: upright·move, move = 0.5 at rest (linear, value 0.5 at one margin); upside down gives 0.
    near(rewardAt("quadruped-walk", none), 0.5);
    near(rewardAt("quadruped-run", none), 0.5);
    near(rewardAt("quadruped-walk", (_q, v) => void (v[0] = 0.5)), 1);
    near(rewardAt("quadruped-run", (_q, v) => void (v[0] = 2.5)), 0.75);
    expect(rewardAt("quadruped-walk", (q) => void q.set([0, 1, 0, 0], 3))).toBe(0);
    // humanoid: standing still at the reference pose is the maximum; moving tasks need speed.
    near(rewardAt("humanoid-stand", none), 1);
    near(rewardAt("humanoid-walk", none), 1 / 6);
    near(rewardAt("humanoid-walk", (_q, v) => void (v[0] = 1)), 1);
    near(rewardAt("humanoid-run", (_q, v) => void (v[1] = 5)), (5 * 0.5 + 1) / 6);
    near(rewardAt("humanoid-stand", (_q, v) => void (v[0] = 2)), (1 + 0.1) / 2);
    const lying = rewardAt("humanoid-stand", (q) => void q.set([Math.SQRT1_2, 0, Math.SQRT1_2, 0], 3));
    near(lying, 1 / 1.9); // torso zz = 0: upright = 1 − 0.9/1.9; the head stays above 1.4 m
  });

  it("initialises episodes in dm_control's distributions", () => {
    const resetQ = (name: string, seed: number) => {
      const c = modelOf(TASKS[name]!.tag);
      const s = env(name).reset(random.key(seed), env(name).defaultParams).state.physics.dataSync() as Float64Array;
      return { c, time: s[0]!, qpos: s.subarray(1, 1 + c.nq), qvel: s.subarray(1 + c.nq, 1 + c.nq + c.nv), warm: s.subarray(1 + c.nq + c.nv + c.na, c.stateSize), task: s.subarray(c.stateSize) };
    };
    const inRanges = (name: string, seeds: number[]) => {
      for (const seed of seeds) {
        const { c, qpos } = resetQ(name, seed);
        const m = c.model;
        for (let j = 0; j < m.njnt; j++) {
          if (!(m.jnt_limited as Uint8Array)[j]) continue;
          const a = (m.jnt_qposadr as Int32Array)[j]!;
          const [lo, hi] = [(m.jnt_range as Float64Array)[2 * j]!, (m.jnt_range as Float64Array)[2 * j + 1]!];
          expect(qpos[a]! >= lo && qpos[a]! <= hi, `${name} joint ${j}`).toBe(true);
        }
      }
    };
    const seeds = range(8);
    const swing = seeds.map((s) => resetQ("cartpole-swingup", s));
    for (const { qpos, qvel } of swing) {
      expect(Math.abs(qpos[0]!)).toBeLessThan(0.05);
      expect(Math.abs(qpos[1]! - Math.PI)).toBeLessThan(0.05);
      expect(Math.max(...qvel.map(Math.abs))).toBeLessThan(0.05);
    }
    expect(new Set(swing.map((r) => r.qpos[1])).size).toBe(8);
    for (const s of seeds) {
      const { qpos } = resetQ("cartpole-balance", s);
      expect(Math.abs(qpos[0]!)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(qpos[1]!)).toBeLessThanOrEqual(0.034);
    }
    const angles = range(40).map((s) => resetQ("pendulum-swingup", s).qpos[0]!);
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(-Math.PI);
    expect(Math.max(...angles)).toBeLessThan(Math.PI);
    expect(Math.min(...angles)).toBeLessThan(-2);
    expect(Math.max(...angles)).toBeGreaterThan(2);
    const ch = resetQ("cheetah-run", 3);
    expect(ch.time).toBe(0); // clock reset after the 200 settling steps
    expect(Math.max(...ch.warm.map(Math.abs))).toBeGreaterThan(0);
    expect(ch.qpos[1]!).toBeLessThan(0); // settled: the root dropped from its reference height
    for (const name of ["walker-walk", "hopper-hop", "reacher-hard", "finger-spin", "humanoid-walk"]) inRanges(name, [0, 1, 2]);
    for (const s of seeds) {
      const { task } = resetQ("reacher-easy", s);
      const r = Math.hypot(task[0]!, task[1]!);
      expect(r >= 0.05 && r <= 0.2).toBe(true);
    }
    for (const s of [0, 1, 2]) {
      const { qpos } = resetQ("quadruped-walk", s);
      expect(Math.hypot(...qpos.subarray(3, 7))).toBeCloseTo(1, 14);
      expect(Math.abs(qpos[2]! / 0.01 - Math.round(qpos[2]! / 0.01))).toBeLessThan(1e-6); // z raised in 0.01 m steps
      const h = resetQ("humanoid-run", s);
      expect(globalThis.Array.from(h.qpos.subarray(0, 3))).toEqual([0, 0, 1.5]);
      expect(Math.min(...h.qpos.subarray(3, 7))).toBeGreaterThanOrEqual(0); // normalised U[0, 1)^4
      const b = resetQ("ball_in_cup-catch", s);
      expect(Math.abs(b.qpos[2]!)).toBeLessThanOrEqual(0.2);
      expect(b.qpos[3]! >= 0.2 && b.qpos[3]! <= 0.5).toBe(true);
    }
  });

  it.skipIf(!HAVE_REFS)("starts contact-free where dm_control redraws until no contacts", () => {
    for (const name of ["finger-spin", "ball_in_cup-catch", "quadruped-walk", "humanoid-stand"]) {
      const tag = TASKS[name]!.tag;
      const ref = new LegacyReference(tag === "finger_spin" ? reference("finger") : reference(tag), 1);
      for (const seed of [0, 1, 2]) {
        ref.load(env(name).reset(random.key(seed), env(name).defaultParams).state.physics.dataSync() as Float64Array);
        expect(ref.d.ncon, `${name} seed ${seed}`).toBe(0);
      }
      ref.dispose();
    }
  });

  it("gives per-step rewards in [0, 1] over random-action episodes", () => {
    const lengths: Record<string, number> = { "humanoid-stand": 300, "humanoid-walk": 300, "humanoid-run": 300, "quadruped-walk": 300, "quadruped-run": 300 };
    for (const id of DMC_ENV_IDS) {
      const e = dmcEnv(id);
      const p = e.defaultParams;
      const space = e.actionSpace(p) as Box;
      let { state } = e.reset(random.key(11), p);
      const n = lengths[taskName(id)] ?? 1000;
      const actions = random.uniform(random.key(12), [n, space.shape[0]!], { minval: space.low, maxval: space.high }).dataSync();
      let lo = Infinity;
      let hi = -Infinity;
      for (let t = 0; t < n; t++) {
        const r = e.step(random.key(0), state, np.array(actions.subarray(t * space.shape[0]!, (t + 1) * space.shape[0]!)), p);
        lo = Math.min(lo, r.reward.item());
        hi = Math.max(hi, r.reward.item());
        expect(Boolean(r.terminated.item())).toBe(false);
        state = r.state;
      }
      expect(lo, id).toBeGreaterThanOrEqual(0);
      expect(hi, id).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic: same inputs give bitwise the same outputs, even after scrambling the scratch MjData", () => {
    for (const name of ["cartpole-swingup", "cheetah-run", "finger-spin", "quadruped-run", "humanoid-walk"]) {
      const e = env(name);
      const p = e.defaultParams;
      const a = e.reset(random.key(5), p);
      const b = e.reset(random.key(5), p);
      expect(bitMismatches(a.obs.dataSync(), b.obs.dataSync()) + bitMismatches(a.state.physics.dataSync(), b.state.physics.dataSync())).toBe(0);
      expect(bitMismatches(a.obs.dataSync(), e.reset(random.key(6), p).obs.dataSync())).toBeGreaterThan(0);
      const space = e.actionSpace(p) as Box;
      const act = np.array(actionStream(3, space.low.dataSync(), space.high.dataSync())());
      const first = e.step(random.key(0), a.state, act, p);
      const c = modelOf(TASKS[name]!.tag);
      for (const view of Object.values(c.views())) view.fill(0.37);
      c.data.time = 99;
      c.step(2);
      const again = e.step(random.key(1), a.state, act, p);
      expect(bitMismatches(first.obs.dataSync(), again.obs.dataSync()) + bitMismatches(first.state.physics.dataSync(), again.state.physics.dataSync()), name).toBe(0);
      expect(again.reward.item()).toBe(first.reward.item());
    }
  });

  it("truncates at dm_control's step limit (timeLimit / control timestep)", () => {
    const e = env("cartpole-balance");
    let { state } = e.reset(random.key(0), e.defaultParams);
    const short = { timeLimit: 0.5 }; // 0.5 s / 0.01 s = 50 control steps
    for (let t = 1; t <= 50; t++) {
      const r = e.step(random.key(0), state, np.zeros([1]), short);
      expect(Boolean(r.truncated.item()), `step ${t}`).toBe(t === 50);
      expect(r.state.steps.item()).toBe(t);
      state = r.state;
    }
    const forever = e.step(random.key(0), state, np.zeros([1]), { timeLimit: Infinity });
    expect(Boolean(forever.truncated.item())).toBe(false);
  });

  it("registers with an actionRepeat option and rejects bad input with a DriftError", async () => {
    for (const s of dmcEnvSpecs) register(s, { override: true });
    await prepareEnv("dm_control/walker-walk-v0");
    const { env: repeated, params } = makeEnv("dm_control/walker-walk-v0", { kwargs: { actionRepeat: 2 } });
    let { state } = repeated.reset(random.key(1), params);
    let steps = 0;
    let truncated = false;
    while (!truncated) {
      const r = repeated.step(random.key(steps), state, np.full([6], 0.3), params);
      expect(r.reward.item()).toBeGreaterThanOrEqual(0);
      expect(r.reward.item()).toBeLessThanOrEqual(2);
      truncated = Boolean(r.truncated.item());
      state = r.state;
      steps++;
    }
    expect(steps).toBe(500);
    expect(() => makeEnv("dm_control/walker-walk-v0", { kwargs: { actionRepeat: 0 } })).toThrow(/actionRepeat/);
    expect(() => makeEnv("dm_control/walker-walk-v0", { kwargs: { frameSkip: 2 } })).toThrow(/unknown option/);

    const e = env("hopper-hop");
    const p = e.defaultParams;
    const { state: s } = e.reset(random.key(0), p);
    const k = random.key(0);
    expect(() => e.step(k, s, np.zeros([3]), p)).toThrow(/shape \[4\]/);
    expect(() => e.step(k, s, np.array([0, NaN, 0, 0]), p)).toThrow(/finite/);
    expect(() => e.step(k, s, [0, 0, 0, 0] as never, p)).toThrow(/Drift array/);
    expect(() => e.step(k, { ...s, physics: s.physics.astype("float32") }, np.zeros([4]), p)).toThrow(/float64/);
    expect(() => e.step(k, { ...s, physics: np.zeros([3], { dtype: "float64" }) }, np.zeros([4]), p)).toThrow(DriftError);
    expect(() => e.step(k, { ...s, steps: np.array(0) }, np.zeros([4]), p)).toThrow(/int32/);
    expect(() => e.step(k, null as never, np.zeros([4]), p)).toThrow(DriftError);
    expect(() => e.checkParams({ timeLimit: 0 })).toThrow(/timeLimit/);
    expect(() => e.checkParams({ timeLimit: NaN })).toThrow(/timeLimit/);
    expect(() => e.checkParams({ timeLimit: 20, speed: 3 } as never)).toThrow(/unknown parameter/);
    e.checkParams({ timeLimit: Infinity });
    expect(() => e.evaluate(s, np.zeros([2]))).toThrow(DriftError);
    // Outside the control range is allowed (MuJoCo clamps), but the reward sees the raw control, as dm_control.
    const big = e.step(k, s, np.array([5, 0, 0, 0]), p);
    const clamped = e.step(k, s, np.array([1, 0, 0, 0]), p);
    expect(bitMismatches(big.state.physics.dataSync(), clamped.state.physics.dataSync())).toBe(0);
    const stand = env("hopper-stand");
    expect(stand.evaluate(s, np.array([5, 0, 0, 0])).reward).toBeLessThanOrEqual(stand.evaluate(s, np.array([1, 0, 0, 0])).reward);
  });

  it("batches with vectorEnv (bitwise equal to single envs) and runs behind the Gymnasium-style adapter", async () => {
    const e = env("finger-spin");
    const p = e.defaultParams;
    const venv = vectorEnv(e, 3);
    const key = random.key(4);
    const r = venv.reset(key, p);
    expect(r.obs.shape).toEqual([3, 9]);
    const actions = random.uniform(random.key(5), [3, 2], { minval: -1, maxval: 1 });
    const s = venv.step(key, r.state, actions, p);
    expect(s.reward.shape).toEqual([3]);
    const row = (x: Array, i: number) => np.reshape(np.slice(x, [i, i + 1]), x.shape.slice(1));
    const keys = random.split(key, 3);
    for (let i = 0; i < 3; i++) {
      const single = e.reset(row(keys, i), p);
      expect(bitMismatches(single.obs.dataSync(), row(r.obs, i).dataSync())).toBe(0);
      const one = e.step(row(keys, i), single.state, row(actions, i), p);
      expect(bitMismatches(one.obs.dataSync(), row(s.obs, i).dataSync())).toBe(0);
      expect(s.reward.dataSync()[i]).toBe(one.reward.item());
    }
    for (const spec of dmcEnvSpecs) register(spec, { override: true });
    await prepareEnv("dm_control/pendulum-swingup-v0");
    const g = make("dm_control/pendulum-swingup-v0");
    const [o0] = g.reset({ seed: 0 });
    expect(o0.shape).toEqual([3]);
    let truncated = false;
    let n = 0;
    while (!truncated) {
      const out = g.step([0.5]);
      truncated = Boolean(out[3]);
      n++;
    }
    expect(n).toBe(1000);
  });

  it("builds the MJCF elements the DMC models need and rejects bad ones", () => {
    const xml = toMjcf({
      name: "t",
      option: { timestep: 0.01, cone: "elliptic", flag: { contact: "disable", energy: "enable" } },
      statistic: { extent: 2, center: [0, 0, 1] },
      worldbody: {
        sites: [{ name: "a", pos: [0, 0, 1] }],
        bodies: [{ name: "b", euler: [0, 0, 45], sites: [{ name: "c", type: "box", size: [0.1, 0.1, 0.1], zaxis: [1, 0, 0] }], joints: [{ name: "j", type: "slide", frictionloss: 0.1 }], geoms: [{ size: [0.1], mass: 1 }] }],
      },
      tendons: [{ name: "s", sites: ["a", "c"], limited: true, range: [0, 1] }],
      actuators: [{ kind: "general", name: "g", joint: "j", dyntype: "filter", dynprm: [0.1], biastype: "affine", biasprm: [0, -1] }],
      sensors: [{ type: "touch", name: "t", site: "c" }],
    });
    expect(xml).toContain('<option timestep="0.01" cone="elliptic">\n    <flag contact="disable" energy="enable"/>\n  </option>');
    expect(xml).toContain('<spatial name="s" limited="true" range="0 1">');
    expect(xml).toContain('<general name="g" joint="j" dyntype="filter" dynprm="0.1" biastype="affine" biasprm="0 -1"/>');
    expect(xml).toContain('<touch name="t" site="c"/>');
    const c = compileModel("dmc_builder_probe", xml);
    expect([c.model.nsite, c.model.ntendon, c.model.na, c.model.nsensor]).toEqual([2, 1, 1, 1]);
    expect(() => toMjcf({ name: "t", worldbody: {}, tendons: [{ name: "s", sites: ["a"] }] })).toThrow(/at least 2 sites/);
  });
});
