/**
 * The trainer learns: an 8-Gaussians run (configs/smoke.yaml's setup, trained longer with a
 * cosine decay) through the real session, trainer and evaluation must end covering at least 6 of
 * the 8 modes. A training step that pushes D or G the wrong way (a sign error in a gradient it
 * hands on) collapses or scatters the samples and fails here, whatever the unit tests say.
 */
import { evalPath, readJsonlSync } from '@gan/runs';
import { type Backend, selectBackend, setBackend } from '@gan/tensor';
import { beforeAll, describe, expect } from 'vitest';
import { itWith, type Requirement } from '../../../../test-support/requirements.ts';
import { configFromObject } from '@gan/training';
import { runInTemp } from './session.test-util.ts';

// 3,000 steps take seconds on the native kernels and minutes on the reference ones.
let native: Backend | null = null;
let why = '';
try {
  native = selectBackend('native').backend;
} catch (e) {
  why = (e as Error).message;
}
const nativeBuilt: Requirement = {
  missing: native === null ? why : null,
  enable: 'pnpm test installs g++ (test-support/ensure-system.mjs) and its typecheck step builds it',
};

beforeAll(() => {
  if (native !== null) setBackend(native);
});

const adam = { lr: 1e-3, betas: [0.5, 0.999], schedule: { type: 'cosine' } };

describe('an 8-Gaussians run', () => {
  itWith(
    nativeBuilt,
    'covers at least 6 of the 8 modes after 3,000 steps',
    async () => {
      const config = configFromObject(
        {
          name: 'ring',
          seed: 0,
          data: { dataset: 'gaussians8', batchSize: 128 },
          model: {
            z: { size: 2 },
            generator: { hidden: [128, 128], output: 'identity' },
            discriminator: { hidden: [128, 128] },
          },
          optim: { generator: adam, discriminator: adam },
          train: { steps: 3000 },
          log: { every: 100, samplesEvery: 3000, checkpointEvery: 3000, gif: false },
          eval: { every: 1000, samples: 1000, atEnd: true },
        },
        'ring.yaml',
      );
      const { runDir, status } = await runInTemp(config, { backend: 'native' });
      expect(status).toBe('completed');
      const rows = readJsonlSync(evalPath(runDir)).rows;
      expect(rows.map((r) => r.step)).toEqual([1000, 2000, 3000]);
      const last = rows.at(-1)!;
      expect(last.modesCovered).toBeGreaterThanOrEqual(6);
      expect(last.highQuality).toBeGreaterThan(0.5);
    },
    120_000,
  );
});
