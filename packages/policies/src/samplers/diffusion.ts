// Diffusion samplers on a time grid: DDPM ancestral, DDIM(η), DPM-Solver-2, DPM-Solver++(2M) and the EDM Heun sampler.
import { DriftError, np, random, type Array } from "@drift/tensor";
import { timeOfLambda, type NoiseSchedule, type TimeGrid } from "../schedules.ts";
import { type DiffusionSampleOptions, type ModelFn, type SamplerSetup, scanSteps, setupDiffusion, splitN, stepInputs } from "./common.ts";

/** Per-step columns every sampler carries: current t, α, σ and next α, σ (for inpainting). */
function baseColumns(grid: TimeGrid, i: number): Record<string, number> {
  return { t: grid.t[i]!, a: grid.alpha[i]!, s: grid.sigma[i]!, aN: grid.alpha[i + 1]!, sN: grid.sigma[i + 1]! };
}

/** Builds column lists from a per-step function over N steps. */
function columns(n: number, f: (i: number) => Record<string, number>): Record<string, number[]> {
  const cols: Record<string, number[]> = {};
  for (let i = 0; i < n; i++) for (const [k, v] of Object.entries(f(i))) (cols[k] ??= []).push(v);
  return cols;
}

/**
 * The transition s ← t between two grid points of any schedule (Kingma et al. 2021 "VDM" eqs. 23–25):
 * α_{t|s} = α_t/α_s, σ²_{t|s} = σ_t² − α²_{t|s}σ_s², and the posterior q(x_s | x_t, x_0) with mean
 * (α_s σ²_{t|s}/σ_t²)·x_0 + (α_{t|s} σ_s²/σ_t²)·x_t and variance σ²_{t|s}σ_s²/σ_t². For consecutive discrete steps
 * these are DDPM's β_t, √ᾱ_{t−1}β_t/(1 − ᾱ_t), √α_t(1 − ᾱ_{t−1})/(1 − ᾱ_t) and β̃_t (Ho et al. 2020 eqs. 6–7).
 */
function transition(grid: TimeGrid, i: number): { c0: number; cx: number; varPost: number; varBeta: number } {
  const [at, st, as, ss] = [grid.alpha[i]!, grid.sigma[i]!, grid.alpha[i + 1]!, grid.sigma[i + 1]!];
  const ats = at / as;
  const s2ts = Math.max(st * st - ats * ats * ss * ss, 0);
  return { c0: (as * s2ts) / (st * st), cx: (ats * ss * ss) / (st * st), varPost: (s2ts * ss * ss) / (st * st), varBeta: s2ts };
}

/** Options of `ddpmSample`. */
export interface DdpmOptions extends DiffusionSampleOptions {
  /**
   * Reverse-step variance: "posterior" β̃_t = σ²_{t|s}σ_s²/σ_t² (default; DWM) or "beta" σ²_{t|s} (= β_t; FlowRL
   * `ddpm.py`); Ho et al. 2020 §3.2 report similar results for both.
   */
  variance?: "posterior" | "beta";
  /** Multiplies the step noise std (DWM's low-temperature sampling uses 0.5; default 1). */
  temperature?: number;
}

/**
 * DDPM ancestral sampling (Ho et al. 2020 Alg. 2; FlowRL `ddpm.py`/`continuous_ddpm.py`): at each grid step
 * x̂_0 = (x_t − σ_t ε̂)/α_t (optionally clipped, `clipX0`), x_s = c_0·x̂_0 + c_x·x_t + std·z, with no noise on the
 * last step. A grid with fewer steps than the schedule (`steps` < K) is stride sampling (DWM, papers.md §3.1). Stochastic.
 */
