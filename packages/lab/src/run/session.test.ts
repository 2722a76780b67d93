import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCheckpoints, metricsPath, readJsonlSync, readMetaSync, readSafetensors } from '@gan/runs';
import { ringConfig, runInTemp } from './session.test-util.ts';

const tinyConfig = (overrides: Record<string, unknown> = {}) => ringConfig('tiny', overrides);
const run = runInTemp;

describe('runSession', () => {
  it('records a run: meta, metrics, samples, checkpoints, GIF', async () => {
    const { runDir, status, events } = await run(tinyConfig());
    expect(status).toBe('completed');
    const meta = readMetaSync(runDir);
    expect(meta).toMatchObject({ status: 'completed', step: 60, totalSteps: 60, seed: 5, name: 'tiny' });
    expect(meta.endedAt).not.toBeNull();
    const rows = readJsonlSync(metricsPath(runDir)).rows;
    // Step 1 is always logged: it shows the starting losses and learning rates (the decay trick drops after it).
    expect(rows.map((r) => r.step)).toEqual([1, ...Array.from({ length: 12 }, (_, i) => 5 * (i + 1))]);
    expect(Object.keys(rows[0]).sort()).toEqual(
      ['dFake', 'dLoss', 'dReal', 'gLoss', 'gradNormD', 'gradNormG', 'lrD', 'lrG', 'step'].sort(),
    );
    expect(readdirSync(join(runDir, 'samples')).sort()).toEqual([
      'step-000000.png',
      'step-000020.png',
      'step-000040.png',
      'step-000060.png',
    ]);
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([40, 60]); // keeps the newest two
    expect(readFileSync(join(runDir, 'samples.gif')).subarray(0, 6).toString()).toBe('GIF89a');
    expect(events[0].type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: 60 });
  });

  it('gives a byte-identical metrics.jsonl for the same config and seed, and a different one for another seed', async () => {
    const a = await run(tinyConfig());
    const b = await run(tinyConfig());
    const c = await run(tinyConfig({ seed: 6 }));
    const read = (d: string) => readFileSync(metricsPath(d));
    expect(read(a.runDir).equals(read(b.runDir))).toBe(true);
    expect(read(a.runDir).equals(read(c.runDir))).toBe(false);
  });

  it('stops cleanly when asked: status interrupted, a final checkpoint and the GIF', async () => {
    const { runDir, status } = await run(tinyConfig(), { stopAfterStep: 25 });
    expect(status).toBe('interrupted');
    const meta = readMetaSync(runDir);
    expect(meta.status).toBe('interrupted');
    expect(meta.step).toBe(25);
    expect((await listCheckpoints(runDir)).at(-1)?.step).toBe(25);
    expect(readdirSync(runDir)).toContain('samples.gif');
  });

  it('resumes from the last checkpoint to exactly the metrics and weights of an uninterrupted run', async () => {
    const whole = await run(tinyConfig());
    const part = await run(tinyConfig(), { stopAfterStep: 35 });
    expect(readMetaSync(part.runDir).step).toBe(35);
    const resumed = await run(tinyConfig(), { resumeDir: part.runDir });
    expect(resumed.status).toBe('completed');
    expect(readFileSync(metricsPath(part.runDir)).equals(readFileSync(metricsPath(whole.runDir)))).toBe(true);
    const wa = await readSafetensors(join(whole.runDir, 'checkpoints', 'step-000060.safetensors'));
    const wb = await readSafetensors(join(part.runDir, 'checkpoints', 'step-000060.safetensors'));
    for (const [name, t] of Object.entries(wa.tensors)) {
      expect(Buffer.from(wb.tensors[name].data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
    expect(readMetaSync(part.runDir).resumedFrom).toMatch(/step-000035\.safetensors$/);
  });

  it('drops metrics logged after the checkpoint it resumes from (a crash between checkpoints)', async () => {
    const whole = await run(tinyConfig());
    // A crash at step 50: rows up to 50 are on disk, the last checkpoint is 40.
    const crashed = await run(tinyConfig(), { stopAfterStep: 50 });
    rmSync(join(crashed.runDir, 'checkpoints', 'step-000050.safetensors'));
    await run(tinyConfig(), { resumeDir: crashed.runDir });
    expect(readFileSync(metricsPath(crashed.runDir)).equals(readFileSync(metricsPath(whole.runDir)))).toBe(
      true,
    );
  });

  it('stops with status diverged at the first non-finite loss, keeping what was written', async () => {
    // The article's numerics (log of a probability) with an absurd learning rate: D saturates,
    // log(0) appears, and the run must say so at that step.
    const config = tinyConfig({
      loss: { fromProbabilities: true },
      optim: { generator: { lr: 50 }, discriminator: { lr: 50 } },
      train: { steps: 500 },
    });
    const { runDir, status, events } = await run(config);
    expect(status).toBe('diverged');
    const meta = readMetaSync(runDir);
    expect(meta.status).toBe('diverged');
    expect(meta.divergedAt).toBeGreaterThan(0);
    const rows = readJsonlSync(metricsPath(runDir)).rows;
    const last = rows.at(-1)!;
    expect(last.step).toBe(meta.divergedAt);
    expect(Number.isFinite(last.dLoss as number) && Number.isFinite(last.gLoss as number)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'diverged' });
    expect(readdirSync(join(runDir, 'samples')).length).toBeGreaterThan(0);
    // The diverged step's update was skipped: the final checkpoint holds the last finite weights.
    expect(meta.step).toBe((meta.divergedAt as number) - 1);
    const ckpt = await readSafetensors(
      join(runDir, 'checkpoints', `step-${String(meta.step).padStart(6, '0')}.safetensors`),
    );
    for (const [name, t] of Object.entries(ckpt.tensors)) {
      expect(Array.from(t.data as Float32Array).every(Number.isFinite), name).toBe(true);
    }
  });
});
