/**
 * The sweep folder, `experiments/_sweeps/<sweep-id>/`: what a sweep is and which run folders are
 * its members. The members themselves are ordinary run folders (`<config-name>/<run-id>/`), so
 * everything that reads runs keeps working; the sweep folder only says which runs belong together.
 *
 * ```
 * _sweeps/<sweep-id>/
 *   sweep.json              SweepMeta: id, name, source, stages, created; rewritten atomically
 *   sweep.yaml              the sweep as given (the file's text, or the command line as YAML)
 *   members.jsonl           one SweepMember per line, in index order: its resolved config and
 *                           what was swept; appended (a later stage of a search adds members)
 *   members/000003.json     { run: "<config-name>/<run-id>" }: the run folder of member 3,
 *                           written once its folder exists (by whichever process or machine runs it)
 * ```
 *
 * Run folder paths are stored relative to the experiments folder, so a shared folder mounted at
 * different paths on different machines reads the same.
 *
 * The id is `<YYYYMMDD-HHMMSS-xxxx>-<name>`: it sorts by creation time and says what it is.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicSync, writeJsonAtomicSync } from './atomic.ts';
import { RunFormatError } from './errors.ts';
import { assertConfigName, newRunId, type RunDirEntry } from './run-dir.ts';

/** The folder of sweeps inside an experiments folder (config names cannot start with `_`). */
export const SWEEPS_DIR = '_sweeps';
export const SWEEP_FILE = 'sweep.json';
export const SWEEP_SOURCE_FILE = 'sweep.yaml';
export const SWEEP_MEMBERS_FILE = 'members.jsonl';
export const SWEEP_MEMBER_RUNS_DIR = 'members';

export const SWEEP_FORMAT_VERSION = 1;

/** One stage of a sweep: every member of a plain sweep is in stage 0. */
export interface SweepStage {
  /** train.steps of the stage's runs; null: as their configs say (a sweep without a search). */
  steps: number | null;
  /** The indices of the members trained in this stage; null until the stage is decided. */
  members: number[] | null;
  /** Why these members (e.g. "best 8 of 24 by eval.frechetDistance (minimize)"). */
  reason: string | null;
}

/** `sweep.json`. */
export interface SweepMeta {
  formatVersion: typeof SWEEP_FORMAT_VERSION;
  id: string;
  name: string;
  description: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** The sweep file, or `command line`. */
  source: string;
  /** The command that created it. */
  command: string[];
  /** The config keys whose values differ between members, the seed first when it does. */
  swept: string[];
  stages: SweepStage[];
  /** Anything the executor needs to carry on (a search's metric, its stage plan): opaque here. */
  plan: Record<string, unknown>;
}

/** One line of `members.jsonl`. */
export interface SweepMember {
  index: number;
  /** The stage it was created in. */
  stage: number;
  /** The config's name (its runs' `<config-name>` folder). */
  name: string;
  seed: number;
  /** The swept keys' values for this member (dotted keys). */
  params: Record<string, unknown>;
  /** The member's resolved config (config.yaml), at its first stage's length. */
  config: string;
}

/** Where a member runs: a run folder, relative to the experiments folder. */
export interface SweepMemberRun {
  run: string;
}

/** `20261128-210012-a3f9-article`. */
export const SWEEP_ID_PATTERN = /^(\d{8}-\d{6}-[0-9a-f]{4})-([A-Za-z0-9][A-Za-z0-9._-]*)$/;

export const sweepsDir = (experimentsDir: string): string => join(experimentsDir, SWEEPS_DIR);
export const sweepDir = (experimentsDir: string, id: string): string => join(experimentsDir, SWEEPS_DIR, id);
export const sweepMetaPath = (dir: string): string => join(dir, SWEEP_FILE);
export const sweepSourcePath = (dir: string): string => join(dir, SWEEP_SOURCE_FILE);
export const sweepMembersPath = (dir: string): string => join(dir, SWEEP_MEMBERS_FILE);
export const memberRunPath = (dir: string, index: number): string =>
  join(dir, SWEEP_MEMBER_RUNS_DIR, `${String(index).padStart(6, '0')}.json`);

