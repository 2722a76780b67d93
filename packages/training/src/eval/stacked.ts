/**
 * The mode count of stacked MNIST (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): each
 * of a sample's three channels is classified by this project's MNIST classifier, and the digit
 * triple is the sample's mode, `100 * d0 + 10 * d1 + d2`, one of 1000.
 *
 * Definitions as the papers' evaluation code computes them (LazarValkov/GanModeCollapseEvaluation
 * `eval.py` `eval_mnist_stacked`; fjxmlzn/PacGAN `stacked_MNIST_experiments/VEEGAN_experiment/
 * evaluate.py`): modes = bins of the 1000 with at least one sample; KL = KL(p_gen ‖ Uniform_1000)
 * = Σ_{p>0} p ln(1000 p), natural log, empty bins skipped, no smoothing. The papers' classifiers are
 * CNNs; this one is the project's MLP (98.5% on MNIST test), so about 4.5% of real triples get at
 * least one digit wrong.
 */
import {
  MNIST_CLASSES,
  MNIST_PIXELS,
  STACKED_CHANNELS,
  STACKED_MODES,
  STACKED_PIXELS,
  type Scaling,
} from '@gan/data';
import { formatShape, ShapeError, Tensor } from '@gan/tensor';
import type { MnistClassifier } from './classifier.ts';
import { klFromUniform, meanConfidence, toUnitScale } from './metrics.ts';

/**
 * An evaluation of stacked MNIST samples. Typical values with the default classifier, 26,000
 * samples: real stacked images (test digits) `modesCovered` 1000, `klUniform` about 0.02 (the
 * finite-sample floor, about 999 / (2 x 26,000)); one image repeated: 1 and ln 1000 = 6.91.
 */
export type StackedEval = {
  /** Generated samples scored (`eval.stackedSamples`). */
  samples: number;
  /** Number of modes, digit triples (1000). */
  modes: number;
  /**
   * Share of the samples a mode needs to count as covered: one sample, 1 / samples (the papers
   * count every mode hit at least once).
   */
  coverageThreshold: number;
  /** Modes (digit triples) predicted for at least one sample: the papers' "modes". */
  modesCovered: number;
  /** KL(mode histogram ‖ uniform over 1000), nats, empty bins skipped: the papers' "KL"; max ln 1000. */
  klUniform: number;
  /** Mean over all 3N channel images of the classifier's largest probability (real: above 0.95). */
  meanConfidence: number;
};

/** What stacked samples are scored with. */
export interface StackedEvalContext {
  dataset: 'stacked-mnist';
  classifier: MnistClassifier;
  /** The scale generated values are in (the run's `data.scaling`). */
  dataScaling: Scaling;
}

/** Samples classified per classifier call (x3 channel images): bounds the features' memory. */
const CHUNK = 2000;

/**
 * The mode of each sample from its channels' class probabilities: rows `3i, 3i+1, 3i+2` of `probs`
 * are sample i's channels 0, 1, 2; each channel's digit is its most probable class.
 *
 * ```ts
 * stackedModesOf(probs); // Int32Array of N modes in 0..999
 * ```
 * @param probs `[3N, 10]`
 */
export function stackedModesOf(probs: Tensor): Int32Array {
  if (probs.rank !== 2 || probs.shape[1] !== MNIST_CLASSES || probs.shape[0] % STACKED_CHANNELS !== 0) {
    throw new ShapeError(`stackedModesOf: expected probs [3N, 10], got ${formatShape(probs.shape)}`);
  }
  const n = probs.shape[0] / STACKED_CHANNELS;
  const p = probs.data;
  const modes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let mode = 0;
    for (let c = 0; c < STACKED_CHANNELS; c++) {
      const row = (i * STACKED_CHANNELS + c) * MNIST_CLASSES;
      let best = 0;
      for (let k = 1; k < MNIST_CLASSES; k++) if (p[row + k] > p[row + best]) best = k;
      mode = 10 * mode + best;
    }
    modes[i] = mode;
  }
  return modes;
}

/**
 * Modes hit and KL from uniform of a list of modes (0..999).
 *
 * ```ts
 * stackedModeScores(Int32Array.of(7, 7, 7)); // { modesCovered: 1, klUniform: Math.log(1000) }
 * ```
 */
export function stackedModeScores(modes: Int32Array): { modesCovered: number; klUniform: number } {
  const counts = new Array<number>(STACKED_MODES).fill(0);
  for (const m of modes) {
    if (!(m >= 0 && m < STACKED_MODES))
      throw new RangeError(`stackedModeScores: mode ${m} is outside 0..999`);
    counts[m]++;
  }
  return {
    modesCovered: counts.filter((k) => k > 0).length,
    klUniform: klFromUniform(counts.map((k) => k / modes.length)),
  };
}

/**
 * Scores N stacked samples `[N, 2352]` (channel-major, on `ctx.dataScaling`): each channel goes to
 * the classifier on the unit scale, as real digits do ((x + 1) / 2 for tanh, as PacGAN's
 * Unrolled-setting code rescales). Costs 3N classifier passes, in chunks of 2000 samples.
 *
 * ```ts
 * const r = evaluateStacked(generateEvalSamples(trainer, 26_000), { dataset: 'stacked-mnist', classifier, dataScaling: 'tanh' });
 * r.modesCovered; // 0..1000
 * ```
 */
export function evaluateStacked(samples: Tensor, ctx: StackedEvalContext): StackedEval {
  if (samples.rank !== 2 || samples.shape[1] !== STACKED_PIXELS || samples.shape[0] < 1) {
    throw new ShapeError(
      `evaluateStacked: expected stacked images [N,${STACKED_PIXELS}], got ${formatShape(samples.shape)}`,
    );
  }
  const n = samples.shape[0];
  const modes = new Int32Array(n);
  let confidence = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    // Channel-major rows: the chunk's values are its 3 (end - start) planes of 784, one after another.
    const values = samples.data.subarray(start * STACKED_PIXELS, end * STACKED_PIXELS);
    const planes = new Tensor(toUnitScale(values, ctx.dataScaling), [
      (end - start) * STACKED_CHANNELS,
      MNIST_PIXELS,
    ]);
    const { probs } = ctx.classifier.classify(planes);
    modes.set(stackedModesOf(probs), start);
    confidence += meanConfidence(probs) * (end - start);
  }
  return {
    samples: n,
    modes: STACKED_MODES,
    coverageThreshold: 1 / n,
    ...stackedModeScores(modes),
    meanConfidence: confidence / n,
  };
}
