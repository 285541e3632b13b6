// MuJoCo runtime: loads the mujoco-js wasm module once, compiles models, and steps pure state snapshots in a scratch MjData.
import { DriftError } from "@drift/tensor";
import loadMujocoModule, { type MainModule, type MjData, type MjModel } from "mujoco-js";

/** The loaded mujoco-js module (MuJoCo 3.3.8 compiled to wasm). */
export type MujocoModule = MainModule;

/** The subset of Emscripten's FS that model loading uses (mujoco-js types FS loosely). */
interface ModelFs {
  mkdirTree(path: string): void;
  writeFile(path: string, data: string): void;
  unlink(path: string): void;
}

let loaded: MujocoModule | null = null;
let loading: Promise<MujocoModule> | null = null;

/**
 * Loads the MuJoCo wasm module (about 0.1–0.4 s). MuJoCo envs call wasm synchronously, so `await initMujoco()` once
 * (for example at the top of a script or in a test's `beforeAll`) before creating or stepping them. Idempotent:
 * later calls return the same module.
 */
export function initMujoco(): Promise<MujocoModule> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= loadMujocoModule().then(
    (mod) => {
      loaded = mod;
      return mod;
    },
    (err: unknown) => {
      loading = null;
      throw new DriftError("initMujoco", `loading the mujoco-js wasm module failed: ${String(err)}`);
    },
  );
  return loading;
}

/** True once `initMujoco()` has resolved, so MuJoCo envs can be stepped. */
export function mujocoReady(): boolean {
  return loaded !== null;
}

/** The loaded module; throws a DriftError naming `op` when `initMujoco()` has not finished. */
export function requireMujoco(op: string): MujocoModule {
  if (!loaded)
    throw new DriftError(op, "MuJoCo is not loaded; call `await initMujoco()` (from @drift/envs) once before creating or stepping MuJoCo environments");
  return loaded;
}

/** Live views into the scratch MjData (valid until the wasm heap grows; `CompiledModel.views()` re-fetches them). */
export interface SimViews {
  /** Generalised positions [nq]. */
  qpos: Float64Array;
  /** Generalised velocities [nv]. */
  qvel: Float64Array;
  /** Actuator activations [na]. */
  act: Float64Array;
  /** Acceleration used to warm-start the constraint solver [nv]. */
  qacc_warmstart: Float64Array;
  /** Controls [nu]. */
  ctrl: Float64Array;
  /** Applied generalised forces [nv]. */
  qfrc_applied: Float64Array;
  /** Applied Cartesian wrenches [nbody·6]. */
  xfrc_applied: Float64Array;
  /** Body frame positions [nbody·3]. */
  xpos: Float64Array;
  /** Body centre-of-mass positions [nbody·3]. */
  xipos: Float64Array;
  /** Com-based body inertias [nbody·10]. */
  cinert: Float64Array;
  /** Com-based body velocities [nbody·6]. */
  cvel: Float64Array;
  /** Actuator forces in joint space [nv]. */
  qfrc_actuator: Float64Array;
  /** Com-based external (contact) wrenches [nbody·6]; filled by `rnePostConstraint`. */
  cfrc_ext: Float64Array;
  /** Body frame orientations, row-major 3×3 [nbody·9]. */
  xmat: Float64Array;
  /** Geom frame positions [ngeom·3]. */
  geom_xpos: Float64Array;
  /** Site frame positions [nsite·3]. */
  site_xpos: Float64Array;
  /** Centre of mass of each body's subtree [nbody·3]. */
  subtree_com: Float64Array;
  /** Sensor outputs [nsensordata]. */
  sensordata: Float64Array;
}

/**
 * A compiled MjModel plus one scratch MjData. Pure env steps load a state snapshot into the scratch data, simulate,
 * and read the result back, so one scratch instance serves any number of environment states.
 *
 * Snapshot layout (`stateSize` doubles): `[time, qpos(nq), qvel(nv), act(na), qacc_warmstart(nv)]`. Together with
 * ctrl (set per step), zeroed applied forces and the model's initial equality activations (`eq_active0`, restored on
 * every load) this is MuJoCo's full integration state for models without mocap bodies, user data or plugins, so
 * stepping a snapshot is bitwise equal to stepping a persistent MjData whose equality constraints are never toggled.
 */
