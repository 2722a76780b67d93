import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, ShapeError, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { itWith, numpy } from '../../../../test-support/requirements.ts';
import {
  DENSITY_COVERAGE_K,
  type ManifoldOptions,
  type ManifoldScores,
  manifoldScores,
  PRECISION_RECALL_K,
  precisionRecallDensityCoverage,
  realManifold,
} from './manifold.ts';

function gaussian(rng: Rng, n: number, d: number, mean = 0): Tensor {
  return new Tensor(rng.fillNormal(new Float32Array(n * d), mean), [n, d]);
}

/** The scores by their definitions, in float64, one pair at a time: the oracle. */
function naive(real: Tensor, fake: Tensor, kPR = 3, kDC = 5): ManifoldScores {
  const [n, d] = real.shape;
  const m = fake.shape[0];
  const dist2 = (a: Tensor, i: number, b: Tensor, j: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += (a.data[i * d + c] - b.data[j * d + c]) ** 2;
    return s;
  };
  const radii = (x: Tensor, rows: number, k: number) =>
    Array.from(
      { length: rows },
      (_, i) => Array.from({ length: rows }, (_, j) => dist2(x, i, x, j)).sort((a, b) => a - b)[k],
    );
  const rPR = radii(real, n, kPR);
  const rDC = radii(real, n, kDC);
  const fPR = radii(fake, m, kPR);
  let precision = 0;
  let density = 0;
  for (let j = 0; j < m; j++) {
    let inside = false;
    for (let i = 0; i < n; i++) {
      const e = dist2(real, i, fake, j);
      if (e <= rPR[i]) inside = true;
      if (e < rDC[i]) density++;
    }
    if (inside) precision++;
  }
  let recall = 0;
  let coverage = 0;
  for (let i = 0; i < n; i++) {
    let inFake = false;
    let hit = false;
    for (let j = 0; j < m; j++) {
      const e = dist2(real, i, fake, j);
      if (e <= fPR[j]) inFake = true;
      if (e < rDC[i]) hit = true;
    }
    if (inFake) recall++;
    if (hit) coverage++;
  }
  return {
    precision: precision / m,
    recall: recall / n,
    density: density / (kDC * m),
    coverage: coverage / n,
  };
}

describe('precision, recall, density, coverage', () => {
  it('takes its ks from the papers: 3 (Kynkäänniemi et al.) and 5 (Naeem et al.)', () => {
    expect([PRECISION_RECALL_K, DENSITY_COVERAGE_K]).toEqual([3, 5]);
  });

  it('puts a point on a ball boundary inside for precision (<=) and outside for density and coverage (<)', () => {
    // 1-D, k = 1: radii 1 (around 0), 1 (around 1), 2 (around 3), 4 (around 7).
    const real = Tensor.fromArray([[0], [1], [3], [7]]);
    const fake = Tensor.fromArray([[-1], [-1]]); // distance 1 from 0: on its ball's edge
    const s = precisionRecallDensityCoverage(real, fake, { precisionRecallK: 1, densityCoverageK: 1 });
    // The fake radii are 0 (a duplicate is a neighbour at distance 0), and no real point is at -1.
    expect(s).toEqual({ precision: 1, recall: 0, density: 0, coverage: 0 });
    const inside = Tensor.fromArray([[4], [4]]); // strictly inside the balls of 3 and 7
    expect(
      precisionRecallDensityCoverage(real, inside, { precisionRecallK: 1, densityCoverageK: 1 }),
    ).toEqual({
      precision: 1,
      recall: 0,
      density: 2, // each fake sample in two balls: (2 + 2) / (k M) = 4 / 2
      coverage: 0.5,
    });
  });

  it('matches the float64 definitions exactly, duplicates and far points included', () => {
    const rng = Rng.create(1, 'manifold-test');
    const d = 16;
    const real = gaussian(rng, 150, d);
    // Duplicated rows (real and fake), copies of real rows, and points far out: ties at 0 and
    // large norms, where float32 distances alone would misjudge.
    for (let c = 0; c < d; c++) real.data[10 * d + c] = real.data[11 * d + c];
    const fake = gaussian(rng, 120, d, 0.3);
    for (let c = 0; c < d; c++) {
      fake.data[c] = real.data[5 * d + c];
      fake.data[d + c] = real.data[5 * d + c];
      fake.data[2 * d + c] = real.data[6 * d + c];
      fake.data[3 * d + c] += 50;
    }
    for (const [kPR, kDC] of [
      [3, 5],
      [1, 1],
      [7, 2],
    ]) {
      const options: ManifoldOptions = { precisionRecallK: kPR, densityCoverageK: kDC };
      expect(precisionRecallDensityCoverage(real, fake, options)).toEqual(naive(real, fake, kPR, kDC));
    }
  });

  it('scores two draws of one distribution high, and a set scored against itself fully', () => {
    const rng = Rng.create(2, 'manifold-test');
    const real = gaussian(rng, 1000, 8);
    const s = precisionRecallDensityCoverage(real, gaussian(rng, 1000, 8));
    expect(s.precision).toBeGreaterThan(0.7);
    expect(s.recall).toBeGreaterThan(0.7);
    expect(s.density).toBeGreaterThan(0.85);
    expect(s.density).toBeLessThan(1.15);
    expect(s.coverage).toBeGreaterThan(0.9);
    const self = precisionRecallDensityCoverage(real, real);
    expect([self.precision, self.recall, self.coverage]).toEqual([1, 1, 1]);
  });

  it('gives a generator collapsed onto one real sample recall 1/N and coverage a few /N', () => {
    const rng = Rng.create(3, 'manifold-test');
    const n = 400;
    const d = 8;
    const real = gaussian(rng, n, d);
    const fake = Tensor.zeros([n, d]);
    for (let j = 0; j < n; j++) fake.data.set(real.data.subarray(0, d), j * d);
    const s = precisionRecallDensityCoverage(real, fake);
    expect(s.precision).toBe(1); // the point is a real sample: inside its own ball
    expect(s.recall).toBe(1 / n); // only that sample is within (<=) the fake radius 0
    expect(s.coverage * n).toBeGreaterThanOrEqual(1);
    expect(s.coverage * n).toBeLessThanOrEqual(12);
    expect(s).toEqual(naive(real, fake));
    // Collapsed far from the data: nothing at all.
    fake.data.fill(40);
    expect(precisionRecallDensityCoverage(real, fake)).toEqual({
      precision: 0,
      recall: 0,
      density: 0,
      coverage: 0,
    });
  });

  it('scores a fake set far from the real one 0 everywhere', () => {
    const rng = Rng.create(4, 'manifold-test');
    const real = gaussian(rng, 300, 10);
    const far = gaussian(rng, 300, 10, 20);
    expect(precisionRecallDensityCoverage(real, far)).toEqual({
      precision: 0,
      recall: 0,
      density: 0,
      coverage: 0,
    });
  });

  it('scores many fake sets against one real manifold as the one-call form does', () => {
    const rng = Rng.create(5, 'manifold-test');
    const real = gaussian(rng, 200, 6);
    const manifold = realManifold(real);
    for (const mean of [0, 0.5, 2]) {
      const fake = gaussian(rng, 150, 6, mean);
      expect(manifoldScores(manifold, fake)).toEqual(naive(real, fake));
    }
  });

  it('says how many samples a k needs, and rejects mismatched features', () => {
    const rng = Rng.create(6, 'manifold-test');
    expect(() => realManifold(gaussian(rng, 5, 3))).toThrow(
      'realManifold: k = 5 nearest neighbours (self excluded) need at least 6 real samples, got 5',
    );
    expect(() => manifoldScores(realManifold(gaussian(rng, 10, 3)), gaussian(rng, 3, 3))).toThrow(
      'manifoldScores: k = 3 nearest neighbours (self excluded) need at least 4 fake samples, got 3',
    );
    expect(() => realManifold(gaussian(rng, 10, 3), { precisionRecallK: 0 })).toThrow(
      'k must be an integer >= 1, got 0',
    );
    expect(() => precisionRecallDensityCoverage(gaussian(rng, 10, 3), gaussian(rng, 10, 4))).toThrow(
      ShapeError,
    );
    expect(() => realManifold(Tensor.zeros([10]))).toThrow(ShapeError);
  });
});

