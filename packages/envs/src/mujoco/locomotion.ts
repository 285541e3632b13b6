// Pure Gymnasium-style locomotion envs on MuJoCo: snapshot state, frame-skipped stepping, reward terms and termination.
import { type Array, DriftError, np, random } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env, ResetResult, StepResult } from "../types.ts";
import { splitKeys } from "../internal/util.ts";
import { type MjcfModel, toMjcf } from "./mjcf.ts";
import { type CompiledModel, type SimViews, compileModel } from "./runtime.ts";

/** Parameters every locomotion env has (Gymnasium constructor arguments, camelCased). All are static JS values. */
export interface LocomotionParams {
  /** `mj_step` calls per env step; dt = timestep · frameSkip. */
  frameSkip: number;
  /** Weight of the forward-velocity reward. */
  forwardRewardWeight: number;
  /** Weight of the squared-action control cost. */
  ctrlCostWeight: number;
  /** Scale of the reset noise added to qpos0 and to the zero velocity. */
  resetNoiseScale: number;
  /** Drop the root's x (planar robots) or x, y (Ant, Humanoid) from the observation. */
  excludeCurrentPositionsFromObservation: boolean;
}

/**
 * State of a MuJoCo env: a value, not a handle. A float64 array `[time, qpos, qvel, act, qacc_warmstart, pos]`:
 * MuJoCo's integration state followed by the x (or x, y) position the next step's forward velocity is measured from
 * (Gymnasium reads it from the previous step's MjData, where body positions lag one physics substep).
 */
export type MujocoState = Array;

/** Per-step diagnostics, all float64 scalars; terms an env does not have are 0. */
export type LocomotionInfo = {
  /** x position after the step (root qpos, or the tracked body/centre of mass for v4 Ant/Humanoid). */
  xPosition: Array;
  /** y position after the step (0 for planar robots). */
  yPosition: Array;
  /** Forward velocity used by the reward. */
  xVelocity: Array;
  /** Lateral velocity (0 for planar robots). */
  yVelocity: Array;
  /** Forward reward term. */
  rewardForward: Array;
  /** Minus the control cost. */
  rewardCtrl: Array;
  /** Healthy (survive) reward term. */
  rewardSurvive: Array;
  /** Minus the contact cost. */
  rewardContact: Array;
};

/**
 * A pure MuJoCo locomotion env (`traceable: false`): same inputs give bitwise the same outputs, but it runs wasm on
 * concrete data, so it cannot be used inside `jit`, `vmap` or `grad` (it throws a DriftError there); `vectorEnv`
 * batches it with a plain loop. Requires `await initMujoco()` before the first call. `step` never truncates (the
 * registry's `timeLimit` does, at 1000 steps) and ignores its key (the dynamics are deterministic).
 */
export type MujocoEnv<P extends LocomotionParams = LocomotionParams> = Env<MujocoState, P>;

/** Reward terms of one step; reward = (forward + survive) − (ctrl + contact), Gymnasium's order of operations. */
export interface RewardTerms {
  /** Forward reward. */
  forward: number;
  /** Healthy reward. */
  survive: number;
  /** Control cost (positive). */
  ctrl: number;
  /** Contact cost (positive). */
  contact: number;
  /** Whether the episode terminates. */
  terminated: boolean;
}

/** What the simulator exposes to a task after stepping or resetting. */
export interface TaskContext {
  /** The compiled model. */
  model: CompiledModel;
  /** Views into the scratch data. */
  sim: SimViews;
}

/** Everything that distinguishes one locomotion env from another. */
export interface LocomotionTask<P extends LocomotionParams> {
  /** Registry id. */
  id: string;
  /** Model name (for errors and the in-memory file). */
  modelName: string;
  /** The robot's model. */
  model: () => MjcfModel;
  /** Gymnasium's default arguments. */
  defaultParams: P;
  /** 1 when the forward velocity is measured from an x position, 2 for an (x, y) position. */
  positionSize: 1 | 2;
  /** Writes the tracked position (after the last `mj_step`, so body positions lag one substep, as Gymnasium). */
  position(ctx: TaskContext, out: Float64Array): void;
  /** Whether this configuration reads `cfrc_ext` (then `mj_rnePostConstraint` runs after stepping). */
  usesContactForces(params: P): boolean;
  /** Distribution of the qvel reset noise: `scale·N(0,1)` or `U(−scale, scale)`. */
  qvelNoise: "normal" | "uniform";
  /** Observation length. */
  obsSize(params: P, model: CompiledModel): number;
  /** Writes the observation. */
  observe(params: P, ctx: TaskContext, out: Float64Array): void;
  /** Reward terms and termination from the post-step simulator, the action and the (x, y) velocity. */
  rewardTerms(params: P, ctx: TaskContext, action: Float64Array, velocity: readonly [number, number]): RewardTerms;
  /** The (x, y) position reported in `info`, given the tracked position after the step. */
  infoPosition(ctx: TaskContext, position: Float64Array): [number, number];
}

