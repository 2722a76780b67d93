import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic.ts';
import { DirError, errnoReason, makeDirs } from './dirs.ts';
import { type OwnerToken, RunOwner } from './owner.ts';
import { CHECKPOINTS_DIR, META_FILE, SAMPLES_DIR } from './paths.ts';

/** `20261126-153012-a3f9`: UTC date and time to the second, then 4 hex digits from the OS. */
export const RUN_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]{4}$/;

/**
 * A new run id, `YYYYMMDD-HHMMSS-xxxx` in UTC, so ids sort by start time (to the second) as plain
 * strings. The suffix comes from `crypto.randomBytes`, not from a seeded PRNG: ids must differ
 * between runs with the same seed, and {@link createRunDir} retries if one is taken anyway.
 *
 * ```ts
 * newRunId(new Date('2026-11-26T15:30:12Z')); // '20261126-153012-' + 4 random hex digits
 * ```
 */
export function newRunId(date: Date = new Date(), suffix: string = randomSuffix()): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('newRunId: invalid date');
  if (!/^[0-9a-f]{4}$/.test(suffix))
    throw new RangeError(`newRunId: suffix must be 4 hex digits, got "${suffix}"`);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const day = `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}`;
  const time = `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  return `${day}-${time}-${suffix}`;
}

/** The start time encoded in a run id (UTC, whole seconds), or null if `id` is not a run id. */
export function runIdTime(id: string): Date | null {
  const m = RUN_ID_PATTERN.exec(id);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? null : date;
}

const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_CONFIG_NAME = 100;
// Names Windows refuses as folder names, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * Throws unless `name` is usable as the `<config-name>` folder: letters, digits, `.`, `_`, `-`,
 * starting with a letter or digit, not ending with `.`, at most 100 characters.
 */
export function assertConfigName(name: string): void {
  const problem =
    typeof name !== 'string' || name.length === 0
      ? 'it is empty'
      : name.length > MAX_CONFIG_NAME
        ? `it is longer than ${MAX_CONFIG_NAME} characters`
        : !CONFIG_NAME.test(name)
          ? "use letters, digits, '.', '_' and '-', starting with a letter or digit"
          : name.endsWith('.')
            ? "it must not end with '.'"
            : RESERVED.test(name)
              ? 'it is a reserved device name on Windows'
              : null;
  if (problem) throw new Error(`invalid config name "${name}" (it names the run's folder): ${problem}`);
}

export interface CreatedRunDir {
  /** `<experimentsDir>/<configName>/<runId>` */
  runDir: string;
  runId: string;
  /** The run's first owner (epoch 1): the process that created it, the only one to write it. */
  owner: RunOwner;
}

export interface CreateRunDirOptions {
  /** The start time put in the id; defaults to now. */
  date?: Date;
  /** Source of the 4-hex-digit suffix; defaults to `crypto.randomBytes`. */
  randomSuffix?: () => string;
  /** Give up after this many taken ids (default 1000). */
  maxAttempts?: number;
  /** Who owns the new run, in words (default `pid <pid>`); see owner.ts. */
  owner?: string;
  /**
   * The files the folder holds from its first moment, by name (`config.yaml`, `meta.json`), made
   * from the run id they will live under; e.g. a meta.json saying `running`, so that no run folder
   * is ever seen, or left by a crash, without one.
   */
  files?: (runId: string, owner: OwnerToken) => Record<string, string | Uint8Array>;
}

/**
 * Creates `experiments/<config-name>/<run-id>/` (with its `samples/` and `checkpoints/` folders
 * and the `files` asked for) for a new run, all at once: the folder is built under a temporary
 * dot-name in `<config-name>/` and renamed to its id, so a reader, or a crash, sees either no run
 * folder or a complete one. An existing run folder is never reused or overwritten: if the id is
 * taken (two runs in the same second drew the same suffix) the rename fails and another suffix is
 * drawn. The folder is born owned by this process (epoch 1, see owner.ts), the only one to write
 * it until someone takes it over. Parents are created as needed; a folder that cannot be created
 * or written fails at once with a {@link DirError} naming it and the reason.
 *
 * ```ts
 * const { runDir, runId, owner } = await createRunDir('experiments', 'seed-mlp', {
 *   files: (runId) => ({ [CONFIG_FILE]: resolvedYaml }),
 * });
 * ```
 */
