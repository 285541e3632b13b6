// Config parsing and validation: every error kind, all errors collected, precedence defaults ← file ← --set, suites, argv parsing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as E from "fp-ts/lib/Either.js";
import { getAlgorithm, listAlgorithms } from "@drift/algos";
import { listEnvs } from "@drift/envs";
import { type ConfigError, type TrainInputs, bufferIo, closest, formatError, formatErrors, main, parseArgs, parseSetValue, schemaOf, suiteFor, validateTrain } from "../src/index.ts";

const registry = { algorithms: listAlgorithms(), envs: listEnvs() };
const sac = getAlgorithm("sac");
const schema = schemaOf(sac, "gym");
const dir = mkdtempSync(join(tmpdir(), "drift-cli-config-"));

function errorsOf<A>(v: E.Either<readonly ConfigError[], A>): ConfigError[] {
  if (E.isRight(v)) throw new Error(`expected errors, got ${JSON.stringify(v.right)}`);
  return [...v.left];
}
function valueOf<A>(v: E.Either<readonly ConfigError[], A>): A {
  if (E.isLeft(v)) throw new Error(formatErrors(v.left));
  return v.right;
}
const train = (over: Partial<TrainInputs>) => validateTrain({ algo: "sac", env: "Pendulum-v1", set: [], ...over }, registry);
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("--set values are read as the key's type", () => {
  it("number lists, booleans, numbers and strings", () => {
    expect(valueOf(parseSetValue("hidden", "[64,64]", schema, "--set"))).toEqual([64, 64]);
    expect(valueOf(parseSetValue("hidden", "32, 16 ,8", schema, "--set"))).toEqual([32, 16, 8]);
    expect(valueOf(parseSetValue("hidden", "[]", schema, "--set"))).toEqual([]);
    expect(valueOf(parseSetValue("autoAlpha", "false", schema, "--set"))).toBe(false);
    expect(valueOf(parseSetValue("autoAlpha", "true", schema, "--set"))).toBe(true);
    expect(valueOf(parseSetValue("actorLr", "3e-4", schema, "--set"))).toBe(3e-4);
    expect(valueOf(parseSetValue("bufferSize", "1_000_000", schema, "--set"))).toBe(1_000_000);
    expect(valueOf(parseSetValue("activation", "elu", schema, "--set"))).toBe("elu");
    expect(valueOf(parseSetValue("activation", '"tanh"', schema, "--set"))).toBe("tanh");
  });

  it("a value may contain '=' and whitespace around the key is ignored", () => {
    const s = valueOf(train({ set: [" gamma =0.9", "activation=gelu"] }));
    expect(s.config.gamma).toBe(0.9);
    expect(s.config.activation).toBe("gelu");
  });
});

