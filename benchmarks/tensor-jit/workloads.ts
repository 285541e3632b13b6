// The measured programs: shapes, hyperparameters, seeded data, and the interface each library implements.

/** (b) MLP train step: batch 256, 64 → 256 → 256 → 64, ReLU, mean squared error, Adam. */
export const MLP = { batch: 256, sizes: [64, 256, 256, 64] } as const;
/** Adam hyperparameters of the MLP and SAC updates (Kingma & Ba, "Adam", ICLR 2015). */
export const ADAM = { b1: 0.9, b2: 0.999, eps: 1e-8 } as const;
/** Learning rate of the MLP step. */
export const MLP_LR = 1e-3;

/**
 * (c) SAC update (Haarnoja et al., "Soft Actor-Critic", ICML 2018): twin critics (obs ⊕ act → 256 → 256 → 1), a
 * Gaussian tanh-squashed actor (obs → 256 → 256 → mean, log-std), both Adam-updated from one batch, fixed temperature,
 * Polyak-averaged target critics.
 */
export const SAC = { batch: 256, obs: 17, act: 6, hidden: 256, gamma: 0.99, tau: 0.005, alpha: 0.2, lr: 3e-4, logStdMin: -5, logStdMax: 2 } as const;

/**
 * (d) DDPM sampling (Ho et al., "Denoising Diffusion Probabilistic Models", NeurIPS 2020) of 256 actions: 20 reverse
 * steps of ε-prediction with a noise MLP (x ⊕ obs ⊕ time embedding → 3 × 256 ReLU → 6) and a linear β schedule.
 */
export const DDPM = { batch: 256, act: 6, obs: 17, hidden: 256, steps: 20, temb: 16, betaStart: 1e-4, betaEnd: 0.02 } as const;

/** Seeded standard normals (mulberry32 + Box–Muller), the same in every run and for every library. */
export function normals(length: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  const unit = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = scale * Math.sqrt(-2 * Math.log(unit())) * Math.cos(2 * Math.PI * unit());
  return out;
}

/** A dense layer's weight [fanIn, fanOut] (He-normal) and zero bias [fanOut]. */
export interface Dense {
  w: Float32Array;
  b: Float32Array;
  fanIn: number;
  fanOut: number;
}

function dense(fanIn: number, fanOut: number, seed: number, gain = Math.sqrt(2)): Dense {
  return { w: normals(fanIn * fanOut, seed, gain / Math.sqrt(fanIn)), b: new Float32Array(fanOut), fanIn, fanOut };
}

/** MLP inputs, targets and initial layers. */
export interface MlpData {
  x: Float32Array;
  y: Float32Array;
  layers: Dense[];
}

/** SAC batch, exploration noise (fed in so every library samples the same actions) and networks. */
export interface SacData {
  obs: Float32Array;
  act: Float32Array;
  rew: Float32Array;
  done: Float32Array;
  nextObs: Float32Array;
  /** Standard normal noise of the next-state and current-state action samples, [batch, act] each. */
  epsNext: Float32Array;
  epsCur: Float32Array;
  /** Critic layers: obs part and action part of the first layer, then hidden and output layers. */
  critics: [SacCritic, SacCritic];
  actor: SacActor;
}

/** One critic: q = W3ᵀ relu(W2ᵀ relu(W1oᵀ obs + W1aᵀ act + b1) + b2) + b3. */
export interface SacCritic {
  l1o: Dense;
  l1a: Dense;
  l2: Dense;
  l3: Dense;
}

/** The actor trunk and its two heads. */
export interface SacActor {
  l1: Dense;
  l2: Dense;
  mu: Dense;
  logStd: Dense;
}

/** DDPM conditioning, starting noise, per-step noise, schedule coefficients (in sampling order) and noise MLP. */
export interface DdpmData {
  obs: Float32Array;
  xT: Float32Array;
  /** Per-step noise z, [steps, batch, act]. */
  z: Float32Array;
  /** x ← c1·(x − c2·ε) + σ·z per step, in sampling order (t = T−1 … 0). */
  c1: Float32Array;
  c2: Float32Array;
  sigma: Float32Array;
  /** Sinusoidal time embedding per step, [steps, temb]. */
  temb: Float32Array;
  /** First layer split by input (x, obs, temb), then 3 more layers. */
  l1x: Dense;
  l1o: Dense;
  l1t: Dense;
  l2: Dense;
  l3: Dense;
  out: Dense;
}

