/**
 * Charts that follow runs' rows live. On a run's page, one chart per family of metrics (losses,
 * the article's printed D cost, D outputs, learning rates, gradient norms) and one per evaluation
 * score, one line per metric; on the compare page, one chart per metric, one line per run, or per
 * group: its mean with a band from the lowest to the highest run. A metric is drawn only for the
 * runs that log it (see {@link drawsMetric}): an old run's printed cost is never a D loss line. A
 * score evaluated once (one point a run, for every run shown) is shown as a number, not as a chart
 * of one dot; its chart appears with its second point.
 */
import { METRIC_LABELS } from '@gan/runs/columns';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type BandPoint, COLORS, charted, LiveChart, type Point } from './charts.ts';
import { drawsMetric, type Row, type RowFile, type RunData } from './data.ts';
import { fmt, formatStep } from './format.ts';

export interface MetricFamily {
  id: string;
  title: string;
  subtitle?: string;
  file: RowFile;
  metrics: [key: string, label: string][];
  logY?: boolean;
  points?: boolean;
}

const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;

export const METRIC_FAMILIES: MetricFamily[] = [
  {
    id: 'losses',
    title: 'Losses',
    file: 'metrics',
    metrics: [
      ['dLoss', dLoss.name],
      ['gLoss', gLoss.name],
    ],
  },
  {
    // Its own chart: it starts near 0 and goes negative, on a scale of its own.
    id: 'printed-cost',
    title: dCostPrinted.name,
    subtitle: dCostPrinted.description,
    file: 'metrics',
    metrics: [['dCostPrinted', dCostPrinted.name]],
  },
  {
    id: 'd-outputs',
    title: 'D outputs',
    file: 'metrics',
    metrics: [
      ['dReal', dReal.name],
      ['dFake', dFake.name],
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

/**
 * The families drawn for a run whose metrics rows have the keys `logged`: each with the metrics
 * the run logs (see {@link drawsMetric}), a family with none of them left out. A family left with
 * one line names it in its title (a chart of one line has no legend): `Losses: G loss`.
 */
export function drawnFamilies(families: MetricFamily[], logged: ReadonlySet<string>): MetricFamily[] {
  return families.flatMap((f) => {
    if (f.file !== 'metrics') return [f];
    const metrics = f.metrics.filter(([key]) => drawsMetric(logged, key));
    if (metrics.length === 0) return [];
    const title = metrics.length === 1 && f.metrics.length > 1 ? `${f.title}: ${metrics[0][1]}` : f.title;
    return [{ ...f, title, metrics }];
  });
}

/** One value of a score shown as a number: whose (a run's, a group's), where (`step 9,000`). */
export interface ScoreValue {
  /** The series' name; empty when the card's title says it (a run's own score). */
  label: string;
  value: number;
  where: string;
  /** The series' colour in the page's charts. */
  color?: string;
  /** A group's lowest and highest run, its value being their mean. */
  range?: [number, number];
}

/** A score shown as a number instead of a chart: `data-metric` is the chart's it stands for. */
export interface ScoreCard {
  id: string;
  title: string;
  values: ScoreValue[];
}

export function ScoreCards({ cards }: { cards: ScoreCard[] }) {
  if (cards.length === 0) return null;
  return (
    <div class="scores">
      {cards.map((c) => (
        <div class="score" key={c.id} data-metric={c.id} data-points={c.values.length}>
          <div class="score-title">{c.title}</div>
          {c.values.length === 0 && <div class="muted">no score yet</div>}
          {c.values.map((v) => (
            <div class="score-line" key={v.label}>
              {v.color && <span class="swatch" style={{ background: v.color }} />}
              {v.label && <span class="score-label">{v.label}</span>}
              <span class="score-value">{fmt(v.value)}</span>
              {v.range && (
                <span class="muted">
                  {' '}
                  ({fmt(v.range[0])} to {fmt(v.range[1])})
                </span>
              )}
              <span class="muted"> at {v.where}</span>
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/** Sets `cards` unless they are those shown already (a state update re-renders the page). */
function cardSetter(set: (cards: ScoreCard[]) => void): (cards: ScoreCard[]) => void {
  let shown = '';
  return (cards) => {
    const text = JSON.stringify(cards);
    if (text === shown) return;
    shown = text;
    set(cards);
  };
}

/**
 * One run's families of metrics: lines appended as rows arrive; drawn again when the metrics the
 * run logs change what is drawn (its first rows are an old run's), or a score evaluated once is
 * evaluated again (its number becomes a chart).
 */
export function RunCharts({ data, families }: { data: RunData; families: MetricFamily[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [cards, setCards] = useState<ScoreCard[]>([]);
  useEffect(() => {
    const host = box.current!;
    let charts: { f: MetricFamily; chart: LiveChart }[] = [];
    let drawn = '';
    const showCards = cardSetter(setCards);
    /** Draws the families the run's rows call for, unless they are drawn already; says if it did. */
    const draw = (): boolean => {
      const logged = drawnFamilies(families, data.metricKeys);
      const single = logged.filter((f) => f.file === 'eval' && !charted(toPoints(data.rows.eval, f.metrics)));
      showCards(
        single.map((f) => ({
          id: f.id,
          title: f.title,
          values: toPoints(data.rows.eval, f.metrics).map((p) => ({
            label: f.metrics.length > 1 ? p.series : '',
            value: p.value,
            where: `step ${formatStep(p.step)}`,
          })),
        })),
      );
      const shown = logged.filter((f) => !single.includes(f));
      const signature = JSON.stringify(shown.map((f) => [f.id, f.metrics]));
      if (signature === drawn) return false;
      drawn = signature;
      for (const { chart } of charts) chart.close();
      host.textContent = '';
      charts = shown.map((f) => {
        const el = document.createElement('div');
        el.dataset.metric = f.id;
        host.append(el);
        const chart = new LiveChart(el, {
          title: f.title,
          subtitle: f.subtitle,
          series: f.metrics.map(([, l]) => l),
          logY: f.logY,
          points: f.points,
        });
        chart.replace(toPoints(decimate(data.rows[f.file]), f.metrics));
        return { f, chart };
      });
      return true;
    };
    draw();
    const stop = data.listen((file, rows, reset) => {
      if (draw()) return;
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
  return (
    <>
      <ScoreCards cards={cards} />
      <div class="charts" ref={box} />
    </>
  );
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

/** A chart of the compare page: one metric of all the series. */
export interface CompareMetric {
  file: RowFile;
  key: string;
  title: string;
  subtitle?: string;
  logY?: boolean;
}

/** A series' points of one metric: a run's rows, or a group's mean and band. */
function seriesPoints(s: Series, m: CompareMetric): { points: Point[]; bands: BandPoint[] } {
  if (s.runs.length === 1)
    return { points: toPoints(decimate(s.runs[0].rows[m.file]), [[m.key, s.label]]), bands: [] };
  const b = bandOf(s.runs, m.file, m.key, s.label);
  return { points: b.mean, bands: b.band };
}

/**
 * One chart per metric, one line per series (a group's with its band), redrawn as rows arrive. A
 * metrics.jsonl chart has the series whose runs log the metric (see {@link drawsMetric}; a group's
 * mean needs it of every run), each in the colour it has in the other charts, and is left out when
 * there is none. A score is left out until a series has it, and is a number a series while none
 * has two points.
 */
export function CompareCharts({ series, metrics }: { series: Series[]; metrics: CompareMetric[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [cards, setCards] = useState<ScoreCard[]>([]);
  useEffect(() => {
    const host = box.current!;
    const grouped = series.some((s) => s.runs.length > 1);
    const colored = series.map((s, i) => ({ s, color: COLORS[i % COLORS.length] }));
    let charts: LiveChart[] = [];
    let drawn = '';
    const showCards = cardSetter(setCards);
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** Makes the charts and numbers the runs' rows call for (charts unless made already), and fills them. */
    const redraw = () => {
      timer = null;
      const shown = metrics.flatMap((m) => {
        const members = colored
          .filter(({ s }) => m.file === 'eval' || s.runs.every((r) => drawsMetric(r.metricKeys, m.key)))
          .map((c) => ({ ...c, ...seriesPoints(c.s, m) }));
        if (members.length === 0) return [];
        const points = members.flatMap((c) => c.points);
        // A score no run shown has yet: nothing (it appears with its first point).
        if (m.file === 'eval' && points.length === 0) return [];
        return [{ m, members, chart: m.file !== 'eval' || charted(points) }];
      });
      showCards(
        shown
          .filter(({ chart }) => !chart)
          .map(({ m, members }) => ({
            id: m.key,
            title: m.title,
            values: members.flatMap(({ s, color, points, bands }) =>
              points.map((p, i) => ({
                label: s.label,
                value: p.value,
                where: `step ${formatStep(p.step)}`,
                color,
                ...(bands[i] ? { range: [bands[i].lo, bands[i].hi] as [number, number] } : {}),
              })),
            ),
          })),
      );
      const drawnCharts = shown.filter(({ chart }) => chart);
      const signature = JSON.stringify(
        drawnCharts.map(({ m, members }) => [m.key, members.map(({ s }) => s.label)]),
      );
      if (signature !== drawn) {
        drawn = signature;
        for (const chart of charts) chart.close();
        host.textContent = '';
        charts = drawnCharts.map(({ m, members }) => {
          const el = document.createElement('div');
          el.dataset.metric = m.key;
          host.append(el);
          return new LiveChart(el, {
            title: m.title,
            subtitle: m.subtitle,
            series: members.map(({ s }) => s.label),
            colors: members.map(({ color }) => color),
            // Which run a line is, also where the others do not log the metric.
            legend: series.length > 1,
            logY: m.logY,
            bands: grouped,
            points: m.file === 'eval',
          });
        });
      }
      drawnCharts.forEach(({ members }, i) => {
        charts[i].replace(
          members.flatMap((c) => c.points),
          members.flatMap((c) => c.bands),
        );
      });
    };
    redraw();
    const stops = series.flatMap((s) =>
      s.runs.map((r) =>
        r.listen(() => {
          timer ??= setTimeout(redraw, 100);
        }),
      ),
    );
    return () => {
      for (const stop of stops) stop();
      if (timer !== null) clearTimeout(timer);
      for (const chart of charts) chart.close();
    };
  }, [series, metrics.map((m) => m.key).join(',')]);
  return (
    <>
      <ScoreCards cards={cards} />
      <div class="charts" ref={box} />
    </>
  );
}
