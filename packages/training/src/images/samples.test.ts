import { Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/index.ts';
import { displayPixels, samplePicture, scatterImage, scatterOptions } from './samples.ts';

const config = (sampleScale: 'output' | 'per-image') =>
  configFromObject(
    { name: 'x', model: { generator: { output: 'sigmoid' } }, log: { sampleScale } },
    'x.yaml',
  );

describe('sample pictures', () => {
  // Two "images" of three pixels that differ by about a millionth around mid-grey, as the
  // article's decay-trick generator produces.
  const samples = Tensor.fromArray([
    [0.5, 0.5 + 2 ** -20, 0.5 + 2 ** -19],
    [0.5, 0.5, 0.5],
  ]);

  it("maps the generator's output range to grey levels: near-constant images stay grey", () => {
    expect(Array.from(displayPixels(config('output'), samples))).toEqual([128, 128, 128, 128, 128, 128]);
  });

  it("stretches each image from its min to its max, as the article's imshow did", () => {
    expect(Array.from(displayPixels(config('per-image'), samples))).toEqual([0, 128, 255, 128, 128, 128]);
  });

  it('tiles 16 images into a 4x4 grid', () => {
    const grid = samplePicture(config('output'), Tensor.zeros([16, 4]), 2, 2);
    expect([grid.width, grid.height]).toEqual([4 * 4 + 5 * 2, 4 * 4 + 5 * 2]);
  });
});

describe('2-D sample pictures', () => {
  const at = (img: { gray: Uint8Array; width: number }, x: number, y: number, extent: number) =>
    img.gray[
      Math.floor(((extent - y) / (2 * extent)) * img.width) * img.width +
        Math.floor(((x + extent) / (2 * extent)) * img.width)
    ];

  it('draws the points over [-3, 3]² without a mixture, as before', () => {
    const img = scatterImage(Tensor.fromArray([[1, 1]]));
    expect(img.gray.filter((g) => g > 0).length).toBe(1);
    expect(at(img, 1, 1, 3)).toBe(255);
  });

  it("marks every mode of the config's mixture under the points, on a scale that fits the grid", () => {
    const grid = configFromObject({ name: 'g', data: { dataset: 'grid25' } }, 'g.yaml');
    const { mixture } = scatterOptions(grid);
    expect(mixture?.centres).toHaveLength(25);
    const img = samplePicture(grid, Tensor.fromArray([[-4, 4]]), 2, 1);
    // Extent 6 = 1.5 * 4: the corner mode (4, -4) is inside the picture, dim grey.
    expect(at(img, 4, -4, 6)).toBe(72);
    expect(at(img, 0, 0, 6)).toBe(72);
    expect(at(img, -4, 4, 6)).toBe(255); // the point, drawn over its mode
    expect(at(img, 1, 1, 6)).toBe(0); // between modes
    expect(img.gray.filter((g) => g === 72).length).toBeGreaterThanOrEqual(24);
    expect(scatterOptions(configFromObject({ name: 'm' }, 'm.yaml'))).toEqual({});
  });
});
