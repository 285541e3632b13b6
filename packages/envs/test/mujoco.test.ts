// MuJoCo envs: model equivalence with Gymnasium's XMLs, bitwise trajectories, recomputed rewards, determinism, errors, random returns.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { DriftError, jit, np, random, vmap, type Array } from "@drift/tensor";
import type { MjData, MjModel } from "mujoco-js";
import type { StepResult } from "../src/types.ts";
import { actionStream, bitMismatches, compareModels } from "./mujoco-helpers.ts";
import type { Box } from "../src/spaces.ts";
import { vectorEnv } from "../src/wrappers/vector.ts";
import { checkEnv } from "../src/validation.ts";
import { makeEnv, prepareEnv, register } from "../src/registry.ts";
import {
  type CompiledModel,
  type LocomotionInfo,
  type MjcfModel,
  type MujocoState,
  ARENA_MEMORY,
  MUJOCO_ENV_IDS,
  ant,
  antModel,
  compileModel,
  halfCheetah,
  halfCheetahModel,
  hopper,
  hopperModel,
  humanoid,
  humanoidModel,
  initMujoco,
  mujocoEnv,
  mujocoEnvSpecs,
  mujocoReady,
  requireMujoco,
  toMjcf,
  walker2dModel,
} from "../src/mujoco/index.ts";

type Step = StepResult<MujocoState>;

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const REF_DIR = path.resolve(REPO_ROOT, "../shared/assets/mujoco/gymnasium");
const HAVE_REFS = existsSync(REF_DIR);
if (!HAVE_REFS) console.log(`mujoco.test: skipping reference-model checks because ${REF_DIR} does not exist`);

type Robot = "HalfCheetah" | "Hopper" | "Walker2d" | "Ant" | "Humanoid";

/** Our model builder and the reference file for each robot/version. */
const MODELS: { tag: string; file: string; build: () => MjcfModel }[] = [
  { tag: "half_cheetah", file: "half_cheetah.xml", build: halfCheetahModel },
  { tag: "hopper", file: "hopper.xml", build: hopperModel },
  { tag: "walker2d_v4", file: "walker2d.xml", build: () => walker2dModel("v4") },
  { tag: "walker2d_v5", file: "walker2d_v5.xml", build: () => walker2dModel("v5") },
  { tag: "ant", file: "ant.xml", build: antModel },
  { tag: "humanoid", file: "humanoid.xml", build: humanoidModel },
];

function refFile(id: string): string {
  const [robot, version] = id.split("-") as [Robot, "v4" | "v5"];
  if (robot === "Walker2d") return version === "v4" ? "walker2d.xml" : "walker2d_v5.xml";
  return { HalfCheetah: "half_cheetah.xml", Hopper: "hopper.xml", Ant: "ant.xml", Humanoid: "humanoid.xml" }[robot];
}

function ourModel(id: string): MjcfModel {
  return MODELS.find((m) => m.file === refFile(id))!.build();
}

function loadReference(file: string): CompiledModel {
  return compileModel(`ref_${file}`, readFileSync(path.join(REF_DIR, file), "utf8"));
}

