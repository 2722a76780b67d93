/** @jsxRuntime automatic */
import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ASCII_RAMP } from '@gan/training';
import { evaluationLines } from './components/Evaluation.tsx';
import { Dashboard, type DashboardProps } from './Dashboard.tsx';
import { computeLayout } from './layout.ts';
import { planPicture, plannedLines } from './picture.ts';
import { applyEvent, type DashboardEvent, type DashboardState, initialState } from './state.ts';
import {
  collapsedEvalEvent,
  digitSamplesEvent,
  metricsEvent,
  ringEvalEvent,
  runEvents,
} from './test-events.ts';

const ANSI = new RegExp(`${'\x1b'}\\[[0-9;?]*[A-Za-z]`, 'g');
const stripAnsi = (s: string) => s.replace(ANSI, '');

const fold = (events: DashboardEvent[]) =>
  events.reduce<DashboardState>((s, e) => applyEvent(s, e, 0), initialState());

let unmounts: (() => void)[] = [];
afterEach(() => {
  for (const u of unmounts) u();
  unmounts = [];
});

/** One frame `width` columns wide, drawn as a string (ink-testing-library's terminal is 100 wide). */
function screen(state: DashboardState, width: number, height: number, extra: Partial<DashboardProps> = {}) {
  return stripAnsi(
    renderToString(
      <Dashboard
        state={state}
        width={width}
        height={height}
        mode="ascii"
        now={0}
        cwd="/tmp"
        keys
        {...extra}
      />,
      { columns: width },
    ),
  );
}

/** Renders one frame (ink-testing-library's terminal is 100 columns wide). */
function frame(state: DashboardState, width: number, height: number, extra: Partial<DashboardProps> = {}) {
  const r = render(
    <Dashboard state={state} width={width} height={height} mode="ascii" now={0} cwd="/tmp" keys {...extra} />,
  );
  unmounts.push(r.unmount);
  return stripAnsi(r.lastFrame() ?? '');
}

describe('Dashboard', () => {
  const state = fold(runEvents(1500));

  it('shows progress, both charts with legends, the picture, the rates and the keys', () => {
    const f = frame(state, 100, 32);
    const lines = f.split('\n');
    expect(lines).toHaveLength(32);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(f).toContain('1500/20000');
    expect(f).toContain('7.5%');
    expect(f).toContain('250 steps/s');
    expect(f).toMatch(/Losses\s+── D loss [\d.]+\s+╌╌ G loss [\d.]+/);
    expect(f).toMatch(/Discriminator\s+── D\(x\) [\d.]+\s+╌╌ D\(G\(z\)\) [\d.]+/);
    expect(f).toContain('step 10');
    expect(f).toMatch(/┤[ \u2801-\u28ff]*[\u2801-\u28ff]{3}/); // braille lines
    expect(f).toContain('Samples · step 1000');
    const ramp = [...ASCII_RAMP.slice(1)].filter((c) => f.includes(`${c}${c}${c}`));
    expect(ramp.length).toBeGreaterThanOrEqual(6);
    expect(f).toMatch(/lr D\s+9\.00e-9\s+÷100 from 9\.00e-7/);
    expect(f).toMatch(/grad D\s+1\.23e-2/);
    expect(f).toContain('no evaluation yet');
    expect(f).toContain('q stop');
    expect(f).toContain('p pause');
    expect(f).toContain('s save samples now');
    expect(f).toContain('decay');
    expect(f).toContain('seed 127');
    expect(f).toContain('● running');
  });

  it('shows an evaluation as named numbers and a bar row', () => {
    const f = frame(fold([...runEvents(1500), ringEvalEvent(1500)]), 100, 32);
    expect(f).toContain('Evaluation · step 1500');
    expect(f).toMatch(/modes covered\s+6\/8/);
    expect(f).toMatch(/class histogram\s+██▅▁▅▅▅▁/);
    expect(f).toMatch(/high quality\s+81\.3%/);
    expect(f).not.toContain('no evaluation yet');
  });

  it('prefers the display scale of an MNIST evaluation, as the grids show it', () => {
    const f = frame(state, 100, 32, {
      evaluation: {
        step: 2000,
        result: {
          modes: 10,
          modesCovered: 1,
          frechetDistance: 812.5,
          'display.modesCovered': 3,
          'display.frechetDistance': 40.25,
        },
      },
    });
    expect(f).toContain('Evaluation · step 2000 · as shown');
    expect(f).toMatch(/modes covered\s+3\/10/);
    expect(f).toMatch(/Fréchet distance\s+40\.25/);
  });

  it('adds the log panel on a wide terminal', () => {
    expect(frame(state, 100, 32)).not.toContain('checkpoint saved'); // no room at 100 columns
    // ink-testing-library draws 100 columns: render the 120-column screen to a string instead.
    const wide = stripAnsi(
      renderToString(
        <Dashboard state={state} width={120} height={40} mode="ascii" now={0} cwd="/tmp" keys />,
        {
          columns: 120,
        },
      ),
    );
    expect(wide.split('\n')).toHaveLength(40);
    expect(wide).toMatch(/Log ─+╮/);
    expect(wide).toMatch(/1000 {2}checkpoint saved/);
    expect(wide).toMatch(/50 {2}lr 9\.0e-7 → 9\.0e-9/);
  });

  it('falls back to a compact view on a tiny terminal', () => {
    const f = frame(state, 40, 10);
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(10);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(f).toContain('1500/20000');
    expect(f).toContain('running');
    expect(f).toMatch(/D [\d.]+ {2}G [\d.]+/);
    expect(f).toContain('q stop');
  });

  it('renders every size from 1x1 up without throwing, before and after the first event', () => {
    for (const s of [initialState(), state]) {
      for (const [w, h] of [
        [1, 1],
        [10, 3],
        [71, 19],
        [72, 20],
        [89, 25],
        [90, 20],
        [100, 60],
      ]) {
        const f = frame(s, w, h);
        expect(f.split('\n').length).toBeLessThanOrEqual(h);
      }
    }
  });

  it('shows the statuses the keys lead to', () => {
    const stopping = applyEvent(state, { type: 'stop-requested' });
    expect(frame(stopping, 100, 32)).toContain('● stopping…');
    expect(frame(stopping, 100, 32)).toContain('Ctrl-C again');
    const paused = applyEvent(state, { type: 'paused', paused: true, step: 1500 });
    expect(frame(paused, 100, 32)).toContain('● paused');
    expect(frame(paused, 100, 32)).toContain('p resume');
    const done = applyEvent(state, {
      type: 'finished',
      status: 'completed',
      step: 1500,
      message: null,
      stepsPerSec: 1,
    });
    expect(frame(done, 100, 32)).toContain('● completed');
  });

  it('survives a diverged run: non-finite metrics in the charts, the stats and the header', () => {
    const last = metricsEvent(1510);
    const diverged = fold([
      ...runEvents(1500),
      { ...last, row: { ...last.row, dLoss: Number.NaN, gLoss: Infinity } },
      {
        type: 'finished',
        status: 'diverged',
        step: 1510,
        message: 'losses became non-finite',
        stepsPerSec: 250,
      },
    ]);
    const f = frame(diverged, 100, 32);
    expect(f).toContain('● diverged');
    expect(f).toMatch(/D loss\s+NaN\s+G loss\s+Infinity/);
    expect(f).toContain('step 1510');
    expect(frame(diverged, 40, 10)).toContain('diverged');
  });

  it('waits politely before the first metrics and sample', () => {
    const f = frame(fold([runEvents(0)[0]]), 100, 32);
    expect(f).toContain('waiting for metrics');
    expect(f).toContain('waiting for the first sample');
    expect(f).toContain('0/20000');
  });
});

