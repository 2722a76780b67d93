import { parentPort, workerData } from 'node:worker_threads';
import { type BackendKind, useBackend } from '@gan/training';
import { runSession, type SessionOptions } from './session.ts';

/** What the host sends the training thread (everything but the callbacks of SessionOptions). */
export interface WorkerInput {
  entry: string;
  session: Omit<SessionOptions, 'onEvent'>;
  backend: BackendKind;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (port === null) throw new Error('worker.ts must run in a worker thread');

const { name } = useBackend(input.backend);
await runSession({ ...input.session, backend: name, onEvent: (event) => port.postMessage(event) });
