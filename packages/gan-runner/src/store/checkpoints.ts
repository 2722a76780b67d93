import { rm } from 'node:fs/promises';
import {
  CHECKPOINT_EXT,
  checkpointPath,
  checkpointsDir,
  ensureSubfolder,
  listStepFiles,
  type StepFile,
} from './paths.ts';
import { type SafeTensor, type Safetensors, readSafetensors, writeSafetensors } from './safetensors.ts';

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

/** Deletes all but the `keep` newest checkpoints; returns the deleted paths. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
  const all = await listCheckpoints(runDir);
  const old = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.path);
  for (const path of old) await rm(path, { force: true });
  return old;
}

/**
 * Writes `checkpoints/step-XXXXXX.safetensors` atomically (creating `checkpoints/` if needed), then keeps only the `keep` newest
 * (all of them when `keep` is undefined). Returns the path written.
 */
export async function writeCheckpoint(
  runDir: string,
  step: number,
  tensors: Record<string, SafeTensor>,
  metadata: Record<string, string> = {},
  options: { keep?: number } = {},
): Promise<string> {
  const { keep } = options;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) {
    throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
  }
  const path = checkpointPath(runDir, step);
  await ensureSubfolder(checkpointsDir(runDir));
  await writeSafetensors(path, tensors, metadata);
  if (keep !== undefined) await pruneCheckpoints(runDir, keep);
  return path;
}

/** Reads the checkpoint of `step`. */
export async function readCheckpoint(runDir: string, step: number): Promise<Safetensors> {
  return readSafetensors(checkpointPath(runDir, step));
}
