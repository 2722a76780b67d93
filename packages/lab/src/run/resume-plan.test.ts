import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentProcess, RunOwner, updateMetaSync } from '@gan/runs';
import { serializeConfig } from '@gan/training';
import { createRun } from './create.ts';
import { planResume, ResumeRefused } from './resume-plan.ts';
import { ringConfig, testEnvironment } from './session.test-util.ts';

const root = mkdtempSync(join(tmpdir(), 'resume-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('planResume', () => {
  it('refuses a run that a live process has just claimed, not one whose claimant is gone', async () => {
    const config = ringConfig('plan');
    const { runDir, owner } = await createRun(root, config, serializeConfig(config), testEnvironment);
    await expect(planResume(runDir)).rejects.toThrow(/the run is still running \(process \d+ on/);
    updateMetaSync(owner, { status: 'interrupted' });
    expect((await planResume(runDir)).notes).toEqual(['no checkpoint yet: starting again from step 0']);

    // Claimed (by this live process) after meta.json was last written: another resume is starting it.
    RunOwner.claim(runDir, 'pnpm exp --resume');
    const refused = planResume(runDir);
    await expect(refused).rejects.toThrow(ResumeRefused);
    await expect(refused).rejects.toThrow(
      /pnpm exp --resume \(pid \d+ on \S+, epoch 2\) has just taken the run over and is starting it/,
    );

    // A claimant that died before writing anything leaves the run to the next resume.
    RunOwner.claim(runDir, 'pnpm exp --resume', { process: { ...currentProcess(), pid: 2 ** 22 + 1 } });
    expect((await planResume(runDir)).notes).toEqual(['no checkpoint yet: starting again from step 0']);
  });
});
