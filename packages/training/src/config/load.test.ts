import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configFromObject, loadConfig, parseOverride, serializeConfig } from './load.ts';
import { experimentConfigSchema } from './schema.ts';
import { CONFIGS_DIR, tempConfigDir } from './test-helpers.ts';

const BASE = `
name: base-name-is-not-inherited-by-default
seed: 3
data:
  split: test
  batchSize: 8
model:
  generator:
    hidden: [10, 20, 30]
    activation: [atan, relu, atan]
    output: sigmoid
  discriminator:
    hidden: [10]
optim:
  generator:
    lr: 0.001
    schedule:
      type: step
      milestones: [{ step: 1, factor: 0.5 }]
`;

describe('loadConfig', () => {
  it('fills in every default of the schema', () => {
    const { write } = tempConfigDir();
    const { config } = loadConfig(write('empty.yaml', ''));
    expect(config).toEqual({
      name: 'empty',
      description: '',
      seed: 0,
      random: { stream: 'xoshiro', gridEvery: null },
      data: {
        dataset: 'mnist',
        split: 'train',
        scaling: 'tanh',
        shuffleOnLoad: false,
        limit: null,
        excludeLast: 0,
        sampling: 'epochs',
        batchSize: 64,
      },
      model: {
        z: { size: 100, distribution: 'normal' },
        generator: {
          layers: null,
          hidden: [256, 512, 1024],
          activation: 'leakyRelu',
          output: 'tanh',
          leakySlope: 0.2,
          outputWeightGrad: 'chain-rule',
          outputInitFanIn: 'own',
        },
        discriminator: {
          layers: null,
          hidden: [1024, 512, 256],
          activation: 'leakyRelu',
          leakySlope: 0.2,
          packing: 1,
          minibatchStd: null,
          spectralNorm: false,
        },
        init: { scheme: 'xavier-uniform', gain: 1, std: 0.02 },
      },
      loss: {
        discriminator: 'standard',
        reportedDiscriminatorCost: 'objective',
        generator: 'non-saturating',
        realLabel: 1,
        clip: null,
        fromProbabilities: false,
      },
      optim: {
        generator: {
          type: 'adam',
          lr: 0.0002,
          betas: [0.5, 0.999],
          eps: 1e-8,
          biasCorrection: 'standard',
          momentum: 0,
          nesterov: false,
          alpha: 0.99,
          schedule: { type: 'constant' },
        },
        discriminator: {
          type: 'adam',
          lr: 0.0002,
          betas: [0.5, 0.999],
          eps: 1e-8,
          biasCorrection: 'standard',
          momentum: 0,
          nesterov: false,
          alpha: 0.99,
          schedule: { type: 'constant' },
        },
      },
      train: { steps: 10000, dSteps: 1, instanceNoise: null, unrolledSteps: 0, precision: 'float32' },
      log: {
        every: 10,
        printEvery: 100,
        samplesEvery: 500,
        sampleScale: 'output',
        checkpointEvery: 5000,
        gif: true,
      },
      eval: { every: 0, samples: 1000, stackedSamples: 26_000, atEnd: true },
    });
  });

  it('fills defaults inside schedule variants', () => {
    const { write } = tempConfigDir();
    const f = write(
      's.yaml',
      'optim:\n  generator:\n    schedule: { type: cosine }\n  discriminator:\n    schedule: { type: exponential, gamma: 0.9 }\n',
    );
    const { config } = loadConfig(f);
    expect(config.optim.generator.schedule).toEqual({ type: 'cosine', steps: null, minLr: 0, warmup: 0 });
    expect(config.optim.discriminator.schedule).toEqual({ type: 'exponential', gamma: 0.9, every: 1 });
  });

  it('extends merges objects deeply, lists replace, and the name comes from the file given', () => {
    const { write } = tempConfigDir();
    const base = write('base.yaml', BASE.replace(/^name:.*$/m, ''));
    const child = write(
      'child.yaml',
      'extends: ./base.yaml\ndata:\n  batchSize: 1\nmodel:\n  generator:\n    hidden: [5]\n    activation: relu\n',
    );
    const loaded = loadConfig(child);
    const c = loaded.config;
    expect(loaded.file).toBe(child);
    expect(loaded.files).toEqual([base, child]);
    expect(c.name).toBe('child');
    expect(c.seed).toBe(3); // from the base
    expect(c.data.split).toBe('test'); // sibling of an overridden key survives
    expect(c.data.batchSize).toBe(1);
    expect(c.model.generator.hidden).toEqual([5]); // replaced, not merged element-wise
    expect(c.model.generator.activation).toBe('relu');
    expect(c.model.generator.output).toBe('sigmoid');
    expect(c.optim.generator.lr).toBe(0.001);
  });

  it('an explicit name anywhere in the chain wins over the file name', () => {
    const { write } = tempConfigDir();
    write('base.yaml', BASE);
    const child = write('child.yaml', 'extends: ./base.yaml\n');
    expect(loadConfig(child).config.name).toBe('base-name-is-not-inherited-by-default');
  });

  it('extends chains resolve relative to each extending file', () => {
    const { dir, write } = tempConfigDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    const root = write('root.yaml', 'seed: 11\ntrain:\n  steps: 5\n');
    const mid = write('sub/mid.yaml', 'extends: ../root.yaml\ntrain:\n  dSteps: 2\n');
    const leaf = write('sub/leaf.yaml', 'extends: mid.yaml\nseed: 12\n');
    const loaded = loadConfig(leaf);
    expect(loaded.files).toEqual([root, mid, leaf]);
    expect(loaded.config.seed).toBe(12);
    expect(loaded.config.train).toEqual({
      steps: 5,
      dSteps: 2,
      instanceNoise: null,
      unrolledSteps: 0,
      precision: 'float32',
    });
  });

  it('a schedule whose type changes is replaced, not merged with the old variant', () => {
    const { write } = tempConfigDir();
    write('base.yaml', BASE);
    const child = write(
      'child.yaml',
      'extends: ./base.yaml\noptim:\n  generator:\n    schedule: { type: exponential, gamma: 0.5 }\n',
    );
    expect(loadConfig(child).config.optim.generator.schedule).toEqual({
      type: 'exponential',
      gamma: 0.5,
      every: 1,
    });
  });

  it('YAML aliases do not tie two keys together when one is overridden', () => {
    const { write } = tempConfigDir();
    const base = write('a.yaml', 'optim:\n  generator: &opt\n    lr: 0.1\n  discriminator: *opt\n');
    const { config } = loadConfig(base, ['optim.generator.lr=0.2']);
    expect(config.optim.generator.lr).toBe(0.2);
    expect(config.optim.discriminator.lr).toBe(0.1);
  });

  it('applies command-line overrides after the files', () => {
    const { write } = tempConfigDir();
    const f = write('base.yaml', BASE);
    const loaded = loadConfig(f, [
      'train.steps=500',
      'seed=7',
      'model.generator.hidden=[128,256]',
      'model.generator.activation=[tanh, relu]',
      'optim.generator.schedule.type=constant',
      'data.limit=100',
      'description=a b c',
    ]);
    const c = loaded.config;
    expect(loaded.overrides).toEqual([
      'train.steps=500',
      'seed=7',
      'model.generator.hidden=[128,256]',
      'model.generator.activation=[tanh, relu]',
      'optim.generator.schedule.type=constant',
      'data.limit=100',
      'description=a b c',
    ]);
    expect(c.train.steps).toBe(500);
    expect(c.seed).toBe(7);
    expect(c.model.generator.hidden).toEqual([128, 256]);
    expect(c.model.generator.activation).toEqual(['tanh', 'relu']);
    expect(c.optim.generator.schedule).toEqual({ type: 'constant' });
    expect(c.optim.generator.lr).toBe(0.001); // siblings of an overridden key stay
    expect(c.data.limit).toBe(100);
    expect(c.description).toBe('a b c');
    expect(loadConfig(f, ['data.limit=100', 'data.limit=null']).config.data.limit).toBeNull();
  });

  it("reports a check's problems at the key they name: the file's line, or the override that set it", () => {
    const { write } = tempConfigDir();
    const f = write('base.yaml', BASE);
    const check = (c: { model: { generator: { hidden: number[] } } }) =>
      c.model.generator.hidden[0] > 100
        ? [{ path: ['model', 'generator', 'hidden'], message: 'too wide' }]
        : [];
    expect(loadConfig(f, [], { check }).config.model.generator.hidden).toEqual([10, 20, 30]);
    const wide = write('wide.yaml', BASE.replace('hidden: [10, 20, 30]', 'hidden: [1000, 20, 30]'));
    expect(() => loadConfig(wide, [], { check })).toThrow(
      /wide\.yaml:9:13: model\.generator\.hidden: too wide$/,
    );
    expect(() => loadConfig(f, ['model.generator.hidden=[500,20,30]'], { check })).toThrow(
      /^command line: model\.generator\.hidden=\[500,20,30\]: model\.generator\.hidden: too wide$/,
    );
  });

  it('does not modify the article configs when overriding them', () => {
    const decay = path.join(CONFIGS_DIR, 'decay.yaml');
    const before = loadConfig(decay).config;
    const after = loadConfig(decay, ['train.steps=500', 'seed=7']).config;
    expect(after.train.steps).toBe(500);
    expect(after.seed).toBe(7);
    expect({ ...after, train: before.train, seed: before.seed }).toEqual(before);
  });
});

