/**
 * What resuming a run needs from its folder: the newest checkpoint that reads back whole (a
 * truncated or corrupted newer one is reported, not used), corrupt ones moved out of the way,
 * and the temp files of writes a killed process never finished, removed.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_FILE_PATTERN } from './atomic.ts';
import { type CheckpointContent, listCheckpoints, loadCheckpoint } from './checkpoints.ts';
import { probeProcess } from './liveness.ts';
import type { RunOwner } from './owner.ts';
import { checkpointsDir, samplesDir, type StepFile } from './paths.ts';

/** A checkpoint that could not be read, and why. */
export interface UnreadableCheckpoint extends StepFile {
  reason: string;
}

/** Where a run can continue from. */
export interface ResumePoint {
  /** The newest checkpoint that reads back whole, with its content; null when none does. */
  checkpoint: (StepFile & { content: CheckpointContent }) | null;
  /** The checkpoints newer than it that could not be read (truncated, corrupt), newest first. */
  unreadable: UnreadableCheckpoint[];
}

/**
 * The newest checkpoint of `runDir` that reads back whole (a valid safetensors file of this
 * checkpoint layout whose arrays match their checksum), and the newer ones that do not.
 *
 * ```ts
 * const { checkpoint, unreadable } = await findResumePoint(runDir);
 * for (const u of unreadable) console.log(`${u.path} is unreadable (${u.reason})`);
 * ```
 */
export async function findResumePoint(runDir: string): Promise<ResumePoint> {
  const unreadable: UnreadableCheckpoint[] = [];
  for (const file of (await listCheckpoints(runDir)).reverse()) {
    try {
      return { checkpoint: { ...file, content: await loadCheckpoint(file.path) }, unreadable };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The reader's message starts with the path; the reason is what follows it.
      const reason = message.startsWith(`${file.path}: `) ? message.slice(file.path.length + 2) : message;
      unreadable.push({ ...file, reason });
    }
  }
  return { checkpoint: null, unreadable };
}

/** The suffix an unreadable checkpoint gets when it is moved aside: listings no longer see it. */
export const UNREADABLE_SUFFIX = '.unreadable';

/**
 * Renames an unreadable checkpoint to `<name>.unreadable`, kept for inspection but out of the
 * checkpoint listing (so it is neither resumed from nor counted among the newest kept); returns
 * the new path.
 */
export async function setAsideCheckpoint(owner: RunOwner, path: string): Promise<string> {
  const aside = `${path}${UNREADABLE_SUFFIX}`;
  owner.move(path, aside);
  return aside;
}

/**
 * Removes the temp files that atomic writes of a process no longer running left in the run folder
 * (its top level, `samples/` and `checkpoints/`): a process killed between creating one and
 * renaming it leaves it behind. Temp files of live processes (this one included) are kept.
 * Returns the paths removed.
 */
export async function removeStaleTempFiles(runDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [runDir, samplesDir(runDir), checkpointsDir(runDir)]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = TEMP_FILE_PATTERN.exec(name);
      if (m === null) continue;
      const pid = Number(m[2]);
      const seen = probeProcess(pid);
      if (pid === process.pid || (seen.exists && !seen.zombie)) continue;
      await rm(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
