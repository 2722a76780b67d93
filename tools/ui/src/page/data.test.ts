import { describe, expect, it } from 'vitest';
import { drawsMetric, RunData } from './data.ts';

describe('drawsMetric', () => {
  const objective = new Set(['step', 'dLoss', 'gLoss']);
  const current = new Set(['step', 'dLoss', 'dCostPrinted', 'gLoss']);
  // An old run of an article config, read as today's columns: its printed cost, no D loss.
  const old = new Set(['step', 'dCostPrinted', 'gLoss']);
  const none = new Set<string>();
  it.each([
    ['an objective run', objective, { dLoss: true, dCostPrinted: false, gLoss: true }],
    ['a run logging the printed cost', current, { dLoss: true, dCostPrinted: true, gLoss: true }],
    ['an old printed-cost run', old, { dLoss: false, dCostPrinted: true, gLoss: true }],
    ['a run before its first row', none, { dLoss: true, dCostPrinted: false, gLoss: true }],
  ])('draws for %s the metrics it logs', (_, logged, expected) => {
    for (const [key, drawn] of Object.entries(expected)) expect(drawsMetric(logged, key), key).toBe(drawn);
  });
});

describe('RunData', () => {
  it('knows the keys of its metrics rows, and forgets them when the file starts over', () => {
    const data = new RunData('a/b', 'a/b');
    data.take({ type: 'rows', file: 'metrics', rows: [{ step: 1, dCostPrinted: -0.01 }], reset: true });
    data.take({ type: 'rows', file: 'eval', rows: [{ step: 1, frechetDistance: 3 }], reset: true });
    data.take({ type: 'rows', file: 'metrics', rows: [{ step: 2, gLoss: 0.7 }], reset: false });
    expect([...data.metricKeys].sort()).toEqual(['dCostPrinted', 'gLoss', 'step']);
    data.take({ type: 'rows', file: 'metrics', rows: [{ step: 1, dLoss: 1.3 }], reset: true });
    expect([...data.metricKeys].sort()).toEqual(['dLoss', 'step']);
  });
});
