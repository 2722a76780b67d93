/**
 * What a run leaves behind when its disk fails or fills up, or its checkpoints are damaged, and
 * that resuming it afterwards gives exactly the uninterrupted run (tools/faults does the same
 * with real processes killed at random).
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkpointPath,
  createRunDir,
  evalPath,
  listCheckpoints,
  loadCheckpoint,
  metaPath,
  metricsPath,
  RunOwner,
  readMetaSync,
  samplePath,
  updateMetaSync,
  writeRunConfigSync,
} from '@gan/runs';
import { serializeConfig } from '@gan/training';
import type { RunEvent } from './events.ts';
import { runSession } from './session.ts';
import { ringConfig, runInTemp, testEnvironment } from './session.test-util.ts';

/** Evaluated every 20 steps and at the end; checkpoints every 20 (kept: the newest two). */
const config = ringConfig('faulty', {
  log: { every: 5, samplesEvery: 20, checkpointEvery: 20 },
  eval: { every: 20, samples: 200, atEnd: true },
});

/** Runs (or resumes) `runDir` in this thread with fault rules armed; returns the status and the events. */
async function session(runDir: string, resume: boolean, faultInject?: string) {
  const events: RunEvent[] = [];
  const { status } = await runSession({
    config,
    configText: serializeConfig(config),
    runDir,
    runId: 'r',
    owner: RunOwner.claim(runDir, 'test').token, // as a resume takes the run over
    environment: testEnvironment,
    backend: 'reference',
    resume,
    faultInject,
    onEvent: (e) => events.push(e),
  });
  return { status, events, notes: events.flatMap((e) => (e.type === 'message' ? [e.text] : [])) };
}

const roots: string[] = [];
afterEach(() => {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A new run folder with its config.yaml, as `pnpm exp` makes it. */
async function fresh(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'session-faults-'));
  roots.push(root);
  const { runDir, owner } = await createRunDir(root, config.name);
  writeRunConfigSync(owner, serializeConfig(config));
  return runDir;
}

const bytes = (path: string) => readFileSync(path);
const same = (a: string, b: string) => bytes(a).equals(bytes(b));

describe('a run on a failing disk', () => {
  it('ENOSPC on metrics.jsonl: failed with the reason, earlier rows intact, and a resume completes it exactly', async () => {
    const whole = await runInTemp(config);
    const runDir = await fresh();
    const run = await session(runDir, false, 'ENOSPC:metrics.jsonl:append:8');
    expect(run.status).toBe('failed');
    const meta = readMetaSync(runDir);
    expect(meta.status).toBe('failed');
    expect(meta.error).toMatch(/could not write \S*metrics\.jsonl: ENOSPC: no space left on device/);
    // Seven whole rows (steps 1, 5, ..., 30), then the first half of the eighth: a prefix of the
    // uninterrupted run's file.
    const written = bytes(metricsPath(runDir));
    expect(bytes(metricsPath(whole.runDir)).subarray(0, written.length).equals(written)).toBe(true);
    const lines = written.toString().split('\n');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l).step)).toEqual([1, 5, 10, 15, 20, 25, 30]);
    expect(lines.at(-1)).toMatch(/^\{"step":35,/);
    const resumed = await session(runDir, true);
    expect(resumed.status).toBe('completed');
    expect(same(metricsPath(runDir), metricsPath(whole.runDir))).toBe(true);
    expect(same(evalPath(runDir), evalPath(whole.runDir))).toBe(true);
  });

  it('EIO writing a sample grid, ENOSPC writing a checkpoint: failed, every file written before intact', async () => {
    const whole = await runInTemp(config);
    const atTwenty = await runInTemp(config, { stopAfterStep: 20 });
    for (const [rule, file] of [
      ['EIO:samples/:write:3', 'samples/step-000040.png'],
      ['ENOSPC:checkpoints/:write:2', 'checkpoints/step-000040.safetensors'],
    ]) {
      const runDir = await fresh();
      const run = await session(runDir, false, rule);
      expect(run.status, rule).toBe('failed');
      expect(readMetaSync(runDir).error).toContain(`could not write ${join(runDir, file)}`);
      // What was written is whole: the sample grids and the checkpoint before, equal to the uninterrupted run's.
      for (const step of [0, 20])
        expect(same(samplePath(runDir, step), samplePath(whole.runDir, step))).toBe(true);
      const [first] = await listCheckpoints(runDir);
      expect(first.step).toBe(20);
      const a = await loadCheckpoint(first.path);
      const b = await loadCheckpoint(checkpointPath(atTwenty.runDir, 20));
      expect(a.arrays).toEqual(b.arrays);
      expect(readdirSync(join(runDir, 'checkpoints')).every((n) => !n.startsWith('.'))).toBe(true);
      expect((await session(runDir, true)).status).toBe('completed');
      expect(same(metricsPath(runDir), metricsPath(whole.runDir))).toBe(true);
    }
  });

  it('a disk that fills up for good: meta.json still says failed, and why', async () => {
    const runDir = await fresh();
    const run = await session(runDir, false, 'ENOSPC:*:any:12:sticky');
    expect(run.status).toBe('failed');
    expect(readMetaSync(runDir)).toMatchObject({ status: 'failed', error: expect.stringMatching(/ENOSPC/) });
  });

  it('an evaluation lost to a failure is redone on resume, never skipped or logged twice', async () => {
    const whole = await runInTemp(config);
    const runDir = await fresh();
    expect((await session(runDir, false, 'ENOSPC:eval.jsonl:append:2')).status).toBe('failed'); // the step-40 evaluation
    expect((await session(runDir, true)).status).toBe('completed');
    expect(same(evalPath(runDir), evalPath(whole.runDir))).toBe(true);
    // A run that died after its last evaluation but before its final meta.json: not evaluated again.
    updateMetaSync(RunOwner.claim(runDir, 'test'), { status: 'running', endedAt: null });
    expect((await session(runDir, true)).status).toBe('completed');
    expect(same(evalPath(runDir), evalPath(whole.runDir))).toBe(true);
    expect(same(metricsPath(runDir), metricsPath(whole.runDir))).toBe(true);
  });
});

