/**
 * Evaluating a run: while it trains (`eval.every`, `eval.atEnd`), and after the fact from one of
 * its checkpoints (`pnpm eval`). Both use the same samples (the run's `eval` stream), so the same
 * weights give the same numbers.
 */
import type { Dataset } from '@gan/data';
import { claimIdleRun, openEvalLog, updateMeta } from '@gan/runs';
import type { ExperimentConfig } from '../config/index.ts';
import type { GanTrainer } from '../train/gan.ts';
import { evalSampleCount } from '../train/memory.ts';
import { restoreRun } from '../train/restore.ts';
import type { LoadClassifierOptions } from './classifier-cache.ts';
import {
  createEvalContext,
  type EvalContext,
  type EvalResult,
  evalRow,
  evaluate,
  generateEvalSamples,
} from './evaluate.ts';

/**
 * Evaluation during training. Its samples come from the run's own `eval` stream, never a training
 * stream, so evaluating does not change training. What it compares with (for MNIST the
 * classifier and the real-image statistics) loads, or trains, on first use, once per process.
 */
export class TrainingEvaluator {
  private context: Promise<EvalContext> | null = null;
  /** The step last evaluated, -1 before the first evaluation. */
  lastStep = -1;

  /** `log` receives progress lines of slow first-time work (training the classifier). */
  constructor(
    private readonly config: ExperimentConfig,
    private readonly data: Dataset,
    private readonly log: (text: string) => void,
  ) {}

  /** Scores the trainer's generator now, at its current step. */
  async evaluate(trainer: GanTrainer): Promise<EvalResult> {
    this.context ??= createEvalContext(this.config, this.data, { log: this.log });
    const n = evalSampleCount(this.config);
    const result = evaluate(generateEvalSamples(trainer, n), await this.context);
    this.lastStep = trainer.step;
    return result;
  }
}

export interface EvaluateRunOptions {
  /** Generated samples to score (default: the run's `eval.samples`, `eval.stackedSamples` for stacked MNIST). */
  samples?: number;
  /** Which checkpoint: `'latest'` (default) or a step that has one. */
  step?: 'latest' | number;
  /**
   * Append the result to eval.jsonl and set meta.latestEval (default true), as the run's owner
   * (`pnpm eval`); a run training now is not written to (see {@link RunEvaluation.notRecorded}).
   */
  record?: boolean;
  classifier?: LoadClassifierOptions;
}

export interface RunEvaluation {
  step: number;
  checkpoint: string;
  samples: number;
  result: EvalResult;
  /** Why the result was not recorded although asked to be (the run is training); else null. */
  notRecorded: string | null;
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
  const samples = options.samples ?? evalSampleCount(config);
  const context = await createEvalContext(config, trainer.data, options.classifier);
  const result = evaluate(generateEvalSamples(trainer, samples), context);
  let notRecorded: string | null = null;
  if (options.record ?? true) {
    const { owner, busy } = await claimIdleRun(runDir, 'pnpm eval');
    if (owner === null) notRecorded = busy;
    else {
      const row = evalRow(step, result);
      const log = openEvalLog(owner);
      try {
        log.write(row);
      } finally {
        log.close();
      }
      await updateMeta(owner, { latestEval: row });
    }
  }
  return { step, checkpoint, samples, result, notRecorded };
}
