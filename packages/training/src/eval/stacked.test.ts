/**
 * Stacked MNIST's mode count with the real MNIST classifier (trained and cached on first use, see
 * evaluate.test.ts), at the papers' 26,000 samples.
 */
import { STACKED_PIXELS, stackedMnist } from '@gan/data';
import { Rng, Tensor } from '@gan/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../config/index.ts';
import { useBackend } from '../train/backend.ts';
import type { MnistClassifier } from './classifier.ts';
import { loadClassifier } from './classifier-cache.ts';
import { createEvalContext, evaluate, isMnistEval, isStackedEval } from './evaluate.ts';
import { evaluateStacked, stackedModeScores, stackedModesOf } from './stacked.ts';
import { formatEvalLine, formatSummary } from './summary.ts';

const N = 26_000;
let classifier: MnistClassifier;

beforeAll(async () => {
  useBackend('auto');
  classifier = await loadClassifier();
});

describe('stacked MNIST mode scores (pure)', () => {
  it('reads each channel as a digit, channel 0 the hundreds', () => {
    // Sample 0: digits 3, 0, 7; sample 1: 9, 9, 1 (one-hot-ish probabilities).
    const probs = Tensor.zeros([6, 10]);
    [3, 0, 7, 9, 9, 1].forEach((d, r) => {
      probs.data[r * 10 + d] = 0.9;
      probs.data[r * 10 + ((d + 1) % 10)] = 0.1;
    });
    expect(Array.from(stackedModesOf(probs))).toEqual([307, 991]);
    expect(() => stackedModesOf(Tensor.zeros([4, 10]))).toThrow('expected probs [3N, 10], got [4,10]');
  });

  it('one mode: 1 covered and KL = ln 1000; every mode once: 1000 and KL 0', () => {
    const one = stackedModeScores(new Int32Array(N).fill(42));
    expect(one.modesCovered).toBe(1);
    expect(one.klUniform).toBeCloseTo(Math.log(1000), 12);
    const all = stackedModeScores(Int32Array.from({ length: 2000 }, (_, i) => i % 1000));
    expect(all).toEqual({ modesCovered: 1000, klUniform: 0 });
    // Two modes, 3:1 = KL = 3/4 ln(750) + 1/4 ln(250), empty bins skipped.
    const two = stackedModeScores(Int32Array.of(1, 1, 1, 2));
    expect(two.klUniform).toBeCloseTo(0.75 * Math.log(750) + 0.25 * Math.log(250), 12);
    expect(() => stackedModeScores(Int32Array.of(1000))).toThrow('mode 1000 is outside 0..999');
  });
});

describe('stacked MNIST evaluation with the MNIST classifier', () => {
  it('real stacked images hit nearly all 1000 modes with KL near 0', () => {
    // Test digits (the classifier never trained on them), on the tanh scale a generator would use.
    const real = stackedMnist({ split: 'test', scaling: 'tanh', n: N, rng: Rng.create(5, 'data-gen') });
    const r = evaluateStacked(real.images, { dataset: 'stacked-mnist', classifier, dataScaling: 'tanh' });
    // A uniform draw of 26,000 covers 1000 (1 - (1 - 1/1000)^26000) = 1000 - 5e-9 modes, and
    // misread digits (~1.5% each) only move samples to other modes: expect all but a few.
    expect(r.samples).toBe(N);
    expect(r.modes).toBe(1000);
    expect(r.modesCovered).toBeGreaterThanOrEqual(995);
    // The empirical KL of a uniform draw is about (K - 1) / 2N = 0.019; the classifier's
    // per-digit biases add a little.
    expect(r.klUniform).toBeGreaterThan(0.005);
    expect(r.klUniform).toBeLessThan(0.05);
    expect(r.meanConfidence).toBeGreaterThan(0.95);
    expect(formatEvalLine(10, r)).toMatch(/^eval step=10 modes=(99\d|1000)\/1000 kl=0\.0\d+ conf=0\.9\d+$/);
    expect(formatSummary(r)).toContain('modes covered (>= 1 sample)');
  }, 120_000);

  it('a generator stuck on one stacked image scores 1 mode and KL = ln 1000', () => {
    const one = stackedMnist({ split: 'test', scaling: 'unit', n: 1, rng: Rng.create(9, 'data-gen') });
    const samples = Tensor.zeros([N, STACKED_PIXELS]);
    for (let i = 0; i < N; i++) samples.data.set(one.images.data, i * STACKED_PIXELS);
    const r = evaluateStacked(samples, { dataset: 'stacked-mnist', classifier, dataScaling: 'unit' });
    expect(r.modesCovered).toBe(1);
    expect(r.klUniform).toBeCloseTo(Math.log(1000), 9);
    expect(r.coverageThreshold).toBe(1 / N);
  }, 120_000);

  it('a stacked-mnist config gets a stacked context and result', async () => {
    const config = configFromObject(
      { name: 'st', data: { dataset: 'stacked-mnist', scaling: 'unit', limit: 100 } },
      'st.yaml',
    );
    expect(config.eval.stackedSamples).toBe(26_000);
    const ctx = await createEvalContext(
      config,
      stackedMnist({ split: 'train', scaling: 'unit', n: 10, rng: Rng.create(0, 'x') }),
    );
    expect(ctx.dataset).toBe('stacked-mnist');
    const r = evaluate(Tensor.zeros([20, STACKED_PIXELS]), ctx);
    expect(isStackedEval(r)).toBe(true);
    expect(isMnistEval(r)).toBe(false);
    expect(r.modesCovered).toBe(1);
  });
});
