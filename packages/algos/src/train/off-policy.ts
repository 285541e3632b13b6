// The standard off-policy loop (random frames, warm-up, updates per step, evaluation, logging, checkpoints, resume).
import { existsSync } from "node:fs";
import { type Array, DriftError, deviceGet, devicePut, initWebgpu, jit, np, random, tree, vmap, webgpuInfo } from "@drift/tensor";
import { Box, type Env, autoReset, episodeStatistics, makeEnv, prepareEnv, vectorEnv } from "@drift/envs";
import { METRICS, checkpointFiles, evaluate, loadCheckpoint, replay, saveCheckpoint } from "@drift/rl";
import type { Algorithm } from "../taxonomy.ts";
import { LOOP_CHOICES, type LoopConfig } from "./loop-config.ts";
import type { Batch, Metrics } from "../agent.ts";

/** Run options of the off-policy loop; the loop's hyperparameters come from the algorithm config (`LoopConfig`). */
export interface OffPolicyOptions {
  /** Registry id of the environment, e.g. "Pendulum-v1". */
  env: string;
  /** Environment steps (summed over parallel envs). */
  totalSteps: number;
  /** Average and report training metrics every N steps (default 1000). */
  logEvery?: number;
  /** Save a resumable checkpoint every N steps under `checkpointPrefix` (0 = only at the end or when stopped). */
  checkpointEvery?: number;
  /** Path prefix of the checkpoint files (`<prefix>.safetensors`, `.json`, `.state.json`). */
  checkpointPrefix?: string;
}

/** Progress report passed to `onProgress` after every environment step batch. */
export interface Progress {
  step: number;
  totalSteps: number;
  /** Environment steps per second since the start (or resume). */
  sps: number;
  /** Mean return of the episodes finished most recently, if any. */
  episodicReturn: number | null;
}

/** Hooks into the loop. */
export interface TrainCallbacks {
  /** Metrics averaged over `logEvery` steps, episode returns and evaluation results, keyed by CleanRL names. */
  onLog?(step: number, metrics: Record<string, number>): void;
  onProgress?(p: Progress): void;
  /** Polled every step: true stops the loop after saving a checkpoint (e.g. on Ctrl-C). */
  shouldStop?(): boolean;
}

/** What `train` returns. */
export interface TrainResult {
  agent: unknown;
  step: number;
  /** Finished training episodes: step at which each ended, its return and length. */
  episodes: { step: number; return: number; length: number }[];
  /** Evaluations: step and mean deterministic return. */
  evals: { step: number; meanReturn: number }[];
  /** True when `shouldStop` ended the run early (a checkpoint was written if a prefix was given). */
  stopped: boolean;
}

interface LoopState {
  agent: unknown;
  buffer: replay.ReplayState<Transition>;
  envState: unknown;
  obs: Array;
  key: Array;
}

interface Transition {
  obs: Array;
  action: Array;
  reward: Array;
  nextObs: Array;
  terminated: Array;
}

function checkCounts(c: LoopConfig, o: OffPolicyOptions): void {
  const positive: [string, number][] = [["totalSteps", o.totalSteps], ["batchSize", c.batchSize], ["bufferSize", c.bufferSize], ["numEnvs", c.numEnvs], ["updatesPerStep", c.updatesPerStep]];
  for (const [k, v] of positive) if (!Number.isInteger(v) || v <= 0) throw new DriftError("makeTrain", `${k} must be a positive integer; got ${v}`);
  for (const [k, v] of [["learningStarts", c.learningStarts], ["evalEvery", c.evalEvery], ["evalEpisodes", c.evalEpisodes]] as const)
    if (!Number.isInteger(v) || v < 0) throw new DriftError("makeTrain", `${k} must be a non-negative integer; got ${v}`);
  if (!LOOP_CHOICES.backend!.includes(c.backend)) throw new DriftError("makeTrain", `backend must be one of ${LOOP_CHOICES.backend!.join(", ")}; got ${JSON.stringify(c.backend)}`);
}

/**
 * `makeTrain(algo, config, opts)` gives `train(key)`: the standard off-policy loop. Each environment step acts
 * (uniformly at random before `learningStarts`, then with the agent), stores transitions (with the true final
 * observation at episode ends), and after `learningStarts` runs `updatesPerStep` jitted updates on minibatches
 * sampled uniformly from the replay buffer. Resumes from `checkpointPrefix` when a checkpoint exists there.
 */
