/**
 * A bounded, downsampled history of one metric over a whole run, for the dashboard's charts.
 *
 * Points go into buckets of `span` consecutive points. When all `capacity` buckets are full,
 * neighbouring buckets merge pairwise and `span` doubles, so memory stays at most `capacity`
 * buckets however long the run, every bucket covers the same number of steps, and the chart
 * always spans the run from its first logged step. Each bucket keeps the mean and the min/max
 * envelope of its finite values (a diverged run logs NaN or ±Infinity: those are counted, not
 * averaged).
 *
 * Values are immutable: `pushPoint` returns a new series and shares the completed buckets with
 * the old one, so a push costs O(1) until a bucket completes.
 *
 * ```ts
 * let s = emptySeries(64);
 * for (let step = 1; step <= 1_000_000; step++) s = pushPoint(s, step, Math.sin(step));
 * seriesBuckets(s).length; // <= 64
 * resample(s, 40).mean; // 40 column means for a chart
 * ```
 */

export interface Bucket {
  /** First and last x (step) of the points in the bucket. */
  readonly x0: number;
  readonly x1: number;
  /** Points in the bucket, finite or not. */
  readonly n: number;
  /** Finite points in the bucket; `sum`, `min` and `max` are over these only. */
  readonly finite: number;
  readonly sum: number;
  /** +Infinity / -Infinity when the bucket holds no finite value. */
  readonly min: number;
  readonly max: number;
}

export interface Series {
  /** Most buckets kept (even, >= 2). */
  readonly capacity: number;
  /** Points per completed bucket (a power of two). */
  readonly span: number;
  /** Completed buckets, oldest first (never mutated: shared between versions). */
  readonly full: readonly Bucket[];
  /** The bucket being filled, or null. */
  readonly tail: Bucket | null;
  /** Points pushed so far. */
  readonly count: number;
}

/** The default bucket count: more than any chart is wide, so charts lose no detail to it. */
export const DEFAULT_CAPACITY = 256;

export function emptySeries(capacity = DEFAULT_CAPACITY): Series {
  if (!Number.isInteger(capacity) || capacity < 2 || capacity % 2 !== 0) {
    throw new RangeError(`emptySeries: capacity must be an even integer >= 2, got ${capacity}`);
  }
  return { capacity, span: 1, full: [], tail: null, count: 0 };
}

function single(x: number, y: number): Bucket {
  const ok = Number.isFinite(y);
  return {
    x0: x,
    x1: x,
    n: 1,
    finite: ok ? 1 : 0,
    sum: ok ? y : 0,
    min: ok ? y : Infinity,
    max: ok ? y : -Infinity,
  };
}

/** The union of two buckets, `a` before `b`. */
export function mergeBuckets(a: Bucket, b: Bucket): Bucket {
  return {
    x0: a.x0,
    x1: b.x1,
    n: a.n + b.n,
    finite: a.finite + b.finite,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
  };
}

/** Mean of the bucket's finite values, NaN if it has none. */
export function bucketMean(b: Bucket): number {
  return b.finite > 0 ? b.sum / b.finite : Number.NaN;
}

/** Appends the point (x, y); x should grow from call to call. Does not modify `s`. */
export function pushPoint(s: Series, x: number, y: number): Series {
  const point = single(x, y);
  if (s.tail !== null && s.tail.n < s.span) {
    const tail = mergeBuckets(s.tail, point);
    if (tail.n < s.span) return { ...s, tail, count: s.count + 1 };
    return settle({ ...s, tail: null, count: s.count + 1 }, tail);
  }
  if (s.span === 1) return settle({ ...s, count: s.count + 1 }, point);
  return { ...s, tail: point, count: s.count + 1 };
}

/** Adds a completed bucket, halving the resolution first if all buckets are taken. */
function settle(s: Series, done: Bucket): Series {
  if (s.full.length < s.capacity) return { ...s, full: [...s.full, done] };
  const merged: Bucket[] = [];
  for (let i = 0; i < s.full.length; i += 2) merged.push(mergeBuckets(s.full[i], s.full[i + 1]));
  // `done` holds `span` points, half a bucket at the new resolution: it becomes the tail.
  return { ...s, span: s.span * 2, full: merged, tail: done };
}

/** Every bucket, completed ones first, then the partial tail (if any). */
export function seriesBuckets(s: Series): readonly Bucket[] {
  return s.tail === null ? s.full : [...s.full, s.tail];
}

/** The series' last point's bucket, or null when empty. */
export function lastBucket(s: Series): Bucket | null {
  return s.tail ?? s.full.at(-1) ?? null;
}

export interface Resampled {
  /** Per column: the mean of its finite values (NaN if none). */
  mean: number[];
  /** Per column: min and max of its finite values (±Infinity if none). */
  min: number[];
  max: number[];
  /** x range covered, or null when empty. */
  x0: number | null;
  x1: number | null;
}

/**
 * The series as at most `columns` columns for a chart: buckets are grouped evenly into columns
 * (fewer buckets than columns give one column per bucket). Means are weighted by point counts.
 */
export function resample(s: Series, columns: number): Resampled {
  const buckets = seriesBuckets(s);
  const out: Resampled = { mean: [], min: [], max: [], x0: null, x1: null };
  if (buckets.length === 0 || columns < 1) return out;
  const cols = Math.min(columns, buckets.length);
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * buckets.length) / cols);
    const to = Math.floor(((c + 1) * buckets.length) / cols);
    let b = buckets[from];
    for (let i = from + 1; i < to; i++) b = mergeBuckets(b, buckets[i]);
    out.mean.push(bucketMean(b));
    out.min.push(b.min);
    out.max.push(b.max);
  }
  out.x0 = buckets[0].x0;
  out.x1 = buckets[buckets.length - 1].x1;
  return out;
}
