import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalPath, metricsPath, readJsonlSync, readMetaSync } from '@gan/runs';
import {
  configFromObject,
  evaluateRun,
  GanTrainer,
  generateEvalSamples,
  loadTrainingData,
  useBackend,
} from '@gan/training';
import { ringConfig, runInTemp } from './session.test-util.ts';

/** The 2-D ring with tiny MLPs (no classifier needed), evaluated every 20 steps and at the end. */
const ringEvalConfig = (overrides: Record<string, unknown> = {}) =>
  ringConfig('tiny-eval', {
    log: { every: 5, samplesEvery: 30, checkpointEvery: 30, gif: false },
    eval: { every: 20, samples: 300, atEnd: true },
    ...overrides,
  });
const run = runInTemp;

const evalRows = (runDir: string) => readJsonlSync(evalPath(runDir)).rows;

describe('evaluation during training', () => {
  it('evaluates every eval.every steps and at the end, into eval.jsonl, meta and events', async () => {
    const { runDir, status, events } = await run(ringEvalConfig());
    expect(status).toBe('completed');
    const rows = evalRows(runDir);
    // Step 60 is both an eval.every step and the end: evaluated once.
    expect(rows.map((r) => r.step)).toEqual([20, 40, 60]);
    expect(rows[0]).toMatchObject({ samples: 300, modes: 8, coverageThreshold: 0.02 });
    for (const key of ['modesCovered', 'highQuality', 'klUniform'])
      expect(typeof rows[2][key]).toBe('number');
    expect(rows[2].classHistogram).toHaveLength(8);
    expect(readMetaSync(runDir).latestEval).toEqual(JSON.parse(JSON.stringify(rows[2])));

    const evals = events.filter((e) => e.type === 'eval');
    expect(evals.map((e) => e.step)).toEqual([20, 40, 60]);
    expect({ step: evals[2].step, ...evals[2].result }).toEqual(rows[2]);
    // Evaluations come after the step's metrics and before the end.
    expect(events.findIndex((e) => e.type === 'eval')).toBeGreaterThan(
      events.findIndex((e) => e.type === 'metrics' && e.row.step === 20),
    );
    expect(events.at(-1)?.type).toBe('finished');
  });

  it('does not change training: metrics.jsonl is byte-identical with and without evaluation', async () => {
    const withEval = await run(ringEvalConfig());
    const without = await run(ringEvalConfig({ eval: { every: 0, atEnd: false } }));
    expect(readFileSync(metricsPath(withEval.runDir)).equals(readFileSync(metricsPath(without.runDir)))).toBe(
      true,
    );
    expect(existsSync(evalPath(without.runDir))).toBe(false);
    expect(readMetaSync(without.runDir).latestEval).toBeNull();
  });

  it('evaluates an interrupted run at its last step, and a diverged one at its last finite step', async () => {
    const stopped = await run(ringEvalConfig({ eval: { every: 0, samples: 300, atEnd: true } }), {
      stopAfterStep: 25,
    });
    expect(stopped.status).toBe('interrupted');
    expect(evalRows(stopped.runDir).map((r) => r.step)).toEqual([25]);

    const diverged = await run(
      ringEvalConfig({
        loss: { fromProbabilities: true },
        optim: { generator: { lr: 50 }, discriminator: { lr: 50 } },
        train: { steps: 500 },
        eval: { every: 0, samples: 300, atEnd: true },
      }),
    );
    expect(diverged.status).toBe('diverged');
    const meta = readMetaSync(diverged.runDir);
    expect(evalRows(diverged.runDir).map((r) => r.step)).toEqual([meta.step]);
    expect(meta.step).toBe((meta.divergedAt as number) - 1);
  });

  it('samples from the eval stream only: the same samples every time, training streams untouched', () => {
    const config = ringEvalConfig();
    const trainer = new GanTrainer(config, loadTrainingData(config));
    trainer.trainStep();
    const before = JSON.stringify(trainer.snapshot().state);
    const a = generateEvalSamples(trainer, 300);
    const b = generateEvalSamples(trainer, 300);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(JSON.stringify(trainer.snapshot().state)).toBe(before);
    expect(a.shape).toEqual([300, 2]);
    expect(() => generateEvalSamples(trainer, 1)).toThrow(/samples must be an integer >= 2, got 1/);
  });
});

describe('evaluateRun (pnpm eval)', () => {
  it('reproduces the end-of-run evaluation from the final checkpoint and appends it', async () => {
    const { runDir } = await run(ringEvalConfig());
    const atEnd = evalRows(runDir).at(-1)!;
    const again = await evaluateRun(runDir, { record: false });
    expect(again.step).toBe(60);
    expect({ step: again.step, ...again.result }).toEqual(atEnd);
    expect(evalRows(runDir)).toHaveLength(3);

    const older = await evaluateRun(runDir, { step: 30, samples: 100 });
    expect(older).toMatchObject({ step: 30, samples: 100 });
    const rows = evalRows(runDir);
    expect(rows.map((r) => r.step)).toEqual([20, 40, 60, 30]);
    expect(rows[3].samples).toBe(100);
    expect(readMetaSync(runDir).latestEval).toMatchObject({ step: 30, samples: 100 });
    await expect(evaluateRun(runDir, { step: 45 })).rejects.toThrow(
      /no checkpoint at step 45; checkpoints exist for steps 30, 60/,
    );
  });
});

describe('an MNIST training run', { timeout: 300_000 }, () => {
  beforeAll(() => {
    useBackend('auto'); // the classifier's inference on 10,000 test images
  });

  it('writes evaluations with display-scale keys for an article-like config', async () => {
    const config = configFromObject(
      {
        name: 'seedlike',
        seed: 1,
        data: { dataset: 'mnist', split: 'test', scaling: 'raw', limit: 500, batchSize: 8 },
        model: { generator: { hidden: [32], output: 'sigmoid' }, discriminator: { hidden: [32] } },
        train: { steps: 20 },
        log: { every: 10, samplesEvery: 20, checkpointEvery: 20, gif: false },
        eval: { every: 10, samples: 64, atEnd: true },
      },
      'seedlike.yaml',
    );
    const { runDir, status, events } = await run(config, { backend: 'test' });
    expect(status).toBe('completed');
    const rows = evalRows(runDir);
    expect(rows.map((r) => r.step)).toEqual([10, 20]);
    expect(rows[1]).toMatchObject({ samples: 64, modes: 10 });
    for (const key of ['frechetDistance', 'inceptionScore', 'display.frechetDistance', 'display.diversity'])
      expect(typeof rows[1][key], key).toBe('number');
    expect(events.filter((e) => e.type === 'eval')).toHaveLength(2);
  });
});
