import { readFileSync } from 'node:fs';
import type { ExperimentConfig, LossConfig } from '../config/index.ts';
import {
  createEvalContext,
  type EvalContext,
  type EvalResult,
  evalRow,
  evaluate,
  generateEvalSamples,
} from '../eval/index.ts';
import type { GrayImage } from '../images/index.ts';
import { writeRunGif, writeSampleGrid } from '../images/index.ts';
import {
  encodeJsonlLine,
  evalPath,
  JsonlWriter,
  latestCheckpoint,
  type MetricsRow,
  metricsPath,
  newRunMeta,
  readJsonlSync,
  readMetaSync,
  loadCheckpoint,
  type RunEnvironment,
  type RunMeta,
  type RunStatus,
  saveCheckpoint,
  writeFileAtomicSync,
  writeMetaSync,
} from '@gan/runs';
import { loadTrainingData } from '../train/data.ts';
import { GanTrainer, type StepStats } from '../train/gan.ts';
import { checkpointOf, snapshotOf } from '../train/restore.ts';
import {
  type Control,
  createControl,
  isPaused,
  stopRequested,
  takeSampleRequest,
  waitWhilePaused,
} from './control.ts';
import { samplePicture } from '../images/samples.ts';
import { RunTrace } from './trace.ts';

/** What a running session tells its listeners (the dashboard, the plain logger, the parent thread). */
export type RunEvent =
  | {
      type: 'started';
      name: string;
      runDir: string;
      runId: string;
      seed: number;
      startStep: number;
      totalSteps: number;
      backend: string;
      params: { generator: number; discriminator: number };
      /**
       * What the metrics' `dLoss` is: with `reportedDiscriminatorCost: article-printed` it is the
       * cost the article's code prints, -log D(x) + log(1 - D(G(z))), which is the loss D descends
       * only when `discriminator` is `flipped`. Views label it from this.
       */
      loss: Pick<LossConfig, 'discriminator' | 'reportedDiscriminatorCost'>;
    }
  | { type: 'metrics'; row: MetricsRow; stepsPerSec: number; elapsed: number }
  | { type: 'samples'; step: number; path: string; image: GrayImage }
  | { type: 'checkpoint'; step: number; path: string }
  /** A line of progress from slow work outside the steps (e.g. training the evaluation's classifier). */
  | { type: 'message'; step: number; text: string }
  | { type: 'paused'; paused: boolean; step: number }
  | { type: 'eval'; step: number; result: EvalResult }
  | { type: 'finished'; status: RunStatus; step: number; message: string | null; stepsPerSec: number | null };

export interface SessionOptions {
  config: ExperimentConfig;
  /** The resolved config as YAML (stored in checkpoints so a checkpoint stands alone). */
  configText: string;
  runDir: string;
  runId: string;
  environment: RunEnvironment;
  backend: string;
  /** Continue from the run folder's latest checkpoint instead of starting fresh. */
  resume?: boolean;
  /** Record every step's random inputs and the initial weights in `trace/` (fresh runs only; see trace.ts). */
  trace?: boolean;
  control?: Control;
  onEvent?: (event: RunEvent) => void;
}

/** Checkpoints kept per run: the newest and the one before it (a crash mid-write leaves one). */
const KEEP_CHECKPOINTS = 2;
/** meta.json progress is rewritten at most this often (it is fsynced each time). */
const META_INTERVAL_MS = 5000;

function finite(s: StepStats): boolean {
  return (
    Number.isFinite(s.dLoss) &&
    Number.isFinite(s.gLoss) &&
    Number.isFinite(s.dReal) &&
    Number.isFinite(s.dFake)
  );
}

/**
 * Keeps the rows of a JSONL file up to `step` (a resumed run replays what came after); returns the
 * last row kept, or null.
 */
function truncateJsonl(path: string, step: number): Record<string, unknown> | null {
  let rows: ReturnType<typeof readJsonlSync>['rows'];
  try {
    rows = readJsonlSync(path).rows;
  } catch {
    return null; // no file yet
  }
  const kept = rows.filter((r) => typeof r.step === 'number' && r.step <= step);
  writeFileAtomicSync(path, kept.map(encodeJsonlLine).join(''));
  return kept.at(-1) ?? null;
}

