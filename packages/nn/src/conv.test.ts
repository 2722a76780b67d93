import { Rng, Tensor, type FloatArray } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../../test-support/requirements.ts';
import {
  Conv2d,
  type Conv2dOptions,
  ConvTranspose2d,
  type ConvTranspose2dOptions,
  conv2dOutputSize,
  convTranspose2dOutputSize,
} from './conv.ts';
import { dotLoss, expectLayerGradsClose } from './gradcheck.test-util.ts';
import { zeroGrad } from './parameter.ts';
import { expectClose, runTorch, TORCH_TOL, torch } from './torch.test-util.ts';

const rng = Rng.create(0, 'conv-test');

type ConvLayer = Conv2d | ConvTranspose2d;

interface Case {
  transposed: boolean;
  opts: ConvTranspose2dOptions;
  n: number;
}

/** A layer with He-normal weights and a nonzero bias (so that every test sees the bias). */
function make({ transposed, opts }: Case): ConvLayer {
  const layer = transposed ? new ConvTranspose2d(opts, 'c') : new Conv2d(opts, 'c');
  layer.resetParameters(rng, { scheme: 'he-normal' });
  layer.bias?.value.data.set(rng.normalTensor([opts.outChannels]).data);
  return layer;
}

function input(layer: ConvLayer, n: number): Tensor {
  const { channels, height, width } = layer.inputShape;
  return rng.normalTensor([n, channels * height * width]);
}

const conv = (opts: Conv2dOptions, n = 2): Case => ({ transposed: false, opts, n });
const convT = (opts: ConvTranspose2dOptions, n = 2): Case => ({ transposed: true, opts, n });

/** Small odd shapes: non-square images and kernels, channels 1..3, kernels 3..5, strides 1..3. */
const SMALL: Case[] = [
  conv({ inChannels: 1, outChannels: 2, kernel: 3, input: { height: 5, width: 7 } }),
  conv({
    inChannels: 2,
    outChannels: 3,
    kernel: [4, 3],
    stride: [2, 1],
    padding: [1, 2],
    input: { height: 5, width: 7 },
  }),
  conv(
    {
      inChannels: 3,
      outChannels: 2,
      kernel: 4,
      stride: 2,
      padding: 1,
      bias: false,
      input: { height: 6, width: 5 },
    },
    3,
  ),
  conv({ inChannels: 2, outChannels: 1, kernel: 5, stride: 3, padding: 2, input: { height: 7, width: 8 } }),
  convT({ inChannels: 2, outChannels: 3, kernel: 3, input: { height: 3, width: 4 } }),
  convT({
    inChannels: 3,
    outChannels: 2,
    kernel: 4,
    stride: 2,
    padding: 1,
    outputPadding: 1,
    input: { height: 3, width: 2 },
  }),
  convT(
    {
      inChannels: 1,
      outChannels: 2,
      kernel: 5,
      stride: 3,
      padding: 2,
      outputPadding: [1, 2],
      bias: false,
      input: { height: 2, width: 3 },
    },
    3,
  ),
  convT({
    inChannels: 2,
    outChannels: 1,
    kernel: [3, 4],
    stride: [2, 3],
    padding: [1, 0],
    outputPadding: [1, 2],
    input: { height: 4, width: 3 },
  }),
];

function describeCase({ transposed, opts, n }: Case): string {
  const { channels, height, width } = { channels: opts.inChannels, ...opts.input };
  const extra = transposed ? ` op ${opts.outputPadding ?? 0}` : '';
  return (
    `${transposed ? 'ConvTranspose2d' : 'Conv2d'} ${channels}->${opts.outChannels} k ${opts.kernel} ` +
    `s ${opts.stride ?? 1} p ${opts.padding ?? 0}${extra} on ${n}x${height}x${width}${opts.bias === false ? ', no bias' : ''}`
  );
}

