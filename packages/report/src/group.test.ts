import { writeFileSync } from 'node:fs';
import { configPath } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { ReportError } from './errors.ts';
import { type FixtureRun, writeFixtureRun } from './fixtures.ts';
import { listGroups, parseGroupBy } from './group.ts';
import { formatGroups } from './output.ts';
import { ARTICLE_PRINTED, at, tempExperiments } from './test-helpers.ts';

/** The header cells and rows of a text table, split on runs of 2+ spaces. */
function textTable(text: string) {
  const lines = text.trimEnd().split('\n');
  const [header, , ...rest] = lines;
  const rows = rest.filter((l) => !/^(groups|±|\[|\(mean|D cost)/.test(l));
  const notes = rest.filter((l) => !rows.includes(l));
  return { header: header.split(/\s{2,}/), rows: rows.map((r) => r.split(/\s{2,}/)), notes };
}

/** A run of `name` with one metrics row at step 100 (and an evaluation). */
function run(
  name: string,
  seed: number,
  time: string,
  row: { dLoss: number; dCostPrinted?: number; gLoss: number; dReal: number; dFake: number },
  extra: Pick<FixtureRun, 'config' | 'meta'> = {},
): FixtureRun {
  return {
    name,
    date: at(time),
    suffix: `00${seed}${name.length}`.slice(-4),
    config: { seed, train: { steps: 100 }, ...extra.config },
    metrics: [{ step: 100, ...row }],
    meta: {
      stepsPerSec: 100 + seed,
      latestEval: { step: 100, modesCovered: 6 + seed, frechetDistance: seed / 10 },
      ...extra.meta,
    },
  };
}

/**
 * Three `decay` runs that differ only by seed (D loss 1.0, 1.2, 1.4: mean 1.2, sd 0.2), two
 * `decay` runs with another generator lr, and one `baseline` run.
 */
async function seededRuns() {
  const dir = tempExperiments();
  const rows = [
    { dLoss: 1.0, gLoss: 0.5, dReal: 0.6, dFake: 0.3 },
    { dLoss: 1.2, gLoss: 0.7, dReal: 0.7, dFake: 0.4 },
    { dLoss: 1.4, gLoss: 0.9, dReal: 0.8, dFake: 0.5 },
  ];
  for (const [i, row] of rows.entries()) await writeFixtureRun(dir, run('decay', i + 1, `10:0${i}:00`, row));
  const lr = { optim: { generator: { lr: 0.002 } } };
  await writeFixtureRun(
    dir,
    run('decay', 1, '11:00:00', { dLoss: 2, gLoss: 1, dReal: 0.5, dFake: 0.5 }, { config: lr }),
  );
  await writeFixtureRun(
    dir,
    run('decay', 2, '11:01:00', { dLoss: 3, gLoss: 2, dReal: 0.5, dFake: 0.5 }, { config: lr }),
  );
  await writeFixtureRun(
    dir,
    run('baseline', 1, '09:00:00', { dLoss: 0.7, gLoss: 0.7, dReal: 0.5, dFake: 0.5 }),
  );
  return dir;
}

describe('listGroups', () => {
  it('groups runs that differ only by seed into one row, with mean ± sd', async () => {
    const list = await listGroups(await seededRuns(), { configs: ['decay'] });
    expect(list.groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['decay', 3],
      ['decay', 2],
    ]);
    // what tells the groups apart; the seed is what varies inside them
    expect(list.params).toEqual(['optim.generator.lr']);
    const { header, rows, notes } = textTable(formatGroups(list, 'table'));
    expect(header).toEqual([
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
      'optim.generator.lr',
    ]);
    expect(rows[0]).toEqual([
      'decay',
      '3',
      '3 completed',
      '100/100',
      '1.20 ± 0.20',
      '0.70 ± 0.20',
      '0.70 ± 0.10',
      '0.40 ± 0.10',
      '8.0 ± 1.0',
      '0.20 ± 0.10',
      '102.0 ± 1.0',
      '0.0002',
    ]);
    expect(rows[1].slice(0, 5)).toEqual(['decay', '2', '2 completed', '100/100', '2.50 ± 0.71']);
    expect(notes).toEqual([
      'groups: runs whose configs are the same except for the seed; n = its runs',
      '± = sample standard deviation (n - 1) over the runs of a group, after its mean',
    ]);
  });

  it('writes a single run without ±, and min..max with spread minmax', async () => {
    const dir = await seededRuns();
    const { rows } = textTable(formatGroups(await listGroups(dir, { spread: 'minmax' }), 'table'));
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['baseline', '1', '1 completed', '100/100', '0.7000'],
      ['decay', '3', '3 completed', '100/100', '1.20 [1.00..1.40]'],
      ['decay', '2', '2 completed', '100/100', '2.5 [2.0..3.0]'],
    ]);
  });

  it('groups by chosen keys with --by, showing those keys', async () => {
    const dir = await seededRuns();
    const list = await listGroups(dir, { by: ['optim.generator.lr'] });
    expect(list.by).toEqual({ kind: 'keys', keys: ['optim.generator.lr'] });
    expect(list.groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['baseline, decay', 4],
      ['decay', 2],
    ]);
    expect(list.params).toEqual(['optim.generator.lr']);
    const { rows, notes } = textTable(formatGroups(list, 'table'));
    expect(rows.map((r) => [r[0], r[1], r.at(-1)])).toEqual([
      ['baseline, decay', '4', '0.0002'],
      ['decay', '2', '0.002'],
    ]);
    expect(notes[0]).toBe('groups: runs with the same optim.generator.lr; n = its runs');
    // --by name groups by config name alone
    const byName = await listGroups(dir, { by: ['name'] });
    expect(byName.groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['baseline', 1],
      ['decay', 5],
    ]);
  });

  it('counts mixed statuses and leaves a diverged run out of the means, saying so', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, run('decay', 1, '10:00:00', { dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5 }));
    await writeFixtureRun(dir, run('decay', 2, '10:01:00', { dLoss: 2, gLoss: 1, dReal: 0.5, dFake: 0.5 }));
    await writeFixtureRun(
      dir,
      run(
        'decay',
        3,
        '10:02:00',
        { dLoss: Number.NaN, gLoss: Infinity, dReal: 0.5, dFake: 0.5 },
        { meta: { status: 'diverged', divergedAt: 100, latestEval: null } },
      ),
    );
    const list = await listGroups(dir);
    const { rows, notes } = textTable(formatGroups(list, 'table'));
    expect(rows[0].slice(0, 6)).toEqual([
      'decay',
      '3',
      '2 completed, 1 diverged',
      '100/100',
      '1.50 ± 0.71 (n=2)',
      '1 ± 0 (n=2)',
    ]);
    expect(rows[0][8]).toBe('7.50 ± 0.71 (n=2)'); // the diverged run has no evaluation
    expect(notes[1]).toMatch(/; \(n=k\) = only k of the group's runs have a finite value$/);
    const json = JSON.parse(formatGroups(list, 'json'));
    expect(json.groups[0].statuses).toEqual({ completed: 2, diverged: 1 });
    expect(json.groups[0].stats.dLoss).toEqual({
      mean: 1.5,
      sd: Math.SQRT1_2,
      min: 1,
      max: 2,
      n: 2,
      nonFinite: 1,
    });
    // a group of diverged runs only shows what they logged
    const all = await listGroups(dir, { statuses: ['diverged'] });
    expect(textTable(formatGroups(all, 'table')).rows[0].slice(4, 6)).toEqual(['NaN', 'Inf']);
  });

  it('prints JSON with mean, sd, min, max and n per column per group', async () => {
    const list = await listGroups(await seededRuns(), { configs: ['decay'], evalColumns: ['modesCovered'] });
    const doc = JSON.parse(formatGroups(list, 'json'));
    expect(Object.keys(doc)).toEqual([
      'format',
      'version',
      'experimentsDir',
      'by',
      'window',
      'spread',
      'params',
      'evalColumns',
      'columns',
      'groups',
      'skipped',
    ]);
    expect(doc).toMatchObject({ format: 'gan-report/groups', version: 2, by: 'seed-excluded', window: 0 });
    expect(doc.columns.map((c: { key: string }) => c.key)).toEqual([
      'step',
      'dLoss',
      'gLoss',
      'dReal',
      'dFake',
      'eval.modesCovered',
      'eval.frechetDistance',
      'stepsPerSec',
    ]);
    const [g] = doc.groups;
    expect(Object.keys(g)).toEqual([
      'label',
      'configs',
      'n',
      'statuses',
      'params',
      'varying',
      'stats',
      'runs',
    ]);
    expect(g).toMatchObject({
      label: 'decay',
      configs: ['decay'],
      n: 3,
      statuses: { completed: 3 },
      params: { 'optim.generator.lr': 0.0002 },
      varying: {},
    });
    expect(g.stats.dLoss.mean).toBeCloseTo(1.2, 12);
    expect(g.stats.dLoss.sd).toBeCloseTo(0.2, 12);
    expect(g.stats.dLoss).toMatchObject({ min: 1, max: 1.4, n: 3, nonFinite: 0 });
    expect(g.stats['eval.modesCovered']).toEqual({ mean: 8, sd: 1, min: 7, max: 9, n: 3, nonFinite: 0 });
    expect(g.runs.map((r: { seed: number; values: { dLoss: number } }) => [r.seed, r.values.dLoss])).toEqual([
      [1, 1],
      [2, 1.2],
      [3, 1.4],
    ]);
    const minmax = JSON.parse(
      formatGroups(await listGroups(await seededRuns(), { spread: 'minmax' }), 'json'),
    );
    expect(minmax.spread).toBe('minmax');
  });

  it('prints Markdown tables, the legend after a blank line', async () => {
    const md = formatGroups(await listGroups(await seededRuns(), { configs: ['decay'] }), 'md');
    const lines = md.split('\n');
    expect(lines[0]).toBe(
      '| config | n | status | step | D loss | G loss | D(x) | D(G(z)) | modes | FD | steps/s | optim.generator.lr |',
    );
    expect(lines[1]).toBe('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    expect(lines[2]).toBe(
      '| decay | 3 | 3 completed | 100/100 | 1.20 ± 0.20 | 0.70 ± 0.20 | 0.70 ± 0.10 | 0.40 ± 0.10 | 8.0 ± 1.0 | 0.20 ± 0.10 | 102.0 ± 1.0 | 0.0002 |',
    );
    expect(lines[4]).toBe('');
    expect(lines[5]).toBe('groups: runs whose configs are the same except for the seed; n = its runs');
  });

  it.each([
    ['dLoss', ['baseline', 'decay 3', 'decay 2']],
    ['-dLoss', ['decay 2', 'decay 3', 'baseline']],
    ['-n', ['decay 3', 'decay 2', 'baseline']],
    ['D(G(z))', ['decay 3', 'baseline', 'decay 2']],
    ['-fd', ['decay 3', 'decay 2', 'baseline']],
    ['optim.generator.lr', ['baseline', 'decay 3', 'decay 2']],
    ['-config', ['decay 3', 'decay 2', 'baseline']],
  ])('sorts groups by their means: --sort %s', async (sort, expected) => {
    const list = await listGroups(await seededRuns(), { sort });
    expect(list.groups.map((g) => (g.label === 'decay' ? `decay ${g.runs.length}` : g.label))).toEqual(
      expected,
    );
  });

  it('limits the number of groups, after sorting', async () => {
    const list = await listGroups(await seededRuns(), { sort: '-dLoss', limit: 1 });
    expect(list.groups.map((g) => g.runs.length)).toEqual([2]);
  });

  it('summarises D loss over every run that has it, the article printed D cost in its own column', async () => {
    const dir = tempExperiments();
    // A run recorded before dCostPrinted existed: its dLoss is the printed cost.
    await writeFixtureRun(
      dir,
      run(
        'art',
        1,
        '10:00:00',
        { dLoss: -0.1, gLoss: 1, dReal: 0.5, dFake: 0.5 },
        { config: ARTICLE_PRINTED },
      ),
    );
    await writeFixtureRun(
      dir,
      run(
        'art',
        2,
        '10:01:00',
        { dLoss: 1.1, dCostPrinted: -0.3, gLoss: 1, dReal: 0.5, dFake: 0.5 },
        { config: ARTICLE_PRINTED },
      ),
    );
    await writeFixtureRun(dir, run('std', 1, '10:02:00', { dLoss: 1.3, gLoss: 1, dReal: 0.5, dFake: 0.5 }));
    const { header, rows, notes } = textTable(formatGroups(await listGroups(dir), 'table'));
    expect(header.slice(4, 7)).toEqual(['D loss', 'D cost (printed)', 'G loss']);
    expect(rows.map((r) => r.slice(4, 6))).toEqual([
      ['1.100 (n=1)', '-0.20 ± 0.14'],
      ['1.300', '-'],
    ]);
    expect(notes.at(-1)).toMatch(/^D cost \(printed\): -log D\(x\) \+ log\(1 - D\(G\(z\)\)\), the D cost/);
    // Grouped together, D loss is summarised over the runs that logged it.
    const together = await listGroups(dir, { by: ['train.steps'] });
    const table = textTable(formatGroups(together, 'table'));
    expect(table.rows[0].slice(4, 6)).toEqual(['1.20 ± 0.14 (n=2)', '-0.20 ± 0.14 (n=2)']);
    expect(JSON.parse(formatGroups(together, 'json')).groups[0].stats).toMatchObject({
      dLoss: { n: 2, mean: expect.closeTo(1.2, 12) },
      dCostPrinted: { n: 2, mean: expect.closeTo(-0.2, 12) },
    });
  });

  it('keeps a run whose config cannot be read in a group of its own', async () => {
    const dir = await seededRuns();
    const broken = await writeFixtureRun(
      dir,
      run('decay', 4, '10:03:00', { dLoss: 9, gLoss: 9, dReal: 0.5, dFake: 0.5 }),
    );
    writeFileSync(configPath(broken), 'seed: [');
    const list = await listGroups(dir, { configs: ['decay'] });
    expect(list.groups.map((g) => g.runs.length)).toEqual([3, 1, 2]);
    expect(list.groups[1].runs[0].runDir).toBe(broken);
  });

  it.each([
    [
      { by: ['optim.generator.lrr'] },
      /--by: unknown config key "optim\.generator\.lrr"; did you mean optim\.generator\.lr\?/,
    ],
    [{ by: ['seed-excluded,seed'] }, /--by: "seed-excluded" cannot be combined with config keys/],
    [{ spread: 'range' as never }, /--spread: expected sd or minmax, got "range"/],
    [{ sort: 'nope' }, /--sort: unknown column "nope"/],
    [{ limit: -1 }, /--limit/],
  ])('rejects %j with a clear message', async (options, message) => {
    const dir = await seededRuns();
    await expect(listGroups(dir, options)).rejects.toThrow(ReportError);
    await expect(listGroups(dir, options)).rejects.toThrow(message);
  });

  it('parses --by', () => {
    expect(parseGroupBy([])).toEqual({ kind: 'seed-excluded' });
    expect(parseGroupBy(['seed-excluded'])).toEqual({ kind: 'seed-excluded' });
    expect(parseGroupBy(['data.scaling,loss.discriminator', 'data.scaling'])).toEqual({
      kind: 'keys',
      keys: ['data.scaling', 'loss.discriminator'],
    });
  });
});

