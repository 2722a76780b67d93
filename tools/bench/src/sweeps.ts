/**
 * The sweep and queue targets of issue 14, measured as a user runs them (whole `pnpm sweep` and
 * `pnpm worker` processes):
 *
 *   sweep        8 article-config runs with --jobs 2 against the same 8 with --jobs 1 (one after
 *                another, each with every core): goal at most 0.6x the wall time; also against
 *                --jobs 1 --threads 1 (one core each), which bounds what two jobs can gain
 *   queue        the same 8 through Redis with 2 workers on this machine: goal within 10% of --jobs 2
 *   overhead     from enqueueing a member to its first step on an idle worker (modules, kernels and
 *                MNIST already loaded by an earlier member): goal median under 1 s
 *   sweep-view   1,000 queued members listed by the sweep view (one round trip to Redis): goal under 1 s
 *
 * A private redis-server on a free loopback port in a temporary folder (Debian's redis-server);
 * nothing is left behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './runs.ts';
import { ARTICLE_CONFIGS } from '@gan/training/config';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SWEEP = join(ROOT, 'packages', 'lab', 'src', 'cli', 'sweep.ts');
const WORKER = join(ROOT, 'packages', 'lab', 'src', 'cli', 'worker.ts');
/** The lab's in-process queue timings (run as a process: the bench depends on no application code). */
const QUEUE_TIMINGS = join(ROOT, 'packages', 'lab', 'src', 'cli', 'queue-timings.ts');

