/**
 * The distributed executor: a sweep's members as BullMQ jobs in Redis, pulled by `pnpm worker`s
 * on any number of machines that share the experiments folder (a network filesystem in a real
 * cluster). Each job trains one member to one stage's length, through the same `openMember` as
 * the local executor, so a member is never run twice and a job picked up again resumes the run
 * from its last checkpoint.
 *
 * - A worker killed with `kill -9`: its job's lock expires, another worker's stalled-job check
 *   puts it back, and whoever takes it resumes the member from its last checkpoint (the run
 *   folder's liveness says the old process is gone).
 * - A member that fails for a reason of its own (a config this worker cannot load, an error in
 *   training) fails its job for good (`UnrecoverableError`), with the reason; a member that
 *   diverges completes its job with status `diverged`. Neither is retried.
 * - A worker asked to stop (Ctrl-C, SIGTERM), or that cannot reach Redis for longer than a lock
 *   lasts, stops its runs at a checkpoint and gives their jobs back (or lets them stall back):
 *   nothing written is lost, and they resume when a worker can take them again.
 *
 * Progress (step, speed, latest losses and evaluation) goes into each job's `progress`, so the
 * sweep can be followed from any machine that reaches Redis.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { DelayedError, type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  collectEnvironment,
  lastActivity,
  type RunEnvironment,
  type RunMeta,
  runLiveness,
  sweepDir,
} from '@gan/runs';
import { requestAbandon, requestStop } from '../run/control.ts';
import type { RunEvent } from '../run/events.ts';
import type { TrainingHandle } from '../run/host.ts';
import { TrainingThread } from '../run/thread.ts';
import type { BackendKind } from '@gan/training';
import { openMember } from './member.ts';
import { advanceStage, memberLabel, openSweepDir, type Sweep } from './sweep.ts';
import { progressLine } from './plain.ts';
import { followedView, type SweepRow, type SweepView } from './view.ts';

/** BullMQ's errors about a job's lock (expired, or taken by another worker), as opposed to outages. */
const LOCK_ERROR = /could not renew lock|missing lock|lock mismatch/i;

/** The queue every sweep's jobs go to (one queue: workers need not know the sweeps). */
export const QUEUE_NAME = 'gan-lab-members';

/** What a job says: train member `index` of sweep `sweepId` to `steps` (null: its config's). */
export interface MemberJob {
  sweepId: string;
  index: number;
  stage: number;
  steps: number | null;
  label: string;
}

/** What a worker reports while a member trains. */
export interface MemberProgress {
  status: string;
  run: string | null;
  step: number | null;
  total: number | null;
  stepsPerSec: number | null;
  dLoss: number | null;
  gLoss: number | null;
  dReal: number | null;
  dFake: number | null;
  modes: number | null;
  fd: number | null;
  worker: string;
  resumed: boolean;
}

/** What a finished job returns. */
export interface MemberResult {
  status: RunMeta['status'] | 'taken-over';
  step: number;
  run: string;
  message: string | null;
}

/** `member.3.stage.0` of a sweep: one job per member and stage, so enqueuing twice adds nothing. */
export function jobId(sweepId: string, index: number, stage: number): string {
  return `${sweepId}.member-${index}.stage-${stage}`;
}

/** Checks a queue URL: `redis://[user:password@]host:port[/db]` (rediss:// for TLS). */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue: expected redis://host:port, got "${url}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`--queue: expected redis://host:port, got "${url}"`);
  return url;
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** A Redis client for our own reads (pings, fast listings); fails fast while Redis is away. */
function redisClient(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: 3000,
  });
}

