/**
 * Evaluation of a generator from N samples: what the article could only judge by eye, as numbers.
 *
 * MNIST samples are scored by this project's MNIST classifier (see classifier.ts) on the unit
 * scale of the real images; 2-D ring samples by their distance to the ring's centres. The result
 * is a flat record of numbers (plus one histogram array), written as a row of eval.jsonl.
 */
import {
  assignModes,
  type Dataset,
  MNIST_CLASSES,
  MNIST_PIXELS,
  type RingOptions,
  type Scaling,
} from '@gan/data';
import { formatShape, Rng, ShapeError, Tensor } from '@gan/tensor';
import { frechetDistance, meanAndCovariance } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';
import { displayScaling } from '../images/samples.ts';
import type { GanTrainer } from '../train/gan.ts';
import type { LoadClassifierOptions } from './classifier-cache.ts';
import { manifoldScores } from './manifold.ts';
import {
  COVERAGE_THRESHOLD,
  classHistogram,
  inceptionScore,
  klFromUniform,
  meanConfidence,
  meanOf,
  meanPairwiseDistance,
  modesCovered,
  nearestNeighbourDistances,
  toUnitScale,
} from './metrics.ts';
import {
  loadRealStatistics,
  manifoldReference,
  type NeighbourReference,
  neighbourReference,
  type RealStatistics,
} from './reference.ts';

/**
 * The scores of MNIST-like samples (unit scale, compared with real MNIST). Typical values, measured
 * with the default classifier on 1000 samples:
 *
 * | key | meaning | 1000 real test images | 800 real 3s | one image x1000 | uniform noise | black |
 * |-----|---------|------|------|------|------|------|
 * | `classHistogram` | share of samples per predicted class (10 numbers) | ~0.1 each | 0.98 on 3 | 1.0 on 7 | 0.74 on 5 | 1.0 on 5 |
 * | `modesCovered` | classes holding >= `coverageThreshold` (2%) of the samples | 10 | 1 | 1 | 4 | 1 |
 * | `klUniform` | KL(histogram ‖ uniform), nats; max log 10 = 2.30 | 0.006 | 2.19 | 2.30 | 1.48 | 2.30 |
 * | `inceptionScore` | exp(E_x KL(p(y|x) ‖ p(y))), 1..10 | 9.74 | 1.11 | 1.00 | 1.77 | 1.00 |
 * | `frechetDistance` | Fréchet distance of classifier features to the 10,000 test images (FID's analogue) | 2.6 | 378 | 575 | 513 | 653 |
 * | `meanConfidence` | mean max p(y|x) | 0.99 | 0.99 | 1.00 | 0.86 | 0.29 |
 * | `diversity` | mean pairwise distance / that of real test images | 0.99 | 0.90 | 0.0003 | 1.12 | 0 |
 * | `nnDistance` | mean distance to the nearest training image / that of unseen real images | 1.01 | 1.14 | 0.72 | 3.21 | 0.78 |
 * | `precision` | share of samples inside the real manifold (k = 3 balls, Kynkäänniemi et al. 2019) | 0.90 | 0.88 | 1.00 | 0 | 1.00 |
 * | `recall` | share of real images inside the samples' manifold (k = 3) | 0.89 | 0.15 | 0 | 0 | 0 |
 * | `density` | real k = 5 balls holding a sample, / 5, mean (Naeem et al. 2020) | 1.03 | 1.04 | 1.80 | 0 | 0.40 |
 * | `coverage` | share of real images whose k = 5 ball holds a sample | 0.98 | 0.17 | 0.009 | 0 | 0.002 |
 *
 * The Fréchet distance of N real images is not 0 but a finite-sample bias (about 2.6 for N = 1000,
 * 0.3 for N = 5000), so compare runs at the same `eval.samples`.
 *
 * `precision`, `recall`, `density` and `coverage` are computed in the classifier's features (as
 * the Fréchet distance), against as many real test images as samples (N = M, drawn with stream
 * `eval-manifold`; at most the 10,000 test images), whose k-NN radii are computed once per
 * process (see manifold.ts). They too depend on N: the papers use 50,000 (precision, recall) and
 * 10,000 (density, coverage) samples per side; 1000 is this evaluation's CPU-sane default, and
 * runs compare at the same `eval.samples`. Precision and density read quality, recall and
 * coverage how much of the data is reached: a generator of one image scores precision 1 and
 * recall 0, and so does a black image (its features fall inside the real manifold).
 *
 * NOTE: `meanConfidence` alone proves nothing: a blob can get a confident label (uniform noise
 * scores 0.86), and 16 identical images all get the same confident one. Read it with `diversity`
 * and `modesCovered`. `nnDistance` well below 1 means samples sit closer to training images than
 * unseen real digits do: memorisation. But a blank or faint sample is also close to the thinnest
 * training digits, so read `nnDistance` only once `frechetDistance` and `diversity` say the
 * samples look like digits.
 */
