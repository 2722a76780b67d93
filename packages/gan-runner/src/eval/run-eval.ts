/**
 * Evaluating a recorded run after the fact: its config, one checkpoint, the same evaluation as
 * during training (same `eval` stream, so the same checkpoint gives the same numbers), appended to
 * its eval.jsonl.
 */
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { snapshotFromSafetensors } from '../run/checkpoint.ts';
import {
  CONFIG_FILE,
  listCheckpoints,
  openEvalLog,
  readSafetensors,
  type StepFile,
  updateMeta,
} from '@gan/runs';
import { loadTrainingData } from '../train/data.ts';
import { GanTrainer } from '../train/gan.ts';
import type { LoadClassifierOptions } from './classifier.ts';
import { createEvalContext, type EvalResult, evalRow, evaluate, generateEvalSamples } from './evaluate.ts';

export interface EvaluateRunOptions {
  /** Generated samples to score (default: the run's `eval.samples`). */
  samples?: number;
  /** Which checkpoint: `'latest'` (default) or a step that has one. */
  step?: 'latest' | number;
  /** Append the result to eval.jsonl and set meta.latestEval (default true). */
  record?: boolean;
  classifier?: LoadClassifierOptions;
}

export interface RunEvaluation {
  step: number;
  checkpoint: string;
  samples: number;
  result: EvalResult;
}

function pickCheckpoint(runDir: string, all: StepFile[], step: 'latest' | number): StepFile {
  if (all.length === 0) throw new Error(`${runDir}: the run has no checkpoint to evaluate`);
  if (step === 'latest') return all[all.length - 1];
  const hit = all.find((c) => c.step === step);
  if (hit === undefined) {
    throw new Error(
      `${runDir}: no checkpoint at step ${step}; checkpoints exist for steps ${all.map((c) => c.step).join(', ')}`,
    );
  }
  return hit;
}

/**
 * Evaluates one checkpoint of a run folder.
 *
 * ```ts
 * const { step, result } = await evaluateRun('experiments/decay/20261126-153012-a3f9', { samples: 2000 });
 * ```
 */
export async function evaluateRun(runDir: string, options: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  const config = loadConfig(join(runDir, CONFIG_FILE), [], { recordedRun: true }).config;
  const checkpoint = pickCheckpoint(runDir, await listCheckpoints(runDir), options.step ?? 'latest');
  const data = loadTrainingData(config);
  const trainer = new GanTrainer(config, data);
  const { snap } = snapshotFromSafetensors(await readSafetensors(checkpoint.path), checkpoint.path);
  trainer.restore(snap);
  const samples = options.samples ?? config.eval.samples;
  const context = await createEvalContext(config, data, options.classifier);
  const result = evaluate(generateEvalSamples(trainer, samples), context);
  if (options.record ?? true) {
    const row = evalRow(snap.step, result);
    const log = openEvalLog(runDir);
    try {
      log.write(row);
    } finally {
      log.close();
    }
    await updateMeta(runDir, { latestEval: row });
  }
  return { step: snap.step, checkpoint: checkpoint.path, samples, result };
}
