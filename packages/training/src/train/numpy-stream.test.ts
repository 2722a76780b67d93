/**
 * The numpy stream against numpy and scikit-learn themselves: the article's files' order of
 * draws (the shuffle of the test images, D's then G's weights, per iteration the image index and
 * the two z, the grid's z every gridEvery iterations) computed by Python, and the trainer's own
 * draws, must be the same values to the last bit. Then the trainer's snapshot carries the stream
 * (a resumed run continues bit-identically), and the config refuses what the stream cannot draw.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { NumpyRandomState, type Tensor } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import { itWith, numpy, sklearn } from '../../../../test-support/requirements.ts';
import { loadConfig } from '../config/load.ts';
import { configErrorOf } from '../config/test-helpers.ts';
import { loadTrainingData } from './data.ts';
import { GanTrainer } from './gan.ts';
import { sklearnShuffleOrder } from './numpy-stream.ts';

const CONFIGS = path.resolve(import.meta.dirname, '../../../../configs');

function python(exe: string, code: string): string {
  const res = spawnSync(exe, ['-c', code], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`${exe} failed: ${res.stderr}`);
  return res.stdout;
}

/** float64 arrays from Python as base64 of their little-endian bytes, so no digit is lost. */
function f64(b64: string): Float64Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
}

function trainerOf(name: string, overrides: string[] = []): GanTrainer {
  const { config } = loadConfig(path.join(CONFIGS, name), ['train.precision=float64', ...overrides]);
  return new GanTrainer(config, loadTrainingData(config));
}

