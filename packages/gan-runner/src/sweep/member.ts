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
  createRunDir,
  latestCheckpoint,
  metaPath,
  type RunEnvironment,
  type RunMeta,
  readMemberRun,
  readMetaSync,
  runRelative,
  type SweepMember,
  writeMemberRun,
  writeRunConfigSync,
} from '@gan/runs';
import { parse } from 'yaml';
import { configFromObject, type ExperimentConfig, serializeConfig } from '../config/index.ts';
import type { ThreadSession } from '../run/thread.ts';

/** What to do with a member. */
export type MemberStart =
  /** Nothing to do: it already ended so (completed its steps, or diverged). */
  | { kind: 'done'; status: RunMeta['status']; step: number; run: string; runDir: string }
  /** Another process is running it right now. */
  | { kind: 'busy'; run: string; runDir: string }
  /** Train it: a new run, or a resume of its run folder. */
  | { kind: 'run'; session: ThreadSession; run: string; resumed: boolean };

export interface MemberContext {
  experimentsDir: string;
  sweepDir: string;
  environment: RunEnvironment;
  /**
   * Whether a run whose meta.json says `running` is being run by a live process right now (then
   * it is `busy`); default: never (a `running` run found by the only process running the sweep
   * was left by a crash).
   */
  isRunning?: (runDir: string, meta: RunMeta) => boolean;
}

/** The member's config at `steps` training steps (null: as resolved). */
export function memberConfig(member: SweepMember, steps: number | null): ExperimentConfig {
  const config = configFromObject(parse(member.config), `${member.name}.yaml`);
  if (steps === null || config.train.steps === steps) return config;
  return configFromObject({ ...config, train: { ...config.train, steps } }, `${member.name}.yaml`);
}

/**
 * Finds or makes member `member`'s run folder and says how to go on, to `steps` steps (null: the
 * member's own). A run that failed or crashed before its first checkpoint starts again in a new
 * folder (the old one stays, as it ended), as does one whose folder was deleted.
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
    const meta = existsSync(metaPath(runDir)) ? readMetaSync(runDir) : null;
    if (meta === null) return fresh(ctx, member, config, { runDir, runId: rel.split('/')[1] }, rel);
    if (meta.status === 'diverged' || (meta.status === 'completed' && meta.step >= target))
      return { kind: 'done', status: meta.status, step: meta.step, run: rel, runDir };
    if (meta.status === 'running' && ctx.isRunning?.(runDir, meta)) return { kind: 'busy', run: rel, runDir };
    if ((await latestCheckpoint(runDir)) !== null) {
      // What `pnpm exp --resume` does: the run's config now says how far it goes.
      writeRunConfigSync(runDir, serializeConfig(config));
      return {
        kind: 'run',
        run: rel,
        resumed: true,
        session: {
          config,
          configText: serializeConfig(config),
          runDir,
          runId: meta.runId,
          environment: ctx.environment,
          resume: true,
        },
      };
    }
  }
  const created = await createRunDir(ctx.experimentsDir, config.name);
  const run = runRelative({ configName: config.name, runId: created.runId });
  writeMemberRun(ctx.sweepDir, member.index, run);
  return fresh(ctx, member, config, created, run);
}

function fresh(
  ctx: MemberContext,
  _member: SweepMember,
  config: ExperimentConfig,
  where: { runDir: string; runId: string },
  run: string,
): MemberStart {
  const configText = serializeConfig(config);
  writeRunConfigSync(where.runDir, configText);
  return {
    kind: 'run',
    run,
    resumed: false,
    session: { config, configText, runDir: where.runDir, runId: where.runId, environment: ctx.environment },
  };
}
