/**
 * The training step's gradients, checked against central finite differences of the losses, on
 * the trainer's own code path (`discriminatorLossAt`, `generatorLossAt`: the passes `trainStep`
 * runs), for every discriminator loss, generator loss, and both ways of computing them (from D's
 * logits or from its probabilities). A gradient handed to a backward pass with the wrong sign, or
 * the wrong gradient flowing from D back into G, fails here.
 *
 * Float32 networks, float64 losses: the step h = 5e-3 (STYLE.md: about 5e-3 in float32), small
 * smooth networks (tanh: no kink for a difference to straddle), and a tolerance well above the
 * float32 rounding of a difference quotient (about 1e-7 / h) and far below any sign error.
 */
import { Rng, Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/index.ts';
import { loadTrainingData } from './data.ts';
import { gradientMismatches, gradsOf } from './gradcheck.test-util.ts';
import { GanTrainer } from './gan.ts';

const BATCH = 4;
const Z_SIZE = 3;
const H = 5e-3;
/** Per value: |analytic - numeric| <= ATOL + RTOL |numeric|. */
const ATOL = 2e-4;
const RTOL = 1e-2;

interface Case {
  discriminator: 'standard' | 'flipped' | 'least-squares' | 'hinge' | 'wasserstein';
  generator: 'non-saturating' | 'minimax' | 'least-squares' | 'hinge' | 'wasserstein';
  fromProbabilities: boolean;
  realLabel?: number;
  clip?: number;
}

const CASES: Case[] = [];
for (const discriminator of ['standard', 'flipped'] as const)
  for (const generator of ['non-saturating', 'minimax'] as const)
    for (const fromProbabilities of [false, true])
      CASES.push({ discriminator, generator, fromProbabilities });
/** The remedies' losses (on logits only) and one-sided label smoothing. */
const REMEDY_CASES: Case[] = [
  { discriminator: 'least-squares', generator: 'least-squares', fromProbabilities: false },
  { discriminator: 'hinge', generator: 'hinge', fromProbabilities: false },
  { discriminator: 'wasserstein', generator: 'wasserstein', fromProbabilities: false },
  { discriminator: 'standard', generator: 'non-saturating', fromProbabilities: false, realLabel: 0.9 },
  { discriminator: 'standard', generator: 'non-saturating', fromProbabilities: true, realLabel: 0.9 },
];

function trainer(
  loss: Case,
  outputWeightGrad: 'chain-rule' | 'upstream-squared' = 'chain-rule',
  train: Record<string, unknown> = {},
): GanTrainer {
  const config = configFromObject(
    {
      name: 'gradcheck',
      seed: 3,
      data: { dataset: 'gaussians8', batchSize: BATCH, limit: 64 },
      model: {
        z: { size: Z_SIZE },
        generator: { hidden: [6], activation: 'tanh', output: 'tanh', outputWeightGrad },
        discriminator: { hidden: [5], activation: 'tanh' },
      },
      loss,
      train,
    },
    'gradcheck.yaml',
  );
  return new GanTrainer(config, loadTrainingData(config));
}

/** A fixed real batch (points near the ring, radius 2) and a fixed z, not drawn by the trainer. */
function inputs(): { real: Tensor; z: Tensor } {
  const real = Tensor.zeros([BATCH, 2]);
  Rng.create(11, 'gradcheck-real').fillNormal(real.data, 0, 1.5);
  const z = Tensor.zeros([BATCH, Z_SIZE]);
  Rng.create(12, 'gradcheck-z').fillNormal(z.data, 0, 1);
  return { real, z };
}

/** Parameter values whose analytic and numeric derivatives of `loss` disagree, as `name[i]`. */
const mismatches = (params: GanTrainer['dParams'], analytic: Float32Array[], loss: () => number) =>
  gradientMismatches(params, analytic, loss, { h: H, atol: ATOL, rtol: RTOL });

const grads = gradsOf;

describe("the training step's gradients match finite differences of its losses", () => {
  it.each([...CASES, ...REMEDY_CASES])(
    'D loss $discriminator, G loss $generator, fromProbabilities $fromProbabilities, realLabel $realLabel',
    (loss) => {
      const t = trainer(loss);
      const { real, z } = inputs();

      const d = t.discriminatorLossAt(real, z);
      expect(Number.isFinite(d.objective)).toBe(true);
      const dCheck = mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective);
      expect(dCheck.bad, "D's parameters").toEqual([]);
      expect(dCheck.relative).toBeLessThan(1e-3);

      expect(Number.isFinite(t.generatorLossAt(z))).toBe(true);
      const gCheck = mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z));
      expect(gCheck.bad, "G's parameters").toEqual([]);
      expect(gCheck.relative).toBeLessThan(1e-3);
    },
  );

  it("reproduces the article's output-weight typo (upstream-squared) there and only there", () => {
    const t = trainer(CASES[0], 'upstream-squared');
    const { real, z } = inputs();
    t.discriminatorLossAt(real, z);
    expect(
      mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective).bad,
    ).toEqual([]);
    t.generatorLossAt(z);
    const { bad } = mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z));
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((b) => b.startsWith('generator.2.weight['))).toBe(true);
  });

  it('computes the gradients a training step applies', () => {
    // trainStep draws its own batch and z; the passes it runs leave D's and G's gradients in place,
    // and its G loss is the one generatorLossAt gives for the same weights and z.
    const t = trainer(CASES[0]);
    const stats = t.trainStep();
    expect(Number.isFinite(stats.dLoss) && Number.isFinite(stats.gLoss)).toBe(true);
    // The norms it reports are those of the gradients it left, D's and G's, each its own.
    const norm = (gs: Float32Array[]) =>
      Math.sqrt(gs.reduce((s, g) => s + g.reduce((a, v) => a + v * v, 0), 0));
    const [d, g] = [norm(grads(t.dParams)), norm(grads(t.gParams))];
    expect(d).toBeGreaterThan(1e-6);
    expect(g).toBeGreaterThan(1e-6);
    expect(Math.abs(d - g) / d).toBeGreaterThan(1e-3);
    expect(Math.abs(t.gradNorms().d - d) / d).toBeLessThan(1e-6);
    expect(Math.abs(t.gradNorms().g - g) / g).toBeLessThan(1e-6);
    expect(() => t.discriminatorLossAt(Tensor.zeros([BATCH + 1, 2]), inputs().z)).toThrow(
      /real: expected \[4,2\], got \[5,2\]/,
    );
  });
});

