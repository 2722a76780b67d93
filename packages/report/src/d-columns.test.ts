import { appendFileSync } from 'node:fs';
import { encodeJsonlLine, METRIC_LABELS, metricsPath } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { readRunCurves } from './curves.ts';
import { diffRuns } from './diff.ts';
import { writeFixtureRun } from './fixtures.ts';
import { listGroups } from './group.ts';
import { diffGroups } from './group-diff.ts';
import { listRuns } from './list.ts';
import { formatDiff, formatGroupDiff, formatGroups, formatList, groupsHtml, listHtml } from './output.ts';
import { currentRow, loadRun, runDirEntry } from './runs.ts';
import { ARTICLE_PRINTED, at, dColumnRuns, tempExperiments } from './test-helpers.ts';

/** The line under a table with a D cost (printed) column. */
const LEGEND = `D cost (printed): ${METRIC_LABELS.dCostPrinted.description}`;

/** Cells of a text table's lines, split on runs of 2+ spaces. */
const cells = (line: string | undefined) => (line ?? '').split(/\s{2,}/);
const lineOf = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start));

/** The Vega-Lite specs embedded in a report. */
function specs(html: string) {
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1];
  return JSON.parse(json).charts.map((c: { spec: Record<string, unknown> }) => c.spec) as {
    title: { text: string; subtitle?: string[] };
    data: { values: { run?: string; group?: string; step: number; value?: number; mean?: number }[] };
  }[];
}

/** The markup outside <script> elements. */
const markupOnly = (html: string) => html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');

describe('reading the D columns of each kind of run', () => {
  it('reads an old printed-cost row as D cost (printed), and leaves other rows as written', async () => {
    const { dir, baseline, old, current } = await dColumnRuns();
    const [b, n, o] = (await listRuns(dir)).runs;
    expect([b.runDir, n.runDir, o.runDir]).toEqual([baseline, current, old]);
    expect(b.last).toEqual({ step: 20, dLoss: 1.25, gLoss: 0.7, dReal: 0.6, dFake: 0.4 });
    expect(n.last).toEqual({ step: 20, dLoss: 1.3, dCostPrinted: -0.5, gLoss: 0.9, dReal: 0.6, dFake: 0.4 });
    expect(o.last).toEqual({ step: 20, dCostPrinted: -0.75, gLoss: 0.8, dReal: 0.6, dFake: 0.4 });
    expect([b, n, o].map((r) => r.notes)).toEqual([[], [], []]);

    const dCurves = async (run: typeof b) =>
      (await readRunCurves(run)).metrics.filter((c) => c.key === 'dLoss' || c.key === 'dCostPrinted');
    expect(await dCurves(b)).toEqual([
      {
        key: 'dLoss',
        points: [
          [10, 1.38],
          [20, 1.25],
        ],
      },
    ]);
    expect(await dCurves(o)).toEqual([
      {
        key: 'dCostPrinted',
        points: [
          [10, -0.05],
          [20, -0.75],
        ],
      },
    ]);
    expect((await dCurves(n)).map((c) => c.key)).toEqual(['dLoss', 'dCostPrinted']);
  });

  it('averages a window row by row: a run resumed since the change has rows of both forms', async () => {
    const { old } = await dColumnRuns();
    // Resumed by today's trainer: steps 30 and 40 log both columns.
    appendFileSync(
      metricsPath(old),
      encodeJsonlLine({ step: 30, dLoss: 1.2, dCostPrinted: -0.85, gLoss: 1 }) +
        encodeJsonlLine({ step: 40, dLoss: 1.0, dCostPrinted: -0.95, gLoss: 1 }),
    );
    const run = await loadRun(runDirEntry(old), { window: 40 });
    expect(run.window?.rows).toBe(4);
    expect(run.window?.mean.dCostPrinted).toBeCloseTo((-0.05 - 0.75 - 0.85 - 0.95) / 4, 12);
    expect(run.window?.mean.dLoss).toBeCloseTo(1.1, 12); // over the two rows that log it
    const curves = await readRunCurves(run);
    expect(curves.metrics.find((c) => c.key === 'dLoss')?.points).toEqual([
      [30, 1.2],
      [40, 1.0],
    ]);
  });

  it('keeps rows as written when the config is unreadable, or does not log the printed cost', () => {
    const row = { step: 1, dLoss: -0.05 };
    expect(currentRow({ params: {} }, row)).toBe(row);
    expect(currentRow({ params: { 'loss.reportedDiscriminatorCost': 'objective' } }, row)).toBe(row);
    expect(currentRow({ params: { 'loss.reportedDiscriminatorCost': 'article-printed' } }, row)).toEqual({
      step: 1,
      dCostPrinted: -0.05,
    });
  });
});

