// `drift resume <run-dir>`: continue a run from its checkpoint with the config saved in config.json.
import * as E from "fp-ts/lib/Either.js";
import { sequenceS } from "fp-ts/lib/Apply.js";
import { pipe } from "fp-ts/lib/function.js";
import { getAlgorithm, listAlgorithms } from "@drift/algos";
import { parseArgs } from "../args.ts";
import { checkSavedConfig, parseChoice, parseCount, schemaOf } from "../config.ts";
import { V, fail, formatErrors } from "../errors.ts";
import type { Io } from "../io.ts";
import { executeRun } from "../run.ts";
import { checkpointStep, readRunInfo, runPaths, trimMetrics, versions, writeRunInfo } from "../run-dir.ts";

/** Options of `drift resume`. */
export const RESUME_OPTIONS = { steps: "value", help: "flag" } as const;

/** Usage text of `drift resume`. */
export const RESUME_USAGE = `Usage: drift resume RUN_DIR [--steps N]

Continues a run made by \`drift train\` from RUN_DIR/checkpoints/latest with the config in RUN_DIR/config.json,
appending to its metrics and rewriting its plots. Metric rows logged after the checkpoint (a crash) are dropped first.

  --steps N   new total number of steps (default: the run's own total); recorded in config.json
`;

/** `drift resume …`: returns the exit status (0 done, 2 bad arguments or run directory, 130 stopped again). */
export async function resumeCommand(argv: readonly string[], io: Io): Promise<number> {
  const { args, errors } = parseArgs(argv, RESUME_OPTIONS);
  if (args.flags.has("help")) {
    io.out(RESUME_USAGE);
    return 0;
  }
  const dirV = args.positionals.length === 1 ? E.right(args.positionals[0]!) : fail<string>({ kind: "usage", message: `expected one run directory, got ${args.positionals.length ? args.positionals.join(" ") : "none"}` });
  const runV = pipe(
    dirV,
    E.chain((dir) =>
      pipe(
        readRunInfo(dir),
        E.chainFirst((info) => parseChoice("algo", info.algo, listAlgorithms().map((a) => a.name))),
        E.chain((info) =>
          pipe(
            checkSavedConfig(info.config, schemaOf(getAlgorithm(info.algo), info.suite), runPaths(dir).config),
            E.map((config) => ({ dir, info: { ...info, config } })),
          ),
        ),
      ),
    ),
  );
  const checked = sequenceS(V)({ errors, run: runV, steps: parseCount("steps", args.values.steps, 1, 0) });
  if (E.isLeft(checked)) {
    io.err(`${formatErrors(checked.left)}\nSee: npx drift resume --help\n`);
    return 2;
  }
  const { run: { dir: runDir, info }, steps } = checked.right;
  const from = checkpointStep(runDir);
  const totalSteps = steps || info.totalSteps;
  if (from !== null && from >= totalSteps) {
    io.out(`${runDir} is already at step ${from} of ${totalSteps}; pass --steps N with N > ${from} to train further.\n`);
    return 0;
  }
  trimMetrics(runDir, from ?? 0);
  const resumed = {
    ...info,
    totalSteps,
    resumes: [...(info.resumes ?? []), { command: ["drift", "resume", ...argv], at: new Date().toISOString(), fromStep: from ?? 0, totalSteps, versions: versions() }],
  };
  writeRunInfo(runDir, resumed);
  io.err(
    from === null
      ? `drift resume: ${runDir} has no checkpoint yet; training ${info.algo} on ${info.env} from step 0 to ${totalSteps}\n`
      : `drift resume: ${info.algo} on ${info.env} from step ${from} to ${totalSteps} (${runDir})\n`,
  );
  return executeRun(runDir, resumed, io);
}
