import { describe, expect, it } from 'vitest';
import { currentMetricsRow, logsPrintedCost, METRIC_LABELS } from './columns.ts';

describe('the metrics columns', () => {
  it('reads an old row of a run that logs the printed cost as today’s: its dLoss was the printed cost', () => {
    expect(currentMetricsRow({ step: 1, dLoss: -0.01, gLoss: 0.69 }, true)).toEqual({
      step: 1,
      dCostPrinted: -0.01,
      gLoss: 0.69,
    });
    // Today's rows, and rows of runs that log the loss D descends, are left as they are.
    const today = { step: 1, dLoss: 1.38, dCostPrinted: -0.01 };
    expect(currentMetricsRow(today, true)).toBe(today);
    const objective = { step: 1, dLoss: 1.38 };
    expect(currentMetricsRow(objective, false)).toBe(objective);
  });

  it('tells the two D columns apart by name', () => {
    expect(METRIC_LABELS.dLoss.name).not.toBe(METRIC_LABELS.dCostPrinted.name);
    expect(METRIC_LABELS.dCostPrinted.description).toMatch(/the article's code prints/);
    expect(logsPrintedCost({ loss: { reportedDiscriminatorCost: 'article-printed' } })).toBe(true);
    expect(logsPrintedCost({ loss: { reportedDiscriminatorCost: 'objective' } })).toBe(false);
    expect(logsPrintedCost({})).toBe(false);
  });
});
