import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  currentProcess,
  formatAge,
  type ProcessProbe,
  probeProcess,
  type RunProcess,
  runLiveness,
} from './liveness.ts';
import { itWith, type Requirement } from '../../../test-support/requirements.ts';

const linuxProc: Requirement = {
  missing: process.platform === 'linux' ? null : `no /proc on ${process.platform}`,
  enable: 'run on Linux',
};

const here: RunProcess = {
  pid: 100,
  hostname: 'vm',
  bootId: 'boot-1',
  startTicks: 5000,
  pidNamespace: 'pid:[1]',
};
const NOW = Date.parse('2026-11-26T16:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

/** A run's meta as liveness reads it: running, recorded by `process`, last heartbeat `beat`. */
const running = (process: RunProcess | null, heartbeatAt: string | null = minutesAgo(1)) => ({
  status: 'running',
  process,
  heartbeatAt,
});

const probe =
  (answer: ProcessProbe) =>
  (_pid: number): ProcessProbe =>
    answer;
const run42 = { ...here, pid: 42, startTicks: 7000 };

describe('runLiveness on the machine that ran it', () => {
  const opts = { here, now: NOW };

  it('is alive while the process that started it is there', () => {
    expect(
      runLiveness(running(run42), {
        ...opts,
        probe: probe({ exists: true, startTicks: 7000, zombie: false }),
      }),
    ).toEqual({ state: 'alive', detail: 'process 42 on vm is running' });
  });

  it('is crashed at once, whatever the heartbeat, when the process is gone, a zombie, or another one', () => {
    const fresh = running(run42, minutesAgo(0));
    expect(runLiveness(fresh, { ...opts, probe: probe({ exists: false }) })).toEqual({
      state: 'crashed',
      detail: 'process 42 on vm is gone',
    });
    expect(
      runLiveness(fresh, { ...opts, probe: probe({ exists: true, startTicks: 7000, zombie: true }) }),
    ).toEqual({
      state: 'crashed',
      detail: 'process 42 on vm has exited',
    });
    expect(
      runLiveness(fresh, { ...opts, probe: probe({ exists: true, startTicks: 9999, zombie: false }) }).state,
    ).toBe('crashed');
    expect(runLiveness(running({ ...run42, bootId: 'boot-0' }), opts)).toEqual({
      state: 'crashed',
      detail: 'process 42 on vm is gone: the machine has restarted since',
    });
  });

  it('sees a real process end', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid as number;
    const seen = probeProcess(pid);
    expect(seen.exists).toBe(true);
    const recorded = { ...currentProcess(), pid, startTicks: seen.exists ? seen.startTicks : null };
    expect(runLiveness(running(recorded)).state).toBe('alive');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(runLiveness(running(recorded))).toMatchObject({ state: 'crashed' });
  });
});

describe('runLiveness elsewhere', () => {
  it('goes by the heartbeat (and the last write) for another host, a container, or an old run', () => {
    const other = { ...run42, hostname: 'gpu-box' };
    const opts = { here, now: NOW, probe: probe({ exists: false }) };
    expect(runLiveness(running(other, minutesAgo(2)), opts)).toEqual({
      state: 'alive',
      detail: 'last sign of life 2 min ago from process 42 on gpu-box',
    });
    expect(runLiveness(running(other, minutesAgo(11)), opts)).toEqual({
      state: 'stale',
      detail: 'no sign of life for 11 min from process 42 on gpu-box',
    });
    expect(runLiveness(running(other, minutesAgo(11)), { ...opts, lastActivityMs: NOW - 30_000 }).state).toBe(
      'alive',
    );
    expect(runLiveness(running(other, minutesAgo(3)), { ...opts, staleAfterMs: 60_000 }).state).toBe('stale');
    const container = { ...run42, pidNamespace: 'pid:[2]' };
    expect(runLiveness(running(container, minutesAgo(2)), opts).state).toBe('alive');
    expect(runLiveness(running(null, null), { ...opts, lastActivityMs: NOW - 60_000 }).state).toBe('alive');
    expect(runLiveness(running(null, null), opts)).toEqual({
      state: 'stale',
      detail: 'no sign of life recorded',
    });
  });

  it('says a run that ended has ended', () => {
    expect(runLiveness({ status: 'completed', process: here, heartbeatAt: null })).toEqual({
      state: 'ended',
      detail: 'completed',
    });
  });
});

describe('currentProcess', () => {
  // Linux only: elsewhere there is no /proc, and the test stands in (failing in CI) with its reason.
  itWith(linuxProc, 'describes this process the way the probe sees it', () => {
    const me = currentProcess();
    expect(me.pid).toBe(process.pid);
    expect(me.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(me.pidNamespace).toMatch(/^pid:\[\d+\]$/);
    expect(probeProcess(process.pid)).toEqual({ exists: true, startTicks: me.startTicks, zombie: false });
  });

  it('formats ages for people', () => {
    expect([45_000, 12 * 60_000, 3.5 * 3600_000, 49 * 3600_000].map(formatAge)).toEqual([
      '45 s',
      '12 min',
      '3.5 h',
      '2.0 days',
    ]);
  });
});