export class CompiledModel {
  /** The MuJoCo model. */
  readonly model: MjModel;
  /** The scratch simulator. Its contents are overwritten by every pure step. */
  readonly data: MjData;
  /** Number of position coordinates. */
  readonly nq: number;
  /** Number of degrees of freedom. */
  readonly nv: number;
  /** Number of actuators. */
  readonly nu: number;
  /** Number of activation states. */
  readonly na: number;
  /** Number of bodies including the world body. */
  readonly nbody: number;
  /** Physics timestep in seconds. */
  readonly timestep: number;
  /** Integrator (MuJoCo's mjtIntegrator: 0 Euler, 1 RK4, 2 implicit, 3 implicitfast). */
  readonly integrator: number;
  /** Doubles in a state snapshot: 1 + nq + 2·nv + na. */
  readonly stateSize: number;
  /** Reference configuration qpos0 (a copy). */
  readonly qpos0: Float64Array;
  /** Body masses (a copy). */
  readonly bodyMass: Float64Array;
  /** Actuator control ranges, [nu·2] low/high pairs (a copy). */
  readonly ctrlRange: Float64Array;
  private readonly mj: MujocoModule;
  private readonly option: MjModel["opt"];
  private cached: SimViews | null = null;
  private disposed = false;

  /** Wraps a loaded model; prefer `compileModel`, which caches one instance per XML text. */
  constructor(mj: MujocoModule, model: MjModel, name: string) {
    const unsupported = (["nmocap", "nuserdata", "nplugin"] as const).filter((k) => model[k] !== 0);
    if (unsupported.length > 0)
      throw new DriftError("compileModel", `model ${name} has ${unsupported.join(", ")} > 0; pure snapshots cover only models without mocap bodies, user data or plugins`);
    this.mj = mj;
    this.model = model;
    this.data = new mj.MjData(model);
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.na = model.na;
    this.nbody = model.nbody;
    this.timestep = model.opt.timestep;
    this.option = model.opt;
    this.integrator = this.option.integrator;
    this.stateSize = 1 + this.nq + 2 * this.nv + this.na;
    this.qpos0 = Float64Array.from(model.qpos0 as Float64Array);
    this.bodyMass = Float64Array.from(model.body_mass as Float64Array);
    this.ctrlRange = Float64Array.from(model.actuator_ctrlrange as Float64Array);
  }

  /** Cached views into the scratch data, re-fetched after wasm heap growth detached the old ones. */
  views(): SimViews {
    if (this.disposed) throw new DriftError("CompiledModel", "this model was disposed (disposeMujocoModels); compile it again");
    const v = this.cached;
    if (v && v.qpos.buffer.byteLength !== 0) return v;
    const d = this.data;
    this.cached = {
      qpos: d.qpos,
      qvel: d.qvel,
      act: d.act,
      qacc_warmstart: d.qacc_warmstart,
      ctrl: d.ctrl,
      qfrc_applied: d.qfrc_applied,
      xfrc_applied: d.xfrc_applied,
      xpos: d.xpos,
      xipos: d.xipos,
      cinert: d.cinert,
      cvel: d.cvel,
      qfrc_actuator: d.qfrc_actuator,
      cfrc_ext: d.cfrc_ext,
      xmat: d.xmat,
      geom_xpos: d.geom_xpos,
      site_xpos: d.site_xpos,
      subtree_com: d.subtree_com,
      sensordata: d.sensordata,
    };
    return this.cached;
  }

  /** Loads snapshot `src[offset … offset+stateSize)` into the scratch data and clears ctrl and applied forces. */
  loadState(src: Float64Array, offset = 0): void {
    const v = this.views();
    const { nq, nv, na } = this;
    let k = offset;
    this.data.time = src[k++]!;
    v.qpos.set(src.subarray(k, k + nq));
    k += nq;
    v.qvel.set(src.subarray(k, k + nv));
    k += nv;
    v.act.set(src.subarray(k, k + na));
    k += na;
    v.qacc_warmstart.set(src.subarray(k, k + nv));
    v.ctrl.fill(0);
    v.qfrc_applied.fill(0);
    v.xfrc_applied.fill(0);
    if (this.model.neq > 0) (this.data.eq_active as Uint8Array).set(this.model.eq_active0 as Uint8Array);
  }

