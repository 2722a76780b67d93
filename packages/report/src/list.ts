/**
 * `pnpm report`: every run, one row each, with the config keys that vary across the rows.
 */
import {
  METRIC_LABELS,
  RUN_ID_PATTERN,
  RUN_STATUSES,
  type RunDirEntry,
  runIdTime,
  type SkippedDir,
} from '@gan/runs';
import { resolve } from 'node:path';
import { ReportError } from './errors.ts';
import { finalValue, type LoadRunOptions, loadRuns, type RunRecord } from './runs.ts';
import { allKeys, closeKeys, differingKeys, formatValue, numberOrNull } from './values.ts';

/**
 * Statuses `--status` accepts: the store's, `crashed` (a `running` run whose process is gone from
 * this machine), `stale` (another machine's `running` run gone quiet) and `unreadable`.
 */
export const STATUS_FILTERS = [...RUN_STATUSES, 'crashed', 'stale', 'unreadable'] as const;

/** Config keys never shown as parameter columns: `name` is the config column already. */
const IDENTITY_KEYS = new Set(['name', 'description']);

export interface ListOptions extends LoadRunOptions {
  /** Config names (the `<config-name>` folders) to keep, exact or with `*` wildcards; empty keeps all. */
  configs?: string[];
  /** Statuses to keep (see {@link STATUS_FILTERS}); empty keeps all. */
  statuses?: string[];
  /** Keep runs started at or after this: a run id (or its `YYYYMMDD-HHMMSS` prefix) or a date. */
  since?: string;
  /** A column key (see {@link listColumnKeys}) or a config key; `-` prefix for descending. */
  sort?: string;
  /** Keep the first N rows after sorting. */
  limit?: number;
  /** Show every config key, not only those that vary across the listed runs. */
  allParams?: boolean;
  /**
   * Show exactly these config keys (flattened dotted paths, in this order; `a,b` lists allowed)
   * instead of the varying ones; `['none']` or `[]` shows none. A key no run has is an error.
   * Excludes `allParams`.
   */
  params?: readonly string[];
  /**
   * Keys of meta.latestEval shown as extra columns (`a,b` lists allowed), e.g. `inceptionScore`,
   * `display.modesCovered`. A key no run has, or one holding a list (a histogram), is an error.
   */
  evalColumns?: readonly string[];
  /** Only these run folders (absolute paths): a sweep's members. */
  runDirs?: ReadonlySet<string>;
}

/** The result of {@link listRuns}. */
export interface RunList {
  experimentsDir: string;
  runs: RunRecord[];
  /** The config keys shown as columns: in config order, or as chosen. */
  params: string[];
  /** How `params` were picked: those that differ, every key, or the ones asked for. */
  paramSelection: 'differing' | 'all' | 'chosen';
  /** The meta.latestEval keys asked for as extra columns, in the order given. */
  evalColumns: string[];
  /** Folders at the run level that are not runs. */
  skipped: SkippedDir[];
  /** Final losses and D outputs are means over each run's last `window` steps (0: the last row). */
  window: number;
}

/** A fixed column of the list: its key (for `--sort`), header and the value it sorts by. */
export interface ListColumn {
  key: string;
  header: string;
  aliases: string[];
  value: (run: RunRecord) => string | number | null;
}

/** The eval result keys the list shows, when the run's meta.latestEval has them. */
export const MODES_KEY = 'modesCovered';
export const FRECHET_KEY = 'frechetDistance';

export const evalNumber = (run: RunRecord, key: string): number | null =>
  numberOrNull(run.meta?.latestEval?.[key]);

/** How jsonl files spell the numbers JSON has no form for. */
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * A meta.latestEval value for a column: a number (non-finite ones spelt as strings read back),
 * other values as text, null when the run has none.
 */
export function evalValue(run: RunRecord, key: string): number | string | null {
  const latest = run.meta?.latestEval;
  if (!latest || !Object.hasOwn(latest, key)) return null;
  const value = latest[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.hasOwn(NON_FINITE, value)) return NON_FINITE[value];
  return value === null || value === undefined ? null : formatValue(value);
}

