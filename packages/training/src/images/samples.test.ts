import { Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/index.ts';
import { displayPixels, samplePicture } from './samples.ts';

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