export type MnistMetrics = {
  classHistogram: number[];
  modesCovered: number;
  klUniform: number;
  inceptionScore: number;
  frechetDistance: number;
  meanConfidence: number;
  diversity: number;
  nnDistance: number;
  /** Share of samples inside the real manifold (Kynkäänniemi et al. 2019, k = 3): quality. */
  precision: number;
  /** Share of real images inside the samples' manifold (Kynkäänniemi et al. 2019, k = 3): coverage. */
  recall: number;
  /** Real k-NN balls holding each sample, / k (Naeem et al. 2020, k = 5): quality, ~1 when real. */
  density: number;
  /** Share of real images whose k-NN ball holds a sample (Naeem et al. 2020, k = 5). */
  coverage: number;
};

/** The same metrics computed on the display scale, keys prefixed `display.`. */
export type DisplayMetrics = { [K in keyof MnistMetrics as `display.${K}`]: MnistMetrics[K] };

/**
 * An MNIST evaluation. The unprefixed metrics read the samples on the data's scale (what the
 * discriminator compared with real data). When the generator's display range differs from the
 * data scaling (the article: sigmoid 0..1 output, raw 0..255 data, so on the data's scale every
 * sample is nearly black), the `display.*` keys score the samples as the sample grids show them.
 */
export type MnistEval = MnistMetrics &
  Partial<DisplayMetrics> & {
    /** Generated samples scored. */
    samples: number;
    /** Number of classes (10). */
    modes: number;
    /** Share of the samples a class needs to count as covered (0.02). */
    coverageThreshold: number;
  };

/**
 * An evaluation of 2-D samples against the ring of Gaussians (`assignModes` of @gan/data): a
 * point is high quality within 3 std of its nearest centre.
 */
export type RingEval = {
  samples: number;
  /** Number of Gaussians on the ring (8). */
  modes: number;
  coverageThreshold: number;
  /** Modes holding high-quality points amounting to >= `coverageThreshold` of all samples. */
  modesCovered: number;
  /** Share of samples that are high quality. */
  highQuality: number;
  /** Per mode, its share of the high-quality points (all zero when there are none). */
  classHistogram: number[];
  /** KL(histogram of high-quality points over modes ‖ uniform), nats; NaN without high-quality points. */
  klUniform: number;
};

export type EvalResult = MnistEval | RingEval;

/** True for the result of an MNIST evaluation. */
export function isMnistEval(r: EvalResult): r is MnistEval {
  return 'frechetDistance' in r;
}

/** What MNIST samples are compared with, and on which scales they are read. */
export interface MnistEvalContext {
  dataset: 'mnist';
  real: RealStatistics;
  neighbours: NeighbourReference;
  /** The scale generated values are in (the run's `data.scaling`). */
  dataScaling: Scaling;
  /** The scale the sample grids show them in (`displayScaling(config)`). */
  displayScaling: Scaling;
}

export interface RingEvalContext {
  dataset: 'gaussians8';
  ring: RingOptions;
}

export type EvalContext = MnistEvalContext | RingEvalContext;

/**
 * Scores unit-scale images `[N, 784]` (N >= 2) against the real statistics.
 *
 * ```ts
 * const m = scoreUnitImages(loadMnist({ split: 'test', scaling: 'unit' }).images.rows(0, 1000), ctx);
 * m.inceptionScore; // about 9.7
 * ```
 */
export function scoreUnitImages(images: Tensor, ctx: MnistEvalContext): MnistMetrics {
  if (images.rank !== 2 || images.shape[1] !== MNIST_PIXELS || images.shape[0] < 2) {
    throw new ShapeError(
      `evaluate: expected at least 2 images [N,${MNIST_PIXELS}], got ${formatShape(images.shape)}`,
    );
  }
  const { real, neighbours } = ctx;
  const n = images.shape[0];
  const { probs, features } = real.classifier.classify(images);
  const histogram = classHistogram(probs);
  const { mean, cov } = meanAndCovariance(features.data, n, real.featureDim);
  return {
    classHistogram: histogram,
    modesCovered: modesCovered(histogram),
    klUniform: klFromUniform(histogram),
    inceptionScore: inceptionScore(probs),
    frechetDistance: frechetDistance(mean, cov, real.featureMean, real.featureCov, real.featureDim),
    meanConfidence: meanConfidence(probs),
    diversity: meanPairwiseDistance(images) / real.pairwiseDistance,
    nnDistance:
      meanOf(nearestNeighbourDistances(images, neighbours.images, neighbours.norms)) /
      neighbours.heldOutDistance,
    ...manifoldScores(manifoldReference(real, n), features),
  };
}