describe('parseOverride', () => {
  it.each([
    ['train.steps=500', ['train', 'steps'], 500],
    ['optim.generator.lr=3e-5', ['optim', 'generator', 'lr'], 3e-5],
    ['loss.fromProbabilities=true', ['loss', 'fromProbabilities'], true],
    ['model.generator.hidden=[128,256]', ['model', 'generator', 'hidden'], [128, 256]],
    ['optim.generator.schedule.type=constant', ['optim', 'generator', 'schedule', 'type'], 'constant'],
    [
      'optim.generator.schedule={type: step, milestones: [{step: 1, factor: 0.01}]}',
      ['optim', 'generator', 'schedule'],
      { type: 'step', milestones: [{ step: 1, factor: 0.01 }] },
    ],
    ['data.limit=null', ['data', 'limit'], null],
    ['description=', ['description'], ''],
    ['description=x=y', ['description'], 'x=y'],
  ])('%s', (arg, keyPath, value) => {
    expect(parseOverride(arg)).toEqual({ arg, path: keyPath, value });
  });
});

describe('serializeConfig', () => {
  const configs = fs.readdirSync(CONFIGS_DIR).filter((f) => f.endsWith('.yaml'));

  it.each(configs)('round-trips %s through config.yaml', (file) => {
    const { config } = loadConfig(path.join(CONFIGS_DIR, file));
    const text = serializeConfig(config);
    const { write } = tempConfigDir();
    // A run folder's file is called config.yaml: the name must survive that.
    const again = loadConfig(write('config.yaml', text)).config;
    expect(again).toEqual(config);
    expect(configFromObject(parse(text), 'config.yaml')).toEqual(config);
  });

  it('writes keys in schema order, lists of numbers inline', () => {
    const { config } = loadConfig(path.join(CONFIGS_DIR, 'decay.yaml'));
    // Shuffle the key order of the input: the output order must still be the schema's.
    const reversed = Object.fromEntries(Object.entries(config).reverse()) as typeof config;
    const text = serializeConfig(reversed);
    const topKeys = text
      .split('\n')
      .filter((l) => /^[a-zA-Z]/.test(l))
      .map((l) => l.split(':')[0]);
    expect(topKeys).toEqual(Object.keys(experimentConfigSchema.shape));
    expect(text).toContain('    hidden: [128, 256, 346, 480, 560, 686]\n');
    expect(text).toContain('name: decay\n');
  });

  it('refuses to write an invalid config', () => {
    const { config } = loadConfig(path.join(CONFIGS_DIR, 'smoke.yaml'));
    expect(() => serializeConfig({ ...config, seed: -1 })).toThrow('seed: expected an integer >= 0, got -1');
  });
});