describe('the list', () => {
  it('shows D cost (printed) after D loss only when a run has it, and says what it is', async () => {
    const { dir } = await dColumnRuns();
    const text = formatList(await listRuns(dir), 'table');
    const lines = text.trimEnd().split('\n');
    expect(cells(lines[0])).toEqual([
      'config',
      'run',
      'status',
      'step',
      'D loss',
      'D cost (printed)',
      'G loss',
      'modes',
      'FD',
      'steps/s',
      'loss.reportedDiscriminatorCost',
    ]);
    expect(lines.slice(2, 5).map((l) => cells(l).slice(3, 7))).toEqual([
      ['20/20', '1.250', '-', '0.7000'],
      ['20/20', '1.300', '-0.5000', '0.9000'],
      ['20/20', '-', '-0.7500', '0.8000'],
    ]);
    expect(lines.slice(5)).toEqual([LEGEND]);
    expect(LEGEND).toContain('-log D(x) + log(1 - D(G(z)))');

    const md = formatList(await listRuns(dir), 'md');
    expect(md).toContain('| D loss | D cost (printed) | G loss |');
    expect(md).toMatch(/\| decay-old \| \S+ \| completed \| 20\/20 \| - \| -0\.7500 \| 0\.8000 \|/);
    expect(md.endsWith(`|\n\n${LEGEND}\n`)).toBe(true);
  });

  it('looks as it always did when no listed run logs the printed cost', async () => {
    const { dir } = await dColumnRuns();
    const list = await listRuns(dir, { configs: ['baseline'] });
    const lines = formatList(list, 'table').trimEnd().split('\n');
    expect(cells(lines[0])).toEqual([
      'config',
      'run',
      'status',
      'step',
      'D loss',
      'G loss',
      'modes',
      'FD',
      'steps/s',
    ]);
    expect(lines).toHaveLength(3);
    expect(cells(lines[2]).slice(3)).toEqual(['20/20', '1.250', '0.7000', '-', '-', '100.0']);
  });

  it('gives the final values in JSON as today’s columns, without a dLossKind', async () => {
    const { dir } = await dColumnRuns();
    const doc = JSON.parse(formatList(await listRuns(dir), 'json'));
    expect(doc.runs.map((r: { name: string; final: unknown }) => [r.name, r.final])).toEqual([
      ['baseline', { step: 20, dLoss: 1.25, gLoss: 0.7, dReal: 0.6, dFake: 0.4 }],
      ['decay-new', { step: 20, dLoss: 1.3, dCostPrinted: -0.5, gLoss: 0.9, dReal: 0.6, dFake: 0.4 }],
      ['decay-old', { step: 20, dCostPrinted: -0.75, gLoss: 0.8, dReal: 0.6, dFake: 0.4 }],
    ]);
    expect(doc.runs[0]).not.toHaveProperty('dLossKind');
  });

  it('averages D cost (printed) over a window like the other metrics', async () => {
    const { dir } = await dColumnRuns();
    const list = await listRuns(dir, { window: 20 });
    const lines = formatList(list, 'table').trimEnd().split('\n');
    expect(cells(lines[0]).slice(4, 9)).toEqual([
      'D loss (mean of last 20 steps)',
      'D cost (printed) (mean of last 20 steps)',
      'G loss (mean of last 20 steps)',
      'D(x) (mean of last 20 steps)',
      'D(G(z)) (mean of last 20 steps)',
    ]);
    // decay-old: (-0.05 - 0.75) / 2; decay-new: (-0.04 - 0.5) / 2
    expect(lines.slice(2, 5).map((l) => cells(l).slice(4, 6))).toEqual([
      ['1.315', '-'],
      ['1.330', '-0.2700'],
      ['-', '-0.4000'],
    ]);
  });

  it.each([
    ['dprinted', ['decay-old', 'decay-new', 'baseline']],
    ['-dCostPrinted', ['decay-new', 'decay-old', 'baseline']],
    ['D cost (printed)', ['decay-old', 'decay-new', 'baseline']],
    ['-dLoss', ['decay-new', 'baseline', 'decay-old']],
  ])('sorts by --sort %s, runs without the value last', async (sort, expected) => {
    const { dir } = await dColumnRuns();
    expect((await listRuns(dir, { sort })).runs.map((r) => r.name)).toEqual(expected);
  });
});

