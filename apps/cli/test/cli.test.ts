// The drift CLI end to end on tiny Pendulum-v1 runs: list, run-directory layout, plots, eval, resume, and Ctrl-C (SIGINT) handling.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { getAlgorithm } from "@drift/algos";
import { makeEnv } from "@drift/envs";
import { loadCheckpoint, readCsv, readJsonl } from "@drift/rl";
import { type Array, jit, np, random } from "@drift/tensor";
import { bufferIo, checkpointStep, main } from "../src/index.ts";
import { evaluateSequential } from "../src/commands/eval.ts";

const BIN = fileURLToPath(new URL("../bin/drift.mjs", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "drift-cli-"));
/** Small nets and buffers so a run takes seconds: learning starts at step 100, one evaluation at step 200. */
const TINY = ["--set", "hidden=[16,16]", "--set", "learningStarts=100", "--set", "batchSize=32", "--set", "bufferSize=1000", "--set", "evalEvery=200", "--set", "evalEpisodes=2"];

/** Runs `drift` in this process; returns the exit status and what it printed. */
async function drift(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("") };
}

/** Spawns `drift` as a child process (non-TTY); `waitFor` resolves when its stderr has matched `re`. */
function spawnDrift(argv: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...argv], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: [RegExp, () => void][] = [];
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => {
    err += d;
    for (const [re, f] of waiters) if (re.test(err)) f();
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exit,
    output: () => ({ out, err }),
    waitFor: (re: RegExp) => new Promise<void>((resolve) => (re.test(err) ? resolve() : waiters.push([re, resolve]))),
  };
}

const runDirIn = (dir: string) => {
  const [name] = readdirSync(dir);
  return join(dir, name!);
};

describe("drift list", () => {
  it("algos prints the taxonomy table with every registered algorithm", async () => {
    const { code, out } = await drift("list", "algos");
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toBe("| algorithm | family | reference | policy | regime | paper |");
    expect(out).toMatch(/^\| sac \| baseline \| uniform \| gaussian \| off-policy \| Haarnoja/m);
  });

  it("envs prints the ids with their episode step limits", async () => {
    const { code, out } = await drift("list", "envs");
    expect(code).toBe(0);
    expect(out).toMatch(/^\| Pendulum-v1 \| 200 \| /m);
    expect(out).toMatch(/^\| Toy2d\/moons-v0 \| — \| /m);
  });

  it("train --help with --algo lists that algorithm's keys, types, defaults and choices", async () => {
    const { code, out } = await drift("train", "--algo", "sac", "--suite", "dmc", "--help");
    expect(code).toBe(0);
    expect(out).toContain("sac config keys (suite dmc):");
    expect(out).toContain("| hidden | number list | [512,512,512] |  |");
    expect(out).toContain("| batchSize | count | 256 |  |");
    expect(out).toContain("| activation | string | elu | relu, elu, gelu, mish, silu, tanh |");
  });

  it("an unknown target is a usage error naming the valid ones", async () => {
    const { code, err } = await drift("list", "algo");
    expect(code).toBe(2);
    expect(err).toContain('unknown target "algo"; valid: algos, envs; did you mean "algos"?');
  });
});

