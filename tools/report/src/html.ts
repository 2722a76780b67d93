/**
 * The HTML report: one self-contained file (Vega, Vega-Lite and vega-embed inlined, images as
 * data: URIs, a Content-Security-Policy that forbids any network access) with the runs, the
 * config differences, overlaid per-step curves and each run's last sample grid and GIF.
 *
 * Every string from a run (names, descriptions, config values, errors) is HTML-escaped, and the
 * JSON the charts read is escaped so that no value can close its `<script>` element.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { gifPath, listSamples } from '@gan/runs';
import { chartScripts } from './assets.ts';
import { type Curve, type Point, type RunCurves, readRunCurves } from './curves.ts';
import { dLossKind, dLossName, mixedKinds, PRINTED_MARK, printedLegend } from './dloss.ts';
import { type GroupCurve, type GroupCurves, readGroupCurves } from './group-curves.ts';
import { evalLabel, evalValue } from './list.ts';
import { finalValue, mapConcurrent, type RunRecord } from './runs.ts';
import type { Spread } from './stats.ts';
import { type Cell, cellText, type Table } from './table.ts';
import { differingKeys, formatValue } from './values.ts';

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

/** The metrics.jsonl curves drawn, one chart each; learning rates share a log-scale chart. */
export const CURVE_CHARTS = [
  { key: 'dLoss', title: 'D loss' },
  { key: 'gLoss', title: 'G loss' },
  { key: 'dReal', title: 'D(x)' },
  { key: 'dFake', title: 'D(G(z))' },
] as const;
const LR_SERIES = [
  { key: 'lrD', label: 'D' },
  { key: 'lrG', label: 'G' },
] as const;

/** Images larger than this are not inlined (a note says so). */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Points of one chart over all runs; each run gets its share, at most 2000 per curve. */
const POINTS_PER_CHART = 200_000;

export interface HtmlSection {
  title: string;
  table: Table;
  /** Shown instead of the table when it has no rows. */
  empty?: string;
  /** A line under the title. */
  note?: string;
  /** Lines under the table (what a mark in it means). */
  footnotes?: readonly string[];
}

export interface HtmlReportInput {
  title: string;
  /** A line under the title, e.g. where the runs come from. */
  subtitle?: string;
  runs: RunRecord[];
  /** Tables shown first, in order (the runs, the config differences, ...). */
  sections: HtmlSection[];
  /**
   * Runs grouped (their runs are `runs`): each group's curves are drawn as its mean over its runs,
   * aligned by step, with a band (see `spread`); the key and the samples go by group.
   */
  groups?: readonly HtmlGroup[];
  /** The band around a group's mean: ± one sample standard deviation (default) or min..max. */
  spread?: Spread;
  /**
   * A sweep's view of final scores against each swept parameter (small multiples: a chart per
   * parameter, a row per score, a point per run coloured by its group, the mean at each value).
   */
  paramView?: ParamView;
  /** Points kept per curve per run (default: 2000, less when there are many runs). */
  maxPoints?: number;
  /** The time written in the report (default now). */
  generatedAt?: Date;
}

/** What the per-parameter view of a sweep draws. */
export interface ParamView {
  /** The swept config keys (the seed left out). */
  params: string[];
  groups: readonly HtmlGroup[];
}

/** A group of runs in the HTML report. */
export interface HtmlGroup {
  label: string;
  runs: RunRecord[];
}

export interface HtmlReport {
  html: string;
  /** Problems met while reading curves and images. */
  notes: string[];
  /** The chart containers' ids, for tests. */
  chartIds: string[];
}

/**
 * Builds the report. Curves are streamed and downsampled (first and last point and each bucket's
 * minimum and maximum are kept), so the size does not grow with the length of the runs.
 *
 * ```ts
 * const { html } = await buildHtmlReport({ title: 'decay', runs, sections: [{ title: 'Runs', table }] });
 * await writeFile('report.html', html);
 * ```
 */
