/**
 * The discriminator-side remedies against mode collapse (PacGAN packing, ProGAN's minibatch std,
 * spectral norm): the training step's gradients through them against finite differences, on the
 * trainer's own passes, a checkpoint round trip that resumes bit-identically, and that each is
 * off by default. The layers' own checks (finite differences and PyTorch) are in @gan/nn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpectralNormLinear } from '@gan/nn';
import { encodeCheckpoint, loadCheckpoint, writeSafetensors } from '@gan/runs';
import { Rng, Tensor } from '@gan/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromObject, type ExperimentConfig } from '../config/index.ts';
import { loadTrainingData } from './data.ts';
import { GanTrainer } from './gan.ts';
import { gradientMismatches, gradsOf } from './gradcheck.test-util.ts';
import { estimateMemory } from './memory.ts';
import { checkpointOf, snapshotOf } from './restore.ts';

const BATCH = 4;
const Z_SIZE = 3;
const H = 5e-3;
const ATOL = 2e-4;
const RTOL = 1e-2;

type Remedy = Record<string, unknown>;
const REMEDIES: { name: string; d: Remedy }[] = [
  { name: 'packing 2', d: { packing: 2 } },
  { name: 'packing 3', d: { packing: 3 } },
  { name: 'minibatch std (group 2)', d: { minibatchStd: { groupSize: 2 } } },
  { name: 'minibatch std (group 4), one hidden layer', d: { hidden: [5], minibatchStd: { groupSize: 4 } } },
  { name: 'spectral norm', d: { spectralNorm: true } },
  { name: 'all three', d: { packing: 2, minibatchStd: { groupSize: 2 }, spectralNorm: true } },
];

function configOf(d: Remedy, over: Record<string, unknown> = {}): ExperimentConfig {
  return configFromObject(
    {
      name: 'remedies',
      seed: 3,
      data: { dataset: 'gaussians8', batchSize: BATCH, limit: 64 },
      model: {
        z: { size: Z_SIZE },
        generator: { hidden: [6], activation: 'tanh', output: 'tanh' },
        discriminator: { hidden: [5, 4], activation: 'tanh', ...d },
      },
      ...over,
    },
    'remedies.yaml',
  );
}

function trainer(d: Remedy, over: Record<string, unknown> = {}): GanTrainer {
  const config = configOf(d, over);
  return new GanTrainer(config, loadTrainingData(config));
}

/** Parameter values whose analytic and numeric derivatives of `loss` disagree, as `name[i]`. */
const mismatches = (params: GanTrainer['dParams'], analytic: Float32Array[], loss: () => number) =>
  gradientMismatches(params, analytic, loss, { h: H, atol: ATOL, rtol: RTOL }).bad;

const grads = gradsOf;

describe("the training step's gradients through D's remedies match finite differences", () => {
  it.each(REMEDIES)('$name', ({ d }) => {
    const t = trainer(d);
    const rows = BATCH * t.packing;
    const real = Tensor.zeros([rows, 2]);
    Rng.create(11, 'gradcheck-real').fillNormal(real.data, 0, 1.5);
    const z = Tensor.zeros([rows, Z_SIZE]);
    Rng.create(12, 'gradcheck-z').fillNormal(z.data, 0, 1);
    // Spectral norm: a few power iterations, then u and v held, so σ's estimate is a function of W.
    t.discriminatorLossAt(real, z);
    t.discriminatorLossAt(real, z);
    for (const l of t.models.discriminatorWeighted)
      if (l instanceof SpectralNormLinear) l.powerIteration = false;

    expect(Number.isFinite(t.discriminatorLossAt(real, z).objective)).toBe(true);
    expect(mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective)).toEqual(
      [],
    );
    expect(Number.isFinite(t.generatorLossAt(z))).toBe(true);
    expect(mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z))).toEqual([]);
  });
});

