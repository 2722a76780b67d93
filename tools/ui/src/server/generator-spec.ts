/**
 * How the page runs a run's generator: the config it builds G from (with @gan/training's own
 * builder, so the layers and their checkpoint names are the trainer's), how z is drawn and how the
 * output becomes grey levels (as
 * @gan/training's `displayPixels`). The browser test checks the page's image against `pnpm sample`'s
 * PNG pixel for pixel, so a change to either side that this misses fails there.
 */
import { mixture2d } from '@gan/data';
import type { ExperimentConfig } from '@gan/training/config';
import type { GeneratorSpec } from '../shared/api.ts';

const MNIST_SIDE = 28;

/** The range of an output scaling (the data package's `pixelRange`). */
function range(scaling: string): { lo: number; hi: number } {
  return scaling === 'raw' ? { lo: 0, hi: 255 } : scaling === 'unit' ? { lo: 0, hi: 1 } : { lo: -1, hi: 1 };
}

export function generatorSpec(config: ExperimentConfig): GeneratorSpec {
  const g = config.model.generator;
  const { dataset } = config.data;
  // A 2-D point set: the mixture its points come from, drawn under them (as the run's PNGs).
  const mixture = dataset === 'mnist' || dataset === 'stacked-mnist' ? null : mixture2d(dataset);
  const points = mixture !== null;
  const width = points ? 2 : MNIST_SIDE;
  const height = points ? 1 : MNIST_SIDE;
  // Stacked MNIST: three digits as channel-major RGB planes.
  const channels = config.data.dataset === 'stacked-mnist' ? 3 : 1;
  // The generator's output range, not the data's (see @gan/training's displayScaling).
  const scaling = g.output === 'sigmoid' ? 'unit' : g.output === 'tanh' ? 'tanh' : config.data.scaling;
  return {
    zSize: config.model.z.size,
    zDistribution: config.model.z.distribution === 'uniform' ? 'uniform' : 'normal',
    config,
    dataDim: channels * width * height,
    width,
    height,
    ...(channels !== 1 && { channels }),
    ...(mixture !== null && { mixture }),
    pixels: config.log.sampleScale === 'output' ? { mode: 'output', ...range(scaling) } : { mode: 'stretch' },
  };
}