function keyAt(seed: number, i: number): Array {
  return np.reshape(np.slice(random.split(random.key(seed), 2), [i, i + 1]), [2]);
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const sq = (xs: ArrayLike<number>, from = 0) => {
  let s = 0;
  for (let i = from; i < xs.length; i++) s += xs[i]! * xs[i]!;
  return s;
};

/**
 * An independent Gymnasium-1.4-style stateful env on the *reference* model (formulas from reference/envs.md §3):
 * ctrl = action, frame_skip × mj_step, mj_rnePostConstraint, then obs/reward/termination from qpos, qvel, xpos,
 * xipos and cfrc_ext read straight from MjData.
 */
class GymReference {
  readonly robot: Robot;
  readonly v5: boolean;
  readonly frameSkip: number;
  private readonly mj = requireMujoco("test");
  private readonly m: MjModel;
  private readonly d: MjData;

  constructor(id: string) {
    const [robot, version] = id.split("-") as [Robot, string];
    this.robot = robot;
    this.v5 = version === "v5";
    this.frameSkip = { HalfCheetah: 5, Hopper: 4, Walker2d: 4, Ant: 5, Humanoid: 5 }[robot];
    this.m = loadReference(refFile(id)).model;
    this.d = new this.mj.MjData(this.m);
  }

  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.d.qpos.set(qpos);
    this.d.qvel.set(qvel);
    this.mj.mj_forward(this.m, this.d);
  }

  get qpos(): Float64Array {
    return this.d.qpos;
  }
  get qvel(): Float64Array {
    return this.d.qvel;
  }

  private tracked(): [number, number] {
    const d = this.d;
    if (this.robot === "Ant") return [d.xpos[3], d.xpos[4]];
    if (this.robot === "Humanoid") {
      const mass: Float64Array = this.m.body_mass;
      let mx = 0;
      let my = 0;
      let total = 0;
      for (let b = 0; b < mass.length; b++) {
        mx += mass[b]! * d.xipos[3 * b];
        my += mass[b]! * d.xipos[3 * b + 1];
        total += mass[b]!;
      }
      return [mx / total, my / total];
    }
    return [d.qpos[0], 0];
  }

  obs(): number[] {
    const d = this.d;
    const qpos: number[] = globalThis.Array.from(d.qpos as Float64Array);
    const qvel: number[] = globalThis.Array.from(d.qvel as Float64Array);
    const cfrc: number[] = globalThis.Array.from(d.cfrc_ext as Float64Array);
    switch (this.robot) {
      case "HalfCheetah":
        return [...qpos.slice(1), ...qvel];
      case "Hopper":
      case "Walker2d":
        return [...qpos.slice(1), ...qvel.map((v) => clip(v, -10, 10))];
      case "Ant":
        return [...qpos.slice(2), ...qvel, ...(this.v5 ? cfrc.slice(6).map((f) => clip(f, -1, 1)) : [])];
      case "Humanoid": {
        const b = this.v5 ? 1 : 0;
        return [
          ...qpos.slice(2),
          ...qvel,
          ...globalThis.Array.from(d.cinert as Float64Array).slice(10 * b),
          ...globalThis.Array.from(d.cvel as Float64Array).slice(6 * b),
          ...globalThis.Array.from(d.qfrc_actuator as Float64Array).slice(6 * b),
          ...cfrc.slice(6 * b),
        ];
      }
    }
  }

  step(action: Float32Array): { obs: number[]; reward: number; terminated: boolean } {
    const { mj, m, d } = this;
    const before = this.tracked();
    d.ctrl.set(action);
    for (let i = 0; i < this.frameSkip; i++) mj.mj_step(m, d);
    mj.mj_rnePostConstraint(m, d);
    const after = this.tracked();
    const vx = (after[0] - before[0]) / (m.opt.timestep * this.frameSkip);
    const q: Float64Array = d.qpos;
    const v: Float64Array = d.qvel;
    const ctrl = sq(action);
    let healthy = true;
    let reward: number;
    switch (this.robot) {
      case "HalfCheetah":
        reward = vx - 0.1 * ctrl;
        healthy = true;
        break;
      case "Hopper": {
        const rest = [...globalThis.Array.from(q).slice(2), ...globalThis.Array.from(v)];
        healthy = rest.every((x) => -100 < x && x < 100) && q[1]! > 0.7 && -0.2 < q[2]! && q[2]! < 0.2;
        reward = vx + (healthy || !this.v5 ? 1 : 0) - 1e-3 * ctrl;
        break;
      }
      case "Walker2d":
        healthy = 0.8 < q[1]! && q[1]! < 2 && -1 < q[2]! && q[2]! < 1;
        reward = vx + (healthy || !this.v5 ? 1 : 0) - 1e-3 * ctrl;
        break;
      case "Ant": {
        const finite = [...q, ...v].every(Number.isFinite);
        healthy = finite && 0.2 <= q[2]! && q[2]! <= 1;
        let contact = 0;
        if (this.v5) for (const f of d.cfrc_ext as Float64Array) contact += clip(f, -1, 1) ** 2;
        reward = vx + (healthy || !this.v5 ? 1 : 0) - (0.5 * ctrl + 5e-4 * contact);
        break;
      }
      case "Humanoid": {
        healthy = 1 < q[2]! && q[2]! < 2;
        const contact = this.v5 ? Math.min(5e-7 * sq(d.cfrc_ext), 10) : 0;
        reward = 1.25 * vx + (healthy || !this.v5 ? 5 : 0) - (0.1 * ctrl + contact);
        break;
      }
    }
    return { obs: this.obs(), reward, terminated: !healthy };
  }

  dispose(): void {
    this.d.delete();
  }
}

