import {
  type JsonlReader,
  type JsonlReadOptions,
  type JsonlRow,
  JsonlWriter,
  type JsonlWriterOptions,
  readJsonl,
} from './jsonl.ts';
import type { RunOwner } from './owner.ts';
import { evalPath, metricsPath } from './paths.ts';

/**
 * One row of `metrics.jsonl`, written by the trainer every logged step. All values are numbers;
 * a diverged run writes NaN or ±Infinity, which survive the round trip (see `JsonlRow`).
 *
 * Only values the seed determines are written (no wall-clock time or speed, which go to
 * meta.json), so two runs of one config and seed give byte-identical files. A resumed run first
 * drops the rows after its checkpoint, then logs those steps again; should a row still appear
 * twice (a file edited by hand), the later row wins.
 *
 * ```json
 * {"step":500,"dLoss":1.21,"gLoss":0.83,"dReal":0.61,"dFake":0.42,"lrD":0.0002,"lrG":0.0002,
 *  "gradNormD":0.05,"gradNormG":0.11}
 * ```
 */
export interface MetricsRow {
  /** The step just completed (one discriminator update and one generator update), from 1. */
  step: number;
  /**
   * The loss D descended at this step. (Runs logged before `dCostPrinted` existed held the
   * article's printed cost here when their config asked for it: read rows through
   * `currentMetricsRow`, see columns.ts.)
   */
  dLoss: number;
  /**
   * The D cost the article's code prints, -log D(x) + log(1 - D(G(z))), right after `dLoss`; only
   * in runs whose config says `loss.reportedDiscriminatorCost: article-printed`.
   */
  dCostPrinted?: number;
  /** Generator loss of this step. */
  gLoss: number;
  /** Mean D(x) over the real batch, in 0..1. */
  dReal: number;
  /** Mean D(G(z)) over the fake batch, in 0..1. */
  dFake: number;
  /** Discriminator learning rate used at this step. */
  lrD: number;
  /** Generator learning rate used at this step. */
  lrG: number;
  /** L2 norm of all discriminator gradients of this step. */
  gradNormD: number;
  /** L2 norm of all generator gradients of this step. */
  gradNormG: number;
  /** Further numeric metrics a config may add. */
  [metric: string]: number | undefined;
}

/** The metrics the trainer always writes, in the order it writes them. */
export const METRIC_NAMES = [
  'step',
  'dLoss',
  'gLoss',
  'dReal',
  'dFake',
  'lrD',
  'lrG',
  'gradNormD',
  'gradNormG',
] as const satisfies readonly (keyof MetricsRow)[];

/**
 * One row of `eval.jsonl`: the step it was computed at plus the evaluation's named results
 * (their names and meaning belong to the evaluation code).
 */
export interface EvalRow extends JsonlRow {
  step: number;
}

/** True if `row` has a numeric `step` (the one field every metrics and eval row has). */
export function hasStep(row: JsonlRow): row is JsonlRow & { step: number } {
  return typeof row.step === 'number' && Number.isInteger(row.step);
}

/** The owner's appender for its run's `metrics.jsonl` (created if missing). */
export function openMetricsLog(owner: RunOwner, options?: Omit<JsonlWriterOptions, 'owner'>): JsonlWriter {
  return new JsonlWriter(metricsPath(owner.runDir), { ...options, owner });
}

/** The owner's appender for its run's `eval.jsonl` (created if missing). */
export function openEvalLog(owner: RunOwner, options?: Omit<JsonlWriterOptions, 'owner'>): JsonlWriter {
  return new JsonlWriter(evalPath(owner.runDir), { ...options, owner });
}

/** Streams `<runDir>/metrics.jsonl`; rows are whatever the file holds, check them before use. */
export function readMetrics(runDir: string, options?: JsonlReadOptions): JsonlReader {
  return readJsonl(metricsPath(runDir), options);
}

/** Streams `<runDir>/eval.jsonl`. */
export function readEval(runDir: string, options?: JsonlReadOptions): JsonlReader {
  return readJsonl(evalPath(runDir), options);
}
