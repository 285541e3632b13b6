// The DA-MDP environment wrapper (papers.md §1.2(d), reference `MjxDiffEnvWrapper`): each denoising step of a K-step chain is an env step.
import { type Array, DriftError, np, random, tree } from "@drift/tensor";
import { Box, type Env, type Info, isVectorEnv } from "@drift/envs";
import { tanhSquash } from "@drift/policies";
import { toActionBox } from "../common/critics.ts";
import { type DamdpDiscounting, damdpDiscount } from "./transitions.ts";

/** Options of `damdpEnv`. */
export interface DamdpEnvOptions {
  /** Denoising steps K per env step. */
  steps: number;
  /** Prior std σ_0 of the fresh latent x_0 ~ N(0, σ_0² I) (3.0). */
  initStd?: number;
  /** The env executes clip(tanh(x_K), ±actionClip) mapped into its action box (0.999). */
  actionClip?: number;
  /** Discount reported in `info.discount` (0.999) and how it is applied ("augmented": every step; "env": last step only). */
  gamma?: number;
  discounting?: DamdpDiscounting;
}

/** State of the augmented env: the wrapped env's state, its current observation s, the latent x_k and the step k. */
export interface DamdpEnvState<S> {
  env: S;
  obs: Array;
  latent: Array;
  /** Denoising step k, int32 scalar. */
  step: Array;
}

/** The parts of an augmented observation concat(s, x_k, oneHot(k)). */
export interface DamdpObservation {
  obs: Array;
  latent: Array;
  /** int32. */
  step: Array;
}

/** Splits augmented observations [..., obsDim + d + K] (as `damdpEnv` emits) back into s, x_k and k. */
export function splitDamdpObservation(augmented: Array, obsDim: number, latentDim: number, steps: number): DamdpObservation {
  const width = augmented.shape[augmented.ndim - 1];
  if (width !== obsDim + latentDim + steps)
    throw new DriftError("splitDamdpObservation", `augmented observations must be [..., ${obsDim + latentDim + steps}] (obsDim + latentDim + steps); got [${augmented.shape.join(",")}]`);
  const [obs, latent, onehot] = np.split(augmented, [obsDim, obsDim + latentDim], -1) as [Array, Array, Array];
  return { obs, latent, step: np.argmax(onehot, -1).astype("int32") };
}

function flatSize(space: Box): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

/**
 * Wraps a single (non-vector) env with a Box action space into its diffusion-augmented MDP (papers.md §1.2(d)).
 * Observation: concat(s, x_k, oneHot(k, K)) (split it with `splitDamdpObservation`); action: the next latent
 * x_{k+1} ∈ R^d (d = the env's action size). For k < K−1 the env is frozen: s stays, x ← x_{k+1}, k ← k+1, reward
 * 0, never done. At k = K−1 the env executes clip(tanh(x_K), ±actionClip) (mapped into its action box), then
 * s ← s', a fresh x_0' ~ N(0, σ_0² I), k ← 0, and the env's reward, `terminated` and `truncated` pass through. The
 * entropy term −log(F_θ/B) is the algorithm's to add. `info` holds `envStep` (this step moved the env), `diffusionStep`
 * (k before the step), `discount` (`damdpDiscount`) and, for traceable envs, the wrapped env's info under `env`
 * (zeros on frozen steps). Traceable envs are stepped every call and selected with `np.where` (jit/vmap-safe);
 * others branch in JS on the concrete k. Vectorize the wrapped env (`vectorEnv`), not the other way round.
 */
