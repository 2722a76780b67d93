import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { expectGradClose } from './gradcheck.test-util.ts';
import { softmax, softmaxCrossEntropy } from './softmax.ts';

const rng = Rng.create(0, 'softmax-test');

describe('softmax', () => {
  it('matches exp(l) / Σ exp(l) and sums to one per row', () => {
    const p = softmax(
      Tensor.fromArray([
        [0, Math.log(3)],
        [1, 1],
      ]),
    );
    expect(Array.from(p.data)).toEqual([expect.closeTo(0.25, 7), expect.closeTo(0.75, 7), 0.5, 0.5]);
    const q = softmax(rng.normalTensor([5, 7], 0, 3));
    for (let i = 0; i < 5; i++) {
      let s = 0;
      for (let k = 0; k < 7; k++) s += q.data[i * 7 + k];
      expect(s).toBeCloseTo(1, 6);
    }
  });

  it('stays finite for huge logits and ignores a constant shift', () => {
    const p = softmax(Tensor.fromArray([[1000, 999, -1000]]));
    const shifted = softmax(Tensor.fromArray([[1, 0, -2000]]));
    expect(Array.from(p.data)).toEqual(Array.from(shifted.data));
    expect(p.data[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(p.data[2]).toBe(0);
  });

  it('writes into out, which may be the input', () => {
    const l = Tensor.fromArray([[2, 0]]);
    const expected = Array.from(softmax(l).data);
    softmax(l, l);
    expect(Array.from(l.data)).toEqual(expected);
    expect(() => softmax(Tensor.zeros([2, 3]), Tensor.zeros([3, 2]))).toThrow(/out shape \[3,2\]/);
    expect(() => softmax(Tensor.zeros([6]))).toThrow(/expected logits \[batch,classes\]/);
  });
});

describe('softmaxCrossEntropy', () => {
  it('equals the mean of -log softmax at the label', () => {
    const logits = Tensor.fromArray([
      [2, 1, 0.1],
      [0.5, 2.5, -1],
    ]);
    const labels = Int32Array.of(0, 2);
    const p = softmax(logits);
    const expected = -(Math.log(p.data[0]) + Math.log(p.data[5])) / 2;
    expect(softmaxCrossEntropy(logits, labels)).toBeCloseTo(expected, 6);
    // Uniform logits: log C per example.
    expect(softmaxCrossEntropy(Tensor.zeros([4, 10]), new Uint8Array(4))).toBeCloseTo(Math.log(10), 6);
  });

  it('has a gradient (softmax - onehot) / B that matches finite differences', () => {
    const logits = rng.normalTensor([6, 10], 0, 2);
    const labels = Uint8Array.of(0, 3, 9, 3, 7, 1);
    const grad = Tensor.zeros([6, 10]);
    softmaxCrossEntropy(logits, labels, grad);
    const p = softmax(logits);
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < 10; k++) {
        const onehot = labels[i] === k ? 1 : 0;
        expect(grad.data[i * 10 + k]).toBeCloseTo((p.data[i * 10 + k] - onehot) / 6, 6);
      }
    }
    expectGradClose(
      'softmax cross-entropy',
      () => softmaxCrossEntropy(logits, labels),
      logits.data,
      Array.from(grad.data),
      {
        h: 1e-2,
      },
    );
  });

  it('gives a finite loss and gradient for huge logits', () => {
    const logits = Tensor.fromArray([[1e4, -1e4, 0]]);
    const grad = Tensor.zeros([1, 3]);
    expect(softmaxCrossEntropy(logits, Int32Array.of(1), grad)).toBeCloseTo(2e4, 6);
    expect(Array.from(grad.data)).toEqual([1, -1, 0]);
    expect(softmaxCrossEntropy(logits, Int32Array.of(0))).toBe(0);
  });

  it('rejects labels and shapes that do not fit', () => {
    const logits = Tensor.zeros([2, 3]);
    expect(() => softmaxCrossEntropy(logits, Int32Array.of(0, 3))).toThrow(
      'softmaxCrossEntropy: label 3 at index 1 is outside 0..2',
    );
    expect(() => softmaxCrossEntropy(logits, Int32Array.of(-1, 0))).toThrow(/label -1 at index 0/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.of(0))).toThrow(/1 labels for a batch of 2/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.of(0, 1), Tensor.zeros([2, 2]))).toThrow(
      /gradient shape \[2,2\]/,
    );
  });
});
