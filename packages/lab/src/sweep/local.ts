/**
 * The local executor: `--jobs N` members at once on this machine, each in a training thread of
 * its own that lives for the whole sweep (so what a thread loads, it loads once), the native
 * kernels' threads capped at each member's share of the cores.
 *
 * Stopping is per member or for all: a member asked to stop checkpoints at its next step and
 * ends `interrupted`; resuming the sweep resumes it from there. Asked twice, every run ends at
 * once (still resumable from its last periodic checkpoint).
 */
import type { RunEnvironment, RunMeta } from '@gan/runs';
import { requestStop } from '../run/control.ts';
import type { EndStatus, RunEvent, SessionEnd } from '../run/events.ts';
import type { TrainingHandle } from '../run/thread.ts';
import { TrainingThread } from '../run/thread.ts';
import type { BackendKind } from '@gan/training';
import { openMember } from './member.ts';
import { advanceStage, type Sweep } from './sweep.ts';

/** What happens to a sweep's members, for its views (dashboard, plain lines). */
export type SweepUpdate =
  | { type: 'stage'; stage: number; members: number[]; reason: string | null; steps: number | null }
  | { type: 'queued'; index: number }
  /** The member already ended so (a resumed sweep): nothing to run. */
  | { type: 'done'; index: number; status: RunMeta['status']; step: number; run: string }
  | { type: 'opened'; index: number; run: string; resumed: boolean }
  | { type: 'event'; index: number; event: RunEvent }
  /** The member could not be started (its run folder could not be made or read). */
  | { type: 'error'; index: number; message: string };

export interface LocalSweepOptions {
  sweep: Sweep;
  /** Members at once. */
  jobs: number;
  /** Native kernel threads of each member (default: the cores divided by `jobs`, at least 1). */
  threads: number;
  backend: BackendKind;
  environment: RunEnvironment;
  onUpdate: (update: SweepUpdate) => void;
}

/** How a sweep's run ended. */
export interface SweepOutcome {
  sweep: Sweep;
  /** Every member's end in this run of the sweep (members skipped as done included). */
  ends: Map<number, SessionEnd | 'error'>;
  /** Stopped before every member ended. */
  stopped: boolean;
}

export class LocalExecutor {
  private readonly handles = new Map<number, TrainingHandle>();
  private readonly threads: TrainingThread[] = [];
  private stopping = false;
  private killing = false;

  constructor(private readonly options: LocalSweepOptions) {}

  /** Runs every stage's members not yet done. */
  async run(): Promise<SweepOutcome> {
    const { onUpdate } = this.options;
    let sweep = this.options.sweep;
    const ends = new Map<number, SessionEnd | 'error'>();
    try {
      for (let s = 0; s < sweep.meta.stages.length && !this.stopping; s++) {
        if (sweep.meta.stages[s].members === null) sweep = advanceStage(sweep, s).sweep;
        const stage = sweep.meta.stages[s];
        const members = stage.members ?? [];
        onUpdate({ type: 'stage', stage: s, members, reason: stage.reason, steps: stage.steps });
        await this.runMembers(sweep, members, stage.steps, ends);
      }
    } finally {
      await Promise.all(this.threads.map((t) => t.close()));
    }
    return { sweep, ends, stopped: this.stopping };
  }

  /**
   * Asks every running member to stop at its next step (checkpoint, `interrupted`) and starts no
   * more; asked again, ends them at once. Returns what it did.
   */
  stopAll(): 'stopping' | 'killing' {
    if (this.stopping) {
      this.killing = true;
      for (const t of this.threads) void t.kill();
      return 'killing';
    }
    this.stopping = true;
    for (const h of this.handles.values()) requestStop(h.control);
    return 'stopping';
  }

  /** Asks one member to stop at its next step; the others go on. False if it is not running. */
  stopMember(index: number): boolean {
    const h = this.handles.get(index);
    if (h === undefined) return false;
    requestStop(h.control);
    return true;
  }

  /** The indices of the members running now. */
  running(): number[] {
    return [...this.handles.keys()];
  }

  private async runMembers(
    sweep: Sweep,
    indices: readonly number[],
    steps: number | null,
    ends: Map<number, SessionEnd | 'error'>,
  ): Promise<void> {
    const { onUpdate, jobs } = this.options;
    const queue = [...indices];
    for (const index of queue) onUpdate({ type: 'queued', index });
    const ctx = {
      experimentsDir: sweep.experimentsDir,
      sweepDir: sweep.dir,
      environment: this.options.environment,
      owner: 'pnpm sweep',
      // A member another process is still at (a second `pnpm sweep --resume`, a worker) is left to it.
    };
    const slot = async (i: number) => {
      for (;;) {
        const index = queue.shift();
        if (index === undefined || this.stopping) return;
        const member = sweep.members[index];
        let start: Awaited<ReturnType<typeof openMember>>;
        try {
          start = await openMember(ctx, member, steps);
        } catch (e) {
          ends.set(index, 'error');
          onUpdate({ type: 'error', index, message: (e as Error).message });
          continue;
        }
        if (start.kind !== 'run') {
          const status = start.kind === 'done' ? start.status : 'running';
          if (start.kind === 'done') ends.set(index, start.status as EndStatus);
          onUpdate({
            type: 'done',
            index,
            status,
            step: start.kind === 'done' ? start.step : 0,
            run: start.run,
          });
          continue;
        }
        onUpdate({ type: 'opened', index, run: start.run, resumed: start.resumed });
        const thread = this.thread(i);
        const handle = thread.run(start.session, (event) => onUpdate({ type: 'event', index, event }));
        this.handles.set(index, handle);
        if (this.stopping) requestStop(handle.control);
        const finished = await handle.done;
        this.handles.delete(index);
        ends.set(index, finished.status);
        if (this.killing) return;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, queue.length)) }, (_, i) => slot(i)));
  }

  /** Slot `i`'s training thread, made anew if the last one ended. */
  private thread(i: number): TrainingThread {
    const t = this.threads[i];
    if (t?.alive) return t;
    const made = new TrainingThread({ backend: this.options.backend, threads: this.options.threads });
    this.threads[i] = made;
    return made;
  }
}