/** qpos and qvel of an env state ([time, qpos, qvel, act, qacc_warmstart, pos]). */
function stateQ(state: MujocoState, nq: number, nv: number): { qpos: Float64Array; qvel: Float64Array } {
  const s = state.dataSync() as Float64Array;
  return { qpos: s.subarray(1, 1 + nq), qvel: s.subarray(1 + nq, 1 + nq + nv) };
}

function info(r: Step): LocomotionInfo {
  return r.info as unknown as LocomotionInfo;
}

function sameStep(a: Step, b: Step): number {
  let n = bitMismatches(a.obs.dataSync(), b.obs.dataSync()) + bitMismatches(a.state.dataSync(), b.state.dataSync());
  n += bitMismatches([a.reward.item(), a.terminated.item(), a.truncated.item()], [b.reward.item(), b.terminated.item(), b.truncated.item()]);
  for (const k of Object.keys(a.info) as (keyof LocomotionInfo)[]) n += bitMismatches([info(a)[k].item()], [info(b)[k].item()]);
  return n;
}

describe("before initMujoco", () => {
  it("throws a DriftError that says to call initMujoco", () => {
    expect(mujocoReady()).toBe(false);
    const env = mujocoEnv("Hopper-v5");
    expect(() => env.reset(random.key(0), env.defaultParams)).toThrow(DriftError);
    expect(() => env.reset(random.key(0), env.defaultParams)).toThrow(/initMujoco/);
  });
});

