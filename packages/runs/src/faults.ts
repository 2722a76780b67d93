/**
 * Fault injection: a documented test hook in the run folder's file layer, for the fault-injection
 * suite (`pnpm faults`, tools/faults) and nothing else. It makes one exact file operation of a
 * run fail as a full or failing disk would (ENOSPC, EIO), kills the process right there
 * (SIGKILL, as `kill -9` would), or stops it there (SIGSTOP, as a long GC pause, a suspended VM or
 * a closed laptop lid would: it goes on with that very operation when continued), so a test can check what the run leaves behind at points that
 * random timing hits too rarely (between a checkpoint's temp file and its rename, say).
 *
 * It is off unless {@link installFaults} is called, which only `pnpm exp --fault-inject <spec>`
 * does (in the training thread); nothing reads an environment variable.
 *
 * A spec is one or more rules separated by commas, each `<action>:<file>:<op>:<n>[:sticky]`:
 *
 * ```
 * action   ENOSPC | EIO | kill | pause
 * file     a part of the path it applies to ('metrics.jsonl', 'checkpoints/', 'samples/',
 *          'samples.gif', 'meta.json', 'eval.jsonl'), or '*' for every file
 * op       write     an atomic write's data going into its temp file (writeFileAtomic)
 *          sync      an fsync (of an atomic write's temp file, or of a JSONL log)
 *          rename    an atomic write's temp file renamed over the target
 *          append    a line appended to a JSONL log (ENOSPC writes part of the line first)
 *          overwrite meta.json rewritten in place (the last resort when the disk is full)
 *          any       each of the above (ENOSPC: only write and append, the ones that allocate)
 * n        the n-th matching operation fires (counted from 1, per thread)
 * sticky   every matching operation from the n-th on fires (a disk that stays full)
 * ```
 *
 * ```sh
 * pnpm exp configs/x.yaml --fault-inject ENOSPC:metrics.jsonl:append:20        # the 20th metrics row
 * pnpm exp configs/x.yaml --fault-inject kill:checkpoints/:rename:2            # die before the 2nd checkpoint's rename
 * pnpm exp configs/x.yaml --fault-inject 'ENOSPC:*:any:40:sticky'              # the disk fills up
 * pnpm worker ... --fault-inject pause:meta.json:rename:3                       # stopped until SIGCONT
 * ```
 */

export const FAULT_ACTIONS = ['ENOSPC', 'EIO', 'kill', 'pause'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];
export const FAULT_OPS = ['write', 'sync', 'rename', 'append', 'overwrite', 'any'] as const;
export type FaultOp = (typeof FAULT_OPS)[number];
/** An operation the file layer reports (every op but `any`). */
export type FileOp = Exclude<FaultOp, 'any'>;

export interface FaultRule {
  action: FaultAction;
  file: string;
  op: FaultOp;
  /** The n-th matching operation fires (from 1). */
  n: number;
  sticky: boolean;
}

const ALLOCATING: ReadonlySet<FileOp> = new Set(['write', 'append']);

const MESSAGES: Record<Exclude<FaultAction, 'kill' | 'pause'>, { errno: number; text: string }> = {
  ENOSPC: { errno: -28, text: 'no space left on device' },
  EIO: { errno: -5, text: 'i/o error' },
};

/**
 * Parses a spec (see the module comment); throws an Error naming the rule and what was expected.
 *
 * ```ts
 * parseFaultSpec('EIO:samples/:write:2'); // [{ action: 'EIO', file: 'samples/', op: 'write', n: 2, sticky: false }]
 * ```
 */
export function parseFaultSpec(spec: string): FaultRule[] {
  const rules = spec.split(',').map((text) => {
    const parts = text.trim().split(':');
    const bad = (what: string): never => {
      throw new Error(
        `fault rule "${text.trim()}": ${what}; expected <action>:<file>:<op>:<n>[:sticky] with action ` +
          `${FAULT_ACTIONS.join('|')} and op ${FAULT_OPS.join('|')}`,
      );
    };
    if (parts.length < 4 || parts.length > 5) bad(`${parts.length} fields`);
    const [action, file, op, n, sticky] = parts;
    if (!(FAULT_ACTIONS as readonly string[]).includes(action)) bad(`unknown action "${action}"`);
    if (file === '') bad('empty file');
    if (!(FAULT_OPS as readonly string[]).includes(op)) bad(`unknown op "${op}"`);
    const count = Number(n);
    if (!/^\d+$/.test(n) || count < 1) bad(`n must be an integer >= 1, got "${n}"`);
    if (sticky !== undefined && sticky !== 'sticky')
      bad(`the fifth field can only be "sticky", got "${sticky}"`);
    return { action, file, op, n: count, sticky: sticky === 'sticky' } as FaultRule;
  });
  return rules;
}

interface Armed {
  rule: FaultRule;
  seen: number;
}

let armed: Armed[] = [];

/** Arms the rules in this thread (replacing any armed before); `[]` disarms. */
export function installFaults(rules: readonly FaultRule[]): void {
  armed = rules.map((rule) => ({ rule: { ...rule }, seen: 0 }));
}

/**
 * Called by the file layer before each operation on `path`: the error to fail it with, or null
 * (always null unless {@link installFaults} armed a matching rule). A `kill` rule ends the process
 * here and does not return; a `pause` rule stops it here (SIGSTOP) and returns null once it is
 * continued (SIGCONT), for the operation to go on.
 */
export function injectedFault(op: FileOp, path: string): NodeJS.ErrnoException | null {
  if (armed.length === 0) return null;
  const where = path.replaceAll('\\', '/');
  for (const a of armed) {
    const { rule } = a;
    if (rule.file !== '*' && !where.includes(rule.file)) continue;
    if (rule.op === 'any' ? rule.action === 'ENOSPC' && !ALLOCATING.has(op) : rule.op !== op) continue;
    a.seen++;
    if (a.seen < rule.n || (a.seen > rule.n && !rule.sticky)) continue;
    if (rule.action === 'kill') killNow();
    if (rule.action === 'pause') {
      process.kill(process.pid, 'SIGSTOP'); // every thread of the process, until SIGCONT
      return null;
    }
    const { errno, text } = MESSAGES[rule.action];
    const error = new Error(`${rule.action}: ${text}, ${op} '${path}' (injected)`) as NodeJS.ErrnoException;
    error.code = rule.action;
    error.errno = errno;
    error.syscall = op;
    error.path = path;
    return error;
  }
  return null;
}

/** SIGKILL to this whole process (from a worker thread too): nothing after this line runs. */
function killNow(): never {
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered before this thread runs on; block it anyway rather than return.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error('unreachable: the process was killed');
}
