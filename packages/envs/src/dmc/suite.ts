// DeepMind Control Suite core: dm_control's control.Environment (legacy stepping, step limit, reset order) on pure MuJoCo snapshots.
import { type Array, DriftError, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env, ResetResult, StepResult } from "../types.ts";
import { concreteData } from "../mujoco/locomotion.ts";
import { type MjcfModel, toMjcf } from "../mujoco/mjcf.ts";
import { type CompiledModel, type SimViews, compileModel, requireMujoco } from "../mujoco/runtime.ts";

/** Parameters of every DMC env. Static JS values (the envs run wasm on concrete data, outside jit). */
export interface DmcParams {
  /**
   * Episode length in seconds (dm_control's `time_limit`); the env truncates once the control-step count reaches
   * timeLimit / (timestep · nSubSteps), which is 1000 for every task here. Infinity never truncates.
   */
  timeLimit: number;
}

/**
 * State of a DMC env: a value, not a handle. `physics` is a float64 array `[time, qpos(nq), qvel(nv), act(na),
 * qacc_warmstart(nv), ...task]` (MuJoCo's integration state, then per-episode task data such as reacher's target);
 * `steps` is the int32 count of control steps since reset.
 */
export interface DmcState {
  /** Physics snapshot plus task data (float64). */
  physics: Array;
  /** Control steps taken this episode (int32 scalar). */
  steps: Array;
}

/** One entry of a task's observation dict, in dm_control's key order, with its offset in the flat observation. */
export interface ObservationField {
  /** dm_control key, e.g. "position". */
  key: string;
  /** First index in the flat observation. */
  start: number;
  /** Number of elements. */
  size: number;
}

/**
 * A pure DMC task env (`traceable: false`): deterministic, wasm-backed, usable with `vectorEnv` loops but not inside
 * jit/vmap/grad. Requires `await initMujoco()`. Observations are dm_control's observation dict flattened in its key
 * order (`observationLayout`), float64; rewards are float32 in [0, 1]; `terminated` is always false (dm_control
 * tasks never terminate); `truncated` is set on the step that reaches the time limit (1000 control steps). `reset`
 * draws the initial state from its key (dm_control's distributions, not numpy's stream); `step` ignores its key.
 * Actions outside the control range are passed on unclipped: MuJoCo clamps the force and the reward sees the raw
 * control, as in dm_control. One deviation: dm_control raises PhysicsError on simulator warnings (divergence),
 * whereas here MuJoCo's own handling applies (it resets a diverged state to the model's reference state).
 */
export interface DmcEnv extends Env<DmcState, DmcParams> {
  /** Domain name, e.g. "cartpole". */
  readonly domain: string;
  /** Task name, e.g. "swingup". */
  readonly task: string;
  /** Physics steps per control step (dm_control's n_sub_steps). */
  readonly nSubSteps: number;
  /** The observation dict's keys, offsets and sizes in the flat observation. */
  readonly observationLayout: readonly ObservationField[];
  /**
   * Observation and float64 reward of `state` itself, without stepping: loads the snapshot, sets ctrl = `action`
   * (zeros by default), runs `mj_forward` and evaluates the task. For known-state checks and reward relabelling.
   */
  evaluate(state: DmcState, action?: Array): { obs: Array; reward: number };
}

/** Name → index lookups on a compiled model (dm_control's named indexing). */
export class Names {
  /** The compiled model the indices refer to. */
  readonly model: CompiledModel;
  private readonly mj = requireMujoco("dmc");

  /** Resolves names of `model`; every lookup throws a DriftError when the name does not exist. */
  constructor(model: CompiledModel) {
    this.model = model;
  }

  private id(kind: "BODY" | "JOINT" | "GEOM" | "SITE" | "SENSOR", name: string): number {
    const type = this.mj.mjtObj[`mjOBJ_${kind}`].value;
    const id = this.mj.mj_name2id(this.model.model, type, name);
    if (id < 0) throw new DriftError("dmc", `model has no ${kind.toLowerCase()} named ${JSON.stringify(name)}`);
    return id;
  }

  /** Body id (row of xpos/xipos/xmat). */
  body(name: string): number {
    return this.id("BODY", name);
  }

  /** Geom id (row of geom_xpos/geom_size). */
  geom(name: string): number {
    return this.id("GEOM", name);
  }

  /** Site id (row of site_xpos/site_size). */
  site(name: string): number {
    return this.id("SITE", name);
  }

  /** Address of a joint's first qpos entry. */
  qpos(joint: string): number {
    return (this.model.model.jnt_qposadr as Int32Array)[this.id("JOINT", joint)]!;
  }