describe('remedies in the training step', () => {
  const logits: Case = { discriminator: 'standard', generator: 'non-saturating', fromProbabilities: false };

  it("instance noise: D's and G's gradients match finite differences with the noise in place", () => {
    const t = trainer(logits, 'chain-rule', { instanceNoise: { std: 0.5, annealSteps: 100 } });
    t.trainStep(); // draws the step's noise into the trainer's buffers; the checks reuse it
    const { real, z } = inputs();
    t.discriminatorLossAt(real, z);
    const dCheck = mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective);
    expect(dCheck.bad, "D's parameters").toEqual([]);
    t.generatorLossAt(z);
    const gCheck = mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z));
    expect(gCheck.bad, "G's parameters").toEqual([]);

    // The same weights without noise give other losses: the noise reaches D in both passes.
    const plain = trainer(logits);
    plain.restore(t.snapshot());
    expect(plain.discriminatorLossAt(real, z).objective).not.toBe(t.discriminatorLossAt(real, z).objective);
    expect(plain.generatorLossAt(z)).not.toBe(t.generatorLossAt(z));
  });

  it('instance noise anneals to 0: after annealSteps the step is the noiseless one', () => {
    const noisy = trainer(logits, 'chain-rule', { instanceNoise: { std: 0.5, annealSteps: 2 } });
    const plain = trainer(logits);
    for (let i = 0; i < 2; i++) noisy.trainStep();
    plain.restore(noisy.snapshot()); // same weights, batches and z from here on
    // Step 2: σ = 0.5 · (1 - 2/2) = 0, so it is the noiseless step, bit for bit.
    expect(noisy.trainStep()).toEqual(plain.trainStep());
    const { real, z } = inputs();
    expect(noisy.discriminatorLossAt(real, z).objective).toBe(plain.discriminatorLossAt(real, z).objective);
    // One step earlier it was not (σ = 0.25).
    const early = trainer(logits, 'chain-rule', { instanceNoise: { std: 0.5, annealSteps: 2 } });
    const plain1 = trainer(logits);
    early.trainStep();
    plain1.restore(early.snapshot());
    expect(early.trainStep()).not.toEqual(plain1.trainStep());
  });

  it('WGAN clipping keeps every D parameter within ±clip after each update', () => {
    const t = trainer({ ...logits, discriminator: 'wasserstein', generator: 'wasserstein', clip: 0.01 });
    const before = t.dParams.some((p) => p.value.data.some((v) => Math.abs(v) > 0.01));
    expect(before).toBe(true);
    t.trainStep();
    for (const p of t.dParams) for (const v of p.value.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.01);
  });

  it("unrolled D: G's gradient is taken through D after k updates, and D is restored", () => {
    const k = 5;
    const t = trainer(logits, 'chain-rule', { unrolledSteps: k });
    const ref = trainer(logits);
    const { z } = inputs();
    t.trainStep();
    ref.restore(t.snapshot());
    const dBefore = t.dParams.map((p) => Float32Array.from(p.value.data));
    // The step changes D only by its own update: the unrolled copy is thrown away.
    const stats = t.trainStep();
    ref.trainStep();
    expect(Number.isFinite(stats.gLoss)).toBe(true);
    t.dParams.forEach((p, i) =>
      expect(Array.from(p.value.data)).toEqual(Array.from(ref.dParams[i].value.data)),
    );
    expect(t.dParams.some((p, i) => p.value.data.some((v, j) => v !== dBefore[i][j]))).toBe(true);
    // ... but G moved differently, since its gradient came through the unrolled D.
    expect(t.gParams.some((p, i) => p.value.data.some((v, j) => v !== ref.gParams[i].value.data[j]))).toBe(
      true,
    );
    // D's optimiser state is restored too: the next steps still agree on D's own trajectory
    // once G is synchronised.
    expect(t.snapshot().state.optimizerSteps).toEqual(ref.snapshot().state.optimizerSteps);
    expect(Number.isFinite(t.generatorLossAt(z))).toBe(true);
  });

  const REMEDY_CONFIGS: [string, Case, Record<string, unknown>][] = [
    ['instance noise', logits, { instanceNoise: { std: 0.3, annealSteps: 4 } }],
    ['unrolled D', logits, { unrolledSteps: 3 }],
    [
      'WGAN (clip, noise, unrolled, dSteps 2)',
      { ...logits, discriminator: 'wasserstein', generator: 'wasserstein', clip: 0.05 },
      { instanceNoise: { std: 0.3, annealSteps: null }, unrolledSteps: 2, dSteps: 2 },
    ],
  ];
  it.each(REMEDY_CONFIGS)('%s: resuming from a checkpoint continues bit-identically', (_, loss, train) => {
    const a = trainer(loss, 'chain-rule', train);
    for (let i = 0; i < 3; i++) a.trainStep();
    // A checkpoint holds copies of the arrays and the state as JSON (see @gan/runs).
    const snap = a.snapshot();
    const saved = {
      step: snap.step,
      arrays: Object.fromEntries(
        Object.entries(snap.arrays).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]),
      ),
      state: JSON.parse(JSON.stringify(snap.state)),
    };
    const statsA = [a.trainStep(), a.trainStep(), a.trainStep()];
    const b = trainer(loss, 'chain-rule', train);
    b.restore(saved);
    const statsB = [b.trainStep(), b.trainStep(), b.trainStep()];
    expect(statsB).toEqual(statsA);
    for (const [k, v] of Object.entries(b.snapshot().arrays))
      expect(Array.from(v.data), k).toEqual(Array.from(a.snapshot().arrays[k].data));
    // Without the remedy's state the checkpoint is refused, not silently resumed from a fresh stream.
    const { instanceNoiseRng: _n, unrolled: _u, ...bare } = saved.state;
    expect(() => trainer(loss, 'chain-rule', train).restore({ ...saved, state: bare })).toThrow(
      /checkpoint: missing state/,
    );
  });
});
