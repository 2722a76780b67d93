/**
 * The list and the diff in each output format: an aligned table, JSON, Markdown, HTML.
 */
import type { RunDiff } from './diff.ts';
import type { GroupList } from './group.ts';
import type { GroupDiff } from './group-diff.ts';
import { buildHtmlReport, type HtmlReport } from './html/report.ts';
import { evalLabel, type RunList } from './list.ts';
import { type RunRecord, showsPrintedCost } from './runs.ts';
import {
  diffConfigTable,
  diffJson,
  diffKernelsTable,
  diffMetricsTable,
  diffRunsTable,
  extraEvalColumns,
  kernelLabels,
  kernelsLegend,
  listJson,
  listTable,
  printedCostLegend,
  runLetter,
  toJsonText,
  windowLegend,
} from './render.ts';
import {
  groupDiffConfigTable,
  groupDiffGroupsTable,
  groupDiffKernelsTable,
  groupDiffJson,
  groupDiffMetricsTable,
  groupDiffNotes,
  groupListJson,
  groupNotes,
  groupTable,
} from './render-groups.ts';
import { escapeMarkdown, printable, renderMarkdown, renderText, type Table } from './table.ts';

/** The text formats; HTML is written to a file instead (see {@link listHtml}). */
export type TextFormat = 'table' | 'json' | 'md';

export interface FormatOptions {
  /** ANSI colours in `table` output. */
  color?: boolean;
}

/** The list as text in `format`. */
export function formatList(list: RunList, format: TextFormat, options: FormatOptions = {}): string {
  if (format === 'json') return toJsonText(listJson(list));
  if (list.runs.length === 0) {
    return format === 'md' ? '_No runs._\n' : `no runs under ${list.experimentsDir}\n`;
  }
  const table = listTable(list);
  return (
    (format === 'md' ? renderMarkdown(table) : renderText(table, options)) +
    notesText(listNotes(list), format)
  );
}

/** The lines under the list: what a window mean is, what D cost (printed) is, what the kernels are. */
function listNotes(list: RunList): string[] {
  const notes = [
    windowLegend(list.window, false),
    printedCostLegend(showsPrintedCost(list.runs)),
    kernelsLegend(kernelLabels(list.runs) !== null),
  ];
  return notes.filter((n) => n !== null);
}

/** The grouped list as text in `format`: one row per group, lines under it saying what the cells are. */
export function formatGroups(list: GroupList, format: TextFormat, options: FormatOptions = {}): string {
  if (format === 'json') return toJsonText(groupListJson(list));
  if (list.groups.length === 0) {
    return format === 'md' ? '_No runs._\n' : `no runs under ${list.experimentsDir}\n`;
  }
  const table = groupTable(list);
  return (
    (format === 'md' ? renderMarkdown(table) : renderText(table, options)) +
    notesText(groupNotes(list), format)
  );
}

/**
 * Lines under a table (what a column means): right under it in text; in Markdown after a blank
 * line, or they would be read as one more row of the table.
 */
function notesText(notes: readonly string[], format: TextFormat): string {
  if (notes.length === 0) return '';
  return format === 'md'
    ? `\n${notes.map((l) => `${escapeMarkdown(l)}\n`).join('\n')}`
    : notes.map((l) => `${printable(l)}\n`).join('');
}

/** The lines under the diff's metrics: what a window mean is, what D cost (printed) is. */
function metricNotes(diff: RunDiff): string[] {
  const notes = [
    windowLegend(diff.window, false),
    printedCostLegend(diff.metrics.some((m) => m.key === 'dCostPrinted')),
  ];
  return notes.filter((n) => n !== null);
}

/**
 * The diff as text in `format`: the runs (A, B, ...), the config keys that differ, the kernels
 * where they differ, the metrics.
 */
