/**
 * Evaluation of a generator from N samples: what the article could only judge by eye, as numbers.
 *
 * MNIST samples are scored by this project's MNIST classifier (see classifier.ts) on the unit
 * scale of the real images; stacked MNIST samples by their channels' digits (stacked.ts); 2-D
 * samples by their distance to the mixture's centres. The result
 * is a flat record of numbers (plus one histogram array), written as a row of eval.jsonl.
 */
import {
  type Dataset,
  MNIST_CLASSES,
  MNIST_PIXELS,
  type Mixture2d,
  type Mixture2dName,
  mixture2d,
  type RingOptions,
  ringCenters,
  type Scaling,
  scoreMixture,
} from '@gan/data';
import { formatShape, Rng, ShapeError, Tensor } from '@gan/tensor';
import { frechetDistance, meanAndCovariance } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';
import { displayScaling } from '../images/samples.ts';
import type { GanTrainer } from '../train/gan.ts';
import { type LoadClassifierOptions, loadClassifier } from './classifier-cache.ts';
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
import { evaluateStacked, type StackedEval, type StackedEvalContext } from './stacked.ts';

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
 * An evaluation of 2-D samples against a mixture of Gaussians (`gaussians8`, `grid25`, `ring8`;
 * `scoreMixture` of @gan/data): each sample goes to its nearest centre and is high quality within
 * 3 std of it.
 *
 * Two families of keys, which differ in definition:
 * - `modesCovered`, `highQuality`, `classHistogram`, `klUniform`: this project's, as since the
 *   first ring runs (a mode counts once it holds 2% of the samples; within 3 std inclusive).
 * - `pacganModes`, `pacganHighQuality`, `pacganReverseKl`: the columns of PacGAN's Table 1 (Lin et
 *   al. 2018) as its released code computes them (fjxmlzn/PacGAN
 *   synthetic_data_experiments/PacGAN/pacgan/extensions.py `MetricLogger`), which is also VEEGAN's
 *   definition (Srivastava et al. 2017, project page akashgit/VEEGAN): within 3 std strictly, a
 *   mode counts with one high-quality sample. The papers score 2500 samples (PacGAN
 *   `num_log_figure_sample = 2500`; VEEGAN "We generate 2500 samples"): set `eval.samples: 2500`.
 *
 * | key | 2500 real points | one point at a centre x2500 | points far from every mode |
 * |-----|------|------|------|
 * | `pacganModes` | K (8 or 25) | 1 | 0 |
 * | `pacganHighQuality` | ~0.989 (1 - e^-4.5, the mass of a 2-D Gaussian within 3 std) | 1 | 0 |
 * | `pacganReverseKl` | ~0.005 (finite-sample noise) | ln K | NaN |
 *
 * `evaluateMixture` always sets the `pacgan*` keys; they are optional because eval.jsonl rows
 * written before they existed lack them.
 */
export type RingEval = {
  samples: number;
  /** Number of Gaussians of the mixture (8 or 25). */
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
  /**
   * PacGAN's "modes" (VEEGAN's "number of modes captured"): modes with at least one sample strictly
   * within 3 std of its nearest centre.
   */
  pacganModes?: number;
  /** PacGAN's high-quality share: samples strictly within 3 std of their nearest centre, over all samples. */
  pacganHighQuality?: number;
  /**
   * PacGAN's "reverse KL": KL(p_gen ‖ uniform over the K modes) = Σ_k p_k ln(K p_k) of the histogram p
   * of the high-quality samples over modes, in nats, empty bins skipped; 0 when uniform, ln K when
   * one mode holds them all, NaN without high-quality samples.
   *
   * NOTE: PacGAN's released 2-D code does not compute it (its `MetricLogger` logs the entropy of this
   * histogram, which this equals ln K minus). The direction, KL(p_gen ‖ uniform) with natural log and
   * empty bins skipped, follows the same repository's stacked-MNIST code (`KLD(p, [1/1000]*1000)`,
   * stacked_MNIST_experiments/VEEGAN_experiment/evaluate.py); a reading, not a quoted definition.
   */
  pacganReverseKl?: number;
};

