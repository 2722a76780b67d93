/**
 * A sweep on disk: made from a checked spec (its folder, resolved members and stages written
 * before anything runs), or opened again from its folder to be resumed, followed or listed.
 */
import {
  appendSweepMembers,
  createSweepDir,
  readSweepMembers,
  readSweepMeta,
  resolveSweepRef,
  type SweepMember,
  type SweepMeta,
  writeSweepMeta,
} from '@gan/runs';
import { type SweepPlan, expandSweep } from './expand.ts';
import { decideStage, planOf, searchPlan } from './search.ts';
import type { SweepSpec } from './spec.ts';

/** A sweep folder, read. */
export interface Sweep {
  experimentsDir: string;
  dir: string;
  meta: SweepMeta;
  members: SweepMember[];
}

/** Expands a spec (throws ConfigError on any problem, writing nothing). */
export function planSweep(spec: SweepSpec): SweepPlan {
  return expandSweep(spec);
}

/** Writes a new sweep folder for `plan` under `experimentsDir`. */
export function createSweep(
  experimentsDir: string,
  spec: SweepSpec,
  plan: SweepPlan,
  command: string[],
): Sweep {
  const members: SweepMember[] = plan.members.map(({ resolved: _, ...m }, index) => ({ index, ...m }));
  const { dir } = createSweepDir(
    experimentsDir,
    {
      name: spec.name,
      description: spec.description,
      source: spec.source,
      command,
      swept: plan.swept,
      stages: plan.stages,
      plan: searchPlan(spec.search),
    },
    spec.text,
    members,
  );
  return openSweepDir(experimentsDir, dir);
}

/** Reads a sweep folder. */
export function openSweepDir(experimentsDir: string, dir: string): Sweep {
  return { experimentsDir, dir, meta: readSweepMeta(dir), members: readSweepMembers(dir) };
}

/** Opens a sweep by reference (id, prefix, name, name@N or its folder). */
export function openSweep(experimentsDir: string, ref: string): Sweep {
  const { dir } = resolveSweepRef(experimentsDir, ref);
  return openSweepDir(experimentsDir, dir);
}

/** The first stage not yet decided, or null when every stage is. */
export function undecidedStage(sweep: Sweep): number | null {
  const i = sweep.meta.stages.findIndex((s) => s.members === null);
  return i < 0 ? null : i;
}

/**
 * Decides stage `s` from stage `s - 1`'s results, records it in sweep.json (and the new members
 * in members.jsonl); returns the sweep as it is now.
 */
export function advanceStage(sweep: Sweep, s: number): { sweep: Sweep; reason: string } {
  const { stage, added } = decideStage(sweep.experimentsDir, sweep.dir, sweep.meta, sweep.members, s);
  appendSweepMembers(sweep.dir, added);
  const meta = { ...sweep.meta, stages: sweep.meta.stages.map((x, i) => (i === s ? stage : x)) };
  if (added.length > 0 && !meta.swept.includes('seed')) meta.swept = ['seed', ...meta.swept];
  writeSweepMeta(sweep.dir, meta);
  return { sweep: { ...sweep, meta, members: [...sweep.members, ...added] }, reason: stage.reason ?? '' };
}

/** Whether the sweep has a search (stages decided from results). */
export function isSearch(sweep: Sweep): boolean {
  return planOf(sweep.meta) !== null;
}

/** `failed-1 seed=2 loss.discriminator=flipped`: a member as rows and lines name it. */
export function memberLabel(sweep: Sweep, member: SweepMember): string {
  const parts = sweep.meta.swept.map(
    (k) => `${k}=${formatParam(k === 'seed' ? member.seed : member.params[k])}`,
  );
  const names = new Set(sweep.members.map((m) => m.name));
  return [names.size > 1 || parts.length === 0 ? member.name : null, ...parts]
    .filter((p) => p !== null)
    .join(' ');
}

function formatParam(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
