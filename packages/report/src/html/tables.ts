/** Tables of the report: its sections, and the key that names each run's or group's colour. */
import type { RunRecord } from '../runs.ts';
import { type Cell, cellText, type Table } from '../table.ts';
import { type HtmlGroup, RUN_COLORS } from './chart-spec.ts';
import { escapeHtml } from './escape.ts';

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

export function sectionHtml(section: HtmlSection): string {
  const note = section.note ? `<p class="note">${escapeHtml(section.note)}</p>` : '';
  const body =
    section.table.rows.length === 0 && section.empty
      ? `<p class="empty">${escapeHtml(section.empty)}</p>`
      : tableHtml(section.table);
  const footnotes = (section.footnotes ?? []).map((f) => `<p class="note">${escapeHtml(f)}</p>`).join('');
  return `<section><h2>${escapeHtml(section.title)}</h2>${note}${body}${footnotes}</section>`;
}

/** The colour key: each run's swatch, label and description. */
export function runKey(runs: readonly RunRecord[], labels: readonly string[]): string {
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
export function groupKey(groups: readonly HtmlGroup[], labels: readonly string[]): string {
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