/** Short headers of the known evaluation results (see @gan/training's `MnistEval` and `RingEval`). */
const EVAL_LABELS: Record<string, string> = {
  modesCovered: 'modes',
  frechetDistance: 'FD',
  inceptionScore: 'IS',
  klUniform: 'KL',
  meanConfidence: 'confidence',
  diversity: 'diversity',
  nnDistance: 'NN dist',
  precision: 'precision',
  recall: 'recall',
  density: 'density',
  coverage: 'coverage',
  highQuality: 'high quality',
  pacganModes: 'modes (PacGAN)',
  pacganHighQuality: 'HQ (PacGAN)',
  pacganReverseKl: 'reverse KL (PacGAN)',
  classHistogram: 'histogram',
  modes: 'mode count',
  samples: 'eval samples',
  coverageThreshold: 'coverage min',
  step: 'eval step',
};
const DISPLAY_PREFIX = 'display.';

/**
 * The column header of a meta.latestEval key: a short name for the known results, the key itself
 * otherwise, and the `display.` prefix (scores on the sample grids' scale) as a suffix.
 *
 * ```ts
 * evalLabel('inceptionScore');       // 'IS'
 * evalLabel('display.modesCovered'); // 'modes (display)'
 * ```
 */
export function evalLabel(key: string): string {
  if (key.startsWith(DISPLAY_PREFIX) && key.length > DISPLAY_PREFIX.length) {
    return `${evalLabel(key.slice(DISPLAY_PREFIX.length))} (display)`;
  }
  return Object.hasOwn(EVAL_LABELS, key) ? EVAL_LABELS[key] : key;
}

/**
 * The list's columns before the parameter columns, in order; `dCostPrinted` (the article's printed
 * D cost) is shown only when some listed run has it, but always sorts.
 */
export const LIST_COLUMNS: readonly ListColumn[] = [
  { key: 'config', header: 'config', aliases: ['name'], value: (r) => r.name },
  { key: 'run', header: 'run', aliases: ['runid', 'id', 'started'], value: (r) => r.runId },
  { key: 'status', header: 'status', aliases: [], value: (r) => statusLabel(r) },
  { key: 'step', header: 'step', aliases: ['steps'], value: (r) => r.meta?.step ?? r.last?.step ?? null },
  {
    key: 'dLoss',
    header: METRIC_LABELS.dLoss.name,
    aliases: ['d', 'dloss'],
    value: (r) => finalValue(r, 'dLoss'),
  },
  {
    key: 'dCostPrinted',
    header: METRIC_LABELS.dCostPrinted.name,
    aliases: ['dprinted', 'dcostprinted', 'printed'],
    value: (r) => finalValue(r, 'dCostPrinted'),
  },
  {
    key: 'gLoss',
    header: METRIC_LABELS.gLoss.name,
    aliases: ['g', 'gloss'],
    value: (r) => finalValue(r, 'gLoss'),
  },
  {
    key: 'modes',
    header: 'modes',
    aliases: [MODES_KEY.toLowerCase()],
    value: (r) => evalNumber(r, MODES_KEY),
  },
  {
    key: 'fd',
    header: 'FD',
    aliases: [FRECHET_KEY.toLowerCase(), 'frechet'],
    value: (r) => evalNumber(r, FRECHET_KEY),
  },
  {
    key: 'speed',
    header: 'steps/s',
    aliases: ['steps/s', 'stepspersec'],
    value: (r) => r.meta?.stepsPerSec ?? null,
  },
];

/** Sort keys that are not shown as columns but are handy. */
const EXTRA_SORT_COLUMNS: readonly ListColumn[] = [
  {
    key: 'dReal',
    header: METRIC_LABELS.dReal.name,
    aliases: ['dreal'],
    value: (r) => finalValue(r, 'dReal'),
  },
  {
    key: 'dFake',
    header: METRIC_LABELS.dFake.name,
    aliases: ['dfake'],
    value: (r) => finalValue(r, 'dFake'),
  },
];

/** `running?` for a stale run, else the status. */
export function statusLabel(run: RunRecord): string {
  return run.stale ? 'running?' : run.status;
}

/** The column keys `--sort` accepts besides config keys. */
export function listColumnKeys(): string[] {
  return [...LIST_COLUMNS, ...EXTRA_SORT_COLUMNS].map((c) => c.key);
}

