/**
 * Requests from the user to a running trainer, in shared memory so the trainer sees them between
 * two steps without turning its event loop (it may run in a worker thread, busy for minutes).
 *
 * ```ts
 * const control = createControl();
 * requestStop(control); // from a key press or a signal handler
 * ```
 */
export type Control = Int32Array;

const STOP = 0;
const PAUSE = 1;
const SAMPLE = 2;
const ABANDON = 3;

export function createControl(): Control {
  return new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
}

export function requestStop(c: Control): void {
  Atomics.store(c, STOP, 1);
  Atomics.notify(c, PAUSE);
}

export function stopRequested(c: Control): boolean {
  return Atomics.load(c, STOP) === 1;
}

export function setPaused(c: Control, paused: boolean): void {
  Atomics.store(c, PAUSE, paused ? 1 : 0);
  Atomics.notify(c, PAUSE);
}

export function isPaused(c: Control): boolean {
  return Atomics.load(c, PAUSE) === 1;
}

/** Blocks while paused (until resumed or stopped), waking every `ms` at most. */
export function waitWhilePaused(c: Control, ms = 250): void {
  while (isPaused(c) && !stopRequested(c)) Atomics.wait(c, PAUSE, 1, ms);
}

/**
 * Stops the run at its next step without a final checkpoint, sample grid, evaluation or GIF: its
 * owner may no longer be the only one at it (a queue worker that lost its job's lock), so it
 * writes only its final meta.json, which fails if the run has been taken over meanwhile.
 */
export function requestAbandon(c: Control): void {
  Atomics.store(c, ABANDON, 1);
  requestStop(c);
}

export function abandonRequested(c: Control): boolean {
  return Atomics.load(c, ABANDON) === 1;
}

export function requestSample(c: Control): void {
  Atomics.store(c, SAMPLE, 1);
}

/** True once per request: the flag is cleared by reading it. */
export function takeSampleRequest(c: Control): boolean {
  return Atomics.exchange(c, SAMPLE, 0) === 1;
}
