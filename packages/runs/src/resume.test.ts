import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunOwner } from './owner.ts';
import { type CheckpointContent, listCheckpoints, saveCheckpoint } from './checkpoints.ts';
import { checkpointPath } from './paths.ts';
import { findResumePoint, setAsideCheckpoint } from './resume.ts';

/** A claim of `d` by this test: every write to a run folder comes from its owner. */
const own = (d: string) => RunOwner.claim(d, 'test');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-resume-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const content = (step: number): CheckpointContent => ({
  step,
  arrays: { w: { shape: [64], data: Float32Array.from({ length: 64 }, (_, i) => i * step) } },
  state: { step },
  time: step / 10,
  config: 'name: x\n',
});

describe('findResumePoint', () => {
  it('is the newest checkpoint when it reads back whole', async () => {
    for (const step of [10, 20]) await saveCheckpoint(own(dir), content(step));
    const { checkpoint, unreadable } = await findResumePoint(dir);
    expect(checkpoint?.step).toBe(20);
    expect(checkpoint?.content).toEqual(content(20));
    expect(unreadable).toEqual([]);
  });

  it('falls back past a truncated and a corrupted one, and says why', async () => {
    for (const step of [10, 20, 30]) await saveCheckpoint(own(dir), content(step));
    await truncate(checkpointPath(dir, 30), 100);
    const bytes = await readFile(checkpointPath(dir, 20));
    bytes[bytes.length - 5] ^= 0x01;
    await writeFile(checkpointPath(dir, 20), bytes);
    const { checkpoint, unreadable } = await findResumePoint(dir);
    expect(checkpoint?.step).toBe(10);
    expect(unreadable.map((u) => [u.step, u.path])).toEqual([
      [30, checkpointPath(dir, 30)],
      [20, checkpointPath(dir, 20)],
    ]);
    expect(unreadable[0].reason).toMatch(/header|data|bytes/);
    expect(unreadable[1].reason).toMatch(/^the arrays do not match the checksum written with them/);
  });

  it('is null when no checkpoint reads back, or there is none', async () => {
    expect(await findResumePoint(dir)).toEqual({ checkpoint: null, unreadable: [] });
    await saveCheckpoint(own(dir), content(10));
    await truncate(checkpointPath(dir, 10), 0);
    const { checkpoint, unreadable } = await findResumePoint(dir);
    expect(checkpoint).toBeNull();
    expect(unreadable.map((u) => u.step)).toEqual([10]);
  });
});

describe('setAsideCheckpoint', () => {
  it('moves an unreadable checkpoint out of the listing, keeping its bytes', async () => {
    for (const step of [10, 20]) await saveCheckpoint(own(dir), content(step));
    const before = await readFile(checkpointPath(dir, 20));
    const aside = await setAsideCheckpoint(own(dir), checkpointPath(dir, 20));
    expect(aside).toBe(`${checkpointPath(dir, 20)}.unreadable`);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([10]);
    expect((await readFile(aside)).equals(before)).toBe(true);
    expect((await readdir(join(dir, 'checkpoints'))).sort()).toEqual([
      'step-000010.safetensors',
      'step-000020.safetensors.unreadable',
    ]);
  });
});