/** Deterministic inputs of the three workloads. */
export function makeData(): { mlp: MlpData; sac: SacData; ddpm: DdpmData } {
  const { batch, sizes } = MLP;
  const mlp: MlpData = {
    x: normals(batch * sizes[0], 1),
    y: normals(batch * sizes[3], 2),
    layers: [dense(sizes[0], sizes[1], 3), dense(sizes[1], sizes[2], 4), dense(sizes[2], sizes[3], 5, 1)],
  };
  const s = SAC;
  const critic = (seed: number): SacCritic => ({
    l1o: dense(s.obs, s.hidden, seed),
    l1a: dense(s.act, s.hidden, seed + 1),
    l2: dense(s.hidden, s.hidden, seed + 2),
    l3: dense(s.hidden, 1, seed + 3, 1),
  });
  const sac: SacData = {
    obs: normals(s.batch * s.obs, 10),
    act: normals(s.batch * s.act, 11, 0.5).map(Math.tanh),
    rew: normals(s.batch, 12),
    done: normals(s.batch, 13).map((v) => (v > 1.5 ? 1 : 0)),
    nextObs: normals(s.batch * s.obs, 14),
    epsNext: normals(s.batch * s.act, 15),
    epsCur: normals(s.batch * s.act, 16),
    critics: [critic(20), critic(30)],
    actor: { l1: dense(s.obs, s.hidden, 40), l2: dense(s.hidden, s.hidden, 41), mu: dense(s.hidden, s.act, 42, 0.1), logStd: dense(s.hidden, s.act, 43, 0.1) },
  };
  const d = DDPM;
  const betas = Array.from({ length: d.steps }, (_, t) => d.betaStart + ((d.betaEnd - d.betaStart) * t) / (d.steps - 1));
  const alphaBar: number[] = [];
  betas.forEach((b, t) => alphaBar.push((t === 0 ? 1 : alphaBar[t - 1]!) * (1 - b)));
  const order = Array.from({ length: d.steps }, (_, i) => d.steps - 1 - i);
  const temb = new Float32Array(d.steps * d.temb);
  order.forEach((t, i) => {
    for (let j = 0; j < d.temb / 2; j++) {
      const freq = Math.exp((-Math.log(1000) * j) / (d.temb / 2));
      temb[i * d.temb + j] = Math.sin(t * freq);
      temb[i * d.temb + d.temb / 2 + j] = Math.cos(t * freq);
    }
  });
  const ddpm: DdpmData = {
    obs: normals(d.batch * d.obs, 50),
    xT: normals(d.batch * d.act, 51),
    z: normals(d.steps * d.batch * d.act, 52),
    c1: Float32Array.from(order, (t) => 1 / Math.sqrt(1 - betas[t]!)),
    c2: Float32Array.from(order, (t) => betas[t]! / Math.sqrt(1 - alphaBar[t]!)),
    sigma: Float32Array.from(order, (t) => (t === 0 ? 0 : Math.sqrt(betas[t]!))),
    temb,
    l1x: dense(d.act, d.hidden, 60),
    l1o: dense(d.obs, d.hidden, 61),
    l1t: dense(d.temb, d.hidden, 62),
    l2: dense(d.hidden, d.hidden, 63),
    l3: dense(d.hidden, d.hidden, 64),
    out: dense(d.hidden, d.act, 65, 1),
  };
  return { mlp, sac, ddpm };
}

/** A prepared workload: `run` performs one timed call and returns values read back for the agreement check. */
export interface Prepared {
  run(): ArrayLike<number>;
  /** Multiply-add FLOPs (2 per multiply-add) of the matmuls in one call, where the subject can count them. */
  readonly matmulFlops?: number;
}

/** One library's implementation of the three programs, each prepared (traced, compiled, uploaded) once. */
export interface Subject {
  readonly name: string;
  /** One MLP train step per call (state carried between calls); returns [loss]. */
  mlp(data: MlpData): Prepared;
  /** One SAC update per call (state carried); returns [critic loss, actor loss]. */
  sac(data: SacData): Prepared;
  /** One 20-step sampling of 256 actions per call; returns the samples. */
  ddpm(data: DdpmData): Prepared;
  /**
   * (e) Acting: the SAC actor's tanh-Gaussian action for one observation (the first of the batch, with the first row
   * of the current-state noise), read back, per call; returns the action.
   */
  act(data: SacData): Prepared;
}
