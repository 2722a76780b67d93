import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { gatherBatch, limitDataset, rowSize, shuffleDataset } from './dataset.ts';
import { loadMnistBytes, MNIST_PIXELS } from './mnist.ts';
import { pixelRange } from './pixels.ts';
import { STACKED_PIXELS, stackedMnist, stackedMode } from './stacked.ts';

const make = (seed: number, n = 2000, scaling: 'raw' | 'unit' | 'tanh' = 'raw') =>
  stackedMnist({ split: 'train', scaling, n, rng: Rng.create(seed, 'data-gen') });

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('stacked MNIST', () => {
  it('is 3 x 28 x 28 channel-major, each plane an MNIST digit whose labels make the mode', () => {
    const ds = make(1, 50);
    expect([ds.channels, ds.width, ds.height, ds.numClasses, rowSize(ds)]).toEqual([3, 28, 28, 1000, 2352]);
    expect(ds.images.shape).toEqual([50, STACKED_PIXELS]);
    expect(ds.name).toBe('stacked-mnist-train');
    // Replay the draws: image i, channel c is the digit at index rng.int(60000), in draw order.
    const src = loadMnistBytes('train');
    const rng = Rng.create(1, 'data-gen');
    for (let i = 0; i < 50; i++) {
      const digits: number[] = [];
      for (let c = 0; c < 3; c++) {
        const j = rng.int(src.count);
        const plane = ds.pixels?.subarray((3 * i + c) * MNIST_PIXELS, (3 * i + c + 1) * MNIST_PIXELS);
        expect(same(plane as Uint8Array, src.pixels.subarray(j * MNIST_PIXELS, (j + 1) * MNIST_PIXELS))).toBe(
          true,
        );
        digits.push(src.labels[j]);
      }
      expect(ds.labels[i]).toBe(stackedMode(digits[0], digits[1], digits[2]));
    }
  });

  it('is reproducible: same seed, same bytes; another seed, other bytes', () => {
    const a = make(7);
    const b = make(7);
    const c = make(8);
    expect(same(a.pixels as Uint8Array, b.pixels as Uint8Array)).toBe(true);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(same(a.pixels as Uint8Array, c.pixels as Uint8Array)).toBe(false);
  });

  it('covers the 1000 modes about evenly (labels 0..999 in 16 bits)', () => {
    const ds = make(3, 20_000);
    expect(ds.labels).toBeInstanceOf(Uint16Array);
    const counts = new Array<number>(1000).fill(0);
    for (const l of ds.labels) counts[l]++;
    // 20 per mode on average; every mode present (P(a mode is missing) ~ 1000 e^-20).
    expect(counts.filter((k) => k > 0).length).toBe(1000);
    expect(Math.max(...ds.labels)).toBe(999);
  });

  for (const scaling of ['raw', 'unit', 'tanh'] as const) {
    it(`${scaling} scaling spans exactly its range`, () => {
      const ds = make(2, 200, scaling);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of ds.images.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect([lo, hi]).toEqual(pixelRange(scaling));
    });
  }

  it('keeps its channels through shuffle, limit and batches', () => {
    const ds = make(4, 100, 'unit');
    const sh = shuffleDataset(ds, Rng.create(0, 'data-shuffle'));
    expect(sh.channels).toBe(3);
    expect(sh.labels).toBeInstanceOf(Uint16Array);
    const r = sh.sourceRows?.[0] as number;
    expect(sh.labels[0]).toBe(ds.labels[r]);
    const lim = limitDataset(sh, 10);
    expect([lim.channels, lim.images.shape[1]]).toEqual([3, 2352]);
    const batch = gatherBatch(lim, [0], Tensor.zeros([1, 2352]));
    expect(Array.from(batch.data)).toEqual(Array.from(ds.images.data.subarray(r * 2352, (r + 1) * 2352)));
  });

  it('rejects a bad size or scaling', () => {
    expect(() => make(0, 0)).toThrow('stackedMnist: n must be an integer >= 1, got 0');
    expect(() => make(0, 10, 'x' as 'raw')).toThrow(
      "stackedMnist: scaling must be one of 'raw', 'unit', 'tanh', got 'x'",
    );
  });
});
