// Env steps/s: Gymnasium-v5 MuJoCo envs in wasm (main thread, vectorEnv, worker pool) vs native MuJoCo in C; Pendulum under jit(vmap).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Array, jit, np, random } from "@drift/tensor";
import { type Env, type WorkerVectorEnv, autoReset, initMujoco, makeEnv, prepareEnv, spec, vectorEnv, workerVectorEnv } from "@drift/envs";
// The robot models are not part of @drift/envs' public entry point; the native baseline needs their XML text.
import { antModel, compileModel, halfCheetahModel, hopperModel, humanoidModel, toMjcf, walker2dModel } from "../../packages/envs/src/mujoco/index.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.75);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const WARMUP_SECONDS = 1;
const POOL_WARMUP_SECONDS = 3;
const NUM_ENVS = 16;
const ROBOTS = [
  { name: "HalfCheetah", xml: () => toMjcf(halfCheetahModel()), contact: false },
  { name: "Hopper", xml: () => toMjcf(hopperModel()), contact: false },
  { name: "Walker2d", xml: () => toMjcf(walker2dModel("v5")), contact: false },
  { name: "Ant", xml: () => toMjcf(antModel()), contact: true },
  { name: "Humanoid", xml: () => toMjcf(humanoidModel()), contact: true },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtRate = (x: number | undefined): string => (x === undefined ? "—" : x >= 1e5 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`);
const fmtRatio = (x: number | undefined): string => (x === undefined ? "—" : `${x.toFixed(2)}×`);

/** CPU seconds this process (all threads) used per wall-clock second during the last `rate` call. */
let lastCores = 0;

/** Runs `chunk` (which returns env steps done) until `seconds` of wall clock passed; returns env steps/s. */
async function rate(chunk: () => number | Promise<number>, seconds: number): Promise<number> {
  let steps = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let dt = 0;
  while ((dt = (performance.now() - t0) / 1e3) < seconds) steps += await chunk();
  const cpu = process.cpuUsage(cpu0);
  lastCores = (cpu.user + cpu.system) / 1e6 / dt;
  return steps / dt;
}

/**
 * Runs `chunk` in 0.25 s windows until the rate stops improving by more than 10 % (at least `WARMUP_SECONDS`, at most
 * 5 s). A fresh worker's wasm instance needs seconds of stepping before V8's optimising tier takes over.
 */
async function warmUp(chunk: () => number | Promise<number>): Promise<void> {
  const t0 = performance.now();
  let prev = 0;
  for (;;) {
    const r = await rate(chunk, 0.25);
    const elapsed = (performance.now() - t0) / 1e3;
    if ((elapsed >= WARMUP_SECONDS && r <= 1.1 * prev) || elapsed >= 5) return;
    prev = r;
  }
}

/** Builds the C baseline against Debian's libmujoco-dev; null (with the reason printed) when it is not installed. */
function buildNative(dir: string): { exe: string; version: string } | null {
  const installed = spawnSync("dpkg", ["-s", "libmujoco-dev"], { encoding: "utf8" });
  if (installed.status !== 0 || !existsSync("/usr/include/mujoco/mujoco.h")) {
    console.log("native baseline: skipped — libmujoco-dev is not installed (Debian: apt-get install -y libmujoco-dev)");
    return null;
  }
  const version = /^Version: (.*)$/m.exec(installed.stdout)?.[1] ?? "?";
  const exe = join(dir, "gym_step");
  const src = fileURLToPath(new URL("./native/gym_step.c", import.meta.url));
  try {
    execFileSync("gcc", ["-O2", "-o", exe, src, "-lmujoco", "-lm"], { stdio: "pipe" });
  } catch (err) {
    console.log(`native baseline: skipped — compiling ${src} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    return null;
  }
  return { exe, version };
}

/** Native env steps/s per repeat (the C program warms up, then times `repeats` rounds of `seconds`). */
function runNative(exe: string, xmlPath: string, robot: string, repeats: number): { version: string; rates: number[] } {
  const out = execFileSync(exe, [xmlPath, robot, String(SECONDS), String(repeats), "2000"], { encoding: "utf8" }).trim().split(/\s+/);
  return { version: out[0]!, rates: out.slice(1, 1 + repeats).map(Number) };
}

