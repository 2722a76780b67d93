import { describe, expect, it } from 'vitest';
import { emptySeries, pushPoint, type Series } from '../series.ts';
import { type ChartLine, dotRow, legend, legendMarker, plotRows } from './Chart.tsx';

const series = (ys: number[], x0 = 100): Series =>
  ys.reduce((s, y, i) => pushPoint(s, x0 + 10 * i, y), emptySeries(16));

const line = (label: string, s: Series): ChartLine => ({ label, color: 'cyan', series: s, value: null });

/** The braille dots of a cell as [row][col] (row 0 at the top), or null for a blank cell. */
function dotsOf(ch: string): boolean[][] | null {
  if (ch === ' ') return null;
  const bits = ch.charCodeAt(0) - 0x2800;
  expect(bits).toBeGreaterThanOrEqual(0);
  expect(bits).toBeLessThan(256);
  const DOT = [
    [0x01, 0x08],
    [0x02, 0x10],
    [0x04, 0x20],
    [0x40, 0x80],
  ];
  return DOT.map((row) => row.map((bit) => (bits & bit) !== 0));
}

/** The plot's lit dots as (dot column, dot row from the top), from its rows (labels cut off). */
function litDots(rows: string[], labelWidth = 9): [number, number][] {
  const out: [number, number][] = [];
  rows.forEach((row, r) => {
    [...row.slice(labelWidth)].forEach((ch, c) => {
      dotsOf(ch)?.forEach((cols, dr) =>
        cols.forEach((lit, dc) => {
          if (lit) out.push([2 * c + dc, 4 * r + dr]);
        }),
      );
    });
  });
  return out;
}

