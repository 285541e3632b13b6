// Entry point of the `drift` command line: dispatches train / resume / eval / list and maps failures to exit statuses.
import { readFileSync } from "node:fs";
import { type Io, processIo } from "./io.ts";

/** Top-level usage text. */
export const USAGE = `Usage: drift <command> [options]

Commands:
  train    --algo NAME --env ID [--steps N] [--seed N] [--config FILE] [--set k=v]...   train and write a run directory
  resume   RUN_DIR [--steps N]                                                             continue a run from its checkpoint
  eval     RUN_DIR [--episodes N]                                                          deterministic episodes: mean ± std
  list     algos|envs                                                                      the taxonomy table, or env ids

Run \`drift <command> --help\` for a command's options. Exit status: 0 ok, 1 failure, 2 bad arguments or config,
130 stopped by Ctrl-C (resumable).
`;

/** The CLI package's version. */
export function cliVersion(): string {
  return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
}

/**
 * Runs `drift` with `argv` (the arguments after the program name) and returns the exit status. Errors thrown by
 * Drift (a `DriftError`) are printed as one line; anything else with its stack.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "train":
        return await (await import("./commands/train.ts")).trainCommand(rest, io);
      case "resume":
        return await (await import("./commands/resume.ts")).resumeCommand(rest, io);
      case "eval":
        return await (await import("./commands/eval.ts")).evalCommand(rest, io);
      case "list":
        return (await import("./commands/list.ts")).listCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      case "--version":
      case "-v":
        io.out(`drift ${cliVersion()} (node ${process.version})\n`);
        return 0;
      default:
        io.err(`drift: unknown command ${JSON.stringify(command)}; valid: train, resume, eval, list\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    const err = e as Error;
    io.err(err?.name === "DriftError" ? `error: ${err.message}\n` : `error: ${err?.stack ?? String(e)}\n`);
    return 1;
  }
}
