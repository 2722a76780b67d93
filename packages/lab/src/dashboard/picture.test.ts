import { describe, expect, it } from 'vitest';
import { halfBlockLines } from '@gan/training';
import {
  alikeSamples,
  cropGrid,
  isSparse,
  maxPool,
  pictureCells,
  pictureFactor,
  pictureLines,
  planPicture,
  sampleGridOf,
} from './picture.ts';
import { digitGrid, gradientImage } from './test-events.ts';

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

describe('pictureFactor', () => {
  const size = { width: 234, height: 234 };
  it('picks the smallest integer shrink that fits width and half-block height', () => {
    expect(pictureFactor(size, { width: 50, height: 30 })).toBe(5); // 47 x 24 cells
    expect(pictureCells(size, 5)).toEqual({ width: 47, height: 24 });
    expect(pictureFactor({ width: 10, height: 10 }, { width: 50, height: 30 })).toBe(1);
    expect(pictureFactor(size, { width: 0, height: 10 })).toBe(234);
  });
});

describe('sample grids', () => {
  const grid = digitGrid(false);

  it("finds the 4 x 4 samples of a run's sample grid, and no grid in other pictures", () => {
    expect(sampleGridOf(grid)).toEqual({ rows: 4, cols: 4, pad: 2, cellWidth: 56, cellHeight: 56 });
    expect(sampleGridOf(gradientImage())).toBeNull(); // 64 x 32: not a grid's size
    const scatter = { gray: new Uint8Array(234 * 234), width: 234, height: 234 };
    scatter.gray[100 * 234 + 100] = 255;
    expect(sampleGridOf(scatter)).toBeNull(); // a grid's size, but sparse: 2-D points
    const lit = { ...grid, gray: grid.gray.slice() };
    lit.gray[0] = 255; // a separating line not black
    expect(sampleGridOf(lit)).toBeNull();
  });

  it('crops the top-left samples with their separating lines', () => {
    const part = cropGrid(grid, sampleGridOf(grid)!, 2, 3);
    expect([part.width, part.height]).toEqual([3 * 58 + 2, 2 * 58 + 2]);
    expect(part.gray[60 * part.width + 70]).toBe(grid.gray[60 * 234 + 70]);
    expect(sampleGridOf({ ...part, gray: part.gray })).toBeNull(); // not 4 x 4 any more
  });

  it('shows fewer samples rather than samples under 8 pixels across', () => {
    // 26 x 13 cells: 16 samples would need a shrink of 9 (6 pixels each), 9 samples one of 7.
    expect(planPicture(grid, { width: 26, height: 13 })).toEqual({
      rows: 3,
      cols: 3,
      of: 16,
      factor: 7,
      cells: { width: 26, height: 13 },
    });
    expect(planPicture(grid, { width: 60, height: 40 })).toMatchObject({ rows: 4, cols: 4, factor: 4 });
    expect(planPicture(grid, { width: 3, height: 2 })).toMatchObject({ rows: 1, cols: 1 });
    // Not a grid: the whole picture, shrunk.
    expect(planPicture(gradientImage(), { width: 20, height: 20 })).toMatchObject({
      rows: 1,
      of: 1,
      factor: 4,
    });
  });

  it('counts the samples that look the same', () => {
    expect(alikeSamples(digitGrid(true))).toEqual({ largest: 16, of: 16 });
    expect(alikeSamples(grid)).toEqual({ largest: 2, of: 16 }); // ring sizes repeat every 15 digits
    expect(alikeSamples(gradientImage())).toBeNull();
  });
});
