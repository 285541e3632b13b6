// Parameter initializers `(key, shape, {dtype}) → Array`, matching jax.nn.initializers (Flax) and PyTorch defaults.
import { DriftError, np, random, type Array, type DType } from "@drift/tensor";

/** Options every initializer accepts: the dtype of the returned array (float32 by default). */
export interface InitializerOptions {
  dtype?: DType;
}

/** An initializer: draws an array of `shape` from `key`; pure, so it also runs under `vmap` and `jit`. */
export type Initializer = (key: Array, shape: readonly number[], opts?: InitializerOptions) => Array;

/** Which fan `varianceScaling` divides by: inputs, outputs, or their average. */
export type FanMode = "fanIn" | "fanOut" | "fanAvg";

/** The distribution `varianceScaling` draws from. */
export type Distribution = "truncatedNormal" | "normal" | "uniform";

/** Axes that `varianceScaling` reads the fans from, as Flax's `in_axis`, `out_axis` and `batch_axis`. */
export interface FanAxes {
  /** Input axis (default −2, Flax's default for a [in, out] kernel). */
  inAxis?: number | readonly number[];
  /** Output axis (default −1). */
  outAxis?: number | readonly number[];
  /** Axes that are neither fans nor receptive field, e.g. an ensemble axis (default none). */
  batchAxis?: number | readonly number[];
}

const FAN_MODES: readonly FanMode[] = ["fanIn", "fanOut", "fanAvg"];
const DISTRIBUTIONS: readonly Distribution[] = ["truncatedNormal", "normal", "uniform"];

/** Standard deviation of N(0, 1) truncated to (−2, 2); dividing by it restores unit variance after truncation. */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

function floatDType(op: string, opts: InitializerOptions | undefined): DType {
  const dtype = opts?.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new DriftError(op, `dtype must be float32 or float64; got ${dtype}`);
  return dtype;
}

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new DriftError(op, `shape must be non-negative integers; got [${shape.join(",")}]`);
  return [...shape];
}

function axisList(op: string, axes: number | readonly number[], rank: number, what: string): number[] {
  const list = typeof axes === "number" ? [axes] : [...axes];
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new DriftError(op, `${what} ${a} is out of range for a rank-${rank} shape`);
    return a < 0 ? a + rank : a;
  });
}

/** `[fanIn, fanOut]` of a weight shape, as Flax's `_compute_fans`: fans times the receptive-field size. */
export function computeFans(shape: readonly number[], axes: FanAxes = {}): [number, number] {
  const op = "init.computeFans";
  if (shape.length < 2) throw new DriftError(op, `fans need a weight of rank ≥ 2; got shape [${shape.join(",")}] (use zeros/constant/normal for biases)`);
  const prod = (ax: number[]) => ax.reduce((p, a) => p * shape[a]!, 1);
  const inAx = axisList(op, axes.inAxis ?? -2, shape.length, "inAxis");
  const outAx = axisList(op, axes.outAxis ?? -1, shape.length, "outAxis");
  const batchAx = axisList(op, axes.batchAxis ?? [], shape.length, "batchAxis");
  const total = shape.reduce((p, d) => p * d, 1);
  const inSize = prod(inAx);
  const outSize = prod(outAx);
  const receptive = total / inSize / outSize / prod(batchAx);
  return [inSize * receptive, outSize * receptive];
}

/**
 * `varianceScaling(scale, mode, distribution)`, as `jax.nn.initializers.variance_scaling`: variance
 * scale / n with n the fan-in, fan-out or their average. "truncatedNormal" draws N(0, 1) cut at ±2 and divides
 * by its standard deviation 0.8796…; "uniform" draws U(−√(3·var), √(3·var)).
 */
