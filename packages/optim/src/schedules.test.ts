import { describe, expect, it } from 'vitest';
import {
  constantSchedule,
  cosineSchedule,
  exponentialSchedule,
  makeSchedule,
  stepSchedule,
} from './schedules.ts';

describe('schedules', () => {
  it('constant', () => {
    const s = constantSchedule(0.1);
    expect([s(0), s(1000)]).toEqual([0.1, 0.1]);
  });

  it('step: the decay trick drops after step 0 and after step 40', () => {
    const lr = 9e-5;
    const s = stepSchedule(lr, [
      { step: 1, factor: 0.01 },
      { step: 41, factor: 0.01 },
    ]);
    expect(s(0)).toBe(lr);
    expect(s(1)).toBeCloseTo(lr * 0.01, 15);
    expect(s(40)).toBeCloseTo(lr * 0.01, 15);
    expect(s(41)).toBeCloseTo(lr * 1e-4, 15);
    expect(s(1_000_000)).toBeCloseTo(lr * 1e-4, 15);
  });

  it('step: rejects milestones out of order or with a bad factor', () => {
    expect(() =>
      stepSchedule(0.1, [
        { step: 5, factor: 0.1 },
        { step: 5, factor: 0.1 },
      ]),
    ).toThrow('step schedule: milestone 1: steps must increase strictly, got 5 after 5');
    expect(() => stepSchedule(0.1, [{ step: 1, factor: 0 }])).toThrow(/factor must be > 0/);
    expect(() => stepSchedule(0.1, [{ step: -1, factor: 0.5 }])).toThrow(/integer >= 0/);
  });

  it('exponential: gamma^floor(t/every)', () => {
    const s = exponentialSchedule(1, 0.5, 10);
    expect([s(0), s(9), s(10), s(25)]).toEqual([1, 1, 0.5, 0.25]);
    expect(() => exponentialSchedule(1, 1.5)).toThrow(/gamma must be in \(0, 1\]/);
  });

  it('cosine: warm-up, half way, end and after', () => {
    const s = cosineSchedule(1, 110, 0.1, 10);
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(9)).toBeCloseTo(1, 12);
    expect(s(10)).toBeCloseTo(1, 12);
    expect(s(60)).toBeCloseTo(0.55, 12);
    expect(s(110)).toBeCloseTo(0.1, 12);
    expect(s(500)).toBe(0.1);
    expect(() => cosineSchedule(1, 10, 2)).toThrow(/minLr/);
  });

  it('builds every kind from its config form', () => {
    expect(makeSchedule(0.1, { type: 'constant' })(5)).toBe(0.1);
    expect(makeSchedule(0.1, { type: 'step', milestones: [{ step: 2, factor: 0.5 }] })(2)).toBe(0.05);
    expect(makeSchedule(0.1, { type: 'exponential', gamma: 0.5 })(2)).toBeCloseTo(0.025, 12);
    expect(makeSchedule(0.1, { type: 'cosine', steps: 10 })(10)).toBe(0);
  });
});
