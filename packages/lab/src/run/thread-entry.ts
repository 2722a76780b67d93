/**
 * The training thread's side (see thread.ts): it trains the runs its host sends, one after
 * another, and posts their events back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type BackendKind, useBackend } from '@gan/training';
import type { RunEvent } from './events.ts';
import { runSession, type SessionOptions } from './session.ts';

/** What a TrainingThread starts its thread with. */
export interface ThreadInput {
  entry: string;
  backend: BackendKind;
  threads?: number;
}

/** From the host: a run to train (the thread's backend), or the end. */
export type ThreadRequest =
  | { type: 'run'; id: number; session: Omit<SessionOptions, 'onEvent' | 'backend' | 'kernels'> }
  | { type: 'close' };

/** To the host: a run's events, then `done` (with the error when the session threw). */
export type ThreadMessage =
  | { type: 'event'; id: number; event: RunEvent }
  | { type: 'done'; id: number; error: string | null };

const input = workerData as ThreadInput;
const port = parentPort;
if (port === null) throw new Error('thread-entry.ts must run in a worker thread');

const { name, kernels } = useBackend(input.backend, input.threads);

port.on('message', async (request: ThreadRequest) => {
  if (request.type === 'close') process.exit(0); // in a worker thread: ends this thread only
  const { id } = request;
  let error: string | null = null;
  try {
    await runSession({
      ...request.session,
      backend: name,
      kernels,
      onEvent: (event) => port.postMessage({ type: 'event', id, event } satisfies ThreadMessage),
    });
  } catch (e) {
    error = (e as Error).stack ?? String(e);
  }
  port.postMessage({ type: 'done', id, error } satisfies ThreadMessage);
});
