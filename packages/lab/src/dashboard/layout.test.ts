import { describe, expect, it } from 'vitest';
import { computeLayout, MIN_FULL_HEIGHT, MIN_FULL_WIDTH } from './layout.ts';
import { planPicture } from './picture.ts';
import { digitGrid } from './test-events.ts';

const MNIST_GRID = digitGrid(false);

describe('computeLayout', () => {
  it('falls back to the compact view below the minimum size', () => {
    expect(computeLayout(MIN_FULL_WIDTH - 1, 40, null).kind).toBe('compact');
    expect(computeLayout(120, MIN_FULL_HEIGHT - 1, null).kind).toBe('compact');
    expect(computeLayout(0, 0, null)).toEqual({ kind: 'compact', width: 1, height: 1 });
  });

  it.each([
    [72, 20],
    [80, 24],
    [90, 28],
    [120, 40],
    [200, 60],
  ])('fills %i x %i exactly, the picture included', (w, h) => {
    const l = computeLayout(w, h, MNIST_GRID);
    if (l.kind !== 'full') throw new Error('expected the full view');
    expect(l.chartsWidth + l.samplesWidth).toBe(w);
    expect(l.statsWidth + l.evalWidth + l.logWidth).toBe(w);
    expect(2 + l.mainHeight + l.bottomHeight + 1).toBe(h);
    expect(l.lossHeight + l.probsHeight).toBe(l.mainHeight);
    expect(l.picture.width).toBeGreaterThan(0);
    expect(l.picture.width).toBeLessThanOrEqual(l.samplesWidth - 4);
    expect(l.picture.height).toBeLessThanOrEqual(l.mainHeight - 2);
  });

  it.each([
    // terminal, samples shown (rows x cols), shrink factor: a sample keeps >= 8 pixels across
    [72, 20, 2, 7],
    [80, 24, 3, 7],
    [100, 30, 4, 7],
    [130, 45, 4, 5],
  ])('at %i x %i shows %i x %i samples (factor %i)', (w, h, k, factor) => {
    const l = computeLayout(w, h, MNIST_GRID);
    if (l.kind !== 'full') throw new Error('expected the full view');
    const plan = planPicture(MNIST_GRID, { width: l.samplesWidth - 4, height: l.mainHeight - 2 });
    expect([plan.rows, plan.cols, plan.of, plan.factor]).toEqual([k, k, 16, factor]);
    expect(plan.cells).toEqual(l.picture);
  });

  it('shows both charts and the log only when there is room', () => {
    const small = computeLayout(80, 20, MNIST_GRID);
    const big = computeLayout(120, 40, MNIST_GRID);
    if (small.kind !== 'full' || big.kind !== 'full') throw new Error('expected the full view');
    expect([small.probsHeight, small.logWidth]).toEqual([0, 0]);
    expect(small.samplesWidth).toBeGreaterThan(0);
    expect(big.probsHeight).toBeGreaterThan(0);
    expect(big.logWidth).toBeGreaterThan(0);
  });
});
