import { type ActivationKind, Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { Activation, Atan, ReLU, Sigmoid, Tanh } from './activation.ts';
import { expectLayerGradsClose } from './gradcheck.test-util.ts';
import { initWeight } from './init.ts';
import type { Layer } from './layer.ts';
import { Linear } from './linear.ts';
import { parameterCount, zeroGrad } from './parameter.ts';
import { Sequential } from './sequential.ts';

const rng = Rng.create(0, 'nn-test');

/** Checks dL/dx and dL/dθ of a layer against finite differences of L = Σ r·layer(x). */
function checkLayer(what: string, layer: Layer, x: Tensor, opts: { h?: number; tol?: number } = {}): void {
  expectLayerGradsClose(what, layer, x, rng, opts);
}

describe('float64 layers', () => {
  it('keep float64 through Linear and every activation, with gradients to float64 accuracy', () => {
    const layers: Layer[] = [];
    const kinds: ActivationKind[] = ['atan', 'tanh', 'sigmoid', 'relu'];
    let width = 6;
    for (const kind of kinds) {
      const fc = new Linear(width, 5, `fc${layers.length}`, 'float64');
      fc.resetParameters(rng, { scheme: 'xavier-uniform' });
      layers.push(fc, new Activation(kind, 0));
      width = 5;
    }
    const net = new Sequential(layers, 'net');
    const x = rng.normalTensor([3, 6]).to('float64');
    const y = net.forward(x);
    expect(y.dtype).toBe('float64');
    expect(net.parameters().every((p) => p.value.dtype === 'float64' && p.grad.dtype === 'float64')).toBe(
      true,
    );
    // A step float32 could not resolve: only float64 arithmetic throughout meets this tolerance.
    checkLayer('float64 net', net, x, { h: 1e-6, tol: 1e-7 });
  });

  it('refuses a float32 input to a float64 layer, naming both dtypes', () => {
    const fc = new Linear(2, 2, 'fc', 'float64');
    expect(() => fc.forward(Tensor.zeros([1, 2]))).toThrow(
      /matmul: the tensors mix dtypes \(float32, float64/,
    );
  });
});

describe('Linear', () => {
  it('computes x·W + b', () => {
    const fc = new Linear(2, 3, 'fc');
    fc.weight.value.data.set([1, 2, 3, 4, 5, 6]);
    fc.bias.value.data.set([10, 20, 30]);
    const y = fc.forward(Tensor.fromArray([[1, 1]]));
    expect(Array.from(y.data)).toEqual([15, 27, 39]);
    expect(fc.parameters().map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
  });

  it('has gradients w.r.t. input, weight and bias that match finite differences', () => {
    const fc = new Linear(7, 5, 'fc');
    fc.resetParameters(rng, { scheme: 'xavier-uniform' });
    fc.bias.value.data.set(rng.normalTensor([5]).data);
    checkLayer('Linear', fc, rng.normalTensor([4, 7]));
  });

  it('accumulates parameter gradients and can skip them or the input gradient', () => {
    const fc = new Linear(3, 2);
    fc.resetParameters(rng, { scheme: 'he-normal' });
    const x = rng.normalTensor([5, 3]);
    const dy = rng.normalTensor([5, 2]);
    fc.forward(x);
    fc.backward(dy);
    const once = Float32Array.from(fc.weight.grad.data);
    fc.backward(dy);
    fc.weight.grad.data.forEach((g, i) => expect(g).toBeCloseTo(2 * once[i], 5));
    zeroGrad(fc.parameters());
    const dx = fc.backward(dy, { paramGrads: false });
    expect(dx).not.toBeNull();
    expect(fc.weight.grad.data.every((g) => g === 0)).toBe(true);
    expect(fc.bias.grad.data.every((g) => g === 0)).toBe(true);
    expect(fc.backward(dy, { inputGrad: false })).toBeNull();
  });

  it('rejects a wrong input shape with the shapes in the message', () => {
    const fc = new Linear(784, 128, 'd.0');
    expect(() => fc.forward(Tensor.zeros([1, 100]))).toThrow(
      'Linear d.0: input shape [1,100] does not match [batch,784]',
    );
    expect(() => new Linear(0, 3)).toThrow(/integers >= 1/);
  });
});

describe('activations', () => {
  const kinds: ActivationKind[] = ['relu', 'leakyRelu', 'tanh', 'atan', 'sigmoid', 'identity'];
  for (const kind of kinds) {
    it(`${kind}: gradient w.r.t. the input matches finite differences`, () => {
      // Keep inputs away from the kink at 0 so central differences are valid for relu / leakyRelu.
      const x = rng.normalTensor([6, 9], 0, 2);
      for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 0.05) x.data[i] = 0.5;
      checkLayer(kind, new Activation(kind, 0.2), x, { h: 1e-2 });
    });
  }

  it('rejects a leaky slope outside [0, 1)', () => {
    expect(() => new Activation('leakyRelu', 1.5)).toThrow(/slope must be in \[0, 1\)/);
  });
});

describe('Sequential', () => {
  it('backpropagates through an MLP in the article style (arctan, relu, tanh, sigmoid)', () => {
    const net = new Sequential([
      new Linear(5, 8, '0'),
      Atan(),
      new Linear(8, 6, '2'),
      ReLU(),
      new Linear(6, 4, '4'),
      Tanh(),
      new Linear(4, 3, '6'),
      Sigmoid(),
    ]);
    for (const l of net.layers)
      if (l instanceof Linear) l.resetParameters(rng, { scheme: 'xavier-normal', gain: 1.5 });
    expect(parameterCount(net.parameters())).toBe(5 * 8 + 8 + 8 * 6 + 6 + 6 * 4 + 4 + 4 * 3 + 3);
    // A small step keeps every ReLU on its side of the kink.
    checkLayer('mlp', net, rng.normalTensor([3, 5]), { h: 1e-3, tol: 5e-3 });
  });

  it('lets the gradient flow into the input without touching its own gradients', () => {
    const net = new Sequential([new Linear(4, 3, '0'), ReLU(), new Linear(3, 1, '2')]);
    for (const l of net.layers) if (l instanceof Linear) l.resetParameters(rng, { scheme: 'he-normal' });
    const x = rng.normalTensor([2, 4]);
    net.forward(x);
    zeroGrad(net.parameters());
    const dx = net.backward(Tensor.ones([2, 1]), { paramGrads: false })!;
    expect(dx.shape).toEqual([2, 4]);
    expect(dx.data.some((v) => v !== 0)).toBe(true);
    for (const p of net.parameters()) expect(p.grad.data.every((g) => g === 0)).toBe(true);
  });

  it('passes setTraining to the layers that have a mode, nested ones too, and skips the rest', () => {
    const modes: boolean[] = [];
    const moded: Layer = {
      name: 'moded',
      forward: (x) => x,
      backward: (dy) => dy,
      parameters: () => [],
      setTraining: (training) => modes.push(training),
    };
    const net = new Sequential([new Linear(2, 2, '0'), new Sequential([ReLU(), moded], '1')]);
    net.setTraining(false);
    net.setTraining(true);
    expect(modes).toEqual([false, true]);
  });
});

describe('initialisers', () => {
  const w = Tensor.zeros([400, 300]);
  const stats = () => {
    let s = 0;
    let s2 = 0;
    let maxAbs = 0;
    for (const v of w.data) {
      s += v;
      s2 += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const mean = s / w.size;
    return { mean, std: Math.sqrt(s2 / w.size - mean * mean), maxAbs };
  };

  it('draws He-normal times a gain, as the article (std sqrt(2/fanIn)·0.002)', () => {
    initWeight(w, 400, 300, Rng.create(1), { scheme: 'he-normal', gain: 0.002 });
    const { mean, std } = stats();
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(std / (Math.sqrt(2 / 400) * 0.002)).toBeCloseTo(1, 1);
  });

  it('scales by an explicit fanIn instead of its own when asked (a reference file scales by the wrong layer)', () => {
    initWeight(w, 400, 300, Rng.create(1), { scheme: 'he-normal', gain: 0.002, fanIn: 100 });
    expect(stats().std / (Math.sqrt(2 / 100) * 0.002)).toBeCloseTo(1, 1);
  });

  it('draws Xavier uniform within its bound and Xavier normal with its std', () => {
    initWeight(w, 400, 300, Rng.create(2), { scheme: 'xavier-uniform' });
    const bound = Math.sqrt(6 / 700);
    expect(stats().maxAbs).toBeLessThanOrEqual(bound);
    expect(stats().std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
    initWeight(w, 400, 300, Rng.create(3), { scheme: 'xavier-normal' });
    expect(stats().std / Math.sqrt(2 / 700)).toBeCloseTo(1, 1);
    initWeight(w, 400, 300, Rng.create(3), { scheme: 'normal', std: 0.02 });
    expect(stats().std / 0.02).toBeCloseTo(1, 1);
    initWeight(w, 400, 300, Rng.create(3), { scheme: 'zeros' });
    expect(stats().maxAbs).toBe(0);
  });

  it('is reproducible from the seed', () => {
    const a = Tensor.zeros([10, 10]);
    const b = Tensor.zeros([10, 10]);
    initWeight(a, 10, 10, Rng.create(9, 'init'), { scheme: 'he-normal' });
    initWeight(b, 10, 10, Rng.create(9, 'init'), { scheme: 'he-normal' });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});
