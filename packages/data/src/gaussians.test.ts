import { Rng, ShapeError, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { classCounts } from './dataset.ts';
import { assignModes, gaussianDataset, gaussianRing, ringCenters } from './gaussians.ts';

describe('ringCenters', () => {
  it('spaces the centres evenly on the circle, mode 0 on the +x axis', () => {
    const c = ringCenters(4, 1);
    const expected = [
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ];
    c.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(expected[k][0], 12);
      expect(y).toBeCloseTo(expected[k][1], 12);
    });
    for (const [x, y] of ringCenters(8, 2)) expect(Math.hypot(x, y)).toBeCloseTo(2, 12);
  });
});

describe('gaussianRing', () => {
  const { points, labels } = gaussianRing({ n: 4000, rng: Rng.create(3, 'data') });

  it('has the documented shapes and draws every mode about equally often', () => {
    expect(points.shape).toEqual([4000, 2]);
    expect(labels.length).toBe(4000);
    for (const c of classCounts(labels, 8)) expect(Math.abs(c - 500)).toBeLessThan(100);
  });

  it('labels each point with its nearest centre, at the requested spread', () => {
    const centres = ringCenters(8, 2);
    let sq = 0;
    for (let i = 0; i < 4000; i++) {
      const [x, y] = [points.data[2 * i], points.data[2 * i + 1]];
      const d = centres.map(([cx, cy]) => Math.hypot(x - cx, y - cy));
      expect(d.indexOf(Math.min(...d))).toBe(labels[i]);
      sq += d[labels[i]] ** 2;
    }
    // E|p - c|^2 = 2 std^2 for a 2-d isotropic Gaussian.
    expect(Math.sqrt(sq / 4000 / 2)).toBeCloseTo(0.02, 3);
  });

  it('is reproducible and honours modes, radius and std', () => {
    const a = gaussianRing({ n: 10, rng: Rng.create(1) });
    const b = gaussianRing({ n: 10, rng: Rng.create(1) });
    expect(a.points.data).toEqual(b.points.data);
    const wide = gaussianRing({ n: 500, modes: 3, radius: 5, std: 0.1, rng: Rng.create(1) });
    expect(Math.max(...wide.labels)).toBe(2);
    const r = assignModes(wide.points, { modes: 3, radius: 5, std: 0.1 });
    expect(r.modesCovered).toBe(3);
    expect(Array.from(r.labels)).toEqual(Array.from(wide.labels));
  });

  it('rejects bad geometry', () => {
    const rng = Rng.create(1);
    expect(() => gaussianRing({ n: 5, modes: 0, rng })).toThrow(
      'gaussianRing: modes must be an integer in 1..256, got 0',
    );
    expect(() => gaussianRing({ n: 5, std: 0, rng })).toThrow('std must be a positive number, got 0');
    expect(() => gaussianRing({ n: -1, rng })).toThrow('n must be a non-negative integer, got -1');
  });
});

describe('assignModes', () => {
  it('finds every mode and near-perfect quality in the data itself', () => {
    const { points, labels } = gaussianRing({ n: 2000, rng: Rng.create(9, 'data') });
    const r = assignModes(points, {});
    expect(r.modesCovered).toBe(8);
    expect(r.highQuality).toBeGreaterThan(0.98);
    expect(Array.from(r.labels)).toEqual(Array.from(labels));
    expect(r.counts.reduce((a, b) => a + b)).toBe(Math.round(r.highQuality * 2000));
  });

  it('sees a collapsed generator: everything at one centre covers one mode', () => {
    const [cx, cy] = ringCenters(8, 2)[5];
    const collapsed = Tensor.zeros([100, 2]);
    for (let i = 0; i < 100; i++) collapsed.data.set([cx, cy], 2 * i);
    const r = assignModes(collapsed, { modes: 8, radius: 2, std: 0.02 });
    expect(r.modesCovered).toBe(1);
    expect(r.highQuality).toBe(1);
    expect(r.counts).toEqual([0, 0, 0, 0, 0, 100, 0, 0]);
  });

  it('counts far-away and NaN points as low quality, and applies minCount', () => {
    const pts = Tensor.fromArray([
      [0, 0],
      [2, 0],
      [2.5, 0],
      [Number.NaN, 1],
      [0, 2.01],
    ]);
    const r = assignModes(pts, { modes: 4, radius: 2, std: 0.02 });
    expect(r.highQuality).toBeCloseTo(2 / 5, 12);
    expect(r.counts).toEqual([1, 1, 0, 0]);
    expect(r.modesCovered).toBe(2);
    expect(assignModes(pts, { modes: 4, radius: 2, minCount: 2 }).modesCovered).toBe(0);
    expect(assignModes(Tensor.zeros([0, 2])).highQuality).toBe(0);
    expect(() => assignModes(Tensor.zeros([3, 3]))).toThrow(ShapeError);
  });
});

describe('gaussianDataset', () => {
  it('looks like a dataset with one class per mode', () => {
    const ds = gaussianDataset({ n: 300, modes: 5, rng: Rng.create(2, 'data') });
    expect(ds).toMatchObject({ name: 'ring-5', width: 2, height: 1, numClasses: 5, scaling: 'raw' });
    expect(ds.images.shape).toEqual([300, 2]);
    expect(ds.labels.length).toBe(300);
    expect(Math.max(...ds.labels)).toBeLessThan(5);
  });
});