describe("a tiny training run", () => {
  const runs = join(root, "tiny");
  let dir = "";
  let trained: Awaited<ReturnType<typeof drift>>;
  beforeAll(async () => {
    trained = await drift("train", "--algo", "sac", "--env", "Pendulum-v1", "--steps", "300", "--seed", "0", "--runs-dir", runs, ...TINY);
    dir = runDirIn(runs);
  }, 120_000);

  it("finishes and names the run directory <env>__<algo>__<seed>__<time>", () => {
    expect(trained.err).toContain("sac Pendulum-v1");
    expect(trained.code).toBe(0);
    expect(dir.split("/").pop()).toMatch(/^Pendulum-v1__sac__0__\d{10}$/);
    expect(trained.out).toContain("Finished 300 steps");
    expect(trained.err).toMatch(/100\.0% \| 300\/300 steps \| [\d.]+ steps\/s \| return -?[\d.]+ \| ETA 0s/);
    expect(trained.err).toMatch(/eval at step 200: mean return -?[\d.]+/);
  });

  it("writes config.json with the resolved config, env, algo, seed, versions and command line", () => {
    const info = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(info).toMatchObject({ format: "drift.run", algo: "sac", env: "Pendulum-v1", suite: "gym", seed: 0, totalSteps: 300 });
    expect(info.config).toMatchObject({ hidden: [16, 16], learningStarts: 100, batchSize: 32, gamma: 0.99, activation: "relu", autoAlpha: true });
    expect(info.versions.node).toBe(process.version);
    expect(info.versions.packages["@drift/algos"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.command.slice(0, 4)).toEqual(["drift", "train", "--algo", "sac"]);
  });

  it("logs metrics.csv and metrics.jsonl with CleanRL names, and a checkpoint at the last step", () => {
    const csv = readCsv(join(dir, "metrics.csv"));
    const jsonl = readJsonl(join(dir, "metrics.jsonl"));
    expect(csv.length).toBe(jsonl.length);
    expect(jsonl.some((r) => typeof r["charts/episodic_return"] === "number")).toBe(true);
    expect(jsonl.some((r) => typeof r["losses/qf_loss"] === "number")).toBe(true);
    expect(jsonl.some((r) => typeof r["eval/episodic_return"] === "number")).toBe(true);
    expect(Math.max(...jsonl.map((r) => r.step as number))).toBe(300);
    for (const f of ["latest.safetensors", "latest.safetensors.json", "latest.state.json"]) expect(existsSync(join(dir, "checkpoints", f))).toBe(true);
    expect(checkpointStep(dir)).toBe(300);
  });

  it("draws the curve as SVG (episode and eval returns) and PNG", () => {
    const svg = readFileSync(join(dir, "curve.svg"), "utf8");
    const episodes = readJsonl(join(dir, "metrics.jsonl")).filter((r) => typeof r["charts/episodic_return"] === "number").length;
    expect(svg.match(/id="episodic-return" d="([^"]+)"/)![1]!.split("L")).toHaveLength(episodes);
    expect(svg).toMatch(/id="eval-return" d="M[\d.]+,[\d.]+"/);
    const png = readFileSync(join(dir, "curve.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
  });

  it("eval loads the checkpoint and prints mean ± std of deterministic episodes", async () => {
    const { code, out } = await drift("eval", dir, "--episodes", "2");
    expect(code).toBe(0);
    expect(out).toMatch(/^Pendulum-v1 · sac · step 300: return -\d+\.\d\d ± \d+\.\d\d over 2 episodes \(min .*, mean length 200\.0\)\n$/);
    const report = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8"));
    expect(report.returns).toHaveLength(2);
    expect(report.lengths).toEqual([200, 200]);
    // The one-by-one evaluator (for envs that cannot be traced) uses the same keys, so it gives the same returns.
    const ckpt = await loadCheckpoint<{ agent: unknown }>(join(dir, "checkpoints", "latest"));
    const { env, params } = makeEnv("Pendulum-v1");
    const sac = getAlgorithm("sac");
    const act = jit((k: Array, o: Array) => np.squeeze(sac.agent.sampleActions(ckpt.state.agent, np.expandDims(o.astype("float32"), 0), k, { deterministic: true }), 0));
    const seq = evaluateSequential(env, params, act, random.key(0), 2);
    expect(seq.lengths).toEqual([200, 200]);
    for (let i = 0; i < 2; i++) expect(seq.returns[i]!).toBeCloseTo(report.returns[i], 3);
  }, 60_000);

  it("resume continues from the saved step to a new total, appending metrics", async () => {
    const { code, err } = await drift("resume", dir, "--steps", "400");
    expect(code).toBe(0);
    expect(err).toContain("from step 300 to 400");
    expect(checkpointStep(dir)).toBe(400);
    const steps = readJsonl(join(dir, "metrics.jsonl")).map((r) => r.step as number);
    expect(steps.some((s) => s > 300)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const info = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(info.totalSteps).toBe(400);
    expect(info.resumes[0]).toMatchObject({ fromStep: 300, totalSteps: 400, command: ["drift", "resume", dir, "--steps", "400"] });
    const again = await drift("resume", dir);
    expect(again.code).toBe(0);
    expect(again.out).toContain("already at step 400 of 400");
  }, 120_000);

  it("eval and resume of a directory that is not a run say so", async () => {
    const e = await drift("eval", root);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/config\.json: not found: is .* a run directory made by `drift train`\?/);
    const r = await drift("resume");
    expect(r.code).toBe(2);
    expect(r.err).toContain("expected one run directory, got none");
  });
});

describe("Ctrl-C", () => {
  const args = (runs: string) => ["train", "--algo", "sac", "--env", "Pendulum-v1", "--steps", "100000", "--runs-dir", runs, ...TINY];

  it("the first SIGINT saves a checkpoint and prints how to resume; resume then finishes", async () => {
    const runs = join(root, "sigint");
    const p = spawnDrift(args(runs));
    await p.waitFor(/steps\/s/);
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(130);
    const { out, err } = p.output();
    expect(err).toContain("SIGINT: stopping after this step and saving a checkpoint");
    expect(out).toMatch(/Stopped at step \d+ of 100000/);
    expect(out).toMatch(/Resume with: npx drift resume \S+Pendulum-v1__sac__0__\d+/);
    const dir = runDirIn(runs);
    const step = checkpointStep(dir)!;
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(100_000);
    expect(existsSync(join(dir, "curve.svg")) && existsSync(join(dir, "curve.png"))).toBe(true);
    const resumed = await drift("resume", dir, "--steps", String(step + 20));
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain(`from step ${step} to ${step + 20}`);
    expect(checkpointStep(dir)).toBe(step + 20);
  }, 120_000);

  it("a second SIGINT quits at once without saving", async () => {
    const runs = join(root, "sigint2");
    const p = spawnDrift([...args(runs), "--checkpoint-every", "0"]);
    await p.waitFor(/steps\/s/);
    p.child.kill("SIGINT");
    // Two signals sent back to back can merge into one pending signal: send the second once the first was seen.
    await p.waitFor(/stopping after this step/);
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(130);
    // Usually the loop is still stepping ("without saving"); if it already saved, the message says so instead.
    expect(p.output().err).toMatch(/SIGINT again: quitting without saving|SIGINT: quitting; the checkpoint is saved/);
    expect(p.output().out).not.toContain("Stopped at step");
  }, 60_000);
});
