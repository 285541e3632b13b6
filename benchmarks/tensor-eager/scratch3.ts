import { init, numpy as jnp, valueAndGrad, grad } from "@jax-js/jax";
console.log(await init("wasm"));
const x = jnp.array(new Float32Array([1, 2, 3]));
console.log(x.ref.add(x.ref).dataSync());
const f = (v: jnp.Array) => jnp.tanh(v).sum();
const [val, g] = valueAndGrad(f)(x.ref);
console.log(val.dataSync(), g.dataSync(), x.refCount);
