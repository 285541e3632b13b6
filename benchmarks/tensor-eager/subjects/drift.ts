// The benchmark cases written against @drift/tensor (eager: every op runs when called).
import { np, valueAndGrad, type Array as DriftArray } from "@drift/tensor";
import { ADD_BLOCK, CHAIN_OPS, MLP, type MlpData, type Subject } from "../cases.ts";

type Params = { w1: DriftArray; b1: DriftArray; w2: DriftArray; b2: DriftArray };

function mlpLoss(p: Params, x: DriftArray, y: DriftArray): DriftArray {
  const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
  return np.mean(np.square(np.matmul(h, p.w2).add(p.b2).sub(y)));
}

function read(x: DriftArray): Float32Array {
  return x.dataSync() as Float32Array;
}

/** @drift/tensor as a benchmark subject. */
export const drift: Subject = {
  name: "drift",
  addChain(aData, bData) {
    const a = np.array(aData);
    const b = np.array(bData);
    return () => {
      let acc = a.add(b);
      for (let i = 1; i < ADD_BLOCK; i++) acc = acc.add(b);
      return read(acc);
    };
  },
  elementwiseChain(xData) {
    const x0 = np.array(xData);
    return () => {
      let x = x0;
      for (let i = 0; i < CHAIN_OPS; i++) x = i % 3 === 0 ? x.mul(0.5) : i % 3 === 1 ? x.add(1) : x.tanh();
      return read(x);
    };
  },
  matmul(aData, bData, n) {
    const a = np.array(aData).reshape([n, n]);
    const b = np.array(bData).reshape([n, n]);
    return () => read(np.matmul(a, b));
  },
  mlpStep(d: MlpData) {
    const { batch, inputs, hidden, outputs } = MLP;
    const x = np.array(d.x).reshape([batch, inputs]);
    const y = np.array(d.y).reshape([batch, outputs]);
    const params: Params = {
      w1: np.array(d.w1).reshape([inputs, hidden]),
      b1: np.array(d.b1),
      w2: np.array(d.w2).reshape([hidden, outputs]),
      b2: np.array(d.b2),
    };
    const step = valueAndGrad(mlpLoss);
    return () => {
      const [loss, g] = step(params, x, y);
      return [read(loss), read(g.w1), read(g.b1), read(g.w2), read(g.b2)];
    };
  },
};
