import { Worker } from 'node:worker_threads';
import { RunOwner, updateMetaSync } from '@gan/runs';
import type { BackendKind } from '@gan/training';
import { type Control, createControl, requestStop } from './control.ts';
import type { EndStatus, RunEvent } from './events.ts';
import type { SessionOptions } from './session.ts';
import type { WorkerInput } from './worker.ts';

type Finished = Extract<RunEvent, { type: 'finished' }>;

const UNEXPECTED_EXIT = 'the training thread exited unexpectedly';

export interface TrainingHandle {
  control: Control;
  /** Resolves with the final event once the training thread has ended. */
  done: Promise<Finished>;
  /** Ends the thread at once (a second Ctrl-C); the run is marked interrupted without a checkpoint. */
  kill(): Promise<void>;
}

/**
 * Starts a session in a worker thread, so that the dashboard and the signal handlers of this
 * thread stay responsive however long a training step takes. Events arrive through `onEvent`;
 * stop, pause and "sample now" go through the shared `control`.
 */
export function startTraining(
  session: Omit<SessionOptions, 'onEvent' | 'control' | 'backend'>,
  backend: BackendKind,
  onEvent: (event: RunEvent) => void,
): TrainingHandle {
  const control = createControl();
  const entry = new URL('./worker.ts', import.meta.url).href;
  const input: WorkerInput = { entry, session: { ...session, control, backend: backend }, backend };
  const worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData: input });
  let finished: Finished | null = null;
  let killed = false;
  // The session records its own end; these are ends outside it (a bad import, a killed thread).
  const end = (status: EndStatus, message: string, error: string | null): Finished => {
    recordEnd(RunOwner.of(session.runDir, session.owner), status, error);
    const event: Finished = { type: 'finished', status, step: 0, message, stepsPerSec: null };
    onEvent(event);
    return event;
  };

  const done = new Promise<Finished>((resolve) => {
    worker.on('message', (event: RunEvent) => {
      if (event.type === 'finished') finished = event;
      onEvent(event);
    });
    worker.on('error', (error) => {
      const message = error.stack ?? String(error);
      finished = end('failed', message, message);
    });
    worker.on('exit', () => {
      finished ??= killed
        ? end('interrupted', 'stopped at once (no final checkpoint)', null)
        : end('failed', UNEXPECTED_EXIT, UNEXPECTED_EXIT);
      resolve(finished);
    });
  });

  return {
    control,
    done,
    async kill() {
      killed = true;
      requestStop(control);
      await worker.terminate();
    },
  };
}

/**
 * Marks the run ended in meta.json, as its owner; meta.json may not exist yet, or the run may
 * have been taken over (then nothing is written), and the end is reported either way.
 */
export function recordEnd(owner: RunOwner, status: EndStatus, error: string | null): void {
  try {
    updateMetaSync(owner, { status, error, endedAt: new Date().toISOString() });
  } catch {
    // nothing to mark: the caller's event says what happened
  }
}
