import { describe, expect, it } from 'vitest';
import { RunClock } from './clock.ts';
import {
  dueAfterStep,
  dueAtEnd,
  evalDueAtEnd,
  evalKeptOnResume,
  keptOnResume,
  META_INTERVAL_MS,
  metaDue,
  type Schedule,
  samplesDueAtStart,
  scheduleOf,
} from './schedule.ts';
import { ringConfig } from './session.test-util.ts';

/** 100 steps; metrics every 10, samples every 25, checkpoints every 50, evaluation every 40. */
const S: Schedule = {
  totalSteps: 100,
  logEvery: 10,
  samplesEvery: 25,
  checkpointEvery: 50,
  evalEvery: 40,
  evalAtEnd: true,
};

/** The steps of 1..100 at which `what` is due. */
const stepsWhere = (s: Schedule, what: 'metrics' | 'samples' | 'checkpoint' | 'eval') =>
  Array.from({ length: s.totalSteps }, (_, i) => i + 1).filter((t) => dueAfterStep(s, t)[what]);

describe('the schedule', () => {
  it('reads its numbers from the config', () => {
    const config = ringConfig('x', {
      train: { steps: 60 },
      log: { every: 5, samplesEvery: 20, checkpointEvery: 30 },
      eval: { every: 15, atEnd: false },
    });
    expect(scheduleOf(config)).toEqual({
      totalSteps: 60,
      logEvery: 5,
      samplesEvery: 20,
      checkpointEvery: 30,
      evalEvery: 15,
      evalAtEnd: false,
    });
  });

  it.each([
    ['metrics', [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    ['samples', [25, 50, 75, 100]],
    ['checkpoint', [50]], // the last step's checkpoint is written at the end
    ['eval', [40, 80]],
  ] as const)('%s is due after steps %j', (what, steps) => {
    expect(stepsWhere(S, what)).toEqual(steps);
  });

  it('logs the last step even off the grid, and evaluates never during training with eval.every 0', () => {
    const s = { ...S, totalSteps: 97, evalEvery: 0 };
    expect(stepsWhere(s, 'metrics').at(-1)).toBe(97);
    expect(stepsWhere(s, 'samples')).toEqual([25, 50, 75, 97]);
    expect(stepsWhere(s, 'eval')).toEqual([]);
  });

  it('logs only the metrics row of a diverged step', () => {
    expect(dueAfterStep(S, 50, true)).toEqual({
      metrics: true,
      samples: false,
      checkpoint: false,
      eval: false,
    });
    expect(dueAfterStep(S, 50)).toEqual({ metrics: true, samples: true, checkpoint: true, eval: false });
  });

  it('draws the untrained generator for a fresh run only', () => {
    expect(samplesDueAtStart(0)).toBe(true);
    expect(samplesDueAtStart(35)).toBe(false);
  });

  it.each([
    ['completed', { samples: false, checkpoint: true }],
    ['interrupted', { samples: false, checkpoint: true }],
    ['diverged', { samples: true, checkpoint: true }],
    ['failed', { samples: false, checkpoint: false }],
  ] as const)('at the end of a %s run: %j', (status, due) => {
    expect(dueAtEnd(status)).toEqual(due);
  });

  it('evaluates at the end unless asked not to, failed, or just evaluated', () => {
    expect(evalDueAtEnd(S, 'completed', 100, 80)).toBe(true);
    expect(evalDueAtEnd(S, 'interrupted', 25, -1)).toBe(true);
    expect(evalDueAtEnd(S, 'diverged', 41, 40)).toBe(true);
    expect(evalDueAtEnd(S, 'completed', 80, 80)).toBe(false);
    expect(evalDueAtEnd(S, 'failed', 100, -1)).toBe(false);
    expect(evalDueAtEnd({ ...S, evalAtEnd: false }, 'completed', 100, -1)).toBe(false);
  });

  it('rewrites meta.json progress only when its interval has passed', () => {
    expect(metaDue(1000 + META_INTERVAL_MS, 1000)).toBe(false);
    expect(metaDue(1001 + META_INTERVAL_MS, 1000)).toBe(true);
  });

  it('keeps on resume the logged rows up to the checkpoint', () => {
    const rows = [{ step: 10 }, { step: 35 }, { step: 40 }, {}, { step: '20' }];
    expect(rows.filter((r) => keptOnResume(r, 35))).toEqual([{ step: 10 }, { step: 35 }]);
  });

  it('drops on resume the evaluation a stopped run made at its last step, off the schedule', () => {
    const rows = [{ step: 20 }, { step: 35 }, { step: 40 }];
    expect(rows.filter((r) => evalKeptOnResume(r, 35, 20))).toEqual([{ step: 20 }]);
    expect(rows.filter((r) => evalKeptOnResume(r, 40, 20))).toEqual(rows);
    expect(rows.filter((r) => evalKeptOnResume(r, 35, 0))).toEqual([{ step: 20 }]);
    expect([{ step: 0 }].filter((r) => evalKeptOnResume(r, 0, 20))).toEqual([]); // stopped before step 1
  });
});

describe('the run clock', () => {
  it('measures steps/s per window, restarts after pauses, and keeps evaluations out of the training time', () => {
    let now = 1000;
    const clock = new RunClock(12, 100, () => now);
    now += 2000;
    expect(clock.measure(120)).toBe(10);
    expect(clock.elapsed()).toBe(14);
    now += 5000; // a pause or an evaluation
    clock.restartWindow(120);
    clock.exclude(5000);
    now += 1000;
    expect(clock.measure(130)).toBe(10);
    expect(clock.measure(130)).toBe(10); // no time has passed: the last speed stands
    expect(clock.trainingSeconds()).toBe(3);
    expect(clock.elapsed()).toBe(20);
  });
});
