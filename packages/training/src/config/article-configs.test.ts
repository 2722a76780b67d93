import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTICLE_CONFIGS } from './article.ts';
import { loadConfig } from './load.ts';
import { type ExperimentConfig, layerActivations, type OptimizerConfig } from './schema.ts';
import { CONFIGS_DIR } from './test-helpers.ts';

// The facts below are copied from the article's description (SEED.md), not from the YAML files,
// so a config that drifts from the article fails here.

const ALTERNATING = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'atan' : 'relu'));

interface ArticleFacts {
  file: string;
  /** The reference file it reproduces, named in the config's header. */
  reference: string;
  hidden: number[];
  z: number;
  activations: string[];
  lr: number;
  /** [step, factor] pairs; empty = no decay. */
  milestones: [number, number][];
  seed: number;
  /** np.random.randint(len(images) - excludeLast). */
  excludeLast: number;
  /** h_multi_last.py's typo: the output weight gradient squares the upstream gradient. */
  outputWeightGrad: 'chain-rule' | 'upstream-squared';
  /** f_Generator_Multilayer.py's typo: the output layer's init scaled by the first hidden width. */
  outputInitFanIn: 'own' | 'first-hidden';
}

const FAILED_FILE: Omit<ArticleFacts, 'file' | 'hidden' | 'z' | 'activations'> = {
  reference: 'f_Generator_Multilayer.py',
  lr: 3e-5,
  milestones: [],
  seed: 32432,
  excludeLast: 10,
  outputWeightGrad: 'chain-rule',
  outputInitFanIn: 'first-hidden',
};

const ARTICLE: ArticleFacts[] = [
  {
    file: 'failed-1.yaml',
    hidden: [200, 560],
    z: 100,
    activations: ALTERNATING(2),
    ...FAILED_FILE,
  },
  {
    file: 'failed-2.yaml',
    hidden: [245, 960],
    z: 100,
    activations: ['tanh', 'tanh'],
    ...FAILED_FILE,
  },
  {
    file: 'failed-3.yaml',
    hidden: [326, 356, 412],
    z: 326,
    activations: ALTERNATING(3),
    ...FAILED_FILE,
  },
  {
    file: 'failed-4.yaml',
    hidden: [420, 640],
    z: 350,
    activations: ALTERNATING(2),
    ...FAILED_FILE,
  },
  {
    file: 'failed-5.yaml',
    hidden: [660, 780],
    z: 600,
    activations: ALTERNATING(2),
    ...FAILED_FILE,
  },
  {
    file: 'failed-6.yaml',
    hidden: [320, 480],
    z: 200,
    activations: ALTERNATING(2),
    ...FAILED_FILE,
  },
  {
    file: 'decay.yaml',
    reference: 'h_multi_last.py',
    hidden: [128, 256, 346, 480, 560, 686],
    z: 100,
    activations: ['atan', 'relu', 'atan', 'relu', 'tanh', 'relu'],
    lr: 9e-5,
    // x0.01 after step 0 and again after step 40
    milestones: [
      [1, 0.01],
      [41, 0.01],
    ],
    seed: 127,
    excludeLast: 5,
    outputWeightGrad: 'upstream-squared',
    outputInitFanIn: 'own',
  },
  {
    file: 'decay-early.yaml',
    reference: 'g_multi_multi_layer.py',
    hidden: [356, 512, 686],
    z: 300,
    activations: ALTERNATING(3),
    lr: 3e-5,
    // x0.01 after step 0, x0.001 after step 30
    milestones: [
      [1, 0.01],
      [31, 0.001],
    ],
    seed: 32432,
    excludeLast: 10,
    outputWeightGrad: 'chain-rule',
    outputInitFanIn: 'own',
  },
];

/** lr(t) under a step schedule, evaluated independently of the trainer. */
function lrAt(opt: OptimizerConfig, t: number): number {
  if (opt.schedule.type === 'constant') return opt.lr;
  if (opt.schedule.type !== 'step') throw new Error(`unexpected schedule ${opt.schedule.type}`);
  return opt.schedule.milestones.reduce((lr, m) => (m.step <= t ? lr * m.factor : lr), opt.lr);
}

function expectArticleBasics(c: ExperimentConfig): void {
  // Data: MNIST test split, raw 0..255, batch 1, uniform with replacement, shuffled once at load.
  expect(c.data).toMatchObject({
    dataset: 'mnist',
    split: 'test',
    scaling: 'raw',
    batchSize: 1,
    sampling: 'replacement',
    shuffleOnLoad: true,
    limit: null,
  });
  // Networks: z ~ U(-1, 1), sigmoid output, D with one ReLU hidden layer, He-normal x 0.002.
  expect(c.model.z.distribution).toBe('uniform');
  expect(c.model.generator.output).toBe('sigmoid');
  expect(layerActivations(c.model.discriminator)).toEqual(['relu']);
  expect(c.model.init).toMatchObject({ scheme: 'he-normal', gain: 0.002 });
  // Losses: D trained on the standard loss (the hand-derived gradients), the flipped cost the
  // article prints logged; non-saturating G; from probabilities.
  expect(c.loss).toEqual({
    discriminator: 'standard',
    reportedDiscriminatorCost: 'article-printed',
    generator: 'non-saturating',
    realLabel: 1,
    clip: null,
    fromProbabilities: true,
  });
  // Adam 0.9 / 0.999 / 1e-8 with constant bias correction, for both networks.
  for (const opt of [c.optim.generator, c.optim.discriminator]) {
    expect(opt).toMatchObject({
      type: 'adam',
      betas: [0.9, 0.999],
      eps: 1e-8,
      biasCorrection: 'constant',
    });
  }
  expect(c.train.dSteps).toBe(1);
}