describe("each error kind names the key, the bad value and what is valid", () => {
  it("unknown key → the closest valid key", () => {
    const [e] = errorsOf(train({ set: ["learningRate=1e-3", "gama=0.9"] })) as [ConfigError, ConfigError];
    expect(e).toMatchObject({ kind: "unknown-key", key: "learningRate" });
    const errs = errorsOf(train({ set: ["gama=0.9", "numCriticz=3"] }));
    expect(errs.map((x) => (x.kind === "unknown-key" ? x.suggestion : null))).toEqual(["gamma", "numCritics"]);
    expect(formatError(errs[0]!)).toBe('gama: unknown key (--set gama=0.9); did you mean "gamma"?');
  });

  it("wrong types: number, boolean, number list, string — from --set and from a file", () => {
    const errs = errorsOf(train({ set: ["batchSize=abc", "autoAlpha=yes", "hidden=[64,x]", "autoAlpha=1"] }));
    expect(errs.map((e) => e.kind)).toEqual(["wrong-type", "wrong-type", "wrong-type", "wrong-type"]);
    expect(errs.map((e) => (e.kind === "wrong-type" ? e.expected : ""))).toEqual(["number", "boolean", "number list", "boolean"]);
    expect(formatError(errs[0]!)).toBe('batchSize: expected a number, got "abc" (--set batchSize=abc)');
    expect(formatError(errs[2]!)).toMatch(/^hidden: expected a list of numbers like \[64,64\], got "\[64,x\]"/);
    const p = file("types.json", JSON.stringify({ batchSize: "256", activation: 3, autoAlpha: "false", hidden: 64, gamma: [0.9] }));
    const fe = errorsOf(train({ config: p }));
    expect(fe.map((e) => [e.kind, "key" in e ? e.key : ""])).toEqual([
      ["wrong-type", "batchSize"],
      ["wrong-type", "activation"],
      ["wrong-type", "autoAlpha"],
      ["wrong-type", "hidden"],
      ["wrong-type", "gamma"],
    ]);
    expect(formatError(fe[1]!)).toBe(`activation: expected a string, got 3 (file ${p})`);
  });

  it("string values outside choices list the choices and suggest the closest", () => {
    const [e] = errorsOf(train({ set: ["activation=rleu"] }));
    expect(e).toMatchObject({ kind: "bad-choice", key: "activation", value: "rleu", suggestion: "relu" });
    expect(formatError(e!)).toBe('activation: "rleu" is not a valid choice (--set activation=rleu); valid choices: relu, elu, gelu, mish, silu, tanh; did you mean "relu"?');
  });

  it("non-finite numbers, also inside lists", () => {
    const errs = errorsOf(train({ set: ["tau=inf", "gamma=NaN", "actorLr=1e999", "hidden=[64,-Infinity]"] }));
    expect(errs.map((e) => e.kind)).toEqual(["non-finite", "non-finite", "non-finite", "non-finite"]);
    expect(errs.map((e) => ("key" in e ? e.key : ""))).toEqual(["tau", "gamma", "actorLr", "hidden[1]"]);
  });

  it("negative or fractional counts, and layer widths below 1", () => {
    const errs = errorsOf(train({ set: ["learningStarts=-3", "batchSize=2.5", "numCritics=-1", "hidden=[64,0]"], steps: "-5", seed: "-1" }));
    expect(errs.map((e) => (e.kind === "bad-count" ? [e.key, e.value, e.min] : e.kind))).toEqual([
      ["seed", -1, 0],
      ["steps", -5, 1],
      ["learningStarts", -3, 0],
      ["batchSize", 2.5, 0],
      ["numCritics", -1, 0],
      ["hidden[1]", 0, 1],
    ]);
    expect(formatError(errs[2]!)).toBe("learningStarts: expected a whole number ≥ 0, got -3 (--set learningStarts=-3)");
    // Non-count numbers may be negative: the entropy-target scale is not a count.
    expect(valueOf(train({ set: ["targetEntropyScale=-0.5"] })).config.targetEntropyScale).toBe(-0.5);
  });

  it("malformed --set, unreadable or malformed files, missing and unknown algorithm/env", () => {
    expect(errorsOf(train({ set: ["hidden"] }))[0]).toMatchObject({ kind: "syntax", text: "hidden" });
    expect(errorsOf(train({ config: join(dir, "nope.json") }))[0]).toMatchObject({ kind: "bad-file", reason: expect.stringMatching(/ENOENT/) });
    expect(errorsOf(train({ config: file("bad.json", "{ oops") }))[0]).toMatchObject({ kind: "bad-file", reason: expect.stringMatching(/not valid JSON/) });
    expect(errorsOf(train({ config: file("arr.json", "[1]") }))[0]).toMatchObject({ kind: "bad-file", reason: expect.stringMatching(/got an array/) });
    expect(errorsOf(train({ algo: undefined }))[0]).toMatchObject({ kind: "missing", key: "algo" });
    const errs = errorsOf(train({ algo: "sca", env: "Pendulm-v1" }));
    expect(errs.map((e) => (e.kind === "bad-choice" ? [e.key, e.suggestion] : e.kind))).toEqual([
      ["algo", "sac"],
      ["env", "Pendulum-v1"],
    ]);
    expect(formatError(errs[0]!)).toMatch(/^algo: "sca" is not a valid choice \(--algo\); valid choices: .*sac.*; did you mean "sac"\?$/);
  });

  it("unknown command-line options suggest the closest one", () => {
    const { args, errors } = parseArgs(["--alg", "sac", "--steps", "--set", "a=1", "x"], { algo: "value", steps: "value", set: "list" });
    expect(args.positionals).toEqual(["x"]);
    expect(args.lists.set).toEqual(["a=1"]);
    expect(errorsOf(errors).map((e) => formatError(e))).toEqual([
      "--alg: unknown option; valid options: --algo, --steps, --set; did you mean --algo?",
      '"--steps": expected a value after --steps (command line)',
    ]);
    expect(closest("numcritic", ["numCritics", "batchSize"])).toBe("numCritics");
    expect(closest("zzzzzz", ["numCritics", "batchSize"])).toBe(null);
  });
});

