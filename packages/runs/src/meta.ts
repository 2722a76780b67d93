import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { isDiskFull, overwriteFileInPlaceSync, writeJsonAtomic, writeJsonAtomicSync } from './atomic.ts';
import { RunFormatError } from './errors.ts';
import { currentProcess, type RunProcess } from './liveness.ts';
import type { OwnerToken, RunOwner } from './owner.ts';
import { metaPath, metricsPath } from './paths.ts';

/** The version of the run-folder format; bumped when a reader of the old one would misread the new one. */
export const RUN_FORMAT_VERSION = 1;

/**
 * Where a run stands. `running` is also what a crashed (killed -9) run is left as: `runLiveness`
 * (liveness.ts) tells a running run from a crashed one by its recorded process and heartbeat.
 */
export const RUN_STATUSES = ['running', 'completed', 'interrupted', 'diverged', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * `meta.json`: who, when, where and how far, for one run. Rewritten atomically whenever it changes
 * (start, progress, evaluation, end), so it is always complete.
 *
 * ```json
 * { "formatVersion": 1, "name": "seed-mlp", "runId": "20261126-153012-a3f9", "status": "running",
 *   "startedAt": "2026-11-26T15:30:12.345Z", "endedAt": null, "seed": 42, "step": 1500,
 *   "totalSteps": 100000, "command": ["node", "exp.ts", "configs/seed-mlp.yaml"], "cwd": "/home/me/gan",
 *   "git": { "commit": "3f2a...", "dirty": false }, "node": "v20.19.0", "platform": "linux",
 *   "host": { "cpu": "AMD Ryzen 7 5800X", "cores": 16, "memoryGB": 31.3 }, "backend": "native",
 *   "kernels": { "backend": "native", "variant": "avx2", "simd": "avx2", "cpuFeatures": ["cx16", ...],
 *     "compiler": "g++ 12.2.0", "flags": "-std=c++17 -O3 ... -march=x86-64-v3 ..." }, "kernelHistory": [],
 *   "resumedFrom": null, "error": null, "divergedAt": null, "latestEval": null, "stepsPerSec": 812.5,
 *   "peakMemoryMB": 212.4, "process": { "pid": 4242, "hostname": "vm", "bootId": "90ca5fc0-...",
 *   "startTicks": 876125, "pidNamespace": "pid:[4026531836]" }, "heartbeatAt": "2026-11-26T15:31:02.001Z",
 *   "owner": { "epoch": 1, "label": "pnpm exp" } }
 * ```
 */
export interface RunMeta {
  formatVersion: typeof RUN_FORMAT_VERSION;
  /** The config's name (the `<config-name>` folder). */
  name: string;
  runId: string;
  status: RunStatus;
  /** ISO 8601, UTC. */
  startedAt: string;
  /** ISO 8601, UTC; null while running. */
  endedAt: string | null;
  seed: number;
  /** The last completed step (0 before the first one). */
  step: number;
  totalSteps: number;
  /** `process.argv` of the process that ran it. */
  command: string[];
  cwd: string;
  /** Null fields when git or the repository is not available. */
  git: { commit: string | null; dirty: boolean | null };
  /** `process.version`, e.g. `v20.19.0`. */
  node: string;
  /** `process.platform`. */
  platform: string;
  host: { cpu: string; cores: number; memoryGB: number };
  /** The numerical backend's name. */
  backend: string;
  /**
   * What computes the run's steps: the backend, and for the native one its variant, CPU features
   * and build (see {@link RunKernels}). Null until the training thread has loaded its backend, and
   * in runs recorded before it was kept.
   */
  kernels: RunKernels | null;
  /**
   * The kernels that computed earlier steps of a run resumed on other kernels, oldest first; the
   * current `kernels` computed the steps after the last span's `toStep`. Empty when one set of
   * kernels computed every step (and in runs recorded before it was kept).
   */
  kernelHistory: KernelSpan[];
  /**
   * The networks' dtype, `float32` or `float64` (`train.precision`; float64 runs compute on the
   * reference backend's float64 kernels). Older runs read as float32.
   */
  precision: string;
  /** The checkpoint path this run resumed from, or null. */
  resumedFrom: string | null;
  /** The error message when `status` is `failed`. */
  error: string | null;
  /** The step at which a loss or parameter became non-finite, when `status` is `diverged`. */
  divergedAt: number | null;
  /** The last row written to eval.jsonl. */
  latestEval: Record<string, unknown> | null;
  /** Recent training speed, in steps per second. */
  stepsPerSec: number | null;
  /** Peak resident memory of the training process, in MB (null until the run ends; absent in older runs). */
  peakMemoryMB: number | null;
  /**
   * The process that runs the run (the last one that did, once it has ended or crashed): what
   * `runLiveness` checks. Null in runs recorded before it was kept.
   */
  process: RunProcess | null;
  /**
   * When the running process last wrote meta.json (ISO 8601, UTC): at the start, with progress
   * (at most every few seconds), evaluations and the end. How a run on another machine is known
   * to be alive. Null in runs recorded before it was kept.
   */
  heartbeatAt: string | null;
  /**
   * The owner that last wrote meta.json: its epoch, which grows with every takeover of the run,
   * and who it is (see owner.ts). Null in runs recorded before owners were kept.
   */
  owner: OwnerToken | null;
}

/**
 * What computes a run's numbers (meta.json's `kernels`). The reproducible native variants compute
 * the same bits (`bits`); baseline-fast, kernels from other sources and the TypeScript backend do
 * not, and GAN training amplifies a last bit into the third digit within thousands of steps: a run
 * that another machine does not reproduce says here why.
 *
 * ```json
 * { "backend": "native", "variant": "avx512", "simd": "avx512", "cpuFeatures": ["cx16", "lahf", ...],
 *   "compiler": "g++ 12.2.0", "flags": "-std=c++17 -O3 ... -march=x86-64-v4 -mtune=generic -DGT_EXPECT_AVX512",
 *   "bits": "native 3f1c2a9e07b4" }
 * { "backend": "reference", "variant": null, "simd": null, "cpuFeatures": [], "compiler": null, "flags": null,
 *   "bits": "reference" }
 * ```
 */
export interface RunKernels {
  /** The backend's name: `native`, `reference`. */
  backend: string;
  /** The native variant (`avx512`, `avx2`, `baseline`); null for a backend without variants. */
  variant: string | null;
  /** The instruction set the native kernels use (`avx512`, `avx2`, `scalar`); null otherwise. */
  simd: string | null;
  /** The CPU features the variant's code uses beyond the architecture's baseline (x86-64: SSE2). */
  cpuFeatures: string[];
  /** The compiler that built the kernels, with its version (`g++ 12.2.0`); null for TypeScript ones. */
  compiler: string | null;
  /** The flags the kernels were compiled with; null for TypeScript ones. */
  flags: string | null;
  /**
   * Kernels with the same `bits` compute the same bits from the same inputs: `native <sources
   * hash>` for every reproducible native variant built from the same sources (avx512, avx2 and
   * baseline agree), `baseline-fast <sources hash>` for that one, the backend's name otherwise.
   */
  bits: string;
}

/** Steps of a resumed run that other kernels than the current ones computed. */
export interface KernelSpan {
  /** The step they started from: 0, or the checkpoint of an earlier resume. */
  fromStep: number;
  /** The step of the checkpoint the next kernels resumed from. */
  toStep: number;
  /** Null: kernels the run did not record (it started before meta.json named them). */
  kernels: RunKernels | null;
}

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
  /** What computes the run (default null: not known yet, see {@link RunMeta.kernels}). */
  kernels?: RunKernels | null;
  /** `train.precision`; default float32. */
  precision?: string;
  environment: RunEnvironment;
  resumedFrom?: string | null;
  /** The step the run starts after (the resumed checkpoint's step); default 0. */
  step?: number;
  startedAt?: Date;
  /** The process running it; default this one. */
  process?: RunProcess;
  /** Its owner (see owner.ts). */
  owner: OwnerToken;
}

