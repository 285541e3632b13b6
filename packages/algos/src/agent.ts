// The agent contract every algorithm implements: pure create / update / sampleActions over pytrees.
import type { Array } from "@drift/tensor";
import type { Box } from "@drift/envs";

/** A minibatch of transitions, leaves shaped [B, ...]. */
export interface Batch {
  obs: Array;
  action: Array;
  reward: Array;
  nextObs: Array;
  /** True where the transition ended in a terminal state (no bootstrap). */
  terminated: Array;
}

/** Scalar training metrics keyed by CleanRL-style names (`losses/qf_loss`, …). */
export type Metrics = Record<string, Array>;

/** Options of `sampleActions`. */
export interface SampleOptions {
  /** The policy's mode / mean action instead of a sample (evaluation). */
  deterministic: boolean;
}

/**
 * An agent: pure functions over its state `S` (a pytree of params, optimizer states, target networks, temperature…).
 * The state keeps the config as static leaves (numbers, strings), so `update(agent, batch, key)` needs nothing else
 * and `jit` caches one program per config. `update` and `sampleActions` use only @drift/tensor ops.
 */
export interface Agent<S, C> {
  /** Initial state for observation/action spaces (actions are mapped into the action box by the agent). */
  create(key: Array, obsSpace: Box, actSpace: Box, config: C): S;
  /** One gradient update on a batch; returns the new state and metrics. */
  update(agent: S, batch: Batch, key: Array): [S, Metrics];
  /** Actions for a batch of observations [N, obsDim] → [N, actDim], inside the action box. */
  sampleActions(agent: S, obs: Array, key: Array, opts: SampleOptions): Array;
}
