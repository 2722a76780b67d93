/**
 * Every reproducible native variant this CPU runs (baseline, AVX2, AVX-512) computes the same bits: the GEMM's
 * paths at the shapes that pick each of them, the vector maths on ordinary and special values, the
 * reductions, the optimiser steps and the convolution kernels. A run's numbers then do not depend on
 * which variant a machine loads (native.test.ts checks each variant against the reference within
 * its bounds; this checks them against each other, exactly).
 */
import { describe, expect, it } from 'vitest';
import { describeWith, twoVariants } from '../../../../test-support/requirements.ts';
import { ACTIVATION_KINDS, type Backend, type BinaryOp, type UnaryOp } from '../backend.ts';
import { Rng } from '../random.ts';
import { loadNativeBackend, loadNativeVariant, missingCpuFeatures, REPRODUCIBLE_VARIANTS } from './native.ts';

const loaded = loadNativeBackend();
const variants = REPRODUCIBLE_VARIANTS.filter((v) => missingCpuFeatures(v).length === 0);
const comparable = twoVariants(loaded.backend === null ? loaded.reason : null, variants);

/** Normal values with a few special ones (±0, ±inf, NaN, subnormals, huge) mixed in. */
function values(rng: Rng, n: number, scale = 1, specials = true): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal(0, scale);
  if (specials) {
    const special = [0, -0, Infinity, -Infinity, Number.NaN, 1e-40, -1e-41, 3e38, -88.5, 89.5, 1e-8];
    for (let i = 0; i < special.length && i * 7 < n; i++) out[i * 7] = special[i];
  }
  return out;
}

const hex = (x: number) => `0x${new Uint32Array(new Float32Array([x]).buffer)[0].toString(16)}`;

/** Runs `compute` with every variant and expects every array it returns to have the same bits. */
function sameOnEveryVariant(what: string, compute: (b: Backend) => (Float32Array | number)[]): void {
  const results = variants.map((v) => compute(loadNativeVariant(v)));
  const first = results[0];
  results.slice(1).forEach((result, r) => {
    result.forEach((out, a) => {
      const expected = first[a];
      const got = typeof out === 'number' ? [out] : out;
      const want = typeof expected === 'number' ? [expected] : expected;
      for (let i = 0; i < got.length; i++) {
        if (hex(got[i]) !== hex(want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i])))
          expect.fail(
            `${what}: output ${a}[${i}] is ${got[i]} (${hex(got[i])}) with ${variants[r + 1]}, ` +
              `${want[i]} (${hex(want[i])}) with ${variants[0]}`,
          );
      }
    });
  });
}

