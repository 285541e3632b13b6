// The programs written against @drift/tensor, each one `jit` (the training state donated, as in JAX).
import { type Array, type TracedProgram, jit, lax, np, setKernelThreads, stopGradient, tree, valueAndGrad } from "@drift/tensor";
import { ADAM, DDPM, type DdpmData, type Dense, MLP, MLP_LR, type MlpData, type Prepared, SAC, type SacData, type Subject } from "../workloads.ts";

type Layer = { w: Array; b: Array };
type AdamState<P> = { params: P; m: P; v: P; t: Array };

const layer = (d: Dense): Layer => ({ w: np.reshape(np.array(d.w), [d.fanIn, d.fanOut]), b: np.array(d.b) });
const matrix = (data: Float32Array, rows: number, cols: number): Array => np.reshape(np.array(data), [rows, cols]);
const relu = (x: Array): Array => np.maximum(x, 0);
const dense = (x: Array, l: Layer): Array => np.add(np.matmul(x, l.w), l.b);

function adamInit<P>(params: P): AdamState<P> {
  const zeros = tree.map((p: Array) => np.zerosLike(p), params as any) as P;
  return { params, m: zeros, v: tree.map((p: Array) => np.zerosLike(p), params as any) as P, t: np.array(0) };
}

/** One Adam step with bias correction: p ← p − lr · m̂ / (√v̂ + ε). */
function adamStep<P>(s: AdamState<P>, grads: P, lr: number): AdamState<P> {
  const t = np.add(s.t, 1);
  const c1 = np.sub(1, np.pow(ADAM.b1, t));
  const c2 = np.sub(1, np.pow(ADAM.b2, t));
  const m = tree.map((m: Array, g: Array) => np.add(np.mul(m, ADAM.b1), np.mul(g, 1 - ADAM.b1)), s.m as any, grads as any) as P;
  const v = tree.map((v: Array, g: Array) => np.add(np.mul(v, ADAM.b2), np.mul(np.square(g), 1 - ADAM.b2)), s.v as any, grads as any) as P;
  const params = tree.map(
    (p: Array, m: Array, v: Array) => np.sub(p, np.mul(lr, np.div(np.div(m, c1), np.add(np.sqrt(np.div(v, c2)), ADAM.eps)))),
    s.params as any,
    m as any,
    v as any,
  ) as P;
  return { params, m, v, t };
}

function mlpLoss(layers: Layer[], x: Array, y: Array): Array {
  let h = x;
  layers.forEach((l, i) => {
    h = dense(h, l);
    if (i < layers.length - 1) h = relu(h);
  });
  return np.mean(np.square(np.sub(h, y)));
}

/** The MLP benchmark's training state: the layers and their Adam moments. */
export type MlpState = AdamState<Layer[]>;

/** The MLP benchmark's initial state from its data. */
export function mlpInitialState(d: MlpData): MlpState {
  return adamInit(d.layers.map(layer));
}

/** One MLP train step (forward, backward, Adam): (state, x, y) → [state, loss]; the programs jit this function. */
export function mlpTrainStep(s: MlpState, x: Array, y: Array): [MlpState, Array] {
  const [loss, grads] = valueAndGrad(mlpLoss)(s.params, x, y);
  return [adamStep(s, grads, MLP_LR), loss];
}

type Critic = { l1o: Layer; l1a: Layer; l2: Layer; l3: Layer };
type Actor = { l1: Layer; l2: Layer; mu: Layer; logStd: Layer };
type Batch = { obs: Array; act: Array; rew: Array; done: Array; nextObs: Array; epsNext: Array; epsCur: Array };
type SacState = { critics: AdamState<Critic[]>; actor: AdamState<Actor>; targets: Critic[] };

function q(c: Critic, obs: Array, act: Array): Array {
  const h = relu(np.add(np.add(np.matmul(obs, c.l1o.w), np.matmul(act, c.l1a.w)), c.l1o.b));
  return dense(relu(dense(h, c.l2)), c.l3);
}

