/**
 * One run, start to end, in this thread: the loop that trains step after step and, after each,
 * does what the schedule says is due (schedule.ts), with the recorder writing it into the run
 * folder (recorder.ts) and listeners told as events (events.ts).
 *
 * The run stops cleanly at a step boundary when the control asks (status `interrupted`, final
 * checkpoint, GIF), and with status `diverged` at the first step whose losses are not finite,
 * keeping everything written so far; the weights of a diverged run stay at their last finite
 * values (that step's update is skipped), so its final checkpoint, sample grid and evaluation
 * show the generator just before it diverged.
 *
 * metrics.jsonl holds only what the seed determines (no wall-clock times), so two runs of one
 * config are byte-identical; speed goes to meta.json and to the events.
 *
 * The session writes as the run's owner (`opts.owner`, see @gan/runs owner.ts). When another
 * process has taken the run over, the first write that finds out throws `RunTakenOver`, and the
 * session stops there, writing nothing more (it ends `taken-over`; the run is the new owner's).
 */
import { existsSync } from 'node:fs';
import type { Dataset } from '@gan/data';
import {
  findResumePoint,
  installFaults,
  kernelsNamed,
  type MetricsRow,
  metaPath,
  type OwnerToken,
  parseFaultSpec,
  type RunEnvironment,
  type RunKernels,
  RunOwner,
  RunTakenOver,
  removeStaleTempFiles,
  setAsideCheckpoint,
} from '@gan/runs';
import {
  checkpointOf,
  type ExperimentConfig,
  GanTrainer,
  loadTrainingData,
  samplePicture,
  snapshotOf,
  type StepStats,
  TrainingEvaluator,
} from '@gan/training';
import { RunClock } from './clock.ts';
import {
  abandonRequested,
  type Control,
  createControl,
  isPaused,
  stopRequested,
  takeSampleRequest,
  waitWhilePaused,
} from './control.ts';
import type { EndStatus, RunEvent, SessionEnd } from './events.ts';
import { computingKernels, RunRecorder } from './recorder.ts';
import {
  dueAfterStep,
  dueAtEnd,
  evalDueAtEnd,
  type Schedule,
  samplesDueAtStart,
  scheduleOf,
} from './schedule.ts';
import { RunTrace } from './trace.ts';

export interface SessionOptions {
  config: ExperimentConfig;
  /** The resolved config as YAML (stored in checkpoints so a checkpoint stands alone). */
  configText: string;
  runDir: string;
  runId: string;
  /** The owner the session writes the run as (claimed by whoever started it; see @gan/runs owner.ts). */
  owner: OwnerToken;
  environment: RunEnvironment;
  /** The name of the backend installed in this thread. */
  backend: string;
  /**
   * What the installed backend computes with (variant, CPU features, build), for meta.json; by
   * default the backend's name alone (a test that installs a backend itself).
   */
  kernels?: RunKernels;
  /** Continue from the run folder's latest checkpoint instead of starting fresh. */
  resume?: boolean;
  /** Record every step's random inputs and the initial weights in `trace/` (fresh runs only; see trace.ts). */
  trace?: boolean;
  /**
   * For the fault-injection suite only (`pnpm exp --fault-inject`, tools/faults): rules that make
   * this session's file operations fail or kill the process (see @gan/runs faults.ts).
   */
  faultInject?: string;
  control?: Control;
  onEvent?: (event: RunEvent) => void;
}

/** How the steps ended, and why when not `completed`. */
interface Outcome {
  status: SessionEnd;
  message: string | null;
}

/** Everything one run works with. */
interface Run {
  opts: SessionOptions;
  config: ExperimentConfig;
  data: Dataset;
  trainer: GanTrainer;
  schedule: Schedule;
  recorder: RunRecorder;
  clock: RunClock;
  evaluator: TrainingEvaluator;
  control: Control;
  emit: (event: RunEvent) => void;
  startStep: number;
  /** What computes the run: the thread's backend, or the reference one for a float64 run. */
  kernels: RunKernels;
  /** What opening the run found worth saying (a checkpoint skipped on resume), told after `started`. */
  notes: string[];
  /** What it found the user must know (a resume on other kernels), told after the notes. */
  warnings: string[];
}

