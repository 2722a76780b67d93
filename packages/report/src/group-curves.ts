/**
 * A group's curves for the HTML report: at each step, the mean of its runs' values with their
 * spread (sample sd, min, max), the runs aligned by step. Streamed from each run's metrics.jsonl
 * and eval.jsonl with the store's reader; memory is bounded by the number of bins, not the length
 * of the logs.
 */
import { hasStep, type JsonlReader, type JsonlRow, readEval, readMetrics } from '@gan/runs';
import { currentRow, type RunRecord } from './runs.ts';

/** A group's value at one step: over the `n` runs that logged it. */
export interface BandPoint {
  /** The step; for a bin of several steps, the mean step of the rows in it. */
  step: number;
  mean: number;
  /** Sample standard deviation over the runs; null for a single run. */
  sd: number | null;
  min: number;
  max: number;
  n: number;
}

/** One named curve of a group. */
export interface GroupCurve {
  key: string;
  points: BandPoint[];
}

/** The curves of a group. */
export interface GroupCurves {
  metrics: GroupCurve[];
  eval: GroupCurve[];
  /** Steps per bin: 1 (every logged step its own point) unless the runs are long. */
  binSteps: number;
  notes: string[];
}

/** Welford's running mean and variance, with the range, over the runs in one bin. */
interface Acc {
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  stepSum: number;
}

/** Per run, per bin: the sum of its values and steps (a run logging twice in a bin is averaged first). */
interface RunBin {
  sum: number;
  steps: number;
  count: number;
}

/**
 * Aggregates one kind of log over the runs. Each run's rows fall in bins of `binSteps` steps
 * (`floor((step - 1) / binSteps)`); a run's values in a bin are averaged first, so each run counts
 * once per bin, and then the bin holds the mean, spread and range of those run means.
 */
class BandBuilder {
  private readonly series = new Map<string, Map<number, Acc>>();

  constructor(readonly binSteps: number) {}

  /** Folds in one run's rows: `reader` streams them, each read through `map`. */
  async addRun(
    reader: JsonlReader,
    notes: string[],
    map: (row: JsonlRow) => JsonlRow = (row) => row,
  ): Promise<void> {
    const bins = new Map<string, Map<number, RunBin>>();
    try {
      for await (const row of reader) {
        if (!hasStep(row)) continue;
        const bin = Math.floor((row.step - 1) / this.binSteps);
        for (const [key, value] of Object.entries(map(row))) {
          if (key === 'step' || typeof value !== 'number' || !Number.isFinite(value)) continue;
          let runBins = bins.get(key);
          if (!runBins) bins.set(key, (runBins = new Map()));
          const b = runBins.get(bin);
          if (b) {
            b.sum += value;
            b.steps += row.step;
            b.count++;
          } else {
            runBins.set(bin, { sum: value, steps: row.step, count: 1 });
          }
        }
      }
      if (reader.summary.truncated) notes.push(`${reader.path}: the last line is cut off (ignored)`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        notes.push(`${reader.path}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    for (const [key, runBins] of bins) {
      let accs = this.series.get(key);
      if (!accs) this.series.set(key, (accs = new Map()));
      for (const [bin, b] of runBins) {
        const v = b.sum / b.count;
        const acc = accs.get(bin) ?? { n: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity, stepSum: 0 };
        acc.n++;
        const d = v - acc.mean;
        acc.mean += d / acc.n;
        acc.m2 += d * (v - acc.mean);
        acc.min = Math.min(acc.min, v);
        acc.max = Math.max(acc.max, v);
        acc.stepSum += b.steps / b.count;
        accs.set(bin, acc);
      }
    }
  }

  curves(): GroupCurve[] {
    return [...this.series].map(([key, accs]) => ({
      key,
      points: [...accs]
        .sort((a, b) => a[0] - b[0])
        .map(([, a]) => ({
          step: a.stepSum / a.n,
          mean: a.mean,
          sd: a.n > 1 ? Math.sqrt(Math.max(0, a.m2) / (a.n - 1)) : null,
          min: a.min,
          max: a.max,
          n: a.n,
        })),
    }));
  }
}

export interface GroupCurveOptions {
  /** Points kept per curve at most (default 2000): longer runs are binned. */
  maxPoints?: number;
}

/**
 * Reads every run of a group once (metrics.jsonl, its rows as today's columns mean them, see
 * `currentRow`; and eval.jsonl) and returns each numeric field as a band curve. Steps are
 * aligned exactly when the runs are no longer than `maxPoints` steps; longer runs are cut into
 * `binSteps`-step bins, fixed from the longest run so every run's bins line up. Non-finite values
 * (a diverged run) are left out.
 *
 * ```ts
 * const { metrics } = await readGroupCurves(group.runs);
 * metrics.find((c) => c.key === 'dFake')?.points[0]; // { step: 10, mean: 0.49, sd: 0.01, min: 0.48, max: 0.5, n: 3 }
 * ```
 */
export async function readGroupCurves(
  runs: readonly RunRecord[],
  options: GroupCurveOptions = {},
): Promise<GroupCurves> {
  const maxPoints = options.maxPoints ?? 2000;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) {
    throw new RangeError(`maxPoints must be a whole number >= 1, got ${maxPoints}`);
  }
  // From the steps reached, not the steps planned: a run stopped early keeps its detail.
  const lastStep = Math.max(1, ...runs.map((r) => Math.max(r.last?.step ?? 0, r.meta?.step ?? 0)));
  const binSteps = Math.max(1, Math.ceil(lastStep / maxPoints));
  const metrics = new BandBuilder(binSteps);
  const evals = new BandBuilder(binSteps);
  const notes: string[] = [];
  for (const run of runs) {
    await metrics.addRun(readMetrics(run.runDir), notes, (row) => currentRow(run, row));
    await evals.addRun(readEval(run.runDir), notes);
  }
  return { metrics: metrics.curves(), eval: evals.curves(), binSteps, notes };
}