describe('plotRows', () => {
  it('puts a value at the dot nearest to it: 0.503 of the axis at dot 8 of 16 from the bottom', () => {
    // 4 rows of text are 16 dot rows: 0 at the bottom dot, 1 at the top one, 1/15 apart.
    const rows = plotRows([line('D(x)', series([0.503, 0.503, 0.503]))], 20, 4, [0, 1], false)!;
    expect(rows).toHaveLength(5);
    const dots = litDots(rows.slice(0, 4));
    expect(dots).toHaveLength(22); // 11 cells x 2 dot columns, all on one dot row
    for (const [, y] of dots) expect(y).toBe(15 - 8); // round(0.503 * 15) = 8 from the bottom
    expect(dotRow(0.503, 0, 1, 16)).toBe(7);
    // Not on a coarse row: 0.47 is a dot lower, 0.6 two dots higher, the ends at the ends.
    expect(dotRow(0.47, 0, 1, 16)).toBe(8);
    expect(dotRow(0.6, 0, 1, 16)).toBe(6);
    expect([dotRow(0, 0, 1, 16), dotRow(1, 0, 1, 16), dotRow(7, 0, 1, 16)]).toEqual([15, 0, 0]);
  });

  it('labels the top, the bottom and the middle of each row between, and the steps', () => {
    const rows = plotRows([line('a', series([0, 1]))], 30, 4, [0, 1], false)!;
    expect(rows.map((r) => r.slice(0, 9))).toEqual([
      '   1.00 ┤',
      '   0.63 ┤', // dots 4..7 from the top: 11/15 .. 8/15, middle 9.5/15
      '   0.37 ┤',
      '   0.00 ┤',
      '        └',
    ]);
    expect(rows[4]).toBe('        └step 100     step 110'); // 21 cells
    // No room for both ends: the last step stays.
    expect(plotRows([line('a', series([1, 2]))], 16, 3, undefined, false)?.at(-1)).toBe('        └step 110');
  });

  it('joins consecutive values with a vertical run of dots', () => {
    // 0 then 1 over 2 cells (4 dot columns): the line climbs the whole axis in one column.
    const rows = plotRows([line('a', series([0, 1]))], 11, 2, [0, 1], false)!;
    const dots = litDots(rows.slice(0, 2));
    const byColumn = (x: number) =>
      dots
        .filter(([c]) => c === x)
        .map(([, y]) => y)
        .sort((a, b) => a - b);
    expect(byColumn(0)).toEqual([7]);
    expect(byColumn(1)).toEqual([7]);
    expect(byColumn(2)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(byColumn(3)).toEqual([0]);
  });

  it('draws each series in its own pattern on a shared scale, solid, dashed, dotted', () => {
    const rows = plotRows(
      [
        line('solid', series([1, 1, 1, 1])),
        line('dashed', series([0.5, 0.5, 0.5, 0.5])),
        line('dotted', series([0, 0, 0, 0])),
      ],
      15,
      3,
      [0, 1],
      false,
    )!;
    const dots = litDots(rows.slice(0, 3));
    const columnsAt = (y: number) => dots.filter(([, d]) => d === y).map(([x]) => x);
    expect(columnsAt(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(columnsAt(5)).toEqual([0, 1, 3, 4, 6, 7, 9, 10]); // round(0.5 * 11) = 6 from the bottom
    expect(columnsAt(11)).toEqual([0, 2, 4, 6, 8, 10]);
    expect([legendMarker(0), legendMarker(1), legendMarker(2)]).toEqual(['──', '╌╌', '┈┈']);
  });

  it('colours each series with one code per run of cells', () => {
    const lines = [
      line('high', series([1, 1, 1])),
      { ...line('low', series([0, 0, 0])), color: 'magenta' as const },
    ];
    const two = plotRows(lines, 13, 2, [0, 1], true)!;
    expect(two[0]).toBe(`   1.00 ┤\x1b[36m⠉⠉⠉⠉\x1b[0m`);
    expect(two[1]).toBe(`   0.00 ┤\x1b[35m⣀⢀⡀⣀\x1b[0m`); // dashed: dot columns 2 and 5 off
    // One row: both series in its cells, in the colour of the one drawn last.
    expect(plotRows(lines, 13, 1, [0, 1], true)![0]).toBe(`   1.00 ┤\x1b[35m⣉⢉⡉⣉\x1b[0m`);
  });

  it('keeps the whole run: more points than columns are averaged into the columns', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 1));
    const rows = plotRows([line('step', series(ys, 1))], 30, 2, [0, 1], false)!;
    expect(rows.at(-1)).toBe(`        └step 1${' '.repeat(6)}step 9991`);
    // 21 cells: the low half on the left, the high half on the right.
    expect(rows[0]).toMatch(/^ {3}1\.00 ┤ {8,11}[^ ⠉]{0,3}⠉{8,11}$/);
    expect(rows[1]).toMatch(/^ {3}0\.00 ┤⣀{8,11}[^ ⣀]{0,3} {8,11}$/);
  });

  it('skips gaps of non-finite values and waits for a first value', () => {
    expect(plotRows([line('none', series([Number.NaN]))], 20, 3, undefined, false)).toBeNull();
    const rows = plotRows([line('gap', series([1, Number.NaN, 1]))], 20, 3, [0, 2], false)!;
    const dots = litDots(rows.slice(0, 3));
    expect(dots).toHaveLength(22);
    for (const [, y] of dots) expect(y).toBe(11 - 6); // round(0.5 * 11) = 6 from the bottom
  });

  it('returns null when too small to plot', () => {
    expect(plotRows([line('a', series([1, 2]))], 10, 3, undefined, false)).toBeNull();
    expect(plotRows([line('a', series([1, 2]))], 30, 0, undefined, false)).toBeNull();
  });
});

describe('legend', () => {
  const text = (width: number, lines: ChartLine[]) =>
    legend('Losses', lines, width, false, (v) => v.toFixed(2))
      .map((s) => s.text)
      .join('');
  const losses: ChartLine[] = [
    { ...line('D loss', series([1])), short: 'D', value: 1.25 },
    { ...line('G loss', series([1])), short: 'G', value: 0.5 },
    { ...line('D cost (printed)', series([0])), short: 'Dprt', value: -0.01 },
  ];

  it('names each line in its own style, by its full label where they all fit', () => {
    expect(text(70, losses)).toBe('Losses  ── D loss 1.25  ╌╌ G loss 0.50  ┈┈ D cost (printed) -0.01');
  });

  it('names every line by its short label when the full labels would be cut', () => {
    expect(text(69, losses)).toBe('Losses  ── D 1.25  ╌╌ G 0.50  ┈┈ Dprt -0.01');
    // A line without a short label keeps its label.
    expect(text(19, [{ ...line('D(x)', series([1])), value: 0.5 }])).toBe('Losses  ── D(x) 0.50');
  });
});
