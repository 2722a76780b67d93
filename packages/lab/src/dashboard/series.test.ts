import { describe, expect, it } from 'vitest';
import {
  bucketMean,
  emptySeries,
  lastBucket,
  pushPoint,
  resample,
  type Series,
  seriesBuckets,
} from './series.ts';

const fill = (s: Series, ys: number[], x0 = 1) => ys.reduce((acc, y, i) => pushPoint(acc, x0 + i, y), s);

describe('bounded series', () => {
  it('merges pairwise when full: 10 points in 4 buckets', () => {
    const s = fill(
      emptySeries(4),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    expect(s.span).toBe(4);
    expect(s.count).toBe(10);
    const b = seriesBuckets(s);
    expect(b.map(bucketMean)).toEqual([2.5, 6.5, 9.5]);
    expect(b.map((x) => [x.x0, x.x1])).toEqual([
      [1, 4],
      [5, 8],
      [9, 10],
    ]);
    expect(b.map((x) => [x.min, x.max])).toEqual([
      [1, 4],
      [5, 8],
      [9, 10],
    ]);
  });

  it('keeps its bound after 1,000,000 points, and the envelope keeps the extremes', () => {
    let s = emptySeries(64);
    const spikeAt = 777_777;
    for (let x = 1; x <= 1_000_000; x++) {
      const y = x === spikeAt ? 1e6 : x === 3 ? -5e5 : Math.sin(x / 1000);
      s = pushPoint(s, x, y);
    }
    const buckets = seriesBuckets(s);
    expect(buckets.length).toBeLessThanOrEqual(64);
    expect(buckets.length).toBeGreaterThanOrEqual(32);
    expect(s.count).toBe(1_000_000);
    expect(buckets[0].x0).toBe(1);
    expect(lastBucket(s)?.x1).toBe(1_000_000);
    expect(Math.max(...buckets.map((b) => b.max))).toBe(1e6);
    expect(Math.min(...buckets.map((b) => b.min))).toBe(-5e5);
    expect(buckets.reduce((n, b) => n + b.n, 0)).toBe(1_000_000);
    // Equal-width buckets: every completed one holds `span` points.
    for (const b of s.full) expect(b.n).toBe(s.span);
  });

  it('counts non-finite values without averaging them', () => {
    const s = fill(emptySeries(4), [1, Number.NaN, 3, Infinity]);
    const b = seriesBuckets(s);
    expect(b.map((x) => x.n)).toEqual([1, 1, 1, 1]);
    expect(b.map(bucketMean)).toEqual([1, Number.NaN, 3, Number.NaN]);
    const r = resample(s, 1);
    expect(r.mean).toEqual([2]);
    expect([r.min[0], r.max[0]]).toEqual([1, 3]);
  });

  it('does not modify the series it is given', () => {
    const s = fill(emptySeries(4), [1, 2, 3, 4, 5, 6, 7]);
    const before = JSON.stringify(s);
    Object.freeze(s);
    Object.freeze(s.full);
    for (let i = 0; i < 20; i++) pushPoint(s, 100 + i, i);
    expect(JSON.stringify(s)).toBe(before);
  });

  it('resamples to at most the requested columns with point-weighted means', () => {
    const s = fill(
      emptySeries(8),
      Array.from({ length: 8 }, (_, i) => i),
    );
    const r = resample(s, 3);
    // buckets 0..7 grouped as [0,1] [2,3,4] [5,6,7]
    expect(r.mean).toEqual([0.5, 3, 6]);
    expect(r.x0).toBe(1);
    expect(r.x1).toBe(8);
    expect(resample(s, 20).mean).toHaveLength(8);
    expect(resample(emptySeries(), 10).mean).toEqual([]);
  });

  it('rejects a bad capacity', () => {
    expect(() => emptySeries(3)).toThrow(/even integer >= 2, got 3/);
    expect(() => emptySeries(0)).toThrow(/got 0/);
  });
});