  /** Address of a joint's first qvel (dof) entry. */
  dof(joint: string): number {
    return (this.model.model.jnt_dofadr as Int32Array)[this.id("JOINT", joint)]!;
  }

  /** Address of a sensor's first sensordata entry. */
  sensor(name: string): number {
    return (this.model.model.sensor_adr as Int32Array)[this.id("SENSOR", name)]!;
  }
}

/** A stream of uniform and normal float64 draws from one Drift PRNG key (each batch uses `foldIn(key, i)`). */
export class RandomStream {
  private readonly key: Array;
  private count = 0;

  /** Draws from `key`; the same key gives the same sequence. */
  constructor(key: Array) {
    this.key = key;
  }

  private next(): Array {
    return random.foldIn(this.key, this.count++);
  }

  /** `n` draws from U[lo, hi). */
  uniform(lo: number, hi: number, n: number): Float64Array {
    return random.uniform(this.next(), [n], { minval: lo, maxval: hi, dtype: "float64" }).dataSync() as Float64Array;
  }

  /** `n` draws from N(0, 1). */
  normal(n: number): Float64Array {
    return random.normal(this.next(), [n], { dtype: "float64" }).dataSync() as Float64Array;
  }
}

/** What a task's initialisation sees: the scratch simulator right after dm_control's `physics.reset()`. */
export interface InitContext {
  /** The compiled model. */
  model: CompiledModel;
  /** Views into the scratch data. */
  sim: SimViews;
  /** Random draws for this episode. */
  rng: RandomStream;
  /** Per-episode task data to fill (length `taskStateSize`). */
  task: Float64Array;
}

/** What a task's observation and reward see after a step (or after reset). */
export interface StepContext {
  /** The compiled model. */
  model: CompiledModel;
  /** Views into the scratch data. */
  sim: SimViews;
  /** The control signal as set by the action (dm_control's `physics.control()`: not clamped; zeros after reset). */
  ctrl: Float64Array;
  /** Per-episode task data. */
  task: Float64Array;
}

/** Everything that distinguishes one DMC task; `B` holds indices resolved once per compiled model. */
export interface DmcTask<B> {
  /** Domain, e.g. "cartpole". */
  domain: string;
  /** Task, e.g. "swingup". */
  task: string;
  /** Name of the model (in-memory file name and errors). */
  modelName: string;
  /** The domain's model. */
  model: () => MjcfModel;
  /** dm_control's default time limit in seconds. */
  timeLimit: number;
  /** Physics steps per control step (control timestep / physics timestep). */
  nSubSteps: number;
  /** Number of per-episode task values appended to the physics snapshot (default 0). */
  taskStateSize?: number;
  /** Observation keys and sizes in dm_control's order. */
  observation: readonly { key: string; size: number }[];
  /** Resolves names to indices. */
  bind(names: Names): B;
  /** dm_control's `initialize_episode` (between `physics.reset()` and `physics.after_reset()`). */
  initialize(b: B, ctx: InitContext): void;
  /** Writes the flat observation. */
  observe(b: B, ctx: StepContext, out: Float64Array): void;
  /** The reward in [0, 1]. */
  reward(b: B, ctx: StepContext): number;
}

/**
 * dm_control's `Physics.step(n)` with `legacy_step=True`: for Euler (and implicit) integrators `mj_step2`, then
 * `mj_step × (n − 1)`, then `mj_step1`; for RK4 `mj_step × n`, then `mj_step1`. `mj_step2` continues from the
 * position/velocity stage a persistent dm_control MjData already holds; after loading a snapshot that stage is
 * missing, so `refresh` (default) first runs `mj_step1`, which depends only on the snapshot, and a pure step then
 * matches dm_control bitwise. Pass `refresh = false` to continue from whatever the scratch data holds (as dm_control
 * does when a task steps right after editing qpos).
 */
export function legacyStep(model: CompiledModel, n: number, refresh = true): void {
  if (model.integrator !== requireMujoco("dmc").mjtIntegrator.mjINT_RK4.value) {
    if (refresh) model.step1();
    model.step2();
    model.step(n - 1);
  } else model.step(n);
  model.step1();
}

/**
 * dm_control's `randomizers.randomize_limited_and_rotational_joints`: limited hinges and slides ~ U(range); unlimited
 * hinges ~ U(−π, π); unlimited balls ~ normalised N(0, I₄); limited balls rotate by U(0, range_max) about a random
 * axis; free joints keep their position and get the normalised U[0, 1)⁴ quaternion dm_control uses. The draws come
 * from `rng` (in distribution, not numpy's stream).
 */
