/** @jsxRuntime automatic */
import * as asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { resample, type Series } from '../series.ts';
import { Lines, Panel, type Segment, segmentsWidth, titleRoom } from './Panel.tsx';

export type ChartColor = 'cyan' | 'magenta' | 'yellow' | 'green' | 'blue' | 'red';

const CODES: Record<ChartColor, string> = {
  cyan: asciichart.cyan,
  magenta: asciichart.magenta,
  yellow: asciichart.yellow,
  green: asciichart.green,
  blue: asciichart.blue,
  red: asciichart.red,
};

export interface ChartLine {
  label: string;
  /** A shorter label, for a legend the full labels would not fit in (`D` for `D loss`). */
  short?: string;
  color: ChartColor;
  series: Series;
  /** The latest value, shown in the legend. */
  value: number | null;
}

type Symbols = [string, string, string, string, string, string, string, string, string, string];
/**
 * asciichart's symbols (axis, axis, ends, horizontal, corners, vertical): light, heavy, then
 * double lines (a third series, such as the article's printed D cost beside the two losses).
 */
const STYLES: Symbols[] = [
  ['┼', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│'],
  ['┼', '┤', '╺', '╸', '━', '┗', '┏', '┓', '┛', '┃'],
  ['┼', '┤', '╶', '╴', '═', '╚', '╔', '╗', '╝', '║'],
];
/** The legend marker of the i-th series: a piece of its line. */
export const legendMarker = (i: number) => STYLES[i % STYLES.length][4].repeat(2);

/** Fills NaN gaps (buckets with no finite value) from the neighbours, so the line stays drawable. */
function fillGaps(values: number[]): number[] | null {
  const first = values.findIndex(Number.isFinite);
  if (first < 0) return null;
  const out = values.slice();
  for (let i = 0; i < first; i++) out[i] = values[first];
  for (let i = first + 1; i < out.length; i++) if (!Number.isFinite(out[i])) out[i] = out[i - 1];
  return out;
}

/** Stretches `values` to `n` columns (nearest value), so a young run's chart spans the width too. */
function stretch(values: number[], n: number): number[] {
  if (values.length >= n) return values;
  return Array.from({ length: n }, (_, c) => values[Math.floor((c * values.length) / n)]);
}

/** The x-axis row under a plot: the first step at the left, the last at the right of `points`. */
function xAxis(x0: number | null, x1: number | null, labelWidth: number, points: number): string {
  const right = `step ${x1}`;
  let left = `step ${x0}`;
  if (left.length + right.length + 1 > points) left = String(x0);
  const text =
    left.length + right.length + 1 > points
      ? right
      : `${left}${' '.repeat(points - left.length - right.length)}${right}`;
  return `${' '.repeat(labelWidth + 1)}└${text}`;
}

/** A y label of fixed `width`: about four significant digits; noise around 0 (|v| < `zero`) is 0. */
function axisLabel(v: number, width: number, zero: number): string {
  if (Math.abs(v) < zero) v = 0;
  const a = Math.abs(v);
  let s: string;
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) s = v.toExponential(1).replace('e+', 'e');
  else if (a >= 100) s = v.toFixed(0);
  else if (a >= 10) s = v.toFixed(1);
  else s = v.toFixed(2);
  return s.padStart(width);
}

export interface ChartProps {
  title: string;
  lines: readonly ChartLine[];
  /** Outer panel size. */
  width: number;
  height: number;
  /** A fixed y range (e.g. probabilities 0..1); the data may still widen it. */
  range?: [number, number];
  /** Colour the lines (off for plain-text terminals and tests). */
  colour: boolean;
  formatValue: (v: number) => string;
}

/**
 * The panel title of a chart `width` cells wide: the title, then each line's marker, label and
 * latest value. When the labels do not fit, every line that has a short label is named by it.
 *
 * ```ts
 * legend('Losses', lines, 62, false, num); // Losses  ── D 1.3736  ━━ G 0.6932  ══ Dprt -0.0129
 * ```
 */
