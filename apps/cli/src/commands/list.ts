// `drift list algos|envs`: the algorithm taxonomy table, or the registered environment ids with their episode limits.
import { taxonomyTable } from "@drift/algos";
import { listEnvs, spec } from "@drift/envs";
import { closest } from "../closest.ts";
import type { Io } from "../io.ts";

/** What `drift list` can list. */
export const LIST_TARGETS = ["algos", "envs"] as const;

/** Usage text of `drift list`. */
export const LIST_USAGE = `Usage: drift list algos|envs

  algos   the registered algorithms with their place in the taxonomy (family, reference, policy class, regime, paper)
  envs    the registered environment ids with their episode step limits
`;

/** The registered environments as a Markdown table: id, max episode steps (— for none) and description. */
export function envTable(): string {
  const rows = listEnvs().map((id) => {
    const s = spec(id);
    return `| ${id} | ${s.maxEpisodeSteps ?? "—"} | ${s.description ?? ""} |`;
  });
  return ["| env | max steps | description |", "| --- | --- | --- |", ...rows].join("\n");
}

/** `drift list …`: returns the exit status (0 listed, 2 unknown target). */
export function listCommand(argv: readonly string[], io: Io): number {
  const [target, ...rest] = argv;
  if (target === "--help" || target === "-h") {
    io.out(LIST_USAGE);
    return 0;
  }
  if (target === "algos" && rest.length === 0) io.out(taxonomyTable() + "\n");
  else if (target === "envs" && rest.length === 0) io.out(envTable() + "\n");
  else {
    const message =
      target === undefined
        ? `list: say what to list: ${LIST_TARGETS.join(" or ")}`
        : rest.length
          ? `list: unexpected argument${rest.length > 1 ? "s" : ""} ${rest.join(" ")}`
          : `list: unknown target ${JSON.stringify(target)}; valid: ${LIST_TARGETS.join(", ")}${closest(target, LIST_TARGETS) ? `; did you mean "${closest(target, LIST_TARGETS)}"?` : ""}`;
    io.err(`drift ${message}\n\n${LIST_USAGE}`);
    return 2;
  }
  return 0;
}
