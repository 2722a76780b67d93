/**
 * The evaluation against the real MNIST classifier. The first run trains it (about 75 s on the
 * native backend, far longer on the reference one) and caches it in .cache/classifier/; later runs
 * load it in a second.
 */
import { type MnistDataset, loadMnist, scalePixels } from '@gan/data';
import { frechetDistance, meanAndCovariance, Rng, Tensor } from '@gan/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../config/index.ts';
import { useBackend } from '../train/backend.ts';
import { loadTrainingData } from '../train/data.ts';
import type { MnistClassifier } from './classifier.ts';
import { loadClassifier } from './classifier-cache.ts';
import {
  createEvalContext,
  type EvalContext,
  evaluate,
  isMnistEval,
  type MnistEval,
  type MnistEvalContext,
} from './evaluate.ts';
import { subsampleIndices, takeRows } from './reference.ts';
import { formatEvalLine } from './summary.ts';

function mnistConfig(data: Record<string, unknown>, generatorOutput = 'tanh') {
  return configFromObject(
    {
      name: 'eval-test',
      data: { dataset: 'mnist', split: 'train', ...data },
      model: { generator: { output: generatorOutput } },
    },
    'eval-test.yaml',
  );
}

function mnistContext(ctx: EvalContext): MnistEvalContext {
  if (ctx.dataset !== 'mnist') throw new Error('expected an MNIST context');
  return ctx;
}

function scored(samples: Tensor, ctx: EvalContext): MnistEval {
  const r = evaluate(samples, ctx);
  if (!isMnistEval(r)) throw new Error('expected an MNIST evaluation');
  return r;
}

let classifier: MnistClassifier;
let test: MnistDataset;
let train: MnistDataset;
let unitCtx: MnistEvalContext;
/** 1000 real test images, unit scale, and their scores: the yardstick of the other tests. */
let realTest: Tensor;
let real: MnistEval;
/** 1000 real training images scored the same way. */
let realTrain: MnistEval;

beforeAll(async () => {
  useBackend('auto');
  classifier = await loadClassifier();
  test = loadMnist({ split: 'test', scaling: 'unit' });
  train = loadMnist({ split: 'train', scaling: 'unit' });
  const config = mnistConfig({ scaling: 'unit' }, 'sigmoid');
  unitCtx = mnistContext(await createEvalContext(config, loadTrainingData(config)));
  realTest = takeRows(test, subsampleIndices(10_000, 1000, Rng.create(1, 'pick-test')));
  real = scored(realTest, unitCtx);
  realTrain = scored(takeRows(train, subsampleIndices(60_000, 1000, Rng.create(1, 'pick-train'))), unitCtx);
}, 3_600_000);

describe('the MNIST classifier', () => {
  it('classifies at least 98% of the 10,000 test images correctly', () => {
    const accuracy = classifier.accuracy(test.images, test.labels);
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    expect(classifier.info?.testAccuracy).toBeCloseTo(accuracy, 2);
    expect(classifier.info?.architecture).toEqual([784, 512, 256, 10]);
  });
});

