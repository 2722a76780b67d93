/**
 * One member of a sweep, as whichever process runs it finds it: never started (a new run folder,
 * recorded in the sweep folder), already done (skipped), or interrupted, crashed or cut short by
 * an earlier stage (resumed from its last checkpoint, in the same run folder). Local executors and
 * queue workers both start members through here, so a member is never run twice and a resumed
 * sweep picks up where it was.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  currentEpoch,
  lastActivity,
  latestCheckpoint,
  metaPath,
  type RunEnvironment,
  type RunMeta,
  RunOwner,
  RunTakenOver,
  readMemberRun,
  startingClaimant,
  readMetaSync,
  runLiveness,
  runRelative,
  type SweepMember,
  writeMemberRun,
  writeRunConfigSync,
} from '@gan/runs';
import { parse } from 'yaml';
import { configFromObject, type ExperimentConfig, serializeConfig } from '@gan/training';
import { createRun } from '../run/create.ts';
import type { ThreadSession } from '../run/thread.ts';

/** What to do with a member. */
export type MemberStart =
  /** Nothing to do: it already ended so (completed its steps, or diverged). */
  | { kind: 'done'; status: RunMeta['status']; step: number; run: string; runDir: string }
  /** Another process is running it right now (or took it over a moment ago). */
  | { kind: 'busy'; run: string; runDir: string }
  /** Train it, as its owner: a new run, or a resume of its run folder. */
  | { kind: 'run'; session: ThreadSession; run: string; resumed: boolean };

export interface MemberContext {
  experimentsDir: string;
  sweepDir: string;
  environment: RunEnvironment;
  /** Who trains the members, in words, as run folders record their owners: `worker w2`, `pnpm sweep`. */
  owner: string;
  /**
   * How long a run of another host (or pid namespace) may be silent before it is taken to be dead
   * (@gan/runs liveness; default its own). A run whose process is alive, or that another process
   * is taking over right now, is `busy`.
   */
  staleAfterMs?: number;
}

/** The member's config at `steps` training steps (null: as resolved). */
export function memberConfig(member: SweepMember, steps: number | null): ExperimentConfig {
  const config = configFromObject(parse(member.config), `${member.name}.yaml`);
  if (steps === null || config.train.steps === steps) return config;
  return configFromObject({ ...config, train: { ...config.train, steps } }, `${member.name}.yaml`);
}

/** Whether another process trains the run now, or is taking it over right now. */
async function busyRun(runDir: string, meta: RunMeta, staleAfterMs: number | undefined): Promise<boolean> {
  const options = { staleAfterMs, lastActivityMs: await lastActivity(runDir) };
  return runLiveness(meta, options).state === 'alive' || startingClaimant(runDir, meta, options) !== null;
}

const finished = (meta: RunMeta, target: number) =>
  meta.status === 'diverged' || (meta.status === 'completed' && meta.step >= target);

/**
 * Finds or makes member `member`'s run folder and says how to go on, to `steps` steps (null: the
 * member's own). A run that failed or crashed before its first checkpoint starts again in a new
 * folder (the old one stays, as it ended), as does one whose folder was deleted. A run to be
 * resumed is taken over first (a new owner epoch, see @gan/runs owner.ts), only if nobody has
 * taken it over since its meta.json was read: of two processes that find it at once, one trains
 * it and the other finds it `busy`.
 */
export async function openMember(
  ctx: MemberContext,
  member: SweepMember,
  steps: number | null,
): Promise<MemberStart> {
  const config = memberConfig(member, steps);
  const target = config.train.steps;
  const rel = readMemberRun(ctx.sweepDir, member.index);
  // A recorded run whose folder is gone (deleted by hand) starts afresh in a new folder below.
  if (rel !== null && existsSync(join(ctx.experimentsDir, rel))) {
    const runDir = join(ctx.experimentsDir, rel);
    const busy: MemberStart = { kind: 'busy', run: rel, runDir };
    const seen = currentEpoch(runDir); // before meta.json: see RunOwner.claim's `after`
    const meta = existsSync(metaPath(runDir)) ? readMetaSync(runDir) : null;
    if (meta !== null && finished(meta, target))
      return { kind: 'done', status: meta.status, step: meta.step, run: rel, runDir };
    if (meta !== null && (await busyRun(runDir, meta, ctx.staleAfterMs))) return busy;
    if (meta === null || (await latestCheckpoint(runDir)) !== null) {
      let owner: RunOwner;
      try {
        owner = RunOwner.claim(runDir, ctx.owner, { after: seen });
      } catch (error) {
        if (error instanceof RunTakenOver) return busy;
        throw error;
      }
      const configText = serializeConfig(config);
      writeRunConfigSync(owner, configText);
      if (meta === null) {
        // A folder made before meta.json was written with it: a fresh run in it, as its owner.
        const session = { config, configText, runDir, runId: rel.split('/')[1], owner: owner.token };
        return {
          kind: 'run',
          run: rel,
          resumed: false,
          session: { ...session, environment: ctx.environment },
        };
      }
      // Its last owner may have finished it between our reading and our claim.
      const now = readMetaSync(runDir);
      if (finished(now, target))
        return { kind: 'done', status: now.status, step: now.step, run: rel, runDir };
      // What `pnpm exp --resume` does: the run's config now says how far it goes.
      return {
        kind: 'run',
        run: rel,
        resumed: true,
        session: {
          config,
          configText,
          runDir,
          runId: meta.runId,
          owner: owner.token,
          environment: ctx.environment,
          resume: true,
        },
      };
    }
  }
  const configText = serializeConfig(config);
  const created = await createRun(ctx.experimentsDir, config, configText, ctx.environment, {
    owner: ctx.owner,
  });
  const run = runRelative({ configName: config.name, runId: created.runId });
  writeMemberRun(ctx.sweepDir, member.index, run);
  return {
    kind: 'run',
    run,
    resumed: false,
    session: {
      config,
      configText,
      runDir: created.runDir,
      runId: created.runId,
      owner: created.owner.token,
      environment: ctx.environment,
    },
  };
}
