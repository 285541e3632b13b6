// The benchmark cases written against TensorFlow.js on its wasm backend (XNNPACK, SIMD, one thread in Node).
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { ADD_BLOCK, CHAIN_OPS, MLP, type MlpData, type Subject } from "../cases.ts";

/**
 * Selects the wasm backend. In Node the backend's bundle loads `tfjs-backend-wasm-simd.wasm` from its own dist folder
 * through the file system, so no `setWasmPaths` call is needed.
 */
export async function initTfjs(): Promise<void> {
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
}

function read(x: tf.Tensor): Float32Array {
  const data = x.dataSync() as Float32Array;
  x.dispose();
  return data;
}

/** TensorFlow.js (wasm backend) as a benchmark subject; intermediates are disposed as soon as they are consumed. */
export const tfjs: Subject = {
  name: "tfjs-wasm",
  addChain(aData, bData) {
    const a = tf.tensor1d(aData);
    const b = tf.tensor1d(bData);
    return () => {
      let acc = tf.add(a, b);
      for (let i = 1; i < ADD_BLOCK; i++) {
        const next = tf.add(acc, b);
        acc.dispose();
        acc = next;
      }
      return read(acc);
    };
  },
  elementwiseChain(xData) {
    const x0 = tf.tensor1d(xData);
    const half = tf.scalar(0.5);
    const one = tf.scalar(1);
    return () => {
      let x: tf.Tensor = x0;
      for (let i = 0; i < CHAIN_OPS; i++) {
        const next = i % 3 === 0 ? tf.mul(x, half) : i % 3 === 1 ? tf.add(x, one) : tf.tanh(x);
        if (x !== x0) x.dispose();
        x = next;
      }
      return read(x);
    };
  },
  matmul(aData, bData, n) {
    const a = tf.tensor2d(aData, [n, n]);
    const b = tf.tensor2d(bData, [n, n]);
    return () => read(tf.matMul(a, b));
  },
  mlpStep(d: MlpData) {
    const { batch, inputs, hidden, outputs } = MLP;
    const x = tf.tensor2d(d.x, [batch, inputs]);
    const y = tf.tensor2d(d.y, [batch, outputs]);
    const params = [tf.tensor2d(d.w1, [inputs, hidden]), tf.tensor1d(d.b1), tf.tensor2d(d.w2, [hidden, outputs]), tf.tensor1d(d.b2)];
    const step = tf.valueAndGrads((...p: tf.Tensor[]) => {
      const h = tf.tanh(tf.add(tf.matMul(x, p[0]!), p[1]!));
      return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, p[2]!), p[3]!), y)));
    });
    return () => {
      const { value, grads } = tf.tidy(() => step(params));
      return [read(value), ...grads.map(read)];
    };
  },
};
