import { spawn } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configPath, currentProcess, metaPath, metricsPath, probeProcess } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { ReportError } from './errors.ts';
import { writeFixtureRun } from './fixtures.ts';
import { evalLabel, listRuns, parseSince } from './list.ts';
import { formatList } from './output.ts';
import { at, tempExperiments } from './test-helpers.ts';
import { closeKeys, editDistance } from './values.ts';

/** Three runs of `decay` (seed and generator lr vary, steps do not) and one of `baseline`. */
async function fourRuns() {
  const dir = tempExperiments();
  const common = { train: { steps: 50 } };
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:00'),
    suffix: 'aaaa',
    config: { ...common, seed: 1 },
    metrics: [{ step: 50, dLoss: 1.5, gLoss: 0.7 }],
  });
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('11:00:00'),
    suffix: 'bbbb',
    config: { ...common, seed: 2, optim: { generator: { lr: 0.002 } } },
    metrics: [{ step: 50, dLoss: 0.9, gLoss: 1.1 }],
    meta: { latestEval: { step: 50, modesCovered: 6, frechetDistance: 0.25 } },
  });
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('12:00:00'),
    suffix: 'cccc',
    config: { ...common, seed: 3 },
    metrics: [{ step: 20, dLoss: 1.2, gLoss: 0.9 }],
    meta: { status: 'interrupted' },
  });
  await writeFixtureRun(dir, {
    name: 'baseline',
    date: at('09:00:00'),
    suffix: 'dddd',
    config: { ...common, seed: 1 },
    metrics: [{ step: 50, dLoss: 1.3, gLoss: 0.8 }],
    meta: { status: 'failed', error: 'boom' },
  });
  return dir;
}

const ids = (list: { runs: { runId: string }[] }) => list.runs.map((r) => r.runId.slice(-4));

/**
 * Three evaluated runs, as the trainer records them: one scored on the display scale too, one
 * without display keys, one not evaluated at all.
 */
async function evaluatedRuns() {
  const dir = tempExperiments();
  const histogram = [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0];
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:00'),
    suffix: 'e001',
    config: { seed: 1, data: { scaling: 'raw' } },
    metrics: [{ step: 50, dLoss: 1.5, gLoss: 0.7 }],
    meta: {
      latestEval: {
        step: 50,
        classHistogram: histogram,
        modesCovered: 1,
        inceptionScore: 1.0003,
        klUniform: Math.LN10, // every sample in one class
        frechetDistance: 655.3,
        diversity: 0.0000052,
        'display.classHistogram': histogram,
        'display.modesCovered': 2,
        'display.inceptionScore': 1.9,
      },
    },
  });
  await writeFixtureRun(dir, {
    name: 'baseline',
    date: at('11:00:00'),
    suffix: 'e002',
    config: { seed: 2 },
    metrics: [{ step: 50, dLoss: 0.9, gLoss: 1.1 }],
    meta: {
      latestEval: {
        step: 50,
        classHistogram: histogram,
        modesCovered: 10,
        inceptionScore: 7.173937,
        klUniform: null, // NaN, as JSON writes it
        frechetDistance: 55.67,
        diversity: 0.8968,
      },
    },
  });
  await writeFixtureRun(dir, {
    name: 'fresh',
    date: at('12:00:00'),
    suffix: 'e003',
    config: { seed: 3 },
    metrics: [{ step: 10, dLoss: 1.2, gLoss: 0.9 }],
    meta: { status: 'running', endedAt: null },
  });
  return dir;
}

/** The header cells and rows of a text table, split on runs of spaces. */
function textTable(text: string) {
  const [header, , ...rows] = text.trimEnd().split('\n');
  return { header: header.split(/\s{2,}/), rows: rows.map((r) => r.split(/\s{2,}/)) };
}

