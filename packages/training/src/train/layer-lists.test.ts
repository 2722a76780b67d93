/**
 * Networks written as layer lists (convolutions, transposed convolutions, batch norm): the
 * training step's gradients through them against finite differences, on the trainer's own passes;
 * a checkpoint round trip that resumes bit-identically (batch norm's running statistics included);
 * sampling in evaluation mode. The layers' own checks (finite differences, PyTorch) are in @gan/nn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCheckpoint, loadCheckpoint, writeSafetensors } from '@gan/runs';
import { Rng, Tensor } from '@gan/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromObject, type ExperimentConfig } from '../config/index.ts';
import { loadTrainingData } from './data.ts';
import { GanTrainer } from './gan.ts';
import { gradientMismatches, gradsOf } from './gradcheck.test-util.ts';
import { checkpointOf, snapshotOf } from './restore.ts';

const BATCH = 4;
const Z_SIZE = 3;
const H = 5e-3;
const ATOL = 3e-4;
const RTOL = 2e-2;

/**
 * A small DCGAN for 28 x 28 images: 7 x 7 -> 14 -> 28 up, 28 -> 14 -> 7 down, batch norm in both;
 * tanh between layers, smooth where (leaky) ReLU's kinks would spoil finite differences.
 */
const GENERATOR = [
  { linear: 2 * 7 * 7 },
  'batchNorm',
  'tanh',
  { reshape: [2, 7, 7] },
  { convTranspose: { channels: 2, kernel: 4, stride: 2, padding: 1, bias: false } },
  'batchNorm',
  'tanh',
  { convTranspose: { channels: 1, kernel: 4, stride: 2, padding: 1 } },
  'tanh',
];
const DISCRIMINATOR = [
  { conv: { channels: 2, kernel: 4, stride: 2, padding: 1 } },
  'tanh',
  { conv: { channels: 2, kernel: 3, stride: 2, padding: 1, bias: false } },
  'batchNorm',
  'tanh',
  'flatten',
  { linear: 1 },
];

function configOf(over: { packing?: number; fromProbabilities?: boolean } = {}): ExperimentConfig {
  return configFromObject(
    {
      name: 'layers',
      seed: 5,
      data: { dataset: 'mnist', batchSize: BATCH, limit: 64 },
      model: {
        z: { size: Z_SIZE },
        generator: { layers: GENERATOR },
        discriminator: { layers: DISCRIMINATOR, packing: over.packing ?? 1 },
        init: { scheme: 'normal', std: 0.3 },
      },
      loss: { fromProbabilities: over.fromProbabilities ?? false },
    },
    'layers.yaml',
  );
}

function trainer(over: Parameters<typeof configOf>[0] = {}): GanTrainer {
  const config = configOf(over);
  return new GanTrainer(config, loadTrainingData(config));
}

/** Parameter values whose analytic and numeric derivatives of `loss` disagree (every value of small
 * tensors, a spread of 24 of the large ones). */
const mismatches = (params: GanTrainer['dParams'], analytic: Float32Array[], loss: () => number) =>
  gradientMismatches(params, analytic, loss, {
    h: H,
    atol: ATOL,
    rtol: RTOL,
    stride: (n) => Math.max(1, Math.floor(n / 24)),
  }).bad;

const grads = gradsOf;

describe("the training step's gradients through conv, transposed conv and batch norm match finite differences", () => {
  it.each([
    { name: 'plain', over: {} },
    { name: 'packing 2 (packs stacked along channels)', over: { packing: 2 } },
    { name: 'from probabilities', over: { fromProbabilities: true } },
  ])('$name', ({ over }) => {
    const t = trainer(over);
    const rows = BATCH * t.packing;
    const real = Tensor.zeros([rows, 784]);
    Rng.create(11, 'gradcheck-real').fillUniform(real.data, -1, 1);
    const z = Tensor.zeros([rows, Z_SIZE]);
    Rng.create(12, 'gradcheck-z').fillNormal(z.data, 0, 1);

    expect(Number.isFinite(t.discriminatorLossAt(real, z).objective)).toBe(true);
    expect(mismatches(t.dParams, grads(t.dParams), () => t.discriminatorLossAt(real, z).objective)).toEqual(
      [],
    );
    expect(Number.isFinite(t.generatorLossAt(z))).toBe(true);
    expect(mismatches(t.gParams, grads(t.gParams), () => t.generatorLossAt(z))).toEqual([]);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'layer-lists-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a checkpoint of a layer-list GAN', () => {
  it("holds PyTorch's names, batch norm's running statistics included, and resumes bit-identically", async () => {
    const a = trainer();
    for (let i = 0; i < 3; i++) a.trainStep();
    const snap = a.snapshot();
    expect(Object.keys(snap.arrays).filter((k) => !k.startsWith('optim.'))).toEqual([
      'generator.0.weight',
      'generator.0.bias',
      'generator.1.weight',
      'generator.1.bias',
      'generator.4.weight',
      'generator.5.weight',
      'generator.5.bias',
      'generator.7.weight',
      'generator.7.bias',
      'discriminator.0.weight',
      'discriminator.0.bias',
      'discriminator.2.weight',
      'discriminator.3.weight',
      'discriminator.3.bias',
      'discriminator.6.weight',
      'discriminator.6.bias',
      'generator.1.running_mean',
      'generator.1.running_var',
      'generator.1.num_batches_tracked',
      'generator.5.running_mean',
      'generator.5.running_var',
      'generator.5.num_batches_tracked',
      'discriminator.3.running_mean',
      'discriminator.3.running_var',
      'discriminator.3.num_batches_tracked',
    ]);
    expect(snap.arrays['generator.4.weight'].shape).toEqual([2, 2, 4, 4]); // [in, out, kh, kw]
    expect(snap.arrays['discriminator.2.weight'].shape).toEqual([2, 2, 3, 3]); // [out, in, kh, kw]
    // G's batch norm counts its training passes: two per step (D's half and G's half).
    expect(snap.arrays['generator.1.num_batches_tracked'].data[0]).toBe(6);

    const file = join(dir, 'ckpt.safetensors');
    const { tensors, metadata } = encodeCheckpoint(checkpointOf(snap, { time: 0, config: '' }));
    await writeSafetensors(file, tensors, metadata);
    const after = [0, 1, 2].map(() => a.trainStep());
    const b = trainer();
    b.restore(snapshotOf(await loadCheckpoint(file)));
    expect([0, 1, 2].map(() => b.trainStep())).toEqual(after);
    const all = (t: GanTrainer) => Object.values(t.snapshot().arrays).map((x) => Array.from(x.data));
    expect(all(b)).toEqual(all(a));

    const { 'generator.5.running_var': _, ...without } = snap.arrays;
    expect(() => trainer().restore({ ...snap, arrays: without })).toThrow(
      "checkpoint: missing tensor 'generator.5.running_var'",
    );
  });
});

describe('sampling', () => {
  it("runs G with batch norm's running statistics: a sample depends on its own z only", () => {
    const t = trainer();
    for (let i = 0; i < 5; i++) t.trainStep();
    const z = Tensor.zeros([6, Z_SIZE]);
    Rng.create(3, 'z').fillNormal(z.data, 0, 1);
    const batch = t.generate(z);
    const alone = t.generate(z.rows(2, 3).clone());
    expect(Array.from(alone.data)).toEqual(Array.from(batch.row(2).data));
    // In training mode the batch's statistics would make it depend on the others.
    const g = t.models.generator;
    const trainingMode = g.forward(z).clone();
    expect(Array.from(trainingMode.row(2).data)).not.toEqual(Array.from(batch.row(2).data));
  });
});