describe("MuJoCo locomotion", () => {
  beforeAll(async () => {
    await initMujoco();
  });

  it("lists ten envs: five robots in v4 and v5", () => {
    expect([...MUJOCO_ENV_IDS].sort()).toEqual(
      ["Ant", "HalfCheetah", "Hopper", "Humanoid", "Walker2d"].flatMap((r) => [`${r}-v4`, `${r}-v5`]).sort(),
    );
    expect(mujocoEnvSpecs.map((e) => e.id)).toEqual([...MUJOCO_ENV_IDS]);
    expect(() => mujocoEnv("Hopper-v3")).toThrow(/valid ids/);
  });

  it("meets the env contract (checkEnv: determinism, spaces, dtypes) and registers with a 1000-step time limit", async () => {
    for (const id of MUJOCO_ENV_IDS) {
      const env = mujocoEnv(id);
      expect(env.traceable).toBe(false);
      checkEnv(env);
    }
    for (const s of mujocoEnvSpecs) register(s, { override: true });
    await prepareEnv("Hopper-v5");
    const { env, params } = makeEnv("Hopper-v5", { params: { terminateWhenUnhealthy: false } });
    let { state } = env.reset(random.key(0), params);
    let truncatedAt = -1;
    for (let t = 0; t < 1000 && truncatedAt < 0; t++) {
      const r = env.step(random.key(0), state, np.zeros([3]), params);
      if (r.truncated.item()) truncatedAt = t;
      state = r.state;
    }
    expect(truncatedAt).toBe(999);
  });

  it("has Gymnasium's spaces", () => {
    const dims: Record<string, [number, number]> = {
      "HalfCheetah-v4": [17, 6], "HalfCheetah-v5": [17, 6], "Hopper-v4": [11, 3], "Hopper-v5": [11, 3],
      "Walker2d-v4": [17, 6], "Walker2d-v5": [17, 6], "Ant-v4": [27, 8], "Ant-v5": [105, 8],
      "Humanoid-v4": [376, 17], "Humanoid-v5": [348, 17],
    };
    for (const [id, [obs, act]] of Object.entries(dims)) {
      const env = mujocoEnv(id);
      expect(env.observationSpace(env.defaultParams).shape).toEqual([obs]);
      expect(env.observationSpace(env.defaultParams).dtype).toBe("float64");
      const a = env.actionSpace(env.defaultParams) as Box;
      expect(a.shape).toEqual([act]);
      expect(a.dtype).toBe("float32");
      const bound = id.startsWith("Humanoid") ? Math.fround(0.4) : 1;
      expect(globalThis.Array.from(a.high.dataSync())).toEqual(new globalThis.Array(act).fill(bound));
      expect(globalThis.Array.from(a.low.dataSync())).toEqual(new globalThis.Array(act).fill(-bound));
    }
  });

  it("builds MJCF from typed objects and rejects bad input", () => {
    const xml = toMjcf({
      name: "t",
      option: { timestep: 0.1 + 0.2 },
      worldbody: { bodies: [{ name: "b", joints: [{ name: "j", type: "hinge", range: [-1, 1] }], geoms: [{ size: [1e-7] }] }] },
      actuators: [{ joint: "j", gear: 3 }],
    });
    expect(xml).toContain('<option timestep="0.30000000000000004"/>');
    expect(xml).toContain('<joint name="j" type="hinge" range="-1 1"/>');
    expect(xml).toContain('<geom size="1e-7"/>');
    expect(() => toMjcf({ name: "t", worldbody: { geoms: [{ size: [NaN] }] } })).toThrow(DriftError);
    expect(() => compileModel("bad", toMjcf({ name: "t", worldbody: {}, actuators: [{ joint: "missing" }] }))).toThrow(DriftError);
  });

  describe.skipIf(!HAVE_REFS)("against the reference models", () => {
    // Rendering-only data (cameras, lights, textures, materials, colours), name tables, the unused Ant `init_qpos`
    // custom numeric, and memory sizing (narena/nbuffer: we set <size memory="512K"/>) are deliberately different.
    const EXCLUDED = /^(cam_|light_|tex_|mat_|name_|names|paths|npaths|numeric_|nnumeric|ncam|nlight|ntex|nmat|nnames|narena|nbuffer|buffer$|signature$|geom_rgba$|geom_matid$)/;

    it.each(MODELS)("compiles $tag to the same numeric arrays as $file", ({ tag, file, build }) => {
      const ref = loadReference(file).model;
      const ours = compileModel(tag, toMjcf(build())).model;
      const { compared, maxDiff } = compareModels(ref, ours, EXCLUDED);
      for (const must of ["body_mass", "body_inertia", "body_ipos", "geom_size", "geom_friction", "geom_pos", "jnt_range", "dof_damping", "dof_armature", "jnt_stiffness", "actuator_gear", "actuator_ctrlrange", "qpos0", "opt.timestep", "opt.integrator", "stat.meaninertia"])
        expect(compared, must).toContain(must);
      expect(compared.length).toBeGreaterThan(250);
      expect(maxDiff).toBe(0);
      expect(Number(ours.narena)).toBe(512 * 1024);
      expect(ARENA_MEMORY).toBe("512K");
    });

    it.each([...MUJOCO_ENV_IDS])("%s: 1000 steps bitwise equal to the reference model, rewards and termination recomputed", (id) => {
      const env = mujocoEnv(id);
      const ref = new GymReference(id);
      const space = env.actionSpace(env.defaultParams) as Box;
      const nextAction = actionStream(id.length * 7919 + 17, space.low.dataSync(), space.high.dataSync());
      const { obs, state: s0 } = env.reset(random.key(3), env.defaultParams);
      const nq = ref.qpos.length;
      const nv = ref.qvel.length;
      ref.setState(stateQ(s0, nq, nv).qpos, stateQ(s0, nq, nv).qvel);
      expect(bitMismatches(obs.dataSync(), ref.obs())).toBe(0);
      let state = s0;
      let mismatches = 0;
      let maxRewardDiff = 0;
      let terminations = 0;
      for (let t = 0; t < 1000; t++) {
        const a = nextAction();
        const r = env.step(random.key(0), state, np.array(a), env.defaultParams);
        const g = ref.step(a);
        state = r.state;
        const q = stateQ(state, nq, nv);
        mismatches += bitMismatches(q.qpos, ref.qpos) + bitMismatches(q.qvel, ref.qvel) + bitMismatches(r.obs.dataSync(), g.obs);
        // The float64 reward from its float64 terms, and the float32 reward the env returns.
        const i = info(r);
        const reward64 = i.rewardForward.item() + i.rewardSurvive.item() - (-i.rewardCtrl.item() + -i.rewardContact.item());
        maxRewardDiff = Math.max(maxRewardDiff, Math.abs(reward64 - g.reward));
        mismatches += bitMismatches([r.reward.item()], [Math.fround(g.reward)]);
        expect(Boolean(r.terminated.item()), `terminated at step ${t}`).toBe(g.terminated);
        expect(Boolean(r.truncated.item())).toBe(false);
        terminations += g.terminated ? 1 : 0;
      }
      ref.dispose();
      expect(mismatches).toBe(0);
      expect(maxRewardDiff).toBeLessThanOrEqual(1e-12);
      if (!id.startsWith("HalfCheetah")) expect(terminations).toBeGreaterThan(0);
    });

    it("keeps arena use far below the 512K arena", () => {
      for (const { tag, build } of MODELS) {
        const c = compileModel(tag, toMjcf(build()));
        expect(Number(c.data.maxuse_arena), tag).toBeLessThan(128 * 1024);
      }
    });
  });

  it("resets with Gymnasium's noise: qpos0 ± scale, qvel from the right distribution", () => {
    for (const id of ["HalfCheetah-v5", "Hopper-v5", "Humanoid-v5"]) {
      const env = mujocoEnv(id);
      const c = compileModel(id, toMjcf(ourModel(id)));
      const scale = env.defaultParams.resetNoiseScale;
      const { state } = env.reset(random.key(11), env.defaultParams);
      const { qpos, qvel } = stateQ(state, c.nq, c.nv);
      for (let i = 0; i < c.nq; i++) expect(Math.abs(qpos[i]! - c.qpos0[i]!)).toBeLessThanOrEqual(scale);
      const maxV = Math.max(...globalThis.Array.from(qvel, Math.abs));
      if (id.startsWith("HalfCheetah")) expect(maxV).toBeGreaterThan(0); // 0.1·N(0,1): unbounded
      else expect(maxV).toBeLessThanOrEqual(scale);
      const sim = state.dataSync();
      expect(sim[0]).toBe(0); // time
      expect(bitMismatches(sim.subarray(1 + c.nq + c.nv + c.na, 1 + c.nq + 2 * c.nv + c.na), new Float64Array(c.nv))).toBe(0); // warm-start
    }
  });

  it("implements Gymnasium's observation options and info positions", () => {
    const k = random.key(0);
    // Ant-v4 with use_contact_forces observes clip(cfrc_ext) of all 14 bodies (the world body's row is 0) and pays
    // the same contact cost as v5; v4 reports the torso frame position, v5 the root qpos.
    const a4 = ant("v4");
    const a5 = ant("v5");
    const p4 = { ...a4.defaultParams, useContactForces: true };
    const p5 = a5.defaultParams;
    expect(a4.observationSpace(p4).shape).toEqual([27 + 84]);
    let state = a5.reset(random.key(8), p5).state;
    const act = actionStream(4, [-1, -1, -1, -1, -1, -1, -1, -1], [1, 1, 1, 1, 1, 1, 1, 1]);
    let contactSteps = 0;
    for (let t = 0; t < 40; t++) {
      const a = np.array(act());
      const r4 = a4.step(k, state, a, p4);
      const r5 = a5.step(k, state, a, p5);
      const o4 = r4.obs.dataSync();
      const o5 = r5.obs.dataSync();
      expect(bitMismatches(o4.subarray(0, 27), o5.subarray(0, 27)) + bitMismatches(o4.subarray(27, 33), new Float64Array(6))).toBe(0);
      expect(bitMismatches(o4.subarray(33), o5.subarray(27))).toBe(0);
      expect(info(r4).rewardContact.item()).toBe(info(r5).rewardContact.item());
      contactSteps += info(r5).rewardContact.item() < 0 ? 1 : 0;
      const sim = r5.state.dataSync();
      expect(info(r5).xPosition.item()).toBe(sim[1]); // qpos[0]
      expect(info(r4).xPosition.item()).toBe(sim[sim.length - 2]); // tracked torso x
      state = r5.state;
    }
    expect(contactSteps).toBeGreaterThan(0);
    // Humanoid-v5 options drop whole blocks; keeping the root position prepends qpos[0:2]. HalfCheetah likewise.
    const h = humanoid("v5");
    const hp = h.defaultParams;
    const opts = { ...hp, excludeCurrentPositionsFromObservation: false, includeCinertInObservation: false, includeQfrcActuatorInObservation: false };
    const hs = h.reset(random.key(1), hp).state;
    const ha = np.array(actionStream(2, new Float32Array(17).fill(-0.4), new Float32Array(17).fill(0.4))());
    const full = h.step(k, hs, ha, hp).obs.dataSync();
    const reduced = h.step(k, hs, ha, opts);
    const after = reduced.state.dataSync();
    const expected = [after[1]!, after[2]!, ...full.subarray(0, 45), ...full.subarray(45 + 130, 45 + 130 + 78), ...full.subarray(45 + 130 + 78 + 17)];
    expect(reduced.obs.shape).toEqual(h.observationSpace(opts).shape);
    expect(bitMismatches(reduced.obs.dataSync(), expected)).toBe(0);
    const c = halfCheetah("v5");
    const cs = c.reset(random.key(1), { ...c.defaultParams, excludeCurrentPositionsFromObservation: false });
    expect(cs.obs.shape).toEqual([18]);
    expect(cs.obs.dataSync()[0]).toBe(cs.state.dataSync()[1]);
  });

  it("is deterministic: same inputs give bitwise the same outputs, even after scrambling the scratch MjData", () => {
    for (const id of ["HalfCheetah-v5", "Hopper-v4", "Walker2d-v5", "Ant-v5", "Humanoid-v5"]) {
      const env = mujocoEnv(id);
      const p = env.defaultParams;
      const c = compileModel(id, toMjcf(ourModel(id)));
      const r0 = env.reset(random.key(5), p);
      const r0b = env.reset(random.key(5), p);
      expect(bitMismatches(r0.obs.dataSync(), r0b.obs.dataSync()) + bitMismatches(r0.state.dataSync(), r0b.state.dataSync())).toBe(0);
      expect(bitMismatches(r0.obs.dataSync(), env.reset(random.key(6), p).obs.dataSync())).toBeGreaterThan(0);
      const space = env.actionSpace(p) as Box;
      const act = actionStream(9, space.low.dataSync(), space.high.dataSync());
      let state = r0.state;
      for (let i = 0; i < 10; i++) state = env.step(random.key(0), state, np.array(act()), p).state;
      const a = np.array(act());
      const first = env.step(random.key(0), state, a, p);
      // Scramble everything the scratch simulator holds (including cfrc_ext and the warm-start), then step junk.
      const junk = actionStream(123, [-50], [50]);
      for (const view of Object.values(c.views())) for (let i = 0; i < view.length; i++) view[i] = junk()[0]!;
      c.data.time = 1234.5;
      c.step(3);
      const again = env.step(random.key(99), state, a, p);
      expect(sameStep(first, again), id).toBe(0);
      for (const view of Object.values(c.views())) view.fill(7);
      const r0c = env.reset(random.key(5), p);
      expect(bitMismatches(r0.obs.dataSync(), r0c.obs.dataSync()) + bitMismatches(r0.state.dataSync(), r0c.state.dataSync()), id).toBe(0);
    }
  });

  it("rejects bad actions, states and params with a DriftError, and refuses jit/vmap tracing", () => {
    const env = hopper("v5");
    const p = env.defaultParams;
    const { state } = env.reset(random.key(0), p);
    const key = random.key(0);
    expect(() => env.step(key, state, np.zeros([4]), p)).toThrow(DriftError);
    expect(() => env.step(key, state, np.zeros([1, 3]), p)).toThrow(/shape \[3\]/);
    expect(() => env.step(key, state, np.array([0, NaN, 0]), p)).toThrow(/finite/);
    expect(() => env.step(key, state, np.array([0, Infinity, 0]), p)).toThrow(DriftError);
    expect(() => env.step(key, state, [0, 0, 0] as never, p)).toThrow(/Drift array/);
    expect(() => env.step(key, np.zeros([5], { dtype: "float64" }), np.zeros([3]), p)).toThrow(DriftError);
    expect(() => env.step(key, state.astype("float32"), np.zeros([3]), p)).toThrow(/float64/);
    expect(() => env.checkParams({ ...p, frameSkip: 0 })).toThrow(/frameSkip/);
    expect(() => env.checkParams({ ...p, healthyZRange: [2, 1] })).toThrow(/healthyZRange/);
    expect(() => env.checkParams({ ...p, ctrlCostWeight: np.array(1) as never })).toThrow(/JS number/);
    expect(() => env.checkParams({ ...p, terminateWhenUnhealthy: 1 as never })).toThrow(/boolean/);
    const { frameSkip: _, ...missing } = p;
    expect(() => env.checkParams(missing as never)).toThrow(/missing/);
    env.checkParams(p);
    expect(() => jit((a: Array) => env.step(key, state, a, p).reward)(np.zeros([3]))).toThrow(DriftError);
    expect(() => vmap((a: Array) => env.step(key, state, a, p).reward)(np.zeros([2, 3]))).toThrow(/jit, vmap or grad/);
  });

  it("vectorEnv loops over copies (bitwise equal to single envs) and survives wasm heap growth", () => {
    const env = mujocoEnv("Ant-v5");
    const p = env.defaultParams;
    const venv = vectorEnv(env, 3);
    const key = random.key(2);
    const r = venv.reset(key, p);
    expect(r.obs.shape).toEqual([3, 105]);
    const actions = random.uniform(random.key(4), [3, 8], { minval: -1, maxval: 1 });
    const s = venv.step(key, r.state, actions, p);
    expect(s.reward.shape).toEqual([3]);
    expect(info(s).xVelocity.shape).toEqual([3]);
    const rows = (x: Array, i: number) => np.reshape(np.slice(x, [i, i + 1]), x.shape.slice(1));
    const keys = random.split(key, 3);
    const singles: Step[] = [];
    for (let i = 0; i < 3; i++) {
      const single = env.reset(rows(keys, i), p);
      expect(bitMismatches(single.obs.dataSync(), rows(r.obs, i).dataSync())).toBe(0);
      singles.push(env.step(rows(keys, i), single.state, rows(actions, i), p));
      expect(bitMismatches(singles[i]!.obs.dataSync(), rows(s.obs, i).dataSync())).toBe(0);
      expect(s.reward.dataSync()[i]).toBe(singles[i]!.reward.item());
    }
    // 1024 MjData with the 512K arena fit in one wasm heap; growing the heap detaches cached views, which must be re-fetched.
    const mj = requireMujoco("test");
    const model = compileModel("humanoid", toMjcf(humanoidModel())).model;
    const many = globalThis.Array.from({ length: 1024 }, () => new mj.MjData(model));
    try {
      const again = env.step(rows(keys, 0), env.reset(rows(keys, 0), p).state, rows(actions, 0), p);
      expect(sameStep(again, singles[0]!)).toBe(0);
    } finally {
      for (const d of many) d.delete();
    }
  });

  it("random-policy returns over 20 episodes are in the reference ranges", () => {
    // Uniform actions in the control range, 1000-step limit. References (reference/envs.md §2, §7): HalfCheetah
    // −280.2 (D4RL) / −297.3 (v5, wasm); Walker2d 1.63 (D4RL) / 1.53 (v5). Per-episode sd is about 60 and 9, so
    // the bands are the references ± about 3 standard errors of a 20-episode mean.
    const meanReturn = (id: string): number => {
      const env = mujocoEnv(id);
      const p = env.defaultParams;
      const space = env.actionSpace(p) as Box;
      const nu = space.shape[0]!;
      let sum = 0;
      for (let ep = 0; ep < 20; ep++) {
        let { state } = env.reset(keyAt(ep, 0), p);
        const actions = random.uniform(keyAt(ep, 1), [1000, nu], { minval: space.low, maxval: space.high }).dataSync();
        for (let t = 0; t < 1000; t++) {
          const r = env.step(keyAt(ep, 0), state, np.array(actions.subarray(t * nu, (t + 1) * nu)), p);
          sum += r.reward.item();
          state = r.state;
          if (r.terminated.item()) break;
        }
      }
      return sum / 20;
    };
    const cheetah = meanReturn("HalfCheetah-v5");
    expect(cheetah).toBeGreaterThan(-340);
    expect(cheetah).toBeLessThan(-240);
    for (const id of ["Walker2d-v4", "Walker2d-v5"]) {
      const walker = meanReturn(id);
      expect(walker, id).toBeGreaterThan(-4.5);
      expect(walker, id).toBeLessThan(7.5);
    }
  });
});