describe('listRuns', () => {
  it('lists every run with its final losses and only the config keys that vary', async () => {
    const list = await listRuns(await fourRuns());
    expect(ids(list)).toEqual(['dddd', 'aaaa', 'bbbb', 'cccc']); // config, then start time
    expect(list.params).toEqual(['seed', 'optim.generator.lr']); // config order; name is the config column
    const b = list.runs[2];
    expect(b.last).toMatchObject({ step: 50, dLoss: 0.9, gLoss: 1.1 });
    expect(b.params['optim.generator.lr']).toBe(0.002);

    const text = formatList(list, 'table');
    const lines = text.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'config',
      'run',
      'status',
      'step',
      'D loss',
      'G loss',
      'modes',
      'FD',
      'steps/s',
      'seed',
      'optim.generator.lr',
    ]);
    expect(lines).toHaveLength(2 + 4);
    expect(lines[4]).toMatch(
      /^decay\s+20261126-110000-bbbb\s+completed\s+50\/50\s+0\.9000\s+1\.100\s+6\s+0\.2500\s+100\.0\s+2\s+0\.002$/,
    );
    expect(lines[2]).toMatch(/^baseline\s+\S+\s+failed/);
    expect(lines[5]).toMatch(/interrupted\s+20\/50/);
    // aligned: each column starts at the same place on every line
    const runColumn = lines[0].indexOf('run');
    expect(lines.slice(2).map((l) => l.indexOf('2026'))).toEqual([
      runColumn,
      runColumn,
      runColumn,
      runColumn,
    ]);
  });

  it('shows every config key with allParams', async () => {
    const list = await listRuns(await fourRuns(), { allParams: true });
    expect(list.params).toContain('data.dataset');
    expect(list.params).toContain('train.steps');
    expect(list.params[0]).toBe('name');
  });

  it('computes the varying keys over the listed runs only', async () => {
    const list = await listRuns(await fourRuns(), { configs: ['decay'], since: '20261126-105959' });
    expect(ids(list)).toEqual(['bbbb', 'cccc']);
    expect(list.params).toEqual(['seed', 'optim.generator.lr']);
    const one = await listRuns(await fourRuns(), { limit: 1 });
    expect(one.params).toEqual([]);
  });

  it.each([
    [{ configs: ['decay'] }, ['aaaa', 'bbbb', 'cccc']],
    [{ configs: ['baseline,decay'] }, ['dddd', 'aaaa', 'bbbb', 'cccc']],
    [{ configs: ['base'] }, []],
    [{ configs: ['dec*'] }, ['aaaa', 'bbbb', 'cccc']],
    [{ statuses: ['completed'] }, ['aaaa', 'bbbb']],
    [{ statuses: ['failed', 'interrupted'] }, ['dddd', 'cccc']],
    [{ since: '20261126-110000-bbbb' }, ['bbbb', 'cccc']],
    [{ since: '20261126-1030' }, ['bbbb', 'cccc']],
    [{ since: '2026-11-26T11:30:00Z' }, ['cccc']],
    [{ since: '2026-11-27' }, []],
    [{ sort: 'dLoss' }, ['bbbb', 'cccc', 'dddd', 'aaaa']],
    [{ sort: '-dLoss' }, ['aaaa', 'dddd', 'cccc', 'bbbb']],
    [{ sort: '-gloss', limit: 2 }, ['bbbb', 'cccc']],
    [{ sort: '-run' }, ['cccc', 'bbbb', 'aaaa', 'dddd']],
    [{ sort: 'status' }, ['aaaa', 'bbbb', 'dddd', 'cccc']],
    [{ sort: '-seed' }, ['cccc', 'bbbb', 'dddd', 'aaaa']],
    [{ sort: 'optim.generator.lr' }, ['dddd', 'aaaa', 'cccc', 'bbbb']],
    [{ sort: 'modes' }, ['bbbb', 'dddd', 'aaaa', 'cccc']], // runs without the value last
    [{ sort: '-modes' }, ['bbbb', 'dddd', 'aaaa', 'cccc']],
    [{ limit: 0 }, []],
  ])('filters and sorts: %j', async (options, expected) => {
    expect(ids(await listRuns(await fourRuns(), options))).toEqual(expected);
  });

  it.each([
    [{ sort: 'nope' }, /--sort: unknown column "nope".*dLoss/],
    [{ sort: 'optim.generator.lrr' }, /such as optim\.generator\.lr/],
    [{ sort: 'lr' }, /such as optim\.generator\.lr/],
    [{ statuses: ['done'] }, /--status: unknown status "done"; expected one of running, completed/],
    [{ since: 'yesterday-ish' }, /--since: expected a run id/],
    [{ limit: -1 }, /--limit/],
  ])('rejects %j with a clear message', async (options, message) => {
    const dir = await fourRuns();
    await expect(listRuns(dir, options)).rejects.toThrow(ReportError);
    await expect(listRuns(dir, options)).rejects.toThrow(message);
  });

  it('parses --since forms', () => {
    expect(parseSince('20261126-153012-a3f9')).toEqual({ runId: '20261126-153012-a3f9' });
    expect(parseSince('20261126')).toEqual({ time: Date.UTC(2026, 10, 26) });
    expect(parseSince('20261126-15')).toEqual({ time: Date.UTC(2026, 10, 26, 15) });
    expect(parseSince('2026-11-26T15:30:00Z')).toEqual({ time: Date.UTC(2026, 10, 26, 15, 30) });
  });
});

