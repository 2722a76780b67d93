/**
 * The distributed fault scenarios (distributed.ts), each once, on real processes and a real
 * redis-server: `pnpm faults` runs them several times each, at other points.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { redisRequirement } from '../../../test-support/redis.ts';
import { describeWith, type Requirement } from '../../../test-support/requirements.ts';
import { canUnshare, type DistributedTrial, runDistributedTrial, type TwinCache } from './distributed.ts';

const unshareMissing = canUnshare();
const cluster: Requirement = {
  missing: redisRequirement.missing ?? unshareMissing,
  enable: redisRequirement.missing
    ? redisRequirement.enable
    : 'run as root (unshare --pid needs CAP_SYS_ADMIN, or user namespaces enabled)',
};

describeWith(cluster, 'the distributed fault scenarios', () => {
  const work = mkdtempSync(join(tmpdir(), 'distributed-'));
  const twins: TwinCache = new Map();
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const trial = async (t: DistributedTrial) => {
    const r = await runDistributedTrial(
      t,
      join(work, `${t.kind}-${String(t.at).replaceAll(/\W/g, '_')}`),
      twins,
    );
    expect(r.problems, `${r.problems.join('\n')}\n\n${r.log.slice(-8000)}`).toEqual([]);
    expect(r.lost).toBe(0);
    return r;
  };

  it('a worker paused past its lock while B takes its member over: once continued, it writes nothing and says so', {
    timeout: 300_000,
  }, async () => {
    // Stopped between a checkpoint's temp file and its rename: the worst place to wake up in.
    const r = await trial({ kind: 'pause', at: 'pause:checkpoints/:rename:3' });
    expect(r.log).toMatch(
      /member \d+ of \S+ \(seed=\d\): \S+ was taken over by worker B \(pid \d+ on \S+, epoch 2\): stopped without writing/,
    );
  });

  it('a worker cut off from Redis past its lock: reconnected, it says it lost the lock (not an outage) and stops', {
    timeout: 400_000,
  }, async () => {
    const r = await trial({ kind: 'partition', at: 2 });
    expect(r.log).toMatch(
      /lost the lock of job \S+ \(member 0 of \S+ \(dist\)\): another worker may own it now/,
    );
  });

  it('Redis killed -9 mid-sweep and restarted on its append-only file: every member once, as its twin', {
    timeout: 400_000,
  }, async () => {
    await trial({ kind: 'redis-restart', at: 2 });
  });

  it('two resumes of one run started together: one trains it, the other is told', {
    timeout: 300_000,
  }, async () => {
    await trial({ kind: 'resumes-together', at: 3 });
  });

  it('a resume of a run training in another pid namespace is refused on its heartbeat', {
    timeout: 300_000,
  }, async () => {
    await trial({ kind: 'resume-while-training', at: 3 });
  });
});
