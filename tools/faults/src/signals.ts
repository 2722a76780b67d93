/**
 * Stop signals as a service manager, a container runtime, a job scheduler or `kill <pid>` send
 * them: to the process the user started, which is `pnpm` (README: `pnpm exp`, `pnpm sweep`,
 * `pnpm worker`, `pnpm ui`), and not to the whole process group a terminal's Ctrl-C reaches.
 *
 * Each scenario starts the command exactly as typed, in its own process group, waits until it is
 * training (a checkpoint written by each run), signals it, and checks:
 * - the command exits as Ctrl-C makes it exit (its status code), and no process of it is left,
 *   whether or not pnpm outlived the signal (it dies of SIGHUP without passing it on);
 * - every run stopped at a checkpoint (meta.json `interrupted` at the step of its last
 *   checkpoint) rather than being killed or forced;
 * - the runs resume (`pnpm exp --resume`, `pnpm sweep --resume`, another worker) to files
 *   byte-identical to an uninterrupted twin's.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listSweepsSync, readMetaSync } from '@gan/runs';
import { checkpointsOf, distributedConfig, memberRunDirs, type TwinCache, twinOf } from './distributed.ts';
import { CLI, differences, type ExpProcess, type PnpmCommand, runFiles, startCli, startPnpm } from './exp.ts';
import { descendantsOf, ProcessWatch, signalGroup, until } from './procs.ts';
import { type RedisServer, startRedis } from './redis.ts';

/**
 * Who the signal is sent to: the pnpm process alone (a service manager, `kill`), its whole group
 * (a terminal, systemd's default kill mode), or, as in a container started with `docker run
 * --init`, an init (tini) that is PID 1 of its own pid namespace with pnpm as its child.
 */
export type Target = 'pnpm' | 'group' | 'init';

/** `docker run --init`'s process tree: tini as PID 1 of a new pid namespace, pnpm its child. */
export const CONTAINER_INIT = ['unshare', '--pid', '--fork', '--mount-proc', 'tini', '--'];

export interface SignalTrial {
  command: PnpmCommand;
  signal: NodeJS.Signals;
  target: Target;
}

export interface SignalResult {
  problems: string[];
  /** Every started process's output, for the test's message. */
  log: string;
}

const STEPS = 20_000;
const CHECKPOINT_EVERY = 1000;
const MEMBERS = 2;

/** The scenarios' run: the 2-D ring, long enough (a few seconds) that a signal finds it training. */
export const signalsConfig = (): string => distributedConfig(STEPS, CHECKPOINT_EVERY, 'sig');

/** The exit status each command gives when asked to stop (pnpm passes its program's on). */
const STOPPED_EXIT: Record<PnpmCommand, number> = { exp: 130, sweep: 130, worker: 0, ui: 0 };

interface Scene {
  work: string;
  experiments: string;
  config: string;
  sweepFile: string;
  started: { name: string; p: ExpProcess }[];
  problems: string[];
}

function newScene(work: string): Scene {
  mkdirSync(work, { recursive: true });
  const config = join(work, 'sig.yaml');
  writeFileSync(config, signalsConfig());
  const sweepFile = join(work, 'sweep.yaml');
  const seeds = Array.from({ length: MEMBERS }, (_, i) => i + 1);
  writeFileSync(sweepFile, `configs: [sig.yaml]\nseeds: [${seeds.join(', ')}]\n`);
  return { work, experiments: join(work, 'experiments'), config, sweepFile, started: [], problems: [] };
}

function pnpm(scene: Scene, command: PnpmCommand, args: string[], target: Target = 'pnpm'): ExpProcess {
  const wrap = target === 'init' ? CONTAINER_INIT : undefined;
  const p = startPnpm(command, args, { detached: true, wrap });
  scene.started.push({ name: `pnpm ${command} ${args.join(' ')}`, p });
  return p;
}

/** The single run folder of `pnpm exp`, once it exists. */
function expRun(scene: Scene): string | null {
  const dir = join(scene.experiments, 'sig');
  const ids = existsSync(dir) ? readdirSync(dir) : [];
  return ids.length === 1 ? join(dir, ids[0]) : null;
}

/**
 * Signals `p` (the pnpm process, or its group) once `ready` holds, and waits for it and every
 * process it started to exit; checks its exit status, that nothing is left and that it stopped
 * as asked (not forced).
 */