export function ddpmSample(model: ModelFn, key: Array, opts: DdpmOptions): Array {
  const op = "ddpmSample";
  const variance = opts.variance ?? "posterior";
  if (variance !== "posterior" && variance !== "beta") throw new DriftError(op, `unknown variance "${variance}"; valid: posterior, beta`);
  const temp = opts.temperature ?? 1;
  if (!(temp >= 0)) throw new DriftError(op, `temperature must be ≥ 0; got ${temp}`);
  const S = setupDiffusion(op, model, key, opts);
  const n = S.grid.t.length - 1;
  const cols = columns(n, (i) => {
    const tr = transition(S.grid, i);
    const v = variance === "posterior" ? tr.varPost : tr.varBeta;
    return { ...baseColumns(S.grid, i), c0: tr.c0, cx: tr.cx, std: i === n - 1 ? 0 : temp * Math.sqrt(v) };
  });
  return scanSteps(
    (x, r) => {
      const [kz, ki] = splitN(r.key!, 2);
      const [, x0] = S.denoise(x, r.t!, r.a!, r.s!);
      const mean = np.add(np.mul(x0, r.c0!), np.mul(x, r.cx!));
      const next = np.add(mean, np.mul(random.normal(kz, x.shape, { dtype: S.dtype }), r.std!));
      return S.inpaint(next, r.aN!, r.sN!, ki);
    },
    S.x,
    stepInputs(cols, S.dtype, S.stepKeys),
  );
}

/** Options of `ddimSample`. */
export interface DdimOptions extends DiffusionSampleOptions {
  /** Stochasticity η ∈ [0, 1]: 0 is the deterministic probability-flow ODE solver, 1 matches DDPM's posterior variance (default 0). */
  eta?: number;
}

/**
 * DDIM (Song, Meng & Ermon 2021, eq. 12 with σ_t(η) from eq. 16, written for any α, σ):
 * x_s = α_s·x̂_0 + √(σ_s² − σ_η²)·ε̂ + σ_η·z with σ_η = η·(σ_s/σ_t)·σ_{t|s}. η = 0 is deterministic (ODE), η > 0 stochastic (SDE).
 */
export function ddimSample(model: ModelFn, key: Array, opts: DdimOptions): Array {
  const op = "ddimSample";
  const eta = opts.eta ?? 0;
  if (!(eta >= 0)) throw new DriftError(op, `eta must be ≥ 0; got ${eta}`);
  const S = setupDiffusion(op, model, key, opts);
  const n = S.grid.t.length - 1;
  const cols = columns(n, (i) => {
    const std = eta * Math.sqrt(transition(S.grid, i).varPost);
    const sN = S.grid.sigma[i + 1]!;
    return { ...baseColumns(S.grid, i), ce: Math.sqrt(Math.max(sN * sN - std * std, 0)), std };
  });
  return scanSteps(
    (x, r) => {
      const [kz, ki] = splitN(r.key!, 2);
      const [eps, x0] = S.denoise(x, r.t!, r.a!, r.s!);
      let next = np.add(np.mul(x0, r.aN!), np.mul(eps, r.ce!));
      if (eta > 0) next = np.add(next, np.mul(random.normal(kz, x.shape, { dtype: S.dtype }), r.std!));
      return S.inpaint(next, r.aN!, r.sN!, ki);
    },
    S.x,
    stepInputs(cols, S.dtype, S.stepKeys),
  );
}

function lambdaOf(a: number, s: number): number {
  return Math.log(a) - Math.log(s);
}

/**
 * DPM-Solver-2 (Lu et al. 2022, "DPM-Solver", Alg. 1 with r_1 = ½; ODE, deterministic): with λ = log(α/σ) and
 * h = λ_s − λ_t, the midpoint t_m has λ_m = λ_t + h/2 and
 * u = (α_m/α_t)x_t − σ_m(e^{h/2} − 1)ε̂(x_t, t), x_s = (α_s/α_t)x_t − σ_s(e^h − 1)ε̂(u, t_m),
 * with σ(e^h − 1) written as α_sσ_t/α_t − σ_s so a final σ_s = 0 needs no infinity; a step that ends at σ = 0 is
 * taken first order (DDIM). Two model calls per step.
 */