describe('MNIST evaluation', { timeout: 120_000 }, () => {
  it('scores real test images as a perfect generator: 10 modes, KL ~0, IS > 9, diversity and nn ~1', () => {
    expect(real).toMatchObject({ samples: 1000, modes: 10, coverageThreshold: 0.02, modesCovered: 10 });
    expect(real.klUniform).toBeLessThan(0.03);
    expect(real.inceptionScore).toBeGreaterThan(9);
    expect(real.inceptionScore).toBeLessThanOrEqual(10);
    expect(real.meanConfidence).toBeGreaterThan(0.95);
    expect(real.diversity).toBeGreaterThan(0.9);
    expect(real.diversity).toBeLessThan(1.1);
    expect(real.nnDistance).toBeGreaterThan(0.9);
    expect(real.nnDistance).toBeLessThan(1.1);
    expect(real.classHistogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Real against real (another 1000 test images): quality and coverage both high, density ~1.
    expect(real.precision).toBeGreaterThan(0.6);
    expect(real.recall).toBeGreaterThan(0.6);
    expect(real.density).toBeGreaterThan(0.8);
    expect(real.density).toBeLessThan(1.2);
    expect(real.coverage).toBeGreaterThan(0.85);
    // Same scale: no display keys.
    expect(Object.keys(real).some((k) => k.startsWith('display.'))).toBe(false);
    expect(formatEvalLine(7, real)).toMatch(/^eval step=7 modes=10\/10 kl=0\.\d{4} is=9\.\d\d fd=\d+\.\d /);
  });

  it('gives a Fréchet distance of ~0 for the test set against itself and a small one for real subsets', () => {
    const { features } = classifier.classify(test.images);
    const { mean, cov } = meanAndCovariance(features.data, 10_000, classifier.featureDim);
    const self = frechetDistance(
      mean,
      cov,
      unitCtx.real.featureMean,
      unitCtx.real.featureCov,
      classifier.featureDim,
    );
    expect(self).toBeLessThan(1e-6);
    // 1000 real images: only the finite-sample bias remains (a few units, against hundreds for fakes).
    expect(real.frechetDistance).toBeLessThan(10);
    expect(realTrain.frechetDistance).toBeLessThan(10);
    // Training images the reference subsample holds are at distance 0: nn below 1 flags copying.
    expect(realTrain.nnDistance).toBeLessThan(real.nnDistance);
  });

  it('scores a generator of one digit (3s only) as one mode with a high KL', () => {
    const threes: number[] = [];
    for (let i = 0; i < test.labels.length && threes.length < 800; i++)
      if (test.labels[i] === 3) threes.push(i);
    const r = scored(takeRows(test, Int32Array.from(threes)), unitCtx);
    expect(r.modesCovered).toBe(1);
    expect(r.classHistogram[3]).toBeGreaterThan(0.95);
    expect(r.klUniform).toBeGreaterThan(2);
    expect(r.inceptionScore).toBeLessThan(1.5);
    expect(r.frechetDistance).toBeGreaterThan(20 * real.frechetDistance);
    // Real 3s are varied: diversity stays well above a repeated image's.
    expect(r.diversity).toBeGreaterThan(0.5);
  });

  it('scores one image repeated with diversity ~0, however confident the classifier is', () => {
    const same = Tensor.zeros([200, 784]);
    for (let i = 0; i < 200; i++) same.data.set(test.images.row(0).data, i * 784);
    const r = scored(same, unitCtx);
    expect(r.diversity).toBeLessThan(0.01);
    expect(r.modesCovered).toBe(1);
    expect(r.meanConfidence).toBeGreaterThan(0.9); // confidence alone proves nothing
    // One point: recall counts only real images identical to it; coverage the balls around it, on
    // average k = 5 of the N = 200 (this image lies in 12: 0.06), against ~0.98 for real images.
    expect(r.recall).toBeLessThanOrEqual(1 / 200);
    expect(r.coverage).toBeLessThan(0.1);
  });

  it('scores uniform noise with a Fréchet distance far above any real subset', () => {
    const noise = Rng.create(2, 'noise').uniformTensor([1000, 784], 0, 1);
    const r = scored(noise, unitCtx);
    expect(r.frechetDistance).toBeGreaterThan(20 * Math.max(real.frechetDistance, realTrain.frechetDistance));
    expect(r.nnDistance).toBeGreaterThan(2);
    expect(r.precision).toBeLessThan(0.1);
    expect(r.density).toBeLessThan(0.1);
  });

  it('scores one digit (3s only) with high precision and low recall and coverage', () => {
    const threes: number[] = [];
    for (let i = 0; i < test.labels.length && threes.length < 800; i++)
      if (test.labels[i] === 3) threes.push(i);
    const r = scored(takeRows(test, Int32Array.from(threes)), unitCtx);
    expect(r.precision).toBeGreaterThan(0.6);
    expect(r.recall).toBeLessThan(0.3);
    expect(r.coverage).toBeLessThan(0.3);
    expect(formatEvalLine(3, r)).toMatch(/ prec=0\.\d{3} rec=0\.\d{3} dens=\d\.\d{3} cov=0\.\d{3}$/);
  });

  it('converts raw (0..255) and tanh (-1..1) samples exactly as the real images are scaled', async () => {
    const bytes = new Uint8Array(realTest.size);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(realTest.data[i] * 255);
    for (const scaling of ['raw', 'tanh'] as const) {
      const config = mnistConfig({ scaling }, scaling === 'tanh' ? 'tanh' : 'identity');
      const ctx = await createEvalContext(config, loadTrainingData(config));
      expect(mnistContext(ctx)).toMatchObject({ dataScaling: scaling, displayScaling: scaling });
      const r = scored(new Tensor(scalePixels(bytes, scaling), realTest.shape), ctx);
      if (scaling === 'raw')
        expect(r).toEqual(real); // byte / 255 either way: bit-identical
      else {
        expect(r.modesCovered).toBe(real.modesCovered);
        expect(r.inceptionScore).toBeCloseTo(real.inceptionScore, 3);
        expect(r.frechetDistance).toBeCloseTo(real.frechetDistance, 1);
        expect(r.nnDistance).toBeCloseTo(real.nnDistance, 3);
      }
    }
  });

  it("also scores the article's setup on the display scale: sigmoid output on raw data", async () => {
    // The article's configs: raw 0..255 data, generator output a sigmoid in 0..1. A generator that had
    // learned perfect digits in 0..1 is nearly black on the data's scale.
    const config = mnistConfig({ scaling: 'raw' }, 'sigmoid');
    const ctx = mnistContext(await createEvalContext(config, loadTrainingData(config)));
    expect(ctx).toMatchObject({ dataScaling: 'raw', displayScaling: 'unit' });
    const r = scored(realTest, ctx);
    expect(r.diversity).toBeLessThan(0.01); // every image within 1/255 of black
    expect(r.inceptionScore).toBeLessThan(2);
    expect(r['display.modesCovered']).toBe(10);
    expect(r['display.inceptionScore']).toBe(real.inceptionScore);
    expect(r['display.frechetDistance']).toBe(real.frechetDistance);
    expect(r['display.classHistogram']).toEqual(real.classHistogram);
    expect(formatEvalLine(1, r)).toMatch(/ display_modes=10\/10 display_kl=/);
  });
});
