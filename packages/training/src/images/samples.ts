import { type Mixture2d, mixture2d, type Scaling, stretchToPixels, toPixels } from '@gan/data';
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

/** Grey level of a mode's 3-std disc under the points. */
const MODE_GRAY = 72;

/**
 * Draws 2-D points as white dots on black, y up, over [-3, 3]², or, given the mixture the points
 * should come from, over [-e, e]² with e 1.5 times the largest centre coordinate (3 for the
 * gaussians8 ring, 1.5 for ring8, 6 for grid25) and each mode's high-quality region (within 3
 * std of its centre) as a dim grey disc under the points. At 112 pixels a disc is only a few
 * pixels wide: it marks where the modes are.
 *
 * ```ts
 * const png = scatterImage(samples, { mixture: mixture2d('grid25') });
 * ```
 */
export function scatterImage(points: Tensor, options: { mixture?: Mixture2d } = {}): GrayImage {
  const { mixture } = options;
  const size = SCATTER_SIZE;
  const extent = mixture
    ? 1.5 * Math.max(...mixture.centres.map(([cx, cy]) => Math.max(Math.abs(cx), Math.abs(cy))), 1e-3)
    : SCATTER_EXTENT;
  const gray = new Uint8Array(size * size);
  const toPx = (x: number) => ((x + extent) / (2 * extent)) * size;
  const toPy = (y: number) => ((extent - y) / (2 * extent)) * size;
  if (mixture) {
    // Pixel (px, py) is lit when its centre lies within 3 std of a mode's centre.
    const r = ((3 * mixture.std) / (2 * extent)) * size;
    for (const [cx, cy] of mixture.centres) {
      const [mx, my] = [toPx(cx), toPy(cy)];
      for (let py = Math.floor(my - r); py <= Math.ceil(my + r); py++) {
        for (let px = Math.floor(mx - r); px <= Math.ceil(mx + r); px++) {
          if (px < 0 || py < 0 || px >= size || py >= size) continue;
          if ((px + 0.5 - mx) ** 2 + (py + 0.5 - my) ** 2 <= r * r) gray[py * size + px] = MODE_GRAY;
        }
      }
    }
  }
  const n = points.shape[0];
  for (let i = 0; i < n; i++) {
    const px = Math.floor(toPx(points.data[2 * i]));
    const py = Math.floor(toPy(points.data[2 * i + 1]));
    if (px < 0 || py < 0 || px >= size || py >= size) continue;
    gray[py * size + px] = 255;
  }
  return { gray, width: size, height: size };
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
