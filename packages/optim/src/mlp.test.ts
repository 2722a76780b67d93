import { binaryCrossEntropyWithLogits, Linear, Sequential, Tanh, zeroGrad } from '@gan/nn';
import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { adam } from './optimizer.ts';

/** XOR of the signs of two coordinates: not linearly separable, so a network must learn features. */
function xorBatch(rng: Rng, n: number): { x: Tensor; y: Uint8Array } {
  const x = rng.uniformTensor([n, 2], -1, 1);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = x.data[2 * i] * x.data[2 * i + 1] > 0 ? 1 : 0;
  return { x, y };
}

describe('layers, losses and Adam together', () => {
  it('a tiny MLP learns XOR of signs to at least 95% test accuracy', () => {
    const rng = Rng.create(0, 'xor');
    const net = new Sequential([
      new Linear(2, 16, '0'),
      Tanh(),
      new Linear(16, 16, '2'),
      Tanh(),
      new Linear(16, 1, '4'),
    ]);
    for (const l of net.layers) if (l instanceof Linear) l.resetParameters(rng, { scheme: 'xavier-uniform' });
    const params = net.parameters();
    const opt = adam({ lr: 0.01 });
    const state = opt.init(params);
    const grad = Tensor.zeros([64, 1]);
    const pos = Tensor.zeros([64, 1]);
    const neg = Tensor.zeros([64, 1]);
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 0; step < 1500; step++) {
      const { x, y } = xorBatch(rng, 64);
      const logits = net.forward(x);
      // Per-example BCE: the gradient of the positive and negative terms, picked by label.
      binaryCrossEntropyWithLogits(logits, 1, pos);
      binaryCrossEntropyWithLogits(logits, 0, neg);
      let loss = 0;
      for (let i = 0; i < 64; i++) {
        grad.data[i] = y[i] ? pos.data[i] : neg.data[i];
        const p = 1 / (1 + Math.exp(-logits.data[i]));
        loss -= Math.log(y[i] ? p : 1 - p) / 64;
      }
      if (step === 0) firstLoss = loss;
      lastLoss = loss;
      zeroGrad(params);
      net.backward(grad, { inputGrad: false });
      opt.update(params, state);
    }
    expect(lastLoss).toBeLessThan(firstLoss);
    const test = xorBatch(Rng.create(1, 'xor-test'), 2000);
    const logits = net.forward(test.x);
    let correct = 0;
    for (let i = 0; i < 2000; i++) if ((logits.data[i] > 0 ? 1 : 0) === test.y[i]) correct++;
    expect(correct / 2000).toBeGreaterThanOrEqual(0.95);
  });
});