export function formatDiff(diff: RunDiff, format: TextFormat, options: FormatOptions = {}): string {
  if (format === 'json') return toJsonText(diffJson(diff));
  const render = (t: Table) => (format === 'md' ? renderMarkdown(t) : renderText(t, options));
  const heading = (text: string) => (format === 'md' ? `### ${text}\n\n` : `${text}\n`);
  const line = (text: string) => `${format === 'md' ? '_' : ''}${text}${format === 'md' ? '_' : ''}\n`;
  const config =
    diff.config.length === 0 ? line('The configs are identical.') : render(diffConfigTable(diff));
  const kernels =
    diff.kernels.length === 0 ? line(sameKernelsText(diff.runs)) : render(diffKernelsTable(diff));
  return [
    heading('Runs') + render(diffRunsTable(diff)),
    heading(configHeading(diff, diff.runs.length)) + config,
    heading(kernelsHeading(diff.kernels, diff.runs.length)) + kernels,
    heading('Metrics (final values; Δ relative to A)') +
      render(diffMetricsTable(diff)) +
      notesText(metricNotes(diff), format),
  ].join('\n');
}

function configHeading(diff: { config: unknown[] }, operands: number): string {
  const n = diff.config.length;
  return `Config (${n} key${n === 1 ? '' : 's'} ${operands === 2 ? 'A → B' : 'differ'})`;
}

/** `Kernels (2 fields A → B)`: what computed the runs, as the config's heading counts its keys. */
function kernelsHeading(kernels: readonly unknown[], operands: number): string {
  const n = kernels.length;
  return `Kernels (${n} field${n === 1 ? '' : 's'} ${operands === 2 ? 'A → B' : 'differ'})`;
}

/**
 * What the diff says when no kernel field differs: identical, unless the runs predate the record
 * (a run that has it and one that does not differ in every field but the backend).
 */
function sameKernelsText(runs: readonly RunRecord[]): string {
  return runs.some((r) => r.meta !== null && r.meta.kernels === null)
    ? 'The backends are the same; the runs did not record their variant, compiler and flags (runs from before meta.json named them).'
    : 'The kernels are identical.';
}

const GROUP_METRICS_HEADING =
  'Metrics (final values: mean and spread over each group; Δ of the means relative to A)';

/**
 * Groups compared as text in `format`: the groups (A, B, ...), the config keys that differ, the
 * kernels where they differ, the metrics.
 */
export function formatGroupDiff(diff: GroupDiff, format: TextFormat, options: FormatOptions = {}): string {
  if (format === 'json') return toJsonText(groupDiffJson(diff));
  const render = (t: Table) => (format === 'md' ? renderMarkdown(t) : renderText(t, options));
  const heading = (text: string) => (format === 'md' ? `### ${text}\n\n` : `${text}\n`);
  const line = (text: string) => `${format === 'md' ? '_' : ''}${text}${format === 'md' ? '_' : ''}\n`;
  const config =
    diff.config.length === 0 ? line('The configs are identical.') : render(groupDiffConfigTable(diff));
  const runs = diff.groups.flatMap((g) => g.runs);
  const kernels =
    diff.kernels.length === 0 ? line(sameKernelsText(runs)) : render(groupDiffKernelsTable(diff));
  return [
    heading('Groups') + render(groupDiffGroupsTable(diff)),
    heading(configHeading(diff, diff.groups.length)) + config,
    heading(kernelsHeading(diff.kernels, diff.groups.length)) + kernels,
    heading(GROUP_METRICS_HEADING) +
      render(groupDiffMetricsTable(diff)) +
      notesText(groupDiffNotes(diff), format),
  ].join('\n');
}

/** The list as a self-contained HTML report. */
export function listHtml(list: RunList, generatedAt?: Date): Promise<HtmlReport> {
  return buildHtmlReport({
    title: 'Experiment runs',
    subtitle: `Runs under ${list.experimentsDir}`,
    runs: list.runs,
    generatedAt,
    sections: [
      {
        title: 'Runs',
        table: listTable(list),
        empty: 'No runs.',
        note: listNote(list),
        footnotes: listNotes(list),
      },
    ],
  });
}

