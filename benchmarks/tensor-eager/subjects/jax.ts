// The benchmark cases written against jax-js on its wasm device, eager (no jit), following its move semantics.
import { defaultDevice, init, numpy as jnp, valueAndGrad } from "@jax-js/jax";
import { ADD_BLOCK, CHAIN_OPS, MLP, type MlpData, type Subject } from "../cases.ts";

type Params = { w1: jnp.Array; b1: jnp.Array; w2: jnp.Array; b2: jnp.Array };

/** Starts the wasm device (plain `init()` throws in Node 20: no `navigator`) and makes it the default. */
export async function initJax(): Promise<void> {
  const devices = await init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js: the wasm device failed to initialise (got ${devices.join(", ")})`);
  defaultDevice("wasm");
}

/** Consumes every argument exactly once, as jax-js's ownership rules require. */
function mlpLoss(p: Params, x: jnp.Array, y: jnp.Array): jnp.Array {
  const h = jnp.tanh(jnp.matmul(x, p.w1).add(p.b1));
  return jnp.mean(jnp.square(jnp.matmul(h, p.w2).add(p.b2).sub(y)));
}

/** Reads an array back, consuming it; jax-js ops are lazy, so this is also what dispatches the pending kernels. */
function read(x: jnp.Array): Float32Array {
  return x.dataSync() as Float32Array;
}

/** jax-js (wasm device, eager) as a benchmark subject; persistent inputs are passed as `.ref` so they survive each call. */
export const jax: Subject = {
  name: "jax-js",
  addChain(aData, bData) {
    const a = jnp.array(aData);
    const b = jnp.array(bData);
    return () => {
      let acc = a.ref.add(b.ref);
      for (let i = 1; i < ADD_BLOCK; i++) acc = acc.add(b.ref);
      return read(acc);
    };
  },
  elementwiseChain(xData) {
    const x0 = jnp.array(xData);
    return () => {
      let x = x0.ref;
      for (let i = 0; i < CHAIN_OPS; i++) x = i % 3 === 0 ? x.mul(0.5) : i % 3 === 1 ? x.add(1) : jnp.tanh(x);
      return read(x);
    };
  },
  matmul(aData, bData, n) {
    const a = jnp.array(aData).reshape([n, n]);
    const b = jnp.array(bData).reshape([n, n]);
    return () => read(jnp.matmul(a.ref, b.ref));
  },
  mlpStep(d: MlpData) {
    const { batch, inputs, hidden, outputs } = MLP;
    const x = jnp.array(d.x).reshape([batch, inputs]);
    const y = jnp.array(d.y).reshape([batch, outputs]);
    const params: Params = {
      w1: jnp.array(d.w1).reshape([inputs, hidden]),
      b1: jnp.array(d.b1),
      w2: jnp.array(d.w2).reshape([hidden, outputs]),
      b2: jnp.array(d.b2),
    };
    const step = valueAndGrad(mlpLoss);
    return () => {
      const [loss, g] = step({ w1: params.w1.ref, b1: params.b1.ref, w2: params.w2.ref, b2: params.b2.ref }, x.ref, y.ref);
      return [read(loss), read(g.w1), read(g.b1), read(g.w2), read(g.b2)];
    };
  },
};
