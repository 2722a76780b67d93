import { Rng, ShapeError, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { classCounts } from './dataset.ts';
import {
  assignModes,
  gaussianDataset,
  gaussianMixture,
  gaussianMixtureDataset,
  gaussianRing,
  gridCenters,
  MIXTURE_2D_NAMES,
  mixture2d,
  ringCenters,
  scoreMixture,
} from './gaussians.ts';

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

describe('named 2-D mixtures', () => {
  it("has PacGAN's grid: {-4,-2,0,2,4}² in itertools.product order, std 0.05", () => {
    const { centres, std } = mixture2d('grid25');
    expect(std).toBe(0.05);
    expect(centres).toHaveLength(25);
    expect(centres.slice(0, 6)).toEqual([
      [-4, -4],
      [-4, -2],
      [-4, 0],
      [-4, 2],
      [-4, 4],
      [-2, -4],
    ]);
    expect(centres[24]).toEqual([4, 4]);
    expect(gridCenters([-1, 1])).toEqual([
      [-1, -1],
      [-1, 1],
      [1, -1],
      [1, 1],
    ]);
  });

  it("has PacGAN's ring (radius 1, std 0.01) and keeps gaussians8 as it was (radius 2, std 0.02)", () => {
    const ring = mixture2d('ring8');
    expect(ring.std).toBe(0.01);
    ring.centres.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(Math.cos((2 * Math.PI * i) / 8), 12);
      expect(y).toBeCloseTo(Math.sin((2 * Math.PI * i) / 8), 12);
    });
    expect(mixture2d('gaussians8')).toEqual({ centres: ringCenters(8, 2), std: 0.02 });
    expect(MIXTURE_2D_NAMES).toEqual(['gaussians8', 'ring8', 'grid25']);
    expect(() => mixture2d('grid9' as never)).toThrow('unknown 2-D dataset "grid9"');
  });

  it('draws as gaussianRing does, so a ring mixture reproduces gaussianRing exactly', () => {
    const a = gaussianMixture({ ...mixture2d('gaussians8'), n: 50, rng: Rng.create(4, 'data') });
    const b = gaussianRing({ n: 50, rng: Rng.create(4, 'data') });
    expect(a.points.data).toEqual(b.points.data);
    expect(a.labels).toEqual(b.labels);
  });

  it('draws the grid: every mode about equally often, at the requested spread', () => {
    const { centres, std } = mixture2d('grid25');
    const ds = gaussianMixtureDataset({ name: 'grid25', centres, std, n: 5000, rng: Rng.create(2, 'd') });
    expect([ds.name, ds.width, ds.height, ds.numClasses]).toEqual(['grid25', 2, 1, 25]);
    for (const c of classCounts(ds.labels, 25)) expect(Math.abs(c - 200)).toBeLessThan(60);
    let sq = 0;
    for (let i = 0; i < 5000; i++) {
      const [cx, cy] = centres[ds.labels[i]];
      sq += (ds.images.data[2 * i] - cx) ** 2 + (ds.images.data[2 * i + 1] - cy) ** 2;
    }
    expect(Math.sqrt(sq / 5000 / 2)).toBeCloseTo(std, 3);
    expect(() => gaussianMixture({ centres: [], std: 1, n: 1, rng: Rng.create(1) })).toThrow(
      'gaussianMixture: expected 1..256 centres (labels are bytes), got 0',
    );
  });
});

describe('scoreMixture', () => {
  const mixture = {
    centres: [
      [0, 0],
      [2, 0],
    ] as Array<[number, number]>,
    std: 0.25,
  };

  it('assigns each point to its nearest centre and counts it within 3 std, strictly', () => {
    // 0.75 = 3 std exactly (all exact in float32): high quality only with strict: false.
    const pts = Tensor.fromArray([
      [0.75, 0],
      [2, 0.5],
      [1.1, 0],
      [5, 5],
    ]);
    const strict = scoreMixture(pts, mixture);
    expect(Array.from(strict.labels)).toEqual([0, 1, 1, 1]);
    expect(strict.counts).toEqual([0, 1]);
    expect(strict.good).toBe(1);
    const inclusive = scoreMixture(pts, mixture, { strict: false });
    expect(inclusive.counts).toEqual([1, 1]);
    expect(inclusive.good).toBe(2);
  });

  it('matches assignModes on the ring with strict: false', () => {
    const { points } = gaussianRing({ n: 500, std: 0.04, rng: Rng.create(6, 'data') });
    const a = assignModes(points);
    const b = scoreMixture(points, mixture2d('gaussians8'), { strict: false });
    expect(b.labels).toEqual(a.labels);
    expect(b.counts).toEqual(a.counts);
  });

  it('never counts NaN points and rejects bad input', () => {
    expect(scoreMixture(Tensor.fromArray([[Number.NaN, 0]]), mixture).good).toBe(0);
    expect(() => scoreMixture(Tensor.zeros([3, 3]), mixture)).toThrow(ShapeError);
    expect(() => scoreMixture(Tensor.zeros([1, 2]), { ...mixture, std: 0 })).toThrow(
      'scoreMixture: std must be a positive number, got 0',
    );
  });
});
