/**
 * Reports across seeds: runs grouped (by default, runs whose resolved configs are the same but
 * for the seed; or by chosen config keys), each group summarised by the mean and spread of its
 * runs' final metrics and evaluation results.
 *
 * Grouping is a pure function of the runs already read (`groupRuns`), after the list's filters:
 * a later `--sweep <id>` only has to narrow the runs (to a sweep's members) before it.
 *
 * ```ts
 * const list = await listGroups('experiments', { configs: ['decay*'], window: 1000 });
 * for (const g of list.groups) console.log(g.label, g.runs.length, groupStats(g, 'dFake', list.window).mean);
 * ```
 */
import { METRIC_LABELS, type SkippedDir } from '@gan/runs';
import { ReportError } from './errors.ts';
import {
  checkConfigKeys,
  evalLabel,
  evalValue,
  FRECHET_KEY,
  type ListOptions,
  listRuns,
  MODES_KEY,
  parseSort,
  resolveSortKey,
  type SortSpec,
  scalarEvalKeys,
  sortItems,
  splitList,
  statusLabel,
  unique,
} from './list.ts';
import { FINAL_METRICS, finalValue, type RunRecord, showsPrintedCost, windowSuffix } from './runs.ts';
import { SPREADS, type Spread, type Stats, summarize } from './stats.ts';
import type { SweepSelection } from './sweeps.ts';
import { differingKeys, sameValue } from './values.ts';

/** How runs are grouped: the config less its seed, or the values of chosen config keys. */
export type GroupBy = { kind: 'seed-excluded' } | { kind: 'keys'; keys: string[] };

/** The `--by` value for the default grouping. */
export const SEED_EXCLUDED = 'seed-excluded';

/** Config keys never shown as parameter columns (`name` is the config column already). */
const IDENTITY_KEYS = new Set(['name', 'description']);

/**
 * Parses `--by` values (repeated or `a,b`): none or `seed-excluded` for the default grouping,
 * else config keys.
 */
export function parseGroupBy(values: readonly string[]): GroupBy {
  const keys = unique(splitList(values));
  if (keys.length === 0 || (keys.length === 1 && keys[0] === SEED_EXCLUDED)) return { kind: 'seed-excluded' };
  if (keys.includes(SEED_EXCLUDED)) {
    throw new ReportError(`--by: "${SEED_EXCLUDED}" cannot be combined with config keys`);
  }
  return { kind: 'keys', keys };
}

/** A sentence saying how runs were grouped. */
export function groupByText(by: GroupBy): string {
  return by.kind === 'seed-excluded'
    ? 'groups: runs whose configs are the same except for the seed'
    : `groups: runs with the same ${by.keys.join(', ')}`;
}

/** Runs summarised together. */
export interface RunGroup {
  /** What its runs share, as JSON (or the run folder for a run whose config is unreadable). */
  id: string;
  /** How tables name it: its config name(s), or the reference it was given by (`decay@all`). */
  label: string;
  /** The config names of its runs, in first-seen order. */
  configs: string[];
  /** Its runs, in the order they were listed. */
  runs: RunRecord[];
}

/**
 * The identity of a run's group (equal for runs of one group); a run whose config cannot be read
 * is a group of its own.
 */
export function groupId(run: Pick<RunRecord, 'params' | 'runDir'>, by: GroupBy): string {
  if (Object.keys(run.params).length === 0) return `unreadable:${run.runDir}`;
  if (by.kind === 'keys') {
    return JSON.stringify(by.keys.map((k) => (Object.hasOwn(run.params, k) ? [run.params[k]] : [])));
  }
  const keys = Object.keys(run.params)
    .filter((k) => k !== 'seed')
    .sort();
  return JSON.stringify(keys.map((k) => [k, run.params[k]]));
}

/**
 * Groups `runs` by `by`, groups in the order of their first run, runs in their order.
 *
 * ```ts
 * groupRuns(runs, { kind: 'seed-excluded' });                  // decay seeds 1, 2, 3 -> one group
 * groupRuns(runs, { kind: 'keys', keys: ['data.scaling'] });   // one group per scaling
 * ```
 */
export function groupRuns(runs: readonly RunRecord[], by: GroupBy): RunGroup[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const id = groupId(run, by);
    const members = groups.get(id);
    if (members) members.push(run);
    else groups.set(id, [run]);
  }
  return [...groups].map(([id, members]) => makeGroup(id, members));
}

/** A group of `runs` labelled with their config names (or `label`). */
export function makeGroup(id: string, runs: RunRecord[], label?: string): RunGroup {
  const configs = unique(runs.map((r) => r.name));
  return { id, label: label ?? configs.join(', '), configs, runs };
}

// ---------------------------------------------------------------------------------------------
// What a group's row shows

/** A number read from each run of a group and summarised (a table column, a JSON `stats` key). */
export interface GroupMetric {
  /** `dLoss`, `stepsPerSec`, `eval.modesCovered`, ... */
  key: string;
  /** Its header: `D loss`, `modes`, `D(G(z)) (mean of last 1000 steps)`, ... */
  label: string;
  value: (run: RunRecord) => number | null;
}

