import { readFileSync, writeFileSync } from 'node:fs';
import { configPath } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { diffRuns } from './diff.ts';
import { dLossKind, printedLegend } from './dloss.ts';
import { type FixtureRun, writeFixtureRun } from './fixtures.ts';
import { listRuns } from './list.ts';
import { diffHtml, formatDiff, formatList, listHtml } from './output.ts';
import { at, tempExperiments } from './test-helpers.ts';

const LEGEND =
  "† D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): not the loss D descends";

/** A run of an article config: D descends the standard loss, dLoss is the printed cost. */
const printed = (name: string, time: string, dLoss: number, extra: Partial<FixtureRun> = {}): FixtureRun => ({
  name,
  date: at(time),
  config: { loss: { reportedDiscriminatorCost: 'article-printed' } },
  metrics: [
    { step: 10, dLoss: -0.05, gLoss: 0.69, dReal: 0.5, dFake: 0.5 },
    { step: 20, dLoss, gLoss: 0.7, dReal: 0.6, dFake: 0.4 },
  ],
  ...extra,
});

/** A run whose dLoss is the loss D descends. */
const objective = (name: string, time: string, dLoss: number): FixtureRun => ({
  name,
  date: at(time),
  config: {},
  metrics: [
    { step: 10, dLoss: 1.38, gLoss: 0.69, dReal: 0.5, dFake: 0.5 },
    { step: 20, dLoss, gLoss: 0.7, dReal: 0.6, dFake: 0.4 },
  ],
});

async function write(runs: FixtureRun[]) {
  const dir = tempExperiments();
  const paths = [];
  for (const run of runs) paths.push(await writeFixtureRun(dir, run));
  return { dir, paths };
}

describe('the D loss of runs that log the article printed cost', () => {
  it('is marked † in the list, with one legend line under the table', async () => {
    const { dir } = await write([
      printed('decay', '10:00:00', -0.7312),
      objective('baseline', '10:00:01', 1.2),
    ]);
    const text = formatList(await listRuns(dir), 'table');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^config\s+run\s+status\s+step\s+D loss\s+G loss/);
    // Right-aligned: the digits line up, the mark (or a space) after them.
    const [baseline, decay] = [lines[2], lines[3]];
    expect(baseline).toMatch(/^baseline\s+20261126-100001-0000\s+completed\s+20\/10000\s+1\.200 {3}0\.7000/);
    expect(decay).toMatch(/^decay\s+20261126-100000-0000\s+completed\s+20\/10000\s+-0\.7312† {2}0\.7000/);
    expect(decay.indexOf('†') - 1).toBe(baseline.indexOf('1.200') + 4);
    expect(lines.at(-1)).toBe(LEGEND);
    expect(lines.filter((l) => l.includes('†'))).toHaveLength(2);

    const md = formatList(await listRuns(dir), 'md');
    expect(md).toContain('| -0.7312† | 0.7000 |');
    // After a blank line: a line right under a Markdown table would be read as one more row.
    expect(md.endsWith(`|\n\n${LEGEND}\n`)).toBe(true);
  });

  it('leaves the list of runs that log the loss D descends as it was', async () => {
    const { dir } = await write([
      objective('baseline', '10:00:00', 1.2),
      objective('baseline', '10:00:01', 1.3),
    ]);
    const text = formatList(await listRuns(dir), 'table');
    expect(text).not.toMatch(/†|article/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/\s1\.300\s+0\.7000\s/);
    expect(formatList(await listRuns(dir), 'md')).not.toMatch(/†|article/);
  });

  it('is said in JSON: dLossKind on every run', async () => {
    const { dir } = await write([
      printed('decay', '10:00:00', -0.73),
      objective('baseline', '10:00:01', 1.2),
    ]);
    const doc = JSON.parse(formatList(await listRuns(dir), 'json'));
    expect(doc.runs.map((r: { name: string; dLossKind: string }) => [r.name, r.dLossKind])).toEqual([
      ['baseline', 'objective'],
      ['decay', 'article-printed'],
    ]);
    expect(doc.runs[1].final.dLoss).toBe(-0.73); // the value as logged
  });

  it('reads old run folders: no reportedDiscriminatorCost key is the objective, legacy names still read', async () => {
    const { dir, paths } = await write([
      objective('old', '10:00:00', 1.2),
      objective('older', '10:00:01', 1.1),
    ]);
    const strip = (path: string, edit: (yaml: string) => string) => {
      const before = readFileSync(configPath(path), 'utf8');
      const after = edit(before);
      expect(after).not.toBe(before);
      writeFileSync(configPath(path), after);
    };
    strip(paths[0], (y) => y.replace(/^ {2}reportedDiscriminatorCost: objective\n/m, ''));
    // Written before loss.discriminator's values were renamed: `seed-flipped` is now `flipped`.
    strip(paths[1], (y) =>
      y
        .replace(/^ {2}reportedDiscriminatorCost: objective\n/m, '')
        .replace(/^ {2}discriminator: standard$/m, '  discriminator: seed-flipped'),
    );
    const list = await listRuns(dir);
    expect(list.runs.map((r) => r.notes)).toEqual([[], []]);
    expect(list.runs.map(dLossKind)).toEqual(['objective', 'objective']);
    expect(list.runs[1].params['loss.discriminator']).toBe('flipped');
    expect(formatList(list, 'table')).not.toContain('†');
  });

  it('is unknown (null, unmarked) when config.yaml cannot be read', async () => {
    const { dir, paths } = await write([printed('decay', '10:00:00', -0.73)]);
    writeFileSync(configPath(paths[0]), 'loss: [\n');
    const list = await listRuns(dir);
    expect(list.runs[0].notes).toHaveLength(1);
    expect(dLossKind(list.runs[0])).toBeNull();
    expect(JSON.parse(formatList(list, 'json')).runs[0].dLossKind).toBeNull();
    expect(formatList(list, 'table')).not.toContain('†');
  });

  it('says when the printed cost is the loss D descends (loss.discriminator: flipped)', () => {
    const run = (discriminator: string, reported = 'article-printed') => ({
      params: { 'loss.discriminator': discriminator, 'loss.reportedDiscriminatorCost': reported },
    });
    expect(printedLegend([run('standard', 'objective'), run('flipped', 'objective')])).toBeNull();
    expect(printedLegend([run('standard')])).toBe(LEGEND);
    expect(printedLegend([run('flipped'), run('standard', 'objective')])).toBe(
      "† D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): here also the loss D descends (loss.discriminator: flipped)",
    );
    expect(printedLegend([run('flipped'), run('standard')])).toBe(
      "† D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): not the loss D descends, except where loss.discriminator is flipped",
    );
  });
});