describe("errors are collected, not just the first", () => {
  it("file, --set and flag errors come back together in order", () => {
    const p = file("mixed.json", JSON.stringify({ gama: 0.9, batchSize: "big", hidden: [64, -1] }));
    const errs = errorsOf(
      validateTrain({ algo: "sac", env: "Pendulum-v1", steps: "ten", seed: "0", config: p, set: ["autoAlpha=no", "activation=rleu", "tau=inf", "foo"] }, registry),
    );
    expect(errs.map((e) => e.kind)).toEqual(["wrong-type", "unknown-key", "wrong-type", "bad-count", "wrong-type", "bad-choice", "non-finite", "syntax"]);
  });

  it("`drift train` prints them all and exits with status 2", async () => {
    const io = bufferIo();
    const code = await main(["train", "--algo", "sac", "--env", "Pendulum-v1", "--set", "gama=0.9", "--set", "autoAlpha=0", "--bogus", "1"], io);
    expect(code).toBe(2);
    const text = io.stderr.join("");
    expect(text).toMatch(/^3 configuration errors:/);
    expect(text).toContain("--bogus: unknown option");
    expect(text).toContain('gama: unknown key (--set gama=0.9); did you mean "gamma"?');
    expect(text).toContain('autoAlpha: expected a boolean, got "0"');
  });

  it("a config the training loop rejects (batchSize 0) is a config error too", async () => {
    const io = bufferIo();
    const code = await main(["train", "--algo", "sac", "--env", "Pendulum-v1", "--set", "batchSize=0", "--runs-dir", join(dir, "runs")], io);
    expect(code).toBe(2);
    expect(io.stderr.join("")).toMatch(/batchSize must be a positive integer; got 0/);
  });
});

describe("precedence and suites", () => {
  it("defaults ← file ← --set (later --set wins)", () => {
    const p = file("good.json", JSON.stringify({ gamma: 0.95, hidden: [32, 32], batchSize: 64 }));
    const s = valueOf(train({ config: p, set: ["batchSize=128", "batchSize=100", "autoAlpha=false"], steps: "20000", seed: "3" }));
    expect(s).toMatchObject({ algo: "sac", env: "Pendulum-v1", suite: "gym", seed: 3, totalSteps: 20000 });
    expect(s.config).toEqual({ ...sac.defaults.gym, gamma: 0.95, hidden: [32, 32], batchSize: 100, autoAlpha: false });
  });

  it("--suite picks the defaults; without it the env id decides", () => {
    expect(valueOf(train({ suite: "dmc" })).config.hidden).toEqual([512, 512, 512]);
    expect(valueOf(train({ suite: "toy" })).config.learningStarts).toBe(1000);
    expect(valueOf(train({})).suite).toBe("gym");
    expect(errorsOf(train({ suite: "atari" }))[0]).toMatchObject({ kind: "bad-choice", key: "suite", choices: ["gym", "dmc", "toy"] });
    expect([suiteFor("dm_control/cheetah-run-v0"), suiteFor("Toy2d/moons-v0"), suiteFor("TurningDoubleWell-v0"), suiteFor("Hopper-v4")]).toEqual(["dmc", "toy", "toy", "gym"]);
  });

  it("a run's config.json works as a config file (its config section is used)", () => {
    const p = file("config.json", JSON.stringify({ format: "drift.run", algo: "sac", env: "Pendulum-v1", config: { ...sac.defaults.gym, tau: 0.01 } }));
    expect(valueOf(train({ config: p })).config.tau).toBe(0.01);
  });

  it("every registered algorithm's defaults validate against themselves for every suite", () => {
    for (const a of listAlgorithms())
      for (const suite of ["gym", "dmc", "toy"] as const) {
        const p = file(`${a.name}-${suite}.json`, JSON.stringify(a.defaults[suite]));
        expect(valueOf(validateTrain({ algo: a.name, env: "Pendulum-v1", suite, config: p, set: [] }, registry)).config).toEqual(a.defaults[suite]);
      }
  });
});
