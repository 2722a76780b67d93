/**
 * Grouped reports as tables (text, Markdown, HTML) and JSON: one row per group with the mean and
 * spread of each column, and groups compared side by side.
 */
import { resolve } from 'node:path';
import type { GroupDiff } from './group-diff.ts';
import {
  distinctValues,
  type GroupList,
  type GroupMetric,
  groupByText,
  groupColumns,
  groupStats,
  jsonMetrics,
  type RunGroup,
  SEED_EXCLUDED,
  statusCounts,
  statusText,
} from './group.ts';
import {
  configDiffTable,
  kernelValueShown,
  JSON_FORMAT_VERSION,
  printedCostLegend,
  runLetter,
  statusCell,
  widenKernelColumns,
  windowLegend,
} from './render.ts';
import type { RunRecord } from './runs.ts';
import { formatStats, isPartial, spreadLegend, statsJson } from './stats.ts';
import type { Cell, Table, Tone } from './table.ts';
import { formatPercent, formatSigned, formatValue } from './values.ts';

/** A status cell for a group: its counts, coloured by the worst of them. */
function groupStatusCell(group: RunGroup): Cell {
  const tones = group.runs.map((r) => statusCell(r).tone);
  const tone: Tone | undefined = tones.includes('bad')
    ? 'bad'
    : tones.every((t) => t === tones[0])
      ? tones[0]
      : 'warn';
  return { text: statusText(group), tone };
}

/** `300/300`, `120..300/300` when the runs stopped at different steps. */
export function groupStepText(group: RunGroup): string {
  const steps = group.runs.map((r) => r.meta?.step ?? r.last?.step ?? null).filter((s) => s !== null);
  if (steps.length === 0) return '-';
  const min = Math.min(...steps);
  const max = Math.max(...steps);
  const range = min === max ? String(min) : `${min}..${max}`;
  const totals = new Set(group.runs.map((r) => r.meta?.totalSteps));
  const total = totals.size === 1 ? [...totals][0] : undefined;
  return total === undefined ? range : `${range}/${total}`;
}

/** A config key in a group: its value, or the distinct values of its runs (`1,2,3`). */
function groupParamCell(group: RunGroup, key: string): Cell | string {
  const values = distinctValues(group, key);
  if (values.length === 1 && values[0] === undefined) return { text: '-', tone: 'muted' };
  return values.map(formatValue).join(',');
}

/** The runs of every group of `list`. */
const listedRuns = (list: GroupList) => list.groups.flatMap((g) => g.runs);

/**
 * The grouped list as a table: config, n, status counts, step, then the mean and spread of D loss,
 * D cost (printed) when some run logs it, G loss, D(x), D(G(z)), modes, FD, the evaluation results
 * asked for and steps/s, then the config keys shown (those that tell the groups apart, or those of
 * `--by` / `--params`).
 */
export function groupTable(list: GroupList): Table {
  const columns = groupColumns(list.window, list.evalColumns, listedRuns(list));
  return {
    columns: [
      { header: 'config', maxWidth: 32 },
      { header: 'n', align: 'right' },
      { header: 'status', maxWidth: 40 },
      { header: 'step', align: 'right' },
      ...columns.map((c) => ({ header: c.label, align: 'right' as const })),
      ...list.params.map((key) => ({ header: key, maxWidth: 24 })),
    ],
    rows: list.groups.map((g) => [
      g.label,
      String(g.runs.length),
      groupStatusCell(g),
      groupStepText(g),
      ...columns.map((c) => formatStats(groupStats(g, c), list.spread, g.runs.length)),
      ...list.params.map((key) => groupParamCell(g, key)),
    ]),
  };
}

/** The lines under a grouped table: how runs were grouped, what the cells are, D cost (printed). */
export function groupNotes(list: GroupList): string[] {
  const columns = groupColumns(list.window, list.evalColumns, listedRuns(list));
  const partial = list.groups.some((g) => columns.some((c) => isPartial(groupStats(g, c), g.runs.length)));
  const notes = [`${groupByText(list.by)}; n = its runs`, spreadLegend(list.spread, partial)];
  const window = windowLegend(list.window, true);
  if (window) notes.push(window);
  const printed = printedCostLegend(columns.some((c) => c.key === 'dCostPrinted'));
  if (printed) notes.push(printed);
  return notes;
}

/** A run of a group in JSON: who it is and the values summarised. */
function groupRunJson(run: RunRecord, metrics: readonly GroupMetric[]) {
  return {
    name: run.name,
    runId: run.runId,
    path: resolve(run.runDir),
    status: run.status,
    stale: run.stale,
    seed: run.meta?.seed ?? (typeof run.params.seed === 'number' ? run.params.seed : null),
    values: Object.fromEntries(metrics.map((m) => [m.key, m.value(run)])),
    ...(run.window ? { window: run.window } : {}),
    notes: run.notes,
  };
}

