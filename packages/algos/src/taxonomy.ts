// Where an algorithm sits in the taxonomy (FlowRL, arXiv 2603.27450, Table 1 and §2.2), and the algorithm registry.
import { DriftError } from "@drift/tensor";
import type { Agent } from "./agent.ts";

/** How the policy is improved (FlowRL §2.3 families, plus baselines). */
export type Family =
  | "baseline"
  | "best-of-n"
  | "q-guidance"
  | "weighted-matching"
  | "reparameterization"
  | "policy-gradient"
  | "world-model"
  | "representation";

/** The reference distribution the improvement is regularised towards. */
export type Reference = "uniform" | "previous-policy" | "behavior";

/** The policy class. */
export type PolicyClass = "gaussian" | "deterministic" | "diffusion" | "flow";

/** Where the data comes from. */
export type Regime = "off-policy" | "on-policy" | "offline";

/** Benchmark suites with their own default configs. */
export type Suite = "gym" | "dmc" | "toy";

/** The taxonomy coordinates every algorithm declares. */
export interface Taxonomy {
  family: Family;
  reference: Reference;
  policy: PolicyClass;
  regime: Regime;
  /** The paper that defines the algorithm: short citation and arXiv id or URL. */
  paper: string;
}

/** A config value the CLI can parse and validate. */
export type ConfigValue = number | string | boolean | readonly number[];

/** An algorithm config: flat keys with JSON-compatible values. */
export type AlgorithmConfig = Record<string, ConfigValue>;

/** One algorithm: its taxonomy, agent, and default config per suite. */
export interface Algorithm<C extends AlgorithmConfig = AlgorithmConfig> {
  /** Short id used on the command line, e.g. "sac". */
  name: string;
  /** One-line description. */
  description: string;
  taxonomy: Taxonomy;
  /** The agent's pure functions. */
  agent: Agent<any, C>;
  /** Default config for each suite (every key the agent reads). */
  defaults: Record<Suite, C>;
  /** For string-valued keys: the valid choices (the CLI reports them on a bad value). */
  choices?: Partial<Record<keyof C & string, readonly string[]>>;
}

const algorithms = new Map<string, Algorithm<any>>();

/** Adds an algorithm to the registry (an existing name is an error unless `override`). */
export function registerAlgorithm<C extends AlgorithmConfig>(algo: Algorithm<C>, opts: { override?: boolean } = {}): void {
  if (algorithms.has(algo.name) && !opts.override) throw new DriftError("registerAlgorithm", `algorithm "${algo.name}" is already registered`);
  algorithms.set(algo.name, algo);
}

/** The registered algorithm `name`; an unknown name is an error listing the valid ones. */
export function getAlgorithm(name: string): Algorithm<any> {
  const a = algorithms.get(name);
  if (!a) throw new DriftError("getAlgorithm", `unknown algorithm "${name}"; valid: ${[...algorithms.keys()].sort().join(", ")}`);
  return a;
}

/** Registered algorithms whose taxonomy matches every given field, sorted by name. */
export function listAlgorithms(filter: Partial<Omit<Taxonomy, "paper">> = {}): Algorithm<any>[] {
  return [...algorithms.values()]
    .filter((a) => Object.entries(filter).every(([k, v]) => v === undefined || a.taxonomy[k as keyof Taxonomy] === v))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The taxonomy as a Markdown table (name, family, reference, policy, regime, paper). */
export function taxonomyTable(algos: readonly Algorithm<any>[] = listAlgorithms()): string {
  const rows = algos.map((a) => `| ${a.name} | ${a.taxonomy.family} | ${a.taxonomy.reference} | ${a.taxonomy.policy} | ${a.taxonomy.regime} | ${a.taxonomy.paper} |`);
  return ["| algorithm | family | reference | policy | regime | paper |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
