import { describe, expect, it } from 'vitest';
import { ShapeError } from './shape.ts';
import { Tensor } from './tensor.ts';

describe('Tensor', () => {
  it('creates zeros, ones, full and from nested or flat arrays', () => {
    expect(Array.from(Tensor.zeros([2, 3]).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(Tensor.ones([2]).data)).toEqual([1, 1]);
    expect(Array.from(Tensor.full([3], 2.5).data)).toEqual([2.5, 2.5, 2.5]);
    const t = Tensor.fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.get(1, 2)).toBe(6);
    expect(Tensor.fromArray([1, 2, 3, 4], [2, 2]).get(1, 0)).toBe(3);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('rejects ragged arrays, wrong sizes and bad shapes with clear messages', () => {
    expect(() => Tensor.fromArray([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => Tensor.fromArray([1, 2, 3], [2, 2])).toThrow(
      'fromArray: shape [2,2] needs 4 elements, got 3',
    );
    expect(() => Tensor.zeros([2, -1])).toThrow(ShapeError);
    expect(() => Tensor.zeros([2.5])).toThrow(/non-negative integers/);
    // Too many values for one Float32Array: a ShapeError that says so, not V8's bare RangeError.
    expect(() => Tensor.zeros([100, 100_000_000])).toThrow(
      'zeros: shape [100,100000000] holds 10,000,000,000 values; a tensor holds at most 4,294,967,296 (2^32)',
    );
  });

  it('reshapes as a view and infers one -1 dimension', () => {
    const t = Tensor.fromArray([1, 2, 3, 4, 5, 6], [6]);
    const r = t.reshape([2, -1]);
    expect(r.shape).toEqual([2, 3]);
    r.set(42, 0, 0);
    expect(t.data[0]).toBe(42);
    expect(() => t.reshape([4, -1])).toThrow(/cannot reshape 6 elements/);
    expect(() => t.reshape([-1, -1])).toThrow(/only one dimension/);
  });

  it('indexes with bounds checks and slices rows as views', () => {
    const t = Tensor.fromArray([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(() => t.get(3, 0)).toThrow('index: 3 is out of bounds for axis 0 of shape [3,2]');
    expect(() => t.get(0)).toThrow(/expected 2 indices/);
    expect(Array.from(t.row(1).data)).toEqual([3, 4]);
    const rows = t.rows(1, 3);
    expect(rows.shape).toEqual([2, 2]);
    rows.data[0] = -1;
    expect(t.get(1, 0)).toBe(-1);
    expect(() => t.rows(2, 4)).toThrow(/out of bounds/);
  });

  it('copies and clones without sharing', () => {
    const a = Tensor.fromArray([1, 2]);
    const b = a.clone();
    b.data[0] = 9;
    expect(a.data[0]).toBe(1);
    expect(() => a.copyFrom(Tensor.zeros([3]))).toThrow('copyFrom: shapes [2] and [3] do not match');
  });
});
