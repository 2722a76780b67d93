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
import { GanTrainer } from './gan.ts';

const BATCH = 4;
const Z_SIZE = 3;
const H = 5e-3;
/** Per value: |analytic - numeric| <= ATOL + RTOL |numeric|. */
const ATOL = 2e-4;
const RTOL = 1e-2;

interface Case {
  discriminator: 'standard' | 'flipped';
  generator: 'non-saturating' | 'minimax';
  fromProbabilities: boolean;
}

const CASES: Case[] = [];
for (const discriminator of ['standard', 'flipped'] as const)
  for (const generator of ['non-saturating', 'minimax'] as const)
    for (const fromProbabilities of [false, true])
      CASES.push({ discriminator, generator, fromProbabilities });

function trainer(loss: Case, outputWeightGrad: 'chain-rule' | 'upstream-squared' = 'chain-rule'): GanTrainer {
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
function mismatches(
  params: GanTrainer['dParams'],
  analytic: Float32Array[],
  loss: () => number,
): { bad: string[]; relative: number } {
  const bad: string[] = [];
  let diff = 0;
  let norm = 0;
  params.forEach((p, k) => {
    const x = p.value.data;
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + H;
      const up = x[i];
      const fUp = loss();
      x[i] = x0 - H;
      const down = x[i];
      const fDown = loss();
      x[i] = x0;
      const numeric = (fUp - fDown) / (up - down); // the steps as float32 stored them
      const a = analytic[k][i];
      if (!(Math.abs(a - numeric) <= ATOL + RTOL * Math.abs(numeric)))
        bad.push(`${p.name}[${i}]: ${a} vs ${numeric}`);
      diff += (a - numeric) ** 2;
      norm += a * a + numeric * numeric;
    }
  });
  return { bad, relative: Math.sqrt(diff / norm) };
}

const grads = (params: GanTrainer['dParams']) => params.map((p) => Float32Array.from(p.grad.data));

describe("the training step's gradients match finite differences of its losses", () => {
  it.each(CASES)('D loss $discriminator, G loss $generator, fromProbabilities $fromProbabilities', (loss) => {
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
  });

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