async function signalAndWait(
  scene: Scene,
  p: ExpProcess,
  trial: SignalTrial,
  ready: () => boolean,
): Promise<void> {
  const pid = p.child.pid as number;
  const watch = new ProcessWatch(pid);
  try {
    await until(`pnpm ${trial.command} to be running`, ready, 120_000);
    watch.look();
    if (watch.all().length < 2) scene.problems.push(`pnpm ${trial.command} started no program`);
    if (trial.target === 'group') signalGroup(p, trial.signal);
    else if (trial.target === 'pnpm') process.kill(pid, trial.signal);
    else {
      // The init: unshare's child, PID 1 inside; signalled from outside as `docker stop` does.
      const [init] = descendantsOf(pid);
      if (init === undefined) throw new Error('no init under unshare');
      process.kill(init, trial.signal);
    }
    const end = await Promise.race([
      p.done,
      new Promise<null>((r) => setTimeout(() => r(null), 120_000).unref()),
    ]);
    if (end === null) {
      scene.problems.push(`pnpm ${trial.command} still running 120 s after ${trial.signal}`);
      return;
    }
    // pnpm dies of SIGHUP (it does not pass it on): its program, which holds the same pipes, is
    // what `done` waited for.
    const expected =
      trial.signal === 'SIGHUP' && trial.target === 'pnpm' ? 'SIGHUP' : STOPPED_EXIT[trial.command];
    const got = end.signal ?? end.code;
    if (got !== expected)
      scene.problems.push(`pnpm ${trial.command} ended with ${got}, expected ${expected}`);
    // The program may still be on its way out when the pipes close: give it a moment.
    await until('every process to exit', () => watch.left().length === 0, 10_000).catch(() => {});
    const left = watch.left();
    if (left.length > 0) scene.problems.push(`left running after ${trial.signal}: ${left.join('; ')}`);
    if (/stopping now/.test(end.err)) scene.problems.push(`one ${trial.signal} was taken as two (forced)`);
  } finally {
    watch.stop();
  }
}

/** A run stopped by the signal: `interrupted`, at the step of its last checkpoint. */
function checkInterrupted(scene: Scene, what: string, runDir: string | null): void {
  if (runDir === null || !existsSync(join(runDir, 'meta.json'))) {
    scene.problems.push(`${what}: no run folder`);
    return;
  }
  const meta = readMetaSync(runDir);
  const checkpoint = checkpointsOf(runDir, 1);
  if (meta.status !== 'interrupted') scene.problems.push(`${what}: ${meta.status}, expected interrupted`);
  else if (meta.step !== checkpoint)
    scene.problems.push(`${what}: interrupted at step ${meta.step}, its last checkpoint is at ${checkpoint}`);
  else if (meta.step >= STEPS) scene.problems.push(`${what}: finished before the signal came`);
}

/** A run completed, with files byte-identical to its uninterrupted twin's. */
async function checkAsTwin(
  scene: Scene,
  what: string,
  runDir: string | null,
  twins: TwinCache,
): Promise<void> {
  if (runDir === null) return void scene.problems.push(`${what}: no run folder`);
  const meta = readMetaSync(runDir);
  if (meta.status !== 'completed' || meta.step !== STEPS)
    return void scene.problems.push(`${what}: ${meta.status} at step ${meta.step} after resuming`);
  const diff = differences(runFiles(runDir), await twinOf(scene.work, runDir, twins));
  if (diff.length > 0) scene.problems.push(`${what}: ${diff.join('; ')}`);
}

async function expTrial(scene: Scene, trial: SignalTrial, twins: TwinCache): Promise<void> {
  const p = pnpm(
    scene,
    'exp',
    [scene.config, '--no-dashboard', '--experiments', scene.experiments],
    trial.target,
  );
  await signalAndWait(scene, p, trial, () => {
    const run = expRun(scene);
    return run !== null && checkpointsOf(run, CHECKPOINT_EVERY) >= 1;
  });
  const run = expRun(scene);
  checkInterrupted(scene, 'the run', run);
  if (run === null) return;
  const resumed = await pnpm(scene, 'exp', ['--resume', run, '--no-dashboard']).done;
  if (resumed.code !== 0) scene.problems.push(`pnpm exp --resume: exit ${resumed.code}`);
  await checkAsTwin(scene, 'the run', run, twins);
}

function sweepDirOf(scene: Scene): string | null {
  if (!existsSync(scene.experiments)) return null;
  const sweeps = listSweepsSync(scene.experiments);
  return sweeps.length === 1 ? sweeps[0].dir : null;
}

/** The members' run folders once each has written a checkpoint, else null. */
function membersTraining(scene: Scene): (string | null)[] | null {
  const dir = sweepDirOf(scene);
  if (dir === null) return null;
  const runs = memberRunDirs(scene.experiments, dir, MEMBERS);
  return runs.every((r) => r !== null && checkpointsOf(r, CHECKPOINT_EVERY) >= 1) ? runs : null;
}

async function sweepTrial(scene: Scene, trial: SignalTrial, twins: TwinCache): Promise<void> {
  const args = [
    '--jobs',
    String(MEMBERS),
    '--threads',
    '1',
    '--no-dashboard',
    '--experiments',
    scene.experiments,
  ];
  const p = pnpm(scene, 'sweep', [scene.sweepFile, ...args]);
  await signalAndWait(scene, p, trial, () => membersTraining(scene) !== null);
  const dir = sweepDirOf(scene);
  if (dir === null) return void scene.problems.push('no sweep folder');
  const runs = memberRunDirs(scene.experiments, dir, MEMBERS);
  runs.forEach((r, i) => checkInterrupted(scene, `member ${i}`, r));
  const id = dir.split('/').at(-1) as string;
  const resumed = await pnpm(scene, 'sweep', ['--resume', id, ...args]).done;
  if (resumed.code !== 0) scene.problems.push(`pnpm sweep --resume: exit ${resumed.code}`);
  for (const [i, r] of memberRunDirs(scene.experiments, dir, MEMBERS).entries())
    await checkAsTwin(scene, `member ${i}`, r, twins);
}

