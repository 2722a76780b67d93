/**
 * What generated samples are compared with: statistics of real MNIST images, computed once per
 * process and reused by every evaluation. All images are on the unit scale (0..1) the classifier
 * was trained on.
 *
 * Subsamples are drawn with fixed streams of seed 0 (`eval-pairwise`, `eval-neighbours`,
 * `eval-heldout`, `eval-manifold`), not the run's seed, so every run is measured against the same real images.
 */
import { createHash } from 'node:crypto';
import { type Dataset, gatherBatch, loadMnist, rowCount, type Scaling, type Split } from '@gan/data';
import { Rng, Tensor } from '@gan/tensor';
import { meanAndCovariance } from '@gan/tensor';
import type { MnistClassifier } from './classifier.ts';
import { type LoadClassifierOptions, loadClassifier } from './classifier-cache.ts';
import { type RealManifold, realManifold } from './manifold.ts';
import { meanOf, meanPairwiseDistance, nearestNeighbourDistances, rowSquaredNorms } from './metrics.ts';

/** Real test images whose mean pairwise distance is the unit of `diversity`. */
export const PAIRWISE_ROWS = 1000;
/** Training images kept as the memorisation check's reference set (a subsample, for speed). */
export const NEIGHBOUR_ROWS = 10_000;
/** Held-out real images whose nearest-neighbour distance is the unit of `nnDistance`. */
export const HELD_OUT_ROWS = 1000;

/** The classifier and the statistics of the 10,000 real test images. */
export interface RealStatistics {
  classifier: MnistClassifier;
  /** `[F]`: mean of the classifier's features over the test images. */
  featureMean: Float64Array;
  /** `[F, F]`: their covariance (unbiased). */
  featureCov: Float64Array;
  featureDim: number;
  /** `[10000, F]`: the classifier's features of every test image, for {@link manifoldReference}. */
  testFeatures: Tensor;
  /** Mean pairwise Euclidean distance between {@link PAIRWISE_ROWS} real test images (unit scale, about 10). */
  pairwiseDistance: number;
}

/** `k` distinct indices of `0..n-1` drawn by a seeded partial shuffle, ascending. */
export function subsampleIndices(n: number, k: number, rng: Rng): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

/** Rows `idx` of a dataset as a new tensor of `scaling` values (default unit, the classifier's). */
export function takeRows(ds: Dataset, idx: Int32Array, scaling: Scaling = 'unit'): Tensor {
  return gatherBatch(ds, idx, Tensor.zeros([idx.length, ds.width * ds.height]), scaling);
}

const realCache = new Map<string, Promise<RealStatistics>>();

/**
 * The classifier (trained and cached on first use, see {@link loadClassifier}) and the real test
 * images' feature statistics and pairwise distance, once per process.
 *
 * ```ts
 * const real = await loadRealStatistics();
 * real.featureDim; // 256
 * ```
 */
export function loadRealStatistics(options: LoadClassifierOptions = {}): Promise<RealStatistics> {
  const key = JSON.stringify([options.cacheDir ?? null, options.config ?? null]);
  let p = realCache.get(key);
  if (p === undefined) {
    p = (async () => {
      const classifier = await loadClassifier(options);
      const test = loadMnist({ split: 'test', scaling: 'unit' });
      const { features } = classifier.classify(test.images);
      const { mean, cov } = meanAndCovariance(features.data, features.shape[0], classifier.featureDim);
      const pick = subsampleIndices(test.labels.length, PAIRWISE_ROWS, Rng.create(0, 'eval-pairwise'));
      return {
        classifier,
        featureMean: mean,
        featureCov: cov,
        featureDim: classifier.featureDim,
        testFeatures: features,
        pairwiseDistance: meanPairwiseDistance(takeRows(test, pick)),
      };
    })();
    realCache.set(key, p);
    p.catch(() => realCache.delete(key));
  }
  return p;
}

const manifoldCache = new WeakMap<RealStatistics, Map<number, RealManifold>>();

/**
 * The real side of precision, recall, density and coverage for `n` generated samples: the
 * features of `n` real test images (all 10,000 when `n` is larger; drawn with stream
 * `eval-manifold` of seed 0) and their k-NN radii, computed once per process and size. The
 * papers compare equal numbers of real and generated samples (see `manifoldScores`), so the
 * real side has as many as the evaluation scores.
 *
 * ```ts
 * manifoldScores(manifoldReference(real, 1000), fakeFeatures); // fakeFeatures [1000, 256]
 * ```
 */
export function manifoldReference(real: RealStatistics, n: number): RealManifold {
  let bySize = manifoldCache.get(real);
  if (bySize === undefined) {
    bySize = new Map();
    manifoldCache.set(real, bySize);
  }
  const all = real.testFeatures.shape[0];
  const rows = Math.min(n, all);
  let hit = bySize.get(rows);
  if (hit === undefined) {
    const pick = subsampleIndices(all, rows, Rng.create(0, 'eval-manifold'));
    const f = real.featureDim;
    const picked = Tensor.zeros([rows, f]);
    for (let r = 0; r < rows; r++)
      picked.data.set(real.testFeatures.data.subarray(pick[r] * f, (pick[r] + 1) * f), r * f);
    hit = realManifold(picked);
    bySize.set(rows, hit);
  }
  return hit;
}

/**
 * The memorisation check's reference: (a subsample of) the images a run trained on, and how far
 * real images it never saw are from them. A generator that copies its training images scores
 * `nnDistance` well below 1; one that draws new digits about 1.
 */
export interface NeighbourReference {
  /** `[M, 784]` training images, unit scale (M <= {@link NEIGHBOUR_ROWS}). */
  images: Tensor;
  norms: Float32Array;
  /** Mean distance from {@link HELD_OUT_ROWS} images of `heldOutSplit` to their nearest image above. */
  heldOutDistance: number;
  /** The MNIST split the held-out images come from: the one the run did not train on. */
  heldOutSplit: Split;
}

const neighbourCache = new Map<string, NeighbourReference>();

/**
 * The neighbour reference for a run trained on `train` (any scaling; only the picked rows are
 * converted to unit scale) from MNIST split `trainSplit`; the held-out images come from the other
 * split. Cached per process by content.
 *
 * ```ts
 * const ref = neighbourReference(loadMnist({ split: 'train', scaling: 'tanh' }), 'train');
 * ```
 */
export function neighbourReference(train: Dataset, trainSplit: Split): NeighbourReference {
  const pick = subsampleIndices(rowCount(train), NEIGHBOUR_ROWS, Rng.create(0, 'eval-neighbours'));
  const images = takeRows(train, pick);
  const heldOutSplit: Split = trainSplit === 'train' ? 'test' : 'train';
  const key = `${heldOutSplit}:${createHash('sha256').update(images.data).digest('hex')}`;
  const hit = neighbourCache.get(key);
  if (hit !== undefined) return hit;
  const norms = rowSquaredNorms(images);
  const heldOut = loadMnist({ split: heldOutSplit, scaling: 'unit' });
  const queries = takeRows(
    heldOut,
    subsampleIndices(heldOut.labels.length, HELD_OUT_ROWS, Rng.create(0, 'eval-heldout')),
  );
  const ref: NeighbourReference = {
    images,
    norms,
    heldOutDistance: meanOf(nearestNeighbourDistances(queries, images, norms)),
    heldOutSplit,
  };
  neighbourCache.set(key, ref);
  return ref;
}
