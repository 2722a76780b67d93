import { Worker } from 'node:worker_threads';
import { updateMetaSync } from '@gan/runs';
import type { BackendKind } from '../train/backend.ts';
import { type Control, createControl, requestStop } from './control.ts';
import type { RunEvent } from './events.ts';
import type { SessionOptions } from './session.ts';
import type { WorkerInput } from './worker.ts';

export interface TrainingHandle {
  control: Control;
  /** Resolves with the final event once the training thread has ended. */
  done: Promise<Extract<RunEvent, { type: 'finished' }>>;
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
  let finished: Extract<RunEvent, { type: 'finished' }> | null = null;
  let killed = false;

  const done = new Promise<Extract<RunEvent, { type: 'finished' }>>((resolve) => {
    worker.on('message', (event: RunEvent) => {
      if (event.type === 'finished') finished = event;
      onEvent(event);
    });
    worker.on('error', (error) => {
      // The session records its own failures; this is a crash outside it (e.g. a bad import).
      const message = error.stack ?? String(error);
      try {
        updateMetaSync(session.runDir, {
          status: 'failed',
          error: message,
          endedAt: new Date().toISOString(),
        });
      } catch {
        // meta.json may not exist yet: the error is reported below either way
      }
      finished = { type: 'finished', status: 'failed', step: 0, message, stepsPerSec: null };
      onEvent(finished);
    });
    worker.on('exit', () => {
      if (finished === null) {
        const status = killed ? 'interrupted' : 'failed';
        const message = killed
          ? 'stopped at once (no final checkpoint)'
          : 'the training thread exited unexpectedly';
        try {
          updateMetaSync(session.runDir, {
            status,
            endedAt: new Date().toISOString(),
            error: killed ? null : message,
          });
        } catch {
          // see above
        }
        finished = { type: 'finished', status, step: 0, message, stepsPerSec: null };
        onEvent(finished);
      }
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
