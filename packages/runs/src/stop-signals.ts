/**
 * How a long-running command (`pnpm exp`, `pnpm sweep`, `pnpm worker`, `pnpm ui`) is asked to
 * stop, whoever asks: Ctrl-C in a terminal, `kill <pid>`, a service manager (systemd's SIGTERM), a
 * container runtime (`docker stop`, through its init), a closed terminal or SSH session (SIGHUP).
 * Every one of them is one stop request; the command decides what a stop means (a checkpoint, the
 * members back to the queue, the server closed) and what a second one means (at once).
 *
 * Two things stand between a signal and the program when it is started as `pnpm <command>`; this
 * module takes care of both, so that a signal sent to the process the user started (pnpm) acts as
 * if it had been sent to the program:
 *
 * - **One signal, delivered twice.** pnpm passes SIGINT and SIGTERM on to its script (the scripts
 *   `exec` the program, so the program is pnpm's child), but a terminal's Ctrl-C, and systemd's
 *   default `KillMode=control-group`, also signal the program directly: it receives the same
 *   request twice within milliseconds. A signal less than {@link DUPLICATE_MS} after the last
 *   counted one is that duplicate and is not counted; a person's second Ctrl-C comes later.
 * - **A launcher that dies without passing the signal on.** pnpm does not pass SIGHUP on: it dies
 *   of it, as it dies of SIGKILL, and its child would train on with nobody to stop it. When a
 *   package manager started the program (`npm_lifecycle_event` is set), the program watches its
 *   parent: if the parent is gone (the program was reparented), that is a stop request, as SIGHUP.
 *   A program started some other way (`node`, `nohup`, a shell that exits) is not watched.
 *
 * A second SIGINT or SIGTERM is a second request; a hangup (SIGHUP, the parent gone) after a first
 * request changes nothing, since nobody asked twice.
 *
 * Once a stop was requested, a failed write to stdout or stderr (a terminal that was closed, a
 * reader that went away) no longer throws: the program finishes its checkpoint without its log.
 */

/** Two deliveries of one stop request arrive within this many milliseconds of each other. */
export const DUPLICATE_MS = 500;
/** How often the parent is checked (a cheap getppid; the timer never keeps the process alive). */
export const PARENT_POLL_MS = 500;

export type StopSource = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent-gone';

export interface StopRequest {
  /** What asked: a signal, or the package manager that started this process being gone. */
  source: StopSource;
  /** 1 for the first request, 2 for the second (the command stops at once), and so on. */
  count: number;
}

export interface StopSignalOptions {
  /** Watch the parent (default: when a package manager started this process). */
  watchParent?: boolean;
  duplicateMs?: number;
  pollMs?: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Whether a package manager's script started this process (pnpm, npm and yarn set it). */
export function startedByPackageManager(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event !== undefined;
}

/** Says on stderr what asked for a stop, for the sources a user may not expect. */
export function describeStop(request: StopRequest): string {
  return request.source === 'parent-gone'
    ? 'the command that started this process is gone (as on SIGHUP)'
    : request.source;
}

/**
 * Calls `onStop` for each stop request (see the module comment) until the returned function is
 * called, which removes the handlers.
 */
export function onStopRequest(
  onStop: (request: StopRequest) => void,
  options: StopSignalOptions = {},
): () => void {
  const duplicateMs = options.duplicateMs ?? DUPLICATE_MS;
  let last = Number.NEGATIVE_INFINITY;
  let count = 0;
  const request = (source: StopSource) => {
    const now = performance.now();
    if (now - last < duplicateMs) return;
    // A hangup is never a deliberate "again": after a first request it changes nothing.
    if (count > 0 && (source === 'SIGHUP' || source === 'parent-gone')) return;
    last = now;
    count++;
    if (count === 1) quietOutput();
    onStop({ source, count });
  };
  const handlers = SIGNALS.map((signal) => {
    const handler = () => request(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  let timer: NodeJS.Timeout | null = null;
  if (options.watchParent ?? startedByPackageManager()) {
    const parent = process.ppid;
    timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer!);
      timer = null;
      request('parent-gone');
    }, options.pollMs ?? PARENT_POLL_MS);
    timer.unref();
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    if (timer !== null) clearInterval(timer);
  };
}

let quieted = false;
/** From now on a write to stdout or stderr that fails (EIO, EPIPE) is dropped instead of thrown. */
function quietOutput(): void {
  if (quieted) return;
  quieted = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
