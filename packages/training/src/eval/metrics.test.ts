import {
  gaussianMixture,
  gaussianRing,
  MIXTURE_2D_NAMES,
  mixture2d,
  ringCenters,
  scalePixels,
} from '@gan/data';
import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { evaluateMixture, evaluateRing, isMnistEval } from './evaluate.ts';
import {
  COVERAGE_THRESHOLD,
  classHistogram,
  inceptionScore,
  klFromUniform,
  meanConfidence,
  meanPairwiseDistance,
  modesCovered,
  nearestNeighbourDistances,
  rowSquaredNorms,
  toUnitScale,
} from './metrics.ts';
import { subsampleIndices } from './reference.ts';
import { formatEvalLine, formatSummary } from './summary.ts';

const rng = Rng.create(0, 'metrics-test');

/** Probabilities [n, c] with row i confident (p) in class labels[i], the rest spread evenly. */
function confident(labels: number[], c: number, p = 1): Tensor {
  const t = Tensor.zeros([labels.length, c]);
  labels.forEach((y, i) => {
    for (let k = 0; k < c; k++) t.data[i * c + k] = k === y ? p : (1 - p) / (c - 1);
  });
  return t;
}

function bruteDistance(a: Tensor, i: number, b: Tensor, j: number): number {
  const d = a.shape[1];
  let s = 0;
  for (let k = 0; k < d; k++) s += (a.data[i * d + k] - b.data[j * d + k]) ** 2;
  return Math.sqrt(s);
}

describe('toUnitScale', () => {
  it('maps each data scaling back to 0..1 as real images are scaled', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const unit = scalePixels(bytes, 'unit');
    // Raw pixels come back bit-identical to unit-scaled ones; tanh within float32 rounding.
    expect(Array.from(toUnitScale(scalePixels(bytes, 'raw'), 'raw'))).toEqual(Array.from(unit));
    expect(Array.from(toUnitScale(unit, 'unit'))).toEqual(Array.from(unit));
    const fromTanh = toUnitScale(scalePixels(bytes, 'tanh'), 'tanh');
    fromTanh.forEach((v, i) => expect(v).toBeCloseTo(unit[i], 6));
  });

  it('clamps out-of-range values and turns NaN into black', () => {
    expect(Array.from(toUnitScale(Float32Array.of(-3, 0.5, 300, Number.NaN), 'raw'))).toEqual(
      [0, 0.5 / 255, 1, 0].map(Math.fround),
    );
    expect(Array.from(toUnitScale(Float32Array.of(-2, 0, 2), 'tanh'))).toEqual([0, 0.5, 1]);
    // The article's sigmoid output read on its raw data scale: at most 1/255, nearly black.
    expect(Math.max(...toUnitScale(Float32Array.of(0.2, 1), 'raw'))).toBeCloseTo(1 / 255, 7);
  });
});

describe('class histogram, coverage and KL', () => {
  it('counts the most probable class of each row', () => {
    const probs = Tensor.fromArray([
      [0.9, 0.1, 0],
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
      [0.1, 0.1, 0.8],
    ]);
    expect(classHistogram(probs)).toEqual([0.5, 0.25, 0.25]);
  });

  it('covers a class from the threshold (2% of the samples) on', () => {
    expect(COVERAGE_THRESHOLD).toBe(0.02);
    expect(modesCovered([0.5, 0.48, 0.02, 0.0199, 0])).toBe(3);
    expect(modesCovered([0.1, 0.9], 0.5)).toBe(1);
  });

  it('is 0 from uniform for a uniform histogram and log K for one class', () => {
    expect(klFromUniform(new Array(10).fill(0.1))).toBeCloseTo(0, 12);
    expect(klFromUniform([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])).toBeCloseTo(Math.log(10), 12);
    // Two of four classes, evenly: log 2.
    expect(klFromUniform([0.5, 0, 0.5, 0])).toBeCloseTo(Math.log(2), 12);
  });
});

describe('inception score and confidence', () => {
  it('is C for confident, evenly spread predictions and 1 for one class or uniform ones', () => {
    const spread = Array.from({ length: 100 }, (_, i) => i % 10);
    expect(inceptionScore(confident(spread, 10))).toBeCloseTo(10, 9);
    expect(inceptionScore(confident(new Array(100).fill(3), 10))).toBeCloseTo(1, 9);
    expect(inceptionScore(Tensor.full([50, 10], 0.1))).toBeCloseTo(1, 9);
  });

  it('matches exp(mean KL(p(y|x) || p(y))) on a hand example', () => {
    // Two samples, p1 = (0.8, 0.2), p2 = (0.2, 0.8): p(y) = (0.5, 0.5),
    // KL = 0.8 log 1.6 + 0.2 log 0.4 for both.
    const probs = Tensor.fromArray([
      [0.8, 0.2],
      [0.2, 0.8],
    ]);
    expect(inceptionScore(probs)).toBeCloseTo(Math.exp(0.8 * Math.log(1.6) + 0.2 * Math.log(0.4)), 6);
    expect(meanConfidence(probs)).toBeCloseTo(0.8, 6);
  });

  it('confidence alone proves nothing: one repeated confident prediction scores top confidence', () => {
    const repeated = confident(new Array(16).fill(3), 10, 0.99);
    expect(meanConfidence(repeated)).toBeCloseTo(0.99, 6);
    expect(modesCovered(classHistogram(repeated))).toBe(1);
  });
});