  /** Writes the scratch data's snapshot to `dst[offset … offset+stateSize)`. */
  saveState(dst: Float64Array, offset = 0): void {
    const v = this.views();
    let k = offset;
    dst[k++] = this.data.time;
    dst.set(v.qpos, k);
    k += this.nq;
    dst.set(v.qvel, k);
    k += this.nv;
    dst.set(v.act, k);
    k += this.na;
    dst.set(v.qacc_warmstart, k);
  }

  /** `mj_resetData`: the model's reference state (qpos0, zero velocity, time 0, zero warm-start and contact forces). */
  resetData(): void {
    this.mj.mj_resetData(this.model, this.data);
  }

  /** `mj_forward`: recomputes positions, velocities, forces and accelerations from the current state. */
  forward(): void {
    this.mj.mj_forward(this.model, this.data);
  }

  /** `mj_forward` with actuation disabled (no actuator forces or activation dynamics), as dm_control after a reset. */
  forwardWithoutActuation(): void {
    const opt = this.option;
    const flags = opt.disableflags;
    opt.disableflags = flags | this.mj.mjtDisableBit.mjDSBL_ACTUATION.value;
    try {
      this.mj.mj_forward(this.model, this.data);
    } finally {
      opt.disableflags = flags;
    }
  }

  /** `mj_step1`: position- and velocity-dependent computations (kinematics, collisions, position/velocity sensors). */
  step1(): void {
    this.mj.mj_step1(this.model, this.data);
  }

  /** `mj_step2`: actuation, acceleration, constraint forces, acceleration sensors and integration (after `step1`). */
  step2(): void {
    this.mj.mj_step2(this.model, this.data);
  }

  /** Number of contacts found by the last collision detection. */
  get ncon(): number {
    return this.data.ncon;
  }

  /** Runs `mj_step` `n` times with the current ctrl. */
  step(n: number): void {
    for (let i = 0; i < n; i++) this.mj.mj_step(this.model, this.data);
  }

  /** `mj_rnePostConstraint`: fills cacc, cfrc_int and cfrc_ext (which `mj_step` leaves stale). */
  rnePostConstraint(): void {
    this.mj.mj_rnePostConstraint(this.model, this.data);
  }

  /** Frees the wasm memory of the model and scratch data. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cached = null;
    this.data.delete();
    this.model.delete();
  }
}

const MODEL_DIR = "/drift-models";
const compiled = new Map<string, CompiledModel>();
let fsReady = false;

/**
 * Compiles MJCF `xml` (cached per XML text, so every env of a kind shares one MjModel and scratch MjData).
 * `name` is used for the in-memory file and error messages. Requires `initMujoco()`.
 */
export function compileModel(name: string, xml: string): CompiledModel {
  const hit = compiled.get(xml);
  if (hit) return hit;
  const mj = requireMujoco("compileModel");
  const fs = mj.FS as unknown as ModelFs;
  if (!fsReady) {
    fs.mkdirTree(MODEL_DIR);
    fsReady = true;
  }
  const path = `${MODEL_DIR}/${name.replace(/[^A-Za-z0-9_-]/g, "_")}.xml`;
  fs.writeFile(path, xml);
  let model: MjModel | null;
  try {
    model = mj.MjModel.loadFromXML(path);
  } catch (err) {
    throw new DriftError("compileModel", `MuJoCo rejected the XML of model ${name} (${String(err)}); the compiler gives no detail, check element names and attribute values`);
  } finally {
    fs.unlink(path);
  }
  if (!model) throw new DriftError("compileModel", `MuJoCo could not read the XML file of model ${name}`);
  let out: CompiledModel;
  try {
    out = new CompiledModel(mj, model, name);
  } catch (err) {
    model.delete();
    throw err;
  }
  compiled.set(xml, out);
  return out;
}

/** Frees every cached compiled model (their wasm memory); later env calls compile them again. */
export function disposeMujocoModels(): void {
  for (const c of compiled.values()) c.dispose();
  compiled.clear();
}