describe('the diff', () => {
  it('compares D loss across every run that has it, and D cost (printed) in its own row', async () => {
    const { dir } = await dColumnRuns();
    const diff = await diffRuns(dir, ['baseline@0', 'decay-new@0', 'decay-old@0']);
    const byKey = Object.fromEntries(diff.metrics.map((m) => [m.key, m]));
    expect(diff.metrics.map((m) => m.key).slice(0, 4)).toEqual(['step', 'dLoss', 'dCostPrinted', 'gLoss']);
    expect(byKey.dLoss).toEqual({
      key: 'dLoss',
      label: 'D loss',
      values: [1.25, 1.3, null],
      deltas: [null, { abs: expect.closeTo(0.05, 12), pct: expect.closeTo(4, 10) }, null],
    });
    expect(byKey.dCostPrinted).toEqual({
      key: 'dCostPrinted',
      label: 'D cost (printed)',
      values: [null, -0.5, -0.75],
      deltas: [null, null, null],
    });
    const text = formatDiff(diff, 'table');
    expect(cells(lineOf(text, 'D loss'))).toEqual([
      'D loss',
      '1.250',
      '1.300',
      '+0.05000',
      '+4.00%',
      '-',
      '-',
      '-',
    ]);
    expect(cells(lineOf(text, 'D cost'))).toEqual([
      'D cost (printed)',
      '-',
      '-0.5000',
      '-',
      '-',
      '-0.7500',
      '-',
      '-',
    ]);
    expect(text.trimEnd().split('\n').at(-1)).toBe(LEGEND);
    expect(text).not.toMatch(/†|comparable/);

    const two = await diffRuns(dir, ['decay-new@0', 'decay-old@0']);
    expect(two.metrics.find((m) => m.key === 'dCostPrinted')?.deltas[1]).toEqual({
      abs: -0.25,
      pct: -50,
    });
    const json = JSON.parse(formatDiff(two, 'json'));
    expect(json.metrics.map((m: { key: string }) => m.key).slice(0, 3)).toEqual([
      'step',
      'dLoss',
      'dCostPrinted',
    ]);
    expect(json.runs[0]).not.toHaveProperty('dLossKind');
  });

  it('has no D cost (printed) row or legend when neither run logs it', async () => {
    const { dir } = await dColumnRuns();
    await writeFixtureRun(dir, {
      name: 'baseline',
      date: at('11:00:00'),
      config: { train: { steps: 20 } },
      metrics: [{ step: 20, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5 }],
    });
    const diff = await diffRuns(dir, ['baseline@1', 'baseline@0']);
    expect(diff.metrics.map((m) => m.key)).toEqual([
      'step',
      'dLoss',
      'gLoss',
      'dReal',
      'dFake',
      'stepsPerSec',
    ]);
    expect(formatDiff(diff, 'table')).not.toMatch(/printed/);
  });
});

