/**
 * Per-step curves of a run for the HTML report, streamed from metrics.jsonl and eval.jsonl with
 * the store's reader and downsampled on the fly, so a million-row log never sits in memory.
 */
import { hasStep, type JsonlReader, type JsonlRow, readEval, readMetrics } from '@gan/runs';
import { currentRow, type RunRecord } from './runs.ts';

/** A point of a curve: `[step, value]`. */
export type Point = [number, number];

interface Bucket {
  min: Point;
  max: Point;
}

/**
 * Min/max decimation in one pass with bounded memory. Points (in step order) fill buckets of
 * `width` points; each bucket keeps its lowest and highest point. When there are too many
 * buckets, neighbours merge and `width` doubles. The first and the last point are always kept,
 * so a spike, a collapse and the end of a curve all survive.
 *
 * ```ts
 * const d = new Downsampler(2000);
 * for (const row of rows) d.push(row.step, row.dLoss);
 * d.points(); // at most 2000 [step, value] pairs
 * ```
 */
export class Downsampler {
  readonly maxPoints: number;
  private readonly maxBuckets: number;
  private width = 1;
  private buckets: Bucket[] = [];
  private current: Bucket | null = null;
  private inCurrent = 0;
  private first: Point | null = null;
  private last: Point | null = null;
  private count = 0;

  constructor(maxPoints = 2000) {
    if (!(Number.isInteger(maxPoints) && maxPoints >= 6)) {
      throw new RangeError(`maxPoints must be an integer >= 6, got ${maxPoints}`);
    }
    this.maxPoints = maxPoints;
    // Each bucket gives up to 2 points, plus first and last.
    this.maxBuckets = Math.floor((maxPoints - 2) / 2);
  }

  /** Points pushed so far. */
  get size(): number {
    return this.count;
  }

  push(x: number, y: number): void {
    const p: Point = [x, y];
    this.count++;
    this.first ??= p;
    this.last = p;
    if (this.current === null) {
      this.current = { min: p, max: p };
      this.inCurrent = 0;
    } else {
      if (y < this.current.min[1]) this.current.min = p;
      if (y > this.current.max[1]) this.current.max = p;
    }
    if (++this.inCurrent === this.width) {
      this.buckets.push(this.current);
      this.current = null;
      if (this.buckets.length + 1 > this.maxBuckets) this.halve();
    }
  }

  private halve(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i];
      const b = this.buckets[i + 1];
      merged.push(
        b === undefined
          ? a
          : { min: b.min[1] < a.min[1] ? b.min : a.min, max: b.max[1] > a.max[1] ? b.max : a.max },
      );
    }
    this.buckets = merged;
    this.width *= 2;
  }

  /** The kept points in step order, each once. */
  points(): Point[] {
    const kept = new Set<Point>();
    if (this.first) kept.add(this.first);
    for (const b of this.current ? [...this.buckets, this.current] : this.buckets) {
      // Keep the pair in step order.
      if (b.min[0] <= b.max[0]) kept.add(b.min).add(b.max);
      else kept.add(b.max).add(b.min);
    }
    if (this.last) kept.add(this.last);
    return [...kept];
  }
}

/** One named curve of a run. */
export interface Curve {
  /** `dLoss`, `lrD`, or an evaluation result's key. */
  key: string;
  points: Point[];
}

/** The curves of a run. */
export interface RunCurves {
  /**
   * From metrics.jsonl, its rows read as today's columns mean them (`currentRow`): the trainer's
   * metrics (see the store's `METRIC_NAMES`), `dCostPrinted` where logged, and any extra.
   */
  metrics: Curve[];
  /** From eval.jsonl: every numeric result. */
  eval: Curve[];
  /** Rows read from metrics.jsonl. */
  metricRows: number;
  /** Rows read from eval.jsonl. */
  evalRows: number;
  /** Problems met (a cut-off last line), as notes. */
  notes: string[];
}

export interface CurveOptions {
  /** Points kept per curve (default 2000). */
  maxPoints?: number;
}

/**
 * Streams a run's metrics.jsonl and eval.jsonl once each and returns every numeric field as a
 * downsampled curve over `step`. Non-finite values (a diverged run) are left out of the curves;
 * missing files give no curves.
 *
 * ```ts
 * const { metrics } = await readRunCurves(run);
 * metrics.find((c) => c.key === 'dCostPrinted'); // undefined unless the run logs the article's printed cost
 * ```
 */
export async function readRunCurves(
  run: Pick<RunRecord, 'runDir' | 'params'>,
  options: CurveOptions = {},
): Promise<RunCurves> {
  const maxPoints = options.maxPoints ?? 2000;
  const notes: string[] = [];
  const metrics = await streamCurves(readMetrics(run.runDir), maxPoints, notes, (row) =>
    currentRow(run, row),
  );
  const evals = await streamCurves(readEval(run.runDir), maxPoints, notes);
  return {
    metrics: metrics.curves,
    eval: evals.curves,
    metricRows: metrics.rows,
    evalRows: evals.rows,
    notes,
  };
}

/** Every numeric field of `reader`'s rows, each row first read through `map`, as downsampled curves. */
async function streamCurves(
  reader: JsonlReader,
  maxPoints: number,
  notes: string[],
  map: (row: JsonlRow) => JsonlRow = (row) => row,
) {
  const series = new Map<string, Downsampler>();
  let rows = 0;
  try {
    for await (const row of reader) {
      if (!hasStep(row)) continue;
      rows++;
      for (const [key, value] of Object.entries(map(row))) {
        if (key === 'step' || typeof value !== 'number' || !Number.isFinite(value)) continue;
        let d = series.get(key);
        if (!d) series.set(key, (d = new Downsampler(maxPoints)));
        d.push(row.step, value);
      }
    }
    if (reader.summary.truncated) notes.push(`${reader.path}: the last line is cut off (ignored)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      notes.push(`${reader.path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const curves = [...series].map(([key, d]) => ({ key, points: d.points() }));
  return { curves, rows };
}