/** The meta of a run that is starting: status `running`, nothing ended, failed or evaluated yet. */
export function newRunMeta(fields: NewRunMetaFields): RunMeta {
  const startedAt = (fields.startedAt ?? new Date()).toISOString();
  return parseRunMeta(
    {
      formatVersion: RUN_FORMAT_VERSION,
      name: fields.name,
      runId: fields.runId,
      status: 'running',
      startedAt,
      endedAt: null,
      seed: fields.seed,
      step: fields.step ?? 0,
      totalSteps: fields.totalSteps,
      ...fields.environment,
      backend: fields.backend,
      kernels: fields.kernels ?? null,
      kernelHistory: [],
      precision: fields.precision ?? 'float32',
      resumedFrom: fields.resumedFrom ?? null,
      error: null,
      divergedAt: null,
      latestEval: null,
      stepsPerSec: null,
      peakMemoryMB: null,
      process: fields.process ?? currentProcess(),
      heartbeatAt: startedAt,
      owner: { ...fields.owner },
    } satisfies RunMeta,
    '<new run meta>',
  );
}

// Validation. Each field has a check that returns what is wrong with a value, or null; nested
// objects (git, host) are checked field by field so a message names the exact key.

type Check = (value: unknown) => string | null;

function show(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const is =
  (ok: (v: unknown) => boolean, what: string): Check =>
  (v) =>
    ok(v) ? null : `expected ${what}, got ${show(v)}`;
const orNull =
  (ok: (v: unknown) => boolean, what: string): Check =>
  (v) =>
    v === null || ok(v) ? null : `expected ${what} or null, got ${show(v)}`;

const isString = (v: unknown) => typeof v === 'string';
const isName = (v: unknown) => typeof v === 'string' && v.length > 0;
const isInteger = (v: unknown) => Number.isSafeInteger(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isAmount = (v: unknown) => Number.isFinite(v) && (v as number) >= 0;
const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
// ISO 8601 in UTC as `Date.toISOString` writes it (seconds and fractions optional).
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;
const isTime = (v: unknown) => typeof v === 'string' && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v));

