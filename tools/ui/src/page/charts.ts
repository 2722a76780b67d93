/**
 * Live line charts with Vega-Lite (as the HTML report draws them): one chart per metric, one line
 * per series, points appended through Vega changesets so a new metrics row redraws without
 * rebuilding the chart. Expressions are evaluated by vega-interpreter, never by `new Function`,
 * so the page runs under a Content Security Policy without 'unsafe-eval'. Axes and tooltips print
 * numbers as the page's tables do (format.ts): steps whole and thousands separated, values with
 * their significant digits and no trailing zeros.
 */
import type { View } from 'vega';
import type { Result } from 'vega-embed';
import type { TopLevelSpec } from 'vega-lite';
import { formatStep, formatTick, formatValue } from './format.ts';

/**
 * Vega, loaded with the first chart: a chunk of its own, so the runs page (no charts) loads
 * without it.
 */
let vegaModules: Promise<{
  embed: typeof import('vega-embed').default;
  changeset: typeof import('vega').changeset;
  interpreter: typeof import('vega-interpreter').expressionInterpreter;
}> | null = null;
function loadVega() {
  vegaModules ??= Promise.all([import('vega'), import('vega-embed'), import('vega-interpreter')]).then(
    ([vega, embed, interpreter]) => {
      registerFormats(vega);
      return {
        embed: embed.default,
        changeset: vega.changeset,
        interpreter: interpreter.expressionInterpreter,
      };
    },
  );
  return vegaModules;
}

/**
 * Registers the functions the axes' labels call (see {@link chartSpec}) with `vega`: before the
 * first chart is parsed.
 */
export function registerFormats(vega: Pick<typeof import('vega'), 'expressionFunction'>): void {
  vega.expressionFunction('ganStep', formatStep);
  vega.expressionFunction('ganTick', formatTick);
}

/** A chart's element, with its Vega view once drawn (the tests read its axes: `view.toSVG()`). */
export type ChartElement = HTMLElement & { vegaView?: View };

export interface Point {
  step: number;
  value: number;
  series: string;
}

export interface BandPoint {
  step: number;
  lo: number;
  hi: number;
  series: string;
}

export const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

export interface ChartOptions {
  title: string;
  /** A line under the title: what the metric is, when its name is not enough. */
  subtitle?: string;
  /** Series names, in legend order (colours follow it). */
  series: string[];
  /**
   * The series' colours, one each (default: {@link COLORS} in order). Charts that leave out some
   * of a page's series give the rest the colours they have elsewhere on it.
   */
  colors?: string[];
  /** Show the legend (default: when there are two series or more). */
  legend?: boolean;
  logY?: boolean;
  /** Draw points too (few values: evaluation scores). */
  points?: boolean;
  /** Shaded bands (a group's spread) under the lines. */
  bands?: boolean;
  /** x is a parameter, not the step (a sweep's final scores). */
  xTitle?: string;
  xLog?: boolean;
}

/**
 * Whether `points` make a chart: some series has two finite values or more. A score evaluated once
 * (a point a series) is shown as a number instead: a chart of one dot has nothing to read but its
 * axis labels.
 *
 * ```ts
 * charted([{ step: 9000, value: 32.2, series: 'FD' }]); // false
 * ```
 */
export function charted(points: readonly Point[]): boolean {
  const seen = new Set<string>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (seen.has(p.series)) return true;
    seen.add(p.series);
  }
  return false;
}

/**
 * Axis labels: a step axis's whole and thousands separated (with no tick between two steps), any
 * other's as {@link formatTick} prints them.
 */
function axis(channel: 'x' | 'y', steps: boolean, log = false) {
  return steps
    ? { labelExpr: 'ganStep(datum.value)', tickMinStep: 1 }
    : { labelExpr: `ganTick(datum.value, domain('${channel}'), ${log})` };
}