/** A reparameterised tanh-Gaussian action and its log-probability (SAC, appendix C), [batch, act] and [batch, 1]. */
function sample(a: Actor, obs: Array, eps: Array): [Array, Array] {
  const h = relu(dense(relu(dense(obs, a.l1)), a.l2));
  const mu = dense(h, a.mu);
  const logStd = np.clip(dense(h, a.logStd), SAC.logStdMin, SAC.logStdMax);
  const act = np.tanh(np.add(mu, np.mul(np.exp(logStd), eps)));
  const perDim = np.sub(np.sub(np.mul(np.square(eps), -0.5), logStd), np.add(np.log(np.add(np.sub(1, np.square(act)), 1e-6)), 0.5 * Math.log(2 * Math.PI)));
  return [act, np.sum(perDim, -1, { keepdims: true })];
}

function criticLoss(critics: Critic[], targets: Critic[], actor: Actor, b: Batch): Array {
  const [next, logp] = sample(actor, b.nextObs, b.epsNext);
  const qNext = np.sub(np.minimum(q(targets[0]!, b.nextObs, next), q(targets[1]!, b.nextObs, next)), np.mul(logp, SAC.alpha));
  const y = stopGradient(np.add(b.rew, np.mul(np.mul(np.sub(1, b.done), SAC.gamma), qNext)));
  return np.add(np.mean(np.square(np.sub(q(critics[0]!, b.obs, b.act), y))), np.mean(np.square(np.sub(q(critics[1]!, b.obs, b.act), y))));
}

function actorLoss(actor: Actor, critics: Critic[], b: Batch): Array {
  const [act, logp] = sample(actor, b.obs, b.epsCur);
  return np.mean(np.sub(np.mul(logp, SAC.alpha), np.minimum(q(critics[0]!, b.obs, act), q(critics[1]!, b.obs, act))));
}

function sacUpdate(s: SacState, b: Batch): [SacState, Array, Array] {
  const [lc, gc] = valueAndGrad(criticLoss)(s.critics.params, s.targets, s.actor.params, b);
  const [la, ga] = valueAndGrad(actorLoss)(s.actor.params, s.critics.params, b);
  const critics = adamStep(s.critics, gc, SAC.lr);
  const actor = adamStep(s.actor, ga, SAC.lr);
  const targets = tree.map((t: Array, c: Array) => np.add(np.mul(t, 1 - SAC.tau), np.mul(c, SAC.tau)), s.targets as any, critics.params as any) as Critic[];
  return [{ critics, actor, targets }, lc, la];
}

type Net = { l1x: Layer; l1o: Layer; l1t: Layer; l2: Layer; l3: Layer; out: Layer };
type StepInputs = { c1: Array; c2: Array; sigma: Array; temb: Array; z: Array };

/** 20 reverse DDPM steps as one lax.scan: x ← c1·(x − c2·ε(x, obs, t)) + σ·z. */
function ddpmSample(net: Net, obs: Array, xT: Array, xs: StepInputs): Array {
  const obsTerm = np.add(np.matmul(obs, net.l1o.w), net.l1o.b);
  const [x] = lax.scan(
    (x: Array, s: StepInputs): [Array, Array[]] => {
      let h = relu(np.add(np.add(np.matmul(x, net.l1x.w), obsTerm), np.matmul(s.temb, net.l1t.w)));
      h = relu(dense(relu(dense(h, net.l2)), net.l3));
      const eps = dense(h, net.out);
      return [np.add(np.mul(s.c1, np.sub(x, np.mul(s.c2, eps))), np.mul(s.sigma, s.z)), []];
    },
    xT,
    xs,
  );
  return x;
}

const scalar = (x: Array): number => x.item();

/** FLOPs (2 per multiply-add) of the matmuls of a traced program; a scan's body counts once per step. */
export function matmulFlops(jaxpr: TracedProgram["jaxpr"]): number {
  let flops = 0;
  for (const e of jaxpr.eqns) {
    if (e.primitive.name === "matmul") {
      const a = e.inputs[0]!.aval.shape;
      const k = e.params.transA ? a[a.length - 2]! : a[a.length - 1]!;
      flops += 2 * e.outBinders[0]!.aval.size * k;
    } else if (e.primitive.name === "scan") flops += e.params.length * matmulFlops(e.params.jaxpr);
  }
  return flops;
}