export function randomizeLimitedAndRotationalJoints(model: CompiledModel, qpos: Float64Array, rng: RandomStream): void {
  const mj = requireMujoco("dmc");
  const { mjJNT_FREE, mjJNT_BALL, mjJNT_SLIDE, mjJNT_HINGE } = mj.mjtJoint;
  const m = model.model;
  const types = m.jnt_type as Int32Array;
  const limited = m.jnt_limited as Uint8Array;
  const range = m.jnt_range as Float64Array;
  const adr = m.jnt_qposadr as Int32Array;
  const u = rng.uniform(0, 1, 4 * types.length);
  const z = rng.normal(4 * types.length);
  const normalise = (q: number[]): number[] => {
    const norm = Math.hypot(...q);
    return q.map((x) => x / norm);
  };
  for (let j = 0; j < types.length; j++) {
    const t = types[j]!;
    const a = adr[j]!;
    const [lo, hi] = [range[2 * j]!, range[2 * j + 1]!];
    const uj = (k: number) => u[4 * j + k]!;
    const zj = (k: number) => z[4 * j + k]!;
    if (limited[j]) {
      if (t === mjJNT_HINGE.value || t === mjJNT_SLIDE.value) qpos[a] = lo + (hi - lo) * uj(0);
      else if (t === mjJNT_BALL.value) {
        const axis = normalise([zj(0), zj(1), zj(2)]);
        const half = (uj(0) * hi) / 2;
        qpos.set([Math.cos(half), ...axis.map((x) => x * Math.sin(half))], a);
      }
    } else if (t === mjJNT_HINGE.value) qpos[a] = -Math.PI + 2 * Math.PI * uj(0);
    else if (t === mjJNT_BALL.value) qpos.set(normalise([zj(0), zj(1), zj(2), zj(3)]), a);
    else if (t === mjJNT_FREE.value) qpos.set(normalise([uj(0), uj(1), uj(2), uj(3)]), a + 3);
  }
}

/** Repeats `attempt` (which draws a configuration and runs `after_reset`) until MuJoCo reports no contacts. */
export function untilNoContacts(op: string, model: CompiledModel, attempt: () => void, maxAttempts = 10000): void {
  for (let i = 0; i < maxAttempts; i++) {
    attempt();
    if (model.ncon === 0) return;
  }
  throw new DriftError(op, `could not find a contact-free initial state in ${maxAttempts} attempts`);
}

/** Element (r, c) of body `body`'s world orientation matrix (MuJoCo's row-major xmat; column c is the body's c axis). */
export function xmatAt(sim: SimViews, body: number, r: number, c: number): number {
  return sim.xmat[9 * body + 3 * r + c]!;
}

/** Checks the params of a DMC env (timeLimit a positive JS number, Infinity allowed). */
function checkDmcParams(op: string, params: DmcParams): void {
  if (params === null || typeof params !== "object") throw new DriftError(op, `params must be an object like { timeLimit }; got ${params === null ? "null" : typeof params}`);
  const extra = Object.keys(params).filter((k) => k !== "timeLimit");
  if (extra.length > 0) throw new DriftError(op, `unknown parameter "${extra[0]}"; valid parameters: timeLimit`);
  const t = params.timeLimit;
  if (typeof t !== "number" || !(t > 0)) throw new DriftError(op, `params.timeLimit must be a positive JS number of seconds (Infinity for no limit); got ${typeof t === "number" ? t : typeof t}`);
}

/** The action as float64 controls; a DriftError unless it is a concrete, finite array of shape [nu]. */
function checkAction(op: string, action: Array, model: CompiledModel): Float64Array {
  const a = concreteData(op, "action", action);
  if (action.ndim !== 1 || action.shape[0] !== model.nu) throw new DriftError(op, `action must have shape [${model.nu}]; got [${action.shape.join(",")}]`);
  const ctrl = Float64Array.from(a);
  for (let i = 0; i < ctrl.length; i++) if (!Number.isFinite(ctrl[i])) throw new DriftError(op, `action must be finite; element ${i} is ${ctrl[i]}`);
  return ctrl;
}