/**
 * Lists the runs under `experimentsDir`, filtered, sorted and limited; `params` are the config
 * keys that differ between the listed runs (all of them with `allParams`, exactly the ones given
 * with `params`), `evalColumns` the meta.latestEval keys asked for.
 *
 * ```ts
 * const list = await listRuns('experiments', { configs: ['decay'], sort: '-dLoss', limit: 10 });
 * for (const run of list.runs) console.log(run.runId, run.last?.dLoss, run.params['optim.generator.lr']);
 * const narrow = await listRuns('experiments', {
 *   params: ['data.scaling,loss.discriminator'],
 *   evalColumns: ['inceptionScore', 'display.modesCovered'],
 *   sort: '-inceptionScore',
 * });
 * ```
 */
export async function listRuns(experimentsDir: string, options: ListOptions = {}): Promise<RunList> {
  if (options.allParams && options.params !== undefined) {
    throw new ReportError(
      '--all-params and --params exclude each other: --params shows exactly the keys given',
    );
  }
  const chosenParams = options.params === undefined ? null : parseParams(options.params);
  const evalColumns = unique(splitList(options.evalColumns ?? []));
  const configMatch = nameMatcher(options.configs ?? []);
  const statuses = checkStatuses(options.statuses ?? []);
  const since = options.since === undefined ? null : parseSince(options.since);
  const sortBy = options.sort === undefined ? null : parseSort(options.sort);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new ReportError(`--limit: expected a whole number >= 0, got ${options.limit}`);
  }
  if (options.window !== undefined && !(Number.isInteger(options.window) && options.window >= 0)) {
    throw new ReportError(`--window: expected a whole number of steps >= 0, got ${options.window}`);
  }
  // Filter on the `<config-name>` folder before reading anything, so a filtered listing reads
  // only what it shows.
  const only = options.runDirs;
  const set = await loadRuns(experimentsDir, {
    ...options,
    filter:
      configMatch || only
        ? (e: RunDirEntry) =>
            (!configMatch || configMatch(e.configName)) && (!only || only.has(resolve(e.runDir)))
        : undefined,
  });
  // Keys are checked against every run read, not only the listed ones: a filter that leaves no
  // run with the key does not make it a typo.
  if (chosenParams) checkParams(chosenParams, set.runs);
  for (const key of evalColumns) checkEvalKey('--eval', key, set.runs);
  let runs = set.runs.filter(
    (r) => (!statuses || statuses.some((s) => statusMatches(r, s))) && (!since || startedAtOrAfter(r, since)),
  );
  if (sortBy) runs = sortRuns(runs, sortBy);
  if (options.limit !== undefined) runs = runs.slice(0, options.limit);
  // A run whose config.yaml cannot be read has no keys; it must not make every key "differ".
  const flat = runs.map((r) => r.params).filter((p) => Object.keys(p).length > 0);
  const params =
    chosenParams ??
    (options.allParams ? allKeys(flat) : differingKeys(flat).filter((key) => !IDENTITY_KEYS.has(key)));
  const paramSelection = chosenParams ? 'chosen' : options.allParams ? 'all' : 'differing';
  const window = options.window ?? 0;
  return { experimentsDir, runs, params, paramSelection, evalColumns, skipped: set.skipped, window };
}

/** `['a,b', ' c ']` -> `['a', 'b', 'c']`: options that take lists take them repeated or comma-separated. */
export function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export const unique = (list: readonly string[]): string[] => [...new Set(list)];

/** The keys of `--params`; `none` alone (or nothing) for none. */
function parseParams(values: readonly string[]): string[] {
  const keys = unique(splitList(values));
  if (keys.includes('none')) {
    if (keys.length > 1) throw new ReportError('--params: "none" cannot be combined with config keys');
    return [];
  }
  return keys;
}

function checkParams(keys: readonly string[], runs: readonly RunRecord[]): void {
  checkConfigKeys('--params', keys, runs);
}

/**
 * Throws unless every one of `keys` is a config key of some run of `runs`, naming close keys for
 * those that are not (`option` starts the message). Nothing is checked when no config was read.
 */
