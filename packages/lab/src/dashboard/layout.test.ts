import { describe, expect, it } from 'vitest';
import { computeLayout, MIN_FULL_HEIGHT, MIN_FULL_WIDTH, pictureCells, pictureFactor } from './layout.ts';

const MNIST_GRID = { width: 234, height: 234 };

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
  ])('fills %i x %i exactly', (w, h) => {
    const l = computeLayout(w, h, MNIST_GRID);
    if (l.kind !== 'full') throw new Error('expected the full view');
    expect(l.chartsWidth + l.samplesWidth).toBe(w);
    expect(l.statsWidth + l.evalWidth + l.logWidth).toBe(w);
    expect(2 + l.mainHeight + l.bottomHeight + 1).toBe(h);
    expect(l.lossHeight + l.probsHeight).toBe(l.mainHeight);
    if (l.samplesWidth > 0) {
      expect(l.picture.width).toBeLessThanOrEqual(l.samplesWidth - 4);
      expect(l.picture.height).toBeLessThanOrEqual(l.mainHeight - 2);
    }
  });

  it('shows the picture, both charts and the log only when there is room', () => {
    const small = computeLayout(80, 20, MNIST_GRID);
    const big = computeLayout(120, 40, MNIST_GRID);
    if (small.kind !== 'full' || big.kind !== 'full') throw new Error('expected the full view');
    expect([small.samplesWidth, small.probsHeight, small.logWidth]).toEqual([0, 0, 0]);
    expect(big.samplesWidth).toBeGreaterThan(0);
    expect(big.probsHeight).toBeGreaterThan(0);
    expect(big.logWidth).toBeGreaterThan(0);
  });
});

describe('pictureFactor', () => {
  it('picks the smallest integer shrink that fits width and half-block height', () => {
    expect(pictureFactor(MNIST_GRID, { width: 50, height: 30 })).toBe(5); // 47 x 24 cells
    expect(pictureCells(MNIST_GRID, 5)).toEqual({ width: 47, height: 24 });
    expect(pictureFactor({ width: 10, height: 10 }, { width: 50, height: 30 })).toBe(1);
    expect(pictureFactor(MNIST_GRID, { width: 0, height: 10 })).toBe(234);
  });
});