describe("the article's configs reproduce its reference files", () => {
  it.each(ARTICLE)('$file reproduces $reference', (facts) => {
    const { config: c } = loadConfig(path.join(CONFIGS_DIR, facts.file));
    expect(c.name).toBe(path.basename(facts.file, '.yaml'));
    expectArticleBasics(c);
    expect(c.model.generator.hidden).toEqual(facts.hidden);
    expect(c.model.z.size).toBe(facts.z);
    expect(layerActivations(c.model.generator)).toEqual(facts.activations);
    // D is 784 -> H -> 1 with H = the generator's first hidden size.
    expect(c.model.discriminator.hidden).toEqual([facts.hidden[0]]);
    expect(c.seed).toBe(facts.seed);
    expect(c.data.excludeLast).toBe(facts.excludeLast);
    expect(c.model.generator.outputWeightGrad).toBe(facts.outputWeightGrad);
    expect(c.model.generator.outputInitFanIn).toBe(facts.outputInitFanIn);
    const header = fs.readFileSync(path.join(CONFIGS_DIR, facts.file), 'utf8').split('\nextends:')[0];
    expect(header).toContain(facts.reference);
    for (const opt of [c.optim.generator, c.optim.discriminator]) {
      expect(opt.lr).toBe(facts.lr);
      if (facts.milestones.length === 0) expect(opt.schedule).toEqual({ type: 'constant' });
      else {
        expect(opt.schedule).toEqual({
          type: 'step',
          milestones: facts.milestones.map(([step, factor]) => ({ step, factor })),
        });
      }
    }
  });

  it('decay.yaml: lr 9e-5 at step 0, x0.01 from step 1, 1e-4 of the start from step 41', () => {
    const { config: c } = loadConfig(path.join(CONFIGS_DIR, 'decay.yaml'));
    for (const opt of [c.optim.generator, c.optim.discriminator]) {
      expect(lrAt(opt, 0)).toBeCloseTo(9e-5, 15);
      expect(lrAt(opt, 1)).toBeCloseTo(9e-7, 15);
      expect(lrAt(opt, 40)).toBeCloseTo(9e-7, 15);
      expect(lrAt(opt, 41)).toBeCloseTo(9e-9, 15);
      expect(lrAt(opt, 1_000_000)).toBeCloseTo(9e-9, 15);
    }
  });

  it('article runs default to 20000 steps, metrics every 10, grids every 500, checkpoints every 5000', () => {
    for (const { file } of ARTICLE) {
      const { config: c } = loadConfig(path.join(CONFIGS_DIR, file));
      expect(c.train.steps).toBe(20000);
      expect(c.log).toMatchObject({
        every: 10,
        samplesEvery: 500,
        sampleScale: 'per-image',
        checkpointEvery: 5000,
      });
    }
  });

  it('every article config extends article-base.yaml (the failed ones through failed-base.yaml)', () => {
    for (const { file } of ARTICLE) {
      const loaded = loadConfig(path.join(CONFIGS_DIR, file));
      const chain = file.startsWith('failed-')
        ? ['article-base.yaml', 'failed-base.yaml', file]
        : ['article-base.yaml', file];
      expect(loaded.files).toEqual(chain.map((f) => path.join(CONFIGS_DIR, f)));
    }
  });

  it("covers exactly the configs the project calls the article's (ARTICLE_CONFIGS)", () => {
    const names = ARTICLE.map((f) => path.basename(f.file, '.yaml'));
    expect([...names].sort()).toEqual([...ARTICLE_CONFIGS].sort());
  });

  it('the ablations turn off one reproduced typo or quirk each, and the counterfactual is named', () => {
    const load = (f: string) => loadConfig(path.join(CONFIGS_DIR, 'ablations', f)).config;
    expect(load('decay-grad-fixed.yaml').model.generator.outputWeightGrad).toBe('chain-rule');
    expect(load('failed-1-init-fixed.yaml').model.generator.outputInitFanIn).toBe('own');
    for (const f of ['decay-flipped-dloss.yaml', 'failed-1-flipped-dloss.yaml'])
      expect(load(f).loss.discriminator).toBe('flipped');
  });

  it('the remedies apply one remedy each to failed-1 (logits where the loss needs them)', () => {
    const load = (f: string) => loadConfig(path.join(CONFIGS_DIR, 'remedies', f)).config;
    const base = loadConfig(path.join(CONFIGS_DIR, 'failed-1.yaml')).config;
    for (const [f, kind] of [
      ['failed-1-lsgan.yaml', 'least-squares'],
      ['failed-1-hinge.yaml', 'hinge'],
      ['failed-1-wgan.yaml', 'wasserstein'],
    ] as const) {
      const c = load(f);
      expect(c.loss).toMatchObject({ discriminator: kind, generator: kind, fromProbabilities: false });
      expect(c.loss.reportedDiscriminatorCost).toBe('article-printed');
      expect(c.model).toEqual(base.model);
    }
    const wgan = load('failed-1-wgan.yaml');
    expect(wgan.loss.clip).toBe(0.01);
    expect(wgan.train.dSteps).toBe(5);
    for (const opt of [wgan.optim.generator, wgan.optim.discriminator])
      expect(opt).toMatchObject({ type: 'rmsprop', lr: 5e-5, alpha: 0.99 });
    expect(load('failed-1-label-smoothing.yaml').loss).toEqual({ ...base.loss, realLabel: 0.9 });
    expect(load('failed-1-instance-noise.yaml').train).toEqual({
      ...base.train,
      instanceNoise: { std: 25.5, annealSteps: 10000 },
    });
    expect(load('failed-1-unrolled.yaml').train).toEqual({ ...base.train, unrolledSteps: 5 });
  });
});

