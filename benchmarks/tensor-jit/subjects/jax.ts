// The programs written against jax-js on its wasm device, each one `jit`, following its move semantics.
import { defaultDevice, init, jit, lax, numpy as jnp, tree, valueAndGrad } from "@jax-js/jax";
import { ADAM, DDPM, type DdpmData, type Dense, MLP, MLP_LR, type MlpData, type Prepared, SAC, type SacData, type Subject } from "../workloads.ts";

type Arr = jnp.Array;
type Layer = { w: Arr; b: Arr };
type AdamState<P> = { params: P; m: P; v: P; t: Arr };

/** Starts the wasm device (plain `init()` throws in Node 20: no `navigator`) and makes it the default. */
export async function initJax(): Promise<void> {
  const devices = await init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js: the wasm device failed to initialise (got ${devices.join(", ")})`);
  defaultDevice("wasm");
}

// Convention below: functions borrow their array arguments (every use is `.ref`) and consume only the fresh
// intermediates they create; whoever owns an argument disposes it.
const layer = (d: Dense): Layer => ({ w: jnp.array(d.w).reshape([d.fanIn, d.fanOut]), b: jnp.array(d.b) });
const matrix = (data: Float32Array, rows: number, cols: number): Arr => jnp.array(data).reshape([rows, cols]);
const relu = (x: Arr): Arr => jnp.maximum(x, 0);
/** x·W + b, consuming x and borrowing the layer. */
const dense = (x: Arr, l: Layer): Arr => jnp.matmul(x, l.w.ref).add(l.b.ref);

function adamInit<P>(params: P): AdamState<P> {
  const zeros = (): P => tree.map((p: Arr) => jnp.zerosLike(p.ref), params as any) as P;
  return { params, m: zeros(), v: zeros(), t: jnp.array(0) };
}

/** One Adam step with bias correction; consumes the state and the gradients. */
function adamStep<P>(s: AdamState<P>, grads: P, lr: number): AdamState<P> {
  const t = s.t.add(1);
  const c1 = jnp.subtract(1, jnp.power(ADAM.b1, t.ref));
  const c2 = jnp.subtract(1, jnp.power(ADAM.b2, t.ref));
  const m = tree.map((m: Arr, g: Arr) => m.mul(ADAM.b1).add(g.mul(1 - ADAM.b1)), s.m as any, tree.ref(grads as any)) as P;
  const v = tree.map((v: Arr, g: Arr) => v.mul(ADAM.b2).add(jnp.square(g).mul(1 - ADAM.b2)), s.v as any, grads as any) as P;
  const params = tree.map(
    (p: Arr, m: Arr, v: Arr) => p.sub(m.div(c1.ref).div(jnp.sqrt(v.div(c2.ref)).add(ADAM.eps)).mul(lr)),
    s.params as any,
    tree.ref(m as any),
    tree.ref(v as any),
  ) as P;
  c1.dispose();
  c2.dispose();
  return { params, m, v, t };
}

/** MSE of the MLP; consumes its arguments (as valueAndGrad requires). */
function mlpLoss(layers: Layer[], x: Arr, y: Arr): Arr {
  let h = x;
  layers.forEach((l, i) => {
    h = dense(h, l);
    if (i < layers.length - 1) h = relu(h);
  });
  tree.dispose(layers);
  return jnp.mean(jnp.square(h.sub(y)));
}

type Critic = { l1o: Layer; l1a: Layer; l2: Layer; l3: Layer };
type Actor = { l1: Layer; l2: Layer; mu: Layer; logStd: Layer };
type Batch = { obs: Arr; act: Arr; rew: Arr; done: Arr; nextObs: Arr; epsNext: Arr; epsCur: Arr };
type SacState = { critics: AdamState<Critic[]>; actor: AdamState<Actor>; targets: Critic[] };

function q(c: Critic, obs: Arr, act: Arr): Arr {
  const h = relu(jnp.matmul(obs.ref, c.l1o.w.ref).add(jnp.matmul(act.ref, c.l1a.w.ref)).add(c.l1o.b.ref));
  return dense(relu(dense(h, c.l2)), c.l3);
}

function sample(a: Actor, obs: Arr, eps: Arr): [Arr, Arr] {
  const h = relu(dense(relu(dense(obs.ref, a.l1)), a.l2));
  const mu = dense(h.ref, a.mu);
  const logStd = jnp.clip(dense(h, a.logStd), SAC.logStdMin, SAC.logStdMax);
  const act = jnp.tanh(mu.add(jnp.exp(logStd.ref).mul(eps.ref)));
  const perDim = jnp
    .square(eps.ref)
    .mul(-0.5)
    .sub(logStd)
    .sub(jnp.log(jnp.subtract(1, jnp.square(act.ref)).add(1e-6)).add(0.5 * Math.log(2 * Math.PI)));
  return [act, jnp.sum(perDim, -1, { keepdims: true })];
}

function criticLoss(critics: Critic[], targets: Critic[], actor: Actor, b: Batch): Arr {
  const [next, logp] = sample(actor, b.nextObs, b.epsNext);
  const qNext = jnp.minimum(q(targets[0]!, b.nextObs, next), q(targets[1]!, b.nextObs, next)).sub(logp.mul(SAC.alpha));
  next.dispose();
  const y = lax.stopGradient(b.rew.ref.add(jnp.subtract(1, b.done.ref).mul(SAC.gamma).mul(qNext)));
  const l1 = jnp.mean(jnp.square(q(critics[0]!, b.obs, b.act).sub(y.ref)));
  const l2 = jnp.mean(jnp.square(q(critics[1]!, b.obs, b.act).sub(y)));
  tree.dispose([critics, targets, actor, b] as any);
  return l1.add(l2);
}

function actorLoss(actor: Actor, critics: Critic[], b: Batch): Arr {
  const [act, logp] = sample(actor, b.obs, b.epsCur);
  const qMin = jnp.minimum(q(critics[0]!, b.obs, act), q(critics[1]!, b.obs, act));
  act.dispose();
  tree.dispose([actor, critics, b] as any);
  return jnp.mean(logp.mul(SAC.alpha).sub(qMin));
}

function sacUpdate(s: SacState, b: Batch): [SacState, Arr, Arr] {
  const [lc, gc] = valueAndGrad(criticLoss)(tree.ref(s.critics.params), tree.ref(s.targets), tree.ref(s.actor.params), tree.ref(b));
  const [la, ga] = valueAndGrad(actorLoss)(tree.ref(s.actor.params), tree.ref(s.critics.params), b);
  const critics = adamStep(s.critics, gc as Critic[], SAC.lr);
  const actor = adamStep(s.actor, ga as Actor, SAC.lr);
  const targets = tree.map(
    (t: Arr, c: Arr) => t.mul(1 - SAC.tau).add(c.mul(SAC.tau)),
    s.targets as any,
    tree.ref(critics.params as any),
  ) as Critic[];
  return [{ critics, actor, targets }, lc, la];
}

type Net = { l1x: Layer; l1o: Layer; l1t: Layer; l2: Layer; l3: Layer; out: Layer };

/** The 20 reverse steps unrolled inside one jit (jax-js 0.1.25 has no lax.scan); schedule numbers are constants. */
function ddpmSampler(d: DdpmData) {
  const { steps } = DDPM;
  return (net: Net, obs: Arr, xT: Arr, temb: Arr[], z: Arr[]): Arr => {
    const obsTerm = dense(obs, net.l1o);
    let x = xT;
    for (let i = 0; i < steps; i++) {
      let h = relu(jnp.matmul(x.ref, net.l1x.w.ref).add(obsTerm.ref).add(jnp.matmul(temb[i]!, net.l1t.w.ref)));
      h = relu(dense(relu(dense(h, net.l2)), net.l3));
      const eps = dense(h, net.out);
      x = x.sub(eps.mul(d.c2[i]!)).mul(d.c1[i]!).add(z[i]!.mul(d.sigma[i]!));
    }
    obsTerm.dispose();
    tree.dispose(net);
    return x;
  };
}

const read = (x: Arr): number => (x.dataSync() as Float32Array)[0]!;

/** jax-js (wasm device) as a benchmark subject. */
export const jax: Subject = {
  name: "jax-js",
  mlp(d: MlpData): Prepared {
    const { batch, sizes } = MLP;
    const x = matrix(d.x, batch, sizes[0]);
    const y = matrix(d.y, batch, sizes[3]);
    let state = adamInit(d.layers.map(layer));
    const step = jit((s: AdamState<Layer[]>, x: Arr, y: Arr): [AdamState<Layer[]>, Arr] => {
      const [loss, grads] = valueAndGrad(mlpLoss)(tree.ref(s.params), x, y);
      return [adamStep(s, grads as Layer[], MLP_LR), loss];
    });
    return {
      run() {
        const [next, loss] = step(state, x.ref, y.ref);
        state = next;
        return [read(loss)];
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
    const update = jit(sacUpdate);
    return {
      run() {
        const [next, lc, la] = update(state, tree.ref(batch));
        state = next;
        return [read(lc), read(la)];
      },
    };
  },
  ddpm(d: DdpmData): Prepared {
    const { batch, act, obs, steps, temb } = DDPM;
    const net: Net = { l1x: layer(d.l1x), l1o: layer(d.l1o), l1t: layer(d.l1t), l2: layer(d.l2), l3: layer(d.l3), out: layer(d.out) };
    const tembRows = Array.from({ length: steps }, (_, i) => matrix(d.temb.subarray(i * temb, (i + 1) * temb), 1, temb));
    const zRows = Array.from({ length: steps }, (_, i) => matrix(d.z.subarray(i * batch * act, (i + 1) * batch * act), batch, act));
    const o = matrix(d.obs, batch, obs);
    const xT = matrix(d.xT, batch, act);
    const sampler = jit(ddpmSampler(d));
    return { run: () => [...(sampler(tree.ref(net), o.ref, xT.ref, tree.ref(tembRows), tree.ref(zRows)).dataSync() as Float32Array)] };
  },
  act(d: SacData): Prepared {
    const actor: Actor = { l1: layer(d.actor.l1), l2: layer(d.actor.l2), mu: layer(d.actor.mu), logStd: layer(d.actor.logStd) };
    const obs = matrix(d.obs.subarray(0, SAC.obs), 1, SAC.obs);
    const eps = matrix(d.epsCur.subarray(0, SAC.act), 1, SAC.act);
    const policy = jit((a: Actor, o: Arr, e: Arr): Arr => {
      const [act, logp] = sample(a, o, e);
      logp.dispose();
      tree.dispose([a, o, e] as any);
      return act;
    });
    return { run: () => [...(policy(tree.ref(actor), obs.ref, eps.ref).dataSync() as Float32Array)] };
  },
};
