import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../../test-support/requirements.ts';
import { BatchNorm, type BatchNormOptions } from './batch-norm.ts';
import { expectLayerGradsClose } from './gradcheck.test-util.ts';
import { Linear } from './linear.ts';
import { zeroGrad } from './parameter.ts';
import { Sequential } from './sequential.ts';
import { expectClose, runTorch, TORCH_TOL, torch } from './torch.test-util.ts';

const rng = Rng.create(0, 'batch-norm-test');

/** A layer with γ and β drawn away from 1 and 0, so that tests see them. */
function make(opts: BatchNormOptions): BatchNorm {
  const bn = new BatchNorm(opts, 'bn');
  bn.weight?.value.data.set(rng.normalTensor([opts.features], 1, 0.5).data);
  bn.bias?.value.data.set(rng.normalTensor([opts.features]).data);
  return bn;
}

/** Inputs with a mean and a spread far from 0 and 1. */
function input(bn: BatchNorm, n: number): Tensor {
  return rng.normalTensor([n, bn.features * bn.spatial], 0.5, 2);
}

/** Per channel of rows [start, end) of `x: [N, C·S]`: the mean and the biased variance, in float64. */
function moments(
  x: Tensor,
  c: number,
  s: number,
  start: number,
  end: number,
): { mean: number[]; variance: number[] } {
  const mean = [];
  const variance = [];
  for (let ch = 0; ch < c; ch++) {
    const v: number[] = [];
    for (let r = start; r < end; r++) for (let k = 0; k < s; k++) v.push(x.data[(r * c + ch) * s + k]);
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    mean.push(mu);
    variance.push(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length);
  }
  return { mean, variance };
}