export function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, axes: FanAxes = {}): Initializer {
  const op = "init.varianceScaling";
  if (!(scale > 0)) throw new DriftError(op, `scale must be positive; got ${scale}`);
  if (!FAN_MODES.includes(mode)) throw new DriftError(op, `mode must be one of ${FAN_MODES.join(", ")}; got ${JSON.stringify(mode)}`);
  if (!DISTRIBUTIONS.includes(distribution))
    throw new DriftError(op, `distribution must be one of ${DISTRIBUTIONS.join(", ")}; got ${JSON.stringify(distribution)}`);
  return (key, shape, opts) => {
    const dtype = floatDType(op, opts);
    const s = checkShape(op, shape);
    const [fanIn, fanOut] = computeFans(s, axes);
    const n = mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, n);
    switch (distribution) {
      case "truncatedNormal":
        return np.mul(random.truncatedNormal(key, -2, 2, s, { dtype }), Math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV);
      case "normal":
        return np.mul(random.normal(key, s, { dtype }), Math.sqrt(variance));
      case "uniform":
        return np.mul(random.uniform(key, s, { dtype, minval: -1, maxval: 1 }), Math.sqrt(3 * variance));
    }
  };
}

/** LeCun normal, as `jax.nn.initializers.lecun_normal` (the Flax `nn.Dense` kernel default): truncated normal, variance 1/fan_in. */
export function lecunNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, "fanIn", "truncatedNormal", axes);
}

/** LeCun uniform, as `jax.nn.initializers.lecun_uniform`: U(−√(3/fan_in), √(3/fan_in)). */
export function lecunUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, "fanIn", "uniform", axes);
}

/** He (Kaiming) normal, as `jax.nn.initializers.he_normal`: truncated normal, variance 2/fan_in. */
export function heNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(2, "fanIn", "truncatedNormal", axes);
}

/** He (Kaiming) uniform, as `jax.nn.initializers.he_uniform`: U(−√(6/fan_in), √(6/fan_in)). */
export function heUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(2, "fanIn", "uniform", axes);
}

/** Xavier (Glorot) normal, as `jax.nn.initializers.glorot_normal`: truncated normal, variance 2/(fan_in + fan_out). */
export function xavierNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, "fanAvg", "truncatedNormal", axes);
}

/** Xavier (Glorot) uniform, as `jax.nn.initializers.glorot_uniform`: U(−a, a) with a = √(6/(fan_in + fan_out)). */
export function xavierUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling(1, "fanAvg", "uniform", axes);
}

/**
 * PyTorch's `nn.Linear`/`nn.Conv1d` weight default, `kaiming_uniform_(a=√5)`: U(−1/√fan_in, 1/√fan_in), with fan_in
 * read from a [in, out] (or [k, in, out]) kernel; pair it with `torchLinearBias(fanIn)` for the bias.
 */
export function torchLinearDefault(axes: FanAxes = {}): Initializer {
  return varianceScaling(1 / 3, "fanIn", "uniform", axes);
}

/** PyTorch's `nn.Linear`/`nn.Conv1d` bias default: U(−1/√fanIn, 1/√fanIn), with fanIn taken from the weight. */
export function torchLinearBias(fanIn: number): Initializer {
  if (!(Number.isInteger(fanIn) && fanIn > 0)) throw new DriftError("init.torchLinearBias", `fanIn must be a positive integer; got ${fanIn}`);
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(2 * bound, -bound);
}

/** N(0, stddev²), as `jax.nn.initializers.normal` (default stddev 1e-2). */
export function normal(stddev = 1e-2): Initializer {
  return (key, shape, opts) => np.mul(random.normal(key, checkShape("init.normal", shape), { dtype: floatDType("init.normal", opts) }), stddev);
}

/** U[offset, offset + scale), as `jax.nn.initializers.uniform` (default scale 1e-2, offset 0). */
export function uniform(scale = 1e-2, offset = 0): Initializer {
  return (key, shape, opts) => {
    const dtype = floatDType("init.uniform", opts);
    return random.uniform(key, checkShape("init.uniform", shape), { dtype, minval: offset, maxval: offset + scale });
  };
}

/** Options of `truncatedNormal`. */
export interface TruncatedNormalOptions {
  /** Standard deviation before truncation (default 1e-2). */
  stddev?: number;
  /** Bounds in units of stddev (default −2 and 2). */
  lower?: number;
  upper?: number;
}