/** @drift/tensor as a benchmark subject. */
export const drift: Subject = {
  name: "drift",
  mlp(d: MlpData): Prepared {
    const { batch, sizes } = MLP;
    const x = matrix(d.x, batch, sizes[0]);
    const y = matrix(d.y, batch, sizes[3]);
    let state = mlpInitialState(d);
    const step = jit(mlpTrainStep, { donateArgnums: 0 });
    return {
      matmulFlops: matmulFlops(step.lower(state, x, y).jaxpr),
      run() {
        const [next, loss] = step(state, x, y);
        state = next;
        return [scalar(loss)];
      },
    };
  },
  sac(d: SacData): Prepared {
    const s = SAC;
    const critic = (c: SacData["critics"][0]): Critic => ({ l1o: layer(c.l1o), l1a: layer(c.l1a), l2: layer(c.l2), l3: layer(c.l3) });
    const batch: Batch = {
      obs: matrix(d.obs, s.batch, s.obs),
      act: matrix(d.act, s.batch, s.act),
      rew: matrix(d.rew, s.batch, 1),
      done: matrix(d.done, s.batch, 1),
      nextObs: matrix(d.nextObs, s.batch, s.obs),
      epsNext: matrix(d.epsNext, s.batch, s.act),
      epsCur: matrix(d.epsCur, s.batch, s.act),
    };
    let state: SacState = {
      critics: adamInit(d.critics.map(critic)),
      actor: adamInit({ l1: layer(d.actor.l1), l2: layer(d.actor.l2), mu: layer(d.actor.mu), logStd: layer(d.actor.logStd) }),
      targets: d.critics.map(critic),
    };
    const update = jit(sacUpdate, { donateArgnums: 0 });
    return {
      matmulFlops: matmulFlops(update.lower(state, batch).jaxpr),
      run() {
        const [next, lc, la] = update(state, batch);
        state = next;
        return [scalar(lc), scalar(la)];
      },
    };
  },
  ddpm(d: DdpmData): Prepared {
    const { batch, act, obs, steps, temb } = DDPM;
    const net: Net = { l1x: layer(d.l1x), l1o: layer(d.l1o), l1t: layer(d.l1t), l2: layer(d.l2), l3: layer(d.l3), out: layer(d.out) };
    const xs: StepInputs = {
      c1: np.array(d.c1),
      c2: np.array(d.c2),
      sigma: np.array(d.sigma),
      temb: matrix(d.temb, steps, temb),
      z: np.reshape(np.array(d.z), [steps, batch, act]),
    };
    const o = matrix(d.obs, batch, obs);
    const xT = matrix(d.xT, batch, act);
    const sampler = jit(ddpmSample);
    return { matmulFlops: matmulFlops(sampler.lower(net, o, xT, xs).jaxpr), run: () => [...(sampler(net, o, xT, xs).dataSync() as Float32Array)] };
  },
  act(d: SacData): Prepared {
    const actor: Actor = { l1: layer(d.actor.l1), l2: layer(d.actor.l2), mu: layer(d.actor.mu), logStd: layer(d.actor.logStd) };
    const obs = matrix(d.obs.subarray(0, SAC.obs), 1, SAC.obs);
    const eps = matrix(d.epsCur.subarray(0, SAC.act), 1, SAC.act);
    const policy = jit((a: Actor, o: Array, e: Array) => sample(a, o, e)[0]);
    return { matmulFlops: matmulFlops(policy.lower(actor, obs, eps).jaxpr), run: () => [...(policy(actor, obs, eps).dataSync() as Float32Array)] };
  },
};

/** The same programs compiled with kernel threads off (one thread), to show what the worker thread adds. */
export const driftOneThread: Subject = {
  name: "drift 1 thread",
  mlp: (d) => oneThread(() => drift.mlp(d)),
  sac: (d) => oneThread(() => drift.sac(d)),
  ddpm: (d) => oneThread(() => drift.ddpm(d)),
  act: (d) => oneThread(() => drift.act(d)),
};

/** Prepares (and so compiles, on its first call) with kernel threads off, then restores the default. */
export function oneThread<P extends { run(): unknown }>(prepare: () => P): P {
  setKernelThreads(0);
  try {
    const p = prepare();
    p.run();
    return p;
  } finally {
    setKernelThreads(undefined);
  }
}