describeWith(comparable, `native variants agree bit for bit (${variants.join(', ')})`, () => {
  describe('gemm, every path', () => {
    // Small k (rank-k updates), small m (x·W unpacked, dot products for dy·Wᵀ), the blocked path
    // with edge tiles and several k-blocks, and shapes that are not multiples of any vector width.
    const shapes: [number, number, number][] = [
      [1, 784, 3],
      [64, 300, 1],
      [1, 256, 100],
      [7, 129, 785],
      [48, 1024, 256],
      [1, 784, 1024],
      [8, 100, 37],
      [5, 33, 1001],
      [64, 784, 1024],
      [100, 70, 600],
      [257, 19, 513],
    ];
    for (const [m, n, k] of shapes) {
      it(`[${m},${k}]x[${k},${n}], every transpose form, accumulate off and on`, () => {
        const rng = Rng.create(m * 7919 + n * 31 + k, 'variants-gemm');
        const a = values(rng, m * k, 1, false);
        const b = values(rng, k * n, 0.05, false);
        const c0 = values(rng, m * n, 1, false);
        for (const transA of [false, true])
          for (const transB of [false, true])
            sameOnEveryVariant(`gemm transA=${transA} transB=${transB}`, (be) => {
              const plain = new Float32Array(m * n);
              be.gemm(a, b, plain, m, n, k, transA, transB, false);
              const acc = c0.slice();
              be.gemm(a, b, acc, m, n, k, transA, transB, true);
              return [plain, acc];
            });
      });
    }
  });

  it('the vector maths (exp, log, sqrt, tanh, atan, sigmoid) on ordinary and special values', () => {
    const rng = Rng.create(5, 'variants-math');
    const x = values(rng, 4099, 6);
    for (const op of ['exp', 'log', 'sqrt', 'neg', 'abs', 'square', 'sign'] as UnaryOp[])
      sameOnEveryVariant(`unary ${op}`, (be) => {
        const out = new Float32Array(x.length);
        be.unary(op, x, out, x.length);
        return [out];
      });
    for (const kind of ACTIVATION_KINDS)
      sameOnEveryVariant(`activation ${kind} and its gradient`, (be) => {
        const y = new Float32Array(x.length);
        be.activation(kind, x, y, x.length, 0.2);
        const dx = new Float32Array(x.length);
        be.activationGrad(
          kind,
          x,
          y,
          x.map((v) => v * 0.5),
          dx,
          x.length,
          0.2,
        );
        return [y, dx];
      });
  });

  it('binary ops, broadcasting and scalars', () => {
    const rng = Rng.create(6, 'variants-binary');
    const [rows, cols] = [37, 129];
    const a = values(rng, rows * cols);
    const b = values(rng, rows * cols);
    const row = values(rng, cols);
    for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as BinaryOp[])
      sameOnEveryVariant(`binary ${op}`, (be) => {
        const o1 = new Float32Array(a.length);
        be.binary(op, a, b, o1, a.length);
        const o2 = new Float32Array(a.length);
        be.binaryRow(op, a, row, o2, rows, cols);
        const o3 = new Float32Array(a.length);
        be.binaryScalar(op, a, 0.1, o3, a.length);
        return [o1, o2, o3];
      });
  });

  it('reductions: sums along and across, and sums of squares', () => {
    const rng = Rng.create(8, 'variants-reduce');
    const x = values(rng, 3 * 257 * 65, 1, false);
    sameOnEveryVariant('sumAxis and sumSquares', (be) => {
      const along = new Float32Array(3 * 257);
      be.sumAxis(x, along, 3 * 257, 65, 1, false);
      const across = new Float32Array(3 * 65);
      be.sumAxis(x, across, 3, 257, 65, false);
      return [along, across, be.sumSquares(x, x.length)];
    });
  });

  it('adam and sgd steps', () => {
    const rng = Rng.create(9, 'variants-optim');
    const n = 1000 + 13;
    const p0 = values(rng, n, 1, false);
    const grads = Array.from({ length: 5 }, () => values(rng, n, 0.1, false));
    sameOnEveryVariant('adam, 5 steps', (be) => {
      const [p, m, v] = [p0.slice(), new Float32Array(n), new Float32Array(n)];
      grads.forEach((g, t) => {
        const args = {
          lr: 2e-4,
          beta1: 0.5,
          beta2: 0.999,
          eps: 1e-8,
          c1: 1 - 0.5 ** (t + 1),
          c2: 1 - 0.999 ** (t + 1),
        };
        be.adam(p, g, m, v, n, args);
      });
      return [p, m, v];
    });
    sameOnEveryVariant('sgd with nesterov momentum, 5 steps', (be) => {
      const [p, buf] = [p0.slice(), new Float32Array(n)];
      for (const g of grads) be.sgd(p, g, buf, n, 0.01, 0.9, true);
      return [p, buf];
    });
  });

  it('baseline-fast does not (a multiply and an add where the others fuse): this test tells', () => {
    const rng = Rng.create(12, 'variants-fast');
    const [m, n, k] = [4, 64, 300];
    const a = values(rng, m * k, 1, false);
    const b = values(rng, k * n, 1, false);
    const product = (variant: 'baseline' | 'baseline-fast') => {
      const c = new Float32Array(m * n);
      loadNativeVariant(variant).gemm(a, b, c, m, n, k, false, false, false);
      return c;
    };
    const [exact, fast] = [product('baseline'), product('baseline-fast')];
    expect(exact.some((v, i) => hex(v) !== hex(fast[i]))).toBe(true);
  });

  it('convolution layout and per-channel statistics', () => {
    const rng = Rng.create(10, 'variants-conv');
    const [n, c, h, w, kh, kw, s, pad] = [3, 5, 14, 14, 4, 4, 2, 1];
    const oh = Math.floor((h + 2 * pad - kh) / s) + 1;
    const ow = Math.floor((w + 2 * pad - kw) / s) + 1;
    const x = values(rng, n * c * h * w, 1, false);
    const cols = values(rng, c * kh * kw * n * oh * ow, 1, false);
    sameOnEveryVariant('im2col, col2im, swapAxes, channel statistics', (be) => {
      const im = new Float32Array(c * kh * kw * n * oh * ow);
      be.im2col(x, im, n, c, h, w, kh, kw, s, s, pad, pad, oh, ow);
      const back = new Float32Array(x.length);
      be.col2im(cols, back, n, c, h, w, kh, kw, s, s, pad, pad, oh, ow, false);
      const swapped = new Float32Array(x.length);
      be.swapAxes(x, swapped, n, c, h * w);
      const [mean, variance] = [new Float32Array(c), new Float32Array(c)];
      be.channelMoments(x, mean, variance, n, c, h * w);
      return [im, back, swapped, mean, variance];
    });
  });
});