/** The name part of a sweep id, or null. */
export function sweepIdName(id: string): string | null {
  return SWEEP_ID_PATTERN.exec(id)?.[2] ?? null;
}

/**
 * Creates `_sweeps/<id>/` for a new sweep named `name` (exclusive mkdir: never reused) and writes
 * its meta, source and members. Returns its id and folder.
 */
export function createSweepDir(
  experimentsDir: string,
  fields: Omit<SweepMeta, 'formatVersion' | 'id' | 'createdAt'>,
  sourceText: string,
  members: readonly SweepMember[],
  date: Date = new Date(),
): { id: string; dir: string } {
  assertConfigName(fields.name);
  mkdirSync(sweepsDir(experimentsDir), { recursive: true });
  for (let attempt = 0; attempt < 1000; attempt++) {
    const id = `${newRunId(date, randomBytes(2).toString('hex'))}-${fields.name}`;
    const dir = sweepDir(experimentsDir, id);
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    mkdirSync(join(dir, SWEEP_MEMBER_RUNS_DIR));
    const meta: SweepMeta = {
      formatVersion: SWEEP_FORMAT_VERSION,
      id,
      createdAt: date.toISOString(),
      ...fields,
    };
    writeFileAtomicSync(sweepSourcePath(dir), sourceText);
    writeFileAtomicSync(sweepMembersPath(dir), members.map((m) => `${JSON.stringify(m)}\n`).join(''));
    writeJsonAtomicSync(sweepMetaPath(dir), meta);
    return { id, dir };
  }
  throw new Error(`could not create a sweep folder in ${sweepsDir(experimentsDir)}`);
}

/** Rewrites sweep.json (the single coordinator of a sweep is its only writer). */
export function writeSweepMeta(dir: string, meta: SweepMeta): void {
  writeJsonAtomicSync(sweepMetaPath(dir), meta);
}

