/**
 * Reading run folders for the report: each run's meta, resolved config and last metrics row,
 * through @gan/runs, tolerating the folders real runs leave behind. config.yaml is read with
 * @gan/training's config module (its schema's defaults and the names renamed since a run was
 * recorded), which depends on nothing but yaml and zod.
 */
import { basename, dirname } from 'node:path';
import { loadConfig } from '@gan/training/config';
import {
  configPath,
  currentMetricsRow,
  DEFAULT_STALE_AFTER_MS,
  lastActivity,
  listRunDirs,
  logsPrintedCost,
  metaPath,
  metricsPath,
  readMeta,
  type RunDirEntry,
  type RunMeta,
  type RunStatus,
  runLiveness,
  type SkippedDir,
} from '@gan/runs';
import { type LastRow, readLastRow, readTailWindow, type StepRow, type TailWindow } from './tail.ts';
import { type FlatParams, flattenParams, numberOrNull } from './values.ts';

/**
 * A run's status as the report shows it: the meta's; `crashed` for a `running` run whose process
 * is gone from this machine (killed without a chance to say so); `unreadable` when meta.json is
 * corrupt.
 */
export type ReportStatus = RunStatus | 'crashed' | 'unreadable';

/** One run folder as the report sees it. */
export interface RunRecord {
  /** The config name: meta.json's `name`, or the `<config-name>` folder when meta.json is unreadable. */
  name: string;
  /** The `<config-name>` folder the run sits in. */
  folder: string;
  runId: string;
  runDir: string;
  status: ReportStatus;
  /**
   * True for a `running` run that cannot be checked from this machine (another host's, or one
   * recorded before processes were) whose heartbeat and last write are older than the stale
   * threshold: probably killed without a chance to record it (shown as `running?`).
   */
  stale: boolean;
  /** Null when meta.json is unreadable. */
  meta: RunMeta | null;
  /** The resolved config (config.yaml) flattened to dotted keys; empty when unreadable. */
  params: FlatParams;
  /**
   * The last row of metrics.jsonl as today's columns mean it (see {@link currentRow}), or null
   * (none yet, or no file).
   */
  last: LastRow['row'];
  /**
   * The means over the rows of the last `window` steps of metrics.jsonl, when a window was asked
   * for (see {@link LoadRunOptions.window}); absent otherwise.
   */
  window?: RunWindow;
  /** Problems found while reading (corrupt files, a cut-off last line), for a note on stderr. */
  notes: string[];
}

export interface LoadRunOptions {
  /** A `running` run of another machine silent for this long is flagged stale (default 10 minutes). */
  staleAfterMs?: number;
  /** "Now", for the stale check (default `Date.now()`). */
  now?: number;
  /**
   * Final values as the mean over the rows of the last `window` steps instead of the last row
   * (default 0: the last row). Only the tail of metrics.jsonl the window covers is read.
   */
  window?: number;
}

/** A run's metrics averaged over the rows of its last steps (see `readTailWindow`). */
export type RunWindow = Pick<TailWindow, 'steps' | 'fromStep' | 'toStep' | 'rows' | 'mean'>;

/**
 * The metrics of metrics.jsonl the report shows, in this order: as final values (the last row's,
 * or the means `--window` takes) in tables and diffs, and as curves. `dCostPrinted`, the article's
 * printed D cost, is shown only when some run has it (see {@link showsPrintedCost}).
 */
export const FINAL_METRICS = ['dLoss', 'dCostPrinted', 'gLoss', 'dReal', 'dFake'] as const;

/** The config key deciding whether a run logs `dCostPrinted` (see @gan/runs `logsPrintedCost`). */
const REPORTED_KEY = 'loss.reportedDiscriminatorCost';

/**
 * A metrics row of `run` as today's columns mean it: a run of the article's configs logged before
 * `dCostPrinted` existed held that cost in `dLoss` (see @gan/runs `currentMetricsRow`), so every
 * metrics row the report reads goes through this. A run whose config.yaml is unreadable keeps its
 * rows as written.
 *
 * ```ts
 * const old = { params: { 'loss.reportedDiscriminatorCost': 'article-printed' } };
 * currentRow(old, { step: 10, dLoss: -0.05 }); // { step: 10, dCostPrinted: -0.05 }
 * ```
 */
export function currentRow<R extends Record<string, unknown>>(run: Pick<RunRecord, 'params'>, row: R): R {
  const reportedDiscriminatorCost = run.params[REPORTED_KEY];
  const printed =
    typeof reportedDiscriminatorCost === 'string' && logsPrintedCost({ loss: { reportedDiscriminatorCost } });
  return currentMetricsRow(row, printed);
}

/**
 * Whether some of `runs` has a final value of `dCostPrinted`: views show its column, row or
 * chart only then, so the reports of other runs look as they always did.
 */
export function showsPrintedCost(runs: readonly Pick<RunRecord, 'last' | 'window'>[]): boolean {
  return runs.some((r) => finalValue(r, 'dCostPrinted') !== null);
}