/** The sums of the doc comments as direct loops: Conv2d reads its taps, ConvTranspose2d scatters. */
function direct(layer: ConvLayer, x: Tensor): Float64Array {
  const n = x.shape[0];
  const { channels: c, height: h, width: w } = layer.inputShape;
  const { channels: o, height: oh, width: ow } = layer.outputShape;
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [ph, pw] = layer.padding;
  const wt = layer.weight.value.data;
  const y = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < o; co++) {
      const bias = layer.bias?.value.data[co] ?? 0;
      for (let k = 0; k < oh * ow; k++) y[(b * o + co) * oh * ow + k] = bias;
    }
  }
  if (layer instanceof Conv2d) {
    for (let b = 0; b < n; b++)
      for (let co = 0; co < o; co++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ci = 0; ci < c; ci++)
              for (let u = 0; u < kh; u++)
                for (let v = 0; v < kw; v++) {
                  const yy = i * sh - ph + u;
                  const xx = j * sw - pw + v;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  y[((b * o + co) * oh + i) * ow + j] +=
                    wt[((co * c + ci) * kh + u) * kw + v] * x.data[((b * c + ci) * h + yy) * w + xx];
                }
  } else {
    for (let b = 0; b < n; b++)
      for (let ci = 0; ci < c; ci++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++)
            for (let co = 0; co < o; co++)
              for (let u = 0; u < kh; u++)
                for (let v = 0; v < kw; v++) {
                  const yy = i * sh - ph + u;
                  const xx = j * sw - pw + v;
                  if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
                  y[((b * o + co) * oh + yy) * ow + xx] +=
                    wt[((ci * o + co) * kh + u) * kw + v] * x.data[((b * c + ci) * h + i) * w + j];
                }
  }
  return y;
}

describe('conv output sizes', () => {
  it.each([
    // size, kernel, stride, padding -> PyTorch's Conv2d output
    [28, 4, 2, 1, 14],
    [14, 4, 2, 1, 7],
    [5, 3, 1, 0, 3],
    [7, 5, 3, 2, 3],
    [6, 4, 2, 1, 3],
    [3, 4, 1, 0, 0],
  ])('Conv2d: size %i, kernel %i, stride %i, padding %i -> %i', (size, k, s, p, want) => {
    expect(conv2dOutputSize(size, k, s, p)).toBe(want);
  });

  it.each([
    // size, kernel, stride, padding, outputPadding -> PyTorch's ConvTranspose2d output
    [7, 4, 2, 1, 0, 14],
    [14, 4, 2, 1, 0, 28],
    [3, 4, 2, 1, 1, 7],
    [2, 5, 3, 2, 1, 5],
    [3, 3, 1, 0, 0, 5],
  ])(
    'ConvTranspose2d: size %i, kernel %i, stride %i, padding %i, outputPadding %i -> %i',
    (size, k, s, p, op, want) => {
      expect(convTranspose2dOutputSize(size, k, s, p, op)).toBe(want);
    },
  );
});

