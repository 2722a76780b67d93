import { describe, expect, it } from 'vitest';
import { Rng } from '../random.ts';
import { Tensor } from '../tensor.ts';
import {
  activate,
  activateGrad,
  add,
  addBias,
  allFinite,
  div,
  exp,
  log,
  maximum,
  mul,
  relu,
  sub,
} from './elementwise.ts';
import { matmul } from './matmul.ts';
import { argmax, concatRows, max, mean, min, norm, sum, transpose } from './reduce.ts';

describe('float64 tensors', () => {
  const rng = Rng.create(3, 'float64');
  it('compute in float64 on the float64 backend: matmul, bias, activations, sums', () => {
    const a = rng.normalTensor([5, 7]).to('float64');
    const b = rng.normalTensor([7, 3]).to('float64');
    // Values float32 cannot hold: a float32 kernel would round them.
    a.data[0] = 1 + 2 ** -40;
    const c = matmul(a, b);
    expect(c.dtype).toBe('float64');
    expect(Array.from(c.data)).toEqual(naiveMatmul(a, b, false, false));
    const t = activate('atan', addBias(c, Tensor.fromArray([1e-12, 0, 0], [3], 'float64')));
    expect(t.dtype).toBe('float64');
    expect(t.data[0]).toBe(Math.atan(naiveMatmul(a, b, false, false)[0] + 1e-12));
    expect(sum(t, 0).dtype).toBe('float64');
  });

  it('never mix dtypes silently', () => {
    const a = Tensor.zeros([2, 2], 'float64');
    expect(() => matmul(a, Tensor.zeros([2, 2]))).toThrow(/mix dtypes \(float64, float32/);
    expect(() => add(a, Tensor.zeros([2, 2]))).toThrow(TypeError);
    expect(() => relu(a, Tensor.zeros([2, 2]))).toThrow(/out is float32, the inputs are float64/);
  });

  it('convert with to(), rounding to nearest into float32', () => {
    const a = Tensor.fromArray([1 + 2 ** -30, 0.1], [2], 'float64');
    expect(a.to('float64')).toBe(a);
    expect(Array.from(a.to('float32').data)).toEqual([1, Math.fround(0.1)]);
  });
});

/** Naive triple loop in float64: the definition of op(A)·op(B). */
function naiveMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): number[] {
  const m = transA ? a.shape[1] : a.shape[0];
  const k = transA ? a.shape[0] : a.shape[1];
  const n = transB ? b.shape[0] : b.shape[1];
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (transA ? a.get(p, i) : a.get(i, p)) * (transB ? b.get(j, p) : b.get(p, j));
      out.push(s);
    }
  return out;
}

describe('matmul', () => {
  const rng = Rng.create(0, 'matmul-test');
  for (const [m, k, n] of [
    [1, 1, 1],
    [3, 7, 5],
    [7, 1, 9],
    [16, 33, 8],
  ]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`[${m},${k}]x[${k},${n}] transA=${transA} transB=${transB} equals the naive product`, () => {
          const a = rng.normalTensor(transA ? [k, m] : [m, k]);
          const b = rng.normalTensor(transB ? [n, k] : [k, n]);
          const c = matmul(a, b, { transA, transB });
          expect(c.shape).toEqual([m, n]);
          const ref = naiveMatmul(a, b, transA, transB);
          ref.forEach((v, i) => expect(c.data[i]).toBeCloseTo(v, 4));
        });
      }
    }
  }

  it('accumulates into out when asked', () => {
    const a = Tensor.fromArray([
      [1, 2],
      [3, 4],
    ]);
    const out = Tensor.full([2, 2], 10);
    matmul(a, a, { out, accumulate: true });
    expect(Array.from(out.data)).toEqual([17, 20, 25, 32]);
  });

  it('names both shapes when they do not match', () => {
    expect(() => matmul(Tensor.zeros([64, 784]), Tensor.zeros([100, 256]))).toThrow(
      /matmul: shapes \[64,784\] and \[100,256\] do not match/,
    );
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([3, 4]), { out: Tensor.zeros([2, 5]) })).toThrow(
      'matmul: out has shape [2,5], expected [2,4]',
    );
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 4]))).toThrow(/expected 2-d tensors/);
  });
});

