/** The charts of a report of groups: each group's mean over its runs and a band (± sd, or min to max). */
import type { GroupCurve, GroupCurves } from '../group-curves.ts';
import type { Spread } from '../stats.ts';
import {
  type ChartDef,
  type Charts,
  curveCharts,
  curveFrame,
  LR_SERIES,
  RUN_COLORS,
  splitConstants,
} from './chart-spec.ts';

/** A point of a group's band as the chart reads it. */
interface BandRow {
  group: string;
  step: number;
  mean: number;
  /** The band: mean ± sd, or min..max. */
  lo: number;
  hi: number;
  sd: number | null;
  min: number;
  max: number;
  n: number;
  series?: string;
}

function bandRows(
  label: string,
  curve: GroupCurve | undefined,
  spread: Spread,
  series?: string,
  positiveOnly = false,
): BandRow[] {
  if (!curve) return [];
  return curve.points
    .filter((p) => !positiveOnly || p.mean > 0) // a log scale cannot show 0
    .map((p) => {
      const sd = p.sd ?? 0;
      const row: BandRow = {
        group: label,
        step: p.step,
        mean: p.mean,
        lo: spread === 'sd' ? p.mean - sd : p.min,
        hi: spread === 'sd' ? p.mean + sd : p.max,
        sd: p.sd,
        min: p.min,
        max: p.max,
        n: p.n,
      };
      if (series) row.series = series;
      return row;
    });
}

/**
 * Groups' charts: per metric (see `curveCharts`) and evaluation result, each group's mean line and
 * band; the learning rates as mean lines.
 */
export function buildGroupCharts(labels: string[], curves: GroupCurves[], spread: Spread): Charts {
  const find = (list: GroupCurve[], key: string) => list.find((c) => c.key === key);
  const printed = curves.some((c) => find(c.metrics, 'dCostPrinted'));
  const training: ChartDef[] = curveCharts(printed).map(({ key, title, subtitle }, i) => ({
    id: `chart-${i}`,
    metric: key,
    title,
    spec: bandSpec(
      title,
      labels,
      curves.flatMap((c, g) => bandRows(labels[g], find(c.metrics, key), spread)),
      { spread, band: true, subtitle },
    ),
  }));
  training.push({
    id: `chart-${training.length}`,
    metric: 'lr',
    title: 'learning rate',
    spec: bandSpec(
      'learning rate (log scale; group means)',
      labels,
      curves.flatMap((c, g) =>
        LR_SERIES.flatMap(({ key, label }) => bandRows(labels[g], find(c.metrics, key), spread, label, true)),
      ),
      { spread, band: false, log: true, series: 'network' },
    ),
  });
  const allEvalKeys = [...new Set(curves.flatMap((c) => c.eval.map((e) => e.key)))];
  const { evalKeys, constants } = splitConstants(allEvalKeys, (key) =>
    curves.flatMap((c) => find(c.eval, key)?.points ?? []).flatMap((p) => [p.min, p.max]),
  );
  const evaluation = evalKeys.map((key, i) => ({
    id: `chart-${training.length + i}`,
    metric: `eval.${key}`,
    title: key,
    spec: bandSpec(
      key,
      labels,
      curves.flatMap((c, g) => bandRows(labels[g], find(c.eval, key), spread)),
      { spread, band: true, points: true },
    ),
  }));
  return { training, evaluation, constants };
}

/**
 * A Vega-Lite spec of groups: per group (colour) a band (an area from `lo` to `hi`; with
 * `points`, also a rule at each point, so a single evaluation shows its spread) and its mean line;
 * clicking the legend highlights groups, hovering shows the mean, the spread and n.
 */
function bandSpec(
  title: string,
  labels: string[],
  values: BandRow[],
  options: {
    spread: Spread;
    band: boolean;
    log?: boolean;
    series?: string;
    points?: boolean;
    subtitle?: readonly string[];
  },
): Record<string, unknown> {
  const tooltip: Record<string, unknown>[] = [
    { field: 'group', type: 'nominal', title: 'group' },
    { field: 'step', type: 'quantitative', title: 'step', format: '.6~g' },
    { field: 'mean', type: 'quantitative', title: `${title}: mean`, format: '.4~g' },
    options.spread === 'sd'
      ? { field: 'sd', type: 'quantitative', title: 'sd', format: '.3~g' }
      : { field: 'min', type: 'quantitative', title: 'min', format: '.4~g' },
    ...(options.spread === 'sd'
      ? []
      : [{ field: 'max', type: 'quantitative', title: 'max', format: '.4~g' }]),
    { field: 'n', type: 'quantitative', title: 'runs' },
  ];
  if (options.series) tooltip.push({ field: 'series', type: 'nominal', title: options.series });
  const bySeries: Record<string, unknown> = options.series
    ? {
        strokeDash: {
          field: 'series',
          type: 'nominal',
          title: options.series,
          legend: { orient: 'bottom', direction: 'vertical' },
        },
        detail: { field: 'series', type: 'nominal' },
      }
    : {};
  const y = {
    type: 'quantitative',
    title: null,
    scale: options.log ? { type: 'log' } : { zero: false },
    axis: options.log ? { format: '.0e', tickCount: 6 } : {},
  };
  const layers: Record<string, unknown>[] = [];
  if (options.band) {
    layers.push({
      mark: { type: 'area', clip: true },
      encoding: {
        y: { ...y, field: 'lo' },
        y2: { field: 'hi' },
        opacity: { condition: { param: 'pick', value: 0.22 }, value: 0.04 },
        ...(options.series ? { detail: { field: 'series', type: 'nominal' } } : {}),
      },
    });
    if (options.points) {
      layers.push({
        mark: { type: 'rule', strokeWidth: 2, clip: true },
        encoding: {
          y: { ...y, field: 'lo' },
          y2: { field: 'hi' },
          opacity: { condition: { param: 'pick', value: 0.6 }, value: 0.1 },
        },
      });
    }
  }
  layers.push(
    {
      params: [{ name: 'pick', select: { type: 'point', fields: ['group'] }, bind: 'legend' }],
      mark: {
        type: 'line',
        strokeWidth: 1.5,
        clip: true,
        point: options.points === true ? { filled: true, size: 60 } : false,
      },
      encoding: {
        y: { ...y, field: 'mean' },
        opacity: { condition: { param: 'pick', value: 1 }, value: 0.15 },
        ...bySeries,
      },
    },
    {
      params: [
        {
          name: 'hover',
          select: { type: 'point', on: 'pointerover', nearest: true, clear: 'pointerout' },
        },
      ],
      mark: { type: 'point', filled: true, size: 40, clip: true },
      encoding: {
        y: { ...y, field: 'mean' },
        opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 },
        tooltip,
      },
    },
  );
  return {
    ...curveFrame(title, options.subtitle, values),
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      color: {
        field: 'group',
        type: 'nominal',
        title: 'group',
        scale: { domain: labels, range: RUN_COLORS },
        // The band layer comes first: without this its pale swatch would stand for the group.
        legend: {
          orient: 'bottom',
          direction: 'vertical',
          labelLimit: 480,
          symbolType: 'stroke',
          symbolOpacity: 1,
          symbolStrokeWidth: 2,
        },
      },
    },
    layer: layers,
  };
}