export function checkConfigKeys(option: string, keys: readonly string[], runs: readonly RunRecord[]): void {
  const known = allKeys(runs.map((r) => r.params));
  // Nothing to check against when no run's config could be read.
  if (known.length === 0) return;
  const problems = keys
    .filter((key) => !known.includes(key))
    .map((key) => {
      const close = closeKeys(key, known);
      return (
        `${option}: unknown config key "${key}"` +
        (close.length > 0
          ? `; did you mean ${close.join(', ')}?`
          : '; expected a dotted path such as seed or optim.generator.lr')
      );
    });
  if (problems.length > 0) {
    throw new ReportError(`${problems.join('\n')}\n(pnpm report --all-params shows every config key)`);
  }
}

/** The meta.latestEval keys of `runs`, in first-seen order. */
function evalKeys(runs: readonly RunRecord[]): string[] {
  return allKeys(runs.map((r) => r.meta?.latestEval ?? {}));
}

/** The eval keys holding a single value (not a list such as a class histogram) in every run. */
export function scalarEvalKeys(runs: readonly RunRecord[]): string[] {
  return evalKeys(runs).filter((key) => !runs.some((r) => isCompound(r.meta?.latestEval?.[key])));
}

const isCompound = (value: unknown): boolean => value !== null && typeof value === 'object';

/**
 * Throws unless `key` is a meta.latestEval key of some run holding a single value. Nothing is
 * checked when no run has been evaluated yet.
 */
export function checkEvalKey(option: string, key: string, runs: readonly RunRecord[]): void {
  const known = evalKeys(runs);
  if (known.length === 0) return;
  const scalar = scalarEvalKeys(runs);
  if (!known.includes(key)) {
    // A header typed for the key (IS, KL) points at the key behind it.
    const byLabel = scalar.filter((k) => evalLabel(k).toLowerCase() === key.toLowerCase());
    const close = unique([...byLabel, ...closeKeys(key, scalar)]).slice(0, 5);
    throw new ReportError(
      `${option}: no run has "${key}" in its latest evaluation` +
        (close.length > 0 ? `; did you mean ${close.join(', ')}?` : '') +
        `\nevaluation results: ${scalar.join(', ')}`,
    );
  }
  if (!scalar.includes(key)) {
    throw new ReportError(
      `${option}: "${key}" is a list of values (a histogram), not one number` +
        `\nevaluation results: ${scalar.join(', ')}`,
    );
  }
}

/** Matches config names against names with `*` wildcards; null for no filter. */
export function nameMatcher(patterns: string[]): ((name: string) => boolean) | null {
  const list = splitList(patterns);
  if (list.length === 0) return null;
  const regexes = list.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (name) => regexes.some((re) => re.test(name));
}

function checkStatuses(statuses: string[]): string[] | null {
  const list = splitList(statuses);
  if (list.length === 0) return null;
  for (const s of list) {
    const valid = s === 'running?' || (STATUS_FILTERS as readonly string[]).includes(s);
    if (!valid)
      throw new ReportError(`--status: unknown status "${s}"; expected one of ${STATUS_FILTERS.join(', ')}`);
  }
  return list;
}

/** `running` keeps every running run (stale ones too); `stale` (or `running?`) only the stale ones. */
function statusMatches(run: RunRecord, wanted: string): boolean {
  if (wanted === 'stale' || wanted === 'running?') return run.stale;
  return run.status === wanted;
}

/** What `--since` compares with: a run id (string order is start order), or a time. */
type Since = { runId: string } | { time: number };

/**
 * Parses `--since`: a run id (`20261126-153012-a3f9`), a run id prefix of whole fields
 * (`20261126`, `20261126-1530`) or anything `Date.parse` reads (`2026-11-26`, `2026-11-26T15:30Z`).
 */
export function parseSince(text: string): Since {
  const t = text.trim();
  if (RUN_ID_PATTERN.test(t)) return { runId: t };
  const m = /^(\d{4})(\d{2})(\d{2})(?:-(\d{2})(\d{2})?(\d{2})?)?$/.exec(t);
  if (m) {
    const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
    const id = `${y}${mo}${d}-${h}${mi}${s}-0000`;
    const time = runIdTime(id);
    if (time) return { time: time.getTime() };
  }
  const time = Date.parse(t);
  if (Number.isNaN(time)) {
    throw new ReportError(
      `--since: expected a run id (20261126-153012-a3f9), a prefix of one (20261126-1530) or a date (2026-11-26), got "${text}"`,
    );
  }
  return { time };
}