describe('distances', () => {
  // 600 rows: more than one block of 256, so the block edges are exercised.
  const a = rng.uniformTensor([600, 7], 0, 1);
  const b = rng.uniformTensor([300, 7], 0, 1);

  it('mean pairwise distance matches the brute-force mean over pairs', () => {
    const small = a.rows(0, 300);
    let sum = 0;
    for (let i = 0; i < 300; i++) for (let j = i + 1; j < 300; j++) sum += bruteDistance(small, i, small, j);
    expect(meanPairwiseDistance(small)).toBeCloseTo(sum / ((300 * 299) / 2), 4);
    // One row repeated: every distance is 0.
    const same = Tensor.zeros([20, 7]);
    for (let i = 0; i < 20; i++) same.data.set(a.row(5).data, i * 7);
    expect(meanPairwiseDistance(same)).toBeLessThan(1e-3);
    expect(() => meanPairwiseDistance(a.rows(0, 1))).toThrow(/at least 2 rows/);
  });

  it('nearest-neighbour distances match brute force', () => {
    const d = nearestNeighbourDistances(a, b, rowSquaredNorms(b));
    for (const i of [0, 255, 256, 257, 511, 512, 599]) {
      let best = Number.POSITIVE_INFINITY;
      for (let j = 0; j < 300; j++) best = Math.min(best, bruteDistance(a, i, b, j));
      expect(d[i]).toBeCloseTo(best, 4);
    }
    // A query that is a reference row is at distance 0.
    const hit = nearestNeighbourDistances(b.rows(10, 12), b, rowSquaredNorms(b));
    expect(hit[0]).toBeLessThan(1e-3);
    expect(() => nearestNeighbourDistances(a, b, new Float32Array(3))).toThrow(
      /3 norms for 300 reference rows/,
    );
  });

  it('subsamples distinct sorted indices, reproducibly', () => {
    const idx = subsampleIndices(1000, 100, Rng.create(1, 's'));
    expect(new Set(idx).size).toBe(100);
    expect(Array.from(idx)).toEqual(Array.from(idx).sort((x, y) => x - y));
    expect(idx[99]).toBeLessThan(1000);
    expect(Array.from(subsampleIndices(1000, 100, Rng.create(1, 's')))).toEqual(Array.from(idx));
    expect(Array.from(subsampleIndices(5, 10, Rng.create(1, 's')))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('ring evaluation (gaussians8)', () => {
  it('real ring data covers all 8 modes, almost all high quality, KL near 0', () => {
    const { points } = gaussianRing({ n: 2000, rng: Rng.create(3, 'ring') });
    const r = evaluateRing(points);
    expect(isMnistEval(r)).toBe(false);
    expect(r.modes).toBe(8);
    expect(r.modesCovered).toBe(8);
    expect(r.highQuality).toBeGreaterThan(0.98);
    expect(r.klUniform).toBeLessThan(0.01);
    expect(r.classHistogram.reduce((s, h) => s + h, 0)).toBeCloseTo(1, 9);
    expect(formatEvalLine(300, r)).toMatch(
      /^eval step=300 modes=8\/8 hq=0\.\d{3} kl=0\.\d{4} pacgan_modes=8\/8 pacgan_hq=0\.\d{3} pacgan_rkl=0\.\d{4}$/,
    );
  });

  it('a collapsed generator covers one mode with KL log 8; scattered points are not high quality', () => {
    const [cx, cy] = ringCenters()[2];
    const collapsed = Tensor.zeros([500, 2]);
    for (let i = 0; i < 500; i++)
      collapsed.data.set([cx + rng.normal(0, 0.01), cy + rng.normal(0, 0.01)], 2 * i);
    const r = evaluateRing(collapsed);
    expect(r.modesCovered).toBe(1);
    expect(r.klUniform).toBeCloseTo(Math.log(8), 9);
    expect(r.classHistogram[2]).toBe(1);

    const blob = rng.normalTensor([500, 2], 0, 0.1); // near the origin, far from every centre
    const b = evaluateRing(blob);
    expect(b.highQuality).toBe(0);
    expect(b.modesCovered).toBe(0);
    expect(Number.isNaN(b.klUniform)).toBe(true);
  });

  it('does not count a mode holding fewer than 2% of the samples', () => {
    const centres = ringCenters();
    const pts = Tensor.zeros([1000, 2]);
    // 985 points on mode 0, 15 (1.5%) on mode 4.
    for (let i = 0; i < 1000; i++) pts.data.set(centres[i < 985 ? 0 : 4], 2 * i);
    expect(evaluateRing(pts).modesCovered).toBe(1);
  });
});

describe("PacGAN's 2-D metrics (gaussians8, ring8, grid25)", () => {
  /** P(|x - μ| < 3σ) for a 2-D isotropic Gaussian: the chi-squared(2) CDF at 9, 1 - e^{-9/2}. */
  const WITHIN_3_STD = 1 - Math.exp(-4.5); // 0.98889

  it.each(MIXTURE_2D_NAMES)(
    '%s: 2500 real points score every mode, ~98.9%% high quality, reverse KL ~0',
    (name) => {
      const mixture = mixture2d(name);
      const k = mixture.centres.length;
      const { points } = gaussianMixture({ ...mixture, n: 2500, rng: Rng.create(5, 'real') });
      const r = evaluateMixture(points, mixture);
      expect(r.modes).toBe(k);
      expect(r.pacganModes).toBe(k);
      // Binomial sd of the share: sqrt(0.011 * 0.989 / 2500) = 0.0021; 0.008 is almost 4 sd.
      expect(Math.abs(r.pacganHighQuality! - WITHIN_3_STD)).toBeLessThan(0.008);
      // Multinomial noise alone: E[KL] ~ (K - 1) / (2 * 2470), 0.0014 for K = 8, 0.0049 for K = 25.
      expect(r.pacganReverseKl).toBeGreaterThan(0);
      expect(r.pacganReverseKl).toBeLessThan(0.02);
      expect(r.modesCovered).toBe(k); // this project's key, unchanged, agrees on real data
    },
  );

  it.each(MIXTURE_2D_NAMES)(
    '%s: one point at a centre scores 1 mode, all high quality, reverse KL ln K',
    (name) => {
      const mixture = mixture2d(name);
      const pts = Tensor.zeros([2500, 2]);
      for (let i = 0; i < 2500; i++) pts.data.set(mixture.centres[3], 2 * i);
      const r = evaluateMixture(pts, mixture);
      expect(r.pacganModes).toBe(1);
      expect(r.pacganHighQuality).toBe(1);
      expect(r.pacganReverseKl).toBeCloseTo(Math.log(mixture.centres.length), 9);
    },
  );

  it.each(MIXTURE_2D_NAMES)('%s: points far from every mode score 0 modes and no high quality', (name) => {
    const mixture = mixture2d(name);
    // Halfway between two neighbouring centres (grid: spacing 2; rings: 45 degrees apart), and far out.
    const [a, b] = mixture.centres;
    const pts = Tensor.fromArray([
      [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2],
      [50, -50],
    ]);
    const r = evaluateMixture(pts, mixture);
    expect(r.pacganModes).toBe(0);
    expect(r.pacganHighQuality).toBe(0);
    expect(Number.isNaN(r.pacganReverseKl)).toBe(true);
  });

  it('counts a mode from one high-quality sample, where modesCovered asks for 2% of the samples', () => {
    const mixture = mixture2d('grid25');
    const pts = Tensor.zeros([1000, 2]);
    // 990 samples on mode 0, 10 (1%) on mode 24: two modes for PacGAN, one for modesCovered.
    for (let i = 0; i < 1000; i++) pts.data.set(mixture.centres[i < 990 ? 0 : 24], 2 * i);
    const r = evaluateMixture(pts, mixture);
    expect(r.pacganModes).toBe(2);
    expect(r.modesCovered).toBe(1);
    // KL of [0.99, 0.01] against 1/25: 0.99 ln(0.99 * 25) + 0.01 ln(0.01 * 25).
    expect(r.pacganReverseKl).toBeCloseTo(0.99 * Math.log(24.75) + 0.01 * Math.log(0.25), 9);
    expect(formatSummary(r)).toMatch(/PacGAN: modes \(>= 1 sample within 3 std\)\s+2\/25/);
  });

  it('counts a sample exactly 3 std from a centre for highQuality but not for pacganHighQuality', () => {
    // std 0.25 and a point 0.75 away: exact in float32, so the test sees the boundary itself.
    const pts = Tensor.fromArray([
      [0.75, 0],
      [0, 0],
    ]);
    const r = evaluateMixture(pts, { centres: [[0, 0]], std: 0.25 });
    expect(r.highQuality).toBe(1);
    expect(r.pacganHighQuality).toBe(0.5);
  });

  it('evaluateRing gives the same result as evaluateMixture on the gaussians8 geometry', () => {
    const { points } = gaussianRing({ n: 300, std: 0.05, rng: Rng.create(8, 'ring') });
    expect(evaluateRing(points)).toEqual(evaluateMixture(points, mixture2d('gaussians8')));
  });
});