/** One group in JSON (see {@link groupListJson}). */
function groupJson(group: RunGroup, metrics: readonly GroupMetric[], keys: readonly string[]) {
  const params: Record<string, unknown> = {};
  const varying: Record<string, unknown[]> = {};
  for (const key of keys) {
    const values = distinctValues(group, key);
    if (values.length === 1) {
      if (values[0] !== undefined) params[key] = values[0];
    } else {
      varying[key] = values.map((v) => (v === undefined ? null : v));
    }
  }
  return {
    label: group.label,
    configs: group.configs,
    n: group.runs.length,
    statuses: statusCounts(group),
    params,
    varying,
    stats: Object.fromEntries(metrics.map((m) => [m.key, statsJson(groupStats(group, m))])),
    runs: group.runs.map((r) => groupRunJson(r, metrics)),
  };
}

/**
 * `pnpm report --group --json`: per group, the mean, sample sd, min, max and n (finite values;
 * `nonFinite` counts NaN and infinite ones) of every column, and of every numeric evaluation
 * result whether shown or not; `columns` lists the keys of `stats` with their labels. `params`
 * holds the shown config keys whose value the whole group shares, `varying` those its runs
 * differ in; each run carries the values that were summarised.
 *
 * ```json
 * { "format": "gan-report/groups", "version": 2, "experimentsDir": "/home/me/gan/experiments",
 *   "by": "seed-excluded", "window": 0, "spread": "sd", "params": [], "evalColumns": [],
 *   "columns": [{ "key": "step", "label": "step" }, { "key": "dLoss", "label": "D loss" }, ...],
 *   "groups": [{ "label": "smoke", "configs": ["smoke"], "n": 3, "statuses": { "completed": 3 },
 *     "params": {}, "varying": {},
 *     "stats": { "dLoss": { "mean": 1.37, "sd": 0.031, "min": 1.34, "max": 1.40, "n": 3, "nonFinite": 0 }, ... },
 *     "runs": [{ "name": "smoke", "runId": "...", "path": "...", "status": "completed", "stale": false,
 *                "seed": 1, "values": { "dLoss": 1.40, ... }, "notes": [] }, ...] }],
 *   "skipped": [] }
 * ```
 *
 * `by` is `"seed-excluded"` or the list of `--by` keys. When some run logs the article's printed
 * D cost, `dCostPrinted` (label `D cost (printed)`) follows `dLoss` in `columns`, `stats` and each
 * run's `values` (null for a run without it).
 */
export function groupListJson(list: GroupList) {
  const metrics = jsonMetrics(list.window, listedRuns(list));
  return {
    format: 'gan-report/groups',
    version: JSON_FORMAT_VERSION,
    experimentsDir: resolve(list.experimentsDir),
    by: list.by.kind === 'keys' ? list.by.keys : SEED_EXCLUDED,
    window: list.window,
    spread: list.spread,
    params: list.params,
    evalColumns: list.evalColumns,
    columns: metrics.map((m) => ({ key: m.key, label: m.label })),
    groups: list.groups.map((g) => groupJson(g, metrics, list.params)),
    skipped: list.skipped,
  };
}

// ---------------------------------------------------------------------------------------------
// Comparing groups

/** Which letter is which group: letter, reference, configs, n, status counts, step, seeds. */
export function groupDiffGroupsTable(diff: GroupDiff): Table {
  return {
    columns: [
      { header: '' },
      { header: 'group', maxWidth: 40 },
      { header: 'config', maxWidth: 32 },
      { header: 'n', align: 'right' },
      { header: 'status', maxWidth: 40 },
      { header: 'step', align: 'right' },
      { header: 'seeds', maxWidth: 32 },
    ],
    rows: diff.groups.map((g, i) => [
      runLetter(i),
      g.label,
      g.configs.join(', '),
      String(g.runs.length),
      groupStatusCell(g),
      groupStepText(g),
      g.runs.map((r) => (r.meta ? String(r.meta.seed) : '?')).join(','),
    ]),
  };
}

/** Config keys that differ between groups, each group's distinct values (`1,2,3`). */
export function groupDiffConfigTable(diff: GroupDiff): Table {
  return configDiffTable(diff.config, diff.groups.length, (values: unknown[]) =>
    values.length === 1 && values[0] === undefined
      ? { text: '-', tone: 'muted' }
      : values.map(formatValue).join(','),
  );
}

