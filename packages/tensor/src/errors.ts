// Typed errors that name the op, the argument, what was received and what was expected.

/** The error every Drift API throws for bad input: its message names the op and the offending argument. */
export class DriftError extends Error {
  /** The op or API that rejected the input, e.g. `"matmul"`. */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = "DriftError";
    this.op = op;
  }
}

/** Thrown when a traced (abstract) array is asked for its concrete value, as JAX's ConcretizationTypeError. */
export class ConcretizationError extends DriftError {
  constructor(op: string, what: string) {
    super(
      op,
      `${what} needs a concrete value, but this array is traced inside a transformation (grad/vmap/jit); ` +
        `use np.where / lax control flow instead of reading values`,
    );
    this.name = "ConcretizationError";
  }
}

/** Formats a shape as `[2,3]` for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