/** Runs (or resumes) one experiment in this thread and records it in `opts.runDir`. */
export async function runSession(opts: SessionOptions): Promise<{ status: SessionEnd; step: number }> {
  installFaults(opts.faultInject ? parseFaultSpec(opts.faultInject) : []);
  try {
    let run: Run;
    try {
      run = await openRun(opts);
    } catch (e) {
      if (!(e instanceof RunTakenOver)) throw e;
      // Taken over while opening: nothing of this session's is in the run.
      const step = 0;
      opts.onEvent?.({ type: 'finished', status: 'taken-over', step, message: e.message, stepsPerSec: null });
      return { status: 'taken-over', step };
    }
    run.emit(startedEvent(run));
    for (const text of run.notes) run.emit({ type: 'message', step: run.trainer.step, text });
    for (const text of run.warnings)
      run.emit({ type: 'message', step: run.trainer.step, text, tone: 'warn' });
    const outcome = await trainSteps(run);
    const trainingSeconds = run.clock.trainingSeconds();
    const status = await finishRun(run, outcome, trainingSeconds);
    return { status, step: run.trainer.step };
  } finally {
    installFaults([]);
  }
}

/**
 * The trainer (on resume, restored from the newest checkpoint that reads back whole), its
 * recorder and its clock.
 *
 * On resume, newer checkpoints that cannot be read (truncated, corrupted) are moved aside
 * (`<name>.unreadable`) and said so; when checkpoints exist but none can be read, the run is not
 * touched and the error lists them; a run with no checkpoint yet starts again from step 0 (its
 * first steps are logged again, identically). Temp files of writes a killed process left are
 * removed.
 */
async function openRun(opts: SessionOptions): Promise<Run> {
  const { config, runDir } = opts;
  const owner = RunOwner.of(runDir, opts.owner);
  const data = loadTrainingData(config);
  const trainer = new GanTrainer(config, data);
  const emit = opts.onEvent ?? (() => {});
  const evaluator = new TrainingEvaluator(config, data, (text) =>
    emit({ type: 'message', step: trainer.step, text }),
  );
  const notes: string[] = [];
  const kernels = opts.kernels ?? kernelsNamed(opts.backend);
  let recorder: RunRecorder;
  let seconds = 0;
  if (opts.resume) {
    const { checkpoint, unreadable } = await findResumePoint(runDir);
    if (checkpoint === null && unreadable.length > 0) {
      throw new Error(
        `${runDir}: no checkpoint can be read, so the run cannot be resumed (nothing was changed):\n` +
          unreadable.map((u) => `  ${u.path}: ${u.reason}`).join('\n'),
      );
    }
    if (checkpoint !== null) {
      trainer.restore(snapshotOf(checkpoint.content));
      seconds = checkpoint.content.time;
    }
    for (const u of unreadable) {
      const aside = await setAsideCheckpoint(owner, u.path);
      notes.push(
        `checkpoint ${u.path} is unreadable (${u.reason}): moved to ${aside}; resuming from ` +
          (checkpoint ? `step ${checkpoint.step} instead` : 'step 0'),
      );
    }
    if (checkpoint === null && unreadable.length === 0) {
      if (!existsSync(metaPath(runDir)))
        throw new Error(
          `${runDir}: no checkpoint to resume from, and no meta.json: not a run that has started`,
        );
      notes.push('no checkpoint yet: starting again from step 0');
    }
    await removeStaleTempFiles(runDir);
    recorder = RunRecorder.resume(
      { ...opts, owner, kernels },
      checkpoint && { path: checkpoint.path, step: checkpoint.step },
    );
    // An evaluation already recorded at the resumed step is not done again (nor logged twice).
    if (recorder.latestEvalStep === trainer.step) evaluator.lastStep = trainer.step;
  } else {
    recorder = RunRecorder.start({ ...opts, owner, kernels });
  }
  return {
    opts,
    config,
    data,
    trainer,
    schedule: scheduleOf(config),
    recorder,
    clock: new RunClock(seconds, trainer.step),
    evaluator,
    control: opts.control ?? createControl(),
    emit,
    startStep: trainer.step,
    kernels: computingKernels(config, kernels),
    notes,
    warnings: recorder.kernelsWarning === null ? [] : [recorder.kernelsWarning],
  };
}

