/**
 * The runs page: the report's list, live. Filters (config names with `*`, status), sorting by any
 * column, grouping (by the config less its seed, or by a config key) with group means, and a
 * selection to compare.
 */
import { METRIC_LABELS } from '@gan/runs/columns';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { RunSummary } from '../shared/api.ts';
import { followRuns } from './api.ts';
import { drawsMetric } from './data.ts';
import { fmt, mean, nameMatcher } from './format.ts';

interface Column {
  key: string;
  header: string;
  /** What the column is, as the header's tooltip. */
  title?: string;
  value: (r: RunSummary) => unknown;
  /** A column of the last metrics row: shown when a run shown logs it (see {@link drawsMetric}). */
  metric?: boolean;
  /** Its mean is in a group's head. */
  mean?: boolean;
}

/** A column of the last metrics row's `key`, named as every view names it. */
const metricColumn = (key: 'dLoss' | 'dCostPrinted' | 'gLoss'): Column => ({
  key,
  header: METRIC_LABELS[key].name,
  title: METRIC_LABELS[key].description,
  value: (r) => r.last[key] ?? null,
  metric: true,
  mean: true,
});

const COLUMNS: Column[] = [
  { key: 'config', header: 'config', value: (r) => r.name },
  { key: 'run', header: 'run', value: (r) => r.runId },
  { key: 'status', header: 'status', value: (r) => r.status },
  { key: 'step', header: 'step', value: (r) => r.step },
  metricColumn('dLoss'),
  metricColumn('dCostPrinted'),
  metricColumn('gLoss'),
  { key: 'modes', header: 'modes', value: (r) => r.latestEval.modesCovered ?? null },
  { key: 'fd', header: 'FD', value: (r) => r.latestEval.frechetDistance ?? null, mean: true },
  { key: 'speed', header: 'steps/s', value: (r) => r.stepsPerSec },
];

/**
 * The columns for `runs`: a metric's when one of them logs it (`D cost (printed)` only beside runs
 * of the article's configs, `D loss` not for runs logged before it meant one thing), the others
 * always.
 *
 * ```ts
 * shownColumns(runsOfBaseline).map((c) => c.header); // [..., 'D loss', 'G loss', 'modes', ...]
 * ```
 */
export function shownColumns(runs: RunSummary[]): Column[] {
  // No run: the columns of a run that has not logged yet.
  const logged = runs.length === 0 ? [new Set<string>()] : runs.map((r) => new Set(Object.keys(r.last)));
  return COLUMNS.filter((c) => !c.metric || logged.some((keys) => drawsMetric(keys, c.key)));
}

/**
 * ` · mean D loss 1.2` over the runs of a group that have the value, with how many when not all;
 * empty when none has it.
 */
function groupMean(runs: RunSummary[], column: Column): string {
  const values = runs
    .map(column.value)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return '';
  const some = values.length < runs.length ? ` (${values.length} of ${runs.length} runs)` : '';
  return ` · mean ${column.header} ${fmt(mean(values))}${some}`;
}

const SEED_EXCLUDED = 'seed-excluded';
/** Rows drawn at first (filters, sorting and grouping still see every run); more on request. */
export const PAGE_ROWS = 200;

