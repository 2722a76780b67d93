/**
 * A session that loses its run folder to a newer owner (another worker, a second resume) while it
 * trains: it stops at its next write, writes nothing more, and says who took the run over.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunDir, metricsPath, RunOwner, readMetaSync, writeRunConfigSync } from '@gan/runs';
import { serializeConfig } from '@gan/training';
import type { RunEvent } from './events.ts';
import { runSession } from './session.ts';
import { ringConfig, snapshotRun, testEnvironment } from './session.test-util.ts';

const root = mkdtempSync(join(tmpdir(), 'session-owner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = ringConfig('owned', {
  train: { steps: 200 },
  log: { every: 5, samplesEvery: 20, checkpointEvery: 20, gif: true },
  eval: { every: 40, samples: 100, atEnd: true },
});

/** Trains a new run and lets `takeOver` claim it when a metrics row reaches `atStep`. */
async function trainAndTakeOver(atStep: number, when: 'metrics' | 'checkpoint') {
  const { runDir, runId, owner } = await createRunDir(root, config.name);
  writeRunConfigSync(owner, serializeConfig(config));
  const events: RunEvent[] = [];
  let after: ReturnType<typeof snapshotRun> | null = null;
  let metricsAt = '';
  const { status } = await runSession({
    config,
    configText: serializeConfig(config),
    runDir,
    runId,
    owner: owner.token,
    environment: testEnvironment,
    backend: 'reference',
    onEvent: (e) => {
      events.push(e);
      const due = when === 'metrics' ? e.type === 'metrics' && e.row.step >= atStep : e.type === 'checkpoint';
      if (after === null && due) {
        RunOwner.claim(runDir, 'worker B');
        after = snapshotRun(runDir);
        metricsAt = readFileSync(metricsPath(runDir), 'utf8');
      }
    },
  });
  return { runDir, status, events, after: after as ReturnType<typeof snapshotRun> | null, metricsAt };
}

describe('a session whose run is taken over', () => {
  for (const [atStep, when] of [
    [33, 'metrics'],
    [0, 'checkpoint'],
  ] as const) {
    it(`stops at its next write and writes nothing more (taken over after a ${when} event)`, async () => {
      const run = await trainAndTakeOver(atStep, when);
      expect(run.status).toBe('taken-over');
      expect(run.after).not.toBeNull();
      // Nothing of the run changed after the takeover: not meta.json, metrics, samples, checkpoints or a GIF.
      expect(snapshotRun(run.runDir)).toEqual(run.after);
      expect(readFileSync(metricsPath(run.runDir), 'utf8')).toBe(run.metricsAt);
      expect(readMetaSync(run.runDir).status).toBe('running'); // as the new owner found it
      const last = run.events.at(-1);
      expect(last).toMatchObject({ type: 'finished', status: 'taken-over' });
      expect(last?.type === 'finished' && last.message).toMatch(
        /was taken over by worker B \(pid \d+ on \S+, epoch 2\): stopped without writing/,
      );
    });
  }
});
