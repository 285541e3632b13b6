// Demo: fit a 2-layer MLP to y = sin(2x) + noise with valueAndGrad and SGD, printing the loss as it falls.
import { type Array, np, random, tree, valueAndGrad } from "@drift/tensor";

type Params = { w1: Array; b1: Array; w2: Array; b2: Array };

const hidden = 32;
const key = random.key(0);
const [kx, kn, k1, k2] = [0, 1, 2, 3].map((i) => random.foldIn(key, i));

const x = random.uniform(kx!, [256, 1], { minval: -1.5, maxval: 1.5 });
const y = np.add(np.sin(np.mul(x, 2)), np.mul(random.normal(kn!, [256, 1]), 0.05));

let params: Params = {
  w1: random.normal(k1!, [1, hidden]),
  b1: np.zeros([hidden]),
  w2: random.normal(k2!, [hidden, 1]).mul(1 / Math.sqrt(hidden)),
  b2: np.zeros([1]),
};

const predict = (p: Params, xs: Array): Array => np.add(np.matmul(np.tanh(np.add(np.matmul(xs, p.w1), p.b1)), p.w2), p.b2);
const loss = (p: Params, xs: Array, ys: Array): Array => np.mean(np.square(np.sub(predict(p, xs), ys)));
const step = valueAndGrad(loss);

const steps = 2000;
const lr = 0.05;
const start = performance.now();
for (let i = 0; i <= steps; i++) {
  const [value, grads] = step(params, x, y);
  params = tree.map((p, g) => np.sub(p, np.mul(g, lr)), params, grads);
  if (i % 250 === 0) console.log(`step ${String(i).padStart(4)}  loss ${value.item().toFixed(5)}`);
}
const ms = performance.now() - start;
console.log(`${steps} SGD steps in ${(ms / 1000).toFixed(2)} s (${(ms / steps).toFixed(2)} ms/step, eager)`);
console.log(`final MSE ${loss(params, x, y).item().toFixed(5)} (noise floor 0.0025)`);
