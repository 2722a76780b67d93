import { gaussianDataset } from '@gan/data';
import { Rng } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { configFromObject, type ExperimentConfig } from '../config/index.ts';
import { GanTrainer } from './gan.ts';
import { estimateMemory, formatBytes, type MachineMemory, memoryProblems } from './memory.ts';

const GB = 2 ** 30;
const machine = (gb: number): MachineMemory => ({ bytes: gb * GB, description: `this machine has ${gb} GB` });

const config = (over: Record<string, unknown> = {}): ExperimentConfig =>
  configFromObject({ name: 'm', ...over }, 'm.yaml');
const ring = (hidden: number[]) =>
  config({
    data: { dataset: 'gaussians8', batchSize: 16 },
    model: { z: { size: 4 }, generator: { hidden, output: 'identity' }, discriminator: { hidden: [16] } },
  });

describe('estimateMemory', () => {
  it('counts parameters exactly and weights, gradients and Adam moments as four floats each', () => {
    const e = estimateMemory(ring([16]));
    expect(e.params).toEqual({ generator: 4 * 16 + 16 + 16 * 2 + 2, discriminator: 2 * 16 + 16 + 16 + 1 });
    expect(e.state.generator).toBe(e.params.generator * 4 * 4);
    expect(e.checkpoint).toBe((e.params.generator + e.params.discriminator) * 3 * 4);
    const sgd = estimateMemory(
      config({ optim: { generator: { type: 'sgd' }, discriminator: { type: 'sgd' } } }),
    );
    expect(sgd.state.generator).toBe(sgd.params.generator * 2 * 4);
    expect(sgd.optimizerName).toBe('optimizer');
  });

  it("keeps the article's and the baseline's models far below a small machine's memory", () => {
    expect(memoryProblems(config(), machine(2))).toEqual([]);
    expect(estimateMemory(config()).total).toBeLessThan(0.5 * GB);
  });
});

describe('memoryProblems', () => {
  it('refuses a model too large for the machine, at the key to change, with the estimate', () => {
    const huge = config({ model: { generator: { hidden: [100_000_000] } } });
    expect(memoryProblems(huge, machine(24))).toEqual([
      {
        path: ['model', 'generator', 'hidden'],
        message:
          'about 1.3 TB for parameters, gradients and Adam state, 95 GB for activations at batch size 64, ' +
          '198 GB to draw sample grids and evaluation samples, 989 GB to write a checkpoint: 2.5 TB in all; ' +
          'this machine has 24 GB, and a run may plan on at most 75 % of it',
      },
    ]);
  });

  it('blames the batch size when the activations are what does not fit', () => {
    const [problem] = memoryProblems(config({ data: { batchSize: 20_000_000 } }), machine(24));
    expect(problem.path).toEqual(['data', 'batchSize']);
    expect(problem.message).toMatch(
      /^about \d+ MB for parameters, gradients and Adam state, \S+ TB for activations/,
    );
  });

  it('refuses, on a machine with memory to spare, an array no typed array can hold', () => {
    const huge = config({ model: { generator: { hidden: [100_000_000] } } });
    expect(memoryProblems(huge, machine(1_000_000))).toEqual([
      {
        path: ['model', 'generator', 'hidden'],
        message:
          'generator layer 1 (100000000 x 784 weights) would hold 78,400,000,000 values; one array holds at most 4,294,967,296',
      },
    ]);
  });

  it('refuses a checkpoint too large to read back (Node reads files of at most 2 GB)', () => {
    const wide = config({ model: { generator: { hidden: [300_000] } } });
    expect(memoryProblems(wide, machine(1_000_000))).toEqual([
      {
        path: ['model', 'generator', 'hidden'],
        message:
          'a checkpoint would take about 3.0 GB (weights and Adam state); Node reads files of at most 2 GB, ' +
          'so the run could never be resumed or evaluated',
      },
    ]);
  });
});

describe('GanTrainer', () => {
  it('refuses a model that does not fit before allocating it', () => {
    const data = gaussianDataset({ n: 100, rng: Rng.create(1, 'data-gen') });
    const before = process.memoryUsage().arrayBuffers;
    expect(() => new GanTrainer(ring([100_000_000]), data)).toThrow(
      /^m: cannot train this config here:\n {2}model\.generator\.hidden: about \S+ GB for parameters, gradients and Adam state/,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 2 ** 20);
    expect(() => new GanTrainer(ring([16]), data)).not.toThrow();
  });
});

describe('formatBytes', () => {
  it('says sizes in units of 1024 with two significant digits at least', () => {
    expect([512, 1536, 25_276_514_304, 1.3e12].map(formatBytes)).toEqual([
      '512 B',
      '1.5 kB',
      '24 GB',
      '1.2 TB',
    ]);
  });
});
