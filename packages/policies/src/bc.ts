// Behaviour-cloning losses for the policy heads: denoising (ε-MSE), conditional flow matching and negative log-likelihood.
import { DriftError, np, random, type Array } from "@drift/tensor";
import type { DiffusionHead, FlowHead, GenerativeParams, PolicyHead } from "./heads.ts";
import { flowPath, predictionTarget, qSample, sampleTrainingTimes } from "./noising.ts";
import { splitN } from "./samplers/common.ts";

function checkBatch(op: string, obs: Array, actions: Array, obsDim: number, actDim: number): void {
  if (obs.ndim < 1 || obs.shape[obs.ndim - 1] !== obsDim) throw new DriftError(op, `obs has shape [${obs.shape.join(",")}]; its last axis must be ${obsDim}`);
  if (actions.ndim < 1 || actions.shape[actions.ndim - 1] !== actDim)
    throw new DriftError(op, `actions has shape [${actions.shape.join(",")}]; its last axis must be ${actDim}`);
  const lead = actions.shape.slice(0, -1);
  if (obs.shape.length !== actions.shape.length || obs.shape.slice(0, -1).some((d, i) => d !== lead[i]))
    throw new DriftError(op, `obs [${obs.shape.join(",")}] and actions [${actions.shape.join(",")}] must share their leading axes`);
}

/** Options of the BC losses. */
export interface BcLossOptions {
  /** Per-example weights with the batch's leading shape (weighted mean, normalised by the number of examples). */
  weights?: Array;
}

function reduce(perExample: Array, weights: Array | undefined): Array {
  return weights ? np.mean(np.mul(perExample, weights)) : np.mean(perExample);
}

/**
 * Denoising behaviour-cloning loss of a diffusion head (Ho et al. 2020 Alg. 1, eq. 14; FlowRL
 * `jit_update_continuous_ddpm`): t from `sampleTrainingTimes`, ε ~ N(0, I), x_t = α(t)a + σ(t)ε, loss =
 * mean over batch and action dims of (f_θ(x_t, t, s) − target)², target = ε for the ε-parameterization (else x_0 or v).
 */
export function diffusionBcLoss(head: DiffusionHead, params: GenerativeParams, key: Array, obs: Array, actions: Array, opts: BcLossOptions = {}): Array {
  checkBatch("diffusionBcLoss", obs, actions, head.obsDim, head.actDim);
  const [kt, kn] = splitN(key, 2);
  const t = sampleTrainingTimes(kt, head.schedule, actions.shape.slice(0, -1), { dtype: actions.dtype === "float64" ? "float64" : "float32" });
  const { xt, eps, alpha, sigma } = qSample(kn, head.schedule, actions, t);
  const target = predictionTarget(head.prediction, actions, eps, alpha, sigma);
  const err = np.mean(np.square(np.sub(head.predict(params, obs, xt, t), target)), -1);
  return reduce(err, opts.weights);
}

/**
 * Conditional flow-matching behaviour-cloning loss of a flow head (Lipman et al. 2023 eq. 23 with σ_min = 0; Liu et al.
 * 2023 rectified flow; FlowRL CNF): t ~ U(0, 1), x_0 ~ N(0, I), x_t = (1 − t)x_0 + t·a, loss = mean of
 * (v_θ(x_t, t, s) − (a − x_0))².
 */
export function flowBcLoss(head: FlowHead, params: GenerativeParams, key: Array, obs: Array, actions: Array, opts: BcLossOptions = {}): Array {
  checkBatch("flowBcLoss", obs, actions, head.obsDim, head.actDim);
  const [kt, kn] = splitN(key, 2);
  const dtype = actions.dtype === "float64" ? "float64" : "float32";
  const t = random.uniform(kt, actions.shape.slice(0, -1), { dtype });
  const x0 = random.normal(kn, actions.shape, { dtype });
  const { xt, velocity } = flowPath(x0, actions, t);
  const err = np.mean(np.square(np.sub(head.velocity(params, obs, xt, t), velocity)), -1);
  return reduce(err, opts.weights);
}

/** Maximum-likelihood behaviour cloning for heads with a density: −mean log π(a|s) (optionally weighted, as AWR). */
export function nllBcLoss<P>(head: PolicyHead<P>, params: P, obs: Array, actions: Array, opts: BcLossOptions = {}): Array {
  if (!head.logProb) throw new DriftError("nllBcLoss", "the head has no logProb (use diffusionBcLoss or flowBcLoss for generative heads)");
  checkBatch("nllBcLoss", obs, actions, head.obsDim, head.actDim);
  return np.neg(reduce(head.logProb(params, obs, actions), opts.weights));
}