describe('the numpy stream in the files order', () => {
  itWith(numpy, 'shuffles as np.random.shuffle(np.arange(n)) for the files seeds', () => {
    const seeds = [127, 32432, 7];
    const want = JSON.parse(
      python(
        'python3',
        `import json, numpy as np
out = {}
for s in ${JSON.stringify(seeds)}:
    np.random.seed(s); a = np.arange(10000); np.random.shuffle(a); out[s] = a.tolist()
print(json.dumps(out))`,
      ),
    );
    for (const s of seeds) {
      expect(Array.from(sklearnShuffleOrder(new NumpyRandomState(s), 10000))).toEqual(want[s]);
    }
  });

  itWith(sklearn, 'orders the images as sklearn.utils.shuffle(images, labels) does in the files', () => {
    // The files' call, on the row numbers of the 10,000 test images, with Debian's scikit-learn.
    for (const seed of [127, 32432]) {
      const got = python(
        '/usr/bin/python3',
        `import numpy as np
from sklearn.utils import shuffle
np.random.seed(${seed})
rows, labels = shuffle(np.arange(10000), np.arange(10000) % 10)
assert (labels == rows % 10).all()
print(' '.join(map(str, rows)))`,
      );
      const ours = sklearnShuffleOrder(new NumpyRandomState(seed), 10000);
      expect(Array.from(ours).join(' ')).toBe(got.trim());
    }
  });

  itWith(
    numpy,
    "draws the weights, image indices, z and grid z of h_multi_last.py's loop, bit for bit",
    () => {
      const trainer = trainerOf('decay.yaml');
      const steps = 22;
      const seen: { idx: number[]; zd: number[]; zg: number[] }[] = [];
      let cur: { idx: number[]; zd: number[]; zg: number[] } | null = null;
      trainer.observer = {
        discriminatorInputs(indices, _draws, z: Tensor) {
          cur = { idx: Array.from(indices), zd: Array.from(z.data), zg: [] };
        },
        generatorInputs(z: Tensor) {
          (cur as NonNullable<typeof cur>).zg = Array.from(z.data);
          seen.push(cur as NonNullable<typeof cur>);
        },
      };
      const weights = Object.fromEntries(
        [...trainer.dParams, ...trainer.gParams].map((p) => [p.name, Float64Array.from(p.value.data)]),
      );
      for (let i = 0; i < steps; i++) trainer.trainStep();
      const grid = Array.from(trainer.gridZ.data);

      // The file's calls, in its order, without its arithmetic (which draws nothing).
      const out = JSON.parse(
        python(
          'python3',
          `import base64, json, numpy as np
b = lambda a: base64.b64encode(np.ascontiguousarray(a, dtype='<f8').tobytes()).decode()
np.random.seed(127)
order = np.arange(10000); np.random.shuffle(order)
G_input, hidden = 100, [128, 256, 346, 480, 560, 686]
w = {}
w['D1'] = np.random.normal(size=(784, 128), scale=(1. / np.sqrt(784 / 2.))) * 0.002
w['D2'] = np.random.normal(size=(128, 1), scale=(1. / np.sqrt(128 / 2.))) * 0.002
sizes = [G_input] + hidden + [784]
for k in range(7):
    w['G%d' % (k + 1)] = np.random.normal(size=(sizes[k], sizes[k + 1]), scale=(1. / np.sqrt(sizes[k] / 2.))) * 0.002
steps = []
grid = None
for it in range(${steps}):
    ri = np.random.randint(len(order) - 5)
    zd = np.random.uniform(-1., 1., size=[1, G_input])
    zg = np.random.uniform(-1., 1., size=[1, G_input])
    steps.append({'row': int(order[ri]), 'zd': b(zd), 'zg': b(zg)})
    if it % 10 == 0:
        grid = np.random.uniform(-1., 1., size=[16, G_input])
print(json.dumps({'w': {k: b(v) for k, v in w.items()}, 'steps': steps, 'grid': b(grid)}))`,
        ),
      );
      const names: Record<string, string> = {
        D1: 'discriminator.0.weight',
        D2: 'discriminator.2.weight',
      };
      for (let k = 1; k <= 7; k++) names[`G${k}`] = `generator.${2 * (k - 1)}.weight`;
      for (const [py, ours] of Object.entries(names)) {
        expect(weights[ours], ours).toBeDefined();
        expect(
          Buffer.from(weights[ours].buffer).equals(Buffer.from(f64(out.w[py]).slice().buffer)),
          ours,
        ).toBe(true);
      }
      expect(seen.map((s) => s.idx)).toEqual(out.steps.map((s: { row: number }) => [s.row]));
      expect(seen.map((s) => s.zd)).toEqual(out.steps.map((s: { zd: string }) => Array.from(f64(s.zd))));
      expect(seen.map((s) => s.zg)).toEqual(out.steps.map((s: { zg: string }) => Array.from(f64(s.zg))));
      // After 22 steps the last grid drawn is iteration 20's (the 21st step's).
      expect(grid).toEqual(Array.from(f64(out.grid)));
    },
    60_000,
  );

  it('resumes bit-identically: the stream is in the snapshot', () => {
    const overrides = ['model.generator.hidden=[16,16]', 'model.generator.activation=[atan,relu]'];
    const a = trainerOf('failed-1.yaml', [...overrides, 'model.discriminator.hidden=[16]']);
    const b = trainerOf('failed-1.yaml', [...overrides, 'model.discriminator.hidden=[16]']);
    for (let i = 0; i < 7; i++) a.trainStep();
    const snap = structuredClone(a.snapshot());
    expect(snap.state.numpyStream).toBeDefined();
    b.restore(snap);
    const rowsA = [];
    const rowsB = [];
    for (let i = 0; i < 450; i++) {
      rowsA.push(a.trainStep());
      rowsB.push(b.trainStep());
    }
    expect(rowsB).toEqual(rowsA);
    expect(Array.from(b.gridZ.data)).toEqual(Array.from(a.gridZ.data));
    for (const [i, p] of a.gParams.entries()) expect(b.gParams[i].value.data).toEqual(p.value.data);
    expect(a.gParams[0].value.dtype).toBe('float64');
  });
});

describe('what the numpy stream and float64 refuse', () => {
  const load = (name: string, overrides: string[]) => () => loadConfig(path.join(CONFIGS, name), overrides);

  it('names the key when the numpy stream meets a layer list, another init or epochs', () => {
    expect(configErrorOf(load('decay.yaml', ['data.sampling=epochs'])).message).toMatch(
      /data\.sampling.*expected replacement with random\.stream numpy/s,
    );
    expect(configErrorOf(load('decay.yaml', ['model.init.scheme=xavier-normal'])).message).toMatch(
      /model\.init\.scheme.*expected he-normal with random\.stream numpy/s,
    );
    expect(configErrorOf(load('dcgan.yaml', ['random.stream=numpy'])).message).toMatch(
      /model\.(generator|discriminator)\.layers.*random\.stream numpy.*layer list/s,
    );
  });

  it('names train.precision when float64 meets layers it does not cover', () => {
    expect(configErrorOf(load('dcgan.yaml', ['train.precision=float64'])).message).toMatch(
      /train\.precision.*expected float32 with a layer list.*fully connected networks only/s,
    );
    expect(
      configErrorOf(
        load('failed-1.yaml', ['train.precision=float64', 'model.discriminator.spectralNorm=true']),
      ).message,
    ).toMatch(/train\.precision.*spectral norm/s);
  });
});
