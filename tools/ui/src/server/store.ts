/**
 * The server's view of the experiments folder, read only through @gan/runs (and the report's
 * reader of one run): the runs, kept in a cache that a run's files' sizes and times invalidate, so
 * a listing of 1,000 runs costs a few stats per run instead of parsing every config again.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  configPath,
  isRunDir,
  listRunDirs,
  metaPath,
  metricsPath,
  RUN_ID_PATTERN,
  type RunDirEntry,
} from '@gan/runs';
import { differingKeys, groupId, loadRun, type RunRecord, statusLabel } from '@gan/report';
import type { RunSummary, RunsResponse } from '../shared/api.ts';

/** A `<config-name>` folder as @gan/runs makes them (see its `assertConfigName`). */
const FOLDER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * What the runs page shows of a run's last metrics row and its latest evaluation (`dCostPrinted`
 * only runs that log the article's printed D cost have).
 */
const LISTED_METRICS = ['step', 'dLoss', 'dCostPrinted', 'gLoss', 'dReal', 'dFake'];
const LISTED_EVAL = ['step', 'modesCovered', 'frechetDistance'];

/** Config keys not shown as parameter columns: the config column shows the name already. */
const IDENTITY_KEYS = new Set(['name', 'description']);

/**
 * The run folder `<folder>/<runId>` names, or null: both names must have the shapes @gan/runs
 * gives them (so `..`, `/`, `%2F` and the like never reach the file system) and the folder must
 * be a run (hold a meta.json).
 */
export async function findRun(
  experimentsDir: string,
  folder: string,
  runId: string,
): Promise<RunDirEntry | null> {
  if (!FOLDER_PATTERN.test(folder) || folder.endsWith('.') || !RUN_ID_PATTERN.test(runId)) return null;
  const runDir = join(experimentsDir, folder, runId);
  return (await isRunDir(runDir)) ? { configName: folder, runId, runDir } : null;
}

/** A number, or null for anything else. */
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * A run record as the page gets it. Its last metrics row is as today's columns mean it already:
 * the report's `loadRun` reads every row so (an old run's printed cost as `dCostPrinted`).
 */
export function toSummary(run: RunRecord): RunSummary {
  const last: Record<string, number> = {};
  for (const [k, v] of Object.entries(run.last ?? {})) if (typeof v === 'number') last[k] = v;
  const latestEval: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(run.meta?.latestEval ?? {})) {
    if (typeof v === 'number' || typeof v === 'string') latestEval[k] = v;
  }
  return {
    key: `${run.folder}/${run.runId}`,
    name: run.name,
    folder: run.folder,
    runId: run.runId,
    status: statusLabel(run),
    step: run.meta?.step ?? num(run.last?.step),
    steps: num(run.params['train.steps']) ?? run.meta?.totalSteps ?? null,
    startedAt: run.meta?.startedAt ?? null,
    stepsPerSec: run.meta?.stepsPerSec ?? null,
    last,
    latestEval,
    params: run.params,
    configKey: configKey(run),
    notes: run.notes,
  };
}

/** A short hash of the run's group in the report's default grouping (its config less the seed). */
export function configKey(run: RunRecord): string {
  const id = groupId(run, { kind: 'seed-excluded' });
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

interface Cached {
  /** The sizes and times of meta.json, metrics.jsonl and config.yaml when read. */
  signature: string;
  summary: RunSummary;
}

async function signatureOf(runDir: string): Promise<string> {
  const parts = await Promise.all(
    [metaPath(runDir), metricsPath(runDir), configPath(runDir)].map((p) =>
      stat(p).then(
        (s) => `${s.size}:${s.mtimeMs}`,
        () => '-',
      ),
    ),
  );
  return parts.join('|');
}

/** `items.map(fn)` with at most `limit` calls in flight. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** The runs of an experiments folder, read once and then again only when their files change. */
export class RunStore {
  private readonly cache = new Map<string, Cached>();

  constructor(readonly experimentsDir: string) {}

  /** One run's summary, from the cache when its files have not changed. */
  async summary(entry: RunDirEntry): Promise<RunSummary> {
    const key = `${entry.configName}/${entry.runId}`;
    const signature = await signatureOf(entry.runDir);
    const hit = this.cache.get(key);
    // A running run's status also depends on time (its process may have died): read it again.
    if (hit && hit.signature === signature && !hit.summary.status.startsWith('running')) return hit.summary;
    const summary = toSummary(await loadRun(entry));
    this.cache.set(key, { signature, summary });
    return summary;
  }

  private last: { at: number; response: RunsResponse } | null = null;

  /**
   * Every run, sorted by config folder and run id, with the config keys that differ. `quick`
   * (for the live listing, every second) reads again only the runs that are running and the
   * new ones; others are taken from the cache as they were. A listing younger than `maxAgeMs`
   * is returned as it is.
   */
  async list(options: { quick?: boolean; maxAgeMs?: number } = {}): Promise<RunsResponse> {
    if (this.last && options.maxAgeMs !== undefined && Date.now() - this.last.at <= options.maxAgeMs)
      return this.last.response;
    const started = performance.now();
    const listing = await listRunDirs(this.experimentsDir);
    const runs = await mapLimit(listing.runs, 32, (e) => {
      const hit = options.quick ? this.cache.get(`${e.configName}/${e.runId}`) : undefined;
      return hit && !hit.summary.status.startsWith('running')
        ? Promise.resolve(hit.summary)
        : this.summary(e);
    });
    const live = new Set(runs.map((r) => r.key));
    for (const key of this.cache.keys()) if (!live.has(key)) this.cache.delete(key);
    const flat = runs.map((r) => r.params).filter((p) => Object.keys(p).length > 0);
    const params = differingKeys(flat).filter((k) => !IDENTITY_KEYS.has(k));
    // Only the columns shown: a whole config per run would make 1,000 runs a megabytes-long answer.
    const shown = [...params, 'seed'];
    const pick = <T>(o: Record<string, T>, keys: readonly string[]) =>
      Object.fromEntries(keys.filter((k) => Object.hasOwn(o, k)).map((k) => [k, o[k]]));
    const slim = runs.map((r) => ({
      ...r,
      params: pick(r.params, shown),
      last: pick(r.last, LISTED_METRICS),
      latestEval: pick(r.latestEval, LISTED_EVAL),
    }));
    const response = {
      experimentsDir: this.experimentsDir,
      runs: slim,
      params,
      skipped: listing.skipped,
      listedInMs: Math.round(performance.now() - started),
    };
    this.last = { at: Date.now(), response };
    return response;
  }
}