const f64 = (x: number): Array => np.array(x, { dtype: "float64" });

/** The data of a concrete Drift array; a DriftError for non-arrays and for arrays traced by jit/vmap/grad. */
export function concreteData(op: string, name: string, x: unknown): Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array {
  if (!(x instanceof np.Array)) throw new DriftError(op, `${name} must be a Drift array; got ${x === null ? "null" : typeof x}`);
  if (x.toConcrete() === null)
    throw new DriftError(op, `${name} is traced: MuJoCo envs run wasm on concrete data and cannot be used inside jit, vmap or grad (vectorEnv batches them with a loop)`);
  return x.dataSync();
}

/**
 * Checks params by the type of each default: numbers must be finite JS numbers (frameSkip a positive integer,
 * resetNoiseScale ≥ 0), booleans booleans, ranges two non-NaN numbers with low ≤ high. Arrays are rejected: these
 * envs read params in JS, so they cannot be traced or batched per copy.
 */
function checkLocomotionParams<P extends LocomotionParams>(op: string, defaults: P, params: P): void {
  if (params === null || typeof params !== "object") throw new DriftError(op, `params must be an object like defaultParams; got ${params === null ? "null" : typeof params}`);
  const got = params as unknown as Record<string, unknown>;
  for (const [name, def] of Object.entries(defaults)) {
    const v = got[name];
    const where = `params.${name}`;
    if (v === undefined) throw new DriftError(op, `${where} is missing; valid parameters: ${Object.keys(defaults).join(", ")}`);
    if (typeof def === "boolean") {
      if (typeof v !== "boolean") throw new DriftError(op, `${where} must be a boolean; got ${typeof v}`);
    } else if (typeof def === "number") {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new DriftError(op, `${where} must be a finite JS number; got ${typeof v === "number" ? v : typeof v}`);
      if (name === "frameSkip" && !(Number.isInteger(v) && v >= 1)) throw new DriftError(op, `${where} must be a positive integer; got ${v}`);
      if (name === "resetNoiseScale" && v < 0) throw new DriftError(op, `${where} must be >= 0; got ${v}`);
    } else {
      const ok = globalThis.Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && !Number.isNaN(x)) && v[0] <= v[1];
      if (!ok) throw new DriftError(op, `${where} must be a [low, high] pair of numbers with low <= high; got ${JSON.stringify(v)}`);
    }
  }
}

