import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { z } from 'zod';
import { writeJsonAtomic, writeJsonAtomicSync } from './atomic.ts';
import { RunFormatError } from './errors.ts';
import { metaPath } from './paths.ts';

/** The version of the run-folder format; bumped when a reader of the old one would misread the new one. */
export const RUN_FORMAT_VERSION = 1;

/**
 * Where a run stands. `running` is also what a crashed (killed -9) run is left as: a reader that
 * finds `running` with no live process should treat the run as interrupted.
 */
export const RUN_STATUSES = ['running', 'completed', 'interrupted', 'diverged', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const isoTime = z.iso.datetime();
const count = z.number().int().nonnegative();

/**
 * `meta.json`: who, when, where and how far, for one run. Rewritten atomically whenever it changes
 * (start, progress, evaluation, end), so it is always complete.
 *
 * ```json
 * { "formatVersion": 1, "name": "seed-mlp", "runId": "20261126-153012-a3f9", "status": "running",
 *   "startedAt": "2026-11-26T15:30:12.345Z", "endedAt": null, "seed": 42, "step": 1500,
 *   "totalSteps": 100000, "command": ["node", "exp.ts", "configs/seed-mlp.yaml"], "cwd": "/home/me/gan",
 *   "git": { "commit": "3f2a...", "dirty": false }, "node": "v20.19.0", "platform": "linux",
 *   "host": { "cpu": "AMD Ryzen 7 5800X", "cores": 16, "memoryGB": 31.3 }, "backend": "reference",
 *   "resumedFrom": null, "error": null, "divergedAt": null, "latestEval": null, "stepsPerSec": 812.5,
 *   "peakMemoryMB": 212.4 }
 * ```
 */
export const RunMetaSchema = z.object({
  formatVersion: z.literal(RUN_FORMAT_VERSION),
  /** The config's name (the `<config-name>` folder). */
  name: z.string().min(1),
  runId: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  /** ISO 8601, UTC. */
  startedAt: isoTime,
  /** ISO 8601, UTC; null while running. */
  endedAt: isoTime.nullable(),
  seed: z.number().int(),
  /** The last completed step (0 before the first one). */
  step: count,
  totalSteps: count,
  /** `process.argv` of the process that ran it. */
  command: z.array(z.string()),
  cwd: z.string(),
  /** Null fields when git or the repository is not available. */
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  /** `process.version`, e.g. `v20.19.0`. */
  node: z.string(),
  /** `process.platform`. */
  platform: z.string(),
  host: z.object({ cpu: z.string(), cores: count, memoryGB: z.number().nonnegative() }),
  /** The numerical backend's name. */
  backend: z.string(),
  /** The checkpoint path this run resumed from, or null. */
  resumedFrom: z.string().nullable(),
  /** The error message when `status` is `failed`. */
  error: z.string().nullable(),
  /** The step at which a loss or parameter became non-finite, when `status` is `diverged`. */
  divergedAt: count.nullable(),
  /** The last row written to eval.jsonl. */
  latestEval: z.record(z.string(), z.unknown()).nullable(),
  /** Recent training speed, in steps per second. */
  stepsPerSec: z.number().nonnegative().nullable(),
  /** Peak resident memory of the training process, in MB (null until the run ends; absent in older runs). */
  peakMemoryMB: z.number().nonnegative().nullable().default(null),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

/** The part of {@link RunMeta} that describes the machine and the invocation. */
export type RunEnvironment = Pick<RunMeta, 'command' | 'cwd' | 'git' | 'node' | 'platform' | 'host'>;

const execFileAsync = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync('git', args, { cwd, timeout: 5000, windowsHide: true });
    return stdout;
  } catch {
    return null; // no git, not a repository, or no commit yet
  }
}

/**
 * The environment of the current process, for a new {@link RunMeta}: argv, `cwd`, the git commit
 * and whether the work tree has changes (null when git or a repository is missing), Node's
 * version, the platform and the host (CPU model, logical cores, memory in GiB).
 */
export async function collectEnvironment(cwd: string = process.cwd()): Promise<RunEnvironment> {
  const [head, status] = await Promise.all([
    git(cwd, ['rev-parse', '--verify', 'HEAD']),
    git(cwd, ['status', '--porcelain']),
  ]);
  const cpus = os.cpus();
  return {
    command: [...process.argv],
    cwd,
    git: {
      commit: head?.trim() || null,
      dirty: head === null || status === null ? null : status.trim().length > 0,
    },
    node: process.version,
    platform: process.platform,
    host: {
      cpu: cpus[0]?.model.trim() || 'unknown',
      cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
      memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    },
  };
}

export interface NewRunMetaFields {
  name: string;
  runId: string;
  seed: number;
  totalSteps: number;
  backend: string;
  environment: RunEnvironment;
  resumedFrom?: string | null;
  /** The step the run starts after (the resumed checkpoint's step); default 0. */
  step?: number;
  startedAt?: Date;
}

/** The meta of a run that is starting: status `running`, nothing ended, failed or evaluated yet. */
export function newRunMeta(fields: NewRunMetaFields): RunMeta {
  return RunMetaSchema.parse({
    formatVersion: RUN_FORMAT_VERSION,
    name: fields.name,
    runId: fields.runId,
    status: 'running',
    startedAt: (fields.startedAt ?? new Date()).toISOString(),
    endedAt: null,
    seed: fields.seed,
    step: fields.step ?? 0,
    totalSteps: fields.totalSteps,
    ...fields.environment,
    backend: fields.backend,
    resumedFrom: fields.resumedFrom ?? null,
    error: null,
    divergedAt: null,
    latestEval: null,
    stepsPerSec: null,
    peakMemoryMB: null,
  } satisfies RunMeta);
}

/**
 * Checks `value` against {@link RunMetaSchema}; `file` names the source in the error.
 * Throws a {@link RunFormatError} listing every wrong field.
 */
export function parseRunMeta(value: unknown, file: string): RunMeta {
  if (value !== null && typeof value === 'object' && 'formatVersion' in value) {
    const version = (value as { formatVersion: unknown }).formatVersion;
    if (version !== RUN_FORMAT_VERSION) {
      throw new RunFormatError(
        file,
        `unsupported formatVersion ${JSON.stringify(version)} (this version reads ${RUN_FORMAT_VERSION})`,
      );
    }
  }
  const result = RunMetaSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  ${at}: ${issue.message}`;
  });
  throw new RunFormatError(file, `not a valid run meta file:\n${problems.join('\n')}`);
}

function parseMetaText(text: string, file: string): RunMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunFormatError(file, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseRunMeta(value, file);
}

/** Validates and writes `<runDir>/meta.json` atomically. */
export async function writeMeta(runDir: string, meta: RunMeta): Promise<void> {
  const file = metaPath(runDir);
  await writeJsonAtomic(file, parseRunMeta(meta, file));
}

/** Synchronous {@link writeMeta}, for exit handlers. */
export function writeMetaSync(runDir: string, meta: RunMeta): void {
  const file = metaPath(runDir);
  writeJsonAtomicSync(file, parseRunMeta(meta, file));
}

/**
 * Reads and validates `<runDir>/meta.json`. Throws a {@link RunFormatError} naming the file on
 * bad JSON or a wrong shape; a missing file gives Node's ENOENT error.
 */
export async function readMeta(runDir: string): Promise<RunMeta> {
  const file = metaPath(runDir);
  return parseMetaText(await readFile(file, 'utf8'), file);
}

/** Synchronous {@link readMeta}. */
export function readMetaSync(runDir: string): RunMeta {
  const file = metaPath(runDir);
  return parseMetaText(readFileSync(file, 'utf8'), file);
}

/**
 * Reads meta.json, applies `patch` (shallow), validates and writes it back atomically; returns
 * the new meta. The run's single writer (the process training it) is the only one to call this,
 * so read-modify-write needs no lock.
 *
 * ```ts
 * await updateMeta(runDir, { status: 'completed', endedAt: new Date().toISOString(), step: 5000 });
 * ```
 */
export async function updateMeta(runDir: string, patch: Partial<RunMeta>): Promise<RunMeta> {
  const next = { ...(await readMeta(runDir)), ...patch };
  await writeMeta(runDir, next);
  return next;
}

/** Synchronous {@link updateMeta}. */
export function updateMetaSync(runDir: string, patch: Partial<RunMeta>): RunMeta {
  const next = { ...readMetaSync(runDir), ...patch };
  writeMetaSync(runDir, next);
  return next;
}