describe('diff of runs that log the article printed cost', () => {
  it('names the row D cost†, keeps the deltas, and says what it is under the table', async () => {
    const { dir } = await write([printed('decay', '10:00:00', -0.5), printed('decay', '10:00:01', -0.75)]);
    const diff = await diffRuns(dir, ['decay@1', 'decay@0']);
    const dLoss = diff.metrics.find((m) => m.key === 'dLoss')!;
    expect(dLoss).toEqual({
      key: 'dLoss',
      label: 'D cost†',
      values: [-0.5, -0.75],
      deltas: [null, { abs: -0.25, pct: -50 }],
      notes: [LEGEND],
    });
    const text = formatDiff(diff, 'table');
    expect(text).toMatch(/^D cost†\s+-0\.5000†\s+-0\.7500†\s+-0\.2500\s+-50\.0%$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe(LEGEND);
    expect(formatDiff(diff, 'md').endsWith(`|\n\n${LEGEND}\n`)).toBe(true);
  });

  it('says that a mix of the two kinds is not comparable, and gives no delta between them', async () => {
    const { dir } = await write([
      objective('baseline', '10:00:00', 1.25),
      printed('decay', '10:00:01', -0.75),
      objective('baseline', '10:00:02', 0.95),
    ]);
    const diff = await diffRuns(dir, ['baseline@1', 'decay@0', 'baseline@0']);
    const dLoss = diff.metrics.find((m) => m.key === 'dLoss')!;
    const MIXED =
      "D loss and D cost† are not comparable: A, C log the loss D descends, B the article's printed cost (no Δ between them)";
    expect(dLoss).toEqual({
      key: 'dLoss',
      label: 'D loss / D cost†',
      values: [1.25, -0.75, 0.95],
      deltas: [null, null, { abs: expect.closeTo(-0.3, 12), pct: expect.closeTo(-24, 10) }],
      notes: [LEGEND, MIXED],
    });
    // The other metrics are compared as before.
    expect(diff.metrics.find((m) => m.key === 'gLoss')!.deltas[1]).toEqual({ abs: 0, pct: 0 });
    const text = formatDiff(diff, 'table');
    expect(text).toMatch(
      /^D loss \/ D cost†\s+1\.250 \s+-0\.7500†\s+-\s+-\s+0\.9500 \s+-0\.3000\s+-24\.0%$/m,
    );
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([LEGEND, MIXED]);
    const json = JSON.parse(formatDiff(diff, 'json'));
    expect(json.runs.map((r: { dLossKind: string }) => r.dLossKind)).toEqual([
      'objective',
      'article-printed',
      'objective',
    ]);
    expect(json.metrics.find((m: { key: string }) => m.key === 'dLoss').notes).toEqual([LEGEND, MIXED]);

    const two = await diffRuns(dir, ['decay@0', 'baseline@0']);
    expect(formatDiff(two, 'table')).toContain(
      "D loss and D cost† are not comparable: A logs the article's printed cost, B the loss D descends",
    );
  });

  it('leaves a diff of runs that log the loss D descends as it was', async () => {
    const { dir } = await write([
      objective('baseline', '10:00:00', 1.25),
      objective('baseline', '10:00:01', 1.0),
    ]);
    const diff = await diffRuns(dir, ['baseline@1', 'baseline@0']);
    expect(diff.metrics.find((m) => m.key === 'dLoss')).not.toHaveProperty('notes');
    expect(formatDiff(diff, 'table')).not.toMatch(/†|article|comparable/);
  });
});

describe('HTML', () => {
  /** The Vega-Lite specs embedded in a report. */
  const specs = (html: string) => {
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1];
    return JSON.parse(json).charts.map((c: { spec: Record<string, unknown> }) => c.spec) as {
      title: { text: string; subtitle?: string[] };
      data: { values: { run: string; series?: string }[] };
      encoding: Record<string, unknown>;
      layer: { encoding: Record<string, unknown> }[];
    }[];
  };

  it("titles the D loss chart D cost† and says what it is; the table's legend is under it", async () => {
    const { dir } = await write([printed('decay', '10:00:00', -0.73)]);
    const { html } = await listHtml(await listRuns(dir));
    const [dLoss, gLoss] = specs(html);
    expect(dLoss.title).toEqual({
      text: 'D cost†',
      anchor: 'start',
      subtitle: [
        "† D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))):",
        'not the loss D descends',
      ],
      subtitleColor: '#656d76',
    });
    expect(gLoss.title).toEqual({ text: 'G loss', anchor: 'start' });
    expect(html).toContain('data-metric="dLoss" aria-label="D cost†"');
    expect(html).toContain('<td class="num">-0.7300†</td>');
    expect(html).toContain(`<p class="note">${LEGEND.replace("'", '&#39;')}</p>`);
  });

  it('draws the two kinds in two line styles when the runs mix them', async () => {
    const { dir } = await write([
      objective('baseline', '10:00:00', 1.25),
      printed('decay', '10:00:01', -0.75),
    ]);
    const { html } = await diffHtml(await diffRuns(dir, ['baseline@0', 'decay@0']));
    const [dLoss] = specs(html);
    expect(dLoss.title.text).toBe('D loss / D cost† (not comparable)');
    expect(dLoss.title.subtitle).toHaveLength(3);
    expect(new Set(dLoss.data.values.map((v) => `${v.run.split('/')[0]}: ${v.series}`))).toEqual(
      new Set(['baseline: loss D descends', "decay: D cost† (the article's print)"]),
    );
    expect(dLoss.layer[0].encoding.strokeDash).toMatchObject({ field: 'series', title: 'D value' });
    expect(html).toContain(
      'are not comparable: A logs the loss D descends, B the article&#39;s printed cost',
    );
  });

  it('keeps the D loss chart of runs that log the loss D descends as it was', async () => {
    const { dir } = await write([objective('baseline', '10:00:00', 1.25)]);
    const { html } = await listHtml(await listRuns(dir));
    const [dLoss] = specs(html);
    expect(dLoss.title).toEqual({ text: 'D loss', anchor: 'start' });
    expect(dLoss.data.values.every((v) => v.series === undefined)).toBe(true);
    expect(html).not.toMatch(/†|article&#39;s/);
  });
});
