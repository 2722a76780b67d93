/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import { resample, type Series } from '../series.ts';
import { Lines, Panel, type Segment, segmentsWidth, titleRoom } from './Panel.tsx';

export type ChartColor = 'cyan' | 'magenta' | 'yellow' | 'green' | 'blue' | 'red';

const RESET = '\x1b[0m';
const CODES: Record<ChartColor, string> = {
  cyan: '\x1b[36m',
  magenta: '\x1b[35m',
  yellow: '\x1b[33m',
  green: '\x1b[32m',
  blue: '\x1b[34m',
  red: '\x1b[31m',
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

/**
 * How the i-th series is drawn, so that lines stay apart where they cross, without colour too:
 * which dot columns it lights (solid, dashed, dotted), and its legend marker.
 */
const STYLES: { on: (x: number) => boolean; marker: string }[] = [
  { on: () => true, marker: '──' },
  { on: (x) => x % 3 !== 2, marker: '╌╌' },
  { on: (x) => x % 2 === 0, marker: '┈┈' },
];
/** The legend marker of the i-th series: a piece of its line. */
export const legendMarker = (i: number) => STYLES[i % STYLES.length].marker;

/** Braille cells: 2 dots wide, 4 tall; `DOT[row][col]` is a dot's bit above U+2800. */
const BRAILLE = 0x2800;
const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

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
  /** A fixed y range (e.g. probabilities 0..1); values outside it are drawn at its edge. */
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
 * legend('Losses', lines, 62, false, num); // Losses  ── D 1.3736  ╌╌ G 0.6932  ┈┈ Dprt -0.0129
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

/** The dot row (0 at the top of `dots` rows) of `v` on the scale `lo` (bottom dot) .. `hi` (top dot). */
export function dotRow(v: number, lo: number, hi: number, dots: number): number {
  const d = Math.round(((v - lo) / (hi - lo)) * (dots - 1));
  return dots - 1 - Math.max(0, Math.min(dots - 1, d));
}

/**
 * Rows of a braille plot of `lines` over the whole run, `plotWidth` columns wide including the y
 * labels, `plotHeight` rows tall, followed by an x-axis row naming the first and last step. Each
 * cell holds 2 x 4 dots, so a row of text is 4 rows of the plot: a value is drawn at the dot
 * nearest to it (on a 16-dot axis, 0.503 at 8/15 = 0.53, within half a dot; not on a text row of
 * 0.33 or 0.67), and consecutive values are joined by a vertical run of dots. The y labels give the top, the
 * bottom, and each row between at its middle. Returns null when no series has a finite value yet.
 *
 * ```
 *    1.00 ┤⣀⢀⡀⣀      ⢀⣀⡠⠤⠤⠤⠤⠤⠤⠤⠤     D(x) rising from 0.2 to 0.8 (solid), D(G(z))
 *    0.50 ┤    ⠈⠁⢉⡰⠖⠮⢁⡀⡀             falling from 0.7 to 0.3 (dashed), 12 dots tall
 *    0.00 ┤⠒⠒⠒⠒⠉⠉⠁     ⠈⠈⠁⠉⠈⠁⠉⠈⠁
 *         └step 10     step 1500
 * ```
 */
export function plotRows(
  lines: readonly ChartLine[],
  plotWidth: number,
  plotHeight: number,
  range: [number, number] | undefined,
  colour: boolean,
): string[] | null {
  const labelWidth = 7;
  const cells = plotWidth - labelWidth - 2;
  if (cells < 2 || plotHeight < 1) return null;
  const columns = 2 * cells;
  const dots = 4 * plotHeight;
  const data: { values: number[]; style: number; color: ChartColor }[] = [];
  let x0: number | null = null;
  let x1: number | null = null;
  for (const [i, line] of lines.entries()) {
    const r = resample(line.series, columns);
    const filled = fillGaps(r.mean);
    if (filled === null) continue;
    data.push({ values: stretch(filled, columns), style: i % STYLES.length, color: line.color });
    x0 = x0 === null || (r.x0 !== null && r.x0 < x0) ? r.x0 : x0;
    x1 = x1 === null || (r.x1 !== null && r.x1 > x1) ? r.x1 : x1;
  }
  if (data.length === 0) return null;
  let lo = range?.[0] ?? Math.min(...data.map((d) => Math.min(...d.values)));
  let hi = range?.[1] ?? Math.max(...data.map((d) => Math.max(...d.values)));
  if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(hi)))) {
    const pad = Math.max(Math.abs(hi) * 0.05, 1e-3);
    lo -= pad;
    hi += pad;
  }
  // Each cell's dots, and the series that drew in it last (its colour).
  const bits = new Uint8Array(cells * plotHeight);
  const owner = new Int8Array(cells * plotHeight).fill(-1);
  data.forEach(({ values, style }, k) => {
    const on = STYLES[style].on;
    let prev: number | null = null;
    for (let x = 0; x < columns; x++) {
      const y = dotRow(values[x], lo, hi, dots);
      // The vertical run from the previous value (exclusive, unless it is this one) to this one.
      const from = prev === null || prev === y ? y : prev < y ? prev + 1 : prev - 1;
      prev = y;
      if (!on(x)) continue;
      for (let d = Math.min(from, y); d <= Math.max(from, y); d++) {
        const cell = Math.floor(d / 4) * cells + Math.floor(x / 2);
        bits[cell] |= DOT[d % 4][x % 2];
        owner[cell] = k;
      }
    }
  });
  const zero = (hi - lo) * 1e-3;
  const rows: string[] = [];
  for (let r = 0; r < plotHeight; r++) {
    const middle = dots - 1 - (4 * r + 1.5);
    const v = r === 0 ? hi : r === plotHeight - 1 ? lo : lo + (middle / (dots - 1)) * (hi - lo);
    let row = `${axisLabel(v, labelWidth, zero)} ┤`;
    // One colour code per run of cells of a series, not per cell: fewer codes for Ink to parse.
    let open: ChartColor | null = null;
    for (let c = 0; c < cells; c++) {
      const i = r * cells + c;
      const color = colour && bits[i] !== 0 ? data[owner[i]].color : null;
      if (color !== null && color !== open) {
        row += CODES[color];
        open = color;
      }
      row += bits[i] === 0 ? ' ' : String.fromCharCode(BRAILLE + bits[i]);
    }
    rows.push(open === null ? row : row + RESET);
  }
  rows.push(xAxis(x0, x1, labelWidth, cells));
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
