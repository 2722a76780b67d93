/**
 * Stop signals sent to the process a user starts with the README's commands (signals.ts): pnpm,
 * signalled alone as a service manager or `kill` does, or with its group as a terminal does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { redisRequirement } from '../../../test-support/redis.ts';
import { commandRuns, describeWith, itWith, type Requirement } from '../../../test-support/requirements.ts';
import { canUnshare, type TwinCache } from './distributed.ts';
import { pnpmCommand } from './exp.ts';
import { runSignalTrial, type SignalTrial } from './signals.ts';

const [pnpm, ...pnpmArgs] = pnpmCommand();
const pnpmRequirement: Requirement = {
  missing: commandRuns(pnpm, [...pnpmArgs, '--version']) ? null : 'pnpm not found',
  enable: 'npm install -g pnpm@10 (.ci/run does it)',
};

const container: Requirement = {
  missing: canUnshare() ?? (commandRuns('tini', ['--version']) ? null : 'tini not found'),
  enable: 'apt-get install tini (node test-support/ensure-system.mjs does it), as root',
};

describeWith(pnpmRequirement, 'stop signals to the command a user started', () => {
  const work = mkdtempSync(join(tmpdir(), 'signals-'));
  const twins: TwinCache = new Map();
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;

  const trial = async (t: SignalTrial) => {
    const r = await runSignalTrial(t, join(work, `${t.command}-${t.signal}-${t.target}-${n++}`), twins);
    expect(r.problems, `${r.problems.join('\n')}\n\n${r.log.slice(-6000)}`).toEqual([]);
  };

  it(
    'SIGTERM to pnpm exp: the run stops at a checkpoint, nothing is left, and it resumes to its twin',
    {
      timeout: 240_000,
    },
    () => trial({ command: 'exp', signal: 'SIGTERM', target: 'pnpm' }),
  );

  it(
    'SIGHUP to pnpm exp (pnpm dies of it without passing it on): the run still stops at a checkpoint',
    {
      timeout: 240_000,
    },
    () => trial({ command: 'exp', signal: 'SIGHUP', target: 'pnpm' }),
  );

  it(
    'SIGINT to the whole group, as Ctrl-C in a terminal: one stop, not two (the run is not forced)',
    {
      timeout: 240_000,
    },
    () => trial({ command: 'exp', signal: 'SIGINT', target: 'group' }),
  );

  itWith(
    container,
    'SIGTERM from outside to the init of a container (docker run --init): as to pnpm',
    () => trial({ command: 'exp', signal: 'SIGTERM', target: 'init' }),
    240_000,
  );

  it(
    'SIGTERM to pnpm sweep --jobs 2: both members stop at a checkpoint and resume to their twins',
    {
      timeout: 300_000,
    },
    () => trial({ command: 'sweep', signal: 'SIGTERM', target: 'pnpm' }),
  );

  it(
    'SIGTERM to pnpm ui: the server closes and exits 0, nothing is left',
    {
      timeout: 200_000,
    },
    () => trial({ command: 'ui', signal: 'SIGTERM', target: 'pnpm' }),
  );
});

describeWith(
  { ...redisRequirement, missing: redisRequirement.missing ?? pnpmRequirement.missing },
  'stop signals to pnpm worker (a real redis-server)',
  () => {
    const work = mkdtempSync(join(tmpdir(), 'signals-worker-'));
    const twins: TwinCache = new Map();
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('SIGTERM to pnpm worker with members training: they checkpoint and go back to the queue, another worker completes them as their twins', {
      timeout: 400_000,
    }, async () => {
      const r = await runSignalTrial(
        { command: 'worker', signal: 'SIGTERM', target: 'pnpm' },
        join(work, 'worker'),
        twins,
      );
      expect(r.problems, `${r.problems.join('\n')}\n\n${r.log.slice(-6000)}`).toEqual([]);
    });

    it('the same as systemd stops a unit by default (SIGTERM to every process of it at once)', {
      timeout: 400_000,
    }, async () => {
      const r = await runSignalTrial(
        { command: 'worker', signal: 'SIGTERM', target: 'group' },
        join(work, 'group'),
        twins,
      );
      expect(r.problems, `${r.problems.join('\n')}\n\n${r.log.slice(-6000)}`).toEqual([]);
    });
  },
);
