/**
 * The distributed part of the fault suite: workers and resumes on real processes and a real
 * redis-server on loopback, paused, cut off and restarted as the nodes of a cluster are (the
 * Jepsen way). A worker that must look like another machine runs in its own pid namespace
 * (`unshare --pid`), where its liveness rests on its run's heartbeat alone.
 *
 * - `pause`: worker A stops itself (SIGSTOP) at one exact file operation of its member while B
 *   works; its lock expires, B takes the member over and completes the sweep; then A is continued.
 *   A must log that it was taken over and write nothing more (every file's bytes and mtime).
 * - `partition`: A is cut off from Redis (a proxy that drops everything) past its lock while it
 *   trains; B takes the job back but finds the run alive; the cut heals; A must say it lost the
 *   lock (not that the queue is unreachable) and stop at once; B resumes the member.
 * - `redis-restart`: Redis is killed (-9) mid-sweep and restarted on its append-only file.
 * - `resumes-together`: two `pnpm exp --resume` of one crashed run started at once.
 * - `resume-while-training`: `pnpm exp --resume` of a run that trains in another pid namespace.
 *
 * After each: every member completed exactly once, every run's meta.json says `completed` at its
 * last step, and its metrics, evaluations, sample grids and GIF are byte-identical to an
 * uninterrupted twin's.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listRunDirs, listSweepsSync, OWNER_DIR, readMemberRun, readMetaSync } from '@gan/runs';
import { CLI, differences, type ExpProcess, runFiles, startCli, startExp } from './exp.ts';
import { descendantsOf, processState, signalGroup, sleep, until } from './procs.ts';
import { runTwin } from './kills.ts';
import { startPartition } from './partition.ts';
import { type RedisServer, startRedis } from './redis.ts';

export const DISTRIBUTED_KINDS = [
  'pause',
  'partition',
  'redis-restart',
  'resumes-together',
  'resume-while-training',
] as const;
export type DistributedKind = (typeof DISTRIBUTED_KINDS)[number];

/** One trial: a scenario and where in the run its fault strikes. */
export interface DistributedTrial {
  kind: DistributedKind;
  /**
   * `pause`: the fault rule that stops worker A (`pause:checkpoints/:rename:3`); the others: the
   * checkpoint count after which the fault strikes.
   */
  at: string | number;
}

export interface DistributedResult {
  trial: DistributedTrial;
  /** What did not hold (empty: survived). */
  problems: string[];
  /** Members whose run could not be completed as the twin was (lost). */
  lost: number;
  members: number;
  seconds: number;
  /** Every process's output, for a failure's report. */
  log: string;
}

/** A job's lock in these scenarios (s): short, so that a paused worker loses it quickly. */
const LOCK_SECONDS = 2;
/**
 * Runs a command in its own pid namespace, killed with the `unshare` that started it. A shell is
 * the namespace's init (pid 1), so that the command is an ordinary process there: pid 1 ignores
 * the signals it sends itself, SIGSTOP included.
 */
const OWN_PID_NAMESPACE = [
  ...['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'],
  ...['sh', '-c', '"$@"; exit $?', 'sh'],
];

