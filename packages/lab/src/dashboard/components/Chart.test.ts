import { describe, expect, it } from 'vitest';
import { emptySeries, pushPoint, type Series } from '../series.ts';
import { type ChartLine, legend, plotRows } from './Chart.tsx';

const series = (ys: number[], x0 = 100): Series =>
  ys.reduce((s, y, i) => pushPoint(s, x0 + 10 * i, y), emptySeries(16));

const line = (label: string, s: Series): ChartLine => ({ label, color: 'cyan', series: s, value: null });

describe('plotRows', () => {
  it('draws each series in its own line style on a shared, labelled scale', () => {
    const rows = plotRows(
      [line('high', series([1, 1, 1, 1])), line('low', series([0, 0, 0, 0]))],
      26,
      3,
      [0, 1],
      false,
    );
    // 4 points stretched over 17 columns; the last column is asciichart's margin.
    expect(rows).toEqual([
      `   1.00 ┼${'─'.repeat(16)} `,
      `   0.50 ┤${' '.repeat(17)}`,
      `   0.00 ┤${'━'.repeat(16)} `,
      '        └step 100 step 130',
    ]);
    // No room for both ends: the last step stays.
    expect(plotRows([line('a', series([1, 2]))], 20, 3, undefined, false)?.at(-1)).toBe('        └step 110');
  });

  it('colours each series with one code per run of cells', () => {
    const lines = [
      line('high', series([1, 1, 1])),
      { ...line('low', series([0, 0, 0])), color: 'magenta' as const },
    ];
    const rows = plotRows(lines, 14, 2, [0, 1], true)!;
    expect(rows[0]).toBe(`   1.00 ┼\x1b[36m──── \x1b[0m`);
    expect(rows[1]).toBe(`   0.00 ┤\x1b[35m━━━━ \x1b[0m`);
  });

  it('keeps the whole run: more points than columns are averaged into the columns', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 1));
    const rows = plotRows([line('step', series(ys, 1))], 30, 2, [0, 1], false)!;
    expect(rows.at(-1)).toBe(`        └step 1${' '.repeat(6)}step 9991`);
    // 21 columns: the low half on the left, the high half on the right.
    expect(rows[0]).toMatch(/^ {3}1\.00 [┤┼] {9,11}╭─{9,11} $/);
    expect(rows[1]).toMatch(/^ {3}0\.00 [┤┼]─{9,11}╯ {9,11}$/);
  });

  it('skips gaps of non-finite values and waits for a first value', () => {
    expect(plotRows([line('none', series([Number.NaN]))], 20, 3, undefined, false)).toBeNull();
    const rows = plotRows([line('gap', series([1, Number.NaN, 1]))], 20, 3, [0, 2], false)!;
    expect(rows[1]).toContain('┼──');
  });

  it('returns null when too small to plot', () => {
    expect(plotRows([line('a', series([1, 2]))], 9, 3, undefined, false)).toBeNull();
    expect(plotRows([line('a', series([1, 2]))], 30, 1, undefined, false)).toBeNull();
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
    expect(text(70, losses)).toBe('Losses  ── D loss 1.25  ━━ G loss 0.50  ══ D cost (printed) -0.01');
  });

  it('names every line by its short label when the full labels would be cut', () => {
    expect(text(69, losses)).toBe('Losses  ── D 1.25  ━━ G 0.50  ══ Dprt -0.01');
    // A line without a short label keeps its label.
    expect(text(19, [{ ...line('D(x)', series([1])), value: 0.5 }])).toBe('Losses  ── D(x) 0.50');
  });
});
