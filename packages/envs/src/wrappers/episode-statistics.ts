// Episode statistics wrapper, as purejaxrl's LogWrapper: running and last-finished episode returns and lengths in info.
import { type Array, np } from "@drift/tensor";
import type { Env } from "../types.ts";
import { inherit, scalarShape } from "./inherit.ts";

/** State of `episodeStatistics`. */
export interface EpisodeStatisticsState<S> {
  /** The wrapped env's state. */
  env: S;
  /** Return of the running episode (float32). */
  episodeReturns: Array;
  /** Length of the running episode (int32). */
  episodeLengths: Array;
  /** Return of the last finished episode (float32). */
  returnedEpisodeReturns: Array;
  /** Length of the last finished episode (int32). */
  returnedEpisodeLengths: Array;
  /** Steps taken since reset, across episodes (int32). */
  timestep: Array;
}

/**
 * Tracks episode returns and lengths as purejaxrl's LogWrapper, adding to info `returned_episode_returns`,
 * `returned_episode_lengths` (the last finished episode's, kept until the next one finishes), `returned_episode`
 * (true on the step that finishes one) and `timestep`. An episode finishes when terminated or truncated.
 * Put it *outside* `autoReset` (its reset starts the statistics from zero), e.g. `episodeStatistics(autoReset(timeLimit(env, T)))`.
 */
export function episodeStatistics<S, P>(env: Env<S, P>): Env<EpisodeStatisticsState<S>, P> {
  const shape = scalarShape(env);
  return {
    ...inherit(env),
    reset(key, params) {
      const r = env.reset(key, params);
      const f = (): Array => np.zeros(shape);
      const i = (): Array => np.zeros(shape, { dtype: "int32" });
      return {
        obs: r.obs,
        state: { env: r.state, episodeReturns: f(), episodeLengths: i(), returnedEpisodeReturns: f(), returnedEpisodeLengths: i(), timestep: i() },
      };
    },
    step(key, s, action, params) {
      const r = env.step(key, s.env, action, params);
      const done = np.logicalOr(r.terminated, r.truncated);
      const ret = np.add(s.episodeReturns, np.astype(r.reward, "float32"));
      const len = np.add(s.episodeLengths, 1);
      const state: EpisodeStatisticsState<S> = {
        env: r.state,
        episodeReturns: np.where(done, 0, ret),
        episodeLengths: np.where(done, 0, len),
        returnedEpisodeReturns: np.where(done, ret, s.returnedEpisodeReturns),
        returnedEpisodeLengths: np.where(done, len, s.returnedEpisodeLengths),
        timestep: np.add(s.timestep, 1),
      };
      const info = {
        ...r.info,
        returned_episode_returns: state.returnedEpisodeReturns,
        returned_episode_lengths: state.returnedEpisodeLengths,
        returned_episode: done,
        timestep: state.timestep,
      };
      return { ...r, state, info };
    },
  };
}