describe('resuming from damaged checkpoints', () => {
  it('falls back past a truncated or a corrupted latest checkpoint, says so, and ends as the uninterrupted run', async () => {
    const whole = await runInTemp(config);
    const damage = {
      truncated: (path: string) => truncateSync(path, 1000),
      corrupted: (path: string) => {
        const b = bytes(path);
        b[b.length - 3] ^= 0x10; // one bit of one weight: the file still parses
        writeFileSync(path, b);
      },
    };
    for (const [kind, spoil] of Object.entries(damage)) {
      const part = await runInTemp(config, { stopAfterStep: 50 }); // checkpoints 40 and 50 (the stop)
      spoil(checkpointPath(part.runDir, 50));
      const run = await session(part.runDir, true);
      expect(run.status, kind).toBe('completed');
      expect(run.notes, kind).toEqual([
        expect.stringMatching(
          /^checkpoint \S+step-000050\.safetensors is unreadable \(.+\): moved to \S+step-000050\.safetensors\.unreadable; resuming from step 40 instead$/,
        ),
      ]);
      if (kind === 'corrupted') expect(run.notes[0]).toContain('the arrays do not match the checksum');
      expect(same(metricsPath(part.runDir), metricsPath(whole.runDir)), kind).toBe(true);
      expect(same(evalPath(part.runDir), evalPath(whole.runDir)), kind).toBe(true);
    }
  });

  it('with no checkpoint that reads back: a clear error, and nothing in the folder changed', async () => {
    const part = await runInTemp(config, { stopAfterStep: 25 });
    for (const c of await listCheckpoints(part.runDir)) truncateSync(c.path, 10);
    const before = Object.fromEntries(
      ['meta.json', 'metrics.jsonl', 'eval.jsonl', 'checkpoints/step-000020.safetensors'].map((f) => [
        f,
        bytes(join(part.runDir, f)),
      ]),
    );
    await expect(session(part.runDir, true)).rejects.toThrow(
      /no checkpoint can be read, so the run cannot be resumed \(nothing was changed\):\n {2}\S+step-000025\.safetensors: .+\n {2}\S+step-000020\.safetensors: /,
    );
    for (const [f, b] of Object.entries(before)) expect(bytes(join(part.runDir, f)).equals(b), f).toBe(true);
  });

  it('a run killed before its first checkpoint starts again from step 0, to the same result', async () => {
    const whole = await runInTemp(config);
    const part = await runInTemp(config, { stopAfterStep: 12 });
    // As a kill -9 leaves it: no checkpoint at all (the stop wrote one; remove it), rows up to 12.
    for (const c of await listCheckpoints(part.runDir)) rmSync(c.path);
    updateMetaSync(RunOwner.claim(part.runDir, 'test'), { status: 'running' });
    const run = await session(part.runDir, true);
    expect(run.notes).toEqual(['no checkpoint yet: starting again from step 0']);
    expect(same(metricsPath(part.runDir), metricsPath(whole.runDir))).toBe(true);
    expect(existsSync(metaPath(part.runDir))).toBe(true);
  });
});
