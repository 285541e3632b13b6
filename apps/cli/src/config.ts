// Config resolution for `drift train`: suite defaults ← JSON file ← `--set k=v`, validated with every error collected (fp-ts Either).
import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import * as A from "fp-ts/lib/Array.js";
import { sequenceS } from "fp-ts/lib/Apply.js";
import { pipe } from "fp-ts/lib/function.js";
import { type Algorithm, type AlgorithmConfig, type ConfigValue, LOOP_CHOICES, type Suite } from "@drift/algos";
import { closest } from "./closest.ts";
import { type Source, type Validated, type ValueType, V, fail } from "./errors.ts";

/** The benchmark suites with their own defaults. */
export const SUITES: readonly Suite[] = ["gym", "dmc", "toy"];

/** Defaults of one algorithm for one suite, and the valid choices of its string keys: what config values are checked against. */
export interface ConfigSchema {
  defaults: AlgorithmConfig;
  choices: Readonly<Record<string, readonly string[]>>;
}

/** The schema of `algo` under `suite`. */
export function schemaOf(algo: Algorithm, suite: Suite): ConfigSchema {
  return { defaults: algo.defaults[suite], choices: { ...LOOP_CHOICES, ...(algo.choices as Record<string, readonly string[]> | undefined) } };
}

/** The type of a config value. */
export function valueType(v: ConfigValue): ValueType {
  return Array.isArray(v) ? "number list" : (typeof v as "number" | "string" | "boolean");
}

const COUNT_NAME = /^(num|n)[A-Z0-9]|(Size|Steps|Every|Episodes|Starts|Epochs|Iters|Iterations|Count|Samples|Updates|Delay|Horizon)$|Per[A-Z]\w*$/;

/**
 * The least valid value when `key` holds a count (a whole number), else null. A number key is a count when its
 * default is a whole number ≥ 0 and its name reads like one (`numCritics`, `batchSize`, `evalEvery`, `updatesPerStep`…):
 * counts must be whole and ≥ 0. In a list of whole numbers ≥ 1 (layer widths such as `hidden`) each entry must be ≥ 1.
 */
export function countMin(key: string, def: ConfigValue): number | null {
  if (typeof def === "number") return Number.isInteger(def) && def >= 0 && COUNT_NAME.test(key) ? 0 : null;
  if (Array.isArray(def)) return def.length > 0 && def.every((x) => Number.isInteger(x) && x >= 1) ? 1 : null;
  return null;
}

/** Checks a number against a key's default: finite, and a whole number ≥ the minimum where the key is a count. */
function checkNumber(key: string, x: number, def: ConfigValue, source: Source): Validated<number> {
  if (!Number.isFinite(x)) return fail({ kind: "non-finite", key, value: x, source });
  const min = countMin(key, def);
  if (min !== null && (!Number.isInteger(x) || x < min)) return fail({ kind: "bad-count", key, value: x, min, source });
  return E.right(x);
}

/** Looks `key` up in the schema; an unknown key is an error suggesting the closest valid one. */
function lookup(key: string, schema: ConfigSchema, source: Source): Validated<ConfigValue> {
  if (Object.hasOwn(schema.defaults, key)) return E.right(schema.defaults[key]!);
  const valid = Object.keys(schema.defaults);
  return fail({ kind: "unknown-key", key, source, suggestion: closest(key, valid), valid });
}

/** Checks a JSON value (from a config file) for `key`: known key, the default's type, finite, counts, choices. */
export function checkValue(key: string, value: unknown, schema: ConfigSchema, source: Source): Validated<ConfigValue> {
  return pipe(
    lookup(key, schema, source),
    E.chain((def): Validated<ConfigValue> => {
      const expected = valueType(def);
      const wrong = () => fail<ConfigValue>({ kind: "wrong-type", key, value, expected, source });
      switch (expected) {
        case "number":
          return typeof value === "number" ? checkNumber(key, value, def, source) : wrong();
        case "boolean":
          return typeof value === "boolean" ? E.right(value) : wrong();
        case "string": {
          if (typeof value !== "string") return wrong();
          const choices = schema.choices[key];
          return !choices || choices.includes(value) ? E.right(value) : fail({ kind: "bad-choice", key, value, choices, suggestion: closest(value, choices), source });
        }
        case "number list": {
          if (!Array.isArray(value) || !value.every((x) => typeof x === "number")) return wrong();
          return pipe(
            value as number[],
            A.traverseWithIndex(V)((i, x) => checkNumber(`${key}[${i}]`, x, def, source)),
          );
        }
      }
    }),
  );
}