describe('groups', () => {
  it('summarise D cost (printed) in its own column, over the runs that have it', async () => {
    const { dir } = await dColumnRuns();
    const list = await listGroups(dir, { by: ['loss.reportedDiscriminatorCost'] });
    const text = formatGroups(list, 'table');
    const lines = text.trimEnd().split('\n');
    expect(cells(lines[0]).slice(4, 7)).toEqual(['D loss', 'D cost (printed)', 'G loss']);
    expect(lines.slice(2, 4).map((l) => [cells(l)[0], ...cells(l).slice(4, 6)])).toEqual([
      ['baseline', '1.250', '-'],
      ['decay-new, decay-old', '1.300 (n=1)', '-0.63 ± 0.18'],
    ]);
    expect(lines.at(-1)).toBe(LEGEND);

    const json = JSON.parse(formatGroups(list, 'json'));
    expect(json.columns.map((c: { key: string }) => c.key).slice(0, 4)).toEqual([
      'step',
      'dLoss',
      'dCostPrinted',
      'gLoss',
    ]);
    const printed = json.groups[1];
    expect(printed).not.toHaveProperty('dLossKind');
    expect(printed.stats.dLoss).toMatchObject({ n: 1, mean: 1.3 });
    expect(printed.stats.dCostPrinted).toMatchObject({ n: 2, mean: -0.625, min: -0.75, max: -0.5 });
    expect(printed.runs.map((r: { values: unknown }) => r.values)).toMatchObject([
      { dLoss: 1.3, dCostPrinted: -0.5 },
      { dLoss: null, dCostPrinted: -0.75 },
    ]);
  });

  it('look as they always did when no run logs the printed cost', async () => {
    const { dir } = await dColumnRuns();
    const list = await listGroups(dir, { configs: ['baseline'] });
    const text = formatGroups(list, 'table');
    expect(cells(text.split('\n')[0])).toEqual([
      'config',
      'n',
      'status',
      'step',
      'D loss',
      'G loss',
      'D(x)',
      'D(G(z))',
      'modes',
      'FD',
      'steps/s',
    ]);
    expect(text).not.toMatch(/printed/);
    expect(JSON.parse(formatGroups(list, 'json')).columns.map((c: { key: string }) => c.key)).toEqual([
      'step',
      'dLoss',
      'gLoss',
      'dReal',
      'dFake',
      'eval.modesCovered',
      'eval.frechetDistance',
      'stepsPerSec',
    ]);
  });

  it('compare D loss and D cost (printed) row by row, a missing mean without a delta', async () => {
    const { dir } = await dColumnRuns();
    const diff = await diffGroups(dir, ['baseline@all', 'decay-old@all', 'decay-new@all']);
    const text = formatGroupDiff(diff, 'table');
    expect(cells(lineOf(text, 'D loss'))).toEqual([
      'D loss',
      '1.250',
      '-',
      '-',
      '-',
      '1.300',
      '+0.05000',
      '+4.00%',
    ]);
    expect(cells(lineOf(text, 'D cost'))).toEqual([
      'D cost (printed)',
      '-',
      '-0.7500',
      '-',
      '-',
      '-0.5000',
      '-',
      '-',
    ]);
    expect(text.trimEnd().split('\n')).toContain(LEGEND);
    const json = JSON.parse(formatGroupDiff(diff, 'json'));
    expect(json.groups.map((g: object) => 'dLossKind' in g)).toEqual([false, false, false]);
    const printed = json.metrics.find((m: { key: string }) => m.key === 'dCostPrinted');
    expect(printed.stats.map((s: { mean: number | null }) => s.mean)).toEqual([null, -0.75, -0.5]);
    expect(printed).not.toHaveProperty('notes');
  });
});

