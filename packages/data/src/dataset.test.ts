import { Rng, ShapeError, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import {
  classCounts,
  type Dataset,
  gatherBatch,
  gatherRows,
  limitDataset,
  pixelDataset,
  shuffleDataset,
  sourceRowsOf,
} from './dataset.ts';

/** 20 rows of 3 values; row i holds [i, i + 0.25, i + 0.5] and has label i % 4. */
function tagged(n = 20): Dataset {
  const images = Tensor.zeros([n, 3]);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.data.set([i, i + 0.25, i + 0.5], 3 * i);
    labels[i] = i % 4;
  }
  return {
    name: 'tagged',
    split: 'train',
    scaling: 'raw',
    images,
    labels,
    width: 3,
    height: 1,
    numClasses: 4,
  };
}

describe('shuffleDataset', () => {
  it('permutes rows and labels together and leaves the input alone', () => {
    const ds = tagged();
    const before = ds.images.data.slice();
    const sh = shuffleDataset(ds, Rng.create(5, 'data'));
    const order: number[] = [];
    for (let r = 0; r < 20; r++) {
      const i = sh.images.get(r, 0);
      order.push(i);
      expect(Array.from(sh.images.row(r).data)).toEqual([i, i + 0.25, i + 0.5]);
      expect(sh.labels[r]).toBe(i % 4);
    }
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(ds.images.data).toEqual(before);
    expect({ ...sh, images: null, labels: null, sourceRows: null }).toEqual({
      ...ds,
      images: null,
      labels: null,
      sourceRows: null,
    });
    expect(Array.from(sh.sourceRows ?? [])).toEqual(order);
  });

  it('records the source row of every row, through a second shuffle and a limit, as floats or bytes', () => {
    for (const ds of [
      tagged(),
      pixelDataset(
        { ...tagged(), name: 'b' },
        Uint8Array.from({ length: 60 }, (_, i) => i),
        tagged().labels,
      ),
    ]) {
      const once = shuffleDataset(ds, Rng.create(5));
      const twice = limitDataset(shuffleDataset(once, Rng.create(6)), 7);
      const rows = sourceRowsOf(twice);
      expect(rows.length).toBe(7);
      for (let i = 0; i < 7; i++) {
        const r = rows[i];
        expect(Array.from(twice.images.data.subarray(3 * i, 3 * i + 3))).toEqual(
          Array.from(ds.images.data.subarray(3 * r, 3 * r + 3)),
        );
      }
    }
    expect(Array.from(sourceRowsOf(tagged(4)))).toEqual([0, 1, 2, 3]);
  });

  it('is reproducible from the seed', () => {
    const a = shuffleDataset(tagged(), Rng.create(5, 'data'));
    const b = shuffleDataset(tagged(), Rng.create(5, 'data'));
    const c = shuffleDataset(tagged(), Rng.create(6, 'data'));
    expect(a.labels).toEqual(b.labels);
    expect(a.images.data).toEqual(b.images.data);
    expect(a.images.data).not.toEqual(c.images.data);
  });

  it('rejects images and labels of different lengths', () => {
    const ds = { ...tagged(), labels: new Uint8Array(3) };
    expect(() => shuffleDataset(ds, Rng.create(1))).toThrow(
      'shuffleDataset: tagged has images [20,3] but 3 labels',
    );
  });
});

describe('limitDataset', () => {
  it('keeps the first n rows', () => {
    const small = limitDataset(tagged(), 5);
    expect(small.images.shape).toEqual([5, 3]);
    expect(Array.from(small.labels)).toEqual([0, 1, 2, 3, 0]);
    expect(small.images.get(4, 2)).toBe(4.5);
  });

  it('rejects n outside 1..N', () => {
    for (const n of [0, 21, 2.5]) {
      expect(() => limitDataset(tagged(), n)).toThrow(`limitDataset: n must be an integer in 1..20`);
    }
  });
});