/** Runs queue-timings.ts with `args` and returns the JSON it prints. */
function queueTimings<T>(args: string[]): T {
  const r = spawnSync(TSX, [QUEUE_TIMINGS, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`queue-timings ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as T;
}

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts redis-server on loopback with its own folder; throws with the reason if it cannot. */
export async function startRedis(): Promise<LocalRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) =>
    child.on('error', (e) =>
      reject(new Error(`redis-server could not start (${e.message}): apt-get install redis-server`)),
    ),
  );
  const up = (async () => {
    for (let i = 0; i < 200; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          r(true);
        });
        s.once('error', () => r(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  })();
  await Promise.race([up, failed]);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sweep file of the 8 article configs at `steps` steps (no evaluation: training is what is timed). */
function seedSweepFile(dir: string, steps: number): string {
  const file = join(dir, 'article-configs.yaml');
  writeFileSync(
    file,
    `name: bench-article-configs\nconfigs:\n${ARTICLE_CONFIGS.map((c) => `  - ${join(ROOT, 'configs', `${c}.yaml`)}`).join('\n')}\n` +
      `set:\n  train.steps: ${steps}\n  eval.atEnd: false\n  log.gif: false\n  log.printEvery: ${steps}\n`,
  );
  return file;
}

function runSweep(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(TSX, [SWEEP, ...args, '--no-dashboard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0)
    throw new Error(
      `pnpm sweep ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`,
    );
  return (performance.now() - t0) / 1000;
}

export interface SweepBench {
  steps: number;
  /** --jobs 2, one kernel thread each. */
  jobs2: number;
  /** --jobs 1 with every core (what `pnpm sweep --jobs 1` does). */
  jobs1: number;
  /** --jobs 1 --threads 1: one after another, one core each. */
  jobs1Single: number;
  /** jobs2 / jobs1: the target's ratio. */
  ratio: number;
  /** jobs2 / jobs1Single. */
  ratioSingle: number;
  /**
   * The least `ratio` two jobs could reach: half of one after another on one core each, over one
   * after another with every core (0.5 when a lone run gains nothing from a second core).
   */
  bound: number;
}

/** The 8 article configs with --jobs 2, --jobs 1 and --jobs 1 --threads 1 (order rotated over `rounds`). */
export function benchLocalSweep(steps: number, rounds: number): SweepBench {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  try {
    const file = seedSweepFile(dir, steps);
    const variants = [
      ['--jobs', '2', '--threads', '1'],
      ['--jobs', '1'],
      ['--jobs', '1', '--threads', '1'],
    ];
    const times: number[][] = variants.map(() => []);
    for (let i = 0; i < rounds; i++) {
      // Rotated, so that none always runs first on a machine whose load drifts.
      for (let k = 0; k < variants.length; k++) {
        const v = (i + k) % variants.length;
        times[v].push(runSweep([file, ...variants[v], '--experiments', join(dir, `v${v}-${i}`)]));
      }
    }
    const [two, one, single] = times;
    const per = (a: number[], b: number[]) => median(a.map((t, i) => t / b[i]));
    return {
      steps,
      jobs2: median(two),
      jobs1: median(one),
      jobs1Single: median(single),
      ratio: per(two, one),
      ratioSingle: per(two, single),
      bound: per(
        single.map((t) => t / 2),
        one,
      ),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function startWorker(
  url: string,
  experiments: string,
  extra: string[] = [],
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    TSX,
    [WORKER, '--queue', url, '--experiments', experiments, '--threads', '1', ...extra],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      if (/^worker \S+: queue/m.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`pnpm worker exited ${code}: ${out}`)));
  });
  child.stderr?.on('data', (d) => (out += d));
  return { child, ready };
}

async function stopWorkers(workers: { child: ChildProcess }[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((r) => {
          if (w.child.exitCode !== null) return r();
          w.child.once('exit', () => r());
          w.child.kill('SIGTERM');
        }),
    ),
  );
}

export interface QueueBench {
  steps: number;
  queue: number;
  jobs2: number;
  ratio: number;
}

/** The same 8 through Redis with 2 workers (started and ready before the clock starts), then --jobs 2. */
export async function benchQueueSweep(redis: LocalRedis, steps: number): Promise<QueueBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
  const workers = [0, 1].map(() => startWorker(redis.url, join(dir, 'shared')));
  try {
    await Promise.all(workers.map((w) => w.ready));
    const file = seedSweepFile(dir, steps);
    const queue = runSweep([file, '--queue', redis.url, '--experiments', join(dir, 'shared')]);
    await stopWorkers(workers);
    const jobs2 = runSweep([file, '--jobs', '2', '--experiments', join(dir, 'local')]);
    return { steps, queue, jobs2, ratio: queue / jobs2 };
  } finally {
    await stopWorkers(workers);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OverheadBench {
  /** Seconds from enqueue to the first step, each member. */
  latencies: number[];
  median: number;
}

/**
 * One idle worker; `count` one-member sweeps of the decay config (MNIST) enqueued one at a time,
 * each timed from `enqueue` to the first step the worker reports. A first member, untimed, warms
 * the worker up (its training thread loads the modules, the kernels and MNIST once).
 */
export async function benchQueueOverhead(redis: LocalRedis, count: number): Promise<OverheadBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-overhead-'));
  const experiments = join(dir, 'shared');
  const worker = startWorker(redis.url, experiments);
  try {
    await worker.ready;
    const { latencies } = queueTimings<{ latencies: number[] }>([
      'overhead',
      '--queue',
      redis.url,
      '--experiments',
      experiments,
      '--count',
      String(count),
    ]);
    return { latencies, median: median(latencies) };
  } finally {
    await stopWorkers([worker]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ViewBench {
  members: number;
  /** Listing the queued members from Redis (job states and progress), in-process, median of 5. */
  queueSeconds: number;
  /** Listing them from the sweep folder (no run folders yet), median of 5. */
  folderSeconds: number;
  /** `pnpm sweep status <id> --queue` as a whole process (most of it is starting Node and tsx). */
  commandSeconds: number;
}

/** A sweep of `members` queued (no worker), listed by the sweep view. */
export async function benchSweepView(redis: LocalRedis, members: number): Promise<ViewBench> {
  const listed = queueTimings<{
    queueSeconds: number;
    folderSeconds: number;
    sweepId: string;
    experiments: string;
  }>(['listing', '--queue', redis.url, '--members', String(members)]);
  try {
    const t0 = performance.now();
    const r = spawnSync(
      TSX,
      [SWEEP, 'status', listed.sweepId, '--queue', redis.url, '--experiments', listed.experiments],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) throw new Error(`pnpm sweep status failed: ${r.stderr}`);
    const commandSeconds = (performance.now() - t0) / 1000;
    return {
      members,
      queueSeconds: listed.queueSeconds,
      folderSeconds: listed.folderSeconds,
      commandSeconds,
    };
  } finally {
    rmSync(listed.experiments, { recursive: true, force: true });
  }
}
