// Flow-matching / rectified-flow samplers: Euler, midpoint and Heun ODE steps from noise (t = 0) to data (t = 1), and an Euler–Maruyama SDE.
import { DriftError, np, random, type Array, type DType } from "@drift/tensor";
import { type Inpainting, type ModelFn, makeInpaint, scanSteps, splitN, stepInputs } from "./common.ts";

/** Integration methods of `flowSample`. */
export const FLOW_METHODS = ["euler", "midpoint", "heun"] as const;
/** A flow integration method. */
export type FlowMethod = (typeof FLOW_METHODS)[number];

/** Options of `flowSample`. */
export interface FlowSampleOptions {
  /** Shape of the sample (required unless `x0` is given). */
  shape?: readonly number[];
  /** Number of uniform steps on [0, 1] (default 10). */
  steps?: number;
  /** "euler" (1 call/step), "midpoint" (2) or "heun" (2) (default "euler"). */
  method?: FlowMethod;
  /** The initial noise x_0 (default N(0, I)). */
  x0?: Array;
  /** Float dtype when `x0` is absent (default float32). */
  dtype?: DType;
  /**
   * SDE mode (Euler–Maruyama, method "euler" only): diffusion g(t)² = noise·(1 − t) with the drift corrected by
   * ½g²·∇log p_t so that the marginals are unchanged (SiT, Ma et al. 2024 §2.3, w_t ∝ σ_t). Default 0: the ODE.
   */
  noise?: number;
  /** Replace known entries by (1 − t)·z + t·values at every grid time (`noised: false`: by the clean values). */
  inpaint?: Inpainting;
}

/**
 * Samples the flow ODE dx/dt = v(x, t) from x_0 ~ N(0, I) at t = 0 to t = 1 on a uniform grid of `steps`, for the
 * path x_t = (1 − t)x_0 + t·x_1 (Lipman et al. 2023; Liu et al. 2023; FlowRL CNF: x += v/steps). Methods: Euler
 * x ← x + h·v(x, t); midpoint x ← x + h·v(x + ½h·v(x, t), t + ½h); Heun x ← x + ½h·(v(x, t) + v(x + h·v(x, t), t + h)).
 * With `noise` > 0 (Euler only) the step is stochastic: using the score ∇log p_t(x) = −(x − t·v)/(1 − t) of the
 * Gaussian path, x ← x + h·(v − ½noise·(x − t·v)) + √(noise·(1 − t)·h)·z.
 */
export function flowSample(velocity: ModelFn, key: Array, opts: FlowSampleOptions = {}): Array {
  const op = "flowSample";
  if (typeof velocity !== "function") throw new DriftError(op, `velocity must be a function (x, t) => v; got ${typeof velocity}`);
  const method = opts.method ?? "euler";
  if (!(FLOW_METHODS as readonly string[]).includes(method)) throw new DriftError(op, `unknown method "${method}"; valid methods: ${FLOW_METHODS.join(", ")}`);
  const steps = opts.steps ?? 10;
  if (!Number.isInteger(steps) || steps <= 0) throw new DriftError(op, `steps must be a positive integer; got ${steps}`);
  const noise = opts.noise ?? 0;
  if (!(noise >= 0)) throw new DriftError(op, `noise must be ≥ 0; got ${noise}`);
  if (noise > 0 && method !== "euler") throw new DriftError(op, `the SDE mode (noise > 0) needs method "euler"; got "${method}"`);
  const dtype = opts.x0?.dtype ?? opts.dtype ?? "float32";
  const [kInit, kInpaint, kSteps] = splitN(key, 3);
  let x: Array;
  if (opts.x0) x = opts.x0;
  else {
    if (!opts.shape) throw new DriftError(op, "either options.shape or options.x0 is required");
    x = random.normal(kInit, opts.shape as number[], { dtype });
  }
  const inpaint = makeInpaint(opts.inpaint, dtype);
  x = inpaint(x, np.array(0, { dtype }), np.array(1, { dtype }), kInpaint);
  const h = 1 / steps;
  const v = (xx: Array, t: Array): Array => {
    const out = velocity(xx, t);
    if (!out || out.shape.length !== xx.shape.length || out.shape.some((d, i) => d !== xx.shape[i]))
      throw new DriftError(op, `the velocity must return an array shaped like x [${xx.shape.join(",")}]; got [${out?.shape?.join(",")}]`);
    return np.astype(out, dtype);
  };
  const ts = globalThis.Array.from({ length: steps }, (_, i) => i * h);
  const cols = {
    t: ts,
    tMid: ts.map((t) => t + h / 2),
    tNext: ts.map((_, i) => (i + 1) * h),
    sNext: ts.map((_, i) => 1 - (i + 1) * h),
    std: ts.map((t) => Math.sqrt(noise * (1 - t) * h)),
  };
  return scanSteps(
    (xc, r) => {
      const [kz, ki] = splitN(r.key!, 2);
      const v0 = v(xc, r.t!);
      let next: Array;
      if (method === "midpoint") next = np.add(xc, np.mul(v(np.add(xc, np.mul(v0, h / 2)), r.tMid!), h));
      else if (method === "heun") next = np.add(xc, np.mul(np.add(v0, v(np.add(xc, np.mul(v0, h)), r.tNext!)), h / 2));
      else if (noise > 0) {
        const drift = np.sub(v0, np.mul(np.sub(xc, np.mul(v0, r.t!)), noise / 2));
        next = np.add(np.add(xc, np.mul(drift, h)), np.mul(random.normal(kz, xc.shape, { dtype }), r.std!));
      } else next = np.add(xc, np.mul(v0, h));
      return inpaint(next, r.tNext!, r.sNext!, ki);
    },
    x,
    stepInputs(cols, dtype, random.split(kSteps, steps)),
  );
}
