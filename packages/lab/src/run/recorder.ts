/**
 * Writes what a run produces into its folder, through @gan/runs: meta.json (at the start, as
 * progress, with each evaluation, at the end), metrics.jsonl, eval.jsonl, sample grids,
 * checkpoints (the newest two kept) and the GIF. It decides nothing about when (see schedule.ts).
 *
 * Every write is made as the run's owner (@gan/runs owner.ts): once another process has taken the
 * run over, each throws `RunTakenOver` and writes nothing.
 */
import {
  type CheckpointContent,
  currentProcess,
  type EvalRow,
  evalPath,
  type JsonlWriter,
  kernelsNamed,
  kernelsOnResume,
  type MetricsRow,
  metricsPath,
  newRunMeta,
  openEvalLog,
  openMetricsLog,
  type RunEnvironment,
  type RunKernels,
  type RunMeta,
  type RunOwner,
  readMetaSync,
  rewriteJsonlSync,
  saveCheckpoint,
  writeMetaSync,
} from '@gan/runs';
import { type ExperimentConfig, type GrayImage, writeRunGif, writeSampleGrid } from '@gan/training';
import type { EndStatus } from './events.ts';
import { evalKeptOnResume, keptOnResume, metaDue } from './schedule.ts';

/** Checkpoints kept per run: the newest and the one before it (a crash mid-write leaves one). */
const KEEP_CHECKPOINTS = 2;

/** Who and where: what a new meta.json says besides the progress. */
export interface RecordedRun {
  config: ExperimentConfig;
  owner: RunOwner;
  runId: string;
  environment: RunEnvironment;
  /** The thread's backend: what computes the run's float32 steps. */
  kernels: RunKernels;
}

/** The kernels that compute a run: float64 runs compute on the reference backend's loops. */
export function computingKernels(config: ExperimentConfig, kernels: RunKernels): RunKernels {
  return config.train.precision === 'float64' ? kernelsNamed('reference') : kernels;
}

/** How a run ended, for the final meta.json. */
export interface RunEnd {
  status: EndStatus;
  step: number;
  stepsPerSec: number | null;
  error: string | null;
}

export class RunRecorder {
  readonly owner: RunOwner;
  private readonly meta: RunMeta;
  private readonly metricsLog: JsonlWriter;
  /** Opened at the first evaluation: a run that evaluates nothing has no eval.jsonl. */
  private evalLog: JsonlWriter | null = null;
  private lastMetaWrite: number;
  /** The step of the last row in eval.jsonl when recording began (on resume), or null. */
  readonly latestEvalStep: number | null;
  /**
   * On resume, what to tell the user when the run goes on on other kernels than those that
   * computed its latest steps (see @gan/runs `kernelsOnResume`); null otherwise.
   */
  readonly kernelsWarning: string | null;

  private constructor(
    owner: RunOwner,
    meta: RunMeta,
    private readonly now: () => number,
    kernelsWarning: string | null = null,
  ) {
    this.owner = owner;
    this.meta = meta;
    this.kernelsWarning = kernelsWarning;
    this.meta.process = currentProcess();
    this.latestEvalStep = typeof meta.latestEval?.step === 'number' ? meta.latestEval.step : null;
    this.writeMeta();
    this.metricsLog = openMetricsLog(owner);
    this.lastMetaWrite = now();
  }

  get runDir(): string {
    return this.owner.runDir;
  }

  /** meta.json as it stands, with a fresh heartbeat: every write says the process is alive. */
  private writeMeta(): void {
    this.meta.heartbeatAt = new Date().toISOString();
    writeMetaSync(this.owner, this.meta);
  }

  /**
   * Starts recording a fresh run: meta.json says `running` at step 0 (keeping the start time of
   * the meta.json the run folder was created with, if any).
   */
  static start(run: RecordedRun, now: () => number = () => performance.now()): RunRecorder {
    const kernels = computingKernels(run.config, run.kernels);
    let created: Date | undefined;
    try {
      const existing = readMetaSync(run.owner.runDir);
      if (existing.runId === run.runId) created = new Date(existing.startedAt);
    } catch {
      // no meta.json yet: this is the first
    }
    const meta = newRunMeta({
      name: run.config.name,
      runId: run.runId,
      seed: run.config.seed,
      totalSteps: run.config.train.steps,
      precision: run.config.train.precision,
      backend: kernels.backend,
      kernels,
      environment: run.environment,
      startedAt: created,
      owner: run.owner.token,
    });
    return new RunRecorder(run.owner, meta, now);
  }

