// The programs written against TensorFlow.js on its wasm backend (XNNPACK, SIMD, one thread in Node), eager.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { ADAM, DDPM, type DdpmData, type Dense, MLP, MLP_LR, type MlpData, type Prepared, SAC, type SacData, type Subject } from "../workloads.ts";

/** Selects the wasm backend (its bundle loads the SIMD binary from its own dist folder in Node). */
export async function initTfjs(): Promise<void> {
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
}

type Layer = { w: tf.Tensor2D; b: tf.Tensor1D };
const layer = (d: Dense, trainable = true): Layer => ({
  w: tf.variable(tf.tensor2d(d.w, [d.fanIn, d.fanOut]), trainable),
  b: tf.variable(tf.tensor1d(d.b), trainable),
});
const dense = (x: tf.Tensor2D, l: Layer): tf.Tensor2D => tf.add(tf.matMul(x, l.w), l.b);
const relu = (x: tf.Tensor2D): tf.Tensor2D => tf.relu(x);
const vars = (layers: Layer[]): tf.Variable[] => layers.flatMap((l) => [l.w as unknown as tf.Variable, l.b as unknown as tf.Variable]);
const adam = (lr: number): tf.Optimizer => tf.train.adam(lr, ADAM.b1, ADAM.b2, ADAM.eps);
const read = (x: tf.Scalar): number => {
  const v = (x.dataSync() as Float32Array)[0]!;
  x.dispose();
  return v;
};

type Critic = { l1o: Layer; l1a: Layer; l2: Layer; l3: Layer };
type Actor = { l1: Layer; l2: Layer; mu: Layer; logStd: Layer };
const criticLayers = (c: Critic): Layer[] => [c.l1o, c.l1a, c.l2, c.l3];

function q(c: Critic, obs: tf.Tensor2D, act: tf.Tensor2D): tf.Tensor2D {
  const h = relu(tf.add(tf.add(tf.matMul(obs, c.l1o.w), tf.matMul(act, c.l1a.w)), c.l1o.b));
  return dense(relu(dense(h, c.l2)), c.l3);
}

function sample(a: Actor, obs: tf.Tensor2D, eps: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  const h = relu(dense(relu(dense(obs, a.l1)), a.l2));
  const mu = dense(h, a.mu);
  const logStd = tf.clipByValue(dense(h, a.logStd), SAC.logStdMin, SAC.logStdMax);
  const act = tf.tanh(tf.add(mu, tf.mul(tf.exp(logStd), eps)));
  const perDim = tf.sub(tf.sub(tf.mul(tf.square(eps), -0.5), logStd), tf.add(tf.log(tf.add(tf.sub(1, tf.square(act)), 1e-6)), 0.5 * Math.log(2 * Math.PI)));
  return [act as tf.Tensor2D, tf.sum(perDim, -1, true)];
}