/** Kernel fields that differ between groups, each group's distinct values, shortened as a run diff's. */
export function groupDiffKernelsTable(diff: GroupDiff): Table {
  const shown = diff.kernels.map((c) => {
    const show = kernelValueShown(c.key, c.values.flat());
    return { key: c.key, values: c.values.map((vs) => vs.map(show)) };
  });
  return widenKernelColumns(
    configDiffTable(
      shown,
      diff.groups.length,
      (values: unknown[]) =>
        values.length === 1 && values[0] === undefined
          ? { text: '-', tone: 'muted' }
          : values.map(formatValue).join(' | '),
      'kernels',
    ),
  );
}

/** The metrics side by side: each group's mean and spread, and Δ, Δ% of the means relative to A. */
export function groupDiffMetricsTable(diff: GroupDiff): Table {
  const columns: Table['columns'] = [{ header: 'metric' }, { header: 'A', align: 'right' }];
  const n = diff.groups.length;
  for (let i = 1; i < n; i++) {
    const suffix = n > 2 ? ` ${runLetter(i)}` : '';
    columns.push(
      { header: runLetter(i), align: 'right' },
      { header: `Δ${suffix}`, align: 'right' },
      { header: `Δ%${suffix}`, align: 'right' },
    );
  }
  const cell = (m: GroupDiff['metrics'][number], i: number): Cell =>
    formatStats(m.stats[i], diff.spread, diff.groups[i].runs.length);
  const rows = diff.metrics.map((m) => {
    const row: (Cell | string)[] = [m.label, cell(m, 0)];
    for (let i = 1; i < n; i++) {
      const d = m.deltas[i];
      row.push(
        cell(m, i),
        d
          ? { text: formatSigned(d.abs), tone: Number.isNaN(d.abs) ? 'bad' : undefined }
          : { text: '-', tone: 'muted' },
        d ? formatPercent(d.pct) : { text: '-', tone: 'muted' },
      );
    }
    return row;
  });
  return { columns, rows };
}

/** The lines under the compared metrics: what the cells are, the window, D cost (printed), the groups. */
export function groupDiffNotes(diff: GroupDiff): string[] {
  const partial = diff.metrics.some((m) =>
    m.stats.some((st, i) => isPartial(st, diff.groups[i].runs.length)),
  );
  const notes = [spreadLegend(diff.spread, partial)];
  const window = windowLegend(diff.window, true);
  if (window) notes.push(window);
  const printed = printedCostLegend(diff.metrics.some((m) => m.key === 'dCostPrinted'));
  if (printed) notes.push(printed);
  notes.push(...diff.notes);
  return notes;
}

/**
 * `pnpm report diff decay@all baseline@all --json`: each group (its reference, configs, runs),
 * the config keys and the kernels' fields that differ (each group's distinct values), and per metric each group's
 * summary and the delta of its mean relative to the first group. When some run logs the article's
 * printed D cost, a `dCostPrinted` metric (label `D cost (printed)`) follows `dLoss`.
 *
 * ```json
 * { "format": "gan-report/group-diff", "version": 2, "window": 0, "spread": "sd",
 *   "groups": [{ "label": "decay@all", "configs": ["decay"], "n": 3, "statuses": { "completed": 3 },
 *                "runs": [...] }, ...],
 *   "config": [{ "key": "optim.generator.lr", "values": [[0.001], [0.002]] }],
 *   "kernels": [{ "key": "variant", "values": [["avx512"], ["avx2", "baseline"]] }],
 *   "metrics": [{ "key": "dFake", "label": "D(G(z))",
 *                 "stats": [{ "mean": 0.48, "sd": 0.02, "min": 0.46, "max": 0.5, "n": 3, "nonFinite": 0 }, ...],
 *                 "deltas": [null, { "abs": -0.27, "pct": -56.2 }] }],
 *   "notes": [] }
 * ```
 */
export function groupDiffJson(diff: GroupDiff) {
  const defs = jsonMetrics(
    diff.window,
    diff.groups.flatMap((g) => g.runs),
  );
  return {
    format: 'gan-report/group-diff',
    version: JSON_FORMAT_VERSION,
    window: diff.window,
    spread: diff.spread,
    groups: diff.groups.map((g) => ({
      label: g.label,
      configs: g.configs,
      n: g.runs.length,
      statuses: statusCounts(g),
      runs: g.runs.map((r) => groupRunJson(r, defs)),
    })),
    config: diff.config.map(distinctJson),
    kernels: diff.kernels.map(distinctJson),
    metrics: diff.metrics.map((m) => ({
      key: m.key,
      label: m.label,
      stats: m.stats.map(statsJson),
      deltas: m.deltas,
    })),
    notes: diff.notes,
  };
}

/** A key's distinct values in each group, with null where runs lack it (JSON has no `undefined`). */
function distinctJson(c: { key: string; values: readonly unknown[][] }) {
  return { key: c.key, values: c.values.map((vs) => vs.map((v) => (v === undefined ? null : v))) };
}
