/**
 * The worker (`pnpm worker`): takes a sweep's members from the queue (see queue.ts) and trains
 * them, on any number of machines that share the experiments folder (a network filesystem in a real
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
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { collectEnvironment, type RunEnvironment, sweepDir } from '@gan/runs';
import type { BackendKind } from '@gan/training';
import { requestAbandon, requestStop } from '../run/control.ts';
import type { RunEvent } from '../run/events.ts';
import { type TrainingHandle, TrainingThread } from '../run/thread.ts';
import { openMember } from './member.ts';
import {
  checkQueueUrl,
  type MemberJob,
  type MemberProgress,
  type MemberResult,
  QUEUE_NAME,
  redisClient,
  shownUrl,
  sleep,
} from './queue.ts';
import { openSweepDir, type Sweep } from './sweep.ts';

/** BullMQ's errors about a job's lock (expired, or taken by another worker), as opposed to outages. */
const LOCK_ERROR = /could not renew lock|missing lock|lock mismatch/i;

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
          staleAfterMs: 2 * (this.options.lockMs ?? 30_000),
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
        dCostPrinted: null,
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
      const what = `member ${index} of ${sweepId} (${job.data.label})`;
      const handle = this.slotThread(slot).run(session, (event) => {
        latest = event;
        if (event.type === 'started') progress.step = event.startStep;
        // A member resumed on other kernels than computed its first steps (another machine's).
        if (event.type === 'message' && event.tone === 'warn') this.log(`${what}: ${event.text}`);
        if (event.type === 'metrics') {
          Object.assign(progress, {
            step: event.row.step,
            stepsPerSec: event.stepsPerSec,
            dLoss: event.row.dLoss,
            dCostPrinted: event.row.dCostPrinted ?? null,
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
