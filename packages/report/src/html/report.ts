/**
 * The HTML report: one self-contained file (Vega, Vega-Lite and vega-embed inlined, images as
 * data: URIs, a Content-Security-Policy that forbids any network access) with the runs, the
 * config differences, overlaid per-step curves and each run's last sample grid and GIF.
 *
 * Every string from a run (names, descriptions, config values, errors) is HTML-escaped, and the
 * JSON the charts read is escaped so that no value can close its `<script>` element.
 */
import { createHash } from 'node:crypto';
import { chartScripts } from '../assets.ts';
import { readRunCurves } from '../curves.ts';
import { readGroupCurves } from '../group-curves.ts';
import { mapConcurrent, type RunRecord } from '../runs.ts';
import type { Spread } from '../stats.ts';
import { formatValue } from '../values.ts';
import { chartGrid, type Charts, groupLabels, type HtmlGroup, runLabels } from './chart-spec.ts';
import { escapeHtml, jsonForScript, safeInlineScript } from './escape.ts';
import { buildGroupCharts } from './group-charts.ts';
import { groupSamplesHtml, runImages, samplesHtml } from './images.ts';
import { BOOTSTRAP, STYLE } from './page.ts';
import { buildParamCharts, type ParamView } from './param-charts.ts';
import { buildCharts } from './run-charts.ts';
import { groupKey, type HtmlSection, runKey, sectionHtml } from './tables.ts';

/** Points of one chart over all runs; each run gets its share, at most 2000 per curve. */
const POINTS_PER_CHART = 200_000;

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
  const curves = await mapConcurrent(runs, 4, (run) => readRunCurves(run, { maxPoints }));
  curves.forEach((c) => notes.push(...c.notes));
  const images = await mapConcurrent(runs, 4, (run) => runImages(run, notes));
  return {
    charts: buildCharts(labels, curves),
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
    charts: buildGroupCharts(labels, curves, spread),
    key: groupKey(groups, labels),
    curvesNote:
      `Each line is a group's mean over its runs at each step (runs aligned by step); ${band}. ` +
      (binned > 1 ? `Long runs are averaged over bins of ${binned} steps. ` : '') +
      'Click a group in a legend to highlight it; hover a line for the values and the number of runs.',
    samples: `<div class="samples">${blocks.join('\n')}</div>`,
  };
}
