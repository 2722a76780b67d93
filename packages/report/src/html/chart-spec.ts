/** What every chart of the report shares: colours, labels, the Vega-Lite line spec, the grid they sit in. */
import { METRIC_LABELS } from '@gan/runs';
import { FINAL_METRICS, type RunRecord } from '../runs.ts';
import { differingKeys, formatValue } from '../values.ts';
import { escapeHtml } from './escape.ts';

/** Colours of the runs, in order, in every chart and next to every sample (Tableau 10). */
export const RUN_COLORS = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

/** A metrics.jsonl curve's chart: the metric, its title and the lines under the title. */
export interface CurveChart {
  key: string;
  title: string;
  subtitle: string[];
}

/**
 * The metrics.jsonl curves drawn, one chart each, titled with the names every view uses
 * (`METRIC_LABELS`); the learning rates share a log-scale chart after them. D cost (printed) is
 * drawn only when `printedCost` (some run has its curve), with a subtitle saying what it is.
 *
 * ```ts
 * curveCharts(false).map((c) => c.title); // ['D loss', 'G loss', 'D(x)', 'D(G(z))']
 * curveCharts(true)[1].title;             // 'D cost (printed)'
 * ```
 */
export function curveCharts(printedCost: boolean): CurveChart[] {
  return FINAL_METRICS.filter((key) => key !== 'dCostPrinted' || printedCost).map((key) => ({
    key,
    title: METRIC_LABELS[key].name,
    subtitle: key === 'dCostPrinted' ? wrapText(METRIC_LABELS[key].description) : [],
  }));
}

/**
 * `text` cut at spaces into lines of at most `width` characters (a longer word has a line of its
 * own): Vega-Lite does not wrap chart titles, and a long one is cut off at the chart's edge.
 *
 * ```ts
 * wrapText('the D cost the article prints', 12); // ['the D cost', 'the article', 'prints']
 * ```
 */
export function wrapText(text: string, width = 60): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

export const LR_SERIES = [
  { key: 'lrD', label: 'D' },
  { key: 'lrG', label: 'G' },
] as const;

/** A group of runs in the HTML report. */
export interface HtmlGroup {
  label: string;
  runs: RunRecord[];
}

/** `name/run-id` for each run, made unique (`#2`, ...) should two runs share it. */
export function runLabels(runs: readonly RunRecord[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((run) => {
    const base = `${run.name}/${run.runId}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/**
 * The groups' labels, made unique: groups that share a label get the config keys that tell them
 * apart (`smoke (optim.generator.lr=0.002)`), then `#2`, ... if that is not enough.
 */
export function groupLabels(groups: readonly HtmlGroup[]): string[] {
  const bases = groups.map((g, i) => {
    const twins = groups.filter((o) => o.label === g.label);
    if (twins.length === 1) return g.label;
    const params = (o: HtmlGroup) => o.runs.find((r) => Object.keys(r.params).length > 0)?.params ?? {};
    const keys = differingKeys(twins.map(params))
      .filter((k) => k !== 'seed' && k !== 'description')
      .slice(0, 2);
    const own = params(groups[i]);
    return keys.length === 0
      ? g.label
      : `${g.label} (${keys.map((k) => `${k}=${formatValue(own[k])}`).join(', ')})`;
  });
  const seen = new Map<string, number>();
  return bases.map((base) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

export interface ChartDef {
  id: string;
  metric: string;
  title: string;
  spec: Record<string, unknown>;
}

export interface Row {
  run: string;
  step: number;
  value: number;
  series?: string;
}

/** The charts of a report, and evaluation results that are the same everywhere (not drawn). */
export interface Charts {
  training: ChartDef[];
  evaluation: ChartDef[];
  constants: { key: string; value: number }[];
}

/** What every curve chart has: its width fitted to the page, its height, title and data. */
export function curveFrame(title: string, subtitle: readonly string[] | undefined, values: unknown[]) {
  return {
    width: 'container',
    height: 240,
    autosize: { type: 'fit-x', contains: 'padding' },
    title:
      subtitle && subtitle.length > 0
        ? { text: title, anchor: 'start', subtitle: [...subtitle], subtitleColor: '#656d76' }
        : { text: title, anchor: 'start' },
    data: { values },
  };
}

/**
 * A Vega-Lite spec: one line per run (colour), optionally dashed per `series`; clicking the legend
 * highlights runs, hovering shows the nearest point's values.
 */
export function lineSpec(
  title: string,
  labels: string[],
  values: Row[],
  options: { log?: boolean; series?: string; points?: boolean; subtitle?: readonly string[] },
): Record<string, unknown> {
  const tooltip: Record<string, unknown>[] = [
    { field: 'run', type: 'nominal', title: 'run' },
    { field: 'step', type: 'quantitative', title: 'step' },
    { field: 'value', type: 'quantitative', title, format: '.4~g' },
  ];
  if (options.series) tooltip.push({ field: 'series', type: 'nominal', title: options.series });
  const lineEncoding: Record<string, unknown> = {
    opacity: { condition: { param: 'pick', value: 1 }, value: 0.15 },
  };
  if (options.series) {
    lineEncoding.strokeDash = {
      field: 'series',
      type: 'nominal',
      title: options.series,
      legend: { orient: 'bottom', direction: 'vertical' },
    };
    lineEncoding.detail = { field: 'series', type: 'nominal' };
  }
  return {
    ...curveFrame(title, options.subtitle, values),
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: null,
        scale: options.log ? { type: 'log' } : { zero: false },
        axis: options.log ? { format: '.0e', tickCount: 6 } : {},
      },
      color: {
        field: 'run',
        type: 'nominal',
        title: 'run',
        scale: { domain: labels, range: RUN_COLORS },
        legend: { orient: 'bottom', direction: 'vertical', labelLimit: 480 },
      },
    },
    layer: [
      {
        params: [{ name: 'pick', select: { type: 'point', fields: ['run'] }, bind: 'legend' }],
        mark: {
          type: 'line',
          strokeWidth: 1.5,
          clip: true,
          point: options.points === true ? { filled: true, size: 60 } : false,
        },
        encoding: lineEncoding,
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
          opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 },
          tooltip,
        },
      },
    ],
  };
}

export function chartGrid(charts: ChartDef[]): string {
  return `<div class="charts">${charts
    .map(
      (c) =>
        `<div class="chart" id="${escapeHtml(c.id)}" data-metric="${escapeHtml(c.metric)}" ` +
        `aria-label="${escapeHtml(c.title)}"></div>`,
    )
    .join('')}</div>`;
}

/**
 * The evaluation keys worth a chart, and the rest: settings logged with each evaluation (sample
 * count, thresholds) take one value everywhere, so they are listed once instead of drawn flat.
 */
export function splitConstants(
  keys: readonly string[],
  valuesOf: (key: string) => number[],
): { evalKeys: string[]; constants: { key: string; value: number }[] } {
  const constants: { key: string; value: number }[] = [];
  const evalKeys = keys.filter((key) => {
    const values = new Set(valuesOf(key));
    if (values.size !== 1) return true;
    constants.push({ key, value: [...values][0] });
    return false;
  });
  return { evalKeys, constants };
}