/** Throws a clear error unless Redis answers at `url` within a few seconds. */
export async function assertReachable(url: string): Promise<void> {
  const client = redisClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(`the queue at ${shownUrl(url)} is unreachable: ${(e as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Puts the jobs of the sweep's decided stages whose members are not done on the queue (a job
 * already there is left as it is, a failed one retried). Returns how many were added.
 */
export async function enqueueMembers(sweep: Sweep, url: string): Promise<{ added: number; retried: number }> {
  const queue = new Queue<MemberJob>(QUEUE_NAME, { connection: { url } });
  try {
    let added = 0;
    let retried = 0;
    const jobs: { name: string; data: MemberJob; opts: { jobId: string } }[] = [];
    sweep.meta.stages.forEach((stage, s) => {
      for (const index of stage.members ?? []) {
        const member = sweep.members[index];
        jobs.push({
          name: sweep.meta.id,
          data: {
            sweepId: sweep.meta.id,
            index,
            stage: s,
            steps: stage.steps,
            label: memberLabel(sweep, member),
          },
          opts: { jobId: jobId(sweep.meta.id, index, s) },
        });
      }
    });
    for (const j of jobs) {
      const existing = await queue.getJob(j.opts.jobId);
      if (existing === undefined) {
        await queue.add(j.name, j.data, {
          ...j.opts,
          attempts: 1,
          removeOnComplete: false,
          removeOnFail: false,
        });
        added++;
      } else if ((await existing.getState()) === 'failed') {
        await (existing as Job<MemberJob>).retry('failed');
        retried++;
      }
    }
    return { added, retried };
  } finally {
    await queue.close();
  }
}

/**
 * The rows of a sweep from the queue: each job's state and the progress its worker reported, in
 * one round trip to Redis for all of them.
 */
export async function queueRows(sweep: Sweep, url: string): Promise<SweepRow[]> {
  const client = redisClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    const queue = { toKey: (id: string) => `bull:${QUEUE_NAME}:${id}` };
    const wanted: { index: number; stage: number }[] = [];
    const latest = new Map<number, number>();
    sweep.meta.stages.forEach((st, s) => {
      for (const index of st.members ?? []) latest.set(index, s);
    });
    for (const [index, stage] of latest) wanted.push({ index, stage });
    const pipeline = client.pipeline();
    for (const w of wanted)
      pipeline.hmget(
        queue.toKey(jobId(sweep.meta.id, w.index, w.stage)),
        'progress',
        'returnvalue',
        'failedReason',
        'finishedOn',
        'processedOn',
      );
    const replies = (await pipeline.exec()) ?? [];
    const byIndex = new Map<number, SweepRow>();
    wanted.forEach((w, i) => {
      const [progressText, returnText, failedReason, finishedOn, processedOn] =
        (replies[i]?.[1] as (string | null)[]) ?? [];
      const p = parseJson<Partial<MemberProgress>>(progressText) ?? {};
      const result = parseJson<MemberResult>(returnText);
      const status =
        finishedOn && failedReason
          ? 'failed'
          : finishedOn && result
            ? result.status
            : processedOn
              ? (p.status ?? 'running')
              : progressText === null && returnText === null && processedOn === null && finishedOn === null
                ? 'queued'
                : 'queued';
      byIndex.set(w.index, {
        index: w.index,
        label: memberLabel(sweep, sweep.members[w.index]),
        status,
        step: result?.step ?? p.step ?? null,
        total: p.total ?? null,
        stepsPerSec: p.stepsPerSec ?? null,
        etaSec:
          status === 'running' && p.stepsPerSec && p.total && p.step !== null && p.step !== undefined
            ? (p.total - p.step) / p.stepsPerSec
            : null,
        dLoss: p.dLoss ?? null,
        gLoss: p.gLoss ?? null,
        dReal: p.dReal ?? null,
        dFake: p.dFake ?? null,
        modes: p.modes ?? null,
        fd: p.fd ?? null,
        run: result?.run ?? p.run ?? null,
        note: failedReason ? failedReason.split('\n')[0] : p.worker ? `on ${p.worker}` : null,
      });
    });
    return sweep.members.map(
      (m) =>
        byIndex.get(m.index) ?? {
          index: m.index,
          label: memberLabel(sweep, m),
          status: 'waiting',
          step: null,
          total: null,
          stepsPerSec: null,
          etaSec: null,
          dLoss: null,
          gLoss: null,
          dReal: null,
          dFake: null,
          modes: null,
          fd: null,
          run: null,
          note: null,
        },
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Reads single jobs' progress (for the benchmark's enqueue-to-first-step timing): the step the
 * worker last reported, and whether the job has finished.
 */
export async function openJobReader(url: string) {
  const client = redisClient(url);
  client.on('error', () => {});
  await client.connect();
  return {
    async progress(
      sweepId: string,
      index: number,
      stage: number,
    ): Promise<{ step: number | null; finished: boolean }> {
      const [progress, finishedOn] = await client.hmget(
        `bull:${QUEUE_NAME}:${jobId(sweepId, index, stage)}`,
        'progress',
        'finishedOn',
      );
      return {
        step: parseJson<Partial<MemberProgress>>(progress)?.step ?? null,
        finished: Boolean(finishedOn),
      };
    },
    close: () => client.disconnect(),
  };
}

function parseJson<T>(text: string | null | undefined): T | null {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * `pnpm sweep <file> --queue <url>`: enqueues the sweep's members, then (with `follow`) shows
 * their progress until every member has ended, deciding a search's later stages as the earlier
 * ones end. Ctrl-C stops following; the workers go on. Returns the exit status.
 */
export async function enqueueSweep(
  sweep: Sweep,
  url: string,
  options: { follow: boolean; dashboard: boolean; pollMs?: number },
): Promise<number> {
  checkQueueUrl(url);
  await assertReachable(url);
  const { added, retried } = await enqueueMembers(sweep, url);
  process.stdout.write(
    `queued ${added} job${added === 1 ? '' : 's'}${retried ? `, retried ${retried} failed` : ''} on ${shownUrl(url)} (queue ${QUEUE_NAME})\n` +
      `workers: pnpm worker --queue ${shownUrl(url)} --experiments ${sweep.experimentsDir}\n`,
  );
  if (!options.follow) return 0;
  return followSweep(sweep, url, options);
}

/**
 * Follows a queued sweep's progress (and advances a search's stages) until every member has
 * ended: on a terminal (`dashboard`), the sweep dashboard fed by the rows the workers report;
 * otherwise a line whenever the counts change. Returns the exit status (130: stopped following).
 */
export async function followSweep(
  sweep: Sweep,
  url: string,
  options: { dashboard: boolean; pollMs?: number },
): Promise<number> {
  let detached = false;
  const detach = () => {
    detached = true;
  };
  let current = sweep;
  let view: SweepView = followedView(current, await queueRows(current, url).catch(() => []), null);
  const dashboard = options.dashboard
    ? (await import('./dashboard.tsx')).mountSweepDashboard(() => view, {
        onStopAll: detach,
        onStopMember: () => false,
      })
    : null;
  const say = (line: string) => {
    if (dashboard === null) process.stdout.write(`${line}\n`);
  };
  process.on('SIGINT', detach);
  let lastLine = '';
  let status: number;
  try {
    for (;;) {
      if (detached) {
        status = 130;
        break;
      }
      let rows: SweepRow[];
      try {
        rows = await queueRows(current, url);
      } catch (e) {
        const message = `the queue at ${shownUrl(url)} is unreachable (${(e as Error).message}); retrying`;
        if (dashboard) view = followedView(current, view.followed ?? [], view, message);
        else process.stderr.write(`${message}\n`);
        await sleep(options.pollMs ?? 2000);
        continue;
      }
      view = followedView(current, rows, view);
      const ended = (r: SweepRow) => ['completed', 'diverged', 'failed'].includes(r.status);
      const stageRows = (s: number) => (current.meta.stages[s].members ?? []).map((i) => rows[i]);
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const line = Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      if (line !== lastLine) say(`sweep ${current.meta.id}: ${line}`);
      lastLine = line;
      const next = current.meta.stages.findIndex((st) => st.members === null);
      if (next > 0 && stageRows(next - 1).every(ended)) {
        current = advanceStage(openSweepDir(current.experimentsDir, current.dir), next).sweep;
        say(`stage ${next + 1}: ${current.meta.stages[next].reason}`);
        await enqueueMembers(current, url);
        continue;
      }
      if (next < 0 && rows.every(ended)) {
        status = rows.some((r) => r.status === 'failed') ? 1 : 0;
        break;
      }
      await sleep(options.pollMs ?? 2000);
    }
  } finally {
    process.off('SIGINT', detach);
    dashboard?.unmount();
  }
  if (dashboard) process.stdout.write(`${progressLine(view)}\n`);
  if (status === 130)
    process.stderr.write(
      `no longer following; the workers go on. Follow again: pnpm sweep --resume ${current.meta.id} --queue ${shownUrl(url)} ` +
        `(queues nothing twice), or list it: pnpm sweep status ${current.meta.id} --queue ${shownUrl(url)}\n`,
    );
  else process.stdout.write(`sweep folder: ${current.dir}\nreport: pnpm report --sweep ${current.meta.id}\n`);
  return status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The worker

export interface WorkerOptions {
  url: string;
  experimentsDir: string;
  /** Members at once (BullMQ's concurrency). */
  jobs: number;
  /** Native kernel threads of each member (default: the cores / jobs). */
  threads?: number;
  backend: BackendKind;
  /** A job's lock lasts this long without renewal (ms); a dead worker's job is taken back after it. */
  lockMs?: number;
  /** How often stalled jobs are looked for (ms). */
  stalledCheckMs?: number;
  /** How many times a job may stall (its worker died) before it fails. */
  maxStalls?: number;
  /** Progress reports at most this often (ms). */
  progressMs?: number;
  /** Redis unreachable this long (ms; default 0.8 x the lock): runs are stopped at a checkpoint. */
  unreachableStopMs?: number;
  log?: (line: string) => void;
  name?: string;
  /** Fault rules for every member this worker trains (tests and `pnpm faults` only). */
  faultInject?: string;
}

/**
 * A worker: takes member jobs (up to `jobs` at once) until `close()`. Each slot keeps one
 * training thread for all the runs it trains.
 */
export class MemberWorker {
  private readonly worker: Worker<MemberJob, MemberResult>;
  private readonly threads: TrainingThread[] = [];
  private readonly running = new Map<
    string,
    { handle: TrainingHandle; slot: number; what: string; lost: boolean }
  >();
  private readonly freeSlots: number[];
  private environment: Promise<RunEnvironment>;
  private stopping = false;
  private unreachableSince: number | null = null;
  private stoppedForOutage = false;
  private readonly health: Redis;
  private healthTimer: NodeJS.Timeout;
  readonly name: string;
  private readonly log: (line: string) => void;

  constructor(private readonly options: WorkerOptions) {
    checkQueueUrl(options.url);
    this.log = options.log ?? ((l) => process.stdout.write(`${l}\n`));
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.freeSlots = Array.from({ length: options.jobs }, (_, i) => i);
    this.environment = collectEnvironment(process.cwd());
    const lockMs = options.lockMs ?? 30_000;
    this.worker = new Worker<MemberJob, MemberResult>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: { url: options.url, maxRetriesPerRequest: null },
      concurrency: options.jobs,
      lockDuration: lockMs,
      stalledInterval: options.stalledCheckMs ?? lockMs,
      maxStalledCount: options.maxStalls ?? 3,
      name: this.name,
    });
    this.worker.on('error', (e) => {
      // A lock that could not be renewed is not an outage: 'lockRenewalFailed' deals with it.
      if (!LOCK_ERROR.test(e.message)) this.onQueueError(e);
    });
    this.worker.on('lockRenewalFailed', (jobIds) => this.onLostLocks(jobIds));
    this.worker.on('failed', (job, e) => {
      if (job && !(e instanceof WaitingError) && !(e instanceof DelayedError))
        this.log(`job ${job.id} failed: ${e.message.split('\n')[0]}`);
    });
    this.health = redisClient(options.url);
    this.health.on('error', () => {});
    this.healthTimer = setInterval(() => void this.checkHealth(), 1000);
    this.healthTimer.unref();
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs; running members are asked to stop at a checkpoint and their jobs given
   * back to the queue. Called twice, the runs end at once (their jobs come back as stalled).
   */
  async close(force = false): Promise<void> {
    if (force) {
      await Promise.all(this.threads.map((t) => t.kill()));
    } else {
      this.stopping = true;
      const runs = [...this.running.values()];
      for (const { handle } of runs) requestStop(handle.control);
      // The runs stop at a checkpoint whether Redis is there or not.
      await Promise.all(runs.map(({ handle }) => handle.done.catch(() => undefined)));
    }
    clearInterval(this.healthTimer);
    // NOTE: BullMQ's close waits for Redis, forever while it is away (it hung `pnpm worker` on
    // Ctrl-C, twice). Not waiting loses nothing: the jobs come back as stalled once their locks
    // expire, and their runs resume from the checkpoints just written.
    const closed = this.worker.close(force).then(() => true);
    const waitMs = force || this.unreachableSince !== null ? 1000 : (this.options.lockMs ?? 30_000);
    if (!(await Promise.race([closed, sleep(waitMs).then(() => false)])))
      this.log(
        `the queue at ${shownUrl(this.options.url)} did not answer: this worker's jobs go back to it once their locks expire`,
      );
    this.health.disconnect();
    await Promise.all(this.threads.map((t) => t.close()));
  }

  /**
   * Jobs whose locks expired (this process was paused, or cut off from Redis, for longer than a
   * lock lasts) may be another worker's by now, and so may their run folders: their runs stop at
   * once, with no final checkpoint, and the run folders' owners decide what is kept.
   */
  private onLostLocks(jobIds: string[]): void {
    for (const id of jobIds) {
      const running = this.running.get(id);
      if (running === undefined || running.lost) continue;
      running.lost = true;
      this.log(
        `lost the lock of job ${id} (${running.what}): another worker may own it now; ` +
          'stopping it at once, without a checkpoint',
      );
      requestAbandon(running.handle.control);
    }
  }

  private onQueueError(e: Error): void {
    if (this.unreachableSince === null) {
      this.unreachableSince = Date.now();
      this.log(
        `the queue at ${shownUrl(this.options.url)} is unreachable (${e.message}); ` +
          `${this.running.size} member${this.running.size === 1 ? '' : 's'} go on training, their run folders keep everything`,
      );
    }
  }

  private async checkHealth(): Promise<void> {
    let ok = false;
    try {
      if (this.health.status === 'wait' || this.health.status === 'end') await this.health.connect();
      await Promise.race([this.health.ping(), sleep(1500).then(() => Promise.reject(new Error('timeout')))]);
      ok = true;
    } catch (e) {
      this.onQueueError(e as Error);
    }
    if (ok) {
      if (this.unreachableSince !== null)
        this.log(`the queue at ${shownUrl(this.options.url)} is reachable again`);
      this.unreachableSince = null;
      this.stoppedForOutage = false;
      return;
    }
    const limit = this.options.unreachableStopMs ?? 0.8 * (this.options.lockMs ?? 30_000);
    if (
      this.unreachableSince !== null &&
      !this.stoppedForOutage &&
      Date.now() - this.unreachableSince > limit &&
      this.running.size > 0
    ) {
      this.stoppedForOutage = true;
      this.log(
        `the queue has been unreachable for ${Math.round((Date.now() - this.unreachableSince) / 1000)} s: ` +
          'stopping the runs at a checkpoint (nothing is lost); they resume once Redis is back',
      );
      for (const { handle } of this.running.values()) requestStop(handle.control);
    }
  }

  /**
   * When to look again at a member another process runs: as long as a silent run takes to be
   * found stale (two locks), at most 15 s.
   */
  private lookAgainMs(): number {
    return Math.min(15_000, 2 * (this.options.lockMs ?? 30_000));
  }

  private slotThread(slot: number): TrainingThread {
    const t = this.threads[slot];
    if (t?.alive) return t;
    const cores = availableParallelism();
    const made = new TrainingThread({
      backend: this.options.backend,
      threads: this.options.threads ?? Math.max(1, Math.floor(cores / this.options.jobs)),
    });
    this.threads[slot] = made;
    return made;
  }

  private async process(job: Job<MemberJob, MemberResult>, token?: string): Promise<MemberResult> {
    const { sweepId, index, steps } = job.data;
    const dir = sweepDir(this.options.experimentsDir, sweepId);
    if (!existsSync(dir))
      throw new UnrecoverableError(
        `sweep folder ${dir} not found: workers must share the experiments folder of the machine that queued the sweep`,
      );
    let sweep: Sweep;
    let start: Awaited<ReturnType<typeof openMember>>;
    try {
      sweep = openSweepDir(this.options.experimentsDir, dir);
      const member = sweep.members[index];
      if (member === undefined) throw new Error(`sweep ${sweepId} has no member ${index}`);
      start = await openMember(
        {
          experimentsDir: this.options.experimentsDir,
          sweepDir: dir,
          environment: await this.environment,
          // A run of a dead process on this host is crashed at once; on another host, its
          // heartbeat must be older than two locks (its job's lock expired long before).
          owner: `worker ${this.name}`,
          isRunning: async (runDir, meta) =>
            runLiveness(meta, {
              staleAfterMs: 2 * (this.options.lockMs ?? 30_000),
              lastActivityMs: await lastActivity(runDir),
            }).state === 'alive',
        },
        member,
        steps,
      );
    } catch (e) {
      throw new UnrecoverableError(`member ${index} cannot start: ${(e as Error).message}`);
    }
    if (start.kind === 'done')
      return { status: start.status, step: start.step, run: start.run, message: 'done before' };
    if (start.kind === 'busy') {
      const again = this.lookAgainMs();
      this.log(
        `member ${index} of ${sweepId} is running elsewhere (${start.run}): looking again in ${again / 1000} s`,
      );
      await job.moveToDelayed(Date.now() + again, token);
      throw new DelayedError();
    }
    const slot = this.freeSlots.shift() ?? 0;
    try {
      this.log(
        `${start.resumed ? 'resuming' : 'starting'} member ${index} of ${sweepId} (${job.data.label}) in ${start.run}`,
      );
      let progressAt = 0;
      let reportedStep = false;
      let latest: RunEvent | null = null;
      const progress: MemberProgress = {
        status: 'running',
        run: start.run,
        step: null,
        total: start.session.config.train.steps,
        stepsPerSec: null,
        dLoss: null,
        gLoss: null,
        dReal: null,
        dFake: null,
        modes: null,
        fd: null,
        worker: this.name,
        resumed: start.resumed,
      };
      const report = (force = false) => {
        const now = Date.now();
        if (!force && now - progressAt < (this.options.progressMs ?? 1000)) return;
        progressAt = now;
        job.updateProgress({ ...progress }).catch(() => {}); // the queue may be away: the run goes on
      };
      const session = { ...start.session, faultInject: this.options.faultInject };
      const handle = this.slotThread(slot).run(session, (event) => {
        latest = event;
        if (event.type === 'started') progress.step = event.startStep;
        if (event.type === 'metrics') {
          Object.assign(progress, {
            step: event.row.step,
            stepsPerSec: event.stepsPerSec,
            dLoss: event.row.dLoss,
            gLoss: event.row.gLoss,
            dReal: event.row.dReal,
            dFake: event.row.dFake,
          });
          // The first step at once (how long a job waits to start shows), then at most every progressMs.
          report(!reportedStep);
          reportedStep = true;
        }
        if (event.type === 'eval') {
          const r = event.result as Record<string, unknown>;
          progress.modes = typeof r.modesCovered === 'number' ? r.modesCovered : null;
          progress.fd = typeof r.frechetDistance === 'number' ? r.frechetDistance : null;
          report(true);
        }
      });
      const what = `member ${index} of ${sweepId} (${job.data.label})`;
      this.running.set(job.id as string, { handle, slot, what, lost: false });
      if (this.stopping || this.stoppedForOutage) requestStop(handle.control);
      report(true);
      const finished = await handle.done;
      this.running.delete(job.id as string);
      void latest;
      const result: MemberResult = {
        status: finished.status,
        step: finished.step,
        run: start.run,
        message: finished.message,
      };
      if (finished.status === 'taken-over') {
        // Someone else trains it now; its job is theirs (or will be, once the stalled check runs).
        this.log(`${what}: ${finished.message ?? 'taken over by another process'}`);
        try {
          await job.moveToDelayed(Date.now() + this.lookAgainMs(), token);
        } catch {
          // the lock is another worker's: nothing of the job is this worker's to change
        }
        throw new DelayedError();
      }
      this.log(`member ${index} of ${sweepId}: ${finished.status} at step ${finished.step}`);
      if (finished.status === 'completed' || finished.status === 'diverged') return result;
      if (finished.status === 'failed')
        throw new UnrecoverableError(`member ${index} failed: ${finished.message ?? 'no reason given'}`);
      // Interrupted (this worker is stopping, or lost the queue): the job goes back for anyone.
      try {
        await job.moveToWait(token);
      } catch {
        // the lock is gone (the queue was away): the stalled-job check puts it back
      }
      throw new WaitingError();
    } finally {
      this.freeSlots.push(slot);
      this.freeSlots.sort((a, b) => a - b);
    }
  }
}
