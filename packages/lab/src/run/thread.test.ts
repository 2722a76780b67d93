import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunDir, metricsPath, readMetaSync, writeRunConfigSync } from '@gan/runs';
import { type ExperimentConfig, serializeConfig } from '@gan/training';
import { requestStop } from './control.ts';
import type { RunEvent } from './events.ts';
import { ringConfig, testEnvironment } from './session.test-util.ts';
import { TrainingThread } from './thread.ts';

const root = mkdtempSync(join(tmpdir(), 'thread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function session(config: ExperimentConfig) {
  const { runDir, runId, owner } = await createRunDir(root, config.name);
  writeRunConfigSync(owner, serializeConfig(config));
  const configText = serializeConfig(config);
  return { config, configText, runDir, runId, owner: owner.token, environment: testEnvironment };
}

describe('a training thread', { timeout: 120_000 }, () => {
  it('trains runs one after another, each the same as alone, and stops one cleanly', async () => {
    const thread = new TrainingThread({ backend: 'reference' });
    const config = ringConfig('thread', { train: { steps: 40 } });
    const first = await session(config);
    const events: RunEvent[] = [];
    const a = thread.run(first, (e) => events.push(e));
    expect(() => thread.run(first, () => {})).toThrow(/a run is going on/);
    expect((await a.done).status).toBe('completed');
    expect(events[0].type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: 40 });

    // The same config again in the same thread: byte-identical metrics (nothing leaks between runs).
    const second = await session(config);
    expect((await thread.run(second, () => {}).done).status).toBe('completed');
    expect(readFileSync(metricsPath(second.runDir), 'utf8')).toBe(
      readFileSync(metricsPath(first.runDir), 'utf8'),
    );

    const long = await session(ringConfig('thread', { train: { steps: 1_000_000 } }));
    const c = thread.run(long, (e) => {
      if (e.type === 'metrics' && e.row.step >= 20) requestStop(c.control);
    });
    expect((await c.done).status).toBe('interrupted');
    expect(readMetaSync(long.runDir).status).toBe('interrupted');

    // A run that cannot start (nothing to resume from) fails with the reason, and the thread lives on.
    const empty = await session(config);
    const d = await thread.run({ ...empty, resume: true }, () => {}).done;
    expect(d.status).toBe('failed');
    expect(d.message).toMatch(/no checkpoint to resume from/);
    expect(thread.alive).toBe(true);
    expect((await thread.run(await session(config), () => {}).done).status).toBe('completed');
    await thread.close();
    expect(thread.alive).toBe(false);
  });

  it('kill ends the thread at once and marks the run interrupted', async () => {
    const thread = new TrainingThread({ backend: 'reference' });
    const long = await session(ringConfig('thread-kill', { train: { steps: 1_000_000 } }));
    let killed: Promise<void> | null = null;
    // Killed once meta.json has recorded some progress: the end must say that step, not 0.
    const h = thread.run(long, (e) => {
      if (e.type === 'metrics' && killed === null && readMetaSync(long.runDir).step > 0) killed = h.kill();
    });
    const done = await h.done;
    expect(done.status).toBe('interrupted');
    await killed;
    expect(thread.alive).toBe(false);
    const meta = readMetaSync(long.runDir);
    expect(meta.status).toBe('interrupted');
    expect(meta.step).toBeGreaterThan(0);
    expect(done.step).toBe(meta.step);
  });
});