export type EvalResult = MnistEval | RingEval | StackedEval;

/** True for the result of an MNIST evaluation. */
export function isMnistEval(r: EvalResult): r is MnistEval {
  return 'frechetDistance' in r;
}

/** True for the result of a stacked MNIST evaluation (1000 digit-triple modes). */
export function isStackedEval(r: EvalResult): r is StackedEval {
  return !('frechetDistance' in r) && !('highQuality' in r);
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
  dataset: Mixture2dName;
  /** The mixture's centres and std (`mixture2d(dataset)`). */
  mixture: Mixture2d;
}

export type EvalContext = MnistEvalContext | RingEvalContext | StackedEvalContext;

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

/** Scores 2-D points `[N, 2]` against a ring (default: the `gaussians8` ring, radius 2, std 0.02). */
export function evaluateRing(points: Tensor, ring: RingOptions = {}): RingEval {
  const { modes = 8, radius = 2, std = 0.02 } = ring;
  return evaluateMixture(points, { centres: ringCenters(modes, radius), std });
}

/**
 * Scores 2-D points `[N, 2]` against a mixture: this project's keys and PacGAN's (see
 * {@link RingEval}).
 *
 * ```ts
 * const r = evaluateMixture(samples, mixture2d('grid25'));
 * r.pacganModes; // 25 for a generator that covers the grid
 * ```
 */
export function evaluateMixture(points: Tensor, mixture: Mixture2d): RingEval {
  const n = points.shape[0];
  const share = (counts: number[], good: number) => counts.map((c) => (good > 0 ? c / good : 0));
  // This project's keys: within 3 std inclusive, as assignModes.
  const ours = scoreMixture(points, mixture, { strict: false });
  const histogram = share(ours.counts, ours.good);
  // PacGAN's: strictly within 3 std.
  const pacgan = scoreMixture(points, mixture, { strict: true });
  return {
    samples: n,
    modes: mixture.centres.length,
    coverageThreshold: COVERAGE_THRESHOLD,
    modesCovered: ours.counts.filter((c) => n > 0 && c / n >= COVERAGE_THRESHOLD).length,
    highQuality: n === 0 ? 0 : ours.good / n,
    classHistogram: histogram,
    klUniform: ours.good > 0 ? klFromUniform(histogram) : Number.NaN,
    pacganModes: pacgan.counts.filter((c) => c > 0).length,
    pacganHighQuality: n === 0 ? 0 : pacgan.good / n,
    pacganReverseKl: pacgan.good > 0 ? klFromUniform(share(pacgan.counts, pacgan.good)) : Number.NaN,
  };
}

/**
 * Evaluates N generated samples, given in the run's data space (`[N, 784]` images on
 * `data.scaling`, `[N, 2352]` stacked images, or `[N, 2]` points).
 *
 * ```ts
 * const ctx = await createEvalContext(config, data);
 * const result = evaluate(generateEvalSamples(trainer, config.eval.samples), ctx);
 * ```
 */
export function evaluate(samples: Tensor, ctx: EvalContext): EvalResult {
  if (ctx.dataset === 'stacked-mnist') return evaluateStacked(samples, ctx);
  if (ctx.dataset !== 'mnist') return evaluateMixture(samples, ctx.mixture);
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
 * data; for a 2-D mixture, its geometry.
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
  if (config.data.dataset === 'stacked-mnist') {
    return {
      dataset: 'stacked-mnist',
      classifier: await loadClassifier(options),
      dataScaling: config.data.scaling,
    };
  }
  if (config.data.dataset !== 'mnist')
    return { dataset: config.data.dataset, mixture: mixture2d(config.data.dataset) };
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