describe('Conv2d and ConvTranspose2d', () => {
  it('have PyTorch-shaped, named parameters and their input and output geometry', () => {
    const c = new Conv2d(
      { inChannels: 1, outChannels: 64, kernel: 4, stride: 2, padding: 1, input: { height: 28, width: 28 } },
      'd.0',
    );
    expect(c.weight.value.shape).toEqual([64, 1, 4, 4]);
    expect(c.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ['d.0.weight', [64, 1, 4, 4]],
      ['d.0.bias', [64]],
    ]);
    expect(c.inputShape).toEqual({ channels: 1, height: 28, width: 28 });
    expect(c.outputShape).toEqual({ channels: 64, height: 14, width: 14 });
    const t = new ConvTranspose2d(
      {
        inChannels: 128,
        outChannels: 64,
        kernel: 4,
        stride: 2,
        padding: 1,
        bias: false,
        input: { height: 7, width: 7 },
      },
      'g.1',
    );
    expect(t.parameters().map((p) => [p.name, p.value.shape])).toEqual([['g.1.weight', [128, 64, 4, 4]]]);
    expect(t.bias).toBeNull();
    expect(t.outputShape).toEqual({ channels: 64, height: 14, width: 14 });
  });

  it('compute the sums of their doc comments (direct loops, no im2col)', () => {
    for (const c of SMALL) {
      const layer = make(c);
      const x = input(layer, c.n);
      const y = layer.forward(x);
      expect(y.shape).toEqual([
        c.n,
        layer.outputShape.channels * layer.outputShape.height * layer.outputShape.width,
      ]);
      expectClose(describeCase(c), y.data, direct(layer, x), 1e-6);
    }
  });

  it('convolve a small image as worked by hand', () => {
    // 1x3x3 image 1..9, 2x2 kernel [[1, 0], [0, -1]], bias 10: y = x[i,j] - x[i+1,j+1] + 10 = 6.
    const c = new Conv2d({ inChannels: 1, outChannels: 1, kernel: 2, input: { height: 3, width: 3 } });
    c.weight.value.data.set([1, 0, 0, -1]);
    c.bias!.value.data[0] = 10;
    expect(Array.from(c.forward(Tensor.fromArray([[1, 2, 3, 4, 5, 6, 7, 8, 9]])).data)).toEqual([6, 6, 6, 6]);
    // Its transpose scatters each input pixel through the kernel: a 1 at the corner of a 2x2 input.
    const t = new ConvTranspose2d({
      inChannels: 1,
      outChannels: 1,
      kernel: 2,
      input: { height: 2, width: 2 },
    });
    t.weight.value.data.set([1, 2, 3, 4]);
    expect(Array.from(t.forward(Tensor.fromArray([[0, 0, 0, 1]])).data)).toEqual([0, 0, 0, 0, 1, 2, 0, 3, 4]);
  });

  it('are adjoint: <conv(x), y> = <x, convT(y)> with the same weight', () => {
    const opts = {
      inChannels: 2,
      outChannels: 3,
      kernel: 3,
      stride: 2,
      padding: 1,
      bias: false,
      input: { height: 5, width: 6 },
    };
    const c = new Conv2d(opts);
    c.resetParameters(rng, { scheme: 'he-normal' });
    const { height, width } = c.outputShape; // 3x3; output padding [0, 1] maps 3x3 back to 5x6
    const t = new ConvTranspose2d({
      ...opts,
      inChannels: 3,
      outChannels: 2,
      outputPadding: [0, 1],
      input: { height, width },
    });
    expect(t.outputShape).toEqual(c.inputShape);
    t.weight.value.data.set(c.weight.value.data);
    const x = input(c, 2);
    const y = input(t, 2);
    const lhs = dotLoss(c.forward(x).data, y.data);
    const rhs = dotLoss(t.forward(y).data, x.data);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * Math.abs(lhs));
  });

  it('give the rows and columns of the output padding only the bias when the padding is 0', () => {
    const t = new ConvTranspose2d({
      inChannels: 2,
      outChannels: 2,
      kernel: 3,
      stride: 2,
      outputPadding: 1,
      input: { height: 2, width: 3 },
    });
    t.resetParameters(rng, { scheme: 'he-normal' });
    t.bias!.value.data.set([0.5, -2]);
    expect(t.outputShape).toEqual({ channels: 2, height: 6, width: 8 });
    const y = t.forward(input(t, 2));
    for (let b = 0; b < 2; b++)
      for (let o = 0; o < 2; o++) {
        for (let i = 0; i < 6; i++) expect(y.data[((b * 2 + o) * 6 + i) * 8 + 7]).toBe(t.bias!.value.data[o]);
        for (let j = 0; j < 8; j++) expect(y.data[((b * 2 + o) * 6 + 5) * 8 + j]).toBe(t.bias!.value.data[o]);
      }
  });

  for (const c of SMALL) {
    it(`${describeCase(c)}: gradients w.r.t. input, weight and bias match finite differences`, () => {
      const layer = make(c);
      expectLayerGradsClose(describeCase(c), layer, input(layer, c.n), rng, { h: 5e-3, tol: 2e-3 });
    });
  }

  it('accumulate parameter gradients, and can skip them or the input gradient', () => {
    for (const c of [SMALL[1], SMALL[5]]) {
      const layer = make(c);
      const x = input(layer, 2);
      const dy = rng.normalTensor(layer.forward(x).shape);
      zeroGrad(layer.parameters());
      const dx = Float32Array.from(layer.backward(dy)!.data);
      const once = layer.parameters().map((p) => Float32Array.from(p.grad.data));
      layer.backward(dy);
      layer.parameters().forEach((p, k) => {
        p.grad.data.forEach((g, i) => expect(g).toBeCloseTo(2 * once[k][i], 5));
      });
      zeroGrad(layer.parameters());
      expect(Array.from(layer.backward(dy, { paramGrads: false })!.data)).toEqual(Array.from(dx));
      for (const p of layer.parameters()) expect(p.grad.data.every((g) => g === 0)).toBe(true);
      expect(layer.backward(dy, { inputGrad: false })).toBeNull();
      layer.parameters().forEach((p, k) => expect(Array.from(p.grad.data)).toEqual(Array.from(once[k])));
    }
  });

  it('reuse their output and input-gradient tensors for a batch size seen before', () => {
    for (const c of [SMALL[0], SMALL[4]]) {
      const layer = make(c);
      const x = input(layer, 4);
      const y = layer.forward(x);
      const dx = layer.backward(y)!;
      const y8 = layer.forward(input(layer, 8));
      expect(y8).not.toBe(y);
      layer.backward(y8);
      const x2 = input(layer, 4);
      expect(layer.forward(x2)).toBe(y);
      expect(layer.backward(rng.normalTensor(y.shape))).toBe(dx);
      // The scratch of the larger batch serves the smaller one: the result is still right.
      expectClose('after a larger batch', layer.forward(x2).data, direct(layer, x2), 1e-6);
    }
  });

  it('refuse sizes that do not fit, naming the layer', () => {
    const base = { inChannels: 1, outChannels: 1, kernel: 3, input: { height: 5, width: 5 } };
    expect(() => new Conv2d({ ...base, kernel: 6 }, 'd.0')).toThrow(
      'Conv2d d.0: the output height would be 0 (input 5, kernel 6, stride 1, padding 0): the kernel does not fit',
    );
    expect(() => new Conv2d({ ...base, padding: [0, 3] }, 'd.0')).toThrow(
      'Conv2d d.0: padding 3 must be smaller than the kernel 3 (width)',
    );
    expect(() => new Conv2d({ ...base, inChannels: 0 })).toThrow(/inChannels must be an integer >= 1, got 0/);
    expect(() => new Conv2d({ ...base, stride: 0 })).toThrow(
      /stride must be an integer >= 1 or a pair of them, got 0/,
    );
    expect(() => new Conv2d({ ...base, kernel: [3, 2.5] })).toThrow(/kernel must be .*, got \[3,2.5\]/);
    expect(() => new Conv2d({ ...base, input: { height: 5, width: 0 } })).toThrow(
      /input width must be an integer >= 1/,
    );
    expect(() => new ConvTranspose2d({ ...base, stride: 2, outputPadding: 2 }, 'g.3')).toThrow(
      'ConvTranspose2d g.3: outputPadding 2 must be smaller than the stride 2 (height)',
    );
    expect(() => new ConvTranspose2d({ ...base, kernel: 2, padding: 2 }, 'g.3')).toThrow(
      /ConvTranspose2d g.3: padding 2 must be smaller than the kernel 2 \(height\): some inputs would reach no output/,
    );
    expect(
      () => new ConvTranspose2d({ ...base, kernel: 3, padding: 2, input: { height: 1, width: 1 } }, 'g.3'),
    ).toThrow(
      'ConvTranspose2d g.3: the output height would be -1 (input 1, kernel 3, stride 1, padding 2): ' +
        'the padding crops all of it',
    );
    const c = new Conv2d(base, 'd.0');
    expect(() => c.forward(Tensor.zeros([2, 24]))).toThrow(
      'Conv2d d.0: input shape [2,24] does not match [batch,25] (1x5x5 images)',
    );
    c.forward(Tensor.zeros([2, 25]));
    expect(() => c.backward(Tensor.zeros([2, 10]))).toThrow(
      'Conv2d d.0: gradient shape [2,10] does not match the output [2,9] (1x3x3 images)',
    );
    expect(() => new ConvTranspose2d(base).backward(Tensor.zeros([1, 49]))).toThrow(
      /backward before forward/,
    );
  });

  it('draw weights with the fans of PyTorch (Conv2d: in·kh·kw; ConvTranspose2d: dimension 1, out·kh·kw)', () => {
    const opts = { inChannels: 8, outChannels: 32, kernel: 4, input: { height: 8, width: 8 } };
    const std = (w: FloatArray) => Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0) / w.length);
    const c = new Conv2d(opts);
    c.resetParameters(Rng.create(1), { scheme: 'he-normal' });
    expect(std(c.weight.value.data) / Math.sqrt(2 / (8 * 16))).toBeCloseTo(1, 1);
    const t = new ConvTranspose2d(opts);
    t.resetParameters(Rng.create(1), { scheme: 'he-normal' });
    expect(std(t.weight.value.data) / Math.sqrt(2 / (32 * 16))).toBeCloseTo(1, 1);
    t.bias!.value.data.fill(3);
    t.resetParameters(Rng.create(1), { scheme: 'normal' });
    expect(t.bias!.value.data.every((b) => b === 0)).toBe(true);
  });
});