const TIME = 'an ISO 8601 UTC time';

const PROCESS_FIELDS: Record<keyof RunProcess, [(v: unknown) => boolean, string]> = {
  pid: [(v) => Number.isSafeInteger(v) && (v as number) > 0, 'an integer > 0'],
  hostname: [isString, 'a string'],
  bootId: [(v) => v === null || isString(v), 'a string or null'],
  startTicks: [(v) => v === null || isCount(v), 'an integer >= 0 or null'],
  pidNamespace: [(v) => v === null || isString(v), 'a string or null'],
};

/** `process`: null, or an object whose every field is right (the first wrong one is named). */
const checkProcess: Check = (v) => {
  if (v === null) return null;
  if (!isObject(v)) return `expected an object or null, got ${show(v)}`;
  for (const [key, [ok, what]] of Object.entries(PROCESS_FIELDS)) {
    const field = (v as Record<string, unknown>)[key];
    if (!ok(field)) return `${key}: expected ${what}, got ${show(field)}`;
  }
  return null;
};
const COUNT = 'an integer >= 0';

const KERNELS_FIELDS: Record<keyof RunKernels, [(v: unknown) => boolean, string]> = {
  backend: [isName, 'a non-empty string'],
  variant: [(v) => v === null || isName(v), 'a non-empty string or null'],
  simd: [(v) => v === null || isName(v), 'a non-empty string or null'],
  cpuFeatures: [(v) => Array.isArray(v) && v.every(isString), 'a list of strings'],
  compiler: [(v) => v === null || isString(v), 'a string or null'],
  flags: [(v) => v === null || isString(v), 'a string or null'],
  bits: [isName, 'a non-empty string'],
};

/** What is wrong with a {@link RunKernels} (the first wrong field is named), or null. */
function kernelsProblem(v: unknown): string | null {
  if (!isObject(v)) return `expected an object, got ${show(v)}`;
  for (const [key, [ok, what]] of Object.entries(KERNELS_FIELDS)) {
    const field = (v as Record<string, unknown>)[key];
    if (!ok(field)) return `${key}: expected ${what}, got ${show(field)}`;
  }
  return null;
}

/** `kernels`: null, or a {@link RunKernels}. */
const checkKernels: Check = (v) => (v === null ? null : kernelsProblem(v));