describe('gatherRows', () => {
  it('copies the indexed rows, repeats included, into the output', () => {
    const src = tagged().images;
    const out = Tensor.full([4, 3], -1);
    const ret = gatherRows(src, Int32Array.of(7, 0, 7, 19), out);
    expect(ret).toBe(out);
    expect(out.toArray()).toEqual([
      [7, 7.25, 7.5],
      [0, 0.25, 0.5],
      [7, 7.25, 7.5],
      [19, 19.25, 19.5],
    ]);
    gatherRows(src, [3], Tensor.zeros([1, 3]));
  });

  it('checks shapes and indices', () => {
    const src = tagged().images;
    expect(() => gatherRows(src, [1], Tensor.zeros([1, 4]))).toThrow(ShapeError);
    expect(() => gatherRows(src, [1, 2], Tensor.zeros([1, 3]))).toThrow(
      'gatherRows: 2 indices for an output of 1 rows',
    );
    expect(() => gatherRows(src, [20], Tensor.zeros([1, 3]))).toThrow(
      'gatherRows: index 20 at position 0 is not a row of [20,3]',
    );
    expect(() => gatherRows(src, [0, -1], Tensor.zeros([2, 3]))).toThrow('index -1 at position 1');
    expect(() => gatherRows(src, [1.5], Tensor.zeros([1, 3]))).toThrow('index 1.5');
  });
});

describe('classCounts', () => {
  it('counts each class and rejects labels out of range', () => {
    expect(classCounts(Uint8Array.of(0, 2, 2, 3), 4)).toEqual([1, 0, 2, 1]);
    expect(classCounts([], 2)).toEqual([0, 0]);
    expect(() => classCounts(Uint8Array.of(0, 4), 4)).toThrow(
      'classCounts: label 4 at index 1 is outside 0..3',
    );
  });
});

describe('datasets kept as bytes', () => {
  const info = {
    name: 'bytes',
    split: 'test' as const,
    scaling: 'tanh' as const,
    width: 2,
    height: 2,
    numClasses: 3,
  };
  const pixels = Uint8Array.from([0, 255, 51, 102, 10, 20, 30, 40, 255, 255, 0, 0]);
  const labels = Uint8Array.from([0, 1, 2]);

  it('gathers batches from the bytes, equal to the float images, in any scaling', () => {
    const ds = pixelDataset(info, pixels, labels);
    const idx = Int32Array.from([2, 0, 2]);
    const fromBytes = gatherBatch(ds, idx, Tensor.zeros([3, 4]));
    const fromFloats = gatherRows(ds.images, idx, Tensor.zeros([3, 4]));
    expect(Array.from(fromBytes.data)).toEqual(Array.from(fromFloats.data));
    expect(Array.from(gatherBatch(ds, [1], Tensor.zeros([1, 4]), 'raw').data)).toEqual([10, 20, 30, 40]);
    expect(() => gatherBatch(ds, [3], Tensor.zeros([1, 4]))).toThrow(
      /index 3 at position 0 is not a row of bytes/,
    );
  });

  it('builds its float images only when read, and shuffles and limits without building them', () => {
    let built = 0;
    const ds = pixelDataset(info, pixels, labels);
    const watched = new Proxy(ds, {
      get(target, key, receiver) {
        if (key === 'images') built++;
        return Reflect.get(target, key, receiver);
      },
    });
    const shuffled = shuffleDataset(watched, Rng.create(1));
    const limited = limitDataset(shuffled, 2);
    expect(built).toBe(0);
    expect(limited.pixels?.length).toBe(8);
    expect(Array.from(limited.labels)).toEqual(Array.from(shuffled.labels.subarray(0, 2)));
    // Row i of the shuffled bytes is the row its label came from.
    for (let i = 0; i < 3; i++) {
      const from = labels.indexOf(shuffled.labels[i]);
      expect(Array.from(shuffled.pixels!.subarray(4 * i, 4 * i + 4))).toEqual(
        Array.from(pixels.subarray(4 * from, 4 * from + 4)),
      );
    }
    expect(ds.images.shape).toEqual([3, 4]);
    expect(ds.images).toBe(ds.images); // built once
  });

  it('rejects bytes that do not match the labels', () => {
    expect(() => pixelDataset(info, pixels.subarray(1), labels)).toThrow(
      /11 pixel bytes for 3 labels of 4 pixels/,
    );
  });
});
