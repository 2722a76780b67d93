/**
 * The queue end to end, with a real redis-server on loopback (started here, never a system
 * service) and real `pnpm worker` processes: a sweep of 6 members through 3 workers, one of them
 * killed with SIGKILL while it trains; every member completes exactly once, and the member whose
 * worker died (resumed by another worker from its last checkpoint) has the very metrics.jsonl of
 * an uninterrupted run of the same config and seed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsPath, RunOwner, readMemberRuns, readMetaSync } from '@gan/runs';
import { describeWith } from '../../../../test-support/requirements.ts';
import { redisRequirement, startRedis, type TestRedis } from '../../../../test-support/redis.ts';
import { TrainingThread } from '../run/thread.ts';
import { memberConfig } from './member.ts';
import { QUEUE_NAME } from './queue.ts';
import { queueRows } from './queue-follower.ts';
import { enqueueMembers } from './queue-producer.ts';
import { cliSweep } from './spec.ts';
import { createSweep, planSweep, type Sweep } from './sweep.ts';
import { testEnvironment as environment } from '../run/session.test-util.ts';
import { TSX_LOADER as TSX } from '../../../../test-support/tsx.ts';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, '..', 'cli', 'worker.ts');

const TINY = `
seed: 3
data: { dataset: gaussians8, batchSize: 16, limit: 1000 }
model:
  z: { size: 4 }
  generator: { hidden: [32], output: identity }
  discriminator: { hidden: [32] }
train: { steps: 12000 }
log: { every: 5, printEvery: 1000, samplesEvery: 4000, checkpointEvery: 500, gif: false }
eval: { atEnd: false }
`;

interface WorkerProcess {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

function startWorker(redis: TestRedis, experiments: string, name: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX,
      WORKER,
      '--queue',
      redis.url,
      '--experiments',
      experiments,
      '--threads',
      '1',
      '--lock-seconds',
      '3',
      '--name',
      name,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w: WorkerProcess = {
    child,
    out: '',
    exited: new Promise((r) => child.on('exit', (code) => r(code))),
  };
  child.stdout?.on('data', (d) => (w.out += d));
  child.stderr?.on('data', (d) => (w.out += d));
  return w;
}

async function until<T>(
  what: string,
  f: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  ms: number,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWith(redisRequirement, 'the run queue (BullMQ on a real redis-server)', () => {
  let redis: TestRedis;
  let root: string;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    root = mkdtempSync(join(tmpdir(), 'queue-'));
    writeFileSync(join(root, 'tiny.yaml'), TINY);
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs a sweep of 6 through 3 workers, one killed -9 mid-run: each member once, the killed one byte-identical', async () => {
    const experiments = join(root, 'experiments');
    const spec = cliSweep(join(root, 'tiny.yaml'), ['seed=1,2,3,4,5,6']);
    const sweep: Sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    expect(await enqueueMembers(sweep, redis.url)).toEqual({ added: 6, retried: 0 });
    // Enqueuing again adds nothing: job ids are the members'.
    expect(await enqueueMembers(sweep, redis.url)).toEqual({ added: 0, retried: 0 });

    for (const name of ['w1', 'w2', 'w3']) workers.push(startWorker(redis, experiments, name));
    // The first worker to start a member is killed once its run has a checkpoint past step 500.
    const victim = await until(
      'a worker training a member past its first checkpoints',
      () => {
        for (const w of workers) {
          for (const m of w.out.matchAll(/starting member (\d+) of \S+ \(.*\) in (\S+)/g)) {
            const runDir = join(experiments, m[2]);
            if (!existsSync(join(runDir, 'meta.json')) || readMetaSync(runDir).status !== 'running') continue;
            const checkpoints = readdirSync(join(runDir, 'checkpoints')).filter((f) =>
              f.endsWith('.safetensors'),
            );
            if (checkpoints.length > 0 && !checkpoints.includes('step-012000.safetensors'))
              return { w, index: Number(m[1]), runDir };
          }
        }
        return null;
      },
      120_000,
    );
    victim.w.child.kill('SIGKILL');
    await victim.w.exited;
    const killedAt = readMetaSync(victim.runDir).step;
    expect(killedAt).toBeLessThan(12000);
    expect(readMetaSync(victim.runDir).status).toBe('running'); // as a kill -9 leaves it

    const rows = await until(
      'every member to complete',
      async () => {
        const r = await queueRows(sweep, redis.url);
        return r.every((x) => x.status === 'completed') ? r : null;
      },
      240_000,
    );
    expect(rows.map((r) => r.step)).toEqual(Array(6).fill(12000));

    // Each member ran in exactly one run folder: no member was started twice.
    const runs = await readMemberRuns(sweep.dir);
    expect(runs.size).toBe(6);
    expect(new Set(runs.values()).size).toBe(6);
    expect(readdirSync(join(experiments, 'tiny')).sort()).toEqual(
      [...runs.values()].map((r) => r.split('/')[1]).sort(),
    );
    for (const run of runs.values()) expect(readMetaSync(join(experiments, run)).status).toBe('completed');

    // The killed member was resumed by another worker, from a checkpoint at or before the kill.
    const resumed = readMetaSync(victim.runDir);
    expect(resumed.resumedFrom).not.toBeNull();
    const resumer = workers.find((w) => w !== victim.w && w.out.includes(`resuming member ${victim.index} `));
    expect(resumer, workers.map((w) => w.out).join('\n---\n')).toBeDefined();

    // ... and its metrics are those of an uninterrupted run of the same config and seed.
    const twinDir = join(root, 'twin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(twinDir, 'samples'), { recursive: true });
    mkdirSync(join(twinDir, 'checkpoints'));
    const config = memberConfig(sweep.members[victim.index], null);
    const { serializeConfig } = await import('@gan/training');
    const thread = new TrainingThread({ backend: 'auto', threads: 1 });
    const twin = await thread.run(
      {
        config,
        configText: serializeConfig(config),
        runDir: twinDir,
        runId: 'twin',
        owner: RunOwner.claim(twinDir, 'twin').token,
        environment,
      },
      () => {},
    ).done;
    await thread.close();
    expect(twin.status).toBe('completed');
    const a = readFileSync(metricsPath(victim.runDir), 'utf8');
    const b = readFileSync(metricsPath(twinDir), 'utf8');
    expect(a.split('\n').length).toBe(b.split('\n').length);
    expect(a === b).toBe(true);

    // The queue agrees: 6 completed jobs, none failed, none waiting.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    await queue.close();
    expect(counts).toEqual({ completed: 6, failed: 0, waiting: 0, active: 0, delayed: 0 });

    // Workers stop cleanly on SIGTERM.
    for (const w of workers) if (w !== victim.w) w.child.kill('SIGTERM');
    for (const w of workers) if (w !== victim.w) expect(await w.exited).toBe(0);
  }, 400_000);

  it('survives Redis going away: the worker stops its run at a checkpoint, says so, and resumes it when Redis is back', async () => {
    const experiments = join(root, 'experiments-outage');
    // Long enough (15 s at 20,000 steps/s, the native kernels here) that the member is still
    // training when the worker gives up on Redis (a few seconds after it goes).
    const steps = 300_000;
    const spec = cliSweep(join(root, 'tiny.yaml'), ['seed=11', `train.steps=${steps}`]);
    const sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    await enqueueMembers(sweep, redis.url);
    const w = startWorker(redis, experiments, 'w-outage');
    workers.push(w);
    const said = () => `the worker said:\n${w.out.slice(-3000)}`;
    try {
      const runDir = await until(
        'the member to train past a checkpoint',
        () => {
          const m = /starting member 0 of \S+ \(.*\) in (\S+)/.exec(w.out);
          if (!m) return null;
          const dir = join(experiments, m[1]);
          const cps = existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')) : [];
          return cps.some((f) => f.endsWith('.safetensors')) ? dir : null;
        },
        120_000,
        said,
      );
      await redis.kill('SIGKILL'); // gone, without a word
      await until(
        'the worker to say the queue is unreachable',
        () => /the queue at \S+ is unreachable/.test(w.out),
        30_000,
        said,
      );
      await until(
        'the run to stop at a checkpoint',
        () => readMetaSync(runDir).status === 'interrupted',
        60_000,
        () => `the run is ${readMetaSync(runDir).status} at step ${readMetaSync(runDir).step}; ${said()}`,
      );
      expect(w.out).toMatch(/stopping the runs at a checkpoint \(nothing is lost\)/);
      const stoppedAt = readMetaSync(runDir).step;
      expect(readdirSync(join(runDir, 'checkpoints'))).toContain(
        `step-${String(stoppedAt).padStart(6, '0')}.safetensors`,
      );

      await redis.restart(); // the same data (append-only file), as a restarted server would have
      await until('the worker to see the queue again', () => /is reachable again/.test(w.out), 60_000, said);
      const rows = await until(
        'the member to complete',
        async () => {
          const r = await queueRows(sweep, redis.url).catch(() => null);
          return r?.[0]?.status === 'completed' ? r : null;
        },
        300_000,
        said,
      );
      expect(rows[0].step).toBe(steps);
      const meta = readMetaSync(runDir);
      expect(meta).toMatchObject({ status: 'completed', step: steps });
      expect(meta.resumedFrom).not.toBeNull();
      expect(readdirSync(join(experiments, 'tiny'))).toHaveLength(1); // resumed in place, nothing lost or doubled
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    } finally {
      // Back for the tests after this one, whatever happened here.
      if (redis.process.exitCode !== null || redis.process.signalCode !== null) await redis.restart();
    }
  }, 600_000);

  it('stops on SIGTERM while Redis is away, instead of waiting for it forever', async () => {
    const own = await startRedis({ appendonly: false });
    const w = startWorker(own, join(root, 'experiments-away'), 'w-away');
    workers.push(w);
    const said = () => `the worker said:\n${w.out.slice(-3000)}`;
    try {
      await until('the worker to take jobs', () => /^worker \S+: queue/m.test(w.out), 60_000, said);
      await own.kill('SIGKILL');
      await until(
        'the worker to say the queue is unreachable',
        () => /is unreachable/.test(w.out),
        30_000,
        said,
      );
      w.child.kill('SIGTERM');
      const exited = await Promise.race([
        w.exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000)),
      ]);
      expect(exited, said()).toBe(0);
    } finally {
      await own.stop();
    }
  }, 120_000);

  it('ends a member that fails for its own reason, or diverges, once: no retry, the reason visible', async () => {
    writeFileSync(join(root, 'bad.yaml'), TINY.replace('train: { steps: 12000 }', 'train: { steps: 200 }'));
    const experiments = join(root, 'experiments-bad');
    // Member 0: valid config, but nothing to sample (excludeLast >= rows): training cannot start.
    // Member 1: a learning rate that makes the losses infinite at once: it diverges.
    const spec = cliSweep(join(root, 'bad.yaml'), [
      'data.excludeLast=5000,0',
      'optim.generator.lr=100',
      'optim.discriminator.lr=100',
      'optim.generator.type=sgd',
      'optim.discriminator.type=sgd',
      'loss.fromProbabilities=true',
    ]);
    const sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    await enqueueMembers(sweep, redis.url);
    const w = startWorker(redis, experiments, 'w-bad');
    workers.push(w);
    const rows = await until(
      'both members to end',
      async () => {
        const r = await queueRows(sweep, redis.url);
        return r.every((x) => ['failed', 'diverged'].includes(x.status)) ? r : null;
      },
      120_000,
    );
    expect(rows.map((r) => r.status)).toEqual(['failed', 'diverged']);
    expect(rows[0].note).toMatch(/excludeLast \(5000\) leaves nothing to sample/);
    // Given time, nothing runs them again.
    await new Promise((r) => setTimeout(r, 4000));
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const failed = await queue.getJob(`${sweep.meta.id}.member-0.stage-0`);
    const diverged = await queue.getJob(`${sweep.meta.id}.member-1.stage-0`);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsStarted).toBe(1);
    expect(await diverged?.getState()).toBe('completed');
    expect(diverged?.returnvalue).toMatchObject({ status: 'diverged' });
    expect(diverged?.attemptsStarted).toBe(1);
    await queue.close();
    expect(w.out.match(/starting member 0 /g)).toHaveLength(1);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  }, 200_000);
});
