// Training-state checkpoints: a pytree (params, optimizer state, buffer, RNG key, …) via @drift/tensor/io plus a JSON state file (step, metadata).
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DriftError } from "@drift/tensor";
import { load, readMetadata, save } from "@drift/tensor/io";

/** Metadata key tying the tensor file to the JSON state file written with it. */
const RUN_ID_KEY = "drift.rl.checkpoint";
const STATE_FORMAT = "drift.rl.training_state";
const STATE_VERSION = 1;

/** The files of a checkpoint at prefix `p`: `p.safetensors` (arrays), `p.safetensors.json` (tree sidecar), `p.state.json` (step and metadata). */
export function checkpointFiles(prefix: string): { tensors: string; sidecar: string; state: string } {
  return { tensors: `${prefix}.safetensors`, sidecar: `${prefix}.safetensors.json`, state: `${prefix}.state.json` };
}

/** A checkpoint's contents. */
export interface TrainingCheckpoint<T> {
  /** Training step counter (e.g. environment or gradient steps done). */
  step: number;
  /**
   * The training state pytree: params, optimizer state, replay buffer, RNG key, normalizer statistics… Arrays are
   * stored bit-exactly; numbers, strings, booleans and null in the tree are kept too.
   */
  state: T;
  /** JSON-serialisable extras (config, logger position, seed, wall time…). */
  meta?: Record<string, unknown>;
}

/**
 * Saves a training checkpoint at `prefix`: the state pytree with `save` from @drift/tensor/io (both of its files
 * written to temporary files and renamed into place), then the JSON state file `{step, meta}` the same way. The
 * state file is written last and names the tensor file's save id, so a crash between the two leaves the previous
 * checkpoint's state file, which `loadCheckpoint` then rejects as not matching instead of resuming from mixed files.
 */
export async function saveCheckpoint<T>(prefix: string, ckpt: TrainingCheckpoint<T>): Promise<void> {
  const op = "saveCheckpoint";
  if (typeof prefix !== "string" || prefix === "") throw new DriftError(op, `prefix must be a non-empty string; got ${JSON.stringify(prefix)}`);
  if (!Number.isSafeInteger(ckpt?.step) || ckpt.step < 0) throw new DriftError(op, `step must be a non-negative integer; got ${ckpt?.step}`);
  let metaText: string;
  try {
    metaText = JSON.stringify(ckpt.meta ?? {});
  } catch (e) {
    throw new DriftError(op, `meta must be JSON-serialisable: ${(e as Error).message}`);
  }
  const files = checkpointFiles(prefix);
  const id = randomUUID();
  await save(files.tensors, ckpt.state, { metadata: { [RUN_ID_KEY]: id } });
  const text = JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, id, step: ckpt.step, meta: JSON.parse(metaText) }, null, 2) + "\n";
  await mkdir(dirname(files.state), { recursive: true });
  const tmp = `${files.state}.tmp-${id}`;
  await writeFile(tmp, text);
  await rename(tmp, files.state);
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions<T> {
  /** A state pytree the checkpoint must match by tensor names, shapes and dtypes; the result takes its structure. */
  like?: T;
}

/**
 * Loads a checkpoint saved by `saveCheckpoint`: the state pytree (rebuilt from the sidecar, or shaped like
 * `opts.like`), the step and the metadata. Throws a DriftError naming the file when a file is missing or malformed,
 * or when the state file and the tensor file come from different saves.
 */
export async function loadCheckpoint<T = any>(prefix: string, opts: LoadCheckpointOptions<T> = {}): Promise<TrainingCheckpoint<T>> {
  const op = "loadCheckpoint";
  const files = checkpointFiles(prefix);
  let raw: string;
  try {
    raw = await readFile(files.state, "utf8");
  } catch (e) {
    throw new DriftError(op, `could not read ${files.state}: ${(e as Error).message}`);
  }
  let parsed: { format?: unknown; version?: unknown; id?: unknown; step?: unknown; meta?: unknown };
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new DriftError(op, `${files.state} is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed?.format !== STATE_FORMAT) throw new DriftError(op, `${files.state} is not a Drift training-state file (format ${JSON.stringify(parsed?.format)})`);
  if (parsed.version !== STATE_VERSION) throw new DriftError(op, `${files.state} has version ${JSON.stringify(parsed.version)}; this build reads version ${STATE_VERSION}`);
  if (!Number.isSafeInteger(parsed.step) || (parsed.step as number) < 0) throw new DriftError(op, `${files.state} has an invalid step ${JSON.stringify(parsed.step)}`);
  const metadata = await readMetadata(files.tensors).catch((e: unknown) => {
    throw e instanceof DriftError ? new DriftError(op, e.message) : e;
  });
  if (metadata[RUN_ID_KEY] !== parsed.id)
    throw new DriftError(
      op,
      `${files.state} belongs to save ${JSON.stringify(parsed.id)} but ${files.tensors} is save ${JSON.stringify(metadata[RUN_ID_KEY] ?? null)}; the files come from different saves`,
    );
  const state = await load<T>(files.tensors, opts.like === undefined ? {} : { like: opts.like });
  return { step: parsed.step as number, state, meta: (parsed.meta ?? {}) as Record<string, unknown> };
}