describe('elementwise', () => {
  const x = Tensor.fromArray([
    [1, -2, 3],
    [-4, 5, -6],
  ]);

  it('adds, subtracts, multiplies and divides tensors and scalars', () => {
    expect(Array.from(add(x, x).data)).toEqual([2, -4, 6, -8, 10, -12]);
    expect(Array.from(sub(x, 1).data)).toEqual([0, -3, 2, -5, 4, -7]);
    expect(Array.from(mul(x, -1).data)).toEqual([-1, 2, -3, 4, -5, 6]);
    expect(Array.from(div(x, 2).data)).toEqual([0.5, -1, 1.5, -2, 2.5, -3]);
    expect(Array.from(maximum(x, 0).data)).toEqual([1, 0, 3, 0, 5, 0]);
  });

  it('broadcasts a row over every row, like numpy biases', () => {
    const bias = Tensor.fromArray([10, 20, 30]);
    expect(Array.from(add(x, bias).data)).toEqual([11, 18, 33, 6, 25, 24]);
    expect(Array.from(add(x, bias.reshape([1, 3])).data)).toEqual([11, 18, 33, 6, 25, 24]);
    expect(Array.from(addBias(x, bias).data)).toEqual([11, 18, 33, 6, 25, 24]);
    expect(() => add(x, Tensor.zeros([2]))).toThrow('add: shapes [2,3] and [2] do not broadcast');
  });

  it('writes in place when out is the input', () => {
    const y = x.clone();
    const r = relu(y, y);
    expect(r).toBe(y);
    expect(Array.from(y.data)).toEqual([1, 0, 3, 0, 5, 0]);
  });

  it('computes exp and log and detects non-finite values', () => {
    const e = exp(Tensor.fromArray([0, 1]));
    expect(e.data[1]).toBeCloseTo(Math.E, 5);
    expect(allFinite(log(Tensor.fromArray([1, 0])))).toBe(false);
    expect(allFinite(e)).toBe(true);
  });

  it('evaluates every activation and a stable sigmoid', () => {
    const v = Tensor.fromArray([-1000, -2, 0, 0.5, 1000]);
    const s = activate('sigmoid', v);
    expect(s.data[0]).toBe(0);
    expect(s.data[4]).toBe(1);
    expect(s.data[2]).toBe(0.5);
    expect(allFinite(s)).toBe(true);
    expect(activate('atan', v).data[3]).toBeCloseTo(Math.atan(0.5), 6);
    expect(activate('tanh', v).data[1]).toBeCloseTo(Math.tanh(-2), 6);
    expect(Array.from(activate('leakyRelu', Tensor.fromArray([-10, 10]), undefined, 0.2).data)).toEqual([
      -2, 10,
    ]);
    expect(Array.from(activate('identity', v).data)).toEqual(Array.from(v.data));
  });

  it('differentiates every activation (central differences)', () => {
    const rng = Rng.create(2, 'act-grad');
    const pre = rng.normalTensor([50], 0, 2);
    for (const kind of ['identity', 'relu', 'leakyRelu', 'tanh', 'atan', 'sigmoid'] as const) {
      const y = activate(kind, pre, undefined, 0.1);
      const dy = Tensor.ones([50]);
      const dx = activateGrad(kind, pre, y, dy, undefined, 0.1);
      for (let i = 0; i < 50; i++) {
        const x0 = pre.data[i];
        if (Math.abs(x0) < 1e-2) continue; // kink of relu / leakyRelu
        const h = 1e-3;
        const f = (t: number) => activate(kind, Tensor.fromArray([t]), undefined, 0.1).data[0];
        expect(dx.data[i]).toBeCloseTo((f(x0 + h) - f(x0 - h)) / (2 * h), 2);
      }
    }
  });
});

describe('reductions', () => {
  const x = Tensor.fromArray([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('sums and averages over all values or an axis', () => {
    expect(sum(x)).toBe(21);
    expect(mean(x)).toBe(3.5);
    expect(Array.from(sum(x, 0).data)).toEqual([5, 7, 9]);
    expect(Array.from(sum(x, 1).data)).toEqual([6, 15]);
    expect(sum(x, -1, { keepDims: true }).shape).toEqual([2, 1]);
    expect(Array.from(mean(x, 0).data)).toEqual([2.5, 3.5, 4.5]);
    expect(() => sum(x, 2)).toThrow('sum: axis 2 is out of range for shape [2,3]');
  });

  it('sums over the middle axis of a 3-d tensor', () => {
    const t = Tensor.fromArray(
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    const s = sum(t, 1);
    expect(s.shape).toEqual([2, 4]);
    expect(s.get(1, 2)).toBe(14 + 18 + 22);
  });

  it('accumulates column sums into an existing tensor (bias gradients)', () => {
    const out = Tensor.fromArray([1, 1, 1]);
    sum(x, 0, { out, accumulate: true });
    expect(Array.from(out.data)).toEqual([6, 8, 10]);
  });

  it('finds max, min, argmax and the norm', () => {
    expect(max(x)).toBe(6);
    expect(min(x)).toBe(1);
    expect(argmax(x)).toBe(5);
    expect(
      Array.from(
        argmax(
          Tensor.fromArray([
            [1, 9, 3],
            [7, 2, 7],
          ]),
          1,
        ),
      ),
    ).toEqual([1, 0]);
    expect(norm(Tensor.fromArray([3, 4]))).toBe(5);
  });

  it('transposes and stacks rows', () => {
    expect(transpose(x).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(concatRows([x, x]).shape).toEqual([4, 3]);
    expect(() => concatRows([x, Tensor.zeros([1, 2])])).toThrow(/do not match/);
  });
});