describe('chosen columns', () => {
  it('shows exactly the config keys asked for, in that order, with - where a run lacks one', async () => {
    const list = await listRuns(await fourRuns(), {
      params: ['optim.generator.lr,train.steps', ' name ', 'optim.generator.lr'],
    });
    // train.steps is the same everywhere and name is the config column: shown all the same
    expect(list.params).toEqual(['optim.generator.lr', 'train.steps', 'name']);
    expect(list.paramSelection).toBe('chosen');
    const { header, rows } = textTable(formatList(list, 'table'));
    expect(header.slice(-4)).toEqual(['steps/s', 'optim.generator.lr', 'train.steps', 'name']);
    expect(rows.map((r) => r.slice(-3))).toEqual([
      ['0.0002', '50', 'baseline'],
      ['0.0002', '50', 'decay'],
      ['0.002', '50', 'decay'],
      ['0.0002', '50', 'decay'],
    ]);
  });

  it('marks a chosen key that a run lacks with -', async () => {
    const dir = await fourRuns();
    await writeFixtureRun(dir, {
      name: 'sched',
      date: at('13:00:00'),
      config: {
        optim: { generator: { schedule: { type: 'step', milestones: [{ step: 10, factor: 0.5 }] } } },
      },
      metrics: 1,
    });
    const list = await listRuns(dir, { params: ['optim.generator.schedule.milestones'] });
    const { rows } = textTable(formatList(list, 'table'));
    expect(rows.map((r) => r.at(-1))).toEqual(['-', '-', '-', '-', '[{step:10,factor:0.5}]']);
  });

  it.each([[['none']], [[]], [['none,none']]])('shows no config key with params %j', async (params) => {
    const list = await listRuns(await fourRuns(), { params });
    expect(list.params).toEqual([]);
    expect(textTable(formatList(list, 'table')).header.at(-1)).toBe('steps/s');
  });

  it.each([
    [
      { params: ['optim.generator.lrr'] },
      /--params: unknown config key "optim\.generator\.lrr"; did you mean optim\.generator\.lr\?/,
    ],
    [{ params: ['lr'] }, /"lr"; did you mean optim\.generator\.lr, optim\.discriminator\.lr\?/],
    [
      { params: ['seed,data.scale,zzzzzz'] },
      /"data\.scale"; did you mean data\.scaling[^\n]*\n.*"zzzzzz"; expected a dotted path/,
    ],
    [
      { params: ['optim.generator'] },
      /"optim\.generator"; did you mean optim\.generator\.type, optim\.generator\.lr/,
    ],
    [{ params: ['none,seed'] }, /--params: "none" cannot be combined with config keys/],
    [{ params: ['seed'], allParams: true }, /--all-params and --params exclude each other/],
  ])('rejects %j, naming the key and the close ones', async (options, message) => {
    const dir = await fourRuns();
    await expect(listRuns(dir, options)).rejects.toThrow(ReportError);
    await expect(listRuns(dir, options)).rejects.toThrow(message);
  });

  it('checks chosen keys against every run read, not only the listed ones', async () => {
    const list = await listRuns(await fourRuns(), { params: ['optim.generator.lr'], limit: 0 });
    expect(list.params).toEqual(['optim.generator.lr']);
  });

  it('adds evaluation columns after FD, formatted as numbers, - where a run has no value', async () => {
    const list = await listRuns(await evaluatedRuns(), {
      params: ['none'],
      evalColumns: ['display.modesCovered,inceptionScore', 'klUniform', 'diversity'],
    });
    expect(list.evalColumns).toEqual(['display.modesCovered', 'inceptionScore', 'klUniform', 'diversity']);
    const { header, rows } = textTable(formatList(list, 'table'));
    expect(header.slice(6)).toEqual(['modes', 'FD', 'modes (display)', 'IS', 'KL', 'diversity', 'steps/s']);
    expect(rows.map((r) => [r[0], ...r.slice(8, 12)])).toEqual([
      ['baseline', '-', '7.174', '-', '0.8968'],
      ['decay', '2', '1.000', '2.303', '5.2e-6'],
      ['fresh', '-', '-', '-', '-'],
    ]);
  });

  it('does not repeat modes and FD when asked for modesCovered or frechetDistance', async () => {
    const list = await listRuns(await evaluatedRuns(), {
      evalColumns: ['modesCovered,frechetDistance,diversity'],
    });
    const { header } = textTable(formatList(list, 'table'));
    expect(header.filter((h) => h === 'modes' || h === 'FD')).toEqual(['modes', 'FD']);
    expect(header).toContain('diversity');
  });

  it.each([
    ['inceptionScore', ['e001', 'e002', 'e003']],
    ['-inceptionScore', ['e002', 'e001', 'e003']],
    ['-IS', ['e002', 'e001', 'e003']],
    ['display.modesCovered', ['e001', 'e002', 'e003']], // runs without the value last
    ['-modes (display)', ['e001', 'e002', 'e003']],
    ['klUniform', ['e001', 'e002', 'e003']],
    ['-diversity', ['e002', 'e001', 'e003']],
  ])('sorts by the evaluation result %s', async (sort, expected) => {
    const list = await listRuns(await evaluatedRuns(), { sort, evalColumns: ['inceptionScore'] });
    expect(ids(list)).toEqual(expected);
  });

  it.each([
    [
      { evalColumns: ['classHistogram'] },
      /--eval: "classHistogram" is a list of values \(a histogram\), not one number/,
    ],
    [{ evalColumns: ['display.classHistogram'] }, /"display\.classHistogram" is a list of values/],
    [{ sort: 'classHistogram' }, /--sort: "classHistogram" is a list of values/],
    [
      { evalColumns: ['inceptionscore'] },
      /--eval: no run has "inceptionscore" in its latest evaluation; did you mean inceptionScore, display\.inceptionScore\?/,
    ],
    [
      { evalColumns: ['IS'] },
      /no run has "IS" .*; did you mean inceptionScore\?\nevaluation results: step, modesCovered, inceptionScore/,
    ],
    [{ sort: 'inceptionscor' }, /--sort: unknown column "inceptionscor".* such as inceptionScore/],
  ])('rejects %j, naming the evaluation key', async (options, message) => {
    const dir = await evaluatedRuns();
    await expect(listRuns(dir, options)).rejects.toThrow(ReportError);
    await expect(listRuns(dir, options)).rejects.toThrow(message);
  });

  it('accepts any evaluation key while no run has been evaluated', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, { name: 'new', date: at('10:00:00'), metrics: 2 });
    const list = await listRuns(dir, { evalColumns: ['inceptionScore'] });
    expect(textTable(formatList(list, 'table')).rows[0][8]).toBe('-');
  });

  it('reads non-finite results spelt as strings, and shows other values as text', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, {
      name: 'ring',
      date: at('10:00:00'),
      metrics: 2,
      meta: { latestEval: { step: 2, klUniform: 'NaN', highQuality: '-Infinity', note: 'partial' } },
    });
    const list = await listRuns(dir, { evalColumns: ['klUniform,highQuality,note'] });
    const { header, rows } = textTable(formatList(list, 'table'));
    expect(header.slice(8, 11)).toEqual(['KL', 'high quality', 'note']);
    expect(rows[0].slice(8, 11)).toEqual(['NaN', '-Inf', 'partial']);
  });
});

