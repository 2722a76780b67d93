/** A run's rows in the page, as its event stream delivers them, for charts and tables to follow. */
import type { RunEvent } from '../shared/api.ts';

export type Row = Record<string, number>;
export type RowFile = 'metrics' | 'eval';
type Listener = (file: RowFile, rows: Row[], reset: boolean) => void;

/** Metrics only some runs log (the article's printed D cost): never drawn before a run logs them. */
const LOGGED_BY_SOME = new Set(['dCostPrinted']);

/**
 * Whether the page draws (charts, columns) metric `key` of metrics.jsonl for a run whose rows have
 * the keys `logged`: when they have it; before the run's first row (`logged` empty), every metric
 * but those only some runs log, so a new run's charts wait for its first points.
 *
 * ```ts
 * drawsMetric(new Set(['step', 'dCostPrinted', 'gLoss']), 'dLoss'); // false: an old printed-cost run
 * drawsMetric(new Set(), 'dLoss'); // true
 * ```
 */
export function drawsMetric(logged: ReadonlySet<string>, key: string): boolean {
  return logged.size === 0 ? !LOGGED_BY_SOME.has(key) : logged.has(key);
}

export class RunData {
  readonly rows: Record<RowFile, Row[]> = { metrics: [], eval: [] };
  /** The keys of the metrics rows so far (`step`, `dLoss`, `dCostPrinted`, ...): what the run logs. */
  readonly metricKeys = new Set<string>();
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly key: string,
    readonly label: string,
  ) {}

  /** Takes a `rows` event: a reset replaces, otherwise rows past the last step are appended. */
  take(event: Extract<RunEvent, { type: 'rows' }>): void {
    const list = this.rows[event.file];
    let fresh = event.rows;
    if (event.reset) list.length = 0;
    else {
      const last = list.at(-1)?.step ?? Number.NEGATIVE_INFINITY;
      fresh = fresh.filter((r) => r.step > last);
    }
    list.push(...fresh);
    if (event.file === 'metrics') {
      if (event.reset) this.metricKeys.clear();
      for (const r of fresh) for (const k of Object.keys(r)) this.metricKeys.add(k);
    }
    if (fresh.length > 0 || event.reset) for (const l of this.listeners) l(event.file, fresh, event.reset);
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
