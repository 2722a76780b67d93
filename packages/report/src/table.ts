/**
 * One table model, three renderings: aligned text for terminals (colours only when asked),
 * GitHub Markdown, and HTML (in html.ts).
 */

/** How a cell is coloured: in a terminal (ANSI) and in the HTML report (a CSS class). */
export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'muted';

export interface Cell {
  text: string;
  tone?: Tone;
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Longer cells are cut with `…` in text tables (default 32); headers are never cut. */
  maxWidth?: number;
}

export interface Table {
  columns: Column[];
  rows: (Cell | string)[][];
}

export const cellText = (cell: Cell | string | undefined): string =>
  cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text;
const cellTone = (cell: Cell | string | undefined): Tone | undefined =>
  cell === undefined || typeof cell === 'string' ? undefined : cell.tone;

const DEFAULT_MAX_WIDTH = 32;

const ANSI: Record<Tone | 'header', [string, string]> = {
  good: ['\x1b[32m', '\x1b[39m'],
  bad: ['\x1b[31m', '\x1b[39m'],
  warn: ['\x1b[33m', '\x1b[39m'],
  info: ['\x1b[36m', '\x1b[39m'],
  muted: ['\x1b[2m', '\x1b[22m'],
  header: ['\x1b[1m', '\x1b[22m'],
};

/**
 * Control characters (a newline in a description, an escape sequence in a hostile value) would
 * break the alignment or drive the terminal: show them as spaces or U+FFFD.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\t\n\r]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/** Cuts `text` to `width` code points with `…` at the end, or at the start with `cut: 'start'`. */
export function truncate(text: string, width: number, cut: 'start' | 'end' = 'end'): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  return cut === 'start'
    ? `…${chars.slice(chars.length - width + 1).join('')}`
    : `${chars.slice(0, width - 1).join('')}…`;
}

const width = (text: string): number => [...text].length;

export interface TextOptions {
  /** ANSI colours (only for a terminal; the caller checks isTTY and NO_COLOR). */
  color?: boolean;
}

/**
 * An aligned plain-text table: a header, a rule, the rows; columns two spaces apart, numbers
 * right-aligned, long cells cut with `…`.
 *
 * ```
 * config  run                   status     step
 * ------  --------------------  ---------  -------
 * smoke   20261126-153019-8ca9  completed  300/300
 * ```
 */
export function renderText(table: Table, options: TextOptions = {}): string {
  const paint = (text: string, tone: Tone | 'header' | undefined) =>
    options.color && tone ? `${ANSI[tone][0]}${text}${ANSI[tone][1]}` : text;
  const cut = (text: string, col: Column) => truncate(printable(text), col.maxWidth ?? DEFAULT_MAX_WIDTH);
  // Headers stay whole: cut key paths can become ambiguous (…tor.schedule.type).
  const headers = table.columns.map((c) => printable(c.header));
  const body = table.rows.map((row) => table.columns.map((c, i) => cut(cellText(row[i]), c)));
  const widths = table.columns.map((_, i) => Math.max(width(headers[i]), ...body.map((r) => width(r[i]))));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i] - width(text));
    return table.columns[i].align === 'right' ? fill + text : text + fill;
  };
  const line = (cells: string[]) => cells.join('  ').trimEnd();
  const out = [
    line(headers.map((h, i) => paint(pad(h, i), 'header'))),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map((r, ri) => line(r.map((text, i) => paint(pad(text, i), cellTone(table.rows[ri][i]))))),
  ];
  return `${out.join('\n')}\n`;
}

/** Escapes Markdown inline syntax and HTML, so a value is shown as typed inside a table cell. */
export function escapeMarkdown(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, '\\$&');
}

/** A GitHub-flavoured Markdown table (cells are never cut). */
export function renderMarkdown(table: Table): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = table.columns.map((c) => (c.align === 'right' ? '---:' : '---'));
  return `${[
    row(table.columns.map((c) => escapeMarkdown(c.header) || ' ')),
    `|${rule.join('|')}|`,
    ...table.rows.map((r) => row(table.columns.map((_, i) => escapeMarkdown(cellText(r[i]))))),
  ].join('\n')}\n`;
}
