/**
 * The page's generator draws a 2-D run's samples as the run's PNGs and `pnpm sample` draw them
 * (@gan/training's samplePicture: `scatterPixels` over the config's mixture), so the spec must
 * carry that mixture and the page must draw with it. The browser test checks an MNIST run's image
 * against `pnpm sample`'s PNG through the page.
 */
import { mixture2d } from '@gan/data';
import { scatterPixels } from '@gan/data/scatter';
import { configFromObject } from '@gan/training/config';
import { buildGenerator } from '@gan/training/model';
import { Rng } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { generatorSpec } from '../server/generator-spec.ts';
import { PageGenerator, type Tensors } from './generator.ts';

describe("the page's generator on 2-D data", () => {
  it.each(['grid25', 'ring8', 'gaussians8'] as const)(
    '%s: the points over the mixture, as the run pictures',
    (dataset) => {
      const config = configFromObject(
        {
          name: 'points',
          data: { dataset },
          model: {
            z: { size: 4, distribution: 'normal' },
            generator: { hidden: [16], activation: 'tanh', output: 'identity' },
          },
        },
        'points.yaml',
      );
      const spec = generatorSpec(config);
      expect(spec).toMatchObject({ width: 2, height: 1, mixture: mixture2d(dataset) });

      const rng = Rng.create(1, 'weights');
      const tensors: Tensors = new Map();
      for (const p of buildGenerator(config, 2).net.parameters()) {
        const data = new Float32Array(p.value.size);
        rng.fillNormal(data, 0, 1);
        tensors.set(p.name, { shape: [...p.value.shape], data });
      }
      const page = new PageGenerator(spec, tensors);
      const points = page.generate(page.z(3));
      const image = page.image(3);
      expect(Array.from(image.gray)).toEqual(
        Array.from(scatterPixels(points.data, points.shape[0], mixture2d(dataset)).gray),
      );
      // The modes are drawn under the points: grey pixels that are neither black nor a point.
      expect(image.gray.some((v) => v > 0 && v < 255)).toBe(true);
    },
  );
});
