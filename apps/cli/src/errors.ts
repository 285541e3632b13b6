// Configuration and command-line errors as data, the fp-ts validation applicative that collects them, and their messages.
import * as E from "fp-ts/lib/Either.js";
import * as NEA from "fp-ts/lib/NonEmptyArray.js";

/** The type a config key takes, read off its default value. */
export type ValueType = "number" | "string" | "boolean" | "number list";

/** Where a value came from, e.g. `--set`, `file cfg.json`, `--steps`. */
export type Source = string;

/** One problem with the command line or the config; every kind names the key and, where it applies, the bad value. */
export type ConfigError =
  | { kind: "unknown-key"; key: string; source: Source; suggestion: string | null; valid: readonly string[] }
  | { kind: "wrong-type"; key: string; value: unknown; expected: ValueType; source: Source }
  | { kind: "bad-choice"; key: string; value: string; choices: readonly string[]; suggestion: string | null; source: Source }
  | { kind: "non-finite"; key: string; value: unknown; source: Source }
  | { kind: "bad-count"; key: string; value: number; min: number; source: Source }
  | { kind: "missing"; key: string; hint: string }
  | { kind: "syntax"; text: string; source: Source; expected: string }
  | { kind: "bad-file"; path: string; reason: string }
  | { kind: "unknown-option"; option: string; suggestion: string | null; valid: readonly string[] }
  | { kind: "usage"; message: string };

/** Config errors, at least one. */
export type ConfigErrors = NEA.NonEmptyArray<ConfigError>;

/** A validated value, or every error found on the way to it. */
export type Validated<A> = E.Either<ConfigErrors, A>;

/** The validation applicative: `ap`/`sequenceS`/`traverse` over it concatenate the errors of every failed part. */
export const V = E.getApplicativeValidation(NEA.getSemigroup<ConfigError>());

/** A failed validation with one error. */
export function fail<A = never>(e: ConfigError): Validated<A> {
  return E.left(NEA.of(e));
}

const show = (v: unknown): string =>
  typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(show).join(",")}]` : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);

/** One error as a line of text naming the key, the bad value and what would be valid. */
export function formatError(e: ConfigError): string {
  switch (e.kind) {
    case "unknown-key":
      return `${e.key}: unknown key (${e.source})${e.suggestion ? `; did you mean "${e.suggestion}"?` : `; valid keys: ${e.valid.join(", ")}`}`;
    case "wrong-type":
      return `${e.key}: expected ${e.expected === "number list" ? "a list of numbers like [64,64]" : `a ${e.expected}`}, got ${show(e.value)} (${e.source})`;
    case "bad-choice":
      return `${e.key}: ${show(e.value)} is not a valid choice (${e.source}); valid choices: ${e.choices.join(", ")}${e.suggestion ? `; did you mean "${e.suggestion}"?` : ""}`;
    case "non-finite":
      return `${e.key}: expected a finite number, got ${show(e.value)} (${e.source})`;
    case "bad-count":
      return `${e.key}: expected a whole number ≥ ${e.min}, got ${show(e.value)} (${e.source})`;
    case "missing":
      return `${e.key}: required; ${e.hint}`;
    case "syntax":
      return `${show(e.text)}: expected ${e.expected} (${e.source})`;
    case "bad-file":
      return `${e.path}: ${e.reason}`;
    case "unknown-option":
      return `${e.option}: unknown option; valid options: ${e.valid.join(", ")}${e.suggestion ? `; did you mean ${e.suggestion}?` : ""}`;
    case "usage":
      return e.message;
  }
}

/** All errors as one block of text, one numbered line each. */
export function formatErrors(errors: readonly ConfigError[]): string {
  const head = errors.length === 1 ? "1 configuration error:" : `${errors.length} configuration errors:`;
  return [head, ...errors.map((e, i) => `  ${i + 1}. ${formatError(e)}`)].join("\n");
}
