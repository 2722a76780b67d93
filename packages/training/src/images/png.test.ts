import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunFormatError, RunOwner, samplePath } from '@gan/runs';
import { toByte } from './gray.ts';
import { decodePng, encodePng, imageGrid, readPng, writePng, writeSampleGrid } from './png.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-png-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('imageGrid', () => {
  // Five 2x2 images; image k has pixels 10k+1 .. 10k+4 (row-major).
  const images = Float32Array.from({ length: 20 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4) + 1);

  it('tiles images row by row with padding, scaling and empty cells', () => {
    const grid = imageGrid(images, { width: 2, height: 2, rows: 2, cols: 3, pad: 1, scale: 2 });
    // cells are 4x4; width 3*4 + 4*1 = 16, height 2*4 + 3*1 = 11
    expect([grid.width, grid.height]).toEqual([16, 11]);
    const at = (x: number, y: number) => grid.gray[y * grid.width + x];
    // image 0 starts at (1,1); its pixel (1,0) covers x 3..4, y 1..2
    expect([at(1, 1), at(2, 2), at(3, 1), at(4, 2), at(1, 3), at(4, 4)]).toEqual([1, 1, 2, 2, 3, 4]);
    // image 1 (row 0, col 1) starts at x = 1 + 5 = 6
    expect([at(6, 1), at(9, 4)]).toEqual([11, 14]);
    // image 4 (row 1, col 1) starts at (6, 6)
    expect([at(6, 6), at(8, 6), at(6, 8), at(9, 9)]).toEqual([41, 42, 43, 44]);
    // the sixth cell (row 1, col 2) is empty; padding lines are dark
    expect([at(11, 6), at(14, 9)]).toEqual([0, 0]);
    for (let y = 0; y < grid.height; y++)
      expect([at(0, y), at(5, y), at(10, y), at(15, y)]).toEqual([0, 0, 0, 0]);
    for (let x = 0; x < grid.width; x++) expect([at(x, 0), at(x, 5), at(x, 10)]).toEqual([0, 0, 0]);
    // every image pixel appears exactly scale^2 = 4 times
    const counts = new Map<number, number>();
    for (const v of grid.gray) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const v of images) expect(counts.get(v), `pixel ${v}`).toBe(4);
  });

  it('uses the defaults pad 2, scale 1 and honours padValue', () => {
    const grid = imageGrid(images.subarray(0, 8), { width: 2, height: 2, rows: 1, cols: 2, padValue: 255 });
    expect([grid.width, grid.height]).toEqual([2 * 2 + 3 * 2, 2 + 2 * 2]);
    expect(grid.gray[0]).toBe(255);
    expect(grid.gray[2 * grid.width + 2]).toBe(1);
    expect(grid.gray[2 * grid.width + 6]).toBe(11);
  });

  it('rounds and clamps values, NaN becomes black', () => {
    expect([-5, 300, Number.NaN, 127.6, 127.4, Infinity].map(toByte)).toEqual([0, 255, 0, 128, 127, 255]);
    const grid = imageGrid([-5, 300, Number.NaN, 127.6], { width: 2, height: 2, rows: 1, cols: 1, pad: 0 });
    expect([...grid.gray]).toEqual([0, 255, 0, 128]);
  });

  it('rejects data that does not fit', () => {
    expect(() => imageGrid(new Float32Array(7), { width: 2, height: 2, rows: 2, cols: 2 })).toThrow(
      /not a whole number of 2x2 images/,
    );
    expect(() => imageGrid(new Float32Array(20), { width: 2, height: 2, rows: 2, cols: 2 })).toThrow(
      /5 images do not fit a 2x2 grid/,
    );
    expect(() => imageGrid(new Float32Array(4), { width: 2, height: 2, rows: 1, cols: 1, scale: 0 })).toThrow(
      /scale must be an integer >= 1/,
    );
  });
});

describe('PNG', () => {
  it('writes 8-bit grayscale and decodes to the same pixels', () => {
    const gray = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 256);
    const png = encodePng(gray, 7, 5);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(7); // IHDR width
    expect(png.readUInt32BE(20)).toBe(5); // IHDR height
    expect(png[24]).toBe(8); // bit depth
    expect(png[25]).toBe(0); // colour type: grayscale
    const back = decodePng(png);
    expect([back.width, back.height]).toEqual([7, 5]);
    expect([...back.gray]).toEqual([...gray]);
  });

  it('writes files atomically and names a bad file', async () => {
    const path = join(dir, 'a.png');
    await writePng(path, Uint8Array.from([0, 255, 128, 64]), 2, 2);
    expect(await readdir(dir)).toEqual(['a.png']);
    expect([...(await readPng(path)).gray]).toEqual([0, 255, 128, 64]);
    expect(() => decodePng(new Uint8Array([1, 2, 3]), 'x.png')).toThrow(RunFormatError);
    expect(() => decodePng(new Uint8Array([1, 2, 3]), 'x.png')).toThrow(/^x\.png: not a valid PNG/);
    expect(() => encodePng(new Uint8Array(3), 2, 2)).toThrow(/needs 4 pixels, got 3/);
  });

  it('writes a sample grid under samples/ of a run', async () => {
    const path = await writeSampleGrid(RunOwner.claim(dir, 'test'), 500, {
      gray: new Uint8Array([9]),
      width: 1,
      height: 1,
    });
    expect(path).toBe(samplePath(dir, 500));
    expect([...(await readPng(path)).gray]).toEqual([9]);
    expect(() => RunOwner.claim(join(dir, 'no-such-run'), 'test')).toThrow(/ENOENT/);
  });
});