/** Uniform random actions in the action box: `count` arrays of shape [...lead, ...action shape]. */
function actionTable(env: Env, params: unknown, lead: number[], count: number): Array[] {
  const box = env.actionSpace(params) as { low: Array; high: Array; shape: readonly number[] };
  return globalThis.Array.from({ length: count }, (_, i) => {
    const u = random.uniform(random.key(1000 + i), [...lead, ...box.shape], { dtype: "float32" });
    return np.add(box.low, np.mul(u, np.sub(box.high, box.low)));
  });
}

/**
 * The per-copy loop the pool's workers run, on the main thread for one env: base `env.step` with a fixed key (MuJoCo
 * steps ignore it), JS time limit, reset with a fresh key when an episode ends.
 */
function mainThreadLoop(id: string): () => number {
  const { env, params } = makeEnv(id, { maxEpisodeSteps: null });
  const limit = spec(id).maxEpisodeSteps ?? Infinity;
  const actions = actionTable(env, params, [], 256);
  const key = random.key(0);
  let state = env.reset(random.key(1), params).state;
  let t = 0;
  let i = 0;
  let resets = 0;
  return () => {
    for (let k = 0; k < NUM_ENVS; k++) {
      const r = env.step(key, state, actions[i++ % actions.length]!, params);
      r.obs.dataSync();
      r.reward.dataSync();
      t++;
      if (r.terminated.dataSync()[0] || r.truncated.dataSync()[0] || t >= limit) {
        state = env.reset(random.foldIn(key, ++resets), params).state;
        t = 0;
      } else state = r.state;
    }
    return NUM_ENVS;
  };
}

/**
 * The physics alone on the main thread's wasm instance, on the states the env protocol visits: 512 states are recorded
 * by running the env (random actions, auto-reset); each step loads one (`mj_setState`-like copy), sets ctrl and runs
 * frame_skip × mj_step (+ mj_rnePostConstraint where the env reads contact forces). No observation, reward,
 * termination or Drift arrays. (Stepping without resets would time fallen robots, which have more contacts.)
 */
function bareLoop(id: string, name: string, xml: string, contact: boolean): () => number {
  const { env, params } = makeEnv(id, { maxEpisodeSteps: null });
  const model = compileModel(name, xml);
  const frameSkip = (params as { frameSkip: number }).frameSkip;
  const actions = actionTable(env, params, [], 256);
  const states: Float64Array[] = [];
  let state = env.reset(random.key(5), params).state;
  for (let i = 0; states.length < 512; i++) {
    states.push(Float64Array.from((state as Array).dataSync()));
    const r = env.step(random.key(0), state, actions[i % actions.length]!, params);
    state = r.terminated.dataSync()[0] ? env.reset(random.key(6 + i), params).state : r.state;
  }
  const ctrl = actions.map((a) => Float64Array.from(a.dataSync()));
  let i = 0;
  return () => {
    for (let k = 0; k < NUM_ENVS; k++, i++) {
      model.loadState(states[i % states.length]!, 0);
      model.views().ctrl.set(ctrl[i % ctrl.length]!);
      model.step(frameSkip);
      if (contact) model.rnePostConstraint();
    }
    return NUM_ENVS;
  };
}

/** `vectorEnv(autoReset(makeEnv(id).env), NUM_ENVS)` stepped on the main thread (the library's single-thread vector path). */
function vectorLoop(id: string): () => number {
  const { env, params } = makeEnv(id);
  const venv = vectorEnv(autoReset(env), NUM_ENVS);
  const actions = actionTable(env, params, [NUM_ENVS], 64);
  const key = random.key(2);
  let state = venv.reset(key, params).state;
  let t = 0;
  return () => {
    const r = venv.step(random.foldIn(key, t), state, actions[t++ % actions.length]!, params);
    r.obs.dataSync();
    state = r.state;
    return NUM_ENVS;
  };
}

/** One batched pool step per call. */
function poolLoop(pool: WorkerVectorEnv, actions: Array[]): () => Promise<number> {
  let t = 0;
  return async () => {
    const r = await pool.step(actions[t++ % actions.length]!);
    r.obs.dataSync();
    return NUM_ENVS;
  };
}