/** nn.Conv2d / nn.ConvTranspose2d in float64, our weights copied in (the layouts must agree). */
const TORCH_CONV = `
import json, sys, torch
t = lambda v: torch.tensor(v, dtype=torch.float64)
res = []
for a in json.load(sys.stdin):
    c, h, w = a['input']
    if a['transposed']:
        m = torch.nn.ConvTranspose2d(c, a['out'], a['kernel'], a['stride'], a['padding'], a['outputPadding'], bias=a['b'] is not None)
    else:
        m = torch.nn.Conv2d(c, a['out'], a['kernel'], a['stride'], a['padding'], bias=a['b'] is not None)
    m = m.double()
    assert list(m.weight.shape) == a['wShape'], (list(m.weight.shape), a['wShape'])
    with torch.no_grad():
        m.weight.copy_(t(a['w']).reshape(m.weight.shape))
        if m.bias is not None:
            m.bias.copy_(t(a['b']))
    x = t(a['x']).reshape(a['n'], c, h, w).requires_grad_()
    y = m(x)
    (y * t(a['r']).reshape(y.shape)).sum().backward()
    res.append({'shape': list(y.shape[1:]), 'y': y.detach().flatten().tolist(), 'dx': x.grad.flatten().tolist(),
                'dw': m.weight.grad.flatten().tolist(), 'db': None if m.bias is None else m.bias.grad.tolist()})
print(json.dumps(res))
`;

