import { describe, expect, it } from 'vitest';
import { halfBlockLines } from '@gan/training';
import { isSparse, maxPool, pictureLines } from './picture.ts';

describe('pictureLines', () => {
  // 6x6 black with one white point at (4, 1): a tiny scatter plot
  const scatter = { gray: new Uint8Array(36), width: 6, height: 6 };
  scatter.gray[1 * 6 + 4] = 255;

  it('keeps single points of a sparse picture bright when shrinking', () => {
    const big = { gray: new Uint8Array(40 * 40), width: 40, height: 40 };
    big.gray[5 * 40 + 33] = 255;
    expect(isSparse(big)).toBe(true);
    const lines = pictureLines(big, 'ascii', 4); // 10x10 -> 5 lines
    expect(lines).toHaveLength(5);
    // The point's pair of rows averages 255 and 0 (127.5): ramp index 4, not a blank.
    expect(lines[0][8]).toBe('=');
    expect(lines.join('').replace(/ /g, '')).toBe('=');
  });

  it('max-pools blocks, edge blocks included', () => {
    expect(maxPool(scatter, 4)).toEqual({ gray: Uint8Array.from([0, 255, 0, 0]), width: 2, height: 2 });
  });

  it('averages dense pictures as halfBlockLines does', () => {
    const dense = { gray: new Uint8Array(64).map((_, i) => (i * 37) % 256), width: 8, height: 8 };
    expect(isSparse(dense)).toBe(false);
    expect(pictureLines(dense, 'ascii', 2)).toEqual(
      halfBlockLines(dense.gray, 8, 8, { mode: 'ascii', factor: 2 }),
    );
  });
});

describe('pictureLines of a colour picture (stacked MNIST)', () => {
  it('draws its rgb in 24-bit colour', () => {
    const image = {
      gray: Uint8Array.of(76, 29),
      rgb: Uint8Array.of(255, 0, 0, 0, 0, 255),
      width: 1,
      height: 2,
    };
    expect(pictureLines(image, 'truecolor', 1)).toEqual([
      '\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m\u2580\x1b[0m',
    ]);
  });
});