describe('packing with instance noise', () => {
  it("the step's gradients match finite differences with the noise in place", () => {
    const t = trainer({ packing: 2 }, { train: { instanceNoise: { std: 0.5, annealSteps: 100 } } });
    t.trainStep(); // draws the step's noise into the trainer's buffers; the checks reuse it
    const real = Tensor.zeros([BATCH * 2, 2]);
    Rng.create(11, 'gradcheck-real').fillNormal(real.data, 0, 1.5);
    const z = Tensor.zeros([BATCH * 2, Z_SIZE]);
    Rng.create(12, 'gradcheck-z').fillNormal(z.data, 0, 1);
    t.discriminatorLossAt(real, z);
    expect(mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective)).toEqual(
      [],
    );
    t.generatorLossAt(z);
    expect(mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z))).toEqual([]);
    const plain = trainer({ packing: 2 });
    plain.restore(t.snapshot());
    expect(plain.generatorLossAt(z)).not.toBe(t.generatorLossAt(z));
  });
});

describe('packing', () => {
  it("widens only D's first layer, and draws batch x m rows of data and z per step", () => {
    const t = trainer({ packing: 3 });
    expect(t.dParams.map((p) => p.value.shape)).toEqual([[6, 5], [5], [5, 4], [4], [4, 1], [1]]);
    const seen: number[] = [];
    t.observer = {
      discriminatorInputs: (idx, draws, z) => seen.push(idx.length, draws.length, z.shape[0]),
      generatorInputs: (z) => seen.push(z.shape[0]),
    };
    t.trainStep();
    expect(seen).toEqual([12, 12, 12, 12]);
    expect(() => t.discriminatorLossAt(Tensor.zeros([BATCH, 2]), Tensor.zeros([12, Z_SIZE]))).toThrow(
      /real: expected \[12,2\], got \[4,2\]/,
    );
  });

  it("judges packs: D's output on a real pack is D on its m rows side by side", () => {
    const t = trainer({ packing: 2 });
    const real = Tensor.zeros([8, 2]);
    Rng.create(5, 'rows').fillNormal(real.data, 0, 1);
    t.discriminatorLossAt(real, Tensor.zeros([8, Z_SIZE]));
    const packs = Tensor.zeros([4, 4]);
    packs.data.set(real.data);
    const out = Float32Array.from(t.models.discriminator.forward(packs).data);
    const t2 = trainer({ packing: 2 });
    const { dReal } = t2.discriminatorLossAt(real, Tensor.zeros([8, Z_SIZE]));
    const mean = out.reduce((a, v) => a + 1 / (1 + Math.exp(-v)), 0) / 4;
    expect(dReal).toBeCloseTo(mean, 6);
  });

  it('is refused outside 1..4, naming the key', () => {
    expect(() => configOf({ packing: 5 })).toThrow(
      /model\.discriminator\.packing.*an integer in 1\.\.4, got 5/s,
    );
    expect(() => configOf({ packing: 0 })).toThrow(/model\.discriminator\.packing/);
  });
});

describe('minibatch std config', () => {
  it('refuses a group size that does not divide the batch, naming the key', () => {
    expect(() => configOf({ minibatchStd: { groupSize: 3 } })).toThrow(
      /model\.discriminator\.minibatchStd\.groupSize.*expected a divisor of data\.batchSize \(4\)/s,
    );
    expect(() => configOf({ minibatchStd: { groupSize: 8 } })).not.toThrow();
  });

  it("adds one input to D's last hidden layer", () => {
    const t = trainer({ minibatchStd: { groupSize: 2 } });
    expect(t.dParams.map((p) => p.value.shape)).toEqual([[2, 5], [5], [6, 4], [4], [4, 1], [1]]);
  });
});

describe("the memory estimate counts D's remedies", () => {
  it.each(REMEDIES)('$name: parameters exactly', ({ d }) => {
    const t = trainer(d);
    const count = (ps: GanTrainer['dParams']) => ps.reduce((n, p) => n + p.value.size, 0);
    const e = estimateMemory(t.config);
    expect(e.params).toEqual({ generator: count(t.gParams), discriminator: count(t.dParams) });
  });

  it('grows with packing', () => {
    expect(estimateMemory(configOf({ packing: 4 })).activations).toBeGreaterThan(
      estimateMemory(configOf({})).activations,
    );
  });
});