describe('Dashboard: samples and charts at the common terminal sizes', () => {
  const state = fold([...runEvents(1500), digitSamplesEvent(1500, true), collapsedEvalEvent(1500)]);
  const image = state.sample!.image;

  it.each([
    [80, 24, 3],
    [100, 30, 4],
    [130, 45, 4],
  ])('%i x %i: the sample grid (%i x %i samples or all 16) beside two braille charts', (w, h, k) => {
    const lines = screen(state, w, h).split('\n');
    expect(lines).toHaveLength(h);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(w);
    const layout = computeLayout(w, h, image);
    if (layout.kind !== 'full') throw new Error('expected the full view');
    const main = lines.slice(2, 2 + layout.mainHeight);
    // The samples panel: its title (how many samples when not all), then the picture line by line.
    const panel = main.map((l) => l.slice(layout.chartsWidth));
    expect(panel[0]).toMatch(k < 4 ? /^╭─ Samples \d+\/16 · step 1500 ─+╮$/ : /^╭─ Samples · step 1500 ─+╮$/);
    const plan = planPicture(image, { width: layout.samplesWidth - 4, height: layout.mainHeight - 2 });
    expect([plan.rows, plan.cols]).toEqual([k, k]);
    const picture = plannedLines(image, plan, 'ascii');
    expect(picture.length).toBeGreaterThanOrEqual(12);
    expect(picture.join('').replace(/ /g, '').length).toBeGreaterThan(100); // digits, not a blank
    picture.forEach((p, i) => {
      expect(panel[1 + i]).toBe(`│ ${p.padEnd(layout.samplesWidth - 4)} │`);
    });
    // Both charts, drawn in braille dots.
    const charts = main.map((l) => l.slice(0, layout.chartsWidth)).join('\n');
    expect(charts).toMatch(/╭─ Losses/);
    expect(charts).toMatch(/╭─ Discriminator/);
    expect(charts.match(/[\u2801-\u28ff]/g)?.length ?? 0).toBeGreaterThan(4 * (layout.chartsWidth - 13));
  });

  it('draws the picture in half blocks on a colour terminal', () => {
    const f = screen(state, 80, 24, { mode: 'truecolor' });
    expect(f.match(/▀/g)?.length).toBe(26 * 13); // 3 x 3 samples, shrunk 7 times: 26 x 13 cells
  });

  it('says what the final samples show once the run has ended', () => {
    const done = applyEvent(state, {
      type: 'finished',
      status: 'completed',
      step: 1500,
      message: null,
      stepsPerSec: 250,
    });
    const last = screen(done, 130, 45).split('\n').at(-1);
    expect(last).toBe(
      ' 16 of 16 samples identical; all 1000 evaluated samples read as one digit (a 3) by the classifier',
    );
    expect(screen(state, 130, 45).split('\n').at(-1)).toContain('q stop'); // not before the end
  });
});