/** Whether this machine can give a process its own pid namespace (root, or user namespaces). */
export function canUnshare(): string | null {
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  return r.status === 0 ? null : `unshare --pid fails here: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** Whether redis-server can be started here. */
export function hasRedisServer(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server not found (apt-get install redis-server)';
}

/**
 * The scenarios' run: the 8-Gaussians ring with small MLPs; `steps` long, a checkpoint every
 * `checkpointEvery`, samples and evaluations on the way so every kind of write comes round.
 */
export function distributedConfig(steps: number, checkpointEvery: number, name = 'dist'): string {
  return `# The fault scenarios' run (tools/faults).
name: ${name}
seed: 1
data: { dataset: gaussians8, batchSize: 32, limit: 2000 }
model:
  z: { size: 4 }
  generator: { hidden: [32, 32], output: identity }
  discriminator: { hidden: [32, 32] }
optim: { generator: { lr: 0.001 }, discriminator: { lr: 0.001 } }
train: { steps: ${steps} }
log: { every: 5, printEvery: ${checkpointEvery}, samplesEvery: ${2 * checkpointEvery}, checkpointEvery: ${checkpointEvery} }
eval: { every: ${4 * checkpointEvery}, samples: 500, atEnd: true }
`;
}

/** The length of each scenario's runs: long enough that a fault finds them training. */
const SHAPE: Record<DistributedKind, { steps: number; checkpointEvery: number; members: number }> = {
  pause: { steps: 3000, checkpointEvery: 250, members: 2 },
  partition: { steps: 250_000, checkpointEvery: 10_000, members: 1 },
  'redis-restart': { steps: 60_000, checkpointEvery: 2500, members: 3 },
  'resumes-together': { steps: 60_000, checkpointEvery: 2500, members: 1 },
  'resume-while-training': { steps: 60_000, checkpointEvery: 2500, members: 1 },
};

/** Uninterrupted twins by resolved config, shared by the trials of one suite. */
export type TwinCache = Map<string, Promise<ReturnType<typeof runFiles>>>;

/** Every file of a run folder but its owners' capabilities: bytes (hashed) and mtime. */
export function runFolderState(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== OWNER_DIR) walk(path);
        continue;
      }
      const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
      out.set(relative(runDir, path), `${hash} ${statSync(path).mtimeMs}`);
    }
  };
  walk(runDir);
  return out;
}

function stateChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names.flatMap((n) =>
    before.get(n) === after.get(n)
      ? []
      : [`${n}: ${before.has(n) ? (after.has(n) ? 'rewritten' : 'removed') : 'created'}`],
  );
}

interface Scene {
  work: string;
  experiments: string;
  config: string;
  members: number;
  steps: number;
  checkpointEvery: number;
  processes: { name: string; p: ExpProcess }[];
  problems: string[];
}

function newScene(work: string, kind: DistributedKind): Scene {
  mkdirSync(work, { recursive: true });
  const shape = SHAPE[kind];
  const config = join(work, 'dist.yaml');
  writeFileSync(config, distributedConfig(shape.steps, shape.checkpointEvery));
  const seeds = Array.from({ length: shape.members }, (_, i) => i + 1);
  writeFileSync(join(work, 'sweep.yaml'), `configs: [dist.yaml]\nseeds: [${seeds.join(', ')}]\n`);
  return {
    work,
    experiments: join(work, 'experiments'),
    config,
    members: shape.members,
    steps: shape.steps,
    checkpointEvery: shape.checkpointEvery,
    processes: [],
    problems: [],
  };
}

function startWorker(
  scene: Scene,
  name: string,
  url: string,
  options: { isolated?: boolean; extra?: string[] } = {},
): ExpProcess {
  const args = ['--queue', url, '--experiments', scene.experiments, '--threads', '1'];
  args.push('--lock-seconds', String(LOCK_SECONDS), '--name', name, ...(options.extra ?? []));
  const p = startCli(CLI.worker, args, scene.work, {
    wrap: options.isolated ? OWN_PID_NAMESPACE : undefined,
    detached: true,
  });
  scene.processes.push({ name: `worker ${name}`, p });
  return p;
}

/** Queues the sweep (the follower is stopped once it has queued it); returns the sweep folder. */
async function queueSweep(scene: Scene, url: string): Promise<string> {
  const args = [join(scene.work, 'sweep.yaml'), '--queue', url, '--experiments', scene.experiments];
  const p = startCli(CLI.sweep, [...args, '--no-dashboard'], scene.work, { detached: true });
  scene.processes.push({ name: 'pnpm sweep', p });
  await until('the sweep to be queued', () => /^queued \d+ job/m.test(p.output()), 60_000);
  signalGroup(p, 'SIGKILL');
  const [sweep] = listSweepsSync(scene.experiments);
  return sweep.dir;
}

/** The run folder of each of a sweep's `members` (null: not started yet). */
export function memberRunDirs(experiments: string, sweepDir: string, members: number): (string | null)[] {
  return Array.from({ length: members }, (_, i) => {
    const rel = readMemberRun(sweepDir, i);
    return rel === null ? null : join(experiments, rel);
  });
}

const memberRuns = (scene: Scene, sweepDir: string) =>
  memberRunDirs(scene.experiments, sweepDir, scene.members);

const completed = (runDir: string | null, steps: number) => {
  if (runDir === null || !existsSync(join(runDir, 'meta.json'))) return false;
  const meta = readMetaSync(runDir);
  return meta.status === 'completed' && meta.step === steps;
};

/** How many checkpoints a run has written (the newest's step over the interval; older ones are pruned). */
export function checkpointsOf(runDir: string, every: number): number {
  const dir = join(runDir, 'checkpoints');
  const steps = existsSync(dir)
    ? readdirSync(dir).flatMap((f) => /^step-(\d+)\.safetensors$/.exec(f)?.slice(1).map(Number) ?? [])
    : [];
  return Math.max(0, ...steps) / every;
}

/** The twin of a run: its own resolved config.yaml, trained without a fault (in a folder of `work`). */
export function twinOf(work: string, runDir: string, twins: TwinCache): Promise<ReturnType<typeof runFiles>> {
  const text = readFileSync(join(runDir, 'config.yaml'), 'utf8');
  const key = createHash('sha256').update(text).digest('hex');
  let twin = twins.get(key);
  if (twin === undefined) {
    twin = runTwin(work, text).then((t) => t.files);
    twins.set(key, twin);
  }
  return twin;
}

/** The common checks: every run completed once, as its twin. Returns the runs lost. */
async function checkRuns(scene: Scene, runDirs: (string | null)[], twins: TwinCache): Promise<number> {
  let lost = 0;
  for (const [i, runDir] of runDirs.entries()) {
    if (runDir === null || !completed(runDir, scene.steps)) {
      lost++;
      const meta = runDir !== null && existsSync(join(runDir, 'meta.json')) ? readMetaSync(runDir) : null;
      scene.problems.push(
        `member ${i}: not completed (${meta ? `${meta.status} at step ${meta.step}` : 'no run'})`,
      );
      continue;
    }
    const diff = differences(runFiles(runDir), await twinOf(scene.work, runDir, twins));
    if (diff.length > 0) {
      lost++;
      scene.problems.push(`member ${i}: ${diff.join('; ')}`);
    }
  }
  const folders = existsSync(join(scene.experiments, 'dist'))
    ? readdirSync(join(scene.experiments, 'dist'))
    : [];
  if (runDirs.some((d) => d !== null) && folders.length !== scene.members)
    scene.problems.push(`${folders.length} run folders for ${scene.members} members`);
  return lost;
}

/** Each member completed by exactly one process (the workers' `completed at step` lines). */
function checkCompletedOnce(scene: Scene): void {
  for (let i = 0; i < scene.members; i++) {
    const by = scene.processes.filter(({ p }) =>
      new RegExp(`member ${i} of \\S+: completed at step`).test(p.output()),
    );
    if (by.length !== 1)
      scene.problems.push(
        `member ${i} completed by ${by.length} processes (${by.map((b) => b.name).join(', ')})`,
      );
  }
}

/** The queue's own account (`pnpm sweep status --json`): every member's job completed. */
async function queueStatuses(scene: Scene, url: string, sweepDir: string): Promise<void> {
  const id = sweepDir.split('/').at(-1) as string;
  const p = startCli(
    CLI.sweep,
    ['status', id, '--queue', url, '--experiments', scene.experiments, '--json'],
    scene.work,
  );
  const r = await p.done;
  try {
    const members = JSON.parse(r.out).members as { index: number; status: string }[];
    for (const m of members)
      if (m.status !== 'completed') scene.problems.push(`the queue says member ${m.index} is ${m.status}`);
  } catch {
    scene.problems.push(`pnpm sweep status failed (exit ${r.code}): ${r.err.trim().split('\n')[0]}`);
  }
}

/** Waits until every member's run is completed at its last step; returns their folders. */
function everyMemberCompleted(scene: Scene, sweepDir: string, ms: number): Promise<string[]> {
  return until(
    'every member to be completed',
    () => {
      const runs = memberRuns(scene, sweepDir);
      return runs.every((d) => completed(d, scene.steps)) ? (runs as string[]) : null;
    },
    ms,
  );
}

/** The checks after a sweep: every run as its twin, each member completed once, the queue's account. */
async function checkSweep(
  scene: Scene,
  runs: string[],
  url: string,
  sweepDir: string,
  twins: TwinCache,
): Promise<number> {
  const lost = await checkRuns(scene, runs, twins);
  checkCompletedOnce(scene);
  await queueStatuses(scene, url, sweepDir);
  return lost;
}

/** Pause: see the module comment. `rule` is A's `pause:` fault rule. */
async function pauseTrial(scene: Scene, rule: string, twins: TwinCache): Promise<number> {
  const redis = await startRedis();
  try {
    const a = startWorker(scene, 'A', redis.url, { isolated: true, extra: ['--fault-inject', rule] });
    await until('worker A to start', () => /^worker A: queue/m.test(a.output()), 60_000);
    const sweepDir = await queueSweep(scene, redis.url);
    const started = await until(
      'worker A to take a member',
      () => /starting member (\d+) of/.exec(a.output()),
      60_000,
    );
    const b = startWorker(scene, 'B', redis.url);
    // A stops itself at the rule's operation: its node process (in its namespace) is stopped.
    const pid = a.child.pid as number;
    await until(
      `worker A to pause at ${rule}`,
      () => descendantsOf(pid).some((c) => processState(c) === 'T'),
      60_000,
    );
    signalGroup(a, 'SIGSTOP'); // unshare too, as a whole machine would be
    const runs = await everyMemberCompleted(scene, sweepDir, 180_000);
    const member = Number(started[1]);
    if (!b.output().includes(`resuming member ${member} `))
      scene.problems.push(`worker B never resumed member ${member}, the one A held`);
    const before = runs.map((d) => runFolderState(d));
    signalGroup(a, 'SIGCONT');
    try {
      await until(
        'worker A to say it was taken over',
        () => /stopped without writing/.test(a.output()),
        30_000,
      );
    } catch (e) {
      scene.problems.push(`worker A: ${(e as Error).message}`);
    }
    await sleep(1000); // anything A would still write, it has written by now
    runs.forEach((d, i) => {
      const changed = stateChanges(before[i], runFolderState(d));
      if (changed.length > 0)
        scene.problems.push(`member ${i}: written after A continued: ${changed.join(', ')}`);
    });
    return await checkSweep(scene, runs, redis.url, sweepDir, twins); // before the finally stops Redis
  } finally {
    await stopAll(scene, redis);
  }
}

/** Partition: see the module comment; the cut comes after `after` checkpoints of A's member. */
async function partitionTrial(scene: Scene, after: number, twins: TwinCache): Promise<number> {
  const redis = await startRedis();
  const link = await startPartition(redis.port);
  try {
    // A trains through outages (--outage-seconds): only its lost lock may stop it.
    const a = startWorker(scene, 'A', `redis://127.0.0.1:${link.port}`, {
      isolated: true,
      extra: ['--outage-seconds', '600'],
    });
    await until('worker A to start', () => /^worker A: queue/m.test(a.output()), 60_000);
    const sweepDir = await queueSweep(scene, redis.url);
    const runDir = await until(
      `worker A's member to pass ${after} checkpoints`,
      () => {
        const [d] = memberRuns(scene, sweepDir);
        return d !== null && checkpointsOf(d, scene.checkpointEvery) >= after ? d : null;
      },
      120_000,
    );
    const b = startWorker(scene, 'B', redis.url);
    link.cut();
    await until(
      'worker B to take the job back and find the run alive',
      () => /member 0 of \S+ is running elsewhere/.test(b.output()),
      60_000,
    );
    if (completed(runDir, scene.steps))
      scene.problems.push('A completed its member during the cut: too short a run');
    link.heal();
    await until('worker A to say it lost the lock', () => /lost the lock of job/.test(a.output()), 30_000);
    if (/unreachable \((could not renew lock|missing lock)/i.test(a.output()))
      scene.problems.push('worker A took its lost lock for an unreachable queue');
    const runs = await everyMemberCompleted(scene, sweepDir, 300_000);
    return await checkSweep(scene, runs, redis.url, sweepDir, twins); // before the finally stops Redis
  } finally {
    await link.close();
    await stopAll(scene, redis);
  }
}

