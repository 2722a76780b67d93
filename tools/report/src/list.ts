/**
 * `pnpm report`: every run, one row each, with the config keys that vary across the rows.
 */
import { RUN_ID_PATTERN, RUN_STATUSES, type RunDirEntry, type SkippedDir, runIdTime } from '@gan/gan-runner';
import { ReportError } from './errors.ts';
import { type LoadRunOptions, loadRuns, type RunRecord } from './runs.ts';
import { allKeys, differingKeys, numberOrNull } from './values.ts';

/** Statuses `--status` accepts: the store's, `stale` (a `running` run gone quiet) and `unreadable`. */
export const STATUS_FILTERS = [...RUN_STATUSES, 'stale', 'unreadable'] as const;

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
}

/** The result of {@link listRuns}. */
export interface RunList {
  experimentsDir: string;
  runs: RunRecord[];
  /** The config keys shown as columns, in config order. */
  params: string[];
  /** Folders at the run level that are not runs. */
  skipped: SkippedDir[];
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

/** The list's columns before the parameter columns, in order. */
export const LIST_COLUMNS: readonly ListColumn[] = [
  { key: 'config', header: 'config', aliases: ['name'], value: (r) => r.name },
  { key: 'run', header: 'run', aliases: ['runid', 'id', 'started'], value: (r) => r.runId },
  { key: 'status', header: 'status', aliases: [], value: (r) => statusLabel(r) },
  { key: 'step', header: 'step', aliases: ['steps'], value: (r) => r.meta?.step ?? r.last?.step ?? null },
  { key: 'dLoss', header: 'D loss', aliases: ['d', 'dloss'], value: (r) => numberOrNull(r.last?.dLoss) },
  { key: 'gLoss', header: 'G loss', aliases: ['g', 'gloss'], value: (r) => numberOrNull(r.last?.gLoss) },
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
  { key: 'dReal', header: 'D(x)', aliases: ['dreal'], value: (r) => numberOrNull(r.last?.dReal) },
  { key: 'dFake', header: 'D(G(z))', aliases: ['dfake'], value: (r) => numberOrNull(r.last?.dFake) },
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
 * keys that differ between the listed runs (all of them with `allParams`).
 *
 * ```ts
 * const list = await listRuns('experiments', { configs: ['decay'], sort: '-dLoss', limit: 10 });
 * for (const run of list.runs) console.log(run.runId, run.last?.dLoss, run.params['optim.generator.lr']);
 * ```
 */
export async function listRuns(experimentsDir: string, options: ListOptions = {}): Promise<RunList> {
  const configMatch = nameMatcher(options.configs ?? []);
  const statuses = checkStatuses(options.statuses ?? []);
  const since = options.since === undefined ? null : parseSince(options.since);
  const sortBy = options.sort === undefined ? null : parseSort(options.sort);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    throw new ReportError(`--limit: expected a whole number >= 0, got ${options.limit}`);
  }
  // Filter on the `<config-name>` folder before reading anything, so a filtered listing reads
  // only what it shows.
  const set = await loadRuns(experimentsDir, {
    ...options,
    filter: configMatch ? (e: RunDirEntry) => configMatch(e.configName) : undefined,
  });
  let runs = set.runs.filter(
    (r) => (!statuses || statuses.some((s) => statusMatches(r, s))) && (!since || startedAtOrAfter(r, since)),
  );
  if (sortBy) runs = sortRuns(runs, sortBy);
  if (options.limit !== undefined) runs = runs.slice(0, options.limit);
  // A run whose config.yaml cannot be read has no keys; it must not make every key "differ".
  const flat = runs.map((r) => r.params).filter((p) => Object.keys(p).length > 0);
  const params = (options.allParams ? allKeys(flat) : differingKeys(flat)).filter(
    (key) => options.allParams || !IDENTITY_KEYS.has(key),
  );
  return { experimentsDir, runs, params, skipped: set.skipped };
}

/** Matches config names against names with `*` wildcards; null for no filter. */
export function nameMatcher(patterns: string[]): ((name: string) => boolean) | null {
  const list = patterns
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
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
  const list = statuses
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
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

function parseSort(text: string): SortSpec {
  const descending = text.startsWith('-');
  const key = (descending ? text.slice(1) : text.startsWith('+') ? text.slice(1) : text).trim();
  if (key === '') throw new ReportError('--sort: expected a column, e.g. --sort dLoss or --sort -dLoss');
  return { key, descending };
}

/** The value a run sorts by for `key`: a column (by key, header or alias) or a config key. */
function sortValue(key: string, runs: readonly RunRecord[]): (run: RunRecord) => unknown {
  const lower = key.toLowerCase();
  const column = [...LIST_COLUMNS, ...EXTRA_SORT_COLUMNS].find(
    (c) => c.key.toLowerCase() === lower || c.header.toLowerCase() === lower || c.aliases.includes(lower),
  );
  if (column) return column.value;
  if (runs.some((r) => Object.hasOwn(r.params, key))) return (r) => r.params[key];
  if (runs.length === 0) return () => null;
  const known = allKeys(runs.map((r) => r.params));
  const close = known.filter((k) => k.toLowerCase().includes(lower)).slice(0, 5);
  throw new ReportError(
    `--sort: unknown column "${key}"; expected one of ${listColumnKeys().join(', ')} or a config key` +
      (close.length > 0 ? ` such as ${close.join(', ')}` : ' (e.g. optim.generator.lr)'),
  );
}

/**
 * Runs sorted by a column or config key; ties keep their order, and missing values (and NaN) go
 * last in both directions.
 */
export function sortRuns(runs: readonly RunRecord[], spec: SortSpec): RunRecord[] {
  const value = sortValue(spec.key, runs);
  const sign = spec.descending ? -1 : 1;
  return runs
    .map((run, index) => ({ run, index, v: value(run) }))
    .sort((a, b) => {
      const am = isMissing(a.v);
      const bm = isMissing(b.v);
      if (am || bm) return am === bm ? a.index - b.index : am ? 1 : -1;
      return sign * compareValues(a.v, b.v) || a.index - b.index;
    })
    .map((x) => x.run);
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