describe('evaluation headers and key hints', () => {
  it.each([
    ['display.modesCovered', 'modes (display)'],
    ['diversity', 'diversity'],
    ['display.diversity', 'diversity (display)'],
    ['inceptionScore', 'IS'],
    ['frechetDistance', 'FD'],
    ['klUniform', 'KL'],
    ['meanConfidence', 'confidence'],
    ['nnDistance', 'NN dist'],
    ['display.nnDistance', 'NN dist (display)'],
    ['pacganModes', 'modes (PacGAN)'],
    ['pacganHighQuality', 'HQ (PacGAN)'],
    ['pacganReverseKl', 'reverse KL (PacGAN)'],
    ['somethingNew', 'somethingNew'],
    ['display.', 'display.'],
  ])('labels %s as %s', (key, label) => {
    expect(evalLabel(key)).toBe(label);
  });

  it('suggests keys containing the text or a few edits away, best first', () => {
    const known = ['seed', 'data.split', 'data.scaling', 'optim.generator.lr', 'optim.discriminator.lr'];
    expect(closeKeys('data.scale', known)).toEqual(['data.scaling']);
    expect(closeKeys('scaling', known)).toEqual(['data.scaling']);
    expect(closeKeys('LR', known)).toEqual(['optim.generator.lr', 'optim.discriminator.lr']);
    expect(closeKeys('sed', known)).toEqual(['seed']);
    expect(closeKeys('optim.generator.l', known)).toEqual(['optim.generator.lr']);
    expect(closeKeys('d', known)).toEqual([]); // too short to mean anything
    expect(closeKeys('zzzz', known)).toEqual([]);
    expect(closeKeys('data', known, 1)).toEqual(['data.split']);
    expect([editDistance('kitten', 'sitting'), editDistance('', 'ab'), editDistance('ab', 'ab')]).toEqual([
      3, 2, 0,
    ]);
  });
});

