/** The charts of a report of runs: one line per run for each metrics.jsonl curve, the learning rates, and the evaluations. */
import type { Curve, Point, RunCurves } from '../curves.ts';
import {
  type ChartDef,
  type Charts,
  curveCharts,
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

/** The charts of runs: for each metric (see `curveCharts`) and evaluation result, one line per run. */
export function buildCharts(labels: string[], curves: RunCurves[]): Charts {
  const find = (list: Curve[], key: string) => list.find((c) => c.key === key);
  const printed = curves.some((c) => find(c.metrics, 'dCostPrinted'));
  const training: ChartDef[] = curveCharts(printed).map(({ key, title, subtitle }, i) => ({
    id: `chart-${i}`,
    metric: key,
    title,
    spec: lineSpec(
      title,
      labels,
      curves.flatMap((c, r) => curveRows(labels[r], find(c.metrics, key))),
      { subtitle },
    ),
  }));
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