/**
 * A point's tooltip: its series, where it is (the step, or the swept parameter's value) and its
 * value, printed as the axes print them.
 *
 * ```ts
 * tooltipLines({ step: 20000, value: 0.71234, series: 'G loss' }, 'step'); // ['G loss', 'step 20,000', 'value 0.7123']
 * ```
 */
export function tooltipLines(datum: Partial<Point>, xTitle = 'step'): string[] {
  const { step, value, series } = datum;
  const where = xTitle === 'step' ? formatStep(step ?? Number.NaN) : formatValue(step ?? Number.NaN);
  return [series ?? '', `${xTitle} ${where}`, `value ${formatValue(value ?? Number.NaN)}`];
}

/**
 * The page's one tooltip: the lines, by the pointer, kept in the window. Text and CSSOM only:
 * vega-tooltip's own injects a style element, which the page's Content Security Policy refuses.
 */
let tooltipEl: HTMLDivElement | null = null;
function showTooltip(event: MouseEvent | undefined, lines: string[] | null): void {
  if (lines === null || event === undefined) {
    if (tooltipEl) tooltipEl.hidden = true;
    return;
  }
  if (tooltipEl === null) {
    tooltipEl = document.createElement('div');
    tooltipEl.className = 'chart-tooltip';
    document.body.append(tooltipEl);
  }
  const el = tooltipEl;
  el.replaceChildren(
    ...lines.map((line, i) => {
      const div = document.createElement('div');
      if (i === 0) div.className = 'chart-tooltip-series';
      div.textContent = line;
      return div;
    }),
  );
  el.hidden = false;
  const gap = 12;
  const right = event.clientX + gap + el.offsetWidth <= document.documentElement.clientWidth;
  el.style.left = `${Math.max(0, right ? event.clientX + gap : event.clientX - gap - el.offsetWidth)}px`;
  el.style.top = `${event.clientY + gap}px`;
}

/**
 * The Vega-Lite spec of a chart: its points in the data set `points`, a group's bands in `bands`.
 * Its axes' labels call `ganStep` and `ganTick` ({@link registerFormats}).
 */
export function chartSpec(o: ChartOptions): TopLevelSpec {
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: o.series, range: o.colors ?? COLORS },
    // Above the plot, one series a line: long run names at the bottom pushed the plot out of view.
    legend:
      (o.legend ?? o.series.length > 1)
        ? { orient: 'top' as const, direction: 'vertical' as const, labelLimit: 600 }
        : null,
  };
  const x = {
    field: 'step',
    type: 'quantitative' as const,
    title: o.xTitle ?? 'step',
    axis: axis('x', o.xTitle === undefined, o.xLog),
    ...(o.xLog ? { scale: { type: 'log' as const } } : {}),
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: null,
    axis: axis('y', false, o.logY),
    scale: o.logY ? { type: 'log' as const } : { zero: false },
  };
  const layers: TopLevelSpec[] = [];
  if (o.bands)
    layers.push({
      data: { name: 'bands' },
      mark: { type: 'area', opacity: 0.22 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
    } as unknown as TopLevelSpec);
  layers.push({
    data: { name: 'points' },
    mark: { type: 'line', point: o.points ?? false, strokeWidth: 1.5, clip: true },
    encoding: { x, y, color },
  } as unknown as TopLevelSpec);
  // Every point as a target for the tooltip (not drawn: the line and its points are above).
  layers.push({
    data: { name: 'points' },
    mark: { type: 'point', filled: true, size: 80, opacity: 0, clip: true, tooltip: { expr: 'datum' } },
    encoding: { x, y },
  } as unknown as TopLevelSpec);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: o.title,
      anchor: 'start',
      fontSize: 13,
      ...(o.subtitle ? { subtitle: o.subtitle, subtitleColor: '#666' } : {}),
    },
    width: 'container',
    height: 180,
    autosize: { type: 'fit', contains: 'padding' },
    layer: layers,
  } as unknown as TopLevelSpec;
}