const evalStat = (key: string) => (run: RunRecord) => {
  const v = evalValue(run, key);
  return typeof v === 'number' ? v : null;
};

/**
 * The columns of a grouped table of `runs`, in order: D loss, D cost (printed) when some of `runs`
 * has it, G loss, D(x), D(G(z)) (window means when `window` > 0), modes, FD, the evaluation results
 * asked for, steps/s.
 *
 * ```ts
 * groupColumns(0, [], runs).map((c) => c.label); // ['D loss', 'G loss', 'D(x)', 'D(G(z))', 'modes', 'FD', 'steps/s']
 * ```
 */
export function groupColumns(
  window: number,
  evalColumns: readonly string[],
  runs: readonly RunRecord[],
): GroupMetric[] {
  const suffix = windowSuffix(window);
  const extra = evalColumns.filter((k) => k !== MODES_KEY && k !== FRECHET_KEY);
  const printed = showsPrintedCost(runs);
  return [
    ...FINAL_METRICS.filter((key) => key !== 'dCostPrinted' || printed).map((key) => ({
      key,
      label: `${METRIC_LABELS[key].name}${suffix}`,
      value: (r: RunRecord) => finalValue(r, key),
    })),
    { key: `eval.${MODES_KEY}`, label: 'modes', value: evalStat(MODES_KEY) },
    { key: `eval.${FRECHET_KEY}`, label: 'FD', value: evalStat(FRECHET_KEY) },
    ...extra.map((key) => ({ key: `eval.${key}`, label: evalLabel(key), value: evalStat(key) })),
    { key: 'stepsPerSec', label: 'steps/s', value: (r: RunRecord) => r.meta?.stepsPerSec ?? null },
  ];
}

/**
 * Every metric JSON summarises: the step, the table's columns, and every numeric result of the
 * runs' latest evaluations (whether shown or not).
 */
export function jsonMetrics(window: number, runs: readonly RunRecord[]): GroupMetric[] {
  const columns = groupColumns(
    window,
    scalarEvalKeys(runs).filter((k) => k !== 'step'),
    runs,
  );
  const step: GroupMetric = {
    key: 'step',
    label: 'step',
    value: (r) => r.meta?.step ?? r.last?.step ?? null,
  };
  // The fixed columns always (stable keys for scripts), further evaluation results when some run has one.
  const fixed = new Set(groupColumns(window, [], runs).map((c) => c.key));
  return [step, ...columns.filter((c) => fixed.has(c.key) || hasNumber(c, runs))];
}

const hasNumber = (m: GroupMetric, runs: readonly RunRecord[]) => runs.some((r) => m.value(r) !== null);

/** A metric summarised over a group's runs (those without a value of it are left out). */
export function groupStats(group: RunGroup, metric: GroupMetric): Stats {
  return summarize(group.runs.map(metric.value));
}

/** The order status counts are written in. */
const STATUS_ORDER = [
  'completed',
  'running',
  'running?',
  'crashed',
  'interrupted',
  'diverged',
  'failed',
  'unreadable',
];