/** Builds a pure env from a task description (the model is compiled on first use, after `initMujoco()`). */
export function makeDmcEnv<B>(task: DmcTask<B>): DmcEnv {
  const id = `dm_control/${task.domain}-${task.task}-v0`;
  let xml: string | null = null;
  let bound: { model: CompiledModel; b: B } | null = null;
  const compiled = (): { model: CompiledModel; b: B } => {
    const model = compileModel(task.modelName, (xml ??= toMjcf(task.model())));
    if (bound?.model !== model) bound = { model, b: task.bind(new Names(model)) };
    return bound;
  };
  const taskSize = task.taskStateSize ?? 0;
  const layout: ObservationField[] = [];
  let obsSize = 0;
  for (const { key, size } of task.observation) {
    layout.push({ key, start: obsSize, size });
    obsSize += size;
  }

  const checkState = (op: string, state: DmcState, model: CompiledModel): Float64Array => {
    if (state === null || typeof state !== "object") throw new DriftError(op, `state must be the { physics, steps } object returned by reset/step; got ${state === null ? "null" : typeof state}`);
    const physics = concreteData(op, "state.physics", state.physics);
    const size = model.stateSize + taskSize;
    if (state.physics.dtype !== "float64" || state.physics.ndim !== 1 || physics.length !== size)
      throw new DriftError(op, `state.physics must be the float64 array of shape [${size}] returned by reset/step; got ${state.physics.dtype}[${state.physics.shape.join(",")}]`);
    concreteData(op, "state.steps", state.steps);
    if (state.steps.dtype !== "int32" || state.steps.ndim !== 0) throw new DriftError(op, `state.steps must be an int32 scalar; got ${state.steps.dtype}[${state.steps.shape.join(",")}]`);
    return physics as Float64Array;
  };

  const finish = (model: CompiledModel, b: B, ctx: StepContext): { obs: Array; physics: Array } => {
    const out = new Float64Array(obsSize);
    task.observe(b, ctx, out);
    const s = new Float64Array(model.stateSize + taskSize);
    model.saveState(s, 0);
    s.set(ctx.task, model.stateSize);
    return { obs: np.array(out), physics: np.array(s) };
  };

  return {
    id,
    domain: task.domain,
    task: task.task,
    nSubSteps: task.nSubSteps,
    observationLayout: layout,
    defaultParams: { timeLimit: task.timeLimit },
    traceable: false,

    checkParams(params: DmcParams): void {
      checkDmcParams(id, params);
    },

    observationSpace(): Box {
      return new Box(-Infinity, Infinity, [obsSize], "float64");
    },

    actionSpace(): Box {
      const { model } = compiled();
      const low = new Float32Array(model.nu);
      const high = new Float32Array(model.nu);
      for (let i = 0; i < model.nu; i++) {
        low[i] = model.ctrlRange[2 * i]!;
        high[i] = model.ctrlRange[2 * i + 1]!;
      }
      return new Box(np.array(low), np.array(high), [model.nu], "float32");
    },

    reset(key: Array, _params: DmcParams): ResetResult<DmcState> {
      const { model, b } = compiled();
      concreteData(`${id} reset`, "key", key);
      const extra = new Float64Array(taskSize);
      // dm_control: physics.reset() (mj_resetData + forward without actuation), task.initialize_episode, after_reset().
      model.resetData();
      model.forwardWithoutActuation();
      task.initialize(b, { model, sim: model.views(), rng: new RandomStream(key), task: extra });
      model.forwardWithoutActuation();
      const ctx: StepContext = { model, sim: model.views(), ctrl: new Float64Array(model.nu), task: extra };
      const { obs, physics } = finish(model, b, ctx);
      return { obs, state: { physics, steps: np.array(0, { dtype: "int32" }) } };
    },

    evaluate(state: DmcState, action?: Array): { obs: Array; reward: number } {
      const { model, b } = compiled();
      const op = `${id} evaluate`;
      const physics = checkState(op, state, model);
      const ctrl = action === undefined ? new Float64Array(model.nu) : checkAction(op, action, model);
      model.loadState(physics, 0);
      model.views().ctrl.set(ctrl);
      model.forward();
      const ctx: StepContext = { model, sim: model.views(), ctrl, task: physics.slice(model.stateSize) };
      return { obs: finish(model, b, ctx).obs, reward: task.reward(b, ctx) };
    },

    step(_key: Array, state: DmcState, action: Array, params: DmcParams): StepResult<DmcState> {
      const { model, b } = compiled();
      const op = `${id} step`;
      const physics = checkState(op, state, model);
      const ctrl = checkAction(op, action, model);
      model.loadState(physics, 0);
      model.views().ctrl.set(ctrl);
      legacyStep(model, task.nSubSteps);
      const ctx: StepContext = { model, sim: model.views(), ctrl, task: physics.slice(model.stateSize) };
      const reward = task.reward(b, ctx);
      const { obs, physics: next } = finish(model, b, ctx);
      const count = (state.steps.dataSync()[0] as number) + 1;
      const stepLimit = params.timeLimit / (model.timestep * task.nSubSteps);
      return {
        obs,
        state: { physics: next, steps: np.array(count, { dtype: "int32" }) },
        reward: np.array(reward, { dtype: "float32" }),
        terminated: np.array(false),
        truncated: np.array(count >= stepLimit),
        info: {},
      };
    },
  };
}