/**
 * Runs (or resumes) one experiment in this thread and records it in `runDir`: meta.json,
 * metrics.jsonl, sample grids, checkpoints, the GIF. Stops cleanly at a step boundary when the
 * control asks (status `interrupted`, final checkpoint, GIF), and with status `diverged` at the
 * first step whose losses are not finite, keeping everything written so far; the weights of a
 * diverged run stay at their last finite values (that step's update is skipped), so its final
 * checkpoint, sample grid and evaluation show the generator just before it diverged.
 *
 * metrics.jsonl holds only what the seed determines (no wall-clock times), so two runs of one
 * config are byte-identical; speed goes to meta.json and to the events.
 */
export async function runSession(opts: SessionOptions): Promise<{ status: RunStatus; step: number }> {
  const { config, runDir, runId } = opts;
  const control = opts.control ?? createControl();
  const emit = opts.onEvent ?? (() => {});
  const total = config.train.steps;
  const log = config.log;

  const data = loadTrainingData(config);
  const trainer = new GanTrainer(config, data);
  let timeOffset = 0;
  let meta: RunMeta;

  if (opts.resume) {
    const previous = readMetaSync(runDir);
    const latest = await latestCheckpoint(runDir);
    if (latest === null) throw new Error(`${runDir}: no checkpoint to resume from`);
    const checkpoint = await loadCheckpoint(latest.path);
    const snap = snapshotOf(checkpoint);
    trainer.restore(snap);
    timeOffset = checkpoint.time;
    truncateJsonl(metricsPath(runDir), snap.step);
    const latestEval = truncateJsonl(evalPath(runDir), snap.step);
    meta = {
      ...previous,
      latestEval,
      status: 'running',
      endedAt: null,
      step: snap.step,
      totalSteps: total,
      resumedFrom: latest.path,
      error: null,
      divergedAt: null,
      command: opts.environment.command,
      git: opts.environment.git,
      backend: opts.backend,
    };
  } else {
    meta = newRunMeta({
      name: config.name,
      runId,
      seed: config.seed,
      totalSteps: total,
      backend: opts.backend,
      environment: opts.environment,
    });
  }
  writeMetaSync(runDir, meta);

  const metrics = new JsonlWriter(metricsPath(runDir));
  const started = performance.now();
  const elapsed = () => timeOffset + (performance.now() - started) / 1000;
  const startStep = trainer.step;
  let windowStart = performance.now();
  let windowStep = startStep;
  let stepsPerSec = 0;
  let lastMetaWrite = performance.now();

  emit({
    type: 'started',
    name: config.name,
    runDir,
    runId,
    seed: config.seed,
    startStep,
    totalSteps: total,
    backend: opts.backend,
    params: {
      generator: trainer.gParams.reduce((n, p) => n + p.value.size, 0),
      discriminator: trainer.dParams.reduce((n, p) => n + p.value.size, 0),
    },
    loss: {
      discriminator: config.loss.discriminator,
      reportedDiscriminatorCost: config.loss.reportedDiscriminatorCost,
    },
  });

  const saveSamples = async (step: number) => {
    const image = samplePicture(config, trainer.sampleGrid(), data.width, data.height);
    const path = await writeSampleGrid(runDir, step, image);
    emit({ type: 'samples', step, path, image });
  };
  const checkpointAt = async (step: number) => {
    const content = checkpointOf(trainer.snapshot(), { time: elapsed(), config: opts.configText });
    const path = await saveCheckpoint(runDir, content, { keep: KEEP_CHECKPOINTS });
    emit({ type: 'checkpoint', step, path });
  };

  // Evaluation (config.eval). Its samples come from the run's own `eval` stream, never a training
  // stream, so evaluating does not change training. The classifier and the real-image statistics
  // load (or train) on first use, once per process.
  let evalLog: JsonlWriter | null = null;
  let evalContext: Promise<EvalContext> | null = null;
  let lastEvalStep = -1;
  // Time spent evaluating, kept out of the run's steps/s.
  let evalMs = 0;
  const runEval = async (step: number) => {
    const t0 = performance.now();
    evalContext ??= createEvalContext(config, data, {
      log: (text) => emit({ type: 'message', step: trainer.step, text }),
    });
    const result = evaluate(generateEvalSamples(trainer, config.eval.samples), await evalContext);
    const row = evalRow(step, result);
    evalLog ??= new JsonlWriter(evalPath(runDir));
    evalLog.write(row);
    meta.latestEval = row;
    writeMetaSync(runDir, meta);
    lastEvalStep = step;
    evalMs += performance.now() - t0;
    emit({ type: 'eval', step, result });
  };

  let status: RunStatus = 'completed';
  let message: string | null = null;
  let trace: RunTrace | null = null;
  try {
    if (opts.trace) trace = await RunTrace.start(runDir, trainer, data, config, opts.configText);
    if (startStep === 0) await saveSamples(0);
    while (trainer.step < total) {
      if (stopRequested(control)) {
        status = 'interrupted';
        break;
      }
      if (isPaused(control)) {
        emit({ type: 'paused', paused: true, step: trainer.step });
        waitWhilePaused(control);
        emit({ type: 'paused', paused: false, step: trainer.step });
        windowStart = performance.now();
        windowStep = trainer.step;
        continue;
      }

      const stats = trainer.trainStep();
      const ok = finite(stats);
      // A diverged step is not counted by the trainer (its weights stay finite): it is the next one.
      const step = ok ? trainer.step : trainer.step + 1;
      if (!ok || step === 1 || step % log.every === 0 || step === total) {
        const now = performance.now();
        if (now > windowStart) stepsPerSec = ((step - windowStep) * 1000) / (now - windowStart);
        windowStart = now;
        windowStep = step;
        const norms = trainer.gradNorms();
        const row: MetricsRow = { step, ...stats, gradNormD: norms.d, gradNormG: norms.g };
        metrics.write(row);
        emit({ type: 'metrics', row, stepsPerSec, elapsed: elapsed() });
      }
      if (!ok) {
        status = 'diverged';
        message = `losses became non-finite at step ${step} (D loss ${stats.dLoss}, G loss ${stats.gLoss})`;
        meta.divergedAt = step;
        break;
      }
      if (step % log.samplesEvery === 0 || step === total || takeSampleRequest(control))
        await saveSamples(step);
      if (step % log.checkpointEvery === 0 && step !== total) await checkpointAt(step);
      if (config.eval.every > 0 && step % config.eval.every === 0) {
        await runEval(step);
        // Keep the evaluation's time out of the steps/s window.
        windowStart = performance.now();
        windowStep = step;
      }
      if (performance.now() - lastMetaWrite > META_INTERVAL_MS) {
        meta.step = step;
        meta.stepsPerSec = stepsPerSec;
        writeMetaSync(runDir, meta);
        lastMetaWrite = performance.now();
      }
    }
    if (status === 'diverged') await saveSamples(trainer.step); // the last finite generator
    await checkpointAt(trainer.step);
  } catch (e) {
    status = 'failed';
    message = (e as Error).stack ?? String(e);
  } finally {
    metrics.close();
    trace?.close();
  }
  const trainingSeconds = (performance.now() - started - evalMs) / 1000;

  if (config.eval.atEnd && status !== 'failed' && lastEvalStep !== trainer.step) {
    try {
      await runEval(trainer.step);
    } catch (e) {
      // The run itself is fine and its checkpoint is on disk: `pnpm eval` can redo this later.
      message = `${message ?? ''}${message ? '\n' : ''}evaluation failed: ${(e as Error).message}`;
    }
  }
  // Assigned inside runEval, which control-flow analysis cannot see.
  (evalLog as JsonlWriter | null)?.close();

  if (log.gif) {
    try {
      await writeRunGif(runDir);
    } catch (e) {
      message = `${message ?? ''}${message ? '\n' : ''}GIF not written: ${(e as Error).message}`;
    }
  }
  const trained = trainer.step - startStep;
  meta.status = status;
  meta.step = trainer.step;
  meta.endedAt = new Date().toISOString();
  meta.stepsPerSec = trained > 0 && trainingSeconds > 0 ? trained / trainingSeconds : null;
  meta.peakMemoryMB = Math.round(process.resourceUsage().maxRSS / 102.4) / 10; // maxRSS is in KiB
  meta.error = status === 'failed' ? message : null;
  writeMetaSync(runDir, meta);
  emit({ type: 'finished', status, step: trainer.step, message, stepsPerSec: meta.stepsPerSec });
  return { status, step: trainer.step };
}

/** Reads a resolved config file's text (for checkpoints). */
export function readConfigText(path: string): string {
  return readFileSync(path, 'utf8');
}