describe('the HTML report', () => {
  it('draws D cost (printed) as its own chart, saying what it is, and its column in the table', async () => {
    const { dir } = await dColumnRuns();
    const { html, chartIds } = await listHtml(await listRuns(dir));
    const charts = specs(html);
    expect(charts.map((c) => c.title.text).slice(0, 6)).toEqual([
      'D loss',
      'D cost (printed)',
      'G loss',
      'D(x)',
      'D(G(z))',
      'learning rate (log scale)',
    ]);
    expect(chartIds.slice(0, 2)).toEqual(['chart-0', 'chart-1']);
    const [dLoss, printed, gLoss] = charts;
    expect(printed.title.subtitle?.join(' ')).toBe(METRIC_LABELS.dCostPrinted.description);
    expect(printed.title.subtitle?.every((line) => line.length <= 60)).toBe(true);
    expect(dLoss.title.subtitle).toBeUndefined();
    expect(gLoss.title.subtitle).toBeUndefined();
    const runs = (c: (typeof charts)[number]) => [...new Set(c.data.values.map((v) => v.run?.split('/')[0]))];
    expect(runs(dLoss)).toEqual(['baseline', 'decay-new']);
    expect(runs(printed)).toEqual(['decay-new', 'decay-old']);
    expect(printed.data.values.filter((v) => v.run?.startsWith('decay-old'))).toEqual([
      { run: expect.any(String), step: 10, value: -0.05 },
      { run: expect.any(String), step: 20, value: -0.75 },
    ]);
    const markup = markupOnly(html);
    expect(markup).toContain('<th class="num">D loss</th><th class="num">D cost (printed)</th>');
    expect(markup).toContain('data-metric="dCostPrinted" aria-label="D cost (printed)"');
    expect(markup).toContain(`<p class="note">D cost (printed): -log D(x) + log(1 - D(G(z))), the D cost`);
    expect(markup).not.toContain('†');
  });

  it('draws the charts of runs without it as before', async () => {
    const { dir } = await dColumnRuns();
    const { html } = await listHtml(await listRuns(dir, { configs: ['baseline'] }));
    expect(
      specs(html)
        .map((c) => c.title.text)
        .slice(0, 5),
    ).toEqual(['D loss', 'G loss', 'D(x)', 'D(G(z))', 'learning rate (log scale)']);
    expect(markupOnly(html)).not.toMatch(/printed/);
  });

  it("draws each group's mean D cost (printed) as its own band chart", async () => {
    const { dir } = await dColumnRuns();
    const { html } = await groupsHtml(await listGroups(dir, { by: ['loss.reportedDiscriminatorCost'] }));
    const charts = specs(html);
    expect(charts.map((c) => c.title.text).slice(0, 3)).toEqual(['D loss', 'D cost (printed)', 'G loss']);
    const printed = charts[1];
    expect(printed.title.subtitle?.join(' ')).toBe(METRIC_LABELS.dCostPrinted.description);
    expect(printed.data.values.map((v) => [v.group, v.step, v.mean])).toEqual([
      ['decay-new, decay-old', 10, expect.closeTo(-0.045, 12)],
      ['decay-new, decay-old', 20, expect.closeTo(-0.625, 12)],
    ]);
    // D loss: the baseline's, and the new run's alone in its group
    expect(charts[0].data.values.map((v) => [v.group, v.step, v.mean])).toEqual([
      ['baseline', 10, 1.38],
      ['baseline', 20, 1.25],
      ['decay-new, decay-old', 10, 1.36],
      ['decay-new, decay-old', 20, 1.3],
    ]);
  });
});

describe('a run of the article configs with no rows yet', () => {
  it('shows no D cost (printed) column: nothing logged, nothing shown', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, { name: 'decay', date: at('10:00:00'), config: ARTICLE_PRINTED, metrics: [] });
    expect(formatList(await listRuns(dir), 'table')).not.toMatch(/printed/);
  });
});