/** `kernelHistory`: a list of spans `{ fromStep, toStep, kernels }`, each after the one before. */
const checkKernelHistory: Check = (v) => {
  if (!Array.isArray(v)) return `expected a list, got ${show(v)}`;
  let after = 0;
  for (const [i, span] of v.entries()) {
    if (!isObject(span)) return `[${i}]: expected an object, got ${show(span)}`;
    const { fromStep, toStep, kernels } = span as Record<string, unknown>;
    if (!isCount(fromStep) || (fromStep as number) < after)
      return `[${i}].fromStep: expected an integer >= ${after}, got ${show(fromStep)}`;
    if (!isCount(toStep) || (toStep as number) <= (fromStep as number))
      return `[${i}].toStep: expected an integer > fromStep, got ${show(toStep)}`;
    const problem = kernels === null ? null : kernelsProblem(kernels);
    if (problem !== null) return `[${i}].kernels: ${problem}`;
    after = toStep as number;
  }
  return null;
};

/** `owner`: null, or `{ epoch, label }` with an epoch >= 1. */
const checkOwner: Check = (v) => {
  if (v === null) return null;
  if (!isObject(v)) return `expected an object or null, got ${show(v)}`;
  const { epoch, label } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 1)
    return `epoch: expected an integer >= 1, got ${show(epoch)}`;
  if (!isString(label)) return `label: expected a string, got ${show(label)}`;
  return null;
};

/** The checks of meta.json's fields, in the order the file lists them. */
const META_FIELDS: { [K in keyof RunMeta]: Check | { [F in keyof RunMeta[K]]: Check } } = {
  formatVersion: is((v) => v === RUN_FORMAT_VERSION, String(RUN_FORMAT_VERSION)),
  name: is(isName, 'a non-empty string'),
  runId: is(isName, 'a non-empty string'),
  status: is((v) => RUN_STATUSES.includes(v as RunStatus), `one of ${RUN_STATUSES.join(', ')}`),
  startedAt: is(isTime, TIME),
  endedAt: orNull(isTime, TIME),
  seed: is(isInteger, 'an integer'),
  step: is(isCount, COUNT),
  totalSteps: is(isCount, COUNT),
  command: is((v) => Array.isArray(v) && v.every(isString), 'a list of strings'),
  cwd: is(isString, 'a string'),
  git: { commit: orNull(isString, 'a string'), dirty: orNull((v) => typeof v === 'boolean', 'a boolean') },
  node: is(isString, 'a string'),
  platform: is(isString, 'a string'),
  host: { cpu: is(isString, 'a string'), cores: is(isCount, COUNT), memoryGB: is(isAmount, 'a number >= 0') },
  backend: is(isString, 'a string'),
  kernels: checkKernels,
  kernelHistory: checkKernelHistory,
  precision: is((v) => v === 'float32' || v === 'float64', 'float32 or float64'),
  resumedFrom: orNull(isString, 'a string'),
  error: orNull(isString, 'a string'),
  divergedAt: orNull(isCount, COUNT),
  latestEval: orNull(isObject, 'an object'),
  stepsPerSec: orNull(isAmount, 'a number >= 0'),
  peakMemoryMB: orNull(isAmount, 'a number >= 0'),
  process: checkProcess,
  heartbeatAt: orNull(isTime, TIME),
  owner: checkOwner,
};

/** Keys older runs may lack, and the value they read as. */
const META_DEFAULTS: Partial<RunMeta> = {
  kernels: null,
  kernelHistory: [],
  precision: 'float32',
  peakMemoryMB: null,
  process: null,
  heartbeatAt: null,
  owner: null,
};

/**
 * Checks `value` as the content of meta.json; `file` names the source in the error. Returns a new
 * object with the fields in the file's order (unknown keys dropped, absent optional ones filled
 * in). Throws a {@link RunFormatError} listing every wrong field.
 */
