// Ensembles of one module (FlowRL's `Ensemblize`): n independent parameter sets stacked on a leading axis and vmapped.
import { random, vmap, type Array } from "@drift/tensor";
import type { InitOptions, Module } from "./module.ts";
import { checkPositiveInt } from "./module.ts";

/** An ensemble of `size` copies of a module; its parameters are the member pytree with a leading [size] axis. */
export interface Ensemble<P, Args extends unknown[], Out> extends Module<P, Args, Out> {
  /** Number of members. */
  readonly size: number;
  /** Applies member i to its own inputs: every array in `args` has a leading [size] axis. */
  applyEach(params: P, ...args: Args): Out;
}

/**
 * `ensemble(module, n)`: `init` vmaps the member `init` over n split keys (so members differ); `apply` vmaps the
 * member `apply` over the parameters with the inputs shared, stacking outputs on a new leading axis [n, ...];
 * `applyEach` also maps the leading axis of the inputs.
 */
export function ensemble<P, Args extends unknown[], Out>(module: Module<P, Args, Out>, n: number): Ensemble<P, Args, Out> {
  checkPositiveInt("ensemble", "n", n);
  const member = (params: P, ...args: Args): Out => module.apply(params, ...args);
  return {
    size: n,
    init: (key: Array, opts: InitOptions = {}): P => vmap((k: Array) => module.init(k, opts))(random.split(key, n)) as P,
    apply: (params, ...args) => vmap(member, { inAxes: [0, ...args.map(() => null)] })(params, ...args),
    applyEach: (params, ...args) => vmap(member, { inAxes: 0 })(params, ...args),
  };
}
