import { createHash } from 'node:crypto';
import {
  CHECKPOINT_EXT,
  checkpointPath,
  checkpointsDir,
  ensureSubfolder,
  listStepFiles,
  type StepFile,
} from './paths.ts';
import type { RunOwner } from './owner.ts';
import {
  floatTensor,
  type SafeTensor,
  type Safetensors,
  readSafetensors,
  writeSafetensors,
} from './safetensors.ts';

/**
 * Checkpoints are `checkpoints/step-XXXXXX.safetensors`, one per saved step, each written
 * atomically. There is no `latest` file or link to keep in sync: the latest checkpoint is the one
 * with the highest step, and older ones beyond a `keep` count are deleted after a new one is
 * safely on disk, so at least one complete checkpoint exists at every moment.
 */

/** The checkpoints of a run, ascending by step (an empty list if there are none). */
export function listCheckpoints(runDir: string): Promise<StepFile[]> {
  return listStepFiles(checkpointsDir(runDir), CHECKPOINT_EXT);
}

/**
 * The checkpoint with the highest step, or null if the run has none.
 *
 * ```ts
 * const latest = await latestCheckpoint(runDir);
 * if (latest) resumeFrom(await readSafetensors(latest.path), latest.step);
 * ```
 */
export async function latestCheckpoint(runDir: string): Promise<StepFile | null> {
  return (await listCheckpoints(runDir)).at(-1) ?? null;
}

/** Deletes all but the `keep` newest checkpoints of the owner's run; returns the deleted paths. */
export async function pruneCheckpoints(owner: RunOwner, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
  const all = await listCheckpoints(owner.runDir);
  const old = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.path);
  for (const path of old) owner.remove(path);
  return old;
}

/**
 * Writes `checkpoints/step-XXXXXX.safetensors` atomically (creating `checkpoints/` if needed), then keeps only the `keep` newest
 * (all of them when `keep` is undefined). Returns the path written.
 */
export async function writeCheckpoint(
  owner: RunOwner,
  step: number,
  tensors: Record<string, SafeTensor>,
  metadata: Record<string, string> = {},
  options: { keep?: number } = {},
): Promise<string> {
  const { keep } = options;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) {
    throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
  }
  const path = checkpointPath(owner.runDir, step);
  await ensureSubfolder(checkpointsDir(owner.runDir));
  await writeSafetensors(path, tensors, metadata, owner);
  if (keep !== undefined) await pruneCheckpoints(owner, keep);
  return path;
}

/** Reads the checkpoint of `step`. */
export async function readCheckpoint(runDir: string, step: number): Promise<Safetensors> {
  return readSafetensors(checkpointPath(runDir, step));
}

// ---------------------------------------------------------------------------------------------
// What a checkpoint holds

/** Identifies the layout of the tensors and metadata below, for readers in other languages. */
export const CHECKPOINT_FORMAT = 'gan-lab-checkpoint/1';

/**
 * An array with its shape, as checkpoints hold weights and optimiser moments: float32, or float64
 * for a run in float64 (`train.precision`), stored as safetensors' F32 or F64.
 */
export interface CheckpointArray {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * A checkpoint's content: every weight under its parameter name (`generator.0.weight`, shape
 * [in, out] as `x·W`), Adam's moments under `optim.<network>.<m|v>.<parameter>`, and the rest
 * (step, the trainer's RNG and sampler state, seconds trained, the resolved config) in
 * `__metadata__`, the state as a JSON string. numpy reads the arrays with `numpy.frombuffer`,
 * PyTorch with `safetensors.torch.load_file`.
 *
 * `__metadata__.checksum` is `sha256:<hex>` of the arrays (see {@link checkpointChecksum}), so
 * a checkpoint whose bytes changed on disk is refused instead of resumed from (checkpoints written
 * before it existed have none and are read without the check).
 */
export interface CheckpointContent {
  /** Completed training steps. */
  step: number;
  arrays: Record<string, CheckpointArray>;
  /** Whatever else the trainer needs to continue bit-identically; stored as JSON. */
  state: unknown;
  /** Seconds trained up to this step. */
  time: number;
  /** The resolved config as YAML, so a checkpoint stands alone. */
  config: string;
}

/**
 * `sha256:<hex>` of a checkpoint's arrays: for each name in sorted order, the name, a zero byte,
 * the shape as JSON, a zero byte and the values' bytes as stored (float32 or float64, little-endian).
 */
export function checkpointChecksum(arrays: Record<string, CheckpointArray>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(arrays).sort()) {
    const { shape, data } = arrays[name];
    hash.update(`${name}\0${JSON.stringify(shape)}\0`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** A checkpoint's content as safetensors tensors and metadata. */
export function encodeCheckpoint(content: CheckpointContent): Safetensors {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, a] of Object.entries(content.arrays)) tensors[name] = floatTensor(a.shape, a.data);
  return {
    tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      step: String(content.step),
      time: String(content.time),
      state: JSON.stringify(content.state),
      config: content.config,
      checksum: checkpointChecksum(content.arrays),
    },
  };
}

/** Reads a checkpoint's content back; `source` names the file in errors. */
export function decodeCheckpoint(st: Safetensors, source: string): CheckpointContent {
  const { metadata } = st;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(
      `${source}: not a checkpoint of this format (expected format ${CHECKPOINT_FORMAT}, got ${metadata.format})`,
    );
  }
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`${source}: bad step in metadata: ${metadata.step}`);
  let state: unknown;
  try {
    state = JSON.parse(metadata.state);
  } catch (e) {
    throw new Error(`${source}: bad trainer state in metadata: ${(e as Error).message}`);
  }
  const arrays: Record<string, CheckpointArray> = {};
  for (const [name, t] of Object.entries(st.tensors)) {
    if (t.dtype !== 'F32' && t.dtype !== 'F64') {
      throw new Error(`${source}: tensor '${name}' has dtype ${t.dtype}, expected F32 or F64`);
    }
    arrays[name] = { shape: t.shape, data: t.data };
  }
  if (metadata.checksum !== undefined) {
    const actual = checkpointChecksum(arrays);
    if (actual !== metadata.checksum) {
      throw new Error(
        `${source}: the arrays do not match the checksum written with them (the file changed on disk): ` +
          `expected ${metadata.checksum}, got ${actual}`,
      );
    }
  }
  return { step, arrays, state, time: Number(metadata.time) || 0, config: metadata.config ?? '' };
}

/**
 * Writes a checkpoint's content to `checkpoints/step-XXXXXX.safetensors` (see {@link writeCheckpoint});
 * returns the path.
 */
export async function saveCheckpoint(
  owner: RunOwner,
  content: CheckpointContent,
  options: { keep?: number } = {},
): Promise<string> {
  const { tensors, metadata } = encodeCheckpoint(content);
  return writeCheckpoint(owner, content.step, tensors, metadata, options);
}

/** Reads the checkpoint file at `path` (a step file of `checkpoints/`, or any file in this layout). */
export async function loadCheckpoint(path: string): Promise<CheckpointContent> {
  return decodeCheckpoint(await readSafetensors(path), path);
}
