import { type Scaling, stretchToPixels, toPixels } from '@gan/data';
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

/** Side of the square picture of a 2-D point set, in pixels. */
const SCATTER_SIZE = 112;
/** Half-width of the plotted square: the 8-Gaussians ring has radius 2. */
const SCATTER_EXTENT = 3;

/** Draws 2-D points as white dots on black over [-3, 3]², y up. */
export function scatterImage(points: Tensor): GrayImage {
  const size = SCATTER_SIZE;
  const gray = new Uint8Array(size * size);
  const n = points.shape[0];
  for (let i = 0; i < n; i++) {
    const x = points.data[2 * i];
    const y = points.data[2 * i + 1];
    const px = Math.floor(((x + SCATTER_EXTENT) / (2 * SCATTER_EXTENT)) * size);
    const py = Math.floor(((SCATTER_EXTENT - y) / (2 * SCATTER_EXTENT)) * size);
    if (px < 0 || py < 0 || px >= size || py >= size) continue;
    gray[py * size + px] = 255;
  }
  return { gray, width: size, height: size };
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
  if (height === 1) return scatterImage(samples);
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
