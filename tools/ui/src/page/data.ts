/** A run's rows in the page, as its event stream delivers them, for charts and tables to follow. */
import type { RunEvent } from '../shared/api.ts';

export type Row = Record<string, number>;
export type RowFile = 'metrics' | 'eval';
type Listener = (file: RowFile, rows: Row[], reset: boolean) => void;

export class RunData {
  readonly rows: Record<RowFile, Row[]> = { metrics: [], eval: [] };
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
    if (fresh.length > 0 || event.reset) for (const l of this.listeners) l(event.file, fresh, event.reset);
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