  /**
   * Continues recording a run resumed from the checkpoint `checkpoint` of step `step` (null: from
   * step 0, the run had no checkpoint yet): the rows logged after it are dropped (the run logs
   * those steps again), meta.json says `running` again, by this process, and which kernels
   * computed which steps when they are not those the run recorded (`kernelsWarning` says so).
   */
  static resume(
    run: RecordedRun,
    checkpoint: { path: string; step: number } | null,
    now: () => number = () => performance.now(),
  ): RunRecorder {
    const { owner } = run;
    const previous = readMetaSync(owner.runDir);
    const step = checkpoint?.step ?? 0;
    const kept = (row: { step?: unknown }) => keptOnResume(row, step);
    rewriteJsonlSync(metricsPath(owner.runDir), kept, owner);
    const latestEval = rewriteJsonlSync(
      evalPath(owner.runDir),
      (row) => evalKeptOnResume(row, step, run.config.eval.every),
      owner,
    );
    const kernels = kernelsOnResume(previous, step, computingKernels(run.config, run.kernels));
    const meta: RunMeta = {
      ...previous,
      latestEval,
      status: 'running',
      endedAt: null,
      step,
      totalSteps: run.config.train.steps,
      resumedFrom: checkpoint?.path ?? null,
      error: null,
      divergedAt: null,
      command: run.environment.command,
      git: run.environment.git,
      backend: kernels.kernels.backend,
      kernels: kernels.kernels,
      kernelHistory: kernels.kernelHistory,
    };
    return new RunRecorder(owner, meta, now, kernels.warning);
  }

  metrics(row: MetricsRow): void {
    this.metricsLog.write(row);
  }

  /** Writes `samples/step-XXXXXX.png`; returns its path. */
  samples(step: number, image: GrayImage): Promise<string> {
    return writeSampleGrid(this.owner, step, image);
  }

  /** Writes `checkpoints/step-XXXXXX.safetensors`, keeping the newest two; returns its path. */
  checkpoint(content: CheckpointContent): Promise<string> {
    return saveCheckpoint(this.owner, content, { keep: KEEP_CHECKPOINTS });
  }

  /** Appends to eval.jsonl and makes it meta.json's latestEval. */
  evaluation(row: EvalRow): void {
    this.evalLog ??= openEvalLog(this.owner);
    this.evalLog.write(row);
    this.meta.latestEval = row;
    this.writeMeta();
  }

  /**
   * meta.json's step and speed, and the heartbeat, rewritten only when {@link metaDue} says so
   * (every few seconds while the steps go on).
   */
  progress(step: number, stepsPerSec: number): void {
    if (!metaDue(this.now(), this.lastMetaWrite)) return;
    this.meta.step = step;
    this.meta.stepsPerSec = stepsPerSec;
    this.writeMeta();
    this.lastMetaWrite = this.now();
  }

  /** Notes the step whose losses were not finite (written with the final meta). */
  diverged(step: number): void {
    this.meta.divergedAt = step;
  }

  /** Closes metrics.jsonl (the steps are over). */
  closeMetrics(): void {
    this.metricsLog.close();
  }

  /** Closes the logs without writing anything more (the run was taken over). */
  closeLogs(): void {
    for (const log of [this.metricsLog, this.evalLog]) {
      try {
        log?.close();
      } catch {
        // its descriptor now points at a file no longer in the run: nothing to keep
      }
    }
  }

  /** Writes `samples.gif` from the sample grids. */
  async gif(): Promise<void> {
    await writeRunGif(this.owner);
  }

  /** The final meta.json (status, step, end time, speed, peak memory, error); closes eval.jsonl. */
  finish(end: RunEnd): void {
    this.evalLog?.close();
    this.meta.status = end.status;
    this.meta.step = end.step;
    this.meta.endedAt = new Date().toISOString();
    this.meta.stepsPerSec = end.stepsPerSec;
    this.meta.peakMemoryMB = Math.round(process.resourceUsage().maxRSS / 102.4) / 10; // maxRSS is in KiB
    this.meta.error = end.error;
    this.writeMeta();
  }
}