export function parseRunMeta(value: unknown, file: string): RunMeta {
  if (!isObject(value)) throw new RunFormatError(file, `not a valid run meta file: expected an object`);
  const input = value as Record<string, unknown>;
  if ('formatVersion' in input && input.formatVersion !== RUN_FORMAT_VERSION) {
    throw new RunFormatError(
      file,
      `unsupported formatVersion ${JSON.stringify(input.formatVersion)} (this version reads ${RUN_FORMAT_VERSION})`,
    );
  }
  const problems: string[] = [];
  const read = (
    checks: Record<string, Check | Record<string, Check>>,
    from: Record<string, unknown>,
    at: string,
  ) => {
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(checks)) {
      let v = from[key];
      if (v === undefined && at === '' && Object.hasOwn(META_DEFAULTS, key))
        v = META_DEFAULTS[key as keyof RunMeta];
      if (typeof check === 'function') {
        const problem = check(v);
        if (problem !== null) problems.push(`  ${at}${key}: ${problem}`);
        out[key] = Array.isArray(v) ? [...v] : isObject(v) ? { ...(v as object) } : v;
      } else if (!isObject(v)) {
        problems.push(`  ${at}${key}: expected an object, got ${show(v)}`);
      } else {
        out[key] = read(check, v as Record<string, unknown>, `${at}${key}.`);
      }
    }
    return out;
  };
  const meta = read(META_FIELDS, input, '');
  if (problems.length > 0)
    throw new RunFormatError(file, `not a valid run meta file:\n${problems.join('\n')}`);
  return meta as unknown as RunMeta;
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

/**
 * Validates and writes the owner's run's `meta.json` atomically, recording the owner in it; throws
 * `RunTakenOver` (and writes nothing) once a newer owner has taken the run.
 */
export async function writeMeta(owner: RunOwner, meta: RunMeta): Promise<void> {
  const file = metaPath(owner.runDir);
  await writeJsonAtomic(file, parseRunMeta({ ...meta, owner: owner.token }, file), owner);
}

/**
 * Synchronous {@link writeMeta}, for exit handlers and the training loop. When the disk is full
 * (ENOSPC), so that no atomic write can work, meta.json is rewritten in place, in the blocks it
 * already holds (a long `error` is cut to fit): a run that fails because the disk is full still
 * says so, and why.
 */
export function writeMetaSync(owner: RunOwner, meta: RunMeta): void {
  const file = metaPath(owner.runDir);
  const checked = parseRunMeta({ ...meta, owner: owner.token }, file);
  try {
    writeJsonAtomicSync(file, checked, owner);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    const text = (m: RunMeta) => `${JSON.stringify(m, null, 2)}\n`;
    let fitted = false;
    try {
      fitted = overwriteFileInPlaceSync(file, text(checked), owner);
      if (!fitted && checked.error !== null && checked.error.length > 200) {
        const cut = `${checked.error.split('\n')[0].slice(0, 200)} [cut: the disk is full]`;
        fitted = overwriteFileInPlaceSync(file, text({ ...checked, error: cut }), owner);
      }
    } catch {
      // no meta.json yet, or the in-place write failed too: report the original error
    }
    if (!fitted) throw error;
  }
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
 * the new meta. Only the run's owner writes it, so read-modify-write needs no lock.
 *
 * ```ts
 * await updateMeta(owner, { status: 'completed', endedAt: new Date().toISOString(), step: 5000 });
 * ```
 */
export async function updateMeta(owner: RunOwner, patch: Partial<RunMeta>): Promise<RunMeta> {
  const next = { ...(await readMeta(owner.runDir)), ...patch, owner: owner.token };
  await writeMeta(owner, next);
  return next;
}

/** Synchronous {@link updateMeta}. */
export function updateMetaSync(owner: RunOwner, patch: Partial<RunMeta>): RunMeta {
  const next = { ...readMetaSync(owner.runDir), ...patch, owner: owner.token };
  writeMetaSync(owner, next);
  return next;
}

/**
 * When a run last showed signs of life: the newest modification time (ms since the epoch) of its
 * meta.json and metrics.jsonl, which a training process rewrites and appends to as it goes; 0 when
 * neither exists. A `running` run silent for long was probably killed without a chance to say so.
 */
export async function lastActivity(runDir: string): Promise<number> {
  let latest = 0;
  for (const file of [metaPath(runDir), metricsPath(runDir)]) {
    const s = await stat(file).catch(() => null);
    if (s) latest = Math.max(latest, s.mtimeMs);
  }
  return latest;
}