/**
 * One chart in `el`. Points given before it has drawn are queued. `el` carries `data-series` (the
 * series' names, as JSON) and, after each redraw, `data-points` (points drawn) and
 * `data-last-step` (the highest step drawn), which the tests and the benchmark wait for.
 */
export class LiveChart {
  private result: Result | null = null;
  private changeset: typeof import('vega').changeset | null = null;
  private queue: Point[] = [];
  private bandQueue: BandPoint[] = [];
  private reset = false;
  private drawn = 0;
  private lastStep = Number.NEGATIVE_INFINITY;
  private scheduled = false;
  private closed = false;

  constructor(
    readonly el: HTMLElement,
    options: ChartOptions,
  ) {
    el.classList.add('chart');
    el.dataset.series = JSON.stringify(options.series);
    if (options.logY) el.dataset.logy = 'true';
    void loadVega()
      .then(({ embed, changeset, interpreter }) => {
        this.changeset = changeset;
        return embed(el, chartSpec(options), {
          actions: false,
          renderer: 'canvas',
          ast: true,
          expr: interpreter,
          defaultStyle: false,
          tooltip: (_handler: unknown, event: MouseEvent | undefined, _item: unknown, value: unknown) =>
            showTooltip(
              event,
              value !== null && typeof value === 'object' ? tooltipLines(value, options.xTitle) : null,
            ),
          // Errors only: an empty chart (a run that has not logged yet) is not worth a warning.
          logLevel: 1,
        });
      })
      .then(
        (r) => {
          if (this.closed) return r.finalize();
          this.result = r;
          (el as ChartElement).vegaView = r.view;
          el.dataset.rendered = 'true';
          this.flush();
        },
        (e: Error) => {
          el.dataset.rendered = 'error';
          el.textContent = `chart failed: ${e.message}`;
        },
      );
  }

  /** Appends points (NaN and infinite values are left out: a diverged run's rows). */
  add(points: Point[], bands: BandPoint[] = []): void {
    for (const p of points) if (Number.isFinite(p.value) && (p.value > 0 || !this.logY())) this.queue.push(p);
    this.bandQueue.push(...bands.filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi)));
    this.schedule();
  }

  /** Replaces everything drawn. */
  replace(points: Point[], bands: BandPoint[] = []): void {
    this.queue = [];
    this.bandQueue = [];
    this.reset = true;
    this.add(points, bands);
  }

  close(): void {
    this.closed = true;
    this.result?.finalize();
    showTooltip(undefined, null);
  }

  private logY(): boolean {
    return this.el.dataset.logy === 'true';
  }

  private schedule(): void {
    if (this.scheduled || this.result === null) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const r = this.result;
    if (r === null || this.closed) return;
    const view = r.view;
    const points = this.queue;
    const bands = this.bandQueue;
    this.queue = [];
    this.bandQueue = [];
    const reset = this.reset;
    this.reset = false;
    if (!reset && points.length === 0 && bands.length === 0) return;
    const changeset = this.changeset!;
    const cs = (insert: unknown[]) =>
      reset
        ? changeset()
            .remove(() => true)
            .insert(insert)
        : changeset().insert(insert);
    view.change('points', cs(points));
    if (bands.length > 0 || reset) {
      try {
        view.change('bands', cs(bands));
      } catch {
        // no band layer in this chart
      }
    }
    if (reset) {
      this.drawn = 0;
      this.lastStep = Number.NEGATIVE_INFINITY;
    }
    // resize: axis labels may have grown with the data, and 'fit' must make room for them again.
    void view
      .resize()
      .runAsync()
      .then(() => {
        this.drawn += points.length;
        for (const p of points) if (p.step > this.lastStep) this.lastStep = p.step;
        this.el.dataset.points = String(this.drawn);
        if (Number.isFinite(this.lastStep)) this.el.dataset.lastStep = String(this.lastStep);
      });
  }
}
