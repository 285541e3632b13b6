// Action wrappers: clip to the action space (ClipAction), affine rescale (RescaleAction), action repeat (frame skip).
import { type Array, DriftError, np } from "@drift/tensor";
import { Box } from "../spaces.ts";
import type { Env, Info } from "../types.ts";
import { type Scalar, isConcrete, selectTree, splitKeys } from "../internal/util.ts";
import { inherit } from "./inherit.ts";

function boxOf(op: string, env: Env, params: unknown): Box {
  const space = env.actionSpace(params);
  if (!(space instanceof Box)) throw new DriftError(op, `needs a Box action space; ${env.id} has ${space.toString()}`);
  return space;
}

/**
 * Clips actions to the wrapped env's Box bounds before stepping, as Gymnasium's ClipAction. The wrapped action
 * space becomes unbounded (any finite action is accepted).
 */
export function clipAction<S, P>(env: Env<S, P>): Env<S, P> {
  return {
    ...inherit(env),
    actionSpace(params) {
      const b = boxOf("clipAction", env, params);
      return new Box(-Infinity, Infinity, b.shape, b.dtype);
    },
    reset: (key, params) => env.reset(key, params),
    step(key, state, action, params) {
      const b = boxOf("clipAction", env, params);
      return env.step(key, state, np.astype(np.clip(action, b.low, b.high), b.dtype), params);
    },
  };
}

/**
 * Affinely maps actions from [minAction, maxAction] to the wrapped env's Box [low, high], as Gymnasium's
 * RescaleAction: a' = low + (high − low)·(a − minAction)/(maxAction − minAction). No clipping (compose with
 * `clipAction` for that). Typical use: `rescaleAction(env, -1, 1)` for tanh-squashed policies.
 */
export function rescaleAction<S, P>(env: Env<S, P>, minAction: Scalar | readonly number[], maxAction: Scalar | readonly number[]): Env<S, P> {
  const op = "rescaleAction";
  const lo = minAction instanceof np.Array ? minAction : np.array(minAction as number | number[]);
  const hi = maxAction instanceof np.Array ? maxAction : np.array(maxAction as number | number[]);
  if (isConcrete(lo) && isConcrete(hi)) {
    const l = np.broadcastTo(lo, np.add(lo, hi).shape).dataSync();
    const h = np.broadcastTo(hi, np.add(lo, hi).shape).dataSync();
    l.forEach((v, i) => {
      if (!(Number.isFinite(v) && Number.isFinite(h[i]!) && v < h[i]!))
        throw new DriftError(op, `needs finite minAction < maxAction elementwise; got ${v} and ${h[i]} at element ${i}`);
    });
  }
  return {
    ...inherit(env),
    actionSpace(params) {
      const b = boxOf(op, env, params);
      return new Box(np.broadcastTo(lo, b.shape), np.broadcastTo(hi, b.shape), b.shape, b.dtype);
    },
    reset: (key, params) => env.reset(key, params),
    step(key, state, action, params) {
      const b = boxOf(op, env, params);
      const frac = np.div(np.sub(action, lo), np.sub(hi, lo));
      return env.step(key, state, np.astype(np.add(b.low, np.mul(np.sub(b.high, b.low), frac)), b.dtype), params);
    },
  };
}

/**
 * Repeats each action `repeats` times (frame skip) and sums the rewards, as Brax's EpisodeWrapper with action_repeat
 * and the DMC wrappers of TD-MPC2. Once an inner step terminates or truncates, the remaining repeats are masked:
 * state, observation, flags and info stay those of the finishing step and add no reward. Unrolled (repeats is static).
 */
export function actionRepeat<S, P>(env: Env<S, P>, repeats: number): Env<S, P> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new DriftError("actionRepeat", `repeats must be a positive integer; got ${repeats}`);
  return {
    ...inherit(env),
    reset: (key, params) => env.reset(key, params),
    step(key, state, action, params) {
      const keys = repeats === 1 ? [key] : splitKeys(key, repeats);
      let out = env.step(keys[0]!, state, action, params);
      let reward: Array = out.reward;
      for (let i = 1; i < repeats; i++) {
        const done = np.logicalOr(out.terminated, out.truncated);
        if (!env.traceable && done.dataSync().every((v) => v !== 0)) break;
        const next = env.step(keys[i]!, out.state, action, params);
        reward = np.add(reward, np.where(done, 0, next.reward));
        const keep = <T>(a: T, b: T): T => selectTree(done, a, b);
        out = {
          obs: keep(out.obs, next.obs),
          state: keep(out.state, next.state),
          reward,
          terminated: keep(out.terminated, next.terminated),
          truncated: keep(out.truncated, next.truncated),
          info: keep<Info>(out.info, next.info),
        };
      }
      return { ...out, reward };
    },
  };
}
