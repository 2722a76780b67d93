/**
 * How the page runs a run's generator: the layers a config builds (as @gan/training's `buildModels`
 * names them in checkpoints), how z is drawn and how the output becomes grey levels (as
 * @gan/training's `displayPixels`). The browser test checks the page's image against `pnpm sample`'s
 * PNG pixel for pixel, so a change to either side that this misses fails there.
 */
import { mixture2d } from '@gan/data';
import { type ExperimentConfig, layerActivations } from '@gan/training/config';
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
  const sizes = [config.model.z.size, ...g.hidden, channels * width * height];
  const activations = [...layerActivations(g), g.output];
  const layers = activations.map((activation, i) => ({
    // Linear layers sit at even indices of the Sequential, each followed by its activation.
    weight: `generator.${2 * i}.weight`,
    bias: `generator.${2 * i}.bias`,
    inFeatures: sizes[i],
    outFeatures: sizes[i + 1],
    activation,
    slope: activation === 'leakyRelu' ? g.leakySlope : 0,
  }));
  // The generator's output range, not the data's (see @gan/training's displayScaling).
  const scaling = g.output === 'sigmoid' ? 'unit' : g.output === 'tanh' ? 'tanh' : config.data.scaling;
  return {
    zSize: config.model.z.size,
    zDistribution: config.model.z.distribution === 'uniform' ? 'uniform' : 'normal',
    layers,
    width,
    height,
    ...(channels !== 1 && { channels }),
    ...(mixture !== null && { mixture }),
    pixels: config.log.sampleScale === 'output' ? { mode: 'output', ...range(scaling) } : { mode: 'stretch' },
  };
}
