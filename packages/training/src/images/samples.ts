import { type Mixture2d, mixture2d, type Scaling, stretchToPixels, toPixels } from '@gan/data';
import { scatterPixels } from '@gan/data/scatter';
import type { Tensor } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';
import type { GrayImage } from './gray.ts';
import { imageGrid } from './png.ts';

/**
 * The range a generator's output is shown in: its output activation's range (sigmoid 0..1,
 * tanh -1..1), not the data's scaling. The article's generator outputs 0..1 while its data are
 * 0..255; shown on the data's scale every sample would be black, and the article's own plots
 * (matplotlib's imshow rescales) showed the 0..1 range. Evaluation, which must compare with real
 * data, uses the data scaling instead.
 */
export function displayScaling(config: ExperimentConfig): Scaling {
  const out = config.model.generator.output;
  return out === 'sigmoid' ? 'unit' : out === 'tanh' ? 'tanh' : config.data.scaling;
}

/**
 * Draws 2-D points as white dots on black, y up, over the mixture's modes when one is given (see
 * @gan/data's `scatterPixels`, which the web page draws with too).
 *
 * ```ts
 * const png = scatterImage(samples, { mixture: mixture2d('grid25') });
 * ```
 */
export function scatterImage(points: Tensor, options: { mixture?: Mixture2d } = {}): GrayImage {
  return scatterPixels(points.data, points.shape[0], options.mixture);
}

/** The mixture a config's 2-D dataset is drawn from, for {@link scatterImage}; none for MNIST. */
export function scatterOptions(config: ExperimentConfig): { mixture?: Mixture2d } {
  const { dataset } = config.data;
  return dataset === 'mnist' || dataset === 'stacked-mnist' ? {} : { mixture: mixture2d(dataset) };
}

/**
 * The picture saved every `log.samplesEvery` steps: a 4x4 grid of images from the fixed grid z
 * (MNIST; stacked MNIST in colour, `channels` 3), or a scatter plot of generated points (2-D data).
 */
export function samplePicture(
  config: ExperimentConfig,
  samples: Tensor,
  width: number,
  height: number,
  channels = 1,
): GrayImage {
  if (height === 1) return scatterImage(samples, scatterOptions(config));
  return imageGrid(displayPixels(config, samples), {
    width,
    height,
    rows: 4,
    cols: 4,
    pad: 2,
    scale: 2,
    channels,
  });
}

/**
 * Grey levels (0..255) of a batch of generated images `[n, pixels]`, as `log.sampleScale` says:
 * the generator's output range, or each image stretched from its own min to its max (the
 * article's imshow; a constant image stays mid-grey). A colour image (stacked MNIST) is stretched
 * as a whole, over its three channels together, so the channels keep their relative levels.
 */
export function displayPixels(config: ExperimentConfig, samples: Tensor): Uint8Array {
  if (config.log.sampleScale === 'output') return toPixels(samples.data, displayScaling(config));
  const [n, size] = samples.shape;
  return stretchToPixels(samples.data, n, size);
}
