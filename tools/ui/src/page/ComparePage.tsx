/**
 * Compare: the chosen runs' curves overlaid (or, grouped, each group's mean with a band from its
 * lowest to its highest run), the config keys that differ, and the latest sample grids side by
 * side, all live (`pnpm report diff --html`, following the runs).
 */
import { METRIC_LABELS } from '@gan/runs/columns';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { RunSummary } from '../shared/api.ts';
import { fetchRun, fetchRuns, followRun, runPath } from './api.ts';
import { type CompareMetric, CompareCharts, type Series } from './Charts.tsx';
import { RunData } from './data.ts';
import { differing, fmt, formatStep } from './format.ts';
import { groupKey, groupLabel } from './RunsPage.tsx';

/** The charts, each drawn with the runs that log its metric (the printed D cost: few do). */
const METRICS: CompareMetric[] = [
  { file: 'metrics', key: 'dLoss', title: METRIC_LABELS.dLoss.name },
  {
    file: 'metrics',
    key: 'dCostPrinted',
    title: METRIC_LABELS.dCostPrinted.name,
    subtitle: METRIC_LABELS.dCostPrinted.description,
  },
  { file: 'metrics', key: 'gLoss', title: METRIC_LABELS.gLoss.name },
  { file: 'metrics', key: 'dReal', title: METRIC_LABELS.dReal.name },
  { file: 'metrics', key: 'dFake', title: METRIC_LABELS.dFake.name },
  { file: 'metrics', key: 'lrG', title: 'G learning rate', logY: true },
  { file: 'metrics', key: 'gradNormD', title: 'D gradient norm', logY: true },
  { file: 'eval', key: 'frechetDistance', title: 'Eval: Fréchet distance' },
  { file: 'eval', key: 'modesCovered', title: 'Eval: modes covered' },
];

export function ComparePage({ keys, by }: { keys: string[]; by: string }) {
  const [all, setAll] = useState<RunSummary[] | null>(null);
  const [samples, setSamples] = useState<Record<string, number | undefined>>({});
  // The listing has the varying keys only; the config diff wants each run's whole config.
  const [full, setFull] = useState<Record<string, RunSummary>>({});
  useEffect(() => {
    fetchRuns().then(
      (r) => setAll(r.runs),
      () => setAll([]),
    );
  }, []);
  useEffect(() => {
    for (const k of keys)
      fetchRun(k).then(
        (d) => setFull((f) => ({ ...f, [k]: d.summary })),
        () => {},
      );
  }, [keys.join(',')]);
  const data = useMemo(() => keys.map((k) => new RunData(k, k)), [keys.join(',')]);
  useEffect(() => {
    const stops = data.map((d) =>
      followRun(d.key, (e) => {
        if (e.type === 'rows') d.take(e);
        else if (e.type === 'files') setSamples((s) => ({ ...s, [d.key]: e.samples.at(-1) }));
      }),
    );
    return () => stops.forEach((s) => s());
  }, [data]);
  const runs = keys
    .map((k) => full[k] ?? all?.find((r) => r.key === k))
    .filter((r): r is RunSummary => r !== undefined);
  const series: Series[] = useMemo(() => {
    if (!all) return [];
    const label = (r: RunSummary) => `${r.name} ${r.runId}`;
    if (by === '')
      return data.map((d) => {
        const r = all.find((x) => x.key === d.key);
        return { label: r ? label(r) : d.key, runs: [d] };
      });
    const groups = new Map<string, RunSummary[]>();
    for (const r of runs) groups.set(groupKey(r, by), [...(groups.get(groupKey(r, by)) ?? []), r]);
    return [...groups.values()].map((g) => ({
      label: `${groupLabel(g, by)} (n=${g.length})`,
      runs: g.map((r) => data.find((d) => d.key === r.key)!),
    }));
  }, [all, data, by]);

  if (keys.length === 0)
    return (
      <p>
        Choose runs on the <a href="#/">runs page</a> and press compare.
      </p>
    );
  if (!all) return <p class="muted">loading…</p>;
  const missing = keys.filter((k) => !all.some((r) => r.key === k));
  const diffKeys = differing(runs.map((r) => r.params)).filter((k) => k !== 'description');
  const addable = all.filter((r) => !keys.includes(r.key));
  const href = (list: string[], b = by) =>
    `#/compare?runs=${list.map(encodeURIComponent).join(',')}${b ? `&by=${encodeURIComponent(b)}` : ''}`;
  return (
    <section>
      <h1>Compare {keys.length} runs</h1>
      <div class="toolbar">
        <label>
          add a run{' '}
          <select
            id="compare-add"
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              if (v) location.hash = href([...keys, v]);
            }}
          >
            <option value="">…</option>
            {addable.map((r) => (
              <option key={r.key} value={r.key}>
                {r.name} {r.runId}
              </option>
            ))}
          </select>
        </label>
        <a class="button" href={href(keys, by ? '' : 'seed-excluded')}>
          {by ? 'show each run' : 'group by config but the seed (mean and band)'}
        </a>
      </div>
      {missing.length > 0 && <p class="error">Not found: {missing.join(', ')}</p>}
      <ul class="legend-list">
        {runs.map((r) => (
          <li key={r.key}>
            <a href={`#/run/${r.key}`}>
              {r.name} {r.runId}
            </a>{' '}
            <span class={`status status-${r.status.replace(/\W/g, '')}`}>{r.status}</span>{' '}
            <a href={href(keys.filter((k) => k !== r.key))} title="remove from the comparison">
              ✕
            </a>
          </li>
        ))}
      </ul>
      <h2>Curves</h2>
      <CompareCharts series={series} metrics={METRICS} />
      <h2>Config differences</h2>
      {diffKeys.length === 0 ? (
        <p class="muted">the configs are the same</p>
      ) : (
        <div class="table-box">
          <table id="config-diff">
            <thead>
              <tr>
                <th>key</th>
                {runs.map((r) => (
                  <th key={r.key}>
                    {r.name} <span class="mono">{r.runId}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {diffKeys.map((k) => (
                <tr key={k}>
                  <td class="mono">{k}</td>
                  {runs.map((r) => (
                    <td key={r.key}>{fmt(r.params[k])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Latest sample grids</h2>
      <div class="samples">
        {runs.map((r) => {
          const step = samples[r.key];
          return (
            <figure key={r.key}>
              {step === undefined ? (
                <div class="muted">no grid yet</div>
              ) : (
                <img class="pixelated" src={`${runPath(r.key)}/samples/${step}`} alt={`${r.name} samples`} />
              )}
              <figcaption>
                {r.name} {r.runId}
                {step !== undefined && ` · step ${formatStep(step)}`}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </section>
  );
}