/** stddev · N(0, 1) truncated to (lower, upper), as `jax.nn.initializers.truncated_normal` (no variance correction). */
export function truncatedNormal(opts: TruncatedNormalOptions = {}): Initializer {
  const { stddev = 1e-2, lower = -2, upper = 2 } = opts;
  if (!(lower < upper)) throw new DriftError("init.truncatedNormal", `lower must be below upper; got ${lower} and ${upper}`);
  return (key, shape, o) =>
    np.mul(random.truncatedNormal(key, lower, upper, checkShape("init.truncatedNormal", shape), { dtype: floatDType("init.truncatedNormal", o) }), stddev);
}

/** All zeros, as `jax.nn.initializers.zeros` (the Flax bias default); the key is ignored. */
export const zeros: Initializer = (_key, shape, opts) => np.zeros(checkShape("init.zeros", shape), { dtype: floatDType("init.zeros", opts) });

/** All ones, as `jax.nn.initializers.ones` (the LayerNorm scale default); the key is ignored. */
export const ones: Initializer = (_key, shape, opts) => np.ones(checkShape("init.ones", shape), { dtype: floatDType("init.ones", opts) });

/** Every entry `value`, as `jax.nn.initializers.constant`. */
export function constant(value: number): Initializer {
  return (_key, shape, opts) => np.full(checkShape("init.constant", shape), value, { dtype: floatDType("init.constant", opts) });
}

/**
 * Orthonormal columns of a tall [m, n] float64 matrix by classical Gram–Schmidt with one re-orthogonalisation
 * pass ("twice is enough", Giraud et al. 2005). The implied R has a positive diagonal, so this is the
 * sign-corrected Q of a QR decomposition. Built from np ops so it traces under `vmap` and `jit`.
 */
function gramSchmidt(a: Array): Array {
  const n = a.shape[1]!;
  let q = np.slice(a, null, [0, 0]);
  for (let j = 0; j < n; j++) {
    let v = np.slice(a, null, [j, j + 1]);
    for (let pass = 0; pass < 2 && j > 0; pass++) v = np.sub(v, np.matmul(q, np.transpose(np.matmul(np.transpose(v), q))));
    q = np.concatenate([q, np.mul(v, np.rsqrt(np.sum(np.square(v))))], 1);
  }
  return q;
}

/** Options of `orthogonal`. */
export interface OrthogonalOptions {
  /** Multiplier of the orthogonal matrix (default 1). */
  scale?: number;
  /** Axis holding the columns (default −1); the other axes are flattened into rows. */
  columnAxis?: number;
}

/**
 * Orthogonal, as `jax.nn.initializers.orthogonal` (Saxe et al. 2014): the Q factor of a QR decomposition of a
 * standard-normal matrix with the signs of diag(R) folded in (so Q is Haar-distributed), times `scale`. Rows are
 * the product of the axes other than `columnAxis`; if they are fewer than the columns the transpose is used, so the
 * result has orthonormal rows instead. The QR runs in float64 and is cast to the requested dtype.
 */
export function orthogonal(opts: OrthogonalOptions = {}): Initializer {
  const op = "init.orthogonal";
  const scale = opts.scale ?? 1;
  const columnAxis = opts.columnAxis ?? -1;
  return (key, shape, o) => {
    const dtype = floatDType(op, o);
    const s = checkShape(op, shape);
    if (s.length < 2) throw new DriftError(op, `shape must have rank ≥ 2; got [${s.join(",")}]`);
    const [col] = axisList(op, columnAxis, s.length, "columnAxis");
    const nCols = s[col!]!;
    const nRows = s.reduce((p, d) => p * d, 1) / nCols;
    const wide = nRows < nCols;
    const a = random.normal(key, wide ? [nCols, nRows] : [nRows, nCols], { dtype });
    let q = gramSchmidt(np.astype(a, "float64"));
    if (wide) q = np.transpose(q);
    const rest = s.filter((_, i) => i !== col);
    q = np.moveaxis(np.reshape(q, [...rest, nCols]), -1, col!);
    return np.astype(np.mul(q, scale), dtype);
  };
}

/** `initializer` times `factor`, e.g. `scaled(lecunNormal(), 1e-8)` for a near-zero last layer. */
export function scaled(initializer: Initializer, factor: number): Initializer {
  return (key, shape, opts) => np.mul(initializer(key, shape, opts), factor);
}
