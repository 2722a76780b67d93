import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMnist } from '@gan/data';
import { Tensor } from '@gan/tensor';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SafeTensor } from '@gan/runs';
import { useBackend } from '../train/backend.ts';
import { type ClassifierConfig, correctCount, DEFAULT_CLASSIFIER } from './classifier.ts';
import {
  classifierHash,
  clearLoadedClassifiers,
  loadClassifier,
  readClassifierInfo,
} from './classifier-cache.ts';
import { trainClassifier } from './classifier-train.ts';

/** Small enough to train in about a second on any backend. */
const TINY: ClassifierConfig = {
  hidden: [16],
  seed: 3,
  epochs: 2,
  batchSize: 20,
  lr: 1e-2,
  trainLimit: 1000,
};

let cacheDir: string;
beforeAll(() => {
  useBackend('auto');
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'gan-clf-'));
  clearLoadedClassifiers();
});
afterEach(() => {
  rmSync(cacheDir, { recursive: true, force: true });
  clearLoadedClassifiers();
});

const weightsOf = (tensors: Record<string, SafeTensor>) =>
  Object.entries(tensors).map(([k, t]) => [k, Array.from(t.data as Float32Array)]);

describe('classifier training', { timeout: 60_000 }, () => {
  it('is deterministic given its config, and learns something from 1000 images', () => {
    const lines: string[] = [];
    const a = trainClassifier(TINY, (l) => lines.push(l));
    const b = trainClassifier(TINY, () => {});
    expect(weightsOf(a.classifier.tensors())).toEqual(weightsOf(b.classifier.tensors()));
    expect(a.report.testAccuracy).toBe(b.report.testAccuracy);
    expect(a.report.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
    const test = loadMnist({ split: 'test', scaling: 'unit' });
    expect(a.classifier.accuracy(test.images, test.labels)).toBe(a.report.testAccuracy);
    expect(lines[0]).toMatch(/^classifier: training MLP 784-16-10 on 1000 MNIST training images, 2 epochs/);
    expect(lines[1]).toMatch(
      /^classifier: epoch 1\/2 loss=\d+\.\d{4} train_acc=0\.\d{4} test_acc=0\.\d{4} elapsed_s=/,
    );
    const other = trainClassifier({ ...TINY, seed: 4 }, () => {});
    expect(weightsOf(other.classifier.tensors())).not.toEqual(weightsOf(a.classifier.tensors()));
  });

  it('counts a row as correct when its largest score is the label, the first of equal ones', () => {
    const scores = new Tensor(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0.2, 0.3, 0.5]), [3, 3]);
    expect(correctCount(scores, Uint8Array.from([1, 0, 2]))).toBe(3);
    expect(correctCount(scores, Uint8Array.from([1, 1, 0]))).toBe(1);
  });

  it('hashes every part of its recipe into the cache folder name', () => {
    const h = classifierHash(TINY);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(classifierHash({ ...TINY })).toBe(h);
    for (const change of [
      { seed: 4 },
      { epochs: 3 },
      { lr: 1e-3 },
      { batchSize: 64 },
      { hidden: [17] },
      { trainLimit: null },
    ]) {
      expect(classifierHash({ ...TINY, ...change }), JSON.stringify(change)).not.toBe(h);
    }
    expect(classifierHash(DEFAULT_CLASSIFIER)).not.toBe(h);
    expect(() => classifierHash({ ...TINY, hidden: [] })).toThrow(/hidden must be a non-empty list/);
    expect(() => classifierHash({ ...TINY, lr: 0 })).toThrow(/lr must be a number > 0, got 0/);
  });
});

describe('classifier cache', { timeout: 60_000 }, () => {
  it('trains on first use, then loads the cached folder instead of training again', async () => {
    const lines: string[] = [];
    const first = await loadClassifier({ config: TINY, cacheDir, log: (l) => lines.push(l) });
    const hash = classifierHash(TINY);
    expect(readdirSync(cacheDir)).toEqual([hash]); // no temp folder left behind
    expect(readdirSync(join(cacheDir, hash)).sort()).toEqual(['classifier.json', 'weights.safetensors']);
    const info = readClassifierInfo(join(cacheDir, hash));
    expect(info).toMatchObject({ hash, config: TINY, architecture: [784, 16, 10] });
    expect(info?.testAccuracy).toBe(first.info?.testAccuracy);
    expect(typeof info?.trainSeconds).toBe('number');
    expect(lines.length).toBe(3);

    // Same process: the same object. A new process (simulated by clearing memory): from disk.
    expect(await loadClassifier({ config: TINY, cacheDir })).toBe(first);
    clearLoadedClassifiers();
    const again = await loadClassifier({ config: TINY, cacheDir, log: (l) => lines.push(l) });
    expect(again).not.toBe(first);
    expect(lines.length).toBe(3); // not retrained
    expect(again.info?.trainedAt).toBe(first.info?.trainedAt);
    expect(weightsOf(again.tensors())).toEqual(weightsOf(first.tensors()));
  });

  it('names the file when a cached description is unreadable', async () => {
    const hash = classifierHash(TINY);
    await loadClassifier({ config: TINY, cacheDir, log: () => {} });
    clearLoadedClassifiers();
    const file = join(cacheDir, hash, 'classifier.json');
    writeFileSync(file, '{ not json');
    await expect(loadClassifier({ config: TINY, cacheDir })).rejects.toThrow(`${file}: invalid JSON`);
    writeFileSync(file, '{"format":"other"}');
    await expect(loadClassifier({ config: TINY, cacheDir })).rejects.toThrow(/delete the folder to retrain/);
  });

  it('survives two processes training the same classifier at once', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = `
      import { loadClassifier } from ${JSON.stringify(join(here, 'classifier-cache.ts'))};
      const clf = await loadClassifier({ config: ${JSON.stringify(TINY)}, cacheDir: ${JSON.stringify(cacheDir)}, log: () => {} });
      let s = 0;
      for (const p of clf.net.parameters()) for (const v of p.value.data) s += v;
      console.log(JSON.stringify({ trainedAt: clf.info.trainedAt, sum: s }));`;
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: join(here, '..', '..'),
      });
    const [a, b] = await Promise.all([run(), run()]);
    const ra = JSON.parse(a.stdout);
    const rb = JSON.parse(b.stdout);
    // Both ended up with the one published folder (whichever rename won), and nothing else is left.
    expect(ra).toEqual(rb);
    expect(readdirSync(cacheDir)).toEqual([classifierHash(TINY)]);
    const info = readClassifierInfo(join(cacheDir, classifierHash(TINY)));
    expect(info?.trainedAt).toBe(ra.trainedAt);
  });
});
