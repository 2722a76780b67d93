import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_EXT,
  checkpointPath,
  listSamples,
  listStepFiles,
  parseStepFileName,
  SAMPLE_EXT,
  samplePath,
  seedSamplePath,
  stepFileName,
} from './paths.ts';
import { tracePath } from './trace.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-paths-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('step file names', () => {
  it('pads steps to six digits and puts files in their folders', () => {
    expect(samplePath('/runs/r1', 500)).toBe(join('/runs/r1', 'samples', 'step-000500.png'));
    expect(checkpointPath('/runs/r1', 5000)).toBe(join('/runs/r1', 'checkpoints', 'step-005000.safetensors'));
    expect(stepFileName(0, SAMPLE_EXT)).toBe('step-000000.png');
    expect(stepFileName(1234567, CHECKPOINT_EXT)).toBe('step-1234567.safetensors');
  });

  it('names the files of `pnpm sample` and of a trace', () => {
    expect(seedSamplePath('/runs/r1', 42)).toBe(join('/runs/r1', 'seed-42.png'));
    expect(tracePath('/runs/r1', 'z')).toBe(join('/runs/r1', 'trace', 'z.f32'));
    expect(tracePath('/runs/r1', 'manifest')).toBe(join('/runs/r1', 'trace', 'manifest.json'));
  });

  it('parses back what it writes and nothing else', () => {
    for (const step of [0, 7, 500, 999999, 1000000, 123456789]) {
      expect(parseStepFileName(stepFileName(step, SAMPLE_EXT), SAMPLE_EXT)).toBe(step);
    }
    for (const name of [
      'step-5.png',
      'step-000500.png.tmp',
      '.step-000500.png.123.abcd.tmp',
      'step-00050a.png',
      'step--00500.png',
      'step-000500.safetensors',
      'foo-000500.png',
    ]) {
      expect(parseStepFileName(name, SAMPLE_EXT), name).toBeNull();
    }
  });

  it('rejects steps that are not non-negative integers', () => {
    expect(() => stepFileName(-1, SAMPLE_EXT)).toThrow(/non-negative integer/);
    expect(() => stepFileName(1.5, SAMPLE_EXT)).toThrow(/non-negative integer/);
  });
});

describe('listStepFiles', () => {
  it('sorts by step number, not by name, and skips other files', async () => {
    const samples = join(dir, 'samples');
    await mkdir(samples);
    for (const step of [1000000, 500, 999999, 20])
      await writeFile(join(samples, stepFileName(step, SAMPLE_EXT)), '');
    await writeFile(join(samples, '.step-000600.png.1.abc.tmp'), '');
    await writeFile(join(samples, 'notes.txt'), '');
    const files = await listSamples(dir);
    expect(files.map((f) => f.step)).toEqual([20, 500, 999999, 1000000]);
    expect(files[1].path).toBe(samplePath(dir, 500));
  });

  it('gives an empty list for a missing folder', async () => {
    expect(await listStepFiles(join(dir, 'nope'), SAMPLE_EXT)).toEqual([]);
  });
});
