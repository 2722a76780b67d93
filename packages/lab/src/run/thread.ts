/**
 * A training thread that outlives its runs: it trains one run after another, so what a thread
 * loads once (the TypeScript loader and modules, the native kernels, MNIST's bytes, the
 * evaluation's classifier) is loaded once per thread, not once per run. Sweeps and queue workers
 * keep one per member they run at a time; `pnpm exp` starts one for its one run
 * ({@link startTraining}). The session itself is in session.ts; the thread's side of the messages
 * in thread-entry.ts.
 *
 * ```ts
 * const thread = new TrainingThread({ backend: 'auto', threads: 1 });
 * const a = thread.run(sessionA, onEvent);
 * await a.done;                 // then the next run, in the same thread
 * const b = thread.run(sessionB, onEvent);
 * requestStop(b.control);       // stops at a step boundary (checkpoint, status interrupted)
 * await thread.close();
 * ```
 */
import { Worker } from 'node:worker_threads';
import { RunOwner, updateMetaSync } from '@gan/runs';
import type { BackendKind } from '@gan/training';
import { type Control, createControl, requestStop } from './control.ts';
import type { EndStatus, RunEvent } from './events.ts';
import type { SessionOptions } from './session.ts';
import type { ThreadInput, ThreadMessage, ThreadRequest } from './thread-entry.ts';

type Finished = Extract<RunEvent, { type: 'finished' }>;

/** A run going on in a training thread. */
export interface TrainingHandle {
  control: Control;
  /** Resolves with the run's final event. */
  done: Promise<Finished>;
  /** Ends the thread at once (a second Ctrl-C); the run is marked interrupted without a checkpoint. */
  kill(): Promise<void>;
}

export interface TrainingThreadOptions {
  backend: BackendKind;
  /** Native kernel threads (process-wide); default: the backend's own (the cores). */
  threads?: number;
}

/** A session as a training thread takes it (the callbacks and the backend are the thread's). */
export type ThreadSession = Omit<SessionOptions, 'onEvent' | 'control' | 'backend' | 'kernels'>;

export class TrainingThread {
  private worker: Worker;
  private current: {
    id: number;
    owner: RunOwner;
    onEvent: (e: RunEvent) => void;
    finish: (e: Finished) => void;
    finished: Finished | null;
  } | null = null;
  private nextId = 1;
  private dead = false;
  private exited: Promise<void>;

  constructor(options: TrainingThreadOptions) {
    const entry = new URL('./thread-entry.ts', import.meta.url).href;
    const input: ThreadInput = { entry, backend: options.backend, threads: options.threads };
    this.worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData: input });
    this.worker.on('message', (m: ThreadMessage) => this.onMessage(m));
    this.worker.on('error', (error) => this.end('failed', error.stack ?? String(error)));
    this.exited = new Promise((resolve) =>
      this.worker.on('exit', () => {
        this.dead = true;
        this.end('failed', 'the training thread exited unexpectedly');
        resolve();
      }),
    );
  }

  /** False once the thread has ended (killed, or crashed): make a new one. */
  get alive(): boolean {
    return !this.dead;
  }

  /** True while a run is going on. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Starts a run; one at a time. Events arrive through `onEvent`, the last one `finished`. */
  run(session: ThreadSession, onEvent: (event: RunEvent) => void): TrainingHandle {
    if (this.dead) throw new Error('TrainingThread.run: the thread has ended');
    if (this.current !== null) throw new Error('TrainingThread.run: a run is going on');
    const control = createControl();
    const id = this.nextId++;
    let finish!: (e: Finished) => void;
    const done = new Promise<Finished>((resolve) => {
      finish = resolve;
    });
    this.current = { id, owner: RunOwner.of(session.runDir, session.owner), onEvent, finish, finished: null };
    const request: ThreadRequest = { type: 'run', id, session: { ...session, control } };
    this.worker.postMessage(request);
    return {
      control,
      done,
      kill: async () => {
        requestStop(control);
        await this.kill();
      },
    };
  }

  /** Ends the thread at once; a run going on is marked interrupted without a final checkpoint. */
  async kill(): Promise<void> {
    if (this.dead) return;
    const run = this.current;
    if (run) this.end('interrupted', 'stopped at once (no final checkpoint)');
    await this.worker.terminate();
    await this.exited;
  }

  /** Ends the thread once its run (if any) is over. */
  async close(): Promise<void> {
    if (this.dead) return;
    this.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    await this.exited;
  }

  private onMessage(m: ThreadMessage): void {
    const run = this.current;
    if (run === null || m.id !== run.id) return;
    if (m.type === 'event') {
      if (m.event.type === 'finished') run.finished = m.event;
      run.onEvent(m.event);
      return;
    }
    // 'done': the session returned or threw (before it could record anything, e.g. no checkpoint).
    this.current = null;
    if (run.finished !== null) run.finish(run.finished);
    else {
      this.current = run;
      this.end('failed', m.error ?? 'the run ended without a result');
    }
  }

  /** Ends the current run from outside the session: meta.json and a `finished` event say how. */
  private end(status: EndStatus, message: string): void {
    const run = this.current;
    if (run === null || run.finished !== null) return;
    this.current = null;
    // The step meta.json last recorded: the session's own count died with the thread.
    const step = recordEnd(run.owner, status, status === 'failed' ? message : null);
    const event: Finished = { type: 'finished', status, step, message, stepsPerSec: null };
    run.finished = event;
    run.onEvent(event);
    run.finish(event);
  }
}

/**
 * Trains one run in a thread of its own, which ends with it (`pnpm exp`): the dashboard and the
 * signal handlers of this thread stay responsive however long a training step takes.
 */
export function startTraining(
  session: ThreadSession,
  backend: BackendKind,
  onEvent: (event: RunEvent) => void,
): TrainingHandle {
  const thread = new TrainingThread({ backend });
  const handle = thread.run(session, onEvent);
  return {
    control: handle.control,
    done: handle.done.then(async (finished) => {
      await thread.close();
      return finished;
    }),
    kill: handle.kill,
  };
}

/**
 * Marks the run ended in meta.json, as its owner; meta.json may not exist yet, or the run may
 * have been taken over (then nothing is written), and the end is reported either way.
 */
export function recordEnd(owner: RunOwner, status: EndStatus, error: string | null): number {
  try {
    return updateMetaSync(owner, { status, error, endedAt: new Date().toISOString() }).step;
  } catch {
    // nothing to mark: the caller's event says what happened
    return 0;
  }
}