/** Appends members (a later stage's) to members.jsonl. */
export function appendSweepMembers(dir: string, members: readonly SweepMember[]): void {
  if (members.length === 0) return;
  appendFileSync(sweepMembersPath(dir), members.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

/** Reads sweep.json. */
export function readSweepMeta(dir: string): SweepMeta {
  const file = sweepMetaPath(dir);
  let value: SweepMeta;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RunFormatError(file, 'not a sweep folder (no sweep.json)');
    throw new RunFormatError(file, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (
    value?.formatVersion !== SWEEP_FORMAT_VERSION ||
    typeof value.id !== 'string' ||
    !Array.isArray(value.stages)
  )
    throw new RunFormatError(file, 'not a valid sweep.json (formatVersion, id, stages)');
  return value;
}

/** Reads members.jsonl; a cut-off last line (a crash while appending) is ignored. */
export function readSweepMembers(dir: string): SweepMember[] {
  const file = sweepMembersPath(dir);
  const lines = readFileSync(file, 'utf8').split('\n');
  const members: SweepMember[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      members.push(JSON.parse(line));
    } catch (error) {
      if (i < lines.length - 1) throw new RunFormatError(file, `line ${i + 1}: ${(error as Error).message}`);
    }
  });
  return members;
}

/** The run folder of member `index` (relative to the experiments folder), or null before it has one. */
export function readMemberRun(dir: string, index: number): string | null {
  try {
    const value = JSON.parse(readFileSync(memberRunPath(dir, index), 'utf8')) as SweepMemberRun;
    return typeof value.run === 'string' ? value.run : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RunFormatError(memberRunPath(dir, index), (error as Error).message, { cause: error });
  }
}

/** Records member `index`'s run folder (relative to the experiments folder), atomically. */
export function writeMemberRun(dir: string, index: number, run: string): void {
  mkdirSync(join(dir, SWEEP_MEMBER_RUNS_DIR), { recursive: true });
  writeJsonAtomicSync(memberRunPath(dir, index), { run } satisfies SweepMemberRun);
}

/** Every member's run folder that exists yet, by index: one readdir and one small file each. */
export async function readMemberRuns(dir: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let names: string[];
  try {
    names = await readdir(join(dir, SWEEP_MEMBER_RUNS_DIR));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  await Promise.all(
    names.map(async (name) => {
      const m = /^(\d+)\.json$/.exec(name);
      if (!m) return;
      try {
        const value = JSON.parse(
          await readFile(join(dir, SWEEP_MEMBER_RUNS_DIR, name), 'utf8'),
        ) as SweepMemberRun;
        if (typeof value.run === 'string') out.set(Number(m[1]), value.run);
      } catch {
        // half-written files cannot exist (atomic writes); anything else unreadable is no run
      }
    }),
  );
  return out;
}

/** A run folder path relative to the experiments folder, as member files store it. */
export function runRelative(entry: Pick<RunDirEntry, 'configName' | 'runId'>): string {
  return `${entry.configName}/${entry.runId}`;
}

/** The RunDirEntry of a member's stored run path. */
export function memberRunEntry(experimentsDir: string, run: string): RunDirEntry {
  const [configName, runId] = run.split('/');
  return { configName, runId, runDir: join(experimentsDir, configName, runId) };
}

/** Every sweep folder under `experimentsDir`, oldest first. */
export async function listSweeps(experimentsDir: string): Promise<{ id: string; dir: string }[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(sweepsDir(experimentsDir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && SWEEP_ID_PATTERN.test(e.name))
    .map((e) => ({ id: e.name, dir: sweepDir(experimentsDir, e.name) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Synchronous {@link listSweeps}, without creating anything. */
export function listSweepsSync(experimentsDir: string): { id: string; dir: string }[] {
  let names: string[];
  try {
    names = readdirSync(sweepsDir(experimentsDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => SWEEP_ID_PATTERN.test(n))
    .sort()
    .map((id) => ({ id, dir: sweepDir(experimentsDir, id) }));
}

/**
 * Finds a sweep by reference: its id, a prefix of its id only one sweep has, its name (the
 * newest sweep of that name), `name@latest` or `name@N` (N-th newest). Throws with the candidates.
 */
export function resolveSweepRef(experimentsDir: string, ref: string): { id: string; dir: string } {
  const all = listSweepsSync(experimentsDir);
  const text = ref.trim().replace(/\/+$/, '');
  const base = text.includes('/') ? text.slice(text.lastIndexOf('/') + 1) : text;
  const exact = all.find((s) => s.id === base);
  if (exact) return exact;
  const at = /^(.+?)(?:@(latest|\d+))?$/.exec(base)!;
  const byName = all.filter((s) => sweepIdName(s.id) === at[1]).reverse();
  if (byName.length > 0) {
    const n = at[2] === undefined || at[2] === 'latest' ? 0 : Number(at[2]);
    if (n < byName.length) return byName[n];
    throw new Error(`${ref}: sweep ${at[1]} has ${byName.length} sweep(s) (@0 is the newest)`);
  }
  const prefixed = all.filter((s) => s.id.startsWith(base));
  if (prefixed.length === 1) return prefixed[0];
  const shown = (list: typeof all) =>
    list
      .slice(-10)
      .map((s) => `  ${s.id}`)
      .join('\n');
  if (prefixed.length > 1)
    throw new Error(`${ref}: ambiguous, ${prefixed.length} sweeps match:\n${shown(prefixed)}`);
  throw new Error(
    `${ref}: no sweep matches (a sweep id, a prefix of one, a sweep name or name@latest)` +
      (all.length > 0 ? `\nsweeps:\n${shown(all)}` : `\nthere are no sweeps in ${sweepsDir(experimentsDir)}`),
  );
}