export function makeTrain<C extends LoopConfig>(algo: Algorithm<C>, config: C, opts: OffPolicyOptions, callbacks: TrainCallbacks = {}) {
  checkCounts(config, opts);
  const { numEnvs, updatesPerStep, batchSize, learningStarts, bufferSize, evalEvery, evalEpisodes } = config;
  const logEvery = opts.logEvery ?? 1000;

  const train = async (key: Array): Promise<TrainResult> => {
    await prepareEnv(opts.env);
    const { env: base, params } = makeEnv(opts.env);
    const env = vectorEnv(episodeStatistics(autoReset(base)), numEnvs);
    const obsSpace = base.observationSpace(params);
    const actSpace = base.actionSpace(params);
    if (!(obsSpace instanceof Box) || !(actSpace instanceof Box))
      throw new DriftError("makeTrain", `${opts.env}: off-policy algorithms need Box observation and action spaces`);
    const agentFns = algo.agent;
    // On webgpu the agent (parameters, optimizer states) stays on the GPU; batches are uploaded per update, actions
    // and metric sums read back when needed. The same jitted programs serve both backends.
    const backend = config.backend as "cpu" | "webgpu";
    // An adapter initialised earlier is used as it is (a software one only if the caller allowed it then).
    if (backend === "webgpu" && !webgpuInfo()) await initWebgpu();
    // The agent is donated: updated in place on the CPU, its old buffers freed on the GPU. Metric sums are donated on
    // the GPU only (on the CPU a metric may share its buffer with a state leaf that the update passed through).
    const update = jit((agent: unknown, batch: Batch, k: Array) => agentFns.update(agent, batch, k), { backend, donateArgnums: 0 });
    const act = jit((agent: unknown, obs: Array, k: Array) => agentFns.sampleActions(agent, obs, k, { deterministic: false }), { backend });
    const addMetrics = jit((sums: Metrics, metrics: Metrics) => tree.map((a: Array, b: Array) => np.add(a, b), sums, metrics), {
      backend,
      donateArgnums: backend === "webgpu" ? 0 : [],
    });
    const actEval = jit((agent: unknown, obs: Array, k: Array) => np.squeeze(agentFns.sampleActions(agent, np.expandDims(obs, 0), k, { deterministic: true }), 0), {
      backend: "cpu",
    });
    const addToBuffer = jit((b: replay.ReplayState<Transition>, t: Transition) => replay.add(b, t), { donateArgnums: 0 });
    const sample = jit((b: replay.ReplayState<Transition>, k: Array) => replay.sample(b, k, batchSize), {});
    const randomActions = jit(vmap((k: Array) => actSpace.sample(k)));
    const stepEnv = (k: Array, st: any, a: Array) => env.step(k, st, a, params);
    const envStep = base.traceable ? jit(stepEnv) : stepEnv;

    let step = 0;
    let s: LoopState;
    const resumed = opts.checkpointPrefix ? await tryResume(opts.checkpointPrefix) : null;
    if (resumed) {
      s = resumed.state as unknown as LoopState;
      step = resumed.step;
      if (backend === "webgpu") s = { ...s, agent: devicePut(s.agent, "webgpu") };
    } else {
      const [kAgent, kEnv, kLoop] = [0, 1, 2].map((i) => random.foldIn(key, i));
      const agent = agentFns.create(kAgent!, obsSpace, actSpace, config);
      const r = env.reset(kEnv!, params);
      const example: Transition = {
        obs: np.zeros(obsSpace.shape, { dtype: "float32" }),
        action: np.zeros(actSpace.shape, { dtype: "float32" }),
        reward: np.zeros([]),
        nextObs: np.zeros(obsSpace.shape, { dtype: "float32" }),
        terminated: np.zeros([], { dtype: "bool" }),
      };
      s = { agent: backend === "webgpu" ? devicePut(agent, "webgpu") : agent, buffer: replay.init(bufferSize, example), envState: r.state, obs: r.obs.astype("float32"), key: kLoop! };
    }

    const episodes: TrainResult["episodes"] = [];
    const evals: TrainResult["evals"] = [];
    let sums: { total: Metrics; n: number } | null = null;
    const start = performance.now();
    const startStep = step;
    let lastReturn: number | null = null;
    let stopped = false;

    const save = async () => {
      if (opts.checkpointPrefix) await saveCheckpoint(opts.checkpointPrefix, { step, state: (await deviceGet(s)) as unknown as Record<string, unknown> });
    };

    while (step < opts.totalSteps) {
      if (callbacks.shouldStop?.()) {
        stopped = true;
        await save();
        break;
      }
      const keys = random.split(s.key, 4);
      const [kAct, kStep, kUpd, kNext] = [0, 1, 2, 3].map((i) => np.reshape(np.slice(keys, [i, i + 1]), [2]));
      const action = step < learningStarts ? randomActions(random.split(kAct!, numEnvs)) : await readAndFree(act(s.agent, s.obs, kAct!));
      const out = envStep(kStep!, s.envState, action);
      const done = np.logicalOr(out.terminated, out.truncated);
      const info = out.info as Record<string, any>;
      const finalObs = (info.finalObservation as Array | undefined) ?? out.obs;
      const transitions: Transition = {
        obs: s.obs,
        action: action.astype("float32"),
        reward: out.reward.astype("float32"),
        nextObs: finalObs.astype("float32"),
        terminated: out.terminated,
      };
      const buffer: replay.ReplayState<Transition> = addToBuffer(s.buffer, numEnvs === 1 ? tree.map((x: Array) => np.squeeze(x, 0), transitions) : transitions);
      s = { ...s, buffer, envState: out.state, obs: out.obs.astype("float32"), key: kNext! };
      step += numEnvs;

      const finished = (done.toArray() as boolean[]).flatMap((d, i) => (d ? [i] : []));
      if (finished.length) {
        const rets = (info.returned_episode_returns as Array).toArray() as number[];
        const lens = (info.returned_episode_lengths as Array).toArray() as number[];
        for (const i of finished) {
          episodes.push({ step, return: rets[i]!, length: lens[i]! });
          lastReturn = rets[i]!;
          callbacks.onLog?.(step, { [METRICS.episodicReturn]: rets[i]!, [METRICS.episodicLength]: lens[i]! });
        }
      }

      if (step >= learningStarts) {
        let k = kUpd!;
        for (let u = 0; u < updatesPerStep * numEnvs; u++) {
          const [kS, kU] = [random.foldIn(k, 0), random.foldIn(k, 1)];
          k = random.foldIn(k, 2);
          const [agent, metrics] = update(s.agent, sample(s.buffer, kS), kU);
          s = { ...s, agent };
          if (sums) {
            sums = { total: addMetrics(sums.total, metrics), n: sums.n + 1 };
            for (const m of Object.values(metrics)) m.dispose();
          } else sums = { total: metrics, n: 1 };
        }
      }
      if (step % logEvery < numEnvs && sums) {
        const avg: Record<string, number> = {};
        const { total, n } = sums;
        for (const [name, v] of Object.entries(await deviceGet(total))) avg[name] = v.item() / n;
        avg[METRICS.sps] = (step - startStep) / ((performance.now() - start) / 1000);
        callbacks.onLog?.(step, avg);
        sums = null;
      }
      if (evalEvery && step % evalEvery < numEnvs) {
        const evalAgent = await deviceGet(s.agent);
        const res = evaluate(makeEnv(opts.env).env as Env, params, (k: Array, o: Array) => actEval(evalAgent, o.astype("float32"), k), random.foldIn(s.key, 7), {
          episodes: evalEpisodes,
          deterministic: true,
          jit: false,
        });
        const meanReturn = res.returns.reduce((a, b) => a + b, 0) / res.returns.length;
        evals.push({ step, meanReturn });
        callbacks.onLog?.(step, { "eval/episodic_return": meanReturn });
      }
      if (opts.checkpointEvery && step % opts.checkpointEvery < numEnvs) await save();
      callbacks.onProgress?.({ step, totalSteps: opts.totalSteps, sps: (step - startStep) / ((performance.now() - start) / 1000), episodicReturn: lastReturn });
    }
    if (!stopped && opts.checkpointPrefix) await save();
    return { agent: await deviceGet(s.agent), step, episodes, evals, stopped };
  };
  return { train };
}

/** A CPU copy of `x`; a GPU original is freed at once (the loop reads each action once). */
async function readAndFree(x: Array): Promise<Array> {
  const cpu = await deviceGet(x);
  if (cpu !== x) x.dispose();
  return cpu;
}

async function tryResume(prefix: string): Promise<{ step: number; state: Record<string, unknown> } | null> {
  if (!existsSync(checkpointFiles(prefix).state)) return null;
  const ck = await loadCheckpoint(prefix);
  return { step: ck.step, state: ck.state as Record<string, unknown> };
}
