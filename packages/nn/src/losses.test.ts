import { Rng, sigmoidScalar, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { ReLU, Sigmoid } from './activation.ts';
import { expectGradClose } from './gradcheck.test-util.ts';
import { Linear } from './linear.ts';
import {
  articlePrintedDiscriminatorCost,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type DiscriminatorLossKind,
  discriminatorLoss,
  type GeneratorLossKind,
  generatorLoss,
  isLogitOnlyLoss,
  meanProbability,
} from './losses.ts';
import { zeroGrad } from './parameter.ts';
import { Sequential } from './sequential.ts';

const rng = Rng.create(0, 'loss-test');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('binary cross-entropy', () => {
  it('on probabilities equals -mean(t log p + (1-t) log(1-p)) and has the right gradient', () => {
    const p = Tensor.fromArray([0.1, 0.5, 0.9, 0.7]);
    const ps = Array.from(p.data);
    expect(binaryCrossEntropy(p, 1)).toBeCloseTo(mean(ps.map((v) => -Math.log(v))), 6);
    expect(binaryCrossEntropy(p, 0)).toBeCloseTo(mean(ps.map((v) => -Math.log(1 - v))), 6);
    for (const t of [0, 1] as const) {
      const g = Tensor.zeros([4]);
      binaryCrossEntropy(p, t, g);
      expectGradClose(`bce t=${t}`, () => binaryCrossEntropy(p, t), p.data, Array.from(g.data), { h: 1e-3 });
    }
  });

  it('on logits equals the loss of sigmoid(logits) and stays finite for huge logits', () => {
    const l = Tensor.fromArray([-3, -0.5, 0, 2, 4]);
    const p = Tensor.fromArray(Array.from(l.data).map(sigmoidScalar));
    for (const t of [0, 1] as const) {
      expect(binaryCrossEntropyWithLogits(l, t)).toBeCloseTo(binaryCrossEntropy(p, t), 5);
      const g = Tensor.zeros([5]);
      binaryCrossEntropyWithLogits(l, t, g);
      // d/dl = (σ(l) - t) / n
      Array.from(l.data).forEach((v, i) => expect(g.data[i]).toBeCloseTo((sigmoidScalar(v) - t) / 5, 6));
      expectGradClose(
        `bce-logits t=${t}`,
        () => binaryCrossEntropyWithLogits(l, t),
        l.data,
        Array.from(g.data),
      );
    }
    const huge = Tensor.fromArray([-1000, 1000]);
    const g = Tensor.zeros([2]);
    expect(binaryCrossEntropyWithLogits(huge, 1, g)).toBeCloseTo(500, 6);
    expect(g.data[0]).toBe(-0.5);
    expect(Math.abs(g.data[1])).toBe(0);
  });

  it('on probabilities overflows like the article when the sigmoid saturates', () => {
    const g = Tensor.zeros([1]);
    expect(binaryCrossEntropy(Tensor.fromArray([0]), 1, g)).toBe(Infinity);
    expect(g.data[0]).toBe(-Infinity);
    expect(() => binaryCrossEntropy(Tensor.fromArray([0.5]), 2 as 0)).toThrow(/target must be 0 or 1/);
  });
});

describe('GAN losses', () => {
  const dKinds: DiscriminatorLossKind[] = ['standard', 'flipped'];
  const gKinds: GeneratorLossKind[] = ['non-saturating', 'minimax'];

  for (const fromProbabilities of [false, true]) {
    const make = () =>
      fromProbabilities ? rng.uniformTensor([6, 1], 0.05, 0.95) : rng.normalTensor([6, 1], 0, 2);
    const prob = (t: Tensor) => Array.from(t.data).map((v) => (fromProbabilities ? v : sigmoidScalar(v)));

    for (const kind of dKinds) {
      it(`discriminator ${kind} (${fromProbabilities ? 'probabilities' : 'logits'}): value and gradients`, () => {
        const real = make();
        const fake = make();
        const pr = prob(real);
        const pf = prob(fake);
        const sign = kind === 'standard' ? -1 : 1;
        const expected = -mean(pr.map(Math.log)) + sign * mean(pf.map((v) => Math.log(1 - v)));
        const gr = Tensor.zeros([6, 1]);
        const gf = Tensor.zeros([6, 1]);
        const opts = { fromProbabilities };
        expect(discriminatorLoss(kind, real, fake, opts, gr, gf)).toBeCloseTo(expected, 5);
        const f = () => discriminatorLoss(kind, real, fake, opts);
        const h = fromProbabilities ? 1e-3 : 1e-2;
        expectGradClose(`${kind} real`, f, real.data, Array.from(gr.data), { h });
        expectGradClose(`${kind} fake`, f, fake.data, Array.from(gf.data), { h });
      });
    }

    for (const kind of gKinds) {
      it(`generator ${kind} (${fromProbabilities ? 'probabilities' : 'logits'}): value and gradient`, () => {
        const fake = make();
        const pf = prob(fake);
        const expected =
          kind === 'non-saturating' ? -mean(pf.map(Math.log)) : mean(pf.map((v) => Math.log(1 - v)));
        const g = Tensor.zeros([6, 1]);
        const opts = { fromProbabilities };
        expect(generatorLoss(kind, fake, opts, g)).toBeCloseTo(expected, 5);
        expectGradClose(`${kind}`, () => generatorLoss(kind, fake, opts), fake.data, Array.from(g.data), {
          h: fromProbabilities ? 1e-3 : 1e-2,
        });
      });
    }
  }

  it('the flipped loss rewards D for calling fakes real: its fake-gradient has the opposite sign', () => {
    const real = Tensor.fromArray([[0.5]]);
    const fake = Tensor.fromArray([[0.5]]);
    const gStd = Tensor.zeros([1, 1]);
    const gFlip = Tensor.zeros([1, 1]);
    discriminatorLoss('standard', real, fake, { fromProbabilities: true }, undefined, gStd);
    discriminatorLoss('flipped', real, fake, { fromProbabilities: true }, undefined, gFlip);
    expect(gStd.data[0]).toBeGreaterThan(0); // descent lowers D(G(z))
    expect(gFlip.data[0]).toBeLessThan(0); // descent raises D(G(z))
    expect(meanProbability(Tensor.fromArray([[0], [0]]), false)).toBe(0.5);
  });

  it("the article's hand-derived D gradients are the standard loss's, and its printed cost the flipped one", () => {
    // The reference files: grad_r_w2_part_1 = -1/Dl2_rA, grad_f_w2_part_1 = 1/(1.0 - Dl2_fA)
    // (gradients w.r.t. the probabilities), D_cost = -np.log(Dl2_rA) + np.log(1.0 - Dl2_fA).
    const dReal = 0.83;
    const dFake = 0.37;
    const real = Tensor.fromArray([[dReal]]);
    const fake = Tensor.fromArray([[dFake]]);
    const gr = Tensor.zeros([1, 1]);
    const gf = Tensor.zeros([1, 1]);
    const opts = { fromProbabilities: true };
    discriminatorLoss('standard', real, fake, opts, gr, gf);
    expect(gr.data[0]).toBeCloseTo(-1 / dReal, 6);
    expect(gf.data[0]).toBeCloseTo(1 / (1 - dFake), 6);
    const printed = -Math.log(dReal) + Math.log(1 - dFake);
    expect(articlePrintedDiscriminatorCost(real, fake, opts)).toBeCloseTo(printed, 6);
    expect(discriminatorLoss('flipped', real, fake, opts)).toBeCloseTo(printed, 6);
    expect(discriminatorLoss('standard', real, fake, opts)).not.toBeCloseTo(printed, 2);
    // The same cost from logits.
    const logit = (p: number) => Math.log(p / (1 - p));
    const cost = articlePrintedDiscriminatorCost(
      Tensor.fromArray([[logit(dReal)]]),
      Tensor.fromArray([[logit(dFake)]]),
      { fromProbabilities: false },
    );
    expect(cost).toBeCloseTo(printed, 5);
  });

  it("the generator's gradient flows through D into G, leaving D's gradients untouched", () => {
    const g = new Sequential([new Linear(3, 5, 'g.0'), ReLU(), new Linear(5, 4, 'g.2'), Sigmoid()]);
    const d = new Sequential([new Linear(4, 6, 'd.0'), ReLU(), new Linear(6, 1, 'd.2')]);
    for (const net of [g, d])
      for (const l of net.layers)
        if (l instanceof Linear) l.resetParameters(rng, { scheme: 'xavier-normal', gain: 2 });
    const z = rng.uniformTensor([4, 3], -1, 1);
    const opts = { fromProbabilities: false };
    const loss = () => generatorLoss('non-saturating', d.forward(g.forward(z)), opts);

    zeroGrad([...g.parameters(), ...d.parameters()]);
    const logits = d.forward(g.forward(z));
    const dLogits = Tensor.zeros(logits.shape);
    generatorLoss('non-saturating', logits, opts, dLogits);
    const dFake = d.backward(dLogits, { paramGrads: false })!;
    g.backward(dFake, { inputGrad: false });

    for (const p of d.parameters()) expect(p.grad.data.every((v) => v === 0)).toBe(true);
    for (const p of g.parameters()) {
      expectGradClose(`G ${p.name}`, loss, p.value.data, Float32Array.from(p.grad.data), {
        h: 1e-3,
        tol: 5e-3,
      });
    }
  });
});

describe('logit-only GAN losses (least squares, hinge, Wasserstein)', () => {
  const relu = (v: number) => Math.max(v, 0);
  // Expected values straight from the papers' formulas (notes §5), on raw outputs.
  const cases: {
    kind: 'least-squares' | 'hinge' | 'wasserstein';
    d: (r: number[], f: number[]) => number;
    g: (f: number[]) => number;
  }[] = [
    {
      kind: 'least-squares',
      d: (r, f) => 0.5 * mean(r.map((v) => (v - 1) ** 2)) + 0.5 * mean(f.map((v) => v ** 2)),
      g: (f) => 0.5 * mean(f.map((v) => (v - 1) ** 2)),
    },
    {
      kind: 'hinge',
      d: (r, f) => mean(r.map((v) => relu(1 - v))) + mean(f.map((v) => relu(1 + v))),
      g: (f) => -mean(f),
    },
    { kind: 'wasserstein', d: (r, f) => mean(f) - mean(r), g: (f) => -mean(f) },
  ];

  for (const { kind, d, g } of cases) {
    it(`${kind}: D and G values and gradients match the formula and finite differences`, () => {
      // Values kept away from the hinge's kinks at ±1, where finite differences are undefined.
      const real = Tensor.fromArray([[-2.3], [0.4], [1.7], [0.1], [-0.6], [2.5]]);
      const fake = Tensor.fromArray([[-1.8], [-0.3], [0.6], [1.4], [-2.6], [0.2]]);
      const opts = { fromProbabilities: false };
      const gr = Tensor.zeros([6, 1]);
      const gf = Tensor.zeros([6, 1]);
      expect(discriminatorLoss(kind, real, fake, opts, gr, gf)).toBeCloseTo(
        d(Array.from(real.data), Array.from(fake.data)),
        5,
      );
      const fd = () => discriminatorLoss(kind, real, fake, opts);
      expectGradClose(`${kind} D real`, fd, real.data, Array.from(gr.data));
      expectGradClose(`${kind} D fake`, fd, fake.data, Array.from(gf.data));
      const gg = Tensor.zeros([6, 1]);
      expect(generatorLoss(kind, fake, opts, gg)).toBeCloseTo(g(Array.from(fake.data)), 5);
      expectGradClose(`${kind} G`, () => generatorLoss(kind, fake, opts), fake.data, Array.from(gg.data));
      expect(isLogitOnlyLoss(kind)).toBe(true);
    });

    it(`${kind}: refuses probabilities`, () => {
      const t = Tensor.fromArray([[0.5]]);
      const opts = { fromProbabilities: true };
      expect(() => discriminatorLoss(kind, t, t, opts)).toThrow(/raw output \(logits\)/);
      expect(() => generatorLoss(kind, t, opts)).toThrow(/raw output \(logits\)/);
    });
  }

  it('least squares is minimal for D at D(x) = 1, D(G(z)) = 0, and for G at D(G(z)) = 1', () => {
    const opts = { fromProbabilities: false };
    expect(discriminatorLoss('least-squares', Tensor.fromArray([[1]]), Tensor.fromArray([[0]]), opts)).toBe(
      0,
    );
    expect(generatorLoss('least-squares', Tensor.fromArray([[1]]), opts)).toBe(0);
    expect(isLogitOnlyLoss('standard')).toBe(false);
  });
});

describe('one-sided label smoothing (realLabel)', () => {
  for (const fromProbabilities of [false, true]) {
    it(`real target 0.9 (${fromProbabilities ? 'probabilities' : 'logits'}): value and gradients`, () => {
      const real = fromProbabilities ? rng.uniformTensor([6, 1], 0.05, 0.95) : rng.normalTensor([6, 1], 0, 2);
      const fake = fromProbabilities ? rng.uniformTensor([6, 1], 0.05, 0.95) : rng.normalTensor([6, 1], 0, 2);
      const p = (t: Tensor) => Array.from(t.data).map((v) => (fromProbabilities ? v : sigmoidScalar(v)));
      const a = 0.9;
      const expected =
        -mean(p(real).map((v) => a * Math.log(v) + (1 - a) * Math.log(1 - v))) -
        mean(p(fake).map((v) => Math.log(1 - v)));
      const opts = { fromProbabilities, realLabel: a };
      const gr = Tensor.zeros([6, 1]);
      const gf = Tensor.zeros([6, 1]);
      expect(discriminatorLoss('standard', real, fake, opts, gr, gf)).toBeCloseTo(expected, 5);
      const f = () => discriminatorLoss('standard', real, fake, opts);
      const h = fromProbabilities ? 1e-3 : 1e-2;
      expectGradClose('smoothed real', f, real.data, Array.from(gr.data), { h });
      expectGradClose('fake (unsmoothed)', f, fake.data, Array.from(gf.data), { h });
    });
  }

  it('the smoothed real term is minimal at D(x) = α, and fakes keep target 0', () => {
    const logit = (q: number) => Math.log(q / (1 - q));
    const g = Tensor.zeros([1, 1]);
    const gf = Tensor.zeros([1, 1]);
    const opts = { fromProbabilities: false, realLabel: 0.9 };
    discriminatorLoss('standard', Tensor.fromArray([[logit(0.9)]]), Tensor.fromArray([[0]]), opts, g, gf);
    expect(Math.abs(g.data[0])).toBeLessThan(1e-6);
    expect(gf.data[0]).toBeCloseTo(0.5, 6); // σ(0) - 0: the fake target is still 0
    // realLabel 1 is the unsmoothed loss, bit for bit.
    const r = Tensor.fromArray([[0.3]]);
    const f = Tensor.fromArray([[-0.2]]);
    expect(discriminatorLoss('standard', r, f, { fromProbabilities: false, realLabel: 1 })).toBe(
      discriminatorLoss('standard', r, f, { fromProbabilities: false }),
    );
    expect(() => discriminatorLoss('standard', r, f, { fromProbabilities: false, realLabel: 0 })).toThrow(
      /realLabel must be in \(0, 1\]/,
    );
  });
});
