/**
 * When a run does what, besides training: a pure function of the config and the step (and, for
 * meta.json's progress, of the clock), so it is tested without training anything.
 *
 * ```
 * before step 1 (fresh run)  sample grid of the untrained generator (step 0)
 * after step t, in order     metrics row   t = 1, every log.every, the last step, a diverged step
 *                            sample grid   every log.samplesEvery, the last step (and on request)
 *                            evaluation    every eval.every (0: never during training)
 *                            checkpoint    every log.checkpointEvery, except the last step
 *                            meta.json     progress and heartbeat when META_INTERVAL_MS have passed
 * at the end                 sample grid of a diverged run (its last finite generator),
 *                            a checkpoint unless the run failed, an evaluation (eval.atEnd)
 *                            unless it failed or the last step was just evaluated
 * on resume from step s      logged rows after s are dropped: the run logs those steps again
 * ```
 */
import type { ExperimentConfig } from '@gan/training';
import type { EndStatus } from './events.ts';

/** meta.json's progress is rewritten at most this often (it is fsynced each time). */
export const META_INTERVAL_MS = 5000;

/** The numbers of a config that decide when things happen. */
export interface Schedule {
  totalSteps: number;
  logEvery: number;
  samplesEvery: number;
  checkpointEvery: number;
  /** 0: no evaluation during training. */
  evalEvery: number;
  evalAtEnd: boolean;
}

export function scheduleOf(config: ExperimentConfig): Schedule {
  return {
    totalSteps: config.train.steps,
    logEvery: config.log.every,
    samplesEvery: config.log.samplesEvery,
    checkpointEvery: config.log.checkpointEvery,
    evalEvery: config.eval.every,
    evalAtEnd: config.eval.atEnd,
  };
}

/** What a run writes once a step is trained. */
export interface Due {
  metrics: boolean;
  samples: boolean;
  checkpoint: boolean;
  eval: boolean;
}

/**
 * What is due once step `step` (counted from 1) has been trained. A diverged step (its losses not
 * finite) logs its metrics row and nothing else: the run stops there.
 */
export function dueAfterStep(s: Schedule, step: number, diverged = false): Due {
  if (diverged) return { metrics: true, samples: false, checkpoint: false, eval: false };
  const last = step === s.totalSteps;
  return {
    metrics: step === 1 || step % s.logEvery === 0 || last,
    samples: step % s.samplesEvery === 0 || last,
    checkpoint: step % s.checkpointEvery === 0 && !last,
    eval: s.evalEvery > 0 && step % s.evalEvery === 0,
  };
}

/** Before the first step: the untrained generator's sample grid, for a fresh run only. */
export function samplesDueAtStart(startStep: number): boolean {
  return startStep === 0;
}

/** What is due when the steps have ended with `status`: the diverged generator's grid, a checkpoint. */
export function dueAtEnd(status: EndStatus): { samples: boolean; checkpoint: boolean } {
  return { samples: status === 'diverged', checkpoint: status !== 'failed' };
}

/**
 * Whether the run is evaluated once its steps have ended at `step` with `status`: when the config
 * asks (`eval.atEnd`), unless the run failed or `lastEvalStep` (-1: none yet) is already `step`.
 */
export function evalDueAtEnd(s: Schedule, status: EndStatus, step: number, lastEvalStep: number): boolean {
  return s.evalAtEnd && status !== 'failed' && lastEvalStep !== step;
}

/** Whether meta.json's progress is due, `nowMs - lastWriteMs` after its last write. */
export function metaDue(nowMs: number, lastWriteMs: number): boolean {
  return nowMs - lastWriteMs > META_INTERVAL_MS;
}

/** Whether a logged row (metrics or eval) stays when the run resumes from a checkpoint at `step`. */
export function keptOnResume(row: { step?: unknown }, step: number): boolean {
  return typeof row.step === 'number' && row.step <= step;
}

/**
 * Whether an evaluation row stays when the run resumes from a checkpoint at `step`: as
 * {@link keptOnResume}, except the evaluation a stopped run made at its last step, off the
 * `evalEvery` schedule (`eval.atEnd`): the resumed run goes on as if never stopped, so its
 * eval.jsonl is the uninterrupted run's.
 */
export function evalKeptOnResume(row: { step?: unknown }, step: number, evalEvery: number): boolean {
  const scheduled = evalEvery > 0 && step > 0 && step % evalEvery === 0;
  return keptOnResume(row, step) && (row.step !== step || scheduled);
}
