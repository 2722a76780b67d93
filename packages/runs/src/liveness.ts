/**
 * Is a `running` run really running? A run killed without a chance to say so (kill -9, a power
 * cut, the OOM killer) stays `running` in meta.json. Its meta.json records the process that runs
 * it (pid, host name, boot id, the process's start time, its pid namespace) and a heartbeat, so:
 *
 * - on the machine that ran it (same host name, boot id and pid namespace) the answer is exact and
 *   immediate: the process is there (alive), or it is gone, a zombie, the pid belongs to a process
 *   started at another time, or the machine has rebooted since (crashed);
 * - elsewhere (a run in a shared folder, trained by another machine), only the heartbeat tells: a
 *   run whose heartbeat, and last write, are older than a threshold is `stale`.
 *
 * The report, `pnpm exp --resume`, the sweep executor and the queue workers all ask this one place.
 *
 * ```ts
 * const meta = await readMeta(runDir);
 * const live = runLiveness(meta, { lastActivityMs: await lastActivity(runDir) });
 * if (live.state === 'crashed') console.log(`crashed: ${live.detail}`); // "process 4242 on vm is gone"
 * ```
 */
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

/** The process that runs (or last ran) a run, as meta.json records it. */
export interface RunProcess {
  pid: number;
  /** `os.hostname()`. */
  hostname: string;
  /** `/proc/sys/kernel/random/boot_id`, new at every boot; null where there is none (not Linux). */
  bootId: string | null;
  /**
   * When the process started, in clock ticks after boot (`/proc/<pid>/stat`, field 22): a pid
   * reused by another process has another start time. Null when unknown.
   */
  startTicks: number | null;
  /** The pid namespace (`/proc/self/ns/pid`), so containers sharing one kernel are told apart; null when unknown. */
  pidNamespace: string | null;
}

/** What is known of a `running` run's process. */
export type Liveness =
  /** Its process is there (this host), or its heartbeat is recent (another host). */
  | { state: 'alive'; detail: string }
  /** Its process is gone from this host: it will never finish by itself. */
  | { state: 'crashed'; detail: string }
  /** Another host's run (or an old run) silent for longer than the threshold: probably dead. */
  | { state: 'stale'; detail: string }
  /** Not `running`: the run ended and said so. */
  | { state: 'ended'; detail: string };

/** How a process looks from /proc on this machine. */
export type ProcessProbe = { exists: false } | { exists: true; startTicks: number | null; zombie: boolean };

/** A `running` run silent for this long, on another host, is stale (10 minutes). */
export const DEFAULT_STALE_AFTER_MS = 10 * 60 * 1000;

export interface LivenessOptions {
  /** Now, in ms since the epoch (default `Date.now()`). */
  now?: number;
  /** Heartbeat age after which another host's run is stale (default {@link DEFAULT_STALE_AFTER_MS}). */
  staleAfterMs?: number;
  /**
   * The run's last write, in ms since the epoch (`lastActivity(runDir)`): a sign of life besides
   * the heartbeat, and the only one of runs recorded before heartbeats were kept.
   */
  lastActivityMs?: number;
  /** This machine and namespace (default {@link currentProcess}). */
  here?: RunProcess;
  /** Looks a pid up on this machine (default {@link probeProcess}). */
  probe?: (pid: number) => ProcessProbe;
}

/**
 * Whether the process recorded in a `running` run's meta is still at it; see the module comment.
 * `meta.process` and `meta.heartbeatAt` may be null (runs recorded before they were kept).
 */
export function runLiveness(
  meta: { status: string; process: RunProcess | null; heartbeatAt: string | null },
  options: LivenessOptions = {},
): Liveness {
  if (meta.status !== 'running') return { state: 'ended', detail: meta.status };
  const here = options.here ?? currentProcess();
  const p = meta.process;
  if (p !== null && p.hostname === here.hostname) {
    const where = `process ${p.pid} on ${p.hostname}`;
    const sameNamespace =
      p.pidNamespace === null || here.pidNamespace === null || p.pidNamespace === here.pidNamespace;
    if (p.bootId !== null && here.bootId !== null && p.bootId !== here.bootId) {
      return { state: 'crashed', detail: `${where} is gone: the machine has restarted since` };
    }
    if (p.bootId !== null && p.bootId === here.bootId && sameNamespace) {
      const seen = (options.probe ?? probeProcess)(p.pid);
      if (!seen.exists) return { state: 'crashed', detail: `${where} is gone` };
      if (seen.zombie) return { state: 'crashed', detail: `${where} has exited` };
      if (p.startTicks !== null && seen.startTicks !== null && seen.startTicks !== p.startTicks) {
        return { state: 'crashed', detail: `${where} is gone (the pid is now another process's)` };
      }
      return { state: 'alive', detail: `${where} is running` };
    }
    // Without /proc (not Linux) a missing pid is still a certain answer; a present one may be reused.
    if (p.bootId === null && here.bootId === null && !pidExists(p.pid)) {
      return { state: 'crashed', detail: `${where} is gone` };
    }
  }
  const now = options.now ?? Date.now();
  const beat = Math.max(
    meta.heartbeatAt === null ? 0 : Date.parse(meta.heartbeatAt) || 0,
    options.lastActivityMs ?? 0,
  );
  const age = now - beat;
  const from = p === null ? '' : ` from process ${p.pid} on ${p.hostname}`;
  if (beat === 0 || age > (options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS)) {
    const silent = beat === 0 ? 'no sign of life recorded' : `no sign of life for ${formatAge(age)}`;
    return { state: 'stale', detail: `${silent}${from}` };
  }
  return { state: 'alive', detail: `last sign of life ${formatAge(Math.max(0, age))} ago${from}` };
}

/** `45 s`, `12 min`, `3.5 h`, `2.0 days`. */
export function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

let self: RunProcess | null = null;

/** This process, as a run records it (computed once per thread). */
export function currentProcess(): RunProcess {
  self ??= {
    pid: process.pid,
    hostname: os.hostname(),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id'),
    startTicks: readStartTicks('self'),
    pidNamespace: readLink('/proc/self/ns/pid'),
  };
  return { ...self };
}

/** A process of this machine seen through /proc (Linux); elsewhere only whether the pid exists. */
export function probeProcess(pid: number): ProcessProbe {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // No such process, or no /proc at all (then ask the kernel another way).
      return readTrimmed('/proc/self/stat') === null && pidExists(pid)
        ? { exists: true, startTicks: null, zombie: false }
        : { exists: false };
    }
    return { exists: true, startTicks: null, zombie: false };
  }
  const fields = statFields(text);
  return { exists: true, startTicks: startTicksOf(fields), zombie: fields[0] === 'Z' || fields[0] === 'X' };
}

// /proc/<pid>/stat: "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the
// fields are counted from the last ')'. fields[0] is field 3 (state), so field 22 is fields[19].
function statFields(text: string): string[] {
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

function startTicksOf(fields: string[]): number | null {
  const n = Number(fields[19]);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function readStartTicks(pid: 'self' | number): number | null {
  const text = readTrimmed(`/proc/${pid}/stat`);
  return text === null ? null : startTicksOf(statFields(text));
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // there, but not ours to signal
  }
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