export function dpmSolver2Sample(model: ModelFn, key: Array, opts: DiffusionSampleOptions): Array {
  const op = "dpmSolver2Sample";
  const S = setupDiffusion(op, model, key, opts);
  const g = S.grid;
  const sched: NoiseSchedule = opts.schedule;
  const cols = columns(g.t.length - 1, (i) => {
    const [tt, at, st, ts, as, ss] = [g.t[i]!, g.alpha[i]!, g.sigma[i]!, g.t[i + 1]!, g.alpha[i + 1]!, g.sigma[i + 1]!];
    let tm = tt;
    let am = at;
    let sm = st;
    if (ss > 0) {
      tm = timeOfLambda(sched, 0.5 * (lambdaOf(at, st) + lambdaOf(as, ss)), Math.min(ts, tt), Math.max(ts, tt));
      am = sched.alphaAt(tm);
      sm = sched.sigmaAt(tm);
    }
    return { ...baseColumns(g, i), tm, am, sm, ux: am / at, ue: (am * st) / at - sm, xx: as / at, xe: (as * st) / at - ss };
  });
  return scanSteps(
    (x, r) => {
      const [eps] = S.denoise(x, r.t!, r.a!, r.s!);
      const u = np.sub(np.mul(x, r.ux!), np.mul(eps, r.ue!));
      const [epsM] = S.denoise(u, r.tm!, r.am!, r.sm!);
      const next = np.sub(np.mul(x, r.xx!), np.mul(epsM, r.xe!));
      return S.inpaint(next, r.aN!, r.sN!, r.key!);
    },
    S.x,
    stepInputs(cols, S.dtype, S.stepKeys),
  );
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022b, "DPM-Solver++", Alg. 2; ODE, deterministic), data prediction with one model call
 * per step: x_s = (σ_s/σ_t)x_t − α_s(e^{−h} − 1)·D with D = (1 + 1/(2r))x̂_0 − (1/(2r))x̂_0^{prev},
 * r = h_{prev}/h; the first and the last step are first order (the reference's `lower_order_final`).
 */
export function dpmSolverPP2MSample(model: ModelFn, key: Array, opts: DiffusionSampleOptions): Array {
  const op = "dpmSolverPP2MSample";
  const S = setupDiffusion(op, model, key, opts);
  const g = S.grid;
  const n = g.t.length - 1;
  const h = (i: number): number => lambdaOf(g.alpha[i + 1]!, g.sigma[i + 1]!) - lambdaOf(g.alpha[i]!, g.sigma[i]!);
  const cols = columns(n, (i) => {
    const [at, st, as, ss] = [g.alpha[i]!, g.sigma[i]!, g.alpha[i + 1]!, g.sigma[i + 1]!];
    const first = i === 0 || i === n - 1;
    const r = first ? 1 : h(i - 1) / h(i);
    return { ...baseColumns(g, i), cx: ss / st, cd: as - (at * ss) / st, wCur: first ? 1 : 1 + 1 / (2 * r), wPrev: first ? 0 : -1 / (2 * r) };
  });
  const [x] = scanSteps(
    ([x, prev]: [Array, Array], r) => {
      const [, x0] = S.denoise(x, r.t!, r.a!, r.s!);
      const d = np.add(np.mul(x0, r.wCur!), np.mul(prev, r.wPrev!));
      const next = np.add(np.mul(x, r.cx!), np.mul(d, r.cd!));
      return [S.inpaint(next, r.aN!, r.sN!, r.key!), x0];
    },
    [S.x, np.zerosLike(S.x)] as [Array, Array],
    stepInputs(cols, S.dtype, S.stepKeys),
  );
  return x;
}

/** Options of `heunSample`. */
export interface HeunOptions extends DiffusionSampleOptions {
  /** Karras S_churn (default 0: deterministic); γ_i = min(S_churn/N, √2 − 1) where σ̃_i ∈ [S_tmin, S_tmax]. */
  churn?: number;
  sTmin?: number;
  sTmax?: number;
  /** Karras S_noise (default 1). */
  sNoise?: number;
}

/**
 * The EDM sampler (Karras et al. 2022, Alg. 2; Alg. 1 when churn = 0), for any schedule through the scaled variables
 * y = x/α and σ̃ = σ/α, whose probability-flow ODE is dy/dσ̃ = ε̂ (Karras eq. 4 with s = α): optional churn
 * σ̃ → σ̃(1 + γ) with fresh noise, an Euler step, then Heun's correction except when the step ends at σ = 0.
 * Deterministic without churn (ODE), stochastic with it (SDE).
 */
export function heunSample(model: ModelFn, key: Array, opts: HeunOptions): Array {
  const op = "heunSample";
  const churn = opts.churn ?? 0;
  const sTmin = opts.sTmin ?? 0;
  const sTmax = opts.sTmax ?? Infinity;
  const sNoise = opts.sNoise ?? 1;
  if (!(churn >= 0) || !(sNoise >= 0)) throw new DriftError(op, `churn and sNoise must be ≥ 0; got ${churn}, ${sNoise}`);
  const S: SamplerSetup = setupDiffusion(op, model, key, opts);
  const g = S.grid;
  const sched = opts.schedule;
  const n = g.t.length - 1;
  const tilde = (i: number): number => g.sigma[i]! / g.alpha[i]!;
  const cols = (i: number): Record<string, number> => {
    const st = tilde(i);
    const gamma = st >= sTmin && st <= sTmax ? Math.min(churn / n, Math.SQRT2 - 1) : 0;
    let th = g.t[i]!;
    let sh = st;
    if (gamma > 0) {
      th = timeOfLambda(sched, -Math.log(st * (1 + gamma)), Math.min(g.t[i]!, sched.tMax), Math.max(g.t[i]!, sched.tMax));
      sh = sched.sigmaAt(th) / sched.alphaAt(th);
    }
    return { ...baseColumns(g, i), th, ah: sched.alphaAt(th), sth: sh, shh: sh * sched.alphaAt(th), sCur: st, sNext: tilde(i + 1), churnStd: sNoise * Math.sqrt(Math.max(sh * sh - st * st, 0)) };
  };
  const step = (second: boolean) => (y: Array, r: Record<string, Array>): Array => {
    const [kz, ki] = splitN(r.key!, 2);
    const yh = churn > 0 ? np.add(y, np.mul(random.normal(kz, y.shape, { dtype: S.dtype }), r.churnStd!)) : y;
    const [e1] = S.denoise(np.mul(yh, r.ah!), r.th!, r.ah!, r.shh!);
    const dt = np.sub(r.sNext!, r.sth!);
    let yn = np.add(yh, np.mul(e1, dt));
    if (second) {
      const [e2] = S.denoise(np.mul(yn, r.aN!), r.tN!, r.aN!, r.sN!);
      yn = np.add(yh, np.mul(np.add(e1, e2), np.mul(dt, 0.5)));
    }
    return np.div(S.inpaint(np.mul(yn, r.aN!), r.aN!, r.sN!, ki), r.aN!);
  };
  const last = g.sigma[n]! === 0 ? n - 1 : n;
  const withNext = (i: number): Record<string, number> => ({ ...cols(i), tN: g.t[i + 1]! });
  const keysHead = np.slice(S.stepKeys, [0, last]);
  const keysTail = np.slice(S.stepKeys, [last, n]);
  let y = np.div(S.x, g.alpha[0]!);
  y = scanSteps(step(true), y, stepInputs(columns(last, withNext), S.dtype, keysHead));
  y = scanSteps(step(false), y, stepInputs(columns(n - last, (j) => withNext(last + j)), S.dtype, keysTail));
  return np.mul(y, g.alpha[n]!);
}

/** Names of the diffusion samplers accepted by `diffusionSample`. */
export const DIFFUSION_SAMPLERS = ["ddpm", "ddim", "dpm-solver-2", "dpm-solver++2m", "heun"] as const;
/** A diffusion sampler name. */
export type DiffusionSamplerName = (typeof DIFFUSION_SAMPLERS)[number];

/** Options of `diffusionSample`: the union of every sampler's options. */
export type AnySamplerOptions = DdpmOptions & DdimOptions & HeunOptions;

/** Runs the diffusion sampler called `name`; throws a DriftError listing the valid names for an unknown one. */
export function diffusionSample(name: DiffusionSamplerName, model: ModelFn, key: Array, opts: AnySamplerOptions): Array {
  switch (name) {
    case "ddpm":
      return ddpmSample(model, key, opts);
    case "ddim":
      return ddimSample(model, key, opts);
    case "dpm-solver-2":
      return dpmSolver2Sample(model, key, opts);
    case "dpm-solver++2m":
      return dpmSolverPP2MSample(model, key, opts);
    case "heun":
      return heunSample(model, key, opts);
    default:
      throw new DriftError("diffusionSample", `unknown sampler "${String(name)}"; valid samplers: ${DIFFUSION_SAMPLERS.join(", ")}`);
  }
}
