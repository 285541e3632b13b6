// Settings of the standard off-policy loop that every off-policy algorithm's config carries.

/** Loop settings read by `makeTrain` (counts are environment steps). */
export interface LoopConfig {
  [key: string]: number | string | boolean | readonly number[];
  batchSize: number;
  /** Steps with uniformly random actions before learning starts. */
  learningStarts: number;
  bufferSize: number;
  /** Gradient updates per environment step. */
  updatesPerStep: number;
  numEnvs: number;
  /** Evaluate every N steps (0 = never). */
  evalEvery: number;
  evalEpisodes: number;
  /** Where the agent's parameters live and its jitted update runs: "cpu" (wasm) or "webgpu". Envs and the replay buffer stay on the CPU. */
  backend: string;
}

/** Valid values of the loop's string settings. */
export const LOOP_CHOICES: Readonly<Record<string, readonly string[]>> = { backend: ["cpu", "webgpu"] };

/** Defaults in the spirit of CleanRL / SB3 for Gym control tasks. */
export const OFF_POLICY_DEFAULTS: LoopConfig = {
  batchSize: 256,
  learningStarts: 5000,
  bufferSize: 1_000_000,
  updatesPerStep: 1,
  numEnvs: 1,
  evalEvery: 10_000,
  evalEpisodes: 10,
  backend: "cpu",
};