export async function createRunDir(
  experimentsDir: string,
  configName: string,
  options: CreateRunDirOptions = {},
): Promise<CreatedRunDir> {
  assertConfigName(configName);
  const date = options.date ?? new Date();
  const nextSuffix = options.randomSuffix ?? randomSuffix;
  const maxAttempts = options.maxAttempts ?? 1000;
  await makeDirs(experimentsDir, 'experiments folder');
  const parent = join(experimentsDir, configName);
  await makeDirs(parent, 'config folder');
  // A dot-name: listings skip it, and a crash before the rename leaves nothing that looks like a run.
  const staging = join(parent, `.new-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(staging);
  } catch (error) {
    throw new DirError(
      parent,
      `cannot write in the experiments folder ${parent}: ${errnoReason(error)}`,
      null,
      {
        cause: error,
      },
    );
  }
  try {
    await mkdir(join(staging, SAMPLES_DIR));
    await mkdir(join(staging, CHECKPOINTS_DIR));
    const token = RunOwner.found(staging, options.owner ?? `pid ${process.pid}`);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const runId = newRunId(date, nextSuffix());
      const runDir = join(parent, runId);
      for (const [name, data] of Object.entries(options.files?.(runId, token) ?? {})) {
        await writeFileAtomic(join(staging, name), data);
      }
      try {
        // NOTE: rename replaces an existing *empty* folder; a run folder never is one (it holds
        // samples/ and checkpoints/ from the start), so a taken id fails with ENOTEMPTY or EEXIST.
        await rename(staging, runDir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR') continue;
        throw error;
      }
      await fsyncDir(parent);
      return { runDir, runId, owner: RunOwner.of(runDir, token) };
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
  await rm(staging, { recursive: true, force: true }).catch(() => {});
  throw new Error(`could not create a run folder in ${parent}: ${maxAttempts} ids in a row were taken`);
}

/** True if `dir` is a run folder, i.e. it holds a `meta.json` file. */
export async function isRunDir(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, META_FILE))).isFile();
  } catch {
    return false;
  }
}

export interface RunDirEntry {
  configName: string;
  runId: string;
  runDir: string;
}

export interface SkippedDir {
  path: string;
  reason: string;
}

export interface RunDirListing {
  /** Run folders, sorted by config name, then run id (that is, start time). */
  runs: RunDirEntry[];
  /** Folders at the run level that are not runs, so a caller can say why they were ignored. */
  skipped: SkippedDir[];
}

/**
 * Every run folder under `experimentsDir` (two levels: `<config-name>/<run-id>/`). Files,
 * dot-entries and `_` folders (`_sweeps/`) are ignored; a missing `experimentsDir` gives an empty listing.
 *
 * ```ts
 * const { runs, skipped } = await listRunDirs('experiments');
 * for (const s of skipped) console.warn(`skipped ${s.path}: ${s.reason}`);
 * ```
 */
export async function listRunDirs(experimentsDir: string): Promise<RunDirListing> {
  const runs: RunDirEntry[] = [];
  const skipped: SkippedDir[] = [];
  for (const configName of await subfolders(experimentsDir)) {
    // `_sweeps/` and any other `_` folder: no config name starts with `_`.
    if (configName.startsWith('_')) continue;
    const configDir = join(experimentsDir, configName);
    for (const runId of await subfolders(configDir)) {
      const runDir = join(configDir, runId);
      if (await isRunDir(runDir)) runs.push({ configName, runId, runDir });
      else skipped.push({ path: runDir, reason: `not a run (no ${META_FILE})` });
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  runs.sort((a, b) => cmp(a.configName, b.configName) || cmp(a.runId, b.runId));
  skipped.sort((a, b) => cmp(a.path, b.path));
  return { runs, skipped };
}

async function subfolders(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(entry.name);
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(dir, entry.name)).catch(() => null);
      if (target?.isDirectory()) names.push(entry.name);
    }
  }
  return names;
}

function randomSuffix(): string {
  return randomBytes(2).toString('hex');
}