describe("Dashboard: the article's printed D cost", () => {
  const printed = fold(runEvents(1500, 20000, true));

  it('is a third line of the losses chart and a line of the training panel, beside the D loss', () => {
    const f = frame(printed, 100, 32);
    // 100 columns leave the losses chart too narrow for the full names: the legend goes short...
    expect(f).toMatch(/Losses\s+── D 1\.1082\s+╌╌ G 0\.7347\s+┈┈ Dprt -0\.6835 ─/);
    // ...and the training panel names both D numbers, before the gradient norms.
    expect(f).toMatch(/│ D loss {2}1\.1082 {4}G loss {2}0\.7347 +│/);
    expect(f).toMatch(/│ D cost \(printed\) {2}-0\.6835 +│/);
    expect(f).not.toContain('grad D');
    // Where there is room, the legend names them in full.
    const wide = screen(printed, 130, 45);
    expect(wide).toMatch(/Losses\s+── D loss 1\.1082\s+╌╌ G loss 0\.7347\s+┈┈ D cost \(printed\) -0\.6835/);
    expect(frame(printed, 100, 40)).toMatch(/│ grad D {2}1\.23e-2 {3}grad G {2}4\.56e-3 +│/);
  });

  it('is Dprt in the compact view, right after the D loss', () => {
    expect(frame(printed, 40, 10).split('\n')).toEqual([
      'decay ● running 0:06',
      '1500/20000  7.5%  250 steps/s  ETA 1m 1…',
      '━━────────────────────────────',
      'D 1.1082  Dprt -0.6835  G 0.7347  D(x) …',
      'lr D 9.00e-9  lr G 9.00e-9',
      'D loss  ▅▅▆▆▇▇▇███████▇▇▆▆▅▅▄▄▃▃▂▂▂▁▁▁▁▁',
      'Dprt    █▇▆▆▅▅▄▄▄▃▃▃▃▂▂▂▂▂▂▂▂▁▁▁▁▁▁▁▁▁▁▁',
      'G loss  ██▇▇▆▅▅▄▃▂▂▁▁▁▁▁▂▂▃▄▅▆▆▇█████▇▇▆',
      'D(x)    ▁▂▂▃▄▄▅▅▆▆▇▇▇████████▇▇▇▆▆▅▅▄▃▃▂',
      'q stop · p pause · s sample',
    ]);
  });

  it('leaves a run that logs only the loss D descends as it was', () => {
    const plain = fold(runEvents(1500));
    const f = frame(plain, 100, 32);
    expect(f).toMatch(/Losses\s+── D loss 1\.1082\s+╌╌ G loss 0\.7347 ─/);
    expect(f).toMatch(
      /│ grad D {2}1\.23e-2 {3}grad G {2}4\.56e-3 +│.*\n│ D loss {2}1\.1082 {4}G loss {2}0\.7347 +│/,
    );
    expect(frame(plain, 40, 10).split('\n').slice(3, 4)).toEqual([
      'D 1.1082  G 0.7347  D(x) 0.63  D(G(z)) …',
    ]);
    for (const [w, h] of [
      [100, 32],
      [80, 24],
      [40, 10],
    ]) {
      const f = frame(plain, w, h);
      expect(f).not.toMatch(/printed|Dprt|┈┈/);
    }
  });
});

describe('Evaluation panel: precision, recall, density, coverage', () => {
  it('names them after the inception score, on the display scale when there is one, and skips them when absent', () => {
    const result = {
      modes: 10,
      modesCovered: 9,
      frechetDistance: 163.1,
      inceptionScore: 4.9,
      precision: 0.1,
      'display.precision': 0.648,
      'display.recall': 0,
      'display.density': 0.5474,
      'display.coverage': 0.153,
      diversity: 0.99,
    };
    const { lines } = evaluationLines(result);
    expect(lines.map(([label]) => label)).toEqual([
      'modes covered',
      'Fréchet distance',
      'inception score',
      'precision',
      'recall',
      'density',
      'coverage',
      'diversity',
    ]);
    expect(Object.fromEntries(lines).precision).toBe('0.648');
    expect(Object.fromEntries(lines).recall).toBe('0');
    // A result from before these keys existed shows without them.
    const old = evaluationLines({ modes: 10, modesCovered: 9, frechetDistance: 163.1 }).lines;
    expect(old.map(([label]) => label)).toEqual(['modes covered', 'Fréchet distance']);
  });
});
