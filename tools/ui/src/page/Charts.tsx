/**
 * Charts that follow runs' rows live. On a run's page, one chart per family of metrics (losses,
 * D outputs, learning rates, gradient norms) and one per evaluation score, one line per metric;
 * on the compare page, one chart per metric, one line per run, or per group: its mean with a band
 * from the lowest to the highest run.
 */
import { useEffect, useRef } from 'preact/hooks';
import { type BandPoint, LiveChart, type Point } from './charts.ts';
import type { Row, RowFile, RunData } from './data.ts';

export interface MetricFamily {
  id: string;
  title: string;
  file: RowFile;
  metrics: [key: string, label: string][];
  logY?: boolean;
  points?: boolean;
}

export const METRIC_FAMILIES: MetricFamily[] = [
  {
    id: 'losses',
    title: 'Losses',
    file: 'metrics',
    metrics: [
      ['dLoss', 'D loss'],
      ['gLoss', 'G loss'],
    ],
  },
  {
    id: 'd-outputs',
    title: 'D outputs',
    file: 'metrics',
    metrics: [
      ['dReal', 'D(x)'],
      ['dFake', 'D(G(z))'],
    ],
  },
  {
    id: 'lrs',
    title: 'Learning rates',
    file: 'metrics',
    metrics: [
      ['lrD', 'D lr'],
      ['lrG', 'G lr'],
    ],
    logY: true,
  },
  {
    id: 'grad-norms',
    title: 'Gradient norms',
    file: 'metrics',
    metrics: [
      ['gradNormD', 'D'],
      ['gradNormG', 'G'],
    ],
    logY: true,
  },
];

/** Known evaluation scores, in the order shown (others follow as found). */
export const EVAL_LABELS: Record<string, string> = {
  frechetDistance: 'Fréchet distance',
  modesCovered: 'modes covered',
  inceptionScore: 'Inception score',
  klUniform: 'KL to uniform',
  meanConfidence: 'mean confidence',
  diversity: 'diversity',
  nnDistance: 'NN distance',
  highQuality: 'high quality',
};

/** Rows drawn per run at most when a chart is (re)drawn whole; rows appended live come on top. */
export const MAX_DRAWN_ROWS = 2000;

/**
 * Every k-th row (and the last) of a long history, so a 20,000-step run draws as fast as a short
 * one. NOTE: a spike between kept rows is not drawn; the tables and files keep every row.
 */
export function decimate(rows: Row[], max = MAX_DRAWN_ROWS): Row[] {
  if (rows.length <= max) return rows;
  const k = Math.ceil(rows.length / max);
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}

function toPoints(rows: Row[], metrics: [string, string][]): Point[] {
  const out: Point[] = [];
  for (const r of rows)
    for (const [key, label] of metrics) {
      const v = r[key];
      if (typeof v === 'number') out.push({ step: r.step, value: v, series: label });
    }
  return out;
}

/** One run's families of metrics: lines appended as rows arrive. */
export function RunCharts({ data, families }: { data: RunData; families: MetricFamily[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = box.current!;
    host.textContent = '';
    const charts = families.map((f) => {
      const el = document.createElement('div');
      el.dataset.metric = f.id;
      host.append(el);
      const chart = new LiveChart(el, {
        title: f.title,
        series: f.metrics.map(([, l]) => l),
        logY: f.logY,
        points: f.points,
      });
      chart.replace(toPoints(decimate(data.rows[f.file]), f.metrics));
      return { f, chart };
    });
    const stop = data.listen((file, rows, reset) => {
      for (const { f, chart } of charts) {
        if (f.file !== file) continue;
        if (reset) chart.replace(toPoints(decimate(data.rows[file]), f.metrics));
        else chart.add(toPoints(rows, f.metrics));
      }
    });
    return () => {
      stop();
      for (const { chart } of charts) chart.close();
    };
  }, [data, families.map((f) => f.id).join(',')]);
  return <div class="charts" ref={box} />;
}

/** A series: one run, or a group of runs drawn as its mean and band. */
export interface Series {
  label: string;
  runs: RunData[];
}

/** Mean and range over runs at each step every run has. */
export function bandOf(
  runs: RunData[],
  file: RowFile,
  key: string,
  label: string,
): { mean: Point[]; band: BandPoint[] } {
  const byStep = new Map<number, number[]>();
  for (const run of runs)
    for (const r of run.rows[file]) {
      const v = r[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const list = byStep.get(r.step) ?? [];
      list.push(v);
      byStep.set(r.step, list);
    }
  const mean: Point[] = [];
  const band: BandPoint[] = [];
  for (const [step, values] of [...byStep].sort((a, b) => a[0] - b[0])) {
    if (values.length < runs.length) continue;
    mean.push({ step, value: values.reduce((a, b) => a + b, 0) / values.length, series: label });
    band.push({ step, lo: Math.min(...values), hi: Math.max(...values), series: label });
  }
  const k = Math.ceil(mean.length / MAX_DRAWN_ROWS);
  const keep = (_: unknown, i: number) => k <= 1 || i % k === 0 || i === mean.length - 1;
  return { mean: mean.filter(keep), band: band.filter(keep) };
}

/** One chart per metric, one line per series (a group's with its band), redrawn as rows arrive. */
export function CompareCharts({
  series,
  metrics,
}: {
  series: Series[];
  metrics: { file: RowFile; key: string; title: string; logY?: boolean }[];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = box.current!;
    host.textContent = '';
    const grouped = series.some((s) => s.runs.length > 1);
    const charts = metrics.map((m) => {
      const el = document.createElement('div');
      el.dataset.metric = m.key;
      host.append(el);
      return {
        m,
        chart: new LiveChart(el, {
          title: m.title,
          series: series.map((s) => s.label),
          logY: m.logY,
          bands: grouped,
          points: m.file === 'eval',
        }),
      };
    });
    let pending = false;
    const redraw = () => {
      pending = false;
      for (const { m, chart } of charts) {
        const points: Point[] = [];
        const bands: BandPoint[] = [];
        for (const s of series) {
          if (s.runs.length === 1)
            points.push(...toPoints(decimate(s.runs[0].rows[m.file]), [[m.key, s.label]]));
          else {
            const b = bandOf(s.runs, m.file, m.key, s.label);
            points.push(...b.mean);
            bands.push(...b.band);
          }
        }
        chart.replace(points, bands);
      }
    };
    redraw();
    const stops = series.flatMap((s) =>
      s.runs.map((r) =>
        r.listen(() => {
          if (!pending) {
            pending = true;
            setTimeout(redraw, 100);
          }
        }),
      ),
    );
    return () => {
      for (const stop of stops) stop();
      for (const { chart } of charts) chart.close();
    };
  }, [series, metrics.map((m) => m.key).join(',')]);
  return <div class="charts" ref={box} />;
}
