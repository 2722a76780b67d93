/**
 * The page's generator draws a 2-D run's samples as `pnpm sample` and the run's PNGs draw them:
 * the same points over the same mixture's modes, pixel for pixel (the browser test checks an
 * MNIST run's image the same way, through the page).
 */
import { GanTrainer, loadTrainingData, samplePicture } from '@gan/training';
import { configFromObject } from '@gan/training/config';
import { describe, expect, it } from 'vitest';
import { generatorSpec } from '../server/generator-spec.ts';
import { PageGenerator, type Tensors } from './generator.ts';

describe("the page's generator on 2-D data", () => {
  it.each(['grid25', 'ring8', 'gaussians8'] as const)('%s: the same pixels as the run picture', (dataset) => {
    const config = configFromObject(
      {
        name: 'points',
        seed: 5,
        data: { dataset, batchSize: 8, limit: 256 },
        model: {
          z: { size: 4, distribution: 'normal' },
          generator: { hidden: [16], activation: 'tanh', output: 'identity' },
          discriminator: { hidden: [8], activation: 'tanh' },
        },
        loss: { fromProbabilities: false },
      },
      'points.yaml',
    );
    const trainer = new GanTrainer(config, loadTrainingData(config));
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const tensors: Tensors = new Map(
      trainer.gParams.map((p) => [p.name, { shape: [...p.value.shape], data: p.value.data.slice() }]),
    );
    const spec = generatorSpec(config);
    expect(spec).toMatchObject({ width: 2, height: 1 });
    expect(spec.mixture?.centres).toHaveLength(dataset === 'grid25' ? 25 : 8);

    const page = new PageGenerator(spec, tensors);
    const image = page.image(3);
    const expected = samplePicture(config, trainer.generate(page.z(3)), 2, 1);
    expect(image.width).toBe(expected.width);
    expect(Array.from(image.gray)).toEqual(Array.from(expected.gray));
    // The modes are drawn: a picture of no points is not black.
    expect(image.gray.some((v) => v > 0 && v < 255)).toBe(true);
  });
});