/** How many runs of each status, in a fixed order: `{ completed: 2, diverged: 1 }`. */
export function statusCounts(group: RunGroup): Record<string, number> {
  const counts = new Map<string, number>();
  for (const run of group.runs) {
    const s = statusLabel(run);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const rank = (s: string) => (STATUS_ORDER.includes(s) ? STATUS_ORDER.indexOf(s) : STATUS_ORDER.length);
  return Object.fromEntries([...counts].sort((a, b) => rank(a[0]) - rank(b[0])));
}

/** `3 completed`, `2 completed, 1 diverged`. */
export function statusText(group: RunGroup): string {
  return Object.entries(statusCounts(group))
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

/** The distinct values of a config key among a group's runs (undefined where a run lacks it). */
export function distinctValues(group: RunGroup, key: string): unknown[] {
  const values: unknown[] = [];
  for (const run of group.runs) {
    const v = Object.hasOwn(run.params, key) ? run.params[key] : undefined;
    if (!values.some((x) => sameValue(x, v))) values.push(v);
  }
  return values;
}

/** The config keys (seed aside) whose value is not the same in every run of the group. */
export function varyingKeys(group: RunGroup): string[] {
  const readable = group.runs.map((r) => r.params).filter((p) => Object.keys(p).length > 0);
  return differingKeys(readable).filter((k) => k !== 'seed');
}

// ---------------------------------------------------------------------------------------------
// Listing groups

export interface GroupListOptions extends ListOptions {
  /** `--by` values: none or `seed-excluded` for the default, else config keys (`a,b` allowed). */
  by?: readonly string[];
  /** How the spread is shown (default `sd`). */
  spread?: Spread;
  /** Only a sweep's members (`--sweep`): its swept keys are the parameter columns. */
  sweep?: SweepSelection;
}

/** The result of {@link listGroups}. */
export interface GroupList {
  experimentsDir: string;
  by: GroupBy;
  groups: RunGroup[];
  /** The config keys shown as columns. */
  params: string[];
  /** How `params` were picked: those that tell groups apart, every key, `--params`, or `--by`. */
  paramSelection: 'differing' | 'all' | 'chosen' | 'by';
  /** The meta.latestEval keys asked for as extra columns. */
  evalColumns: string[];
  /** Final values are means over each run's last `window` steps (0: the last row). */
  window: number;
  spread: Spread;
  skipped: SkippedDir[];
  /** The sweep the runs were narrowed to, or null. */
  sweep: Pick<SweepSelection, 'id' | 'swept' | 'members'> | null;
}

/** Throws unless `spread` is one of {@link SPREADS}. */
export function checkSpread(spread: string | undefined): Spread {
  if (spread === undefined) return 'sd';
  if (!(SPREADS as readonly string[]).includes(spread)) {
    throw new ReportError(`--spread: expected ${SPREADS.join(' or ')}, got "${spread}"`);
  }
  return spread as Spread;
}

/**
 * The runs under `experimentsDir` (filtered as `listRuns` filters them), grouped; then groups
 * sorted (by their means, `--sort`) and limited (`--limit` counts groups).
 */
export async function listGroups(experimentsDir: string, options: GroupListOptions = {}): Promise<GroupList> {
  const by = parseGroupBy(options.by ?? []);
  const spread = checkSpread(options.spread);
  const sortBy = options.sort === undefined ? null : parseSort(options.sort);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new ReportError(`--limit: expected a whole number >= 0, got ${options.limit}`);
  }
  const sweep = options.sweep ?? null;
  const list = await listRuns(experimentsDir, {
    ...options,
    sort: undefined,
    limit: undefined,
    runDirs: sweep?.runDirs ?? options.runDirs,
  });
  if (by.kind === 'keys') checkConfigKeys('--by', by.keys, list.runs);
  let groups = groupRuns(list.runs, by);
  if (sortBy) groups = sortGroups(groups, sortBy, list.window);
  if (options.limit !== undefined) groups = groups.slice(0, options.limit);
  let params: string[];
  let paramSelection: GroupList['paramSelection'];
  if (options.params !== undefined || options.allParams) {
    params = list.params;
    paramSelection = list.paramSelection;
  } else if (by.kind === 'keys') {
    params = by.keys;
    paramSelection = 'by';
  } else if (sweep?.swept.some((k) => k !== 'seed')) {
    // A sweep's groups differ in what it swept.
    params = sweep.swept.filter((k) => k !== 'seed');
    paramSelection = 'differing';
  } else {
    // The keys that tell the shown groups apart: those that differ between their runs, less the seed.
    const flat = groups.flatMap((g) => g.runs.map((r) => r.params)).filter((p) => Object.keys(p).length > 0);
    params = differingKeys(flat).filter((k) => k !== 'seed' && !IDENTITY_KEYS.has(k));
    paramSelection = 'differing';
  }
  return {
    experimentsDir,
    by,
    groups,
    params,
    paramSelection,
    evalColumns: list.evalColumns,
    window: list.window,
    spread,
    skipped: list.skipped,
    sweep: sweep === null ? null : { id: sweep.id, swept: sweep.swept, members: sweep.members },
  };
}

/**
 * Groups sorted by `spec`: a metric column by the group's mean, `n` by its size, `config` by its
 * label, `run` by its first run, `status` by its status text, a config key by the group's value
 * (groups whose runs differ in it go last), an evaluation result by its mean.
 */
export function sortGroups(groups: readonly RunGroup[], spec: SortSpec, window: number): RunGroup[] {
  return sortItems(groups, groupSortValue(spec.key, groups, window), spec.descending);
}

function groupSortValue(key: string, groups: readonly RunGroup[], window: number): (g: RunGroup) => unknown {
  if (['n', 'runs', 'count'].includes(key.toLowerCase())) return (g) => g.runs.length;
  const runs = groups.flatMap((g) => g.runs);
  const target = resolveSortKey(key, runs);
  if (target === null) return () => null;
  const mean = (metric: GroupMetric) => (g: RunGroup) => groupStats(g, metric).mean;
  const byKey = new Map(groupColumns(window, [], runs).map((m) => [m.key, m]));
  if (target.kind === 'param') {
    return (g) => {
      const values = distinctValues(g, target.key);
      return values.length === 1 ? values[0] : null;
    };
  }
  if (target.kind === 'eval') {
    return mean({ key: `eval.${target.key}`, label: target.key, value: evalStat(target.key) });
  }
  switch (target.column.key) {
    case 'config':
      return (g) => g.label;
    case 'run':
      return (g) => g.runs.map((r) => r.runId).sort()[0];
    case 'status':
      return statusText;
    case 'step':
      return mean({ key: 'step', label: 'step', value: (r) => r.meta?.step ?? r.last?.step ?? null });
    case 'modes':
      return mean(byKey.get(`eval.${MODES_KEY}`)!);
    case 'fd':
      return mean(byKey.get(`eval.${FRECHET_KEY}`)!);
    case 'speed':
      return mean(byKey.get('stepsPerSec')!);
    default: {
      const metric = byKey.get(target.column.key);
      return metric ? mean(metric) : () => null;
    }
  }
}