describe('listRuns on damaged and unusual folders', () => {
  it("shows another machine's running run that has gone quiet as running?", async () => {
    const dir = tempExperiments();
    const elsewhere = { ...currentProcess(), hostname: 'another-machine' };
    const live = await writeFixtureRun(dir, {
      name: 'a',
      date: at('10:00:00'),
      suffix: '0001',
      metrics: 3,
      meta: { status: 'running', endedAt: null, process: elsewhere, heartbeatAt: new Date().toISOString() },
    });
    const hourAgo = new Date(Date.now() - 3600_000);
    const dead = await writeFixtureRun(dir, {
      name: 'a',
      date: at('10:00:01'),
      suffix: '0002',
      metrics: 3,
      meta: { status: 'running', endedAt: null, process: elsewhere, heartbeatAt: hourAgo.toISOString() },
    });
    for (const f of [metaPath(dead), metricsPath(dead)]) utimesSync(f, hourAgo, hourAgo);
    const list = await listRuns(dir);
    expect(list.runs.map((r) => [r.runDir, r.status, r.stale])).toEqual([
      [live, 'running', false],
      [dead, 'running', true],
    ]);
    expect(formatList(list, 'table')).toMatch(/0002\s+running\?/);
    expect(ids(await listRuns(dir, { statuses: ['stale'] }))).toEqual(['0002']);
    expect(ids(await listRuns(dir, { statuses: ['running'] }))).toEqual(['0001', '0002']);
    expect(ids(await listRuns(dir, { statuses: ['running'], staleAfterMs: 2 * 3600_000 }))).toHaveLength(2);
    expect((await listRuns(dir, { staleAfterMs: 2 * 3600_000 })).runs.every((r) => !r.stale)).toBe(true);
  });

  it('shows a running run of this machine whose process is gone as crashed, at once (kill -9)', async () => {
    const dir = tempExperiments();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await new Promise((resolve) => child.once('spawn', resolve));
    const seen = probeProcess(child.pid as number);
    const trainer = {
      ...currentProcess(),
      pid: child.pid as number,
      startTicks: seen.exists ? seen.startTicks : null,
    };
    const now = new Date().toISOString();
    const meta = { status: 'running' as const, endedAt: null, process: trainer, heartbeatAt: now };
    await writeFixtureRun(dir, { name: 'k', date: at('10:00:00'), suffix: '0001', metrics: 3, meta });
    expect((await listRuns(dir)).runs.map((r) => r.status)).toEqual(['running']);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const list = await listRuns(dir);
    expect(list.runs.map((r) => [r.status, r.stale])).toEqual([['crashed', false]]);
    expect(formatList(list, 'table')).toMatch(/0001\s+crashed/);
    expect(ids(await listRuns(dir, { statuses: ['crashed'] }))).toEqual(['0001']);
    expect(ids(await listRuns(dir, { statuses: ['running'] }))).toEqual([]);
  });

  it('uses the last whole metrics row when the last line is cut off, with a note', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, {
      name: 'cut',
      date: at('10:00:00'),
      metrics: [
        { step: 10, dLoss: 1 },
        { step: 20, dLoss: 2 },
      ],
      truncateMetrics: true,
      meta: { status: 'interrupted' },
    });
    const [run] = (await listRuns(dir)).runs;
    expect(run.last).toMatchObject({ step: 20, dLoss: 2 });
    expect(run.notes).toEqual([expect.stringMatching(/metrics\.jsonl: the last line is cut off/)]);
  });

  it('shows a diverged run with its non-finite losses', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, {
      name: 'div',
      date: at('10:00:00'),
      metrics: [
        { step: 10, dLoss: 1.2, gLoss: 0.7 },
        { step: 11, dLoss: Number.NaN, gLoss: Infinity },
      ],
      meta: { status: 'diverged', divergedAt: 11 },
    });
    const list = await listRuns(dir);
    expect(list.runs[0].last?.dLoss).toBeNaN();
    expect(formatList(list, 'table')).toMatch(/diverged\s+11\/\d+\s+NaN\s+Inf/);
  });

  it('skips folders that are not runs and shows runs with unreadable files', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, { name: 'ok', date: at('10:00:00'), metrics: 2 });
    const corrupt = await writeFixtureRun(dir, {
      name: 'ok',
      date: at('10:00:01'),
      suffix: '0001',
      metrics: 2,
    });
    writeFileSync(metaPath(corrupt), '{"formatVersion": 1, "name": ');
    const noConfig = await writeFixtureRun(dir, {
      name: 'ok',
      date: at('10:00:02'),
      suffix: '0002',
      metrics: 2,
    });
    writeFileSync(configPath(noConfig), 'data: [unclosed');
    mkdirSync(join(dir, 'ok', 'not-a-run'));
    mkdirSync(join(dir, 'stray'));
    writeFileSync(join(dir, 'README.md'), 'notes');

    const list = await listRuns(dir);
    expect(list.skipped).toEqual([
      { path: join(dir, 'ok', 'not-a-run'), reason: 'not a run (no meta.json)' },
    ]);
    expect(list.runs.map((r) => r.status)).toEqual(['completed', 'unreadable', 'completed']);
    expect(list.runs[1].notes[0]).toMatch(/meta\.json: invalid JSON/);
    expect(list.runs[1].last?.step).toBe(2);
    expect(list.runs[2].notes[0]).toMatch(/config\.yaml/);
    expect(list.params).toEqual([]); // the unreadable config does not make every key differ
    expect(formatList(list, 'table')).toMatch(/ok\s+20261126-100001-0001\s+unreadable\s+2\s/);
  });

  it('lists nothing, without failing, when the folder does not exist', async () => {
    const list = await listRuns(join(tempExperiments(), 'missing'));
    expect(list.runs).toEqual([]);
    expect(formatList(list, 'table')).toMatch(/^no runs under/);
  });
});