/**
 * A run's final value of a metrics.jsonl field: the mean over its window when the run was read
 * with one, else the last row's value; null when it has none.
 *
 * ```ts
 * finalValue(run, 'dFake'); // D(G(z)) of the last row, or its mean over the last 1000 steps
 * ```
 */
export function finalValue(run: Pick<RunRecord, 'last' | 'window'>, key: string): number | null {
  if (run.window) return Object.hasOwn(run.window.mean, key) ? run.window.mean[key] : null;
  return numberOrNull(run.last?.[key]);
}

/**
 * What a header adds when final values are window means, e.g. ` (mean of last 1000 steps)`; empty
 * without a window.
 */
export function windowSuffix(window: number | undefined): string {
  return window ? ` (mean of last ${window} step${window === 1 ? '' : 's'})` : '';
}

export { DEFAULT_STALE_AFTER_MS };

/**
 * Reads one run folder: meta.json, config.yaml and the last metrics row (read from the end of
 * metrics.jsonl, never the whole file), each row read as today's columns mean it
 * ({@link currentRow}). Never throws for a damaged run: what cannot be read is left empty and
 * described in `notes`.
 */
export async function loadRun(entry: RunDirEntry, options: LoadRunOptions = {}): Promise<RunRecord> {
  const notes: string[] = [];
  let meta: RunMeta | null = null;
  try {
    meta = await readMeta(entry.runDir);
  } catch (error) {
    notes.push(firstLine(error, metaPath(entry.runDir)));
  }
  let params: FlatParams = {};
  try {
    // A run folder's config may use names renamed since: read them with the behaviour they had.
    params = flattenParams(loadConfig(configPath(entry.runDir), [], { recordedRun: true }).config);
  } catch (error) {
    notes.push(firstLine(error, configPath(entry.runDir)));
  }
  let last: LastRow['row'] = null;
  let window: RunWindow | undefined;
  try {
    const file = metricsPath(entry.runDir);
    // Row by row: a run resumed since the column was added has rows of both forms.
    const read = { map: (row: StepRow) => currentRow({ params }, row) };
    let tail: LastRow;
    if (options.window) {
      const w = await readTailWindow(file, options.window, read);
      window = { steps: w.steps, fromStep: w.fromStep, toStep: w.toStep, rows: w.rows, mean: w.mean };
      tail = w;
    } else {
      tail = await readLastRow(file, read);
    }
    last = tail.row;
    if (tail.truncated && meta?.status !== 'running') {
      notes.push(`${metricsPath(entry.runDir)}: the last line is cut off (ignored)`);
    }
  } catch (error) {
    notes.push(firstLine(error, metricsPath(entry.runDir)));
  }
  // A window asked for but unreadable is an empty one, not the last row passed off as a mean.
  if (options.window && !window)
    window = { steps: options.window, fromStep: null, toStep: null, rows: 0, mean: {} };
  let status: ReportStatus = meta?.status ?? 'unreadable';
  let stale = false;
  if (meta?.status === 'running') {
    // Is its process still at it? Certain on this machine; by the heartbeat on another.
    const live = runLiveness(meta, {
      now: options.now,
      staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      lastActivityMs: await lastActivity(entry.runDir),
    });
    if (live.state === 'crashed') status = 'crashed';
    stale = live.state === 'stale';
  }
  return {
    name: meta?.name ?? entry.configName,
    folder: entry.configName,
    runId: entry.runId,
    runDir: entry.runDir,
    status,
    stale,
    meta,
    params,
    last,
    ...(window ? { window } : {}),
    notes,
  };
}

/** The RunDirEntry of a run folder given by its path. */
export function runDirEntry(runDir: string): RunDirEntry {
  return { configName: basename(dirname(runDir)), runId: basename(runDir), runDir };
}

/** The message of an error, first line only, prefixed by `file` unless it already names it. */
function firstLine(error: unknown, file: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return message.includes(file) ? message : `${file}: ${message}`;
}

/** Every run under an experiments folder, read, and the folders that are not runs. */
export interface RunSet {
  runs: RunRecord[];
  skipped: SkippedDir[];
}

export interface LoadRunsOptions extends LoadRunOptions {
  /** Only runs whose entry passes (checked before reading anything, to skip work). */
  filter?: (entry: RunDirEntry) => boolean;
  /** Runs read at the same time (default 16). */
  concurrency?: number;
}

/**
 * Reads every run under `experimentsDir` (`<config-name>/<run-id>/`), sorted by config folder then
 * run id (start time). Folders without meta.json are returned in `skipped`.
 */
export async function loadRuns(experimentsDir: string, options: LoadRunsOptions = {}): Promise<RunSet> {
  const listing = await listRunDirs(experimentsDir);
  const entries = options.filter ? listing.runs.filter(options.filter) : listing.runs;
  const runs = await mapConcurrent(entries, options.concurrency ?? 16, (entry) => loadRun(entry, options));
  return { runs, skipped: listing.skipped };
}

/** `items.map(fn)` with at most `limit` calls in flight; results keep the input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
