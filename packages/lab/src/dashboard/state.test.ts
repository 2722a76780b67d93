import { describe, expect, it } from 'vitest';
import { type Series, seriesBuckets } from './series.ts';
import {
  applyEvent,
  type DashboardEvent,
  type DashboardState,
  elapsedAt,
  etaSeconds,
  initialState,
  LOG_LINES,
  statusOf,
} from './state.ts';
import {
  gradientImage,
  metricsEvent,
  metricsRow,
  ringEvalEvent,
  runEvents,
  startedEvent,
} from './test-events.ts';

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

const fold = (events: DashboardEvent[], state = initialState(), now = 0) =>
  events.reduce<DashboardState>((s, e) => applyEvent(s, e, now), state);

describe('applyEvent', () => {
  it('is pure: neither the state nor the event is modified', () => {
    const state = deepFreeze(fold(runEvents(500)));
    const snapshot = JSON.stringify(state);
    const events: DashboardEvent[] = [
      deepFreeze(metricsEvent(510)),
      { type: 'samples', step: 510, path: 'x.png', image: gradientImage() },
      deepFreeze({ type: 'checkpoint', step: 510, path: 'c' } as const),
      deepFreeze({ type: 'paused', paused: true, step: 510 } as const),
      deepFreeze({ type: 'stop-requested' } as const),
      deepFreeze(ringEvalEvent(510)),
      deepFreeze({
        type: 'finished',
        status: 'interrupted',
        step: 510,
        message: null,
        stepsPerSec: 240,
      } as const),
    ];
    const eventSnapshot = JSON.stringify(events);
    for (const e of events) {
      const next = applyEvent(state, e, 1000);
      expect(next).not.toBe(state);
    }
    expect(JSON.stringify(state)).toBe(snapshot);
    expect(JSON.stringify(events)).toBe(eventSnapshot);
  });

  it('follows a run: starting, running, paused, stopping, interrupted', () => {
    let s = initialState();
    expect(statusOf(s)).toBe('starting');
    s = applyEvent(s, startedEvent(), 0);
    expect(statusOf(s)).toBe('running');
    s = applyEvent(s, metricsEvent(10), 40);
    s = applyEvent(s, { type: 'paused', paused: true, step: 10 }, 50);
    expect(statusOf(s)).toBe('paused');
    expect(etaSeconds(s)).toBeNull();
    s = applyEvent(s, { type: 'stop-requested' }, 60);
    expect(statusOf(s)).toBe('stopping');
    s = applyEvent(s, { type: 'paused', paused: false, step: 10 }, 70);
    expect(statusOf(s)).toBe('stopping');
    s = applyEvent(
      s,
      { type: 'finished', status: 'interrupted', step: 10, message: null, stepsPerSec: 200 },
      80,
    );
    expect(statusOf(s)).toBe('interrupted');
    expect(s.log.map((l) => l.text)).toEqual([
      'started, 20000 steps',
      'paused',
      'stop requested',
      'resumed',
      'interrupted',
    ]);
  });

  it('records every metric into the four series and keeps the latest row', () => {
    const s = fold(runEvents(1500));
    expect(s.step).toBe(1500);
    expect(s.latest?.step).toBe(1500);
    for (const series of [s.dLoss, s.gLoss, s.dReal, s.dFake]) expect(series.count).toBe(150);
    expect(seriesBuckets(s.dReal)[0].x0).toBe(10);
    expect(s.sample?.step).toBe(1000);
    expect(s.dCostPrinted.count).toBe(0); // the run logs no printed cost
  });

  it("records the article's printed D cost into a series of its own, beside the D loss", () => {
    const s = fold(runEvents(1500, 20000, true));
    expect(s.dCostPrinted.count).toBe(150);
    expect(s.dLoss.count).toBe(150);
    const first = (series: Series) => seriesBuckets(series)[0].sum / seriesBuckets(series)[0].finite;
    expect(first(s.dCostPrinted)).toBeCloseTo(metricsRow(10, true).dCostPrinted as number, 10);
    expect(first(s.dLoss)).toBeCloseTo(metricsRow(10, true).dLoss, 10);
  });

  it('shows how far the learning rates fell, and logs the drop', () => {
    const s = fold(runEvents(100));
    expect(s.lrPeak).toEqual({ d: 9e-7, g: 9e-7 });
    expect(s.latest?.lrD).toBe(9e-9);
    expect(s.log.filter((l) => l.text.startsWith('lr '))).toEqual([
      { step: 50, text: 'lr 9.0e-7 → 9.0e-9', tone: 'info' },
    ]);
  });

  it('smooths the speed and derives the ETA from it', () => {
    let s = applyEvent(initialState(), startedEvent(1000), 0);
    s = applyEvent(s, { type: 'metrics', row: metricsEvent(100).row, stepsPerSec: 100, elapsed: 1 }, 0);
    expect(s.rate).toBe(100);
    expect(etaSeconds(s)).toBeCloseTo(9);
    s = applyEvent(s, { type: 'metrics', row: metricsEvent(300).row, stepsPerSec: 200, elapsed: 2 }, 0);
    expect(s.rate).toBeGreaterThan(100);
    expect(s.rate).toBeLessThan(200);
  });

  it('keeps the run time ticking between events, and frozen once finished', () => {
    let s = applyEvent(initialState(), startedEvent(), 1000);
    s = applyEvent(s, { ...metricsEvent(10), elapsed: 5 }, 2000);
    expect(elapsedAt(s, 4000)).toBe(7);
    s = applyEvent(
      s,
      { type: 'finished', status: 'completed', step: 10, message: null, stepsPerSec: 1 },
      3000,
    );
    expect(elapsedAt(s, 9000)).toBe(6);
  });

  it('bounds the log', () => {
    const events: DashboardEvent[] = [startedEvent()];
    for (let i = 1; i <= 200; i++) events.push({ type: 'checkpoint', step: i, path: 'c' });
    const s = fold(events);
    expect(s.log).toHaveLength(LOG_LINES);
    expect(s.log.at(-1)?.step).toBe(200);
  });

  it('logs progress messages from work outside the steps', () => {
    const s = fold([startedEvent(), { type: 'message', step: 0, text: 'classifier: epoch 1/10' }]);
    expect(s.log.at(-1)).toMatchObject({ step: 0, text: 'classifier: epoch 1/10' });
  });

  it('keeps the first line of a closing message and the evaluation', () => {
    let s = fold(runEvents(20));
    s = applyEvent(s, ringEvalEvent(20));
    expect(s.evaluation).toEqual({ step: 20, result: ringEvalEvent(20).result });
    s = applyEvent(s, {
      type: 'finished',
      status: 'diverged',
      step: 21,
      message: 'losses became non-finite at step 21\nmore',
      stepsPerSec: null,
    });
    expect(statusOf(s)).toBe('diverged');
    expect(s.log.at(-1)).toEqual({
      step: 21,
      text: 'diverged: losses became non-finite at step 21',
      tone: 'bad',
    });
    // A stop request after the end changes nothing.
    expect(applyEvent(s, { type: 'stop-requested' })).toBe(s);
  });
});