export async function buildHtmlReport(input: HtmlReportInput): Promise<HtmlReport> {
  const runs = input.runs;
  const notes: string[] = [];
  const view = input.groups
    ? await groupView(input.groups, input.spread ?? 'sd', input.maxPoints, notes)
    : await runView(runs, input.maxPoints, notes);
  const charts = view.charts;

  const parts: string[] = [];
  parts.push(`<header><h1>${escapeHtml(input.title)}</h1>`);
  if (input.subtitle) parts.push(`<p class="sub">${escapeHtml(input.subtitle)}</p>`);
  parts.push(
    `<p class="sub">${runs.length} run${runs.length === 1 ? '' : 's'}; generated ${escapeHtml(
      (input.generatedAt ?? new Date()).toISOString(),
    )}</p></header>`,
  );
  parts.push(view.key);
  for (const section of input.sections) parts.push(sectionHtml(section));

  parts.push('<section id="curves"><h2>Training curves</h2>');
  parts.push(`<p class="note">${escapeHtml(view.curvesNote)}</p>`);
  parts.push(chartGrid(charts.training));
  parts.push('</section>');

  parts.push('<section id="evaluation"><h2>Evaluation</h2>');
  if (charts.constants.length > 0) {
    const list = charts.constants.map((c) => `${c.key} = ${formatValue(c.value)}`).join(', ');
    parts.push(`<p class="note">The same in every evaluation: ${escapeHtml(list)}.</p>`);
  }
  parts.push(
    charts.evaluation.length > 0
      ? chartGrid(charts.evaluation)
      : charts.constants.length > 0
        ? ''
        : '<p class="empty">No evaluation results yet (no rows in eval.jsonl).</p>',
  );
  parts.push('</section>');

  const paramCharts = input.paramView ? buildParamCharts(input.paramView) : [];
  if (input.paramView && input.paramView.params.length > 0) {
    parts.push('<section id="swept"><h2>Final scores against the swept parameters</h2>');
    parts.push(
      `<p class="note">${escapeHtml(
        'One chart per swept parameter, one row per score: each point is a run (coloured by its group), the line or tick the mean over the runs at that value.',
      )}</p>`,
    );
    parts.push(paramCharts.length > 0 ? chartGrid(paramCharts) : '<p class="empty">No final scores yet.</p>');
    parts.push('</section>');
  }

  parts.push('<section id="samples"><h2>Samples</h2>');
  parts.push(view.samples);
  parts.push('</section>');

  const data = {
    charts: [...charts.training, ...charts.evaluation, ...paramCharts].map(({ id, spec }) => ({ id, spec })),
  };
  const scripts = chartScripts();
  const inline = [...scripts.map((s) => safeInlineScript(s.code)), BOOTSTRAP];
  const hashes = inline.map(
    (code) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`,
  );
  const csp = [
    "default-src 'none'",
    // Vega compiles its expressions with Function(): 'unsafe-eval'; the hashes admit only our scripts.
    `script-src ${hashes.join(' ')} 'unsafe-eval'`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(scripts.map((s) => `${s.name} ${s.version}`).join(', '))}">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
${inline.map((code) => `<script>${code}</script>`).join('\n')}
</body>
</html>
`;
  return { html, notes, chartIds: data.charts.map((c) => c.id) };
}

/** What differs between a report of runs and one of groups: the charts, the key, the samples. */
interface ReportView {
  charts: Charts;
  key: string;
  curvesNote: string;
  samples: string;
}

/** One line per run, one colour per run, each run's samples and GIF. */
async function runView(
  runs: RunRecord[],
  maxPointsOption: number | undefined,
  notes: string[],
): Promise<ReportView> {
  const labels = runLabels(runs);
  const maxPoints =
    maxPointsOption ?? Math.max(100, Math.min(2000, Math.floor(POINTS_PER_CHART / Math.max(1, runs.length))));
  const curves = await mapConcurrent(runs, 4, (run) => readRunCurves(run.runDir, { maxPoints }));
  curves.forEach((c) => notes.push(...c.notes));
  const images = await mapConcurrent(runs, 4, (run) => runImages(run, notes));
  return {
    charts: buildCharts(labels, curves, runs),
    key: runKey(runs, labels),
    curvesNote:
      'Click a run in a legend to highlight it (shift-click for several); hover a line for values. ' +
      `Long curves keep at most ${maxPoints} points per run (each stretch's minimum and maximum).`,
    samples: `<div class="samples">${labels.map((label, i) => samplesHtml(label, i, images[i])).join('\n')}</div>`,
  };
}

/** One mean line and band per group, one colour per group, the last sample grid of each run. */
async function groupView(
  groups: readonly HtmlGroup[],
  spread: Spread,
  maxPointsOption: number | undefined,
  notes: string[],
): Promise<ReportView> {
  const labels = groupLabels(groups);
  const maxPoints =
    maxPointsOption ??
    Math.max(100, Math.min(2000, Math.floor(POINTS_PER_CHART / Math.max(1, groups.length))));
  const curves = await mapConcurrent(groups, 2, (g) => readGroupCurves(g.runs, { maxPoints }));
  curves.forEach((c) => notes.push(...c.notes));
  const images = await mapConcurrent(
    groups.flatMap((g) => g.runs),
    4,
    (run) => runImages(run, notes, { gif: false }),
  );
  const binned = Math.max(...curves.map((c) => c.binSteps), 1);
  const band =
    spread === 'sd'
      ? 'the band is ± one sample standard deviation'
      : "the band runs from the runs' minimum to their maximum";
  let offset = 0;
  const blocks = groups.map((g, i) => {
    const own = images.slice(offset, offset + g.runs.length);
    offset += g.runs.length;
    return groupSamplesHtml(labels[i], i, g.runs, own);
  });
  return {
    charts: buildGroupCharts(labels, curves, groups, spread),
    key: groupKey(groups, labels),
    curvesNote:
      `Each line is a group's mean over its runs at each step (runs aligned by step); ${band}. ` +
      (binned > 1 ? `Long runs are averaged over bins of ${binned} steps. ` : '') +
      'Click a group in a legend to highlight it; hover a line for the values and the number of runs.',
    samples: `<div class="samples">${blocks.join('\n')}</div>`,
  };
}

// ---------------------------------------------------------------------------------------------
// Escaping

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`
 * and friends (so `</script>` and `<!--` cannot appear), as do U+2028 and U+2029. `JSON.parse`
 * reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Library code inside `<script>`: `</script` and `<!--` can only occur in its strings, regular
 * expressions and comments, where `<\/script` and `<\!--` mean the same to JavaScript but not to
 * the HTML parser.
 */
export function safeInlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

// ---------------------------------------------------------------------------------------------
// Tables and images

function cellHtml(cell: Cell | string | undefined, tag: 'td' | 'th', align?: 'left' | 'right'): string {
  const tone = cell !== undefined && typeof cell !== 'string' ? cell.tone : undefined;
  const classes = [align === 'right' ? 'num' : '', tone ? `tone-${tone}` : ''].filter(Boolean).join(' ');
  return `<${tag}${classes ? ` class="${classes}"` : ''}>${escapeHtml(cellText(cell))}</${tag}>`;
}

/** A table as HTML; cells are escaped and never cut. */
export function tableHtml(table: Table): string {
  const head = table.columns.map((c) => cellHtml(c.header, 'th', c.align)).join('');
  const body = table.rows
    .map((row) => `<tr>${table.columns.map((c, i) => cellHtml(row[i], 'td', c.align)).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function sectionHtml(section: HtmlSection): string {
  const note = section.note ? `<p class="note">${escapeHtml(section.note)}</p>` : '';
  const body =
    section.table.rows.length === 0 && section.empty
      ? `<p class="empty">${escapeHtml(section.empty)}</p>`
      : tableHtml(section.table);
  const footnotes = (section.footnotes ?? []).map((f) => `<p class="note">${escapeHtml(f)}</p>`).join('');
  return `<section><h2>${escapeHtml(section.title)}</h2>${note}${body}${footnotes}</section>`;
}

/** The colour key: each run's swatch, label and description. */
function runKey(runs: readonly RunRecord[], labels: readonly string[]): string {
  const items = runs.map((run, i) => {
    const description = typeof run.params.description === 'string' ? run.params.description : '';
    return (
      `<li><span class="swatch" style="background:${RUN_COLORS[i % RUN_COLORS.length]}"></span>` +
      `<span class="label">${escapeHtml(labels[i])}</span>` +
      (description ? ` <span class="desc">${escapeHtml(description)}</span>` : '') +
      '</li>'
    );
  });
  return `<section id="run-key"><ul class="run-key">${items.join('')}</ul></section>`;
}

/** The colour key of groups: each group's swatch, label, runs (seeds) and description. */
function groupKey(groups: readonly HtmlGroup[], labels: readonly string[]): string {
  const items = groups.map((g, i) => {
    const descriptions = [
      ...new Set(g.runs.map((r) => r.params.description).filter((d) => typeof d === 'string')),
    ];
    const seeds = g.runs.map((r) => (r.meta ? String(r.meta.seed) : '?')).join(', ');
    const runs = `${g.runs.length} run${g.runs.length === 1 ? '' : 's'}, seed${g.runs.length === 1 ? '' : 's'} ${seeds}`;
    return (
      `<li><span class="swatch" style="background:${RUN_COLORS[i % RUN_COLORS.length]}"></span>` +
      `<span class="label">${escapeHtml(labels[i])}</span> <span class="desc">(${escapeHtml(runs)})</span>` +
      (descriptions.length === 1
        ? ` <span class="desc">${escapeHtml(descriptions[0] as string)}</span>`
        : '') +
      '</li>'
    );
  });
  return `<section id="run-key"><ul class="run-key">${items.join('')}</ul></section>`;
}

interface RunImages {
  sample: { step: number; uri: string } | null;
  gif: string | null;
}

async function runImages(run: RunRecord, notes: string[], options = { gif: true }): Promise<RunImages> {
  const result: RunImages = { sample: null, gif: null };
  try {
    const last = (await listSamples(run.runDir)).at(-1);
    if (last) {
      const uri = await dataUri(last.path, 'image/png', notes);
      if (uri) result.sample = { step: last.step, uri };
    }
  } catch (error) {
    notes.push(`${run.runDir}: samples not read: ${(error as Error).message}`);
  }
  if (options.gif) result.gif = await dataUri(gifPath(run.runDir), 'image/gif', notes);
  return result;
}

async function dataUri(path: string, type: string, notes: string[]): Promise<string | null> {
  try {
    const info = await stat(path);
    if (info.size > MAX_IMAGE_BYTES) {
      notes.push(`${path}: ${(info.size / 2 ** 20).toFixed(1)} MiB, too large to inline (left out)`);
      return null;
    }
    return `data:${type};base64,${(await readFile(path)).toString('base64')}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      notes.push(`${path}: ${(error as Error).message}`);
    return null;
  }
}

function samplesHtml(label: string, index: number, images: RunImages): string {
  const color = RUN_COLORS[index % RUN_COLORS.length];
  const figures: string[] = [];
  if (images.sample) {
    figures.push(
      `<figure><img src="${images.sample.uri}" alt="${escapeHtml(`samples of ${label} at step ${images.sample.step}`)}">` +
        `<figcaption>step ${images.sample.step}</figcaption></figure>`,
    );
  }
  if (images.gif) {
    figures.push(
      `<figure><img src="${images.gif}" alt="${escapeHtml(`samples of ${label} over training`)}">` +
        '<figcaption>samples.gif</figcaption></figure>',
    );
  }
  const body = figures.length > 0 ? figures.join('') : '<p class="empty">no sample grids yet</p>';
  return (
    `<div class="run-samples"><h3><span class="swatch" style="background:${color}"></span>${escapeHtml(label)}</h3>` +
    `<div class="figures">${body}</div></div>`
  );
}

/** A group's samples: the last sample grid of each of its runs. */
function groupSamplesHtml(
  label: string,
  index: number,
  runs: readonly RunRecord[],
  images: RunImages[],
): string {
  const color = RUN_COLORS[index % RUN_COLORS.length];
  const figures = runs.flatMap((run, i) => {
    const sample = images[i].sample;
    if (!sample) return [];
    const who = run.meta ? `seed ${run.meta.seed}` : run.runId;
    return [
      `<figure><img src="${sample.uri}" alt="${escapeHtml(`samples of ${label}, ${who}, at step ${sample.step}`)}">` +
        `<figcaption>${escapeHtml(`${who}, step ${sample.step}`)}</figcaption></figure>`,
    ];
  });
  const body = figures.length > 0 ? figures.join('') : '<p class="empty">no sample grids yet</p>';
  return (
    `<div class="group-samples"><h3><span class="swatch" style="background:${color}"></span>${escapeHtml(label)}</h3>` +
    `<div class="figures">${body}</div></div>`
  );
}

// ---------------------------------------------------------------------------------------------
// Charts

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

interface ChartDef {
  id: string;
  metric: string;
  title: string;
  spec: Record<string, unknown>;
}

interface Row {
  run: string;
  step: number;
  value: number;
  series?: string;
}

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
function dLossChart(runs: readonly RunRecord[]): {
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

/** The charts of a report, and evaluation results that are the same everywhere (not drawn). */
interface Charts {
  training: ChartDef[];
  evaluation: ChartDef[];
  constants: { key: string; value: number }[];
}

function buildCharts(labels: string[], curves: RunCurves[], runs: readonly RunRecord[]): Charts {
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
  // Settings logged with each evaluation (sample count, thresholds) are the same everywhere:
  // list them once instead of drawing flat lines.
  const constants: { key: string; value: number }[] = [];
  const evalKeys = allEvalKeys.filter((key) => {
    const values = new Set(curves.flatMap((c) => find(c.eval, key)?.points.map((p) => p[1]) ?? []));
    if (values.size !== 1) return true;
    constants.push({ key, value: [...values][0] });
    return false;
  });
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

/** What every curve chart has: its width fitted to the page, its height, title and data. */
function curveFrame(title: string, subtitle: readonly string[] | undefined, values: unknown[]) {
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
function lineSpec(
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

/** Groups' charts: per metric, each group's mean line and band; the learning rates as mean lines. */
function buildGroupCharts(
  labels: string[],
  curves: GroupCurves[],
  groups: readonly HtmlGroup[],
  spread: Spread,
): Charts {
  const find = (list: GroupCurve[], key: string) => list.find((c) => c.key === key);
  const dLoss = dLossChart(groups.flatMap((g) => g.runs));
  const training: ChartDef[] = CURVE_CHARTS.map(({ key, title }, i) => {
    const isDLoss = key === 'dLoss';
    const chartTitle = isDLoss ? dLoss.title : title;
    const series = (g: number) => (isDLoss ? dLoss.series?.(groups[g].runs) : undefined);
    return {
      id: `chart-${i}`,
      metric: key,
      title: chartTitle,
      spec: bandSpec(
        chartTitle,
        labels,
        curves.flatMap((c, g) => bandRows(labels[g], find(c.metrics, key), spread, series(g))),
        {
          spread,
          band: true,
          subtitle: isDLoss ? dLoss.subtitle : [],
          series: isDLoss && dLoss.series ? 'D value' : undefined,
        },
      ),
    };
  });
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
  const constants: { key: string; value: number }[] = [];
  const evalKeys = allEvalKeys.filter((key) => {
    const points = curves.flatMap((c) => find(c.eval, key)?.points ?? []);
    const values = new Set(points.flatMap((p) => [p.min, p.max]));
    if (values.size !== 1) return true;
    constants.push({ key, value: [...values][0] });
    return false;
  });
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

/** The scores the per-parameter view shows, when some run has them: evaluation results, then D(G(z)). */
const PARAM_SCORES: { key: string; label: string; value: (r: RunRecord) => number | null }[] = [
  ...['frechetDistance', 'inceptionScore', 'modesCovered', 'klUniform', 'diversity'].map((k) => ({
    key: `eval.${k}`,
    label: evalLabel(k),
    value: (r: RunRecord) => {
      const v = evalValue(r, k);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    },
  })),
  {
    key: 'dFake',
    label: 'D(G(z))',
    value: (r: RunRecord) => {
      const v = finalValue(r, 'dFake');
      return v !== null && Number.isFinite(v) ? v : null;
    },
  },
];

/** One chart per swept parameter: final scores (rows) against its values, a point per run. */
function buildParamCharts(view: ParamView): ChartDef[] {
  const labels = groupLabels(view.groups);
  const runs = view.groups.flatMap((g, i) => g.runs.map((run) => ({ run, group: labels[i] })));
  const scores = PARAM_SCORES.filter((s) => runs.some(({ run }) => s.value(run) !== null));
  if (scores.length === 0) return [];
  return view.params.flatMap((param, i) => {
    const values = runs.map(({ run }) => run.params[param]).filter((v) => v !== undefined);
    if (values.length === 0) return [];
    const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
    const nums = numeric ? (values as number[]) : [];
    const log = numeric && Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 20;
    const rows = runs.flatMap(({ run, group }) =>
      Object.hasOwn(run.params, param)
        ? scores.flatMap((s) => {
            const v = s.value(run);
            const x = numeric ? (run.params[param] as number) : formatValue(run.params[param]);
            return v === null
              ? []
              : [{ x, score: s.label, value: v, group, run: `${run.name}/${run.runId}` }];
          })
        : [],
    );
    const x = numeric
      ? { field: 'x', type: 'quantitative', title: param, scale: log ? { type: 'log' } : { zero: false } }
      : { field: 'x', type: 'nominal', title: param, axis: { labelAngle: -30, labelLimit: 160 } };
    const spec = {
      title: { text: param, anchor: 'start' },
      data: { values: rows },
      facet: {
        row: {
          field: 'score',
          type: 'nominal',
          title: null,
          sort: scores.map((s) => s.label),
          header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' },
        },
      },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 420,
        height: 110,
        layer: [
          {
            mark: { type: 'point', filled: true, size: 50, opacity: 0.75 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
              color: {
                field: 'group',
                type: 'nominal',
                scale: { domain: labels, range: RUN_COLORS },
                legend: null,
              },
              tooltip: [
                { field: 'run', type: 'nominal', title: 'run' },
                { field: 'group', type: 'nominal', title: 'group' },
                { field: 'x', type: numeric ? 'quantitative' : 'nominal', title: param },
                { field: 'value', type: 'quantitative', title: 'score', format: '.4~g' },
              ],
            },
          },
          {
            transform: [{ aggregate: [{ op: 'mean', field: 'value', as: 'mean' }], groupby: ['x', 'score'] }],
            mark: numeric
              ? {
                  type: 'line',
                  color: '#1f2328',
                  strokeWidth: 1.5,
                  point: { filled: true, size: 20, color: '#1f2328' },
                }
              : { type: 'tick', color: '#1f2328', thickness: 2 },
            encoding: {
              x,
              y: { field: 'mean', type: 'quantitative', title: null },
              tooltip: [
                { field: 'x', type: numeric ? 'quantitative' : 'nominal', title: param },
                { field: 'mean', type: 'quantitative', title: 'mean', format: '.4~g' },
              ],
            },
          },
        ],
      },
    };
    return [{ id: `chart-param-${i}`, metric: `param:${param}`, title: param, spec }];
  });
}

function chartGrid(charts: ChartDef[]): string {
  return `<div class="charts">${charts
    .map(
      (c) =>
        `<div class="chart" id="${escapeHtml(c.id)}" data-metric="${escapeHtml(c.metric)}" ` +
        `aria-label="${escapeHtml(c.title)}"></div>`,
    )
    .join('')}</div>`;
}

// ---------------------------------------------------------------------------------------------
// The page's own script and style

/**
 * Draws every chart listed in #report-data. Each container gets `data-rendered="true"` (or
 * `"error"` with the message shown in place), and the body `data-charts-done` when all are done.
 */
const BOOTSTRAP = `(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var options = { renderer: 'canvas', actions: { export: true, source: false, compiled: false, editor: false } };
  var done = 0;
  function finished() {
    done += 1;
    if (done >= data.charts.length) document.body.setAttribute('data-charts-done', String(done));
  }
  if (data.charts.length === 0) document.body.setAttribute('data-charts-done', '0');
  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    vegaEmbed(el, chart.spec, options).then(
      function () { el.setAttribute('data-rendered', 'true'); finished(); },
      function (error) {
        el.setAttribute('data-rendered', 'error');
        el.textContent = 'This chart could not be drawn: ' + (error && error.message ? error.message : error);
        finished();
      }
    );
  });
})();`;

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 13px; margin: 0 0 6px; font-weight: 600; word-break: break-all; }
.sub, .note, .empty { color: var(--muted); margin: 2px 0 8px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--bg-alt); font-weight: 600; }
td.num, th.num { text-align: right; }
td:not(.num):not(:first-child) { white-space: normal; max-width: 36em; overflow-wrap: anywhere; }
.tone-good { color: #1a7f37; } .tone-bad { color: #cf222e; } .tone-warn { color: #9a6700; }
.tone-info { color: #0969da; } .tone-muted { color: var(--muted); }
.run-key { list-style: none; padding: 0; margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 4px 20px; }
.run-key .label { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.run-key .desc { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.chart { min-height: 280px; width: 100%; }
.samples { display: flex; flex-wrap: wrap; gap: 20px; }
.run-samples { max-width: 560px; }
.group-samples { max-width: 820px; }
.figures { display: flex; gap: 10px; }
figure { margin: 0; }
figure img { width: 256px; height: auto; image-rendering: pixelated; border: 1px solid var(--line); background: #000; }
figcaption { color: var(--muted); font-size: 12px; }
`;