/** The loop: step after step until the last, a stop request, divergence or an error. */
async function trainSteps(run: Run): Promise<Outcome> {
  const { trainer, recorder } = run;
  let outcome: Outcome;
  let trace: RunTrace | null = null;
  try {
    if (run.opts.trace)
      trace = await RunTrace.start(recorder.owner, trainer, run.data, run.config, run.opts.configText);
    if (samplesDueAtStart(trainer.step)) await saveSamples(run, 0);
    const ended = await trainUntilEnd(run);
    if (ended.message !== ABANDONED) {
      const end = dueAtEnd(ended.status);
      if (end.samples) await saveSamples(run, trainer.step); // the last finite generator
      if (end.checkpoint) await saveCheckpoint(run);
    }
    outcome = ended;
  } catch (e) {
    outcome =
      e instanceof RunTakenOver
        ? { status: 'taken-over', message: e.message }
        : { status: 'failed', message: (e as Error).stack ?? String(e) };
  }
  try {
    recorder.closeMetrics(); // its last fsync may fail too (a full or failing disk)
  } catch (e) {
    if (outcome.status !== 'failed' && outcome.status !== 'taken-over')
      outcome = { status: 'failed', message: (e as Error).stack ?? String(e) };
  } finally {
    trace?.close();
  }
  return outcome;
}

/** Steps until the last one, a stop or abandon request, or divergence. */
async function trainUntilEnd(run: Run): Promise<{ status: EndStatus; message: string | null }> {
  const { trainer, control } = run;
  while (trainer.step < run.schedule.totalSteps) {
    if (abandonRequested(control)) return { status: 'interrupted', message: ABANDONED };
    if (stopRequested(control)) return { status: 'interrupted', message: null };
    if (isPaused(control)) {
      pause(run);
      continue;
    }
    const diverged = await trainStep(run);
    if (diverged !== null) return { status: 'diverged', message: diverged };
  }
  return { status: 'completed', message: null };
}

/**
 * One training step and what is due after it; returns why the run diverged, or null. A diverged
 * step is not counted by the trainer (its weights stay finite): it is the next one.
 */
async function trainStep(run: Run): Promise<string | null> {
  const { trainer } = run;
  const stats = trainer.trainStep();
  const diverged = !finite(stats);
  const step = diverged ? trainer.step + 1 : trainer.step;
  const due = dueAfterStep(run.schedule, step, diverged);
  if (due.metrics) logMetrics(run, step, stats);
  if (diverged) {
    run.recorder.diverged(step);
    const printed = stats.dCostPrinted === undefined ? '' : `, printed D cost ${stats.dCostPrinted}`;
    return `losses became non-finite at step ${step} (D loss ${stats.dLoss}${printed}, G loss ${stats.gLoss})`;
  }
  if (due.samples || takeSampleRequest(run.control)) await saveSamples(run, step);
  // The evaluation before the checkpoint: a run killed between the two resumes from the previous
  // checkpoint and evaluates this step again; the other way round, it would never be evaluated.
  if (due.eval) {
    await evaluateNow(run);
    run.clock.restartWindow(step); // keep the evaluation's time out of the steps/s window
  }
  if (due.checkpoint) await saveCheckpoint(run);
  run.recorder.progress(step, run.clock.stepsPerSec);
  return null;
}

/**
 * After the steps: the evaluation at the end, the GIF, the final meta.json, the last event; only
 * the event when the run was taken over, and no evaluation or GIF when it was abandoned. Returns
 * how the session ended.
 */