/** The DCGAN (MNIST) layers: D's two convolutions and G's two transposed ones. */
const DCGAN: Case[] = [
  conv({
    inChannels: 1,
    outChannels: 64,
    kernel: 4,
    stride: 2,
    padding: 1,
    input: { height: 28, width: 28 },
  }),
  conv({
    inChannels: 64,
    outChannels: 128,
    kernel: 4,
    stride: 2,
    padding: 1,
    input: { height: 14, width: 14 },
  }),
  convT({
    inChannels: 128,
    outChannels: 64,
    kernel: 4,
    stride: 2,
    padding: 1,
    input: { height: 7, width: 7 },
  }),
  convT({
    inChannels: 64,
    outChannels: 1,
    kernel: 4,
    stride: 2,
    padding: 1,
    input: { height: 14, width: 14 },
  }),
];

describeWith(torch, 'Conv2d and ConvTranspose2d against PyTorch', () => {
  it('give the same output and gradients w.r.t. input, weight and bias (small odd and DCGAN shapes)', () => {
    const cases = [...SMALL, ...DCGAN].map((c) => {
      const layer = make(c);
      const x = input(layer, c.n);
      const y = Float32Array.from(layer.forward(x).data);
      const r = rng.normalTensor([c.n, y.length / c.n]);
      zeroGrad(layer.parameters());
      const dx = Float32Array.from(layer.backward(r)!.data);
      return { c, layer, x, r, y, dx };
    });
    const want = runTorch<
      { shape: number[]; y: number[]; dx: number[]; dw: number[]; db: number[] | null }[]
    >(
      TORCH_CONV,
      cases.map(({ c, layer, x, r }) => ({
        transposed: c.transposed,
        input: [c.opts.inChannels, c.opts.input.height, c.opts.input.width],
        n: c.n,
        out: c.opts.outChannels,
        kernel: layer.kernel,
        stride: layer.stride,
        padding: layer.padding,
        outputPadding: layer instanceof ConvTranspose2d ? layer.outputPadding : null,
        wShape: layer.weight.value.shape,
        w: Array.from(layer.weight.value.data),
        b: layer.bias === null ? null : Array.from(layer.bias.value.data),
        x: Array.from(x.data),
        r: Array.from(r.data),
      })),
    );
    cases.forEach(({ c, layer, y, dx }, k) => {
      const what = describeCase(c);
      const o = layer.outputShape;
      expect(want[k].shape, what).toEqual([o.channels, o.height, o.width]);
      expectClose(`${what}: y`, y, want[k].y, TORCH_TOL);
      expectClose(`${what}: dx`, dx, want[k].dx, TORCH_TOL);
      expectClose(`${what}: dW`, layer.weight.grad.data, want[k].dw, TORCH_TOL);
      expect(want[k].db === null, what).toBe(layer.bias === null);
      if (layer.bias !== null) expectClose(`${what}: db`, layer.bias.grad.data, want[k].db!, TORCH_TOL);
    });
  }, 120_000);
});
