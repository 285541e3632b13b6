// `drift eval <run-dir>`: load the agent from the run's checkpoint and report deterministic episode returns (mean ± std).
import { writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { sequenceS } from "fp-ts/lib/Apply.js";
import { pipe } from "fp-ts/lib/function.js";
import { getAlgorithm, listAlgorithms } from "@drift/algos";
import { type Env, makeEnv, prepareEnv } from "@drift/envs";
import { episodeStats, evaluate, loadCheckpoint } from "@drift/rl";
import { type Array, jit, np, random } from "@drift/tensor";
import { parseArgs } from "../args.ts";
import { parseChoice, parseCount } from "../config.ts";
import { V, fail, formatErrors } from "../errors.ts";
import type { Io } from "../io.ts";
import { checkpointStep, readRunInfo, runPaths } from "../run-dir.ts";

/** Options of `drift eval`. */
export const EVAL_OPTIONS = { episodes: "value", seed: "value", help: "flag" } as const;

/** Usage text of `drift eval`. */
export const EVAL_USAGE = `Usage: drift eval RUN_DIR [--episodes N] [--seed N]

Loads the agent saved in RUN_DIR/checkpoints/latest and runs N deterministic episodes (the policy's mode) on the run's
environment (side by side under jit when the env is traceable, one by one otherwise); prints the mean ± standard
deviation of the returns and writes RUN_DIR/eval.json.

  --episodes N   episodes to run (default 10)
  --seed N       PRNG seed of the episodes' resets (default 0)
`;

/** What `drift eval` measured. */
export interface EvalReport {
  step: number;
  episodes: number;
  seed: number;
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
}

/**
 * Runs `episodes` episodes one after another without vmap or jit around the env (for envs that cannot be traced, such
 * as MuJoCo's), with the same keys as rl's `evaluate`: episode j resets with `foldIn(foldIn(key, j), 0x7fffffff)` and
 * at step t splits `foldIn(foldIn(key, j), t)` into policy and env keys; so on a traceable env both give the same returns.
 */
export function evaluateSequential(
  env: Env,
  params: unknown,
  policy: (key: Array, obs: Array) => Array,
  key: Array,
  episodes: number,
  maxSteps = 10_000,
): { returns: number[]; lengths: number[] } {
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let j = 0; j < episodes; j++) {
    const k = random.foldIn(key, j);
    let { obs, state } = env.reset(random.foldIn(k, 0x7fffffff), params);
    let ret = 0;
    let t = 0;
    while (t < maxSteps) {
      const keys = random.split(random.foldIn(k, t), 2);
      const action = policy(np.reshape(np.slice(keys, [0, 1]), [2]), obs as Array);
      const out = env.step(np.reshape(np.slice(keys, [1, 2]), [2]), state, action, params);
      ret += out.reward.item() as number;
      t++;
      if (out.terminated.item() || out.truncated.item()) break;
      [obs, state] = [out.obs, out.state];
    }
    returns.push(ret);
    lengths.push(t);
  }
  return { returns, lengths };
}

/** `drift eval …`: returns the exit status (0 done, 2 bad arguments or run directory). */
export async function evalCommand(argv: readonly string[], io: Io): Promise<number> {
  const { args, errors } = parseArgs(argv, EVAL_OPTIONS);
  if (args.flags.has("help")) {
    io.out(EVAL_USAGE);
    return 0;
  }
  const dirV = args.positionals.length === 1 ? E.right(args.positionals[0]!) : fail<string>({ kind: "usage", message: `expected one run directory, got ${args.positionals.length ? args.positionals.join(" ") : "none"}` });
  const runV = pipe(
    dirV,
    E.chain((dir) => pipe(readRunInfo(dir), E.map((info) => ({ dir, info })))),
    E.chainFirst(({ info }) => parseChoice("algo", info.algo, listAlgorithms().map((a) => a.name))),
    E.chainFirst(({ dir }) =>
      checkpointStep(dir) === null
        ? fail({ kind: "bad-file", path: `${runPaths(dir).checkpoint}.state.json`, reason: "no checkpoint yet: the run has not saved one (train or resume it first)" })
        : E.right(null),
    ),
  );
  const checked = sequenceS(V)({
    errors,
    run: runV,
    episodes: parseCount("episodes", args.values.episodes, 1, 10),
    seed: parseCount("seed", args.values.seed, 0, 0),
  });
  if (E.isLeft(checked)) {
    io.err(`${formatErrors(checked.left)}\nSee: npx drift eval --help\n`);
    return 2;
  }
  const { run: { dir, info }, episodes, seed } = checked.right;
  const paths = runPaths(dir);
  const algo = getAlgorithm(info.algo);
  const ckpt = await loadCheckpoint<{ agent: unknown }>(paths.checkpoint);
  await prepareEnv(info.env);
  const { env, params } = makeEnv(info.env);
  const agent = ckpt.state.agent;
  const act = (k: Array, obs: Array) => np.squeeze(algo.agent.sampleActions(agent, np.expandDims(obs.astype("float32"), 0), k, { deterministic: true }), 0);
  io.err(`drift eval: ${info.algo} on ${info.env} at step ${ckpt.step}, ${episodes} deterministic episode${episodes > 1 ? "s" : ""}…\n`);
  const res = env.traceable
    ? evaluate(env, params, act, random.key(seed), { episodes, deterministic: true, jit: true })
    : evaluateSequential(env, params, jit(act), random.key(seed), episodes);
  const stats = episodeStats(res);
  const report: EvalReport = { step: ckpt.step, episodes, seed, returns: res.returns, lengths: res.lengths, mean: stats.returnMean, std: stats.returnStd };
  writeFileSync(paths.eval, JSON.stringify(report, null, 2) + "\n");
  io.out(
    `${info.env} · ${info.algo} · step ${ckpt.step}: return ${stats.returnMean.toFixed(2)} ± ${stats.returnStd.toFixed(2)} over ${episodes} episode${episodes > 1 ? "s" : ""}` +
      ` (min ${stats.returnMin.toFixed(2)}, max ${stats.returnMax.toFixed(2)}, mean length ${stats.lengthMean.toFixed(1)})\n`,
  );
  return 0;
}
