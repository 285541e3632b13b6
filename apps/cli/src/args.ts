// Command-line argument parsing: positionals, `--name value` / `--name=value` options, repeatable options and flags.
import * as E from "fp-ts/lib/Either.js";
import { closest } from "./closest.ts";
import { type ConfigError, type Validated } from "./errors.ts";

/** How an option takes values: one value (the last one given wins), a value per use (collected), or none. */
export type OptionKind = "value" | "list" | "flag";

/** The options a command accepts, by long name without the dashes. */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

/** Parsed arguments. */
export interface ParsedArgs {
  positionals: string[];
  /** Single-valued options that were given. */
  values: Record<string, string>;
  /** Repeatable options (each present, possibly empty). */
  lists: Record<string, string[]>;
  /** Flags that were given. */
  flags: Set<string>;
}

/**
 * Parses `argv` against `spec`. Arguments after `--` are positional; an unknown option takes the argument after it
 * (unless that is an option) as its value. Returns what could be read, and in `errors`
 * every unknown option (with the closest valid one) and every option missing its value, so a command can report
 * them together with its own validation errors.
 */
export function parseArgs(argv: readonly string[], spec: OptionSpec): { args: ParsedArgs; errors: Validated<null> } {
  const out: ParsedArgs = { positionals: [], values: {}, lists: {}, flags: new Set() };
  for (const [name, kind] of Object.entries(spec)) if (kind === "list") out.lists[name] = [];
  const errors: ConfigError[] = [];
  const valid = Object.keys(spec).map((n) => `--${n}`);
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (arg === "--") {
      out.positionals.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) {
      const near = closest(name, Object.keys(spec));
      errors.push({ kind: "unknown-option", option: `--${name}`, suggestion: near && `--${near}`, valid });
      if (eq < 0 && i < argv.length && !argv[i]!.startsWith("--")) i++; // its value, most likely
      continue;
    }
    if (kind === "flag") {
      if (eq >= 0) errors.push({ kind: "syntax", text: arg, source: "command line", expected: `--${name} without a value` });
      else out.flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i < argv.length && !argv[i]!.startsWith("--")) value = argv[i++];
    if (value === undefined) {
      errors.push({ kind: "syntax", text: `--${name}`, source: "command line", expected: `a value after --${name}` });
      continue;
    }
    if (kind === "list") out.lists[name]!.push(value);
    else out.values[name] = value;
  }
  return { args: out, errors: errors.length ? E.left(errors as [ConfigError, ...ConfigError[]]) : E.right(null) };
}