/** What the list's chosen columns are: the config keys, and the evaluation keys behind short headers. */
function listNote(list: RunList): string | undefined {
  const n = list.params.length;
  const notes: string[] = [];
  if (list.paramSelection === 'differing') {
    notes.push(
      n === 0
        ? 'The listed runs share every config key.'
        : `The columns after steps/s are the ${n} config key${n === 1 ? '' : 's'} that differ between these runs.`,
    );
  } else if (n > 0) {
    const which = list.paramSelection === 'all' ? 'every config key' : 'the config keys asked for';
    notes.push(`After steps/s: ${which}.`);
  }
  const evalKeys = extraEvalColumns(list);
  if (evalKeys.length > 0) {
    const named = evalKeys.map((k) => (evalLabel(k) === k ? k : `${evalLabel(k)} = ${k}`));
    notes.push(`From each run's latest evaluation: ${named.join(', ')}.`);
  }
  return notes.length > 0 ? notes.join(' ') : undefined;
}

/** The diff as a self-contained HTML report. */
export function diffHtml(diff: RunDiff, generatedAt?: Date): Promise<HtmlReport> {
  return buildHtmlReport({
    title: `Comparing ${diff.runs.length} runs`,
    subtitle: diff.runs.map((r, i) => `${runLetter(i)} = ${r.name}/${r.runId}`).join(', '),
    runs: diff.runs,
    generatedAt,
    sections: [
      { title: 'Runs', table: diffRunsTable(diff) },
      {
        title: configHeading(diff, diff.runs.length),
        table: diffConfigTable(diff),
        empty: 'The configs are identical.',
      },
      {
        title: kernelsHeading(diff.kernels, diff.runs.length),
        table: diffKernelsTable(diff),
        empty: sameKernelsText(diff.runs),
      },
      {
        title: 'Metrics (final values; Δ relative to A)',
        table: diffMetricsTable(diff),
        footnotes: metricNotes(diff),
      },
    ],
  });
}

/** The grouped list as a self-contained HTML report: each group's curves as a mean line and a band. */
export function groupsHtml(list: GroupList, generatedAt?: Date): Promise<HtmlReport> {
  const n = list.groups.reduce((sum, g) => sum + g.runs.length, 0);
  return buildHtmlReport({
    title: list.sweep ? `Sweep ${list.sweep.id}` : 'Experiment groups',
    subtitle:
      `Runs under ${list.experimentsDir}, ${list.groups.length} group${list.groups.length === 1 ? '' : 's'} of ${n} run${n === 1 ? '' : 's'}` +
      (list.sweep
        ? ` (the sweep's ${list.sweep.members} members; swept: ${list.sweep.swept.join(', ') || 'nothing'})`
        : ''),
    runs: list.groups.flatMap((g) => g.runs),
    groups: list.groups,
    paramView: list.sweep
      ? { params: list.sweep.swept.filter((k) => k !== 'seed'), groups: list.groups }
      : undefined,
    spread: list.spread,
    generatedAt,
    sections: [
      {
        title: 'Groups',
        table: groupTable(list),
        empty: 'No runs.',
        footnotes: groupNotes(list),
      },
    ],
  });
}

/** Groups compared as a self-contained HTML report. */
export function groupDiffHtml(diff: GroupDiff, generatedAt?: Date): Promise<HtmlReport> {
  return buildHtmlReport({
    title: `Comparing ${diff.groups.length} groups`,
    subtitle: diff.groups.map((g, i) => `${runLetter(i)} = ${g.label} (${g.runs.length})`).join(', '),
    runs: diff.groups.flatMap((g) => g.runs),
    groups: diff.groups,
    spread: diff.spread,
    generatedAt,
    sections: [
      { title: 'Groups', table: groupDiffGroupsTable(diff) },
      {
        title: configHeading(diff, diff.groups.length),
        table: groupDiffConfigTable(diff),
        empty: 'The configs are identical.',
      },
      {
        title: kernelsHeading(diff.kernels, diff.groups.length),
        table: groupDiffKernelsTable(diff),
        empty: sameKernelsText(diff.groups.flatMap((g) => g.runs)),
      },
      { title: GROUP_METRICS_HEADING, table: groupDiffMetricsTable(diff), footnotes: groupDiffNotes(diff) },
    ],
  });
}