async function workerTrial(scene: Scene, trial: SignalTrial, twins: TwinCache): Promise<void> {
  const redis = await startRedis();
  try {
    const queue = ['--queue', redis.url, '--experiments', scene.experiments];
    // The follower that queued the sweep is itself stopped by the signal (it only follows).
    const follower = pnpm(scene, 'sweep', [scene.sweepFile, ...queue, '--no-dashboard']);
    await signalAndWait(scene, follower, { ...trial, command: 'sweep' }, () =>
      /^queued \d+ job/m.test(follower.output()),
    );
    const workerArgs = [...queue, '--jobs', String(MEMBERS), '--threads', '1'];
    const a = pnpm(scene, 'worker', [...workerArgs, '--name', 'A']);
    await signalAndWait(scene, a, trial, () => membersTraining(scene) !== null);
    const dir = sweepDirOf(scene);
    if (dir === null) return void scene.problems.push('no sweep folder');
    const runs = memberRunDirs(scene.experiments, dir, MEMBERS);
    runs.forEach((r, i) => checkInterrupted(scene, `member ${i} (worker A)`, r));
    if (!/go back to the queue/.test(a.output()))
      scene.problems.push('worker A did not say its members go back to the queue');
    // Another worker takes the members back from the queue and completes them.
    const b = pnpm(scene, 'worker', [...workerArgs, '--name', 'B']);
    await until(
      'worker B to complete every member',
      () =>
        memberRunDirs(scene.experiments, dir, MEMBERS).every(
          (r) => r !== null && readMetaSync(r).status === 'completed',
        ),
      180_000,
    ).catch((e: Error) => scene.problems.push(e.message));
    await signalAndWait(scene, b, trial, () => true);
    for (const [i, r] of memberRunDirs(scene.experiments, dir, MEMBERS).entries())
      await checkAsTwin(scene, `member ${i}`, r, twins);
    await checkQueue(scene, redis, dir);
  } finally {
    for (const { p } of scene.started) signalGroup(p, 'SIGKILL');
    await redis.stop();
  }
}

/** The queue's own account (`pnpm sweep status --json`): every member's job completed. */
async function checkQueue(scene: Scene, redis: RedisServer, sweepDir: string): Promise<void> {
  const id = sweepDir.split('/').at(-1) as string;
  const args = ['status', id, '--queue', redis.url, '--experiments', scene.experiments, '--json'];
  const r = await startCli(CLI.sweep, args, scene.work).done;
  try {
    for (const m of JSON.parse(r.out).members as { index: number; status: string }[])
      if (m.status !== 'completed') scene.problems.push(`the queue says member ${m.index} is ${m.status}`);
  } catch {
    scene.problems.push(`pnpm sweep status failed (exit ${r.code}): ${r.err.trim().split('\n')[0]}`);
  }
}

async function uiTrial(scene: Scene, trial: SignalTrial): Promise<void> {
  mkdirSync(scene.experiments, { recursive: true });
  const p = pnpm(scene, 'ui', ['--port', '0', '--experiments', scene.experiments]);
  // Ready once it has served its page.
  let served: 'not yet' | 'asking' | 'served' = 'not yet';
  await signalAndWait(scene, p, trial, () => {
    const url = /^(http:\/\/\S+)$/m.exec(p.output())?.[1];
    if (url !== undefined && served === 'not yet') {
      served = 'asking';
      fetch(url).then(
        (r) => {
          if (!r.ok) scene.problems.push(`pnpm ui answered ${r.status}`);
          served = 'served';
        },
        (e: Error) => {
          scene.problems.push(`pnpm ui did not answer: ${e.message}`);
          served = 'served';
        },
      );
    }
    return served === 'served';
  });
}

/** Runs one scenario in `work` (a new folder); never throws for a problem found. */
export async function runSignalTrial(
  trial: SignalTrial,
  work: string,
  twins: TwinCache,
): Promise<SignalResult> {
  const scene = newScene(work);
  try {
    if (trial.command === 'exp') await expTrial(scene, trial, twins);
    else if (trial.command === 'sweep') await sweepTrial(scene, trial, twins);
    else if (trial.command === 'worker') await workerTrial(scene, trial, twins);
    else await uiTrial(scene, trial);
  } catch (e) {
    scene.problems.push((e as Error).message);
  } finally {
    for (const { p } of scene.started) signalGroup(p, 'SIGKILL');
  }
  const log = scene.started.map(({ name, p }) => `--- ${name}\n${p.output()}`).join('\n');
  return { problems: scene.problems, log };
}