/** TensorFlow.js (wasm backend) as a benchmark subject: tf.train.adam, tf.variableGrads, tidy per call. */
export const tfjs: Subject = {
  name: "tfjs-wasm",
  mlp(d: MlpData): Prepared {
    const { batch, sizes } = MLP;
    const x = tf.tensor2d(d.x, [batch, sizes[0]]);
    const y = tf.tensor2d(d.y, [batch, sizes[3]]);
    const layers = d.layers.map((l) => layer(l));
    const opt = adam(MLP_LR);
    const loss = (): tf.Scalar => {
      let h: tf.Tensor2D = x;
      layers.forEach((l, i) => {
        h = dense(h, l);
        if (i < layers.length - 1) h = relu(h);
      });
      return tf.mean(tf.square(tf.sub(h, y)));
    };
    return { run: () => [read(opt.minimize(loss, true, vars(layers))!)] };
  },
  sac(d: SacData): Prepared {
    const s = SAC;
    const critic = (c: SacData["critics"][0], trainable: boolean): Critic => ({
      l1o: layer(c.l1o, trainable),
      l1a: layer(c.l1a, trainable),
      l2: layer(c.l2, trainable),
      l3: layer(c.l3, trainable),
    });
    const m = (data: Float32Array, cols: number): tf.Tensor2D => tf.tensor2d(data, [s.batch, cols]);
    const b = { obs: m(d.obs, s.obs), act: m(d.act, s.act), rew: m(d.rew, 1), done: m(d.done, 1), nextObs: m(d.nextObs, s.obs), epsNext: m(d.epsNext, s.act), epsCur: m(d.epsCur, s.act) };
    const critics = d.critics.map((c) => critic(c, true));
    const targets = d.critics.map((c) => critic(c, false));
    const actor: Actor = { l1: layer(d.actor.l1), l2: layer(d.actor.l2), mu: layer(d.actor.mu), logStd: layer(d.actor.logStd) };
    const criticVars = critics.flatMap((c) => vars(criticLayers(c)));
    const actorVars = vars([actor.l1, actor.l2, actor.mu, actor.logStd]);
    const targetVars = targets.flatMap((c) => vars(criticLayers(c)));
    const criticOpt = adam(s.lr);
    const actorOpt = adam(s.lr);
    const criticLoss = (): tf.Scalar => {
      const [next, logp] = sample(actor, b.nextObs, b.epsNext);
      const qNext = tf.sub(tf.minimum(q(targets[0]!, b.nextObs, next), q(targets[1]!, b.nextObs, next)), tf.mul(logp, s.alpha));
      const y = tf.add(b.rew, tf.mul(tf.mul(tf.sub(1, b.done), s.gamma), qNext));
      return tf.add(tf.mean(tf.square(tf.sub(q(critics[0]!, b.obs, b.act), y))), tf.mean(tf.square(tf.sub(q(critics[1]!, b.obs, b.act), y))));
    };
    const actorLoss = (): tf.Scalar => {
      const [act, logp] = sample(actor, b.obs, b.epsCur);
      return tf.mean(tf.sub(tf.mul(logp, s.alpha), tf.minimum(q(critics[0]!, b.obs, act), q(critics[1]!, b.obs, act))));
    };
    return {
      run() {
        // Both gradients from the same parameters, then both updates, then the Polyak average.
        const c = tf.variableGrads(criticLoss, criticVars);
        const a = tf.variableGrads(actorLoss, actorVars);
        criticOpt.applyGradients(c.grads);
        actorOpt.applyGradients(a.grads);
        tf.dispose([Object.values(c.grads), Object.values(a.grads)]);
        tf.tidy(() => targetVars.forEach((t, i) => t.assign(tf.add(tf.mul(t, 1 - s.tau), tf.mul(criticVars[i]!, s.tau)))));
        return [read(c.value), read(a.value)];
      },
    };
  },
  ddpm(d: DdpmData): Prepared {
    const { batch, act, obs, steps, temb } = DDPM;
    const l = (x: Dense): Layer => layer(x, false);
    const net = { l1x: l(d.l1x), l1o: l(d.l1o), l1t: l(d.l1t), l2: l(d.l2), l3: l(d.l3), out: l(d.out) };
    const o = tf.tensor2d(d.obs, [batch, obs]);
    const xT = tf.tensor2d(d.xT, [batch, act]);
    const tembRows = Array.from({ length: steps }, (_, i) => tf.tensor2d(d.temb.subarray(i * temb, (i + 1) * temb), [1, temb]));
    const zRows = Array.from({ length: steps }, (_, i) => tf.tensor2d(d.z.subarray(i * batch * act, (i + 1) * batch * act), [batch, act]));
    return {
      run() {
        const out = tf.tidy(() => {
          const obsTerm = dense(o, net.l1o);
          let x: tf.Tensor2D = xT;
          for (let i = 0; i < steps; i++) {
            let h = relu(tf.add(tf.add(tf.matMul(x, net.l1x.w), obsTerm), tf.matMul(tembRows[i]!, net.l1t.w)));
            h = relu(dense(relu(dense(h, net.l2)), net.l3));
            const eps = dense(h, net.out);
            x = tf.add(tf.mul(tf.sub(x, tf.mul(eps, d.c2[i]!)), d.c1[i]!), tf.mul(zRows[i]!, d.sigma[i]!));
          }
          return x;
        });
        const data = [...(out.dataSync() as Float32Array)];
        out.dispose();
        return data;
      },
    };
  },
  act(d: SacData): Prepared {
    const actor: Actor = { l1: layer(d.actor.l1, false), l2: layer(d.actor.l2, false), mu: layer(d.actor.mu, false), logStd: layer(d.actor.logStd, false) };
    const obs = tf.tensor2d(d.obs.subarray(0, SAC.obs), [1, SAC.obs]);
    const eps = tf.tensor2d(d.epsCur.subarray(0, SAC.act), [1, SAC.act]);
    return {
      run() {
        const out = tf.tidy(() => sample(actor, obs, eps)[0]);
        const data = [...(out.dataSync() as Float32Array)];
        out.dispose();
        return data;
      },
    };
  },
};