/** Redis killed (-9) once a member has `after` checkpoints, restarted 3 s later on its AOF. */
async function redisRestartTrial(scene: Scene, after: number, twins: TwinCache): Promise<number> {
  const redis = await startRedis({ appendonly: true });
  try {
    const a = startWorker(scene, 'A', redis.url, { isolated: true });
    const b = startWorker(scene, 'B', redis.url);
    for (const w of [a, b])
      await until('the workers to start', () => /^worker \S+: queue/m.test(w.output()), 60_000);
    const sweepDir = await queueSweep(scene, redis.url);
    await until(
      `a member to pass ${after} checkpoints`,
      () =>
        memberRuns(scene, sweepDir).some(
          (d) => d !== null && checkpointsOf(d, scene.checkpointEvery) >= after,
        ),
      120_000,
    );
    await redis.kill('SIGKILL');
    await sleep(3000);
    await redis.restart();
    const runs = await everyMemberCompleted(scene, sweepDir, 300_000);
    return await checkSweep(scene, runs, redis.url, sweepDir, twins); // before the finally stops Redis
  } finally {
    await stopAll(scene, redis);
  }
}

/** A run killed at its `after`-th checkpoint, then two resumes started at once: one trains it. */
async function resumesTogetherTrial(scene: Scene, after: number, twins: TwinCache): Promise<number> {
  const exps = join(scene.work, 'experiments');
  const first = await startExp(
    [
      scene.config,
      '--no-dashboard',
      '--experiments',
      exps,
      '--fault-inject',
      `kill:checkpoints/:rename:${after}`,
    ],
    scene.work,
  ).done;
  if (first.signal !== 'SIGKILL') scene.problems.push(`the first run was not killed (exit ${first.code})`);
  const [run] = (await listRunDirs(exps)).runs;
  const resumes = [0, 1].map(() => startExp(['--resume', run.runDir, '--no-dashboard'], scene.work));
  resumes.forEach((p, i) => scene.processes.push({ name: `resume ${i + 1}`, p }));
  const ends = await Promise.all(resumes.map((p) => p.done));
  const trained = ends.filter((e) => e.code === 0 && /finished status=completed/.test(e.out));
  const told = ends.filter(
    (e) =>
      (e.code === 2 &&
        /was claimed meanwhile by pnpm exp --resume|has just taken the run over|the run is still running/.test(
          e.err,
        )) ||
      (e.code === 4 &&
        /was taken over by pnpm exp --resume .*: stopped without writing/.test(e.out + e.err)) ||
      (e.code === 0 && /already completed/.test(e.out)),
  );
  if (trained.length !== 1 || told.length !== 1)
    scene.problems.push(
      `two resumes: ${ends.map((e) => `exit ${e.code}: ${(e.err || e.out).trim().split('\n').at(-1)}`).join(' | ')}`,
    );
  return checkRuns(scene, [run.runDir], twins);
}

