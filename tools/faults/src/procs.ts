/**
 * Processes as the fault scenarios see them from outside: waiting for a condition, signalling a
 * process group, a process's state and its descendants (read from /proc), and whether any process
 * of a command is left once it has exited.
 */
import { readFileSync } from 'node:fs';
import type { ExpProcess } from './exp.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `f` gives something (polling every 100 ms); throws `what` after `ms`. */
export async function until<T>(what: string, f: () => T | null | undefined | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Sends `signal` to a process started `detached` and everything in its group. */
export function signalGroup(p: ExpProcess, signal: NodeJS.Signals): void {
  try {
    if (p.child.pid !== undefined) process.kill(-p.child.pid, signal);
  } catch {
    // already gone
  }
}

/** /proc/<pid>/stat's fields after the command name (state first), or null when there is no such process. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The state letter of `pid` (`T`: stopped, `Z`: a zombie), or null when there is no such process. */
export function processState(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

/** The pids of a process's descendants. */
export function descendantsOf(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendantsOf(c)]);
}

/** A process as seen once: its pid, its start time (so a reused pid is not taken for it) and command line. */
export interface SeenProcess {
  pid: number;
  start: string;
  command: string;
}

/**
 * The processes of a command started `detached`: it and its descendants, gathered every time
 * {@link ProcessWatch.look} is called (and every 200 ms until {@link ProcessWatch.stop}), so that
 * a child that was reparented when its parent died is still known.
 */
export class ProcessWatch {
  private readonly seen = new Map<string, SeenProcess>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.look();
    this.timer = setInterval(() => this.look(), 200);
  }

  look(): void {
    for (const pid of [this.root, ...descendantsOf(this.root)]) {
      const fields = statFields(pid);
      if (fields === null) continue;
      const start = fields[19];
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      } catch {
        continue;
      }
      this.seen.set(`${pid}:${start}`, { pid, start, command });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Every process seen so far. */
  all(): SeenProcess[] {
    return [...this.seen.values()];
  }

  /** The processes seen that are still running (not zombies), and any process left in the group. */
  left(): string[] {
    const out = this.all()
      .filter((p) => {
        const fields = statFields(p.pid);
        return fields !== null && fields[19] === p.start && fields[0] !== 'Z';
      })
      .map((p) => `pid ${p.pid}: ${p.command.slice(0, 160)}`);
    try {
      process.kill(-this.root, 0);
      if (out.length === 0) out.push(`a process of group ${this.root} (not one seen)`);
    } catch {
      // no process in the group
    }
    return out;
  }
}