describe('baseline.yaml and smoke.yaml', () => {
  /** What baseline.yaml and baseline-tutorial.yaml share: a standard MNIST GAN, correctly trained. */
  const standardGan = (file: string) => {
    const { config: c, files } = loadConfig(path.join(CONFIGS_DIR, file));
    expect(files).toEqual([path.join(CONFIGS_DIR, file)]);
    expect(c.seed).toBe(0);
    expect(c.data).toMatchObject({ dataset: 'mnist', split: 'train', scaling: 'tanh', sampling: 'epochs' });
    expect(c.model.z).toEqual({ size: 100, distribution: 'normal' });
    expect(c.model.generator).toMatchObject({ output: 'tanh' });
    for (const net of [c.model.generator, c.model.discriminator])
      expect(new Set(layerActivations(net))).toEqual(new Set(['leakyRelu']));
    expect(c.model.init.scheme).toBe('xavier-uniform');
    expect(c.loss).toEqual({
      discriminator: 'standard',
      reportedDiscriminatorCost: 'objective',
      generator: 'non-saturating',
      realLabel: 1,
      clip: null,
      fromProbabilities: false,
    });
    for (const opt of [c.optim.generator, c.optim.discriminator]) {
      expect(opt).toMatchObject({ type: 'adam', biasCorrection: 'standard' });
      expect(opt.schedule).toEqual({ type: 'constant' });
    }
    expect(c.train).toMatchObject({ steps: 20000, dSteps: 1 });
    return c;
  };

  it('baseline is a standard MNIST GAN with the settings baseline-search found', () => {
    const c = standardGan('baseline.yaml');
    expect(c.data.batchSize).toBe(32);
    expect(c.model.generator).toMatchObject({ hidden: [512, 512, 512], leakySlope: 0.2828 });
    expect(c.model.discriminator).toMatchObject({ hidden: [256, 256], leakySlope: 0.1302 });
    expect(c.optim.generator).toMatchObject({ lr: 9.786e-4, betas: [0.5, 0.9] });
    expect(c.optim.discriminator).toMatchObject({ lr: 7.072e-4, betas: [0, 0.9] });
  });

  it("baseline-tutorial is the same GAN with the tutorials' settings (the baseline before the search)", () => {
    const c = standardGan('baseline-tutorial.yaml');
    expect(c.data.batchSize).toBe(64);
    expect(c.model.generator).toMatchObject({ hidden: [256, 512, 1024], leakySlope: 0.2 });
    expect(c.model.discriminator).toMatchObject({ hidden: [1024, 512, 256], leakySlope: 0.2 });
    for (const opt of [c.optim.generator, c.optim.discriminator])
      expect(opt).toMatchObject({ lr: 2e-4, betas: [0.5, 0.999] });
  });

  it('smoke is a short 8-Gaussians run with small networks', () => {
    const { config: c } = loadConfig(path.join(CONFIGS_DIR, 'smoke.yaml'));
    expect(c.data).toMatchObject({ dataset: 'gaussians8', batchSize: 64 });
    expect(c.model.z.size).toBe(8);
    expect(c.model.generator.hidden).toEqual([64, 64]);
    expect(c.model.discriminator.hidden).toEqual([64]);
    expect(c.train.steps).toBe(300);
    expect(c.log).toMatchObject({ every: 10, samplesEvery: 100 });
  });

  it('every YAML config starts with the schema modeline', () => {
    const yamls = fs.readdirSync(CONFIGS_DIR).filter((f) => f.endsWith('.yaml'));
    expect(yamls.length).toBeGreaterThanOrEqual(10);
    for (const f of yamls) {
      const first = fs.readFileSync(path.join(CONFIGS_DIR, f), 'utf8').split('\n')[0];
      expect(first, f).toBe('# yaml-language-server: $schema=./schema.json');
    }
  });
});