let saved = 0;
const dir = mkdtempSync(join(tmpdir(), 'gan-remedies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a checkpoint round trip resumes bit-identically', () => {
  it.each(REMEDIES)('$name', async ({ d }) => {
    const a = trainer(d);
    for (let i = 0; i < 3; i++) a.trainStep();
    const file = join(dir, `ckpt-${++saved}.safetensors`);
    const { tensors, metadata } = encodeCheckpoint(checkpointOf(a.snapshot(), { time: 0, config: '' }));
    await writeSafetensors(file, tensors, metadata);
    const after = [0, 1, 2].map(() => a.trainStep());

    const b = trainer(d);
    b.restore(snapshotOf(await loadCheckpoint(file)));
    expect([0, 1, 2].map(() => b.trainStep())).toEqual(after);
    const all = (t: GanTrainer) => Object.values(t.snapshot().arrays).map((x) => Array.from(x.data));
    expect(all(b)).toEqual(all(a));
  });

  it("with the step's remedies as well (instance noise, unrolled D): packs of noisy inputs", async () => {
    const d = { packing: 2, minibatchStd: { groupSize: 2 }, spectralNorm: true };
    const over = { train: { instanceNoise: { std: 0.3, annealSteps: 50 }, unrolledSteps: 2 } };
    const a = trainer(d, over);
    for (let i = 0; i < 3; i++) a.trainStep();
    const file = join(dir, `ckpt-${++saved}.safetensors`);
    const { tensors, metadata } = encodeCheckpoint(checkpointOf(a.snapshot(), { time: 0, config: '' }));
    await writeSafetensors(file, tensors, metadata);
    const after = [0, 1, 2].map(() => a.trainStep());

    const b = trainer(d, over);
    b.restore(snapshotOf(await loadCheckpoint(file)));
    expect([0, 1, 2].map(() => b.trainStep())).toEqual(after);
    // The noise and the unrolling reach the packed D: without them the same weights step otherwise.
    const plain = trainer(d);
    plain.restore(snapshotOf(await loadCheckpoint(file)));
    expect(plain.trainStep()).not.toEqual(after[0]);
  });

  it("saves spectral norm's u, and refuses a checkpoint without it", () => {
    const t = trainer({ spectralNorm: true });
    t.trainStep();
    const snap = t.snapshot();
    expect(Object.keys(snap.arrays).filter((k) => k.endsWith('weight_u'))).toEqual([
      'discriminator.0.weight_u',
      'discriminator.2.weight_u',
      'discriminator.4.weight_u',
    ]);
    const { 'discriminator.2.weight_u': _, ...without } = snap.arrays;
    expect(() => trainer({ spectralNorm: true }).restore({ ...snap, arrays: without })).toThrow(
      "checkpoint: missing tensor 'discriminator.2.weight_u'",
    );
  });
});

describe('off by default', () => {
  it('builds the same D, with the same weights, as a config that sets the defaults', () => {
    const plain = trainer({});
    const explicit = trainer({ packing: 1, minibatchStd: null, spectralNorm: false });
    expect(plain.config.model.discriminator).toMatchObject({
      packing: 1,
      minibatchStd: null,
      spectralNorm: false,
    });
    expect(plain.models.buffers).toEqual([]);
    expect([0, 1].map(() => plain.trainStep())).toEqual([0, 1].map(() => explicit.trainStep()));
  });

  it("leaves D's weights as they are without spectral norm (u has its own stream)", () => {
    const sn = trainer({ spectralNorm: true });
    const plain = trainer({});
    expect(sn.dParams.map((p) => Array.from(p.value.data))).toEqual(
      plain.dParams.map((p) => Array.from(p.value.data)),
    );
  });
});
