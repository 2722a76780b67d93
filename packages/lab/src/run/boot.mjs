// Worker bootstrap: registers the TypeScript loader in this thread, then runs the entry module.
// (Worker threads do not inherit the loader tsx registers in the main thread.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
