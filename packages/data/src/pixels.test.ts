import { describe, expect, it } from 'vitest';
import { stretchToPixels } from './pixels.ts';

describe('stretchToPixels', () => {
  it("stretches each image from its own minimum to its maximum, as matplotlib's imshow shows it", () => {
    const values = Float32Array.of(0.5, 0.25, 0.75, 0.499, 0.5, 0.501);
    expect([...stretchToPixels(values, 2, 3)]).toEqual([128, 0, 255, 0, 128, 255]);
  });

  it('leaves an image of one value mid-grey, and writes into out when given', () => {
    const out = new Uint8Array(4);
    expect(stretchToPixels(Float32Array.of(3, 3, -1, 1), 2, 2, out)).toBe(out);
    expect([...out]).toEqual([128, 128, 0, 255]);
  });

  it('refuses values that are not n images of size, and an out of the wrong length', () => {
    expect(() => stretchToPixels(new Float32Array(5), 2, 3)).toThrow(/5 values are not 2 images of 3/);
    expect(() => stretchToPixels(new Float32Array(6), 2, 3, new Uint8Array(5))).toThrow(/out has 5/);
  });
});