describe('listGroups with a window', () => {
  it('summarises each run window mean, and the headers say so', async () => {
    const dir = tempExperiments();
    // Run k logs D(G(z)) = k + 0.1 * step / 10 at steps 10..200: its mean over the last 50 steps
    // (steps 160..200) is k + 1.8; over the group of k = 0, 1, 2: 2.8 ± 1.
    for (const k of [0, 1, 2]) {
      await writeFixtureRun(dir, {
        name: 'w',
        date: at(`10:0${k}:00`),
        suffix: `000${k}`,
        config: { seed: k, train: { steps: 200 } },
        metrics: Array.from({ length: 20 }, (_, i) => {
          const step = (i + 1) * 10;
          return { step, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: k + (0.1 * step) / 10 };
        }),
      });
    }
    const list = await listGroups(dir, { window: 50 });
    const { header, rows, notes } = textTable(formatGroups(list, 'table'));
    expect(header.slice(4, 8)).toEqual([
      'D loss (mean of last 50 steps)',
      'G loss (mean of last 50 steps)',
      'D(x) (mean of last 50 steps)',
      'D(G(z)) (mean of last 50 steps)',
    ]);
    expect(rows[0][7]).toBe('2.8 ± 1.0');
    expect(notes).toContain(
      "(mean of last 50 steps): each run's mean over its metrics rows with step > its last step - 50, then summarised over the group",
    );
    const doc = JSON.parse(formatGroups(list, 'json'));
    expect(doc.window).toBe(50);
    expect(doc.groups[0].runs[0].window).toMatchObject({ steps: 50, fromStep: 160, toStep: 200, rows: 5 });
    expect(doc.groups[0].stats.dFake.mean).toBeCloseTo(2.8, 12);
  });
});