export function legend(
  title: string,
  lines: readonly ChartLine[],
  width: number,
  colour: boolean,
  formatValue: (v: number) => string,
): Segment[] {
  const segments = (short: boolean) => {
    const out: Segment[] = [{ text: title, bold: true }];
    for (const [i, line] of lines.entries()) {
      out.push({ text: '  ' });
      out.push({ text: legendMarker(i), color: colour ? line.color : undefined });
      out.push({ text: ` ${short ? (line.short ?? line.label) : line.label}` });
      if (line.value !== null) out.push({ text: ` ${formatValue(line.value)}`, dim: true });
    }
    return out;
  };
  const full = segments(false);
  return segmentsWidth(full) <= titleRoom(width) ? full : segments(true);
}

/**
 * Rows of an asciichart plot of `lines` over the whole run, `plotWidth` columns wide including
 * the y labels, `plotHeight` rows tall, followed by an x-axis row naming the first and last step.
 * Returns null when no series has a finite value yet.
 */
export function plotRows(
  lines: readonly ChartLine[],
  plotWidth: number,
  plotHeight: number,
  range: [number, number] | undefined,
  colour: boolean,
): string[] | null {
  const labelWidth = 7;
  const points = plotWidth - labelWidth - 2;
  if (points < 2 || plotHeight < 2) return null;
  const data: number[][] = [];
  const colors: (string | undefined)[] = [];
  let x0: number | null = null;
  let x1: number | null = null;
  for (const line of lines) {
    const r = resample(line.series, points);
    const filled = fillGaps(r.mean);
    if (filled === null) continue;
    data.push(stretch(filled, points));
    colors.push(colour ? CODES[line.color] : undefined);
    x0 = x0 === null || (r.x0 !== null && r.x0 < x0) ? r.x0 : x0;
    x1 = x1 === null || (r.x1 !== null && r.x1 > x1) ? r.x1 : x1;
  }
  if (data.length === 0) return null;
  let lo = range?.[0] ?? Math.min(...data.map((d) => Math.min(...d)));
  let hi = range?.[1] ?? Math.max(...data.map((d) => Math.max(...d)));
  if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(hi)))) {
    const pad = Math.max(Math.abs(hi) * 0.05, 1e-3);
    lo -= pad;
    hi += pad;
  }
  // One plot per series, each in its own line style, laid over each other: two series stay
  // apart where they cross, and without colour too.
  const grids = data.map((d, i) =>
    asciichart
      .plot(d, {
        height: plotHeight - 1,
        min: lo,
        max: hi,
        symbols: STYLES[i % STYLES.length],
        format: (v: number) => axisLabel(v, labelWidth, (hi - lo) * 1e-3),
      })
      .split('\n')
      .map((row) => [...row]),
  );
  const rows = grids[0].map((base, r) => {
    // One colour code per run of cells of a series, not per cell: fewer codes for Ink to parse.
    let row = '';
    let open: string | undefined;
    base.forEach((cell, j) => {
      let ch = cell;
      let color: string | undefined;
      if (j >= labelWidth + 2) {
        for (let k = grids.length - 1; k >= 0; k--) {
          const c = grids[k][r][j];
          if (c !== undefined && c !== ' ') {
            ch = c;
            color = colors[k];
            break;
          }
        }
      }
      if (color !== open && ch !== ' ') {
        row += color === undefined ? asciichart.reset : color;
        open = color;
      }
      row += ch;
    });
    return open === undefined ? row : row + asciichart.reset;
  });
  rows.push(xAxis(x0, x1, labelWidth, points));
  return rows;
}

/** A titled line chart with a legend (line marker, name, latest value) in its top border. */
export function Chart({ title, lines, width, height, range, colour, formatValue }: ChartProps) {
  const rows = plotRows(lines, width - 4, height - 3, range, colour);
  return (
    <Panel title={legend(title, lines, width, colour, formatValue)} width={width} height={height}>
      <Box flexDirection="column" flexGrow={1}>
        {rows === null ? <Text dimColor>waiting for metrics…</Text> : <Lines lines={rows} />}
      </Box>
    </Panel>
  );
}