const NUMBER_TEXT = /^[-+]?(\d+(_\d+)*\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const NON_FINITE_TEXT = /^[-+]?(inf|infinity|nan)$/i;

/** A number written on the command line (`3e-4`, `1_000_000`), ±Infinity/NaN by name, or undefined when it is not a number. */
function parseNumberText(text: string): number | undefined {
  const t = text.trim();
  if (NON_FINITE_TEXT.test(t)) return /nan/i.test(t) ? NaN : t.startsWith("-") ? -Infinity : Infinity;
  return NUMBER_TEXT.test(t) ? Number(t.replace(/_/g, "")) : undefined;
}

/**
 * Reads the text of `--set key=text` as the type of `key`'s default: numbers (`3e-4`, `1_000_000`), booleans
 * (`true`/`false`), number lists (`[64,64]`, `64,64` or `[]`) and strings (bare, or JSON-quoted), then checks it as
 * `checkValue` does.
 */
export function parseSetValue(key: string, text: string, schema: ConfigSchema, source: Source): Validated<ConfigValue> {
  return pipe(
    lookup(key, schema, source),
    E.chain((def): Validated<ConfigValue> => {
      const expected = valueType(def);
      const wrong = () => fail<ConfigValue>({ kind: "wrong-type", key, value: text, expected, source });
      switch (expected) {
        case "number": {
          const x = parseNumberText(text);
          return x === undefined ? wrong() : checkValue(key, x, schema, source);
        }
        case "boolean":
          return text === "true" || text === "false" ? E.right(text === "true") : wrong();
        case "string":
          return checkValue(key, /^".*"$/.test(text) ? String(JSON.parse(text)) : text, schema, source);
        case "number list": {
          const inner = text.trim().replace(/^\[(.*)\]$/, "$1").trim();
          const xs = inner === "" ? [] : inner.split(",").map(parseNumberText);
          return xs.some((x) => x === undefined) ? wrong() : checkValue(key, xs, schema, source);
        }
      }
    }),
  );
}

/** Splits `key=value` (the value may itself contain `=`); text without a key and `=` is a syntax error. */
export function parseSet(text: string): Validated<[string, string]> {
  const eq = text.indexOf("=");
  if (eq <= 0) return fail({ kind: "syntax", text, source: "--set", expected: "key=value, e.g. --set hidden=[64,64]" });
  return E.right([text.slice(0, eq).trim(), text.slice(eq + 1)]);
}

/**
 * Reads a JSON config file: an object of config keys, or a run's `config.json` (its `config` section is used, so a
 * finished run's hyperparameters can be trained again).
 */
export function readConfigFile(path: string): Validated<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return fail({ kind: "bad-file", path, reason: `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail({ kind: "bad-file", path, reason: `not valid JSON: ${(e as Error).message}` });
  }
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  if (!isObject(value)) return fail({ kind: "bad-file", path, reason: `expected a JSON object of config keys, got ${Array.isArray(value) ? "an array" : typeof value}` });
  if (value.format === RUN_FORMAT && isObject(value.config)) return E.right(value.config);
  return E.right(value);
}

/** Tag of a run directory's `config.json`. */
export const RUN_FORMAT = "drift.run";

/**
 * The config: `schema.defaults`, overridden by the checked entries of `file`, overridden by the checked `--set`
 * entries (later ones win). Every bad entry is reported.
 */
export function resolveConfig(schema: ConfigSchema, file: Record<string, unknown>, filePath: string | null, sets: readonly string[]): Validated<AlgorithmConfig> {
  const fileSource = `file ${filePath}`;
  const fromFile = pipe(
    Object.entries(file),
    A.traverse(V)(([k, v]) => pipe(checkValue(k, v, schema, fileSource), E.map((x) => [k, x] as const))),
  );
  const fromSets = pipe(
    [...sets],
    A.traverse(V)((text) =>
      pipe(
        parseSet(text),
        E.chain(([k, raw]) => pipe(parseSetValue(k, raw, schema, `--set ${text}`), E.map((x) => [k, x] as const))),
      ),
    ),
  );
  return pipe(
    sequenceS(V)({ fromFile, fromSets }),
    E.map(({ fromFile, fromSets }) => ({ ...schema.defaults, ...Object.fromEntries(fromFile), ...Object.fromEntries(fromSets) })),
  );
}

/** A whole number ≥ `min` given as command-line text for the run setting `key`, or `fallback` when absent. */
export function parseCount(key: string, text: string | undefined, min: number, fallback: number, source: Source = `--${key}`): Validated<number> {
  if (text === undefined) return E.right(fallback);
  const x = parseNumberText(text);
  if (x === undefined) return fail({ kind: "wrong-type", key, value: text, expected: "number", source });
  if (!Number.isFinite(x)) return fail({ kind: "non-finite", key, value: text, source });
  if (!Number.isInteger(x) || x < min) return fail({ kind: "bad-count", key, value: x, min, source });
  return E.right(x);
}

/** One of `choices`, given as command-line text for `key`; absent is an error (`missing`) unless a fallback is given. */
export function parseChoice(key: string, text: string | undefined, choices: readonly string[], fallback?: string): Validated<string> {
  if (text === undefined) {
    if (fallback !== undefined) return E.right(fallback);
    return fail({ kind: "missing", key, hint: `pass --${key} with one of: ${choices.join(", ")}` });
  }
  if (choices.includes(text)) return E.right(text);
  return fail({ kind: "bad-choice", key, value: text, choices, suggestion: closest(text, choices), source: `--${key}` });
}

/** The suite whose defaults fit an environment id: `dm_control/…` → dmc, `Toy2d/…` and the multimodal tasks → toy, else gym. */
export function suiteFor(envId: string): Suite {
  if (envId.startsWith("dm_control/")) return "dmc";
  if (envId.startsWith("Toy2d/") || /^(MultiGoal|Turning)/.test(envId)) return "toy";
  return "gym";
}

/** What `drift train` reads from its command line (raw text, as given). */
export interface TrainInputs {
  algo?: string;
  env?: string;
  suite?: string;
  seed?: string;
  steps?: string;
  config?: string;
  set: readonly string[];
  logEvery?: string;
  checkpointEvery?: string;
}

/** A validated training setup. */
export interface TrainSettings {
  algo: string;
  env: string;
  suite: Suite;
  seed: number;
  totalSteps: number;
  logEvery: number;
  /** Save a checkpoint every N steps (0: only at the end and on Ctrl-C). */
  checkpointEvery: number;
  /** The resolved algorithm config. */
  config: AlgorithmConfig;
}

/** Registered algorithms and environments to validate against. */
export interface Registry {
  algorithms: readonly Algorithm[];
  envs: readonly string[];
}

/** Steps trained when `--steps` is not given. */
export const DEFAULT_STEPS = 100_000;

/**
 * Validates `drift train`'s inputs into settings, collecting every error: algorithm and environment (with the
 * closest valid names), suite, seed, steps, log and checkpoint intervals, the config file and each `--set`. Keys are
 * checked only once the algorithm and suite are known (they decide which keys exist).
 */
export function validateTrain(inputs: TrainInputs, registry: Registry): Validated<TrainSettings> {
  const names = registry.algorithms.map((a) => a.name);
  const algoV = pipe(
    parseChoice("algo", inputs.algo, names),
    E.map((n) => registry.algorithms.find((a) => a.name === n)!),
  );
  const env = parseChoice("env", inputs.env, registry.envs);
  const suite = parseChoice("suite", inputs.suite, SUITES, E.isRight(env) ? suiteFor(env.right) : "gym") as Validated<Suite>;
  const totalSteps = parseCount("steps", inputs.steps, 1, DEFAULT_STEPS);
  const fileV = inputs.config === undefined ? E.right({}) : readConfigFile(inputs.config);
  const schema = E.isRight(algoV) && E.isRight(suite) ? schemaOf(algoV.right, suite.right) : null;
  const config: Validated<AlgorithmConfig> = schema
    ? resolveConfig(schema, E.isRight(fileV) ? fileV.right : {}, inputs.config ?? null, inputs.set)
    : pipe([...inputs.set], A.traverse(V)(parseSet), E.map(() => ({})));
  const steps = E.isRight(totalSteps) ? totalSteps.right : DEFAULT_STEPS;
  return pipe(
    sequenceS(V)({
      algo: algoV,
      env,
      suite,
      seed: parseCount("seed", inputs.seed, 0, 0),
      totalSteps,
      logEvery: parseCount("log-every", inputs.logEvery, 1, Math.min(1000, Math.max(1, Math.round(steps / 20)))),
      checkpointEvery: parseCount("checkpoint-every", inputs.checkpointEvery, 0, defaultCheckpointEvery(steps)),
      file: fileV,
      config,
    }),
    E.map(({ algo, file: _file, ...rest }) => ({ ...rest, algo: algo.name })),
  );
}

/** Checkpoint interval when none is given: about every tenth of the run, at least every 1000 steps apart. */
export function defaultCheckpointEvery(totalSteps: number): number {
  return Math.max(1000, Math.ceil(totalSteps / 10 / 1000) * 1000);
}

/** Re-checks a saved run's config against the algorithm's current keys (a run from an older build may not fit). */
export function checkSavedConfig(config: Record<string, unknown>, schema: ConfigSchema, path: string): Validated<AlgorithmConfig> {
  return resolveConfig(schema, config, path, []);
}