describe('BatchNorm', () => {
  it('normalises each channel of each segment to mean 0 and variance 1, then scales by γ and shifts by β', () => {
    const bn = new BatchNorm({ features: 3, spatial: 4, segmentRows: 3 });
    const x = input(bn, 6);
    const y = bn.forward(x);
    for (const [start, end] of [
      [0, 3],
      [3, 6],
    ]) {
      const { mean, variance } = moments(y, 3, 4, start, end);
      mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
      variance.forEach((v) => expect(v).toBeCloseTo(1, 3)); // 1 - eps / σ²
    }
    const ab = make({ features: 1 });
    ab.weight!.value.data[0] = 2;
    ab.bias!.value.data[0] = -1;
    // x = 1, 3: μ 2, σ² 1, xh = ∓1/sqrt(1 + 1e-5), y = 2xh - 1.
    const xh = 1 / Math.sqrt(1 + 1e-5);
    const got = Array.from(ab.forward(Tensor.fromArray([[1], [3]])).data);
    expect(got[0]).toBeCloseTo(-2 * xh - 1, 6);
    expect(got[1]).toBeCloseTo(2 * xh - 1, 6);
  });

  it('moves the running statistics once per segment, with the unbiased variance, and counts the segments', () => {
    const bn = new BatchNorm({ features: 2, spatial: 3, momentum: 0.25, segmentRows: 2 });
    const x = input(bn, 4);
    bn.forward(x);
    let mean = [0, 0];
    let variance = [1, 1];
    for (const start of [0, 2]) {
      const m = moments(x, 2, 3, start, start + 2);
      mean = mean.map((r, ch) => 0.75 * r + 0.25 * m.mean[ch]);
      variance = variance.map((r, ch) => 0.75 * r + (0.25 * m.variance[ch] * 6) / 5);
    }
    mean.forEach((v, ch) => expect(bn.runningMean.data[ch]).toBeCloseTo(v, 6));
    variance.forEach((v, ch) => expect(bn.runningVar.data[ch]).toBeCloseTo(v, 5));
    expect(bn.numBatchesTracked.data[0]).toBe(2);
    expect(bn.buffers().map((b) => [b.name, b.value.shape])).toEqual([
      ['batchNorm.running_mean', [2]],
      ['batchNorm.running_var', [2]],
      ['batchNorm.num_batches_tracked', [1]],
    ]);
    expect(bn.parameters().map((p) => [p.name, Array.from(p.value.data)])).toEqual([
      ['batchNorm.weight', [1, 1]],
      ['batchNorm.bias', [0, 0]],
    ]);
  });

  it('uses the running statistics in evaluation, updating nothing, and resets to PyTorch’s initial state', () => {
    const bn = make({ features: 2, spatial: 2 });
    for (let i = 0; i < 3; i++) bn.forward(input(bn, 4));
    bn.setTraining(false);
    const before = [...bn.buffers().map((b) => Array.from(b.value.data))];
    const x = input(bn, 1); // one row: fine in evaluation
    const y = bn.forward(x);
    expect(bn.buffers().map((b) => Array.from(b.value.data))).toEqual(before);
    for (let ch = 0; ch < 2; ch++)
      for (let k = 0; k < 2; k++) {
        const xhat =
          (x.data[ch * 2 + k] - bn.runningMean.data[ch]) / Math.sqrt(bn.runningVar.data[ch] + 1e-5);
        expect(y.data[ch * 2 + k]).toBeCloseTo(bn.weight!.value.data[ch] * xhat + bn.bias!.value.data[ch], 5);
      }
    bn.resetParameters();
    expect(bn.buffers().map((b) => Array.from(b.value.data))).toEqual([[0, 0], [1, 1], [0]]);
    expect(bn.parameters().map((p) => Array.from(p.value.data))).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  it('gives a batch in segments what separate calls on each segment give', () => {
    const whole = make({ features: 3, spatial: 2, segmentRows: 4 });
    const apart = make({ features: 3, spatial: 2 });
    apart.weight!.value.data.set(whole.weight!.value.data);
    apart.bias!.value.data.set(whole.bias!.value.data);
    const x = input(whole, 8);
    const y = Float32Array.from(whole.forward(x).data);
    const top = Array.from(apart.forward(x.rows(0, 4)).data);
    const bottom = Array.from(apart.forward(x.rows(4, 8)).data);
    expect(Array.from(y)).toEqual([...top, ...bottom]);
    expect(whole.buffers().map((b) => Array.from(b.value.data))).toEqual(
      apart.buffers().map((b) => Array.from(b.value.data)),
    );
  });

  it.each<[string, BatchNormOptions, number, boolean]>([
    ['BatchNorm1d in training, 2 segments', { features: 3, segmentRows: 3 }, 6, true],
    ['BatchNorm2d (2x3) in training, 2 segments', { features: 2, spatial: 6, segmentRows: 2 }, 4, true],
    [
      'BatchNorm2d (3x1) in training, no affine, 2 segments',
      { features: 3, spatial: 3, affine: false, segmentRows: 2 },
      4,
      true,
    ],
    ['BatchNorm1d in evaluation', { features: 3, segmentRows: 3 }, 5, false],
    ['BatchNorm2d (5x7) in evaluation', { features: 2, spatial: 35 }, 3, false],
  ])('%s: gradients w.r.t. input, γ and β match finite differences', (what, opts, n, training) => {
    const bn = make({ ...opts, momentum: 0.5 });
    for (let i = 0; i < 3; i++) bn.forward(input(bn, 6)); // running statistics away from 0 and 1
    bn.setTraining(training);
    expectLayerGradsClose(what, bn, input(bn, n), rng, { h: 5e-3, tol: 2e-3 });
  });

  it('returns dx without touching γ and β when asked, and accumulates their gradients', () => {
    for (const training of [true, false]) {
      const bn = make({ features: 2, spatial: 3, segmentRows: 2 });
      bn.setTraining(training);
      const x = input(bn, 4);
      bn.forward(x);
      const dy = rng.normalTensor([4, 6]);
      zeroGrad(bn.parameters());
      const dx = Array.from(bn.backward(dy)!.data);
      const once = bn.parameters().map((p) => Array.from(p.grad.data));
      expect(once.flat().some((g) => g !== 0)).toBe(true);
      zeroGrad(bn.parameters());
      expect(Array.from(bn.backward(dy, { paramGrads: false })!.data)).toEqual(dx);
      for (const p of bn.parameters()) expect(p.grad.data.every((g) => g === 0)).toBe(true);
      expect(bn.backward(dy, { inputGrad: false })).toBeNull();
      bn.backward(dy, { inputGrad: false });
      bn.parameters().forEach((p, k) =>
        p.grad.data.forEach((g, i) => expect(g).toBeCloseTo(2 * once[k][i], 5)),
      );
    }
  });

  it('reuses its output and input-gradient tensors for a batch size seen before', () => {
    const bn = make({ features: 3, spatial: 4, segmentRows: 4 });
    const y = bn.forward(input(bn, 8));
    const dx = bn.backward(rng.normalTensor(y.shape))!;
    bn.forward(input(bn, 4));
    bn.backward(rng.normalTensor([4, 12]));
    const x = input(bn, 8);
    expect(bn.forward(x)).toBe(y);
    expect(bn.backward(rng.normalTensor(y.shape))).toBe(dx);
    bn.setTraining(false);
    expect(bn.forward(x)).toBe(y);
    expect(bn.backward(rng.normalTensor(y.shape))).toBe(dx);
  });

  it('is switched by Sequential.setTraining', () => {
    const bn = new BatchNorm({ features: 4 });
    const net = new Sequential([new Linear(3, 4), bn]);
    net.setTraining(false);
    expect(bn.training).toBe(false);
    net.setTraining(true);
    expect(bn.training).toBe(true);
  });

  it('refuses bad options, shapes and single-value training statistics, naming the layer', () => {
    expect(() => new BatchNorm({ features: 0 }, 'd.1')).toThrow(
      'BatchNorm d.1: features must be an integer >= 1, got 0',
    );
    expect(() => new BatchNorm({ features: 2, spatial: 0 })).toThrow(
      /spatial must be an integer >= 1, got 0/,
    );
    expect(() => new BatchNorm({ features: 2, momentum: 1.5 })).toThrow(
      /momentum must be in \[0, 1\], got 1.5/,
    );
    expect(() => new BatchNorm({ features: 2, eps: 0 })).toThrow(/eps must be a number > 0, got 0/);
    expect(() => new BatchNorm({ features: 2, segmentRows: 0 })).toThrow(
      /segmentRows must be an integer >= 1, got 0/,
    );
    const bn = new BatchNorm({ features: 2, spatial: 3, segmentRows: 4 }, 'd.1');
    expect(() => bn.forward(Tensor.zeros([4, 5]))).toThrow(
      'BatchNorm d.1: input shape [4,5] does not match [batch,6] (2 channels x 3)',
    );
    expect(() => bn.forward(Tensor.zeros([6, 6]))).toThrow(
      'BatchNorm d.1: a batch of 6 rows does not split into segments of 4 rows',
    );
    expect(() => bn.backward(Tensor.zeros([4, 6]))).toThrow(/backward before forward/);
    bn.forward(Tensor.zeros([4, 6]));
    expect(() => bn.backward(Tensor.zeros([4, 5]))).toThrow(
      'BatchNorm d.1: gradient shape [4,5] does not match the output [4,6]',
    );
    expect(() => new BatchNorm({ features: 2 }, 'd.1').forward(Tensor.zeros([1, 2]))).toThrow(
      'BatchNorm d.1: training needs more than 1 value per channel, got segments of 1 row(s) x 1',
    );
    const bn1 = new BatchNorm({ features: 2 });
    bn1.setTraining(false);
    expect(bn1.forward(Tensor.zeros([1, 2])).shape).toEqual([1, 2]);
  });
});

/**
 * nn.BatchNorm1d / nn.BatchNorm2d in float64 with our γ and β, called once per segment in training.
 * Each step: the output, the gradients for an upstream r, and the buffers after it.
 */
const TORCH_BN = `
import json, sys, torch
t = lambda v: torch.tensor(v, dtype=torch.float64)
res = []
for a in json.load(sys.stdin):
    c = a['features']
    cls = torch.nn.BatchNorm1d if a['hw'] is None else torch.nn.BatchNorm2d
    bn = cls(c, eps=a['eps'], momentum=a['momentum'], affine=a['affine']).double()
    if a['affine']:
        with torch.no_grad():
            bn.weight.copy_(t(a['gamma']))
            bn.bias.copy_(t(a['beta']))
    shape = [-1, c] if a['hw'] is None else [-1, c] + a['hw']
    steps = []
    for s in a['steps']:
        bn.train(s['training'])
        bn.zero_grad()
        x = t(s['x']).reshape(shape).requires_grad_()
        n = x.shape[0]
        seg = n if a['segmentRows'] is None or not s['training'] else min(a['segmentRows'], n)
        y = torch.cat([bn(x[i:i + seg]) for i in range(0, n, seg)])
        (y * t(s['r']).reshape(y.shape)).sum().backward()
        steps.append({'y': y.detach().flatten().tolist(), 'dx': x.grad.flatten().tolist(),
                      'dw': bn.weight.grad.tolist() if a['affine'] else None,
                      'db': bn.bias.grad.tolist() if a['affine'] else None,
                      'mean': bn.running_mean.tolist(), 'var': bn.running_var.tolist(),
                      'count': int(bn.num_batches_tracked)})
    res.append(steps)
print(json.dumps(res))
`;

interface TorchStep {
  y: number[];
  dx: number[];
  dw: number[] | null;
  db: number[] | null;
  mean: number[];
  var: number[];
  count: number;
}

describeWith(torch, 'BatchNorm against PyTorch', () => {
  it('gives the same outputs, gradients and running statistics over 3 training steps, then in eval()', () => {
    const specs: { what: string; opts: BatchNormOptions; hw: [number, number] | null; n: number }[] = [
      { what: 'BatchNorm1d 5, 2 segments', opts: { features: 5, segmentRows: 4 }, hw: null, n: 8 },
      { what: 'BatchNorm1d 4, one segment', opts: { features: 4, momentum: 0.3 }, hw: null, n: 6 },
      {
        what: 'BatchNorm2d 3 on 2x3, no affine, eps 1e-3, 2 segments',
        opts: { features: 3, spatial: 6, segmentRows: 3, affine: false, eps: 1e-3 },
        hw: [2, 3],
        n: 6,
      },
      {
        what: 'BatchNorm2d 2 on 5x7, 3 segments',
        opts: { features: 2, spatial: 35, segmentRows: 1 },
        hw: [5, 7],
        n: 3,
      },
      // DCGAN's (MNIST): after D's second conv, and after G's first Linear (128·7·7 features).
      {
        what: 'BatchNorm2d 64 on 14x14, 2 segments',
        opts: { features: 64, spatial: 196, segmentRows: 2 },
        hw: [14, 14],
        n: 4,
      },
      { what: 'BatchNorm1d 6272', opts: { features: 6272 }, hw: null, n: 4 },
    ];
    const cases = specs.map((c) => ({ ...c, bn: make(c.opts) }));
    const runs = cases.map(({ bn, n }) =>
      [true, true, true, false].map((training) => ({
        training,
        x: input(bn, n),
        r: rng.normalTensor([n, bn.features * bn.spatial]),
      })),
    );
    const want = runTorch<TorchStep[][]>(
      TORCH_BN,
      cases.map(({ bn, hw }, k) => ({
        features: bn.features,
        hw,
        eps: bn.eps,
        momentum: bn.momentum,
        affine: bn.affine,
        segmentRows: Number.isFinite(bn.segmentRows) ? bn.segmentRows : null,
        gamma: bn.weight === null ? null : Array.from(bn.weight.value.data),
        beta: bn.bias === null ? null : Array.from(bn.bias.value.data),
        steps: runs[k].map((s) => ({
          training: s.training,
          x: Array.from(s.x.data),
          r: Array.from(s.r.data),
        })),
      })),
    );
    cases.forEach(({ what, bn }, k) => {
      runs[k].forEach((s, i) => {
        const step = `${what}, ${s.training ? `training step ${i + 1}` : 'eval'}`;
        const w = want[k][i];
        bn.setTraining(s.training);
        zeroGrad(bn.parameters());
        expectClose(`${step}: y`, bn.forward(s.x).data, w.y, TORCH_TOL);
        expectClose(`${step}: dx`, bn.backward(s.r)!.data, w.dx, TORCH_TOL);
        expect(w.dw === null, step).toBe(!bn.affine);
        if (bn.weight !== null && bn.bias !== null) {
          expectClose(`${step}: dγ`, bn.weight.grad.data, w.dw!, TORCH_TOL);
          expectClose(`${step}: dβ`, bn.bias.grad.data, w.db!, TORCH_TOL);
        }
        expectClose(`${step}: running_mean`, bn.runningMean.data, w.mean, TORCH_TOL);
        expectClose(`${step}: running_var`, bn.runningVar.data, w.var, TORCH_TOL);
        expect(bn.numBatchesTracked.data[0], `${step}: num_batches_tracked`).toBe(w.count);
      });
    });
  }, 120_000);
});
