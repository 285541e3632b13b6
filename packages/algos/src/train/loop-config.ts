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
}

/** Defaults in the spirit of CleanRL / SB3 for Gym control tasks. */
export const OFF_POLICY_DEFAULTS: LoopConfig = {
  batchSize: 256,
  learningStarts: 5000,
  bufferSize: 1_000_000,
  updatesPerStep: 1,
  numEnvs: 1,
  evalEvery: 10_000,
  evalEpisodes: 10,
};
