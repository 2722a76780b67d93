/**
 * Successive halving over a sweep's members, as W&B's hyperband and Optuna's pruners do it: every
 * member trains a short stage, the best `keep` of them (by the search's metric) continue their
 * runs to the next stage's length, and a last stage may train the survivors afresh at full length
 * with several seeds. A stage is decided from what the previous one's runs recorded, so deciding
 * it again (a resumed sweep) gives the same members.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configPath,
  currentMetricsRow,
  logsPrintedCost,
  readMemberRun,
  readMetaSync,
  readJsonlSync,
  metricsPath,
  type SweepMember,
  type SweepMeta,
  type SweepStage,
} from '@gan/runs';
import { parse } from 'yaml';
import { configFromObject, serializeConfig } from '@gan/training';
import type { SearchSpec } from './spec.ts';

/** What sweep.json's `plan` holds for a search. */
export interface SearchPlan {
  search: Pick<SearchSpec, 'metric' | 'goal'> & {
    stages: { steps: number; keep: number | null; seeds: number[] | null }[];
  };
}

export function searchPlan(spec: SearchSpec | null): Record<string, unknown> {
  if (spec === null) return {};
  return {
    search: {
      metric: spec.metric,
      goal: spec.goal,
      stages: spec.stages.map((s) => ({ steps: s.steps, keep: s.keep, seeds: s.seeds })),
    },
  } satisfies SearchPlan;
}

export function planOf(meta: SweepMeta): SearchPlan['search'] | null {
  const search = (meta.plan as Partial<SearchPlan>).search;
  return search === undefined ? null : search;
}

/**
 * A member's score for the search: its run's metric, or null (no run, diverged, failed, not
 * evaluated, or a metric the run did not log). A final metric is read from the last metrics row
 * as today's columns mean it (`currentMetricsRow`): in a run logged before `dCostPrinted` existed
 * whose config printed the article's D cost, that cost is `dCostPrinted` and there is no `dLoss`.
 */
export function memberScore(
  experimentsDir: string,
  sweepDir: string,
  index: number,
  metric: string,
): number | null {
  const rel = readMemberRun(sweepDir, index);
  if (rel === null) return null;
  const runDir = join(experimentsDir, rel);
  let meta: ReturnType<typeof readMetaSync>;
  try {
    meta = readMetaSync(runDir);
  } catch {
    return null;
  }
  if (meta.status !== 'completed') return null;
  if (metric.startsWith('eval.')) {
    const v = meta.latestEval?.[metric.slice(5)];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  try {
    const last = readJsonlSync(metricsPath(runDir)).rows.at(-1);
    if (last === undefined) return null;
    const printedCost = logsPrintedCost(parse(readFileSync(configPath(runDir), 'utf8')));
    const v = currentMetricsRow(last, printedCost)[metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Decides stage `s` (> 0) of a search from the members of stage `s - 1`: the best `keep` by the
 * metric (ties by index; members without a score last), continued to the stage's length, or
 * with the stage's seeds, new members (appended after `members`) trained afresh.
 */
export function decideStage(
  experimentsDir: string,
  sweepDir: string,
  meta: SweepMeta,
  members: readonly SweepMember[],
  s: number,
): { stage: SweepStage; added: SweepMember[]; ranking: { index: number; score: number | null }[] } {
  const search = planOf(meta);
  const prev = meta.stages[s - 1];
  if (search === null || prev?.members == null)
    throw new Error(`stage ${s}: no search, or the previous stage is undecided`);
  const plan = search.stages[s];
  const sign = search.goal === 'minimize' ? 1 : -1;
  const ranking = prev.members
    .map((index) => ({ index, score: memberScore(experimentsDir, sweepDir, index, search.metric) }))
    .sort((a, b) =>
      a.score === null || b.score === null
        ? (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || a.index - b.index
        : sign * (a.score - b.score) || a.index - b.index,
    );
  const keep = ranking.slice(0, plan.keep ?? ranking.length).filter((r) => r.score !== null);
  const reason = `best ${keep.length} of ${ranking.length} by ${search.metric} (${search.goal})`;
  if (plan.seeds === null) {
    return { stage: { steps: plan.steps, members: keep.map((r) => r.index), reason }, added: [], ranking };
  }
  const added: SweepMember[] = [];
  let next = members.length;
  for (const r of keep) {
    const from = members[r.index];
    for (const seed of plan.seeds) {
      const config = configFromObject(parse(from.config), `${from.name}.yaml`);
      const resolved = configFromObject(
        { ...config, seed, train: { ...config.train, steps: plan.steps } },
        `${from.name}.yaml`,
      );
      added.push({
        index: next++,
        stage: s,
        name: from.name,
        seed,
        params: { ...from.params, seed },
        config: serializeConfig(resolved),
      });
    }
  }
  return {
    stage: {
      steps: plan.steps,
      members: added.map((m) => m.index),
      reason: `${reason}, afresh with seeds ${plan.seeds.join(', ')}`,
    },
    added,
    ranking,
  };
}
