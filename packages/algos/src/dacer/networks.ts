// DACER networks: a diffusion actor (noise net over a 20-step DDPM chain) and twin Gaussian (distributional) critics.
import { type Array, np } from "@drift/tensor";
import { type DiffusionHead, diffusionHead } from "@drift/policies";
import type { layers } from "@drift/nn";
import { qEnsemble } from "../common/critics.ts";

/** Network sizes read from the config. */
export interface DacerNetworkConfig {
  actorHidden: readonly number[];
  actorActivation: string;
  /** Width of the learnable Fourier time embedding. */
  timeDim: number;
  /** Denoising steps of the reverse chain. */
  diffusionSteps: number;
  criticHidden: readonly number[];
  criticActivation: string;
  numCritics: number;
}

/** A return distribution N(mean, std²) per member: each [size, B]. */
export interface GaussianQ {
  mean: Array;
  std: Array;
}

/**
 * An ensemble of Gaussian critics Z_i(s, a) ~ N(μ_i, σ_i²) (DSAC-T value distribution, used by DACER):
 * each member is an MLP on concat(s, a) with two outputs, μ and σ = softplus(raw).
 */
export interface GaussianQEnsemble {
  size: number;
  init(key: Array, opts?: { dtype?: "float32" | "float64" }): unknown;
  apply(params: unknown, obs: Array, act: Array): GaussianQ;
}

/** Twin (or `size`) Gaussian critics sharing inputs. */
export function gaussianQEnsemble(opts: { obsDim: number; actDim: number; hidden: readonly number[]; size: number; activation: string }): GaussianQEnsemble {
  const ens = qEnsemble({ ...opts, outputs: 2 });
  return {
    size: opts.size,
    init: (key, o) => ens.init(key, o),
    apply(params, obs, act) {
      const [mean, raw] = np.split(ens.apply(params, obs, act), 2, -1) as [Array, Array];
      return { mean: np.squeeze(mean, -1), std: np.softplus(np.squeeze(raw, -1)) };
    },
  };
}

/**
 * The DACER actor and critic (papers.md §2.3(c), §2.5): the FlowRL diffusion head (noise net on x_t, Fourier time
 * embedding and an observation embedding; continuous cosine schedule; DDPM with β-variance; x̂_0 and actions clipped
 * to [−1, 1]) and the Gaussian critic ensemble.
 */
export function dacerNetworks(obsDim: number, actDim: number, c: DacerNetworkConfig): { actor: DiffusionHead; critic: GaussianQEnsemble } {
  const actor = diffusionHead({
    obsDim,
    actDim,
    hidden: c.actorHidden,
    activation: c.actorActivation as layers.Activation,
    timeDim: c.timeDim,
    steps: c.diffusionSteps,
  });
  const critic = gaussianQEnsemble({ obsDim, actDim, hidden: c.criticHidden, size: c.numCritics, activation: c.criticActivation });
  return { actor, critic };
}
