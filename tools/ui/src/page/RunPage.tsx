/**
 * A run's page: its status and progress, live curves (metrics and evaluation scores), the sample
 * grid at any saved step and the GIF, the generator in the page, the evaluation history, the
 * config and meta.json.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { RunDetail, RunSummary } from '../shared/api.ts';
import { fetchRun, followRun, HttpError, runPath } from './api.ts';
import { EVAL_LABELS, METRIC_FAMILIES, type MetricFamily, RunCharts } from './Charts.tsx';
import { RunData } from './data.ts';
import { fmt, formatStep } from './format.ts';
import { GeneratorPanel } from './GeneratorPanel.tsx';

export function StatusLine({ run }: { run: RunSummary }) {
  return (
    <p class="status-line">
      <span class={`status status-${run.status.replace(/\W/g, '')}`} id="run-status">
        {run.status}
      </span>{' '}
      {run.steps !== null && <progress value={Math.min(run.step ?? 0, run.steps)} max={run.steps} />} step{' '}
      <span id="run-step">{formatStep(run.step ?? 0)}</span>
      {run.steps !== null && ` of ${formatStep(run.steps)}`}
      {run.stepsPerSec !== null && ` · ${fmt(run.stepsPerSec)} steps/s`}
      {run.startedAt && ` · started ${run.startedAt}`}
    </p>
  );
}

function evalFamilies(keys: string[]): MetricFamily[] {
  const known = Object.keys(EVAL_LABELS);
  const order = [...known.filter((k) => keys.includes(k)), ...keys.filter((k) => !known.includes(k))];
  return order.slice(0, 8).map((k) => ({
    id: `eval-${k}`,
    title: `Eval: ${EVAL_LABELS[k] ?? k}`,
    file: 'eval' as const,
    metrics: [[k, EVAL_LABELS[k] ?? k]],
    points: true,
  }));
}

/** Eval fields that describe the evaluation rather than score the generator. */
const NOT_SCORES = new Set(['step', 'samples', 'modes', 'coverageThreshold']);

/** Numeric keys of eval rows but the step (a histogram, a list, is not a score to plot). */
function evalKeys(rows: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r)) if (!NOT_SCORES.has(k) && typeof v === 'number') keys.add(k);
  return [...keys];
}

export function RunPage({ runKey }: { runKey: string }) {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<RunSummary | null>(null);
  const [files, setFiles] = useState<{ samples: number[]; checkpoints: number[]; hasGif: boolean } | null>(
    null,
  );
  const [evalKeyList, setEvalKeys] = useState<string[]>([]);
  const [evalRows, setEvalRows] = useState<Record<string, number>[]>([]);
  const [sampleIndex, setSampleIndex] = useState<number | null>(null);
  const data = useMemo(() => new RunData(runKey, runKey), [runKey]);

  useEffect(() => {
    setDetail(null);
    setError(null);
    fetchRun(runKey).then(setDetail, (e: Error) =>
      setError(e instanceof HttpError && e.status === 404 ? 'No such run.' : e.message),
    );
    const stopFollow = followRun(runKey, (e) => {
      if (e.type === 'rows') data.take(e);
      else if (e.type === 'summary') setSummary(e.summary);
      else if (e.type === 'files')
        setFiles({ samples: e.samples, checkpoints: e.checkpoints, hasGif: e.hasGif });
    });
    const stopListen = data.listen((file) => {
      if (file !== 'eval') return;
      setEvalKeys(evalKeys(data.rows.eval));
      setEvalRows([...data.rows.eval]);
    });
    return () => {
      stopFollow();
      stopListen();
    };
  }, [runKey]);

  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p class="muted">loading {runKey}…</p>;
  const run = summary ?? detail.summary;
  const samples = files?.samples ?? detail.samples;
  const checkpoints = files?.checkpoints ?? detail.checkpoints;
  const hasGif = files?.hasGif ?? detail.hasGif;
  const index = sampleIndex === null ? samples.length - 1 : Math.min(sampleIndex, samples.length - 1);
  const sampleStep = samples[index];
  const families = [...METRIC_FAMILIES, ...evalFamilies(evalKeyList)];
  return (
    <section>
      <h1>
        <span id="run-name">{run.name}</span> <span class="mono muted">{run.runId}</span>
      </h1>
      <StatusLine run={run} />
      {run.notes.length > 0 && (
        <ul class="notes">
          {run.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <p>
        <a href={`#/compare?runs=${encodeURIComponent(runKey)}`}>compare with other runs…</a>
      </p>
      <h2>Curves</h2>
      <RunCharts data={data} families={families} />
      <h2>Samples</h2>
      {samples.length === 0 ? (
        <p class="muted">no sample grid yet</p>
      ) : (
        <div class="samples">
          <figure>
            <img
              id="sample-grid"
              class="pixelated"
              src={`${runPath(runKey)}/samples/${sampleStep}`}
              alt={`sample grid at step ${sampleStep}`}
            />
            <figcaption>
              <input
                id="sample-slider"
                type="range"
                min={0}
                max={samples.length - 1}
                value={index}
                onInput={(e) => setSampleIndex(Number((e.target as HTMLInputElement).value))}
              />{' '}
              step {formatStep(sampleStep)} ({index + 1} of {samples.length})
            </figcaption>
          </figure>
          {hasGif && (
            <figure>
              <img class="pixelated" src={`${runPath(runKey)}/gif`} alt="all sample grids as an animation" />
              <figcaption>samples.gif</figcaption>
            </figure>
          )}
        </div>
      )}
      <h2>Generator, in this page</h2>
      <GeneratorPanel runKey={runKey} spec={detail.generator} checkpoints={checkpoints} />
      <h2>Evaluation history</h2>
      {evalRows.length === 0 ? (
        <p class="muted">no evaluation yet</p>
      ) : (
        <div class="table-box">
          <table>
            <thead>
              <tr>
                <th>step</th>
                {evalKeyList.map((k) => (
                  <th key={k}>{EVAL_LABELS[k] ?? k}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {evalRows.map((r) => (
                <tr key={r.step}>
                  <td class="num">{formatStep(r.step)}</td>
                  {evalKeyList.map((k) => (
                    <td class="num" key={k}>
                      {fmt(r[k])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Config</h2>
      <pre id="run-config">{detail.configText ?? '(config.yaml cannot be read)'}</pre>
      <h2>meta.json</h2>
      <pre>{JSON.stringify(detail.meta, null, 2)}</pre>
    </section>
  );
}
