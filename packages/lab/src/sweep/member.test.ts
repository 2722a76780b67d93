/**
 * How a member is found again when a sweep is resumed: a run whose folder was deleted starts
 * afresh in a new folder (the sweep's record of it rewritten), a finished one is left alone.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimIdleRun, currentProcess, RunOwner, readMemberRun, updateMetaSync } from '@gan/runs';
import { openMember } from './member.ts';
import { loadSweepFile } from './spec.ts';
import { createSweep, planSweep } from './sweep.ts';
import { testEnvironment as environment } from '../run/session.test-util.ts';

const root = mkdtempSync(join(tmpdir(), 'member-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openMember', () => {
  it('starts a member whose run folder was deleted afresh, in a new folder', async () => {
    writeFileSync(
      join(root, 'ring.yaml'),
      'data: { dataset: gaussians8, batchSize: 16, limit: 100 }\nmodel: { z: { size: 4 }, generator: { hidden: [8], output: identity }, discriminator: { hidden: [8] } }\ntrain: { steps: 10 }\n',
    );
    writeFileSync(join(root, 's.yaml'), 'configs: [ring.yaml]\nseeds: [1, 2]\n');
    const experiments = join(root, 'experiments');
    const spec = loadSweepFile(join(root, 's.yaml'));
    const sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    const ctx = { experimentsDir: experiments, sweepDir: sweep.dir, environment, owner: 'test' };

    const first = await openMember(ctx, sweep.members[0], null);
    expect(first).toMatchObject({ kind: 'run', resumed: false });
    const rel = readMemberRun(sweep.dir, 0)!;
    rmSync(join(experiments, rel), { recursive: true });

    const again = await openMember(ctx, sweep.members[0], null);
    expect(again).toMatchObject({ kind: 'run', resumed: false });
    if (again.kind !== 'run') throw new Error('unreachable');
    expect(again.run).not.toBe(rel);
    expect(readMemberRun(sweep.dir, 0)).toBe(again.run);
    expect(existsSync(join(again.session.runDir, 'config.yaml'))).toBe(true);
  });

  it('leaves a member alone while another process is taking its run over, as pnpm eval does', async () => {
    const experiments = join(root, 'experiments-claimed');
    const spec = loadSweepFile(join(root, 's.yaml'));
    const sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    const ctx = { experimentsDir: experiments, sweepDir: sweep.dir, environment, owner: 'test' };
    const first = await openMember(ctx, sweep.members[0], null);
    if (first.kind !== 'run') throw new Error('expected a new run');
    const { runDir } = first.session;
    // As an interrupted run with a checkpoint leaves it: resumable.
    updateMetaSync(RunOwner.of(runDir, first.session.owner), { status: 'interrupted' });
    writeFileSync(join(runDir, 'checkpoints', 'step-000005.safetensors'), '');

    // Claimed by a live process that has not written meta.json yet: it is starting the run.
    RunOwner.claim(runDir, 'worker C');
    expect(await openMember(ctx, sweep.members[0], null)).toMatchObject({ kind: 'busy' });
    expect(await claimIdleRun(runDir, 'pnpm eval')).toMatchObject({
      owner: null,
      busy: expect.stringMatching(/^worker C \(pid \d+ on \S+, epoch 2\) is taking the run over$/),
    });
    // A claimant that died before writing anything leaves it to the next one.
    RunOwner.claim(runDir, 'worker D', { process: { ...currentProcess(), pid: 2 ** 22 + 1 } });
    expect(await openMember(ctx, sweep.members[0], null)).toMatchObject({ kind: 'run', resumed: true });
  });
});
