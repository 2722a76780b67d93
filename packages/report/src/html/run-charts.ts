/** The charts of a report of runs: one line per run for each metrics.jsonl curve, the learning rates, and the evaluations. */
import type { Curve, Point, RunCurves } from '../curves.ts';
import { dLossKind, dLossName, mixedKinds, PRINTED_MARK, printedLegend } from '../dloss.ts';
import type { RunRecord } from '../runs.ts';
import {
  type ChartDef,
  type Charts,
  CURVE_CHARTS,
  LR_SERIES,
  lineSpec,
  type Row,
  splitConstants,
} from './chart-spec.ts';

function curveRows(label: string, curve: Curve | undefined, series?: string, positiveOnly = false): Row[] {
  if (!curve) return [];
  const keep = (p: Point) => !positiveOnly || p[1] > 0; // a log scale cannot show 0
  return curve.points
    .filter(keep)
    .map(([step, value]) => (series ? { run: label, step, value, series } : { run: label, step, value }));
}

/** How the runs' `dLoss` is shown as a line of the D loss chart, when they mix both kinds. */
const KIND_SERIES = {
  objective: 'loss D descends',
  'article-printed': `D cost${PRINTED_MARK} (the article's print)`,
  unknown: 'unknown (config.yaml unreadable)',
  mixed: 'both kinds (a group that mixes them)',
} as const;

/**
 * The D loss chart's title, subtitle and line styles for `runs`: `D loss` when every run logs the
 * loss D descends; `D cost†` with a subtitle saying what it is when the runs log the article's
 * printed cost; both, and one line style per kind, when they mix the two (they are not comparable).
 */
export function dLossChart(runs: readonly RunRecord[]): {
  title: string;
  subtitle: string[];
  series: ((runs: readonly RunRecord[]) => string) | null;
} {
  const legend = printedLegend(runs);
  if (legend === null) return { title: 'D loss', subtitle: [], series: null };
  // Chart titles do not wrap: two lines, the formula on the first.
  const colon = legend.indexOf(': ');
  const lines = [legend.slice(0, colon + 1), legend.slice(colon + 2)];
  if (!mixedKinds(runs)) return { title: dLossName(runs), subtitle: lines, series: null };
  return {
    title: `${dLossName(runs)} (not comparable)`,
    subtitle: [...lines, 'The line style says which runs log which (legend "D value").'],
    series: (some) => {
      const kinds = new Set(some.map((r) => dLossKind(r) ?? 'unknown'));
      return kinds.size === 1 ? KIND_SERIES[[...kinds][0]] : KIND_SERIES.mixed;
    },
  };
}

export function buildCharts(labels: string[], curves: RunCurves[], runs: readonly RunRecord[]): Charts {
  const find = (list: Curve[], key: string) => list.find((c) => c.key === key);
  const dLoss = dLossChart(runs);
  const training: ChartDef[] = CURVE_CHARTS.map(({ key, title }, i) => {
    if (key !== 'dLoss') {
      return {
        id: `chart-${i}`,
        metric: key,
        title,
        spec: lineSpec(
          title,
          labels,
          curves.flatMap((c, r) => curveRows(labels[r], find(c.metrics, key))),
          {},
        ),
      };
    }
    return {
      id: `chart-${i}`,
      metric: key,
      title: dLoss.title,
      spec: lineSpec(
        dLoss.title,
        labels,
        curves.flatMap((c, r) => curveRows(labels[r], find(c.metrics, key), dLoss.series?.([runs[r]]))),
        dLoss.series ? { subtitle: dLoss.subtitle, series: 'D value' } : { subtitle: dLoss.subtitle },
      ),
    };
  });
  training.push({
    id: `chart-${training.length}`,
    metric: 'lr',
    title: 'learning rate',
    spec: lineSpec(
      'learning rate (log scale)',
      labels,
      curves.flatMap((c, r) =>
        LR_SERIES.flatMap(({ key, label }) => curveRows(labels[r], find(c.metrics, key), label, true)),
      ),
      { log: true, series: 'network' },
    ),
  });
  const allEvalKeys = [...new Set(curves.flatMap((c) => c.eval.map((e) => e.key)))];
  const { evalKeys, constants } = splitConstants(allEvalKeys, (key) =>
    curves.flatMap((c) => find(c.eval, key)?.points.map((p) => p[1]) ?? []),
  );
  const evaluation = evalKeys.map((key, i) => ({
    id: `chart-${training.length + i}`,
    metric: `eval.${key}`,
    title: key,
    spec: lineSpec(
      key,
      labels,
      curves.flatMap((c, r) => curveRows(labels[r], find(c.eval, key))),
      { points: true },
    ),
  }));
  return { training, evaluation, constants };
}
