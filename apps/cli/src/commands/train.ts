// `drift train`: validate the setup (every error at once), create the run directory with config.json, then train.
import * as E from "fp-ts/lib/Either.js";
import { sequenceS } from "fp-ts/lib/Apply.js";
import { type Algorithm, type Suite, listAlgorithms } from "@drift/algos";
import { listEnvs } from "@drift/envs";
import { DriftError } from "@drift/tensor";
import { parseArgs } from "../args.ts";
import { DEFAULT_STEPS, RUN_FORMAT, type Registry, SUITES, countMin, schemaOf, validateTrain, valueType } from "../config.ts";
import { V, fail, formatErrors } from "../errors.ts";
import type { Io } from "../io.ts";
import { executeRun } from "../run.ts";
import { type RunInfo, createRunDir, versions, writeRunInfo } from "../run-dir.ts";
import { checkJob } from "../training.ts";

/** Options of `drift train`. */
export const TRAIN_OPTIONS = {
  algo: "value",
  env: "value",
  steps: "value",
  seed: "value",
  suite: "value",
  config: "value",
  set: "list",
  "log-every": "value",
  "checkpoint-every": "value",
  "runs-dir": "value",
  help: "flag",
} as const;

/** Usage text of `drift train`. */
export const TRAIN_USAGE = `Usage: drift train --algo NAME --env ID [--steps N] [--seed N] [--suite gym|dmc|toy]
                   [--config FILE.json] [--set key=value]... [--log-every N] [--checkpoint-every N] [--runs-dir DIR]

Trains an algorithm on an environment and writes runs/<env>__<algo>__<seed>__<time>/ with config.json,
metrics.csv, metrics.jsonl, checkpoints/latest.* and curve.svg/curve.png.

  --algo NAME            registered algorithm (drift list algos)
  --env ID               registered environment (drift list envs)
  --steps N              environment steps (default ${DEFAULT_STEPS})
  --seed N               PRNG seed (default 0)
  --suite S              which defaults to start from: gym, dmc or toy (default: from the env id)
  --config FILE          JSON object of config keys (or a run's config.json) over the defaults
  --set key=value        override one key, after the file; repeatable. Lists: --set hidden=[64,64];
                         booleans: --set autoAlpha=false
  --log-every N          average training metrics over N steps (default min(1000, steps/20))
  --checkpoint-every N   save a checkpoint every N steps (default ~steps/10, at least 1000; 0: only at the end)
  --runs-dir DIR         parent of the run directory (default runs)

Ctrl-C stops after the current step, saves a checkpoint and prints the resume command; a second Ctrl-C quits at once.
\`drift train --algo NAME [--suite S] --help\` lists the algorithm's config keys with their defaults.
`;

/** The registered algorithms and environments. */
export function defaultRegistry(): Registry {
  return { algorithms: listAlgorithms(), envs: listEnvs() };
}

/** The config keys of `algo` under `suite`: type, default and choices, as a Markdown table. */
export function configTable(algo: Algorithm, suite: Suite): string {
  const schema = schemaOf(algo, suite);
  const rows = Object.entries(schema.defaults).map(([k, v]) => {
    const type = valueType(v) === "number" && countMin(k, v) !== null ? "count" : valueType(v);
    const def = Array.isArray(v) ? `[${v.join(",")}]` : String(v);
    return `| ${k} | ${type} | ${def} | ${schema.choices[k]?.join(", ") ?? ""} |`;
  });
  return [`${algo.name} config keys (suite ${suite}):`, "", "| key | type | default | choices |", "| --- | --- | --- | --- |", ...rows].join("\n") + "\n";
}

/** `drift train …`: returns the exit status (0 done, 2 bad setup, 130 stopped by Ctrl-C). */
export async function trainCommand(argv: readonly string[], io: Io, registry: Registry = defaultRegistry()): Promise<number> {
  const { args, errors } = parseArgs(argv, TRAIN_OPTIONS);
  const v = args.values;
  if (args.flags.has("help")) {
    io.out(TRAIN_USAGE);
    const algo = registry.algorithms.find((a) => a.name === v.algo);
    const suite = (SUITES.includes(v.suite as Suite) ? v.suite : "gym") as Suite;
    if (algo) io.out("\n" + configTable(algo, suite));
    return 0;
  }
  const positionals = args.positionals.length
    ? fail({ kind: "usage", message: `unexpected argument${args.positionals.length > 1 ? "s" : ""} ${args.positionals.join(" ")}: drift train takes options only` })
    : E.right(null);
  const checked = sequenceS(V)({
    errors,
    positionals,
    settings: validateTrain(
      { algo: v.algo, env: v.env, suite: v.suite, seed: v.seed, steps: v.steps, config: v.config, set: args.lists.set!, logEvery: v["log-every"], checkpointEvery: v["checkpoint-every"] },
      registry,
    ),
  });
  if (E.isLeft(checked)) {
    io.err(`${formatErrors(checked.left)}\nSee: npx drift train --help\n`);
    return 2;
  }
  const s = checked.right.settings;
  try {
    checkJob(s);
  } catch (e) {
    if (!(e instanceof DriftError)) throw e;
    io.err(`${formatErrors([{ kind: "usage", message: e.message }])}\n`);
    return 2;
  }
  const runDir = createRunDir(v["runs-dir"] ?? "runs", s, new Date());
  const info: RunInfo = {
    format: RUN_FORMAT,
    version: 1,
    algo: s.algo,
    env: s.env,
    suite: s.suite,
    seed: s.seed,
    totalSteps: s.totalSteps,
    logEvery: s.logEvery,
    checkpointEvery: s.checkpointEvery,
    config: s.config,
    command: ["drift", "train", ...argv],
    createdAt: new Date().toISOString(),
    versions: versions(),
  };
  writeRunInfo(runDir, info);
  io.err(`drift train: ${s.algo} on ${s.env} (suite ${s.suite}, seed ${s.seed}, ${s.totalSteps} steps)\nrun directory: ${runDir}\n`);
  return executeRun(runDir, info, io);
}