/**
 * The two reference implementations transcribed: kynkaat/improved-precision-and-recall-metric
 * `precision_recall.py` (squared distances, `np.partition(d, k)[:, k]`, `<=`) and
 * clovaai/generative-evaluation-prdc `prdc/prdc.py` (Euclidean distances, the (k+1)-th smallest,
 * `<`), in float64.
 */
const REFERENCE = `
import json, sys
import numpy as np
n, m, d = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
raw = np.fromfile(sys.argv[1], dtype=np.float32).astype(np.float64)
real, fake = raw[:n * d].reshape(n, d), raw[n * d:].reshape(m, d)
def sq(a, b):
    return np.stack([((b - a[i]) ** 2).sum(1) for i in range(len(a))])
rr, ff, rf = sq(real, real), sq(fake, fake), sq(real, fake)
# kynkaat: radii of the 3-NN, self excluded; inside when <=
r3 = np.partition(rr, 3, axis=1)[:, 3]
f3 = np.partition(ff, 3, axis=1)[:, 3]
precision = (rf <= r3[:, None]).any(axis=0).mean()
recall = (rf <= f3[None, :]).any(axis=1).mean()
# clovaai: Euclidean distances, k = 5, get_kth_value(d, k + 1).max, strictly inside
k = 5
rd, cd = np.sqrt(rr), np.sqrt(rf)
r5 = np.partition(rd, k, axis=1)[:, :k + 1].max(axis=1)
density = (1.0 / k) * (cd < r5[:, None]).sum(axis=0).mean()
coverage = (cd.min(axis=1) < r5).mean()
print(json.dumps(dict(precision=precision, recall=recall, density=density, coverage=coverage)))
`;

itWith(
  numpy,
  'agrees with the reference implementations (numpy) on two 1000-sample Gaussians in 64-D',
  () => {
    const rng = Rng.create(7, 'manifold-test');
    const n = 1000;
    const d = 64;
    const real = gaussian(rng, n, d);
    const fake = gaussian(rng, n, d, 0.05);
    const dir = mkdtempSync(join(tmpdir(), 'manifold-'));
    try {
      const file = join(dir, 'features.f32');
      const both = new Float32Array(2 * n * d);
      both.set(real.data);
      both.set(fake.data, n * d);
      writeFileSync(file, both);
      const run = spawnSync('python3', ['-c', REFERENCE, file, String(n), String(n), String(d)], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      const theirs = JSON.parse(run.stdout) as ManifoldScores;
      const ours = precisionRecallDensityCoverage(real, fake);
      for (const key of ['precision', 'recall', 'density', 'coverage'] as const)
        expect(ours[key], key).toBeCloseTo(theirs[key], 12);
      // In 64-D, two draws of (almost) one Gaussian are far from 1 on every score but density.
      expect(ours.precision).toBeLessThan(0.95);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  60_000,
);