/** `pnpm exp --resume` of a run that trains in another pid namespace: refused on its heartbeat. */
async function resumeWhileTrainingTrial(scene: Scene, after: number, twins: TwinCache): Promise<number> {
  const exps = join(scene.work, 'experiments');
  const trainer = startExp([scene.config, '--no-dashboard', '--experiments', exps], scene.work, {
    wrap: OWN_PID_NAMESPACE,
  });
  scene.processes.push({ name: 'pnpm exp (own pid namespace)', p: trainer });
  const runDir = await until(
    `the run to pass ${after} checkpoints`,
    () => {
      const dir = join(exps, 'dist');
      const [id] = existsSync(dir) ? readdirSync(dir) : [];
      return id !== undefined && checkpointsOf(join(dir, id), scene.checkpointEvery) >= after
        ? join(dir, id)
        : null;
    },
    120_000,
  );
  const resume = await startExp(['--resume', runDir, '--no-dashboard'], scene.work).done;
  if (resume.code !== 2 || !/the run is still running \(last sign of life/.test(resume.err))
    scene.problems.push(
      `a resume while it trains: exit ${resume.code}: ${(resume.err || resume.out).trim()}`,
    );
  const end = await trainer.done;
  if (end.code !== 0) scene.problems.push(`the training run ended with exit ${end.code}`);
  return checkRuns(scene, [runDir], twins);
}

async function stopAll(scene: Scene, redis: RedisServer): Promise<void> {
  for (const { p } of scene.processes) {
    signalGroup(p, 'SIGCONT');
    signalGroup(p, 'SIGKILL');
  }
  await Promise.all(scene.processes.map(({ p }) => p.done));
  await redis.stop();
}

/** Runs one trial in `work` (a new folder); never throws for a fault not survived. */
export async function runDistributedTrial(
  trial: DistributedTrial,
  work: string,
  twins: TwinCache,
): Promise<DistributedResult> {
  const t0 = performance.now();
  const scene = newScene(work, trial.kind);
  let lost = 0;
  try {
    const at = trial.at;
    if (trial.kind === 'pause') lost = await pauseTrial(scene, String(at), twins);
    else if (trial.kind === 'partition') lost = await partitionTrial(scene, Number(at), twins);
    else if (trial.kind === 'redis-restart') lost = await redisRestartTrial(scene, Number(at), twins);
    else if (trial.kind === 'resumes-together') lost = await resumesTogetherTrial(scene, Number(at), twins);
    else lost = await resumeWhileTrainingTrial(scene, Number(at), twins);
  } catch (e) {
    scene.problems.push((e as Error).message);
    lost = Math.max(lost, 1);
  } finally {
    for (const { p } of scene.processes) signalGroup(p, 'SIGKILL');
  }
  const log = scene.processes.map(({ name, p }) => `--- ${name}\n${p.output()}`).join('\n');
  return {
    trial,
    problems: scene.problems,
    lost,
    members: scene.members,
    seconds: (performance.now() - t0) / 1000,
    log,
  };
}

/** `pause:metrics.jsonl:append:37` as the table says it: `paused at the 37th metrics.jsonl append`. */
export function describeTrial(trial: DistributedTrial): string {
  if (trial.kind === 'pause') {
    const [, file, op, n] = String(trial.at).split(':');
    return `A paused at ${file} ${op} #${n}`;
  }
  return `after checkpoint ${trial.at}`;
}
