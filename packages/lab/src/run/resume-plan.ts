/**
 * Before `--resume` touches a run folder: is it safe to continue, and from where? A run still
 * running (its process is alive on this host, or its heartbeat is fresh on another) is refused; a
 * crashed or stale one is continued and said to be; a run none of whose checkpoints can be read
 * is refused with the reasons, before anything is changed.
 */
import {
  findResumePoint,
  lastActivity,
  type Liveness,
  type ResumePoint,
  type RunMeta,
  readMeta,
  runLiveness,
  startingClaimant,
} from '@gan/runs';

export interface ResumePlan {
  meta: RunMeta;
  /** What is known of the process recorded in meta.json (state `ended` unless it said `running`). */
  liveness: Liveness;
  point: ResumePoint;
  /**
   * Lines to show before the run continues: that it had crashed, where it resumes from (the
   * session itself says which unreadable checkpoints it moves aside).
   */
  notes: string[];
}

/** Why a run cannot be resumed now; the message says what to do. */
export class ResumeRefused extends Error {
  override readonly name = 'ResumeRefused';
}

/**
 * Checks that `runDir` can be resumed now and says from where (see the module comment); throws a
 * {@link ResumeRefused} when it cannot. `staleAfterMs`: how long a run of another host may be
 * silent before it counts as abandoned.
 */
export async function planResume(
  runDir: string,
  options: { staleAfterMs?: number } = {},
): Promise<ResumePlan> {
  const meta = await readMeta(runDir);
  const liveness = runLiveness(meta, { lastActivityMs: await lastActivity(runDir), ...options });
  const notes: string[] = [];
  if (liveness.state === 'alive') {
    throw new ResumeRefused(
      `${runDir}: the run is still running (${liveness.detail}): resuming it now would make two ` +
        'processes write one run folder; stop it first, or wait until it stops',
    );
  }
  const starting = startingClaimant(runDir, meta, options);
  if (starting !== null) {
    throw new ResumeRefused(
      `${runDir}: ${starting} has just taken the run over and is starting it: resuming it too ` +
        'would make two processes write one run folder',
    );
  }
  if (liveness.state === 'crashed')
    notes.push(`the run crashed at step ${meta.step} or later: ${liveness.detail}`);
  if (liveness.state === 'stale')
    notes.push(`the run is taken to be dead at step ${meta.step} or later: ${liveness.detail}`);
  const point = await findResumePoint(runDir);
  if (point.checkpoint === null && point.unreadable.length > 0) {
    throw new ResumeRefused(
      `${runDir}: no checkpoint can be read, so the run cannot be resumed (nothing was changed):\n` +
        point.unreadable.map((u) => `  ${u.path}: ${u.reason}`).join('\n'),
    );
  }
  notes.push(
    point.checkpoint
      ? `resuming from ${point.checkpoint.path} (step ${point.checkpoint.step})`
      : 'no checkpoint yet: starting again from step 0',
  );
  return { meta, liveness, point, notes };
}