async function finishRun(run: Run, outcome: Outcome, trainingSeconds: number): Promise<SessionEnd> {
  const { trainer, config } = run;
  const trained = trainer.step - run.startStep;
  const stepsPerSec = trained > 0 && trainingSeconds > 0 ? trained / trainingSeconds : null;
  const finished = (status: SessionEnd, message: string | null) => {
    run.emit({ type: 'finished', status, step: trainer.step, message, stepsPerSec });
    return status;
  };
  if (outcome.status === 'taken-over') return finished('taken-over', outcome.message);
  const status = outcome.status;
  let message = outcome.message;
  const note = (text: string) => {
    message = `${message ?? ''}${message ? '\n' : ''}${text}`;
  };
  try {
    const abandoned = message === ABANDONED;
    if (!abandoned && evalDueAtEnd(run.schedule, status, trainer.step, run.evaluator.lastStep)) {
      try {
        await evaluateNow(run);
      } catch (e) {
        if (e instanceof RunTakenOver) throw e;
        // The run itself is fine and its checkpoint is on disk: `pnpm eval` can redo this later.
        note(`evaluation failed: ${(e as Error).message}`);
      }
    }
    if (!abandoned && config.log.gif) {
      try {
        await run.recorder.gif();
      } catch (e) {
        if (e instanceof RunTakenOver) throw e;
        note(`GIF not written: ${(e as Error).message}`);
      }
    }
    run.recorder.finish({
      status,
      step: trainer.step,
      stepsPerSec,
      error: status === 'failed' ? message : null,
    });
  } catch (e) {
    if (!(e instanceof RunTakenOver)) throw e;
    run.recorder.closeLogs();
    return finished('taken-over', e.message);
  }
  return finished(status, message);
}

/** Why an abandoned run stopped (see `requestAbandon`). */
const ABANDONED = 'stopped at once without a final checkpoint: another process may own the run now';

function finite(s: StepStats): boolean {
  return (
    Number.isFinite(s.dLoss) &&
    Number.isFinite(s.dCostPrinted ?? 0) &&
    Number.isFinite(s.gLoss) &&
    Number.isFinite(s.dReal) &&
    Number.isFinite(s.dFake)
  );
}

function startedEvent(run: Run): RunEvent {
  const { config, trainer, opts, kernels } = run;
  const count = (params: GanTrainer['gParams']) => params.reduce((n, p) => n + p.value.size, 0);
  return {
    type: 'started',
    name: config.name,
    runDir: opts.runDir,
    runId: opts.runId,
    seed: config.seed,
    startStep: run.startStep,
    totalSteps: run.schedule.totalSteps,
    backend: kernels.backend,
    variant: kernels.variant,
    precision: config.train.precision,
    stream: config.random.stream,
    params: { generator: count(trainer.gParams), discriminator: count(trainer.dParams) },
  };
}

function pause(run: Run): void {
  const { trainer, control } = run;
  run.emit({ type: 'paused', paused: true, step: trainer.step });
  waitWhilePaused(control);
  run.emit({ type: 'paused', paused: false, step: trainer.step });
  run.clock.restartWindow(trainer.step);
}

function logMetrics(run: Run, step: number, stats: StepStats): void {
  const stepsPerSec = run.clock.measure(step);
  const norms = run.trainer.gradNorms();
  const row: MetricsRow = { step, ...stats, gradNormD: norms.d, gradNormG: norms.g };
  run.recorder.metrics(row);
  run.emit({ type: 'metrics', row, stepsPerSec, elapsed: run.clock.elapsed() });
}

async function saveSamples(run: Run, step: number): Promise<void> {
  const { config, trainer, data } = run;
  const image = samplePicture(config, trainer.sampleGrid(), data.width, data.height, data.channels ?? 1);
  const path = await run.recorder.samples(step, image);
  run.emit({ type: 'samples', step, path, image });
}

async function saveCheckpoint(run: Run): Promise<void> {
  const { trainer } = run;
  const content = checkpointOf(trainer.snapshot(), {
    time: run.clock.elapsed(),
    config: run.opts.configText,
  });
  const path = await run.recorder.checkpoint(content);
  run.emit({ type: 'checkpoint', step: trainer.step, path });
}

/** Evaluates the generator at the trainer's step; its time is kept out of the run's speed. */
async function evaluateNow(run: Run): Promise<void> {
  const started = performance.now();
  const step = run.trainer.step;
  const result = await run.evaluator.evaluate(run.trainer);
  run.recorder.evaluation({ step, ...result });
  run.clock.exclude(performance.now() - started);
  run.emit({ type: 'eval', step, result });
}