/** Scores 2-D points `[N, 2]` against the ring. */
export function evaluateRing(points: Tensor, ring: RingOptions = {}): RingEval {
  const n = points.shape[0];
  const modes = ring.modes ?? 8;
  const { counts, highQuality } = assignModes(points, ring);
  const good = counts.reduce((a, b) => a + b, 0);
  const histogram = counts.map((c) => (good > 0 ? c / good : 0));
  return {
    samples: n,
    modes,
    coverageThreshold: COVERAGE_THRESHOLD,
    modesCovered: counts.filter((c) => n > 0 && c / n >= COVERAGE_THRESHOLD).length,
    highQuality,
    classHistogram: histogram,
    klUniform: good > 0 ? klFromUniform(histogram) : Number.NaN,
  };
}

/**
 * Evaluates N generated samples, given in the run's data space (`[N, 784]` images on
 * `data.scaling`, or `[N, 2]` points).
 *
 * ```ts
 * const ctx = await createEvalContext(config, data);
 * const result = evaluate(generateEvalSamples(trainer, config.eval.samples), ctx);
 * ```
 */
export function evaluate(samples: Tensor, ctx: EvalContext): EvalResult {
  if (ctx.dataset === 'gaussians8') return evaluateRing(samples, ctx.ring);
  const onDataScale = scoreUnitImages(unitImages(samples, ctx.dataScaling), ctx);
  const result: MnistEval = {
    samples: samples.shape[0],
    modes: MNIST_CLASSES,
    coverageThreshold: COVERAGE_THRESHOLD,
    ...onDataScale,
  };
  if (ctx.displayScaling !== ctx.dataScaling) {
    const shown = scoreUnitImages(unitImages(samples, ctx.displayScaling), ctx);
    for (const [k, v] of Object.entries(shown))
      (result as unknown as Record<string, unknown>)[`display.${k}`] = v;
  }
  return result;
}

function unitImages(samples: Tensor, scaling: Scaling): Tensor {
  return new Tensor(toUnitScale(samples.data, scaling), samples.shape);
}

/**
 * Everything `evaluate` needs for one run: for MNIST the classifier and real statistics (loaded or
 * trained once per process) and the memorisation reference built from the run's own training
 * data; for the ring, its geometry.
 *
 * ```ts
 * const data = loadTrainingData(config);
 * const ctx = await createEvalContext(config, data); // MNIST: a few seconds (minutes if the classifier must train)
 * ```
 */
export async function createEvalContext(
  config: ExperimentConfig,
  data: Dataset,
  options: LoadClassifierOptions = {},
): Promise<EvalContext> {
  if (config.data.dataset === 'gaussians8') return { dataset: 'gaussians8', ring: {} };
  const real = await loadRealStatistics(options);
  return {
    dataset: 'mnist',
    real,
    neighbours: neighbourReference(data, config.data.split),
    dataScaling: config.data.scaling,
    displayScaling: displayScaling(config),
  };
}

/** Rows per generator forward pass while sampling. */
const SAMPLE_BATCH = 250;

/**
 * N samples of the generator from the run's `eval` stream (`Rng.create(seed, 'eval')`), created
 * afresh each time: every evaluation of a run sees the same N noise vectors, so two evaluations
 * differ only by the generator, and training's own streams are never touched.
 *
 * @returns `[n, dataDim]` in the data space
 */
export function generateEvalSamples(trainer: GanTrainer, n: number): Tensor {
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`evaluation: samples must be an integer >= 2, got ${n}`);
  const rng = Rng.create(trainer.config.seed, 'eval');
  const out = Tensor.zeros([n, trainer.dataDim]);
  for (let start = 0; start < n; start += SAMPLE_BATCH) {
    const end = Math.min(n, start + SAMPLE_BATCH);
    const z = trainer.fillZ(rng, Tensor.zeros([end - start, trainer.zSize]));
    out.data.set(trainer.generate(z).data, start * trainer.dataDim);
  }
  return out;
}

/** A result as an eval.jsonl row: `{ step, ...result }`. */
export function evalRow(step: number, result: EvalResult): { step: number } & EvalResult {
  return { step, ...result };
}