function startedAtOrAfter(run: RunRecord, since: Since): boolean {
  if ('runId' in since) return run.runId >= since.runId;
  const started = run.meta ? Date.parse(run.meta.startedAt) : (runIdTime(run.runId)?.getTime() ?? Number.NaN);
  return started >= since.time;
}

/** A parsed `--sort` value. */
export interface SortSpec {
  key: string;
  descending: boolean;
}

export function parseSort(text: string): SortSpec {
  const descending = text.startsWith('-');
  const key = (descending ? text.slice(1) : text.startsWith('+') ? text.slice(1) : text).trim();
  if (key === '') throw new ReportError('--sort: expected a column, e.g. --sort dLoss or --sort -dLoss');
  return { key, descending };
}

/** What a `--sort` key names: a column of the list, a config key or an evaluation result. */
export type SortTarget =
  | { kind: 'column'; column: ListColumn }
  | { kind: 'param'; key: string }
  | { kind: 'eval'; key: string };

/**
 * What `key` names among `runs`: a column (by key, header or alias), a config key, or a
 * meta.latestEval key (by key, or by its header such as `IS`); null when there are no runs to
 * tell. Throws a ReportError with close keys otherwise.
 */
export function resolveSortKey(key: string, runs: readonly RunRecord[]): SortTarget | null {
  const lower = key.toLowerCase();
  const column = [...LIST_COLUMNS, ...EXTRA_SORT_COLUMNS].find(
    (c) => c.key.toLowerCase() === lower || c.header.toLowerCase() === lower || c.aliases.includes(lower),
  );
  if (column) return { kind: 'column', column };
  if (runs.some((r) => Object.hasOwn(r.params, key))) return { kind: 'param', key };
  if (runs.length === 0) return null;
  const evaluated = evalKeys(runs);
  const evalKey = evaluated.includes(key) ? key : evaluated.find((k) => evalLabel(k).toLowerCase() === lower);
  if (evalKey !== undefined) {
    checkEvalKey('--sort', evalKey, runs);
    return { kind: 'eval', key: evalKey };
  }
  const close = closeKeys(key, [...allKeys(runs.map((r) => r.params)), ...scalarEvalKeys(runs)]);
  throw new ReportError(
    `--sort: unknown column "${key}"; expected one of ${listColumnKeys().join(', ')}, a config key or an evaluation result` +
      (close.length > 0 ? ` such as ${close.join(', ')}` : ' (e.g. optim.generator.lr, inceptionScore)'),
  );
}

/** The value a run sorts by for `key` (see {@link resolveSortKey}). */
function sortValue(key: string, runs: readonly RunRecord[]): (run: RunRecord) => unknown {
  const target = resolveSortKey(key, runs);
  if (target === null) return () => null;
  if (target.kind === 'column') return target.column.value;
  if (target.kind === 'param') return (r) => r.params[target.key];
  return (r) => evalValue(r, target.key);
}

/**
 * Runs sorted by a column or config key; ties keep their order, and missing values (and NaN) go
 * last in both directions.
 */
export function sortRuns(runs: readonly RunRecord[], spec: SortSpec): RunRecord[] {
  return sortItems(runs, sortValue(spec.key, runs), spec.descending);
}

/**
 * `items` sorted by `value`: numbers before text, ties in their order, missing values (and NaN)
 * last in both directions.
 */
export function sortItems<T>(items: readonly T[], value: (item: T) => unknown, descending: boolean): T[] {
  const sign = descending ? -1 : 1;
  return items
    .map((item, index) => ({ item, index, v: value(item) }))
    .sort((a, b) => {
      const am = isMissing(a.v);
      const bm = isMissing(b.v);
      if (am || bm) return am === bm ? a.index - b.index : am ? 1 : -1;
      return sign * compareValues(a.v, b.v) || a.index - b.index;
    })
    .map((x) => x.item);
}

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') return -1; // numbers before text in a mixed column
  if (typeof b === 'number') return 1;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
