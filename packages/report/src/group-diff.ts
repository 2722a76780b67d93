/**
 * `pnpm report diff decay@all baseline@all`: groups of runs compared by the mean and spread of
 * their final metrics, with the deltas of the means relative to the first group. A single run
 * among groups is a group of one.
 */
import { resolve } from 'node:path';
import { listRunDirs } from '@gan/runs';
import { ReportError } from './errors.ts';
import { groupLabels } from './html/chart-spec.ts';
import { readSweepSelection, SWEEP_REF } from './sweeps.ts';
import { type Delta, delta, diffMetrics, kernelFields, WINDOWED_KEYS } from './diff.ts';
import {
  distinctValues,
  type GroupMetric,
  groupRuns,
  groupStats,
  makeGroup,
  type RunGroup,
  varyingKeys,
} from './group.ts';
import { resolveRefGroups } from './refs.ts';
import { runLetter } from './render.ts';
import { type LoadRunOptions, loadRun, type RunRecord, windowSuffix } from './runs.ts';
import type { Spread, Stats } from './stats.ts';
import { allKeys, type FlatParams, sameValue } from './values.ts';

/** A config key and, for each group, the distinct values its runs have (undefined: lacks it). */
export interface GroupConfigChange {
  key: string;
  values: unknown[][];
}

/** One metric in every group: its summary and the delta of its mean relative to the first group. */
export interface GroupMetricComparison {
  key: string;
  label: string;
  stats: Stats[];
  /** Of the means; null for the first group and for a missing mean. */
  deltas: (Delta | null)[];
}

/** The result of {@link diffGroups} / {@link compareGroups}. */
export interface GroupDiff {
  /** Labelled with the references they were given by (`decay@all`, `decay@latest`). */
  groups: RunGroup[];
  /** Keys whose values differ between the groups (every key with `allParams`). */
  config: GroupConfigChange[];
  /** The kernels' fields (see `kernelFields`) whose values differ between the groups, as `config`. */
  kernels: GroupConfigChange[];
  metrics: GroupMetricComparison[];
  window: number;
  spread: Spread;
  /** Things to know about the groups, e.g. a group whose runs differ in more than the seed. */
  notes: string[];
}

export interface GroupCompareOptions {
  allParams?: boolean;
  /** The window the runs were read with (labels say so); 0 or absent: the last row. */
  window?: number;
  spread?: Spread;
}

const sameSet = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x) => b.some((y) => sameValue(x, y)));

/** Compares groups already made (the first is the base of the deltas). */
export function compareGroups(groups: RunGroup[], options: GroupCompareOptions = {}): GroupDiff {
  const runs = groups.flatMap((g) => g.runs);
  const readable = runs.map((r) => r.params).filter((p) => Object.keys(p).length > 0);
  const config = allKeys(readable)
    .map((key) => ({ key, values: groups.map((g) => distinctValues(g, key)) }))
    .filter((c) => options.allParams || c.values.some((v) => !sameSet(v, c.values[0])));
  // The kernels as the config: each group's distinct values of each field.
  const fields = groups.map((g) => g.runs.map((r) => kernelFields(r.meta)));
  const distinctField = (group: readonly FlatParams[], key: string) => {
    const values: unknown[] = [];
    for (const f of group.filter((f) => Object.keys(f).length > 0)) {
      const v = Object.hasOwn(f, key) ? f[key] : undefined;
      if (!values.some((x) => sameValue(x, v))) values.push(v);
    }
    return values;
  };
  const kernels = allKeys(fields.flat())
    .map((key) => ({ key, values: fields.map((g) => distinctField(g, key)) }))
    .filter((c) => options.allParams || c.values.some((v) => !sameSet(v, c.values[0])));
  const suffix = windowSuffix(options.window);
  const defs: GroupMetric[] = diffMetrics(runs).map((m) => ({
    key: m.key,
    label: WINDOWED_KEYS.has(m.key) ? `${m.label}${suffix}` : m.label,
    value: m.value,
  }));
  const metrics = defs.map((m): GroupMetricComparison => {
    const stats = groups.map((g) => groupStats(g, m));
    const means = stats.map((s) => s.mean);
    return {
      key: m.key,
      label: m.label,
      stats,
      deltas: means.map((v, i) => (i === 0 ? null : delta(means[0], v))),
    };
  });
  const notes: string[] = [];
  groups.forEach((g, i) => {
    const varying = varyingKeys(g);
    if (varying.length > 0) {
      const shown =
        varying.slice(0, 5).join(', ') + (varying.length > 5 ? ` and ${varying.length - 5} more` : '');
      notes.push(`${runLetter(i)} (${g.label}): its runs differ in ${shown}, not only in the seed`);
    }
    const unreadable = g.runs.filter((r) => Object.keys(r.params).length === 0).length;
    if (unreadable > 0)
      notes.push(`${runLetter(i)} (${g.label}): ${unreadable} run(s) with an unreadable config.yaml`);
  });
  return {
    groups,
    config,
    kernels,
    metrics,
    window: options.window ?? 0,
    spread: options.spread ?? 'sd',
    notes,
  };
}

export interface GroupDiffOptions extends GroupCompareOptions, LoadRunOptions {
  /** Where relative folder references are resolved (default `process.cwd()`). */
  cwd?: string;
}

/**
 * Resolves references, `config@all` ones to every run of the config (see `refs.ts`), reads the
 * runs and compares the groups.
 *
 * ```ts
 * const d = await diffGroups('experiments', ['decay@all', 'decay-corrected@all'], { window: 1000 });
 * d.metrics.find((m) => m.key === 'dFake')?.stats.map((s) => s.mean); // [0.48, 0.21]
 * ```
 */
export async function diffGroups(
  experimentsDir: string,
  refs: readonly string[],
  options: GroupDiffOptions = {},
): Promise<GroupDiff> {
  const { runs: entries } = await listRunDirs(experimentsDir);
  const resolved = await resolveRefGroups(
    refs.filter((r) => !SWEEP_REF.test(r.trim())),
    entries,
    options.cwd,
  );
  const groups: RunGroup[] = [];
  for (const ref of refs) {
    const text = ref.trim();
    const sweepRef = SWEEP_REF.exec(text);
    if (sweepRef) {
      // A sweep stands for its groups (members that differ only in the seed), in member order.
      const selection = await readSweepSelection(experimentsDir, sweepRef[1]);
      const members = entries.filter((e) => selection.runDirs.has(resolve(e.runDir)));
      const runs: RunRecord[] = await Promise.all(members.map((e) => loadRun(e, options)));
      const made = groupRuns(runs, { kind: 'seed-excluded' });
      if (made.length === 0) throw new ReportError(`${text}: the sweep has no runs yet`);
      const labels = groupLabels(made);
      made.forEach((g, i) => groups.push(makeGroup(g.id, g.runs, labels[i])));
    } else {
      const r = resolved.find((x) => x.ref === text)!;
      const runs: RunRecord[] = await Promise.all(r.entries.map((e) => loadRun(e, options)));
      groups.push(makeGroup(r.ref, runs, r.ref));
    }
  }
  if (groups.length < 2) throw new ReportError('diff needs at least two groups: the sweep has one');
  const twice = groups.flatMap((g) => g.runs.map((r) => resolve(r.runDir)));
  if (new Set(twice).size !== twice.length) throw new ReportError(`${refs.join(' ')}: a run is named twice`);
  return compareGroups(groups, options);
}
