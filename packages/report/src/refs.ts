/**
 * Run references, as `pnpm report diff` takes them:
 *
 * | reference                         | means                                              |
 * |-----------------------------------|----------------------------------------------------|
 * | `experiments/decay/20261126-...`  | that folder (any path to a run folder)             |
 * | `20261126-153012-a3f9`            | the run with that id, under any config             |
 * | `20261126-1530`                   | the one run whose id starts so (error if several)  |
 * | `decay/20261126-1530`             | the same, among the runs of config `decay`         |
 * | `decay@latest`, `decay@0`         | the newest run of `decay`                          |
 * | `decay@2`                         | the third newest                                   |
 * | `decay@all`                       | every run of `decay`: a group (see group-diff.ts)   |
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isRunDir, META_FILE, type RunDirEntry } from '@gan/runs';
import { ReportError } from './errors.ts';
import { runDirEntry } from './runs.ts';

/** How many candidates an error message lists before "and N more". */
const MAX_SHOWN = 10;

/**
 * Resolves one reference against the run folders `entries` (from `listRunDirs`); a path is
 * resolved against `cwd`. Throws a {@link ReportError} listing the candidates when the reference
 * is ambiguous or matches nothing.
 *
 * ```ts
 * const { runs } = await listRunDirs('experiments');
 * await resolveRunRef('decay@latest', runs); // { configName: 'decay', runId: '2026...', runDir: ... }
 * ```
 */
export async function resolveRunRef(ref: string, entries: readonly RunDirEntry[], cwd = process.cwd()) {
  const text = ref.trim();
  if (text === '') throw new ReportError('empty run reference');

  const at = /^(.+)@(latest|\d+)$/.exec(text);
  if (at) return byIndex(text, at[1], at[2] === 'latest' ? 0 : Number(at[2]), entries);

  const path = resolve(cwd, text);
  const info = statOrNull(path);
  if (info?.isDirectory()) {
    if (await isRunDir(path)) return runDirEntry(path);
    throw new ReportError(`${text}: not a run folder (no ${META_FILE})`);
  }

  const slash = text.lastIndexOf('/');
  const config = slash >= 0 ? text.slice(0, slash).split('/').at(-1)! : null;
  const prefix = slash >= 0 ? text.slice(slash + 1) : text;
  const pool = config === null ? entries : entries.filter((e) => e.configName === config);
  if (config !== null && pool.length === 0) throw unknownConfig(text, config, entries);
  const exact = pool.filter((e) => e.runId === prefix);
  const matches = exact.length > 0 ? exact : pool.filter((e) => prefix !== '' && e.runId.startsWith(prefix));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new ReportError(
      `${text}: ambiguous run reference, ${matches.length} runs match:\n${listEntries(newestFirst(matches))}\n` +
        'give more of the run id, or config/run-id',
    );
  }
  throw new ReportError(
    `${text}: no run matches (expected a run folder, a run id or its prefix, config/run-id, or config@latest / config@N)` +
      (pool.length > 0 ? `\nrecent runs:\n${listEntries(newestFirst(pool))}` : '\nthere are no runs yet'),
  );
}

/** Resolves several references; the same run given twice is an error (a diff with itself). */
export async function resolveRunRefs(
  refs: readonly string[],
  entries: readonly RunDirEntry[],
  cwd = process.cwd(),
) {
  const resolved: RunDirEntry[] = [];
  for (const ref of refs) {
    const entry = await resolveRunRef(ref, entries, cwd);
    const twice = resolved.find((e) => resolve(e.runDir) === resolve(entry.runDir));
    if (twice) throw new ReportError(`${ref}: names ${label(entry)} again`);
    resolved.push(entry);
  }
  return resolved;
}

function byIndex(text: string, config: string, n: number, entries: readonly RunDirEntry[]): RunDirEntry {
  const runs = newestFirst(entries.filter((e) => e.configName === config));
  if (runs.length === 0) throw unknownConfig(text, config, entries);
  if (n >= runs.length) {
    throw new ReportError(
      `${text}: config ${config} has ${runs.length} run${runs.length === 1 ? '' : 's'} ` +
        `(${config}@0 is the newest, ${config}@${runs.length - 1} the oldest)`,
    );
  }
  return runs[n];
}

function unknownConfig(text: string, config: string, entries: readonly RunDirEntry[]): ReportError {
  const names = [...new Set(entries.map((e) => e.configName))].sort();
  return new ReportError(
    `${text}: no runs of config "${config}"` +
      (names.length > 0 ? `; configs with runs: ${names.join(', ')}` : '; there are no runs yet'),
  );
}

function newestFirst(entries: readonly RunDirEntry[]): RunDirEntry[] {
  return [...entries].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

function label(e: RunDirEntry): string {
  return `${e.configName}/${e.runId}`;
}

function listEntries(entries: readonly RunDirEntry[]): string {
  const shown = entries.slice(0, MAX_SHOWN).map((e) => `  ${label(e)}`);
  if (entries.length > MAX_SHOWN) shown.push(`  ... and ${entries.length - MAX_SHOWN} more`);
  return shown.join('\n');
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** `config@all`: every run of a config, as a group. */
const GROUP_REF = /^(.+)@all$/;

/** True for a reference that names a group of runs (`decay@all`) or groups (`sweep:<sweep>`). */
export function isGroupRef(ref: string): boolean {
  return GROUP_REF.test(ref.trim()) || /^sweep:./.test(ref.trim());
}

/** A reference and the runs it names: one, or every run of a config for `config@all`. */
export interface ResolvedRef {
  ref: string;
  entries: RunDirEntry[];
}

/**
 * Resolves references that may name groups: `config@all` is every run of the config (oldest
 * first); any other reference is one run (see {@link resolveRunRef}). A run named twice, by any
 * two references, is an error. Later kinds of group (a sweep's members) resolve here too.
 *
 * ```ts
 * await resolveRefGroups(['decay@all', 'baseline@latest'], runs);
 * // [{ ref: 'decay@all', entries: [3 runs] }, { ref: 'baseline@latest', entries: [1 run] }]
 * ```
 */
export async function resolveRefGroups(
  refs: readonly string[],
  entries: readonly RunDirEntry[],
  cwd = process.cwd(),
): Promise<ResolvedRef[]> {
  const resolved: ResolvedRef[] = [];
  const seen = new Map<string, string>();
  for (const ref of refs) {
    const text = ref.trim();
    const group = GROUP_REF.exec(text);
    let named: RunDirEntry[];
    if (group) {
      const config = group[1];
      named = entries
        .filter((e) => e.configName === config)
        .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
      if (named.length === 0) throw unknownConfig(text, config, entries);
    } else {
      named = [await resolveRunRef(text, entries, cwd)];
    }
    for (const e of named) {
      const path = resolve(e.runDir);
      const before = seen.get(path);
      if (before !== undefined) {
        throw new ReportError(`${ref}: names ${label(e)} again (${before} names it too)`);
      }
      seen.set(path, ref);
    }
    resolved.push({ ref: text, entries: named });
  }
  return resolved;
}
