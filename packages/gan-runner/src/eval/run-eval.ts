/**
 * Evaluating a recorded run after the fact: its config, one checkpoint, the same evaluation as
 * during training (same `eval` stream, so the same checkpoint gives the same numbers), appended to
 * its eval.jsonl.
 */
import { openEvalLog, updateMeta } from '@gan/runs';
import { restoreRun } from '../train/restore.ts';
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

/**
 * Evaluates one checkpoint of a run folder.
 *
 * ```ts
 * const { step, result } = await evaluateRun('experiments/decay/20261126-153012-a3f9', { samples: 2000 });
 * ```
 */
export async function evaluateRun(runDir: string, options: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  const { config, trainer, step, checkpoint } = await restoreRun(runDir, options.step ?? 'latest');
  const samples = options.samples ?? config.eval.samples;
  const context = await createEvalContext(config, trainer.data, options.classifier);
  const result = evaluate(generateEvalSamples(trainer, samples), context);
  if (options.record ?? true) {
    const row = evalRow(step, result);
    const log = openEvalLog(runDir);
    try {
      log.write(row);
    } finally {
      log.close();
    }
    await updateMeta(runDir, { latestEval: row });
  }
  return { step, checkpoint, samples, result };
}