function compare(a: unknown, b: unknown): number {
  const am = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
  const bm = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
  if (am || bm) return am === bm ? 0 : am ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The group key of a run: its config but the seed, or the values of the chosen key. */
export function groupKey(r: RunSummary, by: string): string {
  if (by === SEED_EXCLUDED) return r.configKey;
  return JSON.stringify(r.params[by] ?? null);
}

export function groupLabel(runs: RunSummary[], by: string): string {
  if (by !== SEED_EXCLUDED) return `${by}=${fmt(runs[0].params[by])}`;
  return runs[0].name;
}

function Progress({ run }: { run: RunSummary }) {
  if (run.steps === null) return <span>{fmt(run.step)}</span>;
  // A plain bar: a thousand native <progress> elements cost the page seconds to lay out.
  const fraction = run.steps > 0 ? Math.min(1, (run.step ?? 0) / run.steps) : 0;
  return (
    <span class="progress">
      <span class="bar">
        <span class="fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </span>
      {fmt(run.step ?? 0)}/{fmt(run.steps)}
    </span>
  );
}

function Row({
  run,
  columns,
  params,
  selected,
  toggle,
}: {
  run: RunSummary;
  columns: Column[];
  params: string[];
  selected: boolean;
  toggle: () => void;
}) {
  return (
    <tr data-run={run.key}>
      <td>
        <input type="checkbox" checked={selected} onChange={toggle} aria-label={`select ${run.key}`} />
      </td>
      <td>
        <a href={`#/run/${run.key}`}>{run.name}</a>
        {run.notes.length > 0 && (
          <span class="note" title={run.notes.join('\n')}>
            {' '}
            ⚠
          </span>
        )}
      </td>
      <td class="mono">{run.runId}</td>
      <td>
        <span class={`status status-${run.status.replace(/\W/g, '')}`}>{run.status}</span>
      </td>
      <td>
        <Progress run={run} />
      </td>
      {columns.slice(4).map((c) => (
        <td class="num" key={c.key}>
          {fmt(c.value(run))}
        </td>
      ))}
      {params.map((p) => (
        <td key={p}>{fmt(run.params[p])}</td>
      ))}
    </tr>
  );
}

export function RunsPage() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [params, setParams] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const [by, setBy] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [limit, setLimit] = useState(PAGE_ROWS);

  useEffect(
    () =>
      followRuns((e) => {
        if (e.type !== 'runs') return;
        performance.mark('runs-received');
        setRuns(e.runs);
        setParams(e.params);
      }),
    [],
  );
  // For the benchmark: when the rows of the first listing are in the document.
  useEffect(() => {
    if (runs !== null && performance.getEntriesByName('runs-drawn').length === 0)
      performance.mark('runs-drawn');
  }, [runs]);

  const shown = useMemo(() => {
    if (!runs) return [];
    const match = nameMatcher(filter);
    let list = runs.filter(
      (r) => (match(r.name) || match(r.folder)) && (status === '' || r.status === status),
    );
    if (sort) {
      const col = COLUMNS.find((c) => c.key === sort.key);
      const value = col ? col.value : (r: RunSummary) => r.params[sort.key];
      list = list
        .map((r, i) => ({ r, i, v: value(r) }))
        .sort((a, b) => {
          const c = compare(a.v, b.v);
          const missing = a.v === null || a.v === undefined || b.v === null || b.v === undefined;
          return (missing ? c : sort.desc ? -c : c) || a.i - b.i;
        })
        .map((x) => x.r);
    }
    return list;
  }, [runs, filter, status, sort]);

  const groups = useMemo(() => {
    if (by === '') return null;
    const map = new Map<string, RunSummary[]>();
    for (const r of shown) {
      const k = groupKey(r, by);
      map.set(k, [...(map.get(k) ?? []), r]);
    }
    return [...map.values()];
  }, [shown, by]);

  if (runs === null) return <p class="muted">loading runs…</p>;
  const statuses = [...new Set(runs.map((r) => r.status))].sort();
  const columns = shownColumns(shown);
  const toggle = (key: string) =>
    setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key]));
  const header = (key: string, text: string, title?: string) => (
    <th
      key={key}
      class="sortable"
      title={title}
      onClick={() => setSort((s) => (s?.key === key ? { key, desc: !s.desc } : { key, desc: false }))}
    >
      {text}
      {sort?.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
    </th>
  );
  const head = (
    <tr>
      <th />
      {columns.map((c) => header(c.key, c.header, c.title))}
      {params.map((p) => header(p, p))}
    </tr>
  );
  const row = (r: RunSummary) => (
    <Row
      key={r.key}
      run={r}
      columns={columns}
      params={params}
      selected={selected.includes(r.key)}
      toggle={() => toggle(r.key)}
    />
  );
  return (
    <section>
      <h1>Runs</h1>
      <div class="toolbar">
        <label>
          config{' '}
          <input
            id="filter-config"
            value={filter}
            placeholder="decay*, baseline"
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          status{' '}
          <select
            id="filter-status"
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}
          >
            <option value="">all</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          group by{' '}
          <select id="group-by" value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value)}>
            <option value="">no grouping</option>
            <option value={SEED_EXCLUDED}>config but the seed</option>
            {params.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <a
          id="compare-selected"
          class={selected.length < 1 ? 'button disabled' : 'button'}
          href={`#/compare?runs=${selected.map(encodeURIComponent).join(',')}${by ? `&by=${encodeURIComponent(by)}` : ''}`}
        >
          compare {selected.length} selected
        </a>
        <span class="muted" id="run-count">
          {shown.length} of {runs.length} runs
        </span>
      </div>
      <div class="table-box">
        <table class="runs">
          <thead>{head}</thead>
          {groups === null ? (
            <tbody>{shown.slice(0, limit).map(row)}</tbody>
          ) : (
            groups.map((g) => (
              <tbody key={g[0].key} class="group">
                <tr class="group-head">
                  <td colSpan={columns.length + params.length + 1}>
                    <strong>{groupLabel(g, by)}</strong> · {g.length} run{g.length === 1 ? '' : 's'}
                    {columns.filter((c) => c.mean).map((c) => groupMean(g, c))}
                  </td>
                </tr>
                {g.map(row)}
              </tbody>
            ))
          )}
        </table>
      </div>
      {groups === null && shown.length > limit && (
        <p>
          {limit} of {shown.length} rows shown{' '}
          <button type="button" id="show-more" onClick={() => setLimit((l) => l + 1000)}>
            show {Math.min(1000, shown.length - limit)} more
          </button>
        </p>
      )}
    </section>
  );
}