export function damdpEnv<S, P>(env: Env<S, P>, opts: DamdpEnvOptions): Env<DamdpEnvState<S>, P> {
  const op = "damdpEnv";
  if (isVectorEnv(env)) throw new DriftError(op, `wrap a single env, then vectorize the augmented env (got a vector env of ${env.numEnvs})`);
  const K = opts.steps;
  const sigma0 = opts.initStd ?? 3.0;
  const clip = opts.actionClip ?? 0.999;
  const gamma = opts.gamma ?? 0.999;
  const discounting = opts.discounting ?? "augmented";
  if (!Number.isInteger(K) || K <= 0) throw new DriftError(op, `steps must be a positive integer; got ${K}`);
  if (!(sigma0 > 0)) throw new DriftError(op, `initStd must be positive; got ${sigma0}`);
  if (!(clip > 0 && clip <= 1)) throw new DriftError(op, `actionClip must be in (0, 1]; got ${clip}`);
  if (!(gamma >= 0 && gamma <= 1)) throw new DriftError(op, `gamma must be in [0, 1]; got ${gamma}`);
  if (discounting !== "augmented" && discounting !== "env") throw new DriftError(op, `discounting must be "augmented" or "env"; got ${JSON.stringify(discounting)}`);

  const spaces = (params: P) => {
    const obsSpace = env.observationSpace(params);
    const actSpace = env.actionSpace(params);
    if (!(obsSpace instanceof Box) || !(actSpace instanceof Box)) throw new DriftError(op, `${env.id}: needs Box observation and action spaces`);
    return { obsSpace, actSpace, obsDim: flatSize(obsSpace), d: flatSize(actSpace) };
  };
  const prior = (key: Array, d: number) => np.mul(random.normal(key, [d]), sigma0);
  const observe = (s: Array, x: Array, k: Array) => np.concatenate([np.reshape(s, [-1]).astype("float32"), x, np.oneHot(k, K, { dtype: "float32" })], -1);
  const envAction = (x: Array, actSpace: Box) => np.reshape(toActionBox(tanhSquash(x, clip), actSpace), actSpace.shape);
  const select = <T>(pred: Array, a: T, b: T): T => tree.map((x: Array, y: Array) => np.where(pred, x, y), a, b);

  return {
    id: `DAMDP(${env.id})`,
    defaultParams: env.defaultParams,
    traceable: env.traceable,
    observationSpace(params) {
      const { obsDim, d } = spaces(params);
      return new Box(-Infinity, Infinity, [obsDim + d + K], "float32");
    },
    actionSpace(params) {
      return new Box(-Infinity, Infinity, [spaces(params).d], "float32");
    },
    checkParams: (p) => env.checkParams(p),
    close: () => env.close?.(),
    reset(key, params) {
      const { d } = spaces(params);
      const [kEnv, kPrior] = [random.foldIn(key, 0), random.foldIn(key, 1)];
      const r = env.reset(kEnv, params);
      const latent = prior(kPrior, d);
      const step = np.zeros([], { dtype: "int32" });
      const obs = r.obs.astype("float32");
      return { obs: observe(obs, latent, step), state: { env: r.state, obs, latent, step } };
    },
    step(key, st, action, params) {
      const { actSpace, d } = spaces(params);
      const [kEnv, kPrior] = [random.foldIn(key, 0), random.foldIn(key, 1)];
      const x = np.reshape(action, [d]).astype("float32");
      const k = st.step.astype("int32");
      const last = np.equal(k, K - 1);
      const frozen = (info: Info) => ({
        obs: observe(st.obs, x, np.add(k, 1)),
        state: { env: st.env, obs: st.obs, latent: x, step: np.add(k, 1).astype("int32") },
        reward: np.zeros([]),
        terminated: np.array(false),
        truncated: np.array(false),
        info: { ...info, envStep: np.array(false), diffusionStep: k, discount: damdpDiscount(np.array(false), gamma, discounting) },
      });
      const moved = () => {
        const r = env.step(kEnv, st.env, envAction(x, actSpace), params);
        const obs = r.obs.astype("float32");
        const x0 = prior(kPrior, d);
        const step = np.zeros([], { dtype: "int32" });
        return {
          out: {
            obs: observe(obs, x0, step),
            state: { env: r.state, obs, latent: x0, step },
            reward: r.reward.astype("float32"),
            terminated: r.terminated,
            truncated: r.truncated,
            info: { envStep: np.array(true), diffusionStep: k, discount: damdpDiscount(np.array(true), gamma, discounting) } as Info,
          },
          envInfo: r.info,
        };
      };
      if (!env.traceable) {
        const kk = k.item();
        if (!(Number.isInteger(kk) && kk >= 0 && kk < K)) throw new DriftError(op, `state.step must be an integer in [0, ${K}); got ${kk}`);
        return kk === K - 1 ? moved().out : frozen({});
      }
      const { out, envInfo } = moved();
      const hold = frozen({});
      const zeros = tree.map((v: Array) => np.zerosLike(v), envInfo);
      return {
        obs: np.where(last, out.obs, hold.obs),
        state: select(last, out.state, hold.state as DamdpEnvState<S>),
        reward: np.where(last, out.reward, 0).astype("float32"),
        terminated: np.logicalAnd(last, out.terminated),
        truncated: np.logicalAnd(last, out.truncated),
        info: { env: select(last, envInfo, zeros), envStep: last, diffusionStep: k, discount: damdpDiscount(last, gamma, discounting) },
      };
    },
  };
}