/** Builds a pure env from a task description (the model is compiled on first use, after `initMujoco()`). */
export function makeLocomotionEnv<P extends LocomotionParams>(task: LocomotionTask<P>): MujocoEnv<P> {
  let xml: string | null = null;
  const compiled = (): CompiledModel => compileModel(task.modelName, (xml ??= toMjcf(task.model())));

  const observation = (p: P, ctx: TaskContext): Array => {
    const out = new Float64Array(task.obsSize(p, ctx.model));
    task.observe(p, ctx, out);
    return np.array(out);
  };

  const pack = (model: CompiledModel, position: Float64Array): Array => {
    const s = new Float64Array(model.stateSize + task.positionSize);
    model.saveState(s, 0);
    s.set(position, model.stateSize);
    return np.array(s);
  };

  return {
    id: task.id,
    defaultParams: task.defaultParams,
    traceable: false,

    checkParams(params: P): void {
      checkLocomotionParams(task.id, task.defaultParams, params);
    },

    observationSpace(params: P): Box {
      return new Box(-Infinity, Infinity, [task.obsSize(params, compiled())], "float64");
    },

    actionSpace(): Box {
      const m = compiled();
      const low = new Float32Array(m.nu);
      const high = new Float32Array(m.nu);
      for (let i = 0; i < m.nu; i++) {
        low[i] = m.ctrlRange[2 * i]!;
        high[i] = m.ctrlRange[2 * i + 1]!;
      }
      return new Box(np.array(low), np.array(high), [m.nu], "float32");
    },

    reset(key: Array, params: P): ResetResult<MujocoState> {
      const model = compiled();
      concreteData(`${task.id} reset`, "key", key);
      const [kq, kv] = splitKeys(key, 2) as [Array, Array];
      const s = params.resetNoiseScale;
      const qposNoise = random.uniform(kq, [model.nq], { minval: -s, maxval: s, dtype: "float64" }).dataSync();
      const qvelNoise =
        task.qvelNoise === "normal"
          ? random.normal(kv, [model.nv], { dtype: "float64" }).dataSync().map((z) => s * z)
          : random.uniform(kv, [model.nv], { minval: -s, maxval: s, dtype: "float64" }).dataSync();
      model.resetData();
      const sim = model.views();
      for (let i = 0; i < model.nq; i++) sim.qpos[i] = model.qpos0[i]! + qposNoise[i]!;
      for (let i = 0; i < model.nv; i++) sim.qvel[i] = 0 + qvelNoise[i]!;
      model.forward();
      const ctx: TaskContext = { model, sim: model.views() };
      const position = new Float64Array(task.positionSize);
      task.position(ctx, position);
      return { obs: observation(params, ctx), state: pack(model, position) };
    },

    step(_key: Array, state: MujocoState, action: Array, params: P): StepResult<MujocoState> {
      const model = compiled();
      const op = `${task.id} step`;
      const simData = concreteData(op, "state", state);
      const size = model.stateSize + task.positionSize;
      if (state.dtype !== "float64" || state.ndim !== 1 || simData.length !== size)
        throw new DriftError(op, `state must be the float64 array of shape [${size}] returned by reset/step; got ${state.dtype}[${state.shape.join(",")}]`);
      const a = concreteData(op, "action", action);
      if (action.ndim !== 1 || action.shape[0] !== model.nu)
        throw new DriftError(op, `action must have shape [${model.nu}]; got [${action.shape.join(",")}]`);
      const ctrl = Float64Array.from(a);
      for (let i = 0; i < ctrl.length; i++)
        if (!Number.isFinite(ctrl[i])) throw new DriftError(op, `action must be finite; element ${i} is ${ctrl[i]}`);

      const before = (simData as Float64Array).subarray(model.stateSize, size);
      model.loadState(simData as Float64Array, 0);
      model.views().ctrl.set(ctrl);
      model.step(params.frameSkip);
      if (task.usesContactForces(params)) model.rnePostConstraint();

      const ctx: TaskContext = { model, sim: model.views() };
      const after = new Float64Array(task.positionSize);
      task.position(ctx, after);
      const dt = model.timestep * params.frameSkip;
      const vx = (after[0]! - before[0]!) / dt;
      const vy = task.positionSize === 2 ? (after[1]! - before[1]!) / dt : 0;
      const t = task.rewardTerms(params, ctx, ctrl, [vx, vy]);
      const reward = t.forward + t.survive - (t.ctrl + t.contact);
      const [xPos, yPos] = task.infoPosition(ctx, after);
      const info: LocomotionInfo = {
        xPosition: f64(xPos),
        yPosition: f64(yPos),
        xVelocity: f64(vx),
        yVelocity: f64(vy),
        rewardForward: f64(t.forward),
        rewardCtrl: f64(-t.ctrl),
        rewardSurvive: f64(t.survive),
        rewardContact: f64(-t.contact),
      };
      return {
        obs: observation(params, ctx),
        state: pack(model, after),
        reward: np.array(reward, { dtype: "float32" }),
        terminated: np.array(t.terminated),
        truncated: np.array(false),
        info,
      };
    },
  };
}

/** Σ xᵢ² in float64. */
export function sumOfSquares(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

/** Σ clip(xᵢ, lo, hi)² in float64. */
export function clippedSumOfSquares(x: ArrayLike<number>, lo: number, hi: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const c = Math.min(Math.max(x[i]!, lo), hi);
    s += c * c;
  }
  return s;
}
