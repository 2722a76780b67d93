import * as vega from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import {
  type BandPoint,
  type ChartOptions,
  chartSpec,
  charted,
  type Point,
  registerFormats,
  tooltipLines,
} from './charts.ts';

/** The labels of a chart's axes as Vega's SVG renderer writes them (hidden ones too). */
async function axisLabels(
  options: ChartOptions,
  points: Point[],
  bands: BandPoint[] = [],
): Promise<{ x: string[]; y: string[] }> {
  registerFormats(vega);
  // A fixed width: there is no container to fit here.
  const spec = { ...chartSpec(options), width: 400 } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec, undefined, { ast: true }), {
    renderer: 'none',
    expr: expressionInterpreter as unknown as vega.ViewOptions['expr'],
  });
  view.insert('points', points);
  if (options.bands) view.insert('bands', bands);
  const svg = await view.toSVG();
  view.finalize();
  const out = { x: [] as string[], y: [] as string[] };
  for (const axis of svg.split('aria-roledescription="axis"').slice(1)) {
    const which = /aria-label="([XY])-axis/.exec(axis)?.[1] === 'X' ? out.x : out.y;
    const labels = axis.split('role-axis-label')[1]?.split('</g>')[0] ?? '';
    which.push(...[...labels.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]));
  }
  return out;
}

/** A step label: a whole number, thousands separated. */
const STEP = /^\d{1,3}(,\d{3})*$/;
/** A value label with nothing after its significant digits: no `0.50`, `1.0`, `2.` or `1.20e-5`. */
const TRAILING = /\.(\d*0)?(e|$)/;

const line = (series: string, steps: number[], value: (step: number) => number): Point[] =>
  steps.map((step) => ({ step, value: value(step), series }));

describe('chart axes', () => {
  it.each<[string, ChartOptions, Point[]]>([
    [
      'losses over 20,000 steps',
      { title: 'Losses', series: ['D loss', 'G loss'] },
      [
        ...line('D loss', [0, 5000, 10000, 15000, 20000], (s) => 1.386 - s / 1e5),
        ...line('G loss', [0, 5000, 10000, 15000, 20000], (s) => 0.69 + s / 1e5),
      ],
    ],
    [
      'a score evaluated twice',
      { title: 'Eval: Fréchet distance', series: ['FD'], points: true },
      line('FD', [9000, 18000], (s) => 32.19535532486486 + s / 3000),
    ],
    [
      'a learning rate on a log scale',
      { title: 'Learning rates', series: ['G lr'], logY: true },
      line('G lr', [10, 20, 30], (s) => 2e-4 / s),
    ],
    [
      'gradient norms over decades, on a log scale',
      { title: 'Gradient norms', series: ['D', 'G'], logY: true },
      [...line('D', [10, 20, 30], () => 60), ...line('G', [10, 20, 30], () => 1.5e-6)],
    ],
    ['tiny values', { title: 'tiny', series: ['a'] }, line('a', [10, 20, 30], (s) => 1.2e-5 + s * 1e-7)],
    [
      'one point (the axes of a one-point chart)',
      { title: 'one', series: ['a'] },
      [{ step: 20000, value: 555.255073, series: 'a' }],
    ],
  ])('%s: steps whole, values with their significant digits', async (_, options, points) => {
    const { x, y } = await axisLabels(options, points);
    expect(x.length).toBeGreaterThan(0);
    expect(y.length).toBeGreaterThan(0);
    for (const label of x) expect(label).toMatch(STEP);
    for (const label of y) expect(label).not.toMatch(TRAILING);
    // Distinct ticks, distinct labels (a log axis over decades labels its powers of ten only).
    const shown = y.filter((label) => label !== '');
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('labels a one-point chart as a table prints its value', async () => {
    const { x, y } = await axisLabels({ title: 'one', series: ['a'] }, [
      { step: 20000, value: 555.255073, series: 'a' },
    ]);
    expect(x).toContain('20,000');
    expect(y).toEqual(['555.3']);
  });

  it('labels a swept parameter as a value, not as a step', async () => {
    const { x } = await axisLabels(
      { title: 'FD against lr', series: ['FD'], points: true, xTitle: 'lr', xLog: true },
      [
        { step: 1e-4, value: 30, series: 'FD' },
        { step: 1e-2, value: 40, series: 'FD' },
      ],
    );
    expect(x).toContain('0.001');
    for (const label of x) expect(label).not.toMatch(TRAILING);
  });

  it("labels a group's band chart the same way", async () => {
    const options = { title: 'D loss', series: ['g'], bands: true };
    const points = line('g', [0, 1000, 2000], (s) => 0.5 + s / 1e4);
    const bands = points.map((p) => ({ step: p.step, lo: p.value - 0.05, hi: p.value + 0.05, series: 'g' }));
    const { x, y } = await axisLabels(options, points, bands);
    expect(x).toContain('1,000');
    for (const label of y) expect(label).not.toMatch(TRAILING);
  });
});

describe('charted', () => {
  const p = (series: string, value = 1): Point => ({ step: 1, value, series });
  it.each<[string, Point[], boolean]>([
    ['no point', [], false],
    ['one point', [p('a')], false],
    ['one point a series', [p('a'), p('b'), p('c')], false],
    ['two points of a series', [p('a'), p('a')], true],
    ['two points of one series of several', [p('a'), p('b'), p('b')], true],
    ['a point and a NaN', [p('a'), p('a', Number.NaN)], false],
  ])('%s', (_, points, expected) => {
    expect(charted(points)).toBe(expected);
  });
});

describe('tooltipLines', () => {
  it('prints the step whole and the value with its significant digits', () => {
    expect(tooltipLines({ step: 20000, value: 0.71234, series: 'G loss' })).toEqual([
      'G loss',
      'step 20,000',
      'value 0.7123',
    ]);
  });
  it("prints a swept parameter's value as a value", () => {
    expect(tooltipLines({ step: 0.00025, value: 32.19535, series: 'FD' }, 'optim.generator.lr')).toEqual([
      'FD',
      'optim.generator.lr 2.5e-4',
      'value 32.2',
    ]);
  });
});