interface Row {
  env: string;
  native?: number;
  bare: number;
  loop: number;
  vector: number;
  pool1: number;
  pool2: number;
  bareVsNative?: number;
  loopVsNative?: number;
  pool1VsNative?: number;
  pool2VsLoop: number;
  pool2VsPool1: number;
  pool2Cores: number;
}

async function benchRobot(name: string, xml: string, contact: boolean, native: { exe: string; dir: string } | null): Promise<{ row: Row; nativeVersion?: string }> {
  const id = `${name}-v5`;
  const { env, params } = makeEnv(id);
  const [pool1, pool2] = await Promise.all([workerVectorEnv(id, NUM_ENVS, { workers: 1 }), workerVectorEnv(id, NUM_ENVS, { workers: 2 })]);
  const poolActions = actionTable(env, params, [NUM_ENVS], 64);
  await pool1.reset(random.key(3));
  await pool2.reset(random.key(3));
  const methods = { bare: bareLoop(id, name, xml, contact), loop: mainThreadLoop(id), vector: vectorLoop(id), pool1: poolLoop(pool1, poolActions), pool2: poolLoop(pool2, poolActions) };
  // Every worker runs a fresh wasm instance that needs seconds of stepping before V8 has tiered it up (the main
  // thread's instance stays warm from env to env), so both pools get a long warm-up, side by side to save time.
  await Promise.all([rate(methods.pool1, POOL_WARMUP_SECONDS), rate(methods.pool2, POOL_WARMUP_SECONDS)]);
  for (const m of Object.values(methods)) await warmUp(m);
  let xmlPath: string | null = null;
  if (native) {
    // MuJoCo 2.2.2 predates <size memory>; the arena size does not change the dynamics.
    xmlPath = join(native.dir, `${name}.xml`);
    writeFileSync(xmlPath, xml.replace(/ memory="[^"]*"/, ""));
  }
  const rounds: Record<string, number>[] = [];
  let nativeVersion: string | undefined;
  // Interleave the methods within each round so load changes on the shared machine hit all of them alike.
  for (let r = 0; r < REPEATS; r++) {
    const round: Record<string, number> = {};
    if (native && xmlPath) {
      const res = runNative(native.exe, xmlPath, name, 1);
      nativeVersion = res.version;
      round.native = res.rates[0]!;
    }
    for (const [k, m] of Object.entries(methods)) {
      round[k] = await rate(m, SECONDS);
      if (k === "pool2") round.pool2Cores = lastCores;
    }
    rounds.push(round);
  }
  await Promise.all([pool1.close(), pool2.close()]);
  const med = (k: string) => median(rounds.map((r) => r[k]!));
  const ratio = (a: string, b: string) => median(rounds.map((r) => r[a]! / r[b]!));
  const row: Row = {
    env: id,
    bare: med("bare"),
    loop: med("loop"),
    vector: med("vector"),
    pool1: med("pool1"),
    pool2: med("pool2"),
    pool2VsLoop: ratio("pool2", "loop"),
    pool2VsPool1: ratio("pool2", "pool1"),
    pool2Cores: med("pool2Cores"),
  };
  if (native) {
    row.native = med("native");
    row.bareVsNative = ratio("bare", "native");
    row.loopVsNative = ratio("loop", "native");
    row.pool1VsNative = ratio("pool1", "native");
  }
  return { row, nativeVersion };
}

/** Pendulum-v1 (pure TS) as one jit-compiled vmapped step over `n` copies with auto-reset. */
async function benchPendulum(n: number): Promise<number> {
  const { env, params } = makeEnv("Pendulum-v1");
  const venv = vectorEnv(autoReset(env), n);
  const step = jit((k: Array, s: unknown, a: Array) => venv.step(k, s, a, params));
  const actions = actionTable(env, params, [n], 16);
  const key = random.key(4);
  let state = venv.reset(key, params).state;
  let t = 0;
  const chunk = () => {
    const r = step(random.foldIn(key, t), state, actions[t++ % actions.length]!);
    r.reward.dataSync();
    state = r.state;
    return n;
  };
  await warmUp(chunk);
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) rates.push(await rate(chunk, SECONDS));
  return median(rates);
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg();
  const mj = await initMujoco();
  await prepareEnv("HalfCheetah-v5");
  const require = createRequire(import.meta.url);
  const mujocoJsVersion = (JSON.parse(readFileSync(join(dirname(require.resolve("mujoco-js")), "..", "package.json"), "utf8")) as { version: string }).version;
  console.log(`# @drift/bench-envs — ${new Date().toISOString()}`);
  console.log(`Node ${process.version} (V8 ${process.versions.v8}), ${cpus().length} × ${cpus()[0]?.model ?? "?"}`);
  console.log(`wasm: mujoco-js ${mujocoJsVersion} (MuJoCo ${mj.mj_versionString()})`);
  const dir = mkdtempSync(join(tmpdir(), "drift-bench-envs-"));
  try {
    const built = buildNative(dir);
    const rows: Row[] = [];
    let nativeVersion: string | undefined;
    const only = process.env.BENCH_ENVS?.split(",");
    for (const { name, xml, contact } of ROBOTS.filter((r) => !only || only.includes(r.name))) {
      const res = await benchRobot(name, xml(), contact, built ? { exe: built.exe, dir } : null);
      rows.push(res.row);
      nativeVersion ??= res.nativeVersion;
      process.stderr.write(`  done ${name}\n`);
    }
    if (built) console.log(`native: MuJoCo ${nativeVersion} (Debian libmujoco-dev ${built.version}), gcc -O2`);
    console.log(
      `protocol: Gymnasium-v5 step (ctrl, frame_skip × mj_step, obs, reward, termination), uniform random actions, auto-reset on termination or 1000 steps; ` +
        `${NUM_ENVS} copies for the vector/pool rows; warm-up ${POOL_WARMUP_SECONDS} s for the pools, then ≥ ${WARMUP_SECONDS} s each until the rate stops rising, then ${REPEATS} interleaved rounds of ${SECONDS} s; medians (ratios: median of per-round ratios)\n`,
    );
    console.log("| env (v5) | native C | wasm physics only | wasm env, main thread | vectorEnv ×16, main thread | pool, 1 worker | pool, 2 workers | physics only / native | main thread / native | 1 worker / native | 2 workers / main thread | 2 workers / 1 worker | CPU cores the 2-worker pool got |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows)
      console.log(
        `| ${r.env} | ${fmtRate(r.native)} | ${fmtRate(r.bare)} | ${fmtRate(r.loop)} | ${fmtRate(r.vector)} | ${fmtRate(r.pool1)} | ${fmtRate(r.pool2)} | ${fmtRatio(r.bareVsNative)} | ${fmtRatio(r.loopVsNative)} | ${fmtRatio(r.pool1VsNative)} | ${fmtRatio(r.pool2VsLoop)} | ${fmtRatio(r.pool2VsPool1)} | ${r.pool2Cores.toFixed(2)} |`,
      );
    const pend16 = await benchPendulum(NUM_ENVS);
    const pend1024 = await benchPendulum(1024);
    console.log(`\nPendulum-v1 (pure TS, jit(vmap) step with auto-reset, main thread): ${fmtRate(pend16)} env steps/s at ×16, ${fmtRate(pend1024)} at ×1024`);
    const withNative = rows.filter((r) => r.loopVsNative !== undefined);
    if (withNative.length) {
      const hit = withNative.filter((r) => r.loopVsNative! >= 0.9).map((r) => r.env);
      console.log(`target ≥ 0.9× native on one thread (main-thread loop): met for ${hit.length}/${withNative.length}${hit.length ? ` (${hit.join(", ")})` : ""}`);
    } else console.log("target ≥ 0.9× native on one thread: not measured (no native baseline)");
    const hit2 = rows.filter((r) => r.pool2VsLoop >= 1.7).map((r) => r.env);
    console.log(`target ≥ 1.7× with 2 workers (vs main-thread loop): met for ${hit2.length}/${rows.length}${hit2.length ? ` (${hit2.join(", ")})` : ""}`);
    const load1 = loadavg();
    console.log(
      `\nshared machine: ${cpus().length} cores shared with other jobs; load average ${load0[0]!.toFixed(2)} at start, ${load1[0]!.toFixed(2)} at end. ` +
        `Treat ±25 % on absolute rates as noise; same-round ratios are steadier. Total ${((Date.now() - started) / 1e3).toFixed(0)} s.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
