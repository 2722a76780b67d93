import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metaPath } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { main, parseCli } from './cli.ts';
import { writeFixtureRun } from './fixtures.ts';
import { at, captureIo, tempExperiments } from './test-helpers.ts';

async function setup() {
  const dir = tempExperiments();
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:00'),
    suffix: '0001',
    config: { seed: 1 },
    metrics: [{ step: 5, dLoss: 1.5, gLoss: 0.5 }],
    meta: { latestEval: { step: 5, inceptionScore: 2.5, 'display.modesCovered': 4 } },
  });
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:05'),
    suffix: '0002',
    config: { seed: 2 },
    metrics: [{ step: 5, dLoss: 0.5, gLoss: 1.5 }],
    meta: { latestEval: { step: 5, inceptionScore: 7.25, classHistogram: [0.5, 0.5] } },
  });
  mkdirSync(join(dir, 'decay', 'scratch'));
  const cwd = dirname(dir);
  return { dir, cwd, io: captureIo(cwd) };
}

describe('pnpm report', () => {
  it('lists runs and notes skipped folders on stderr', async () => {
    const { io } = await setup();
    expect(await main(['--experiments', 'experiments'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^config\s+run\s+status\s+step\s+D loss\s+G loss\s+modes\s+FD\s+steps\/s\s+seed$/,
    );
    expect(lines.slice(2).map((l) => l.split(/\s+/)[1])).toEqual([
      '20261126-100000-0001',
      '20261126-100005-0002',
    ]);
    expect(io.err()).toMatch(/^skipped \S*experiments\/decay\/scratch: not a run \(no meta\.json\)\n$/);
  });

  it('takes --sort with a leading dash, and repeated filters', async () => {
    const { io } = await setup();
    const code = await main(
      ['--experiments=experiments', '--sort', '-gLoss', '--config', 'x', '--config', 'decay', '--json'],
      io,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(io.out());
    expect(doc.runs.map((r: { runId: string }) => r.runId)).toEqual([
      '20261126-100005-0002',
      '20261126-100000-0001',
    ]);
  });

  it('shows the chosen config keys and evaluation columns, and sorts by one', async () => {
    const { io } = await setup();
    const argv = [
      '--experiments',
      'experiments',
      '--params',
      'none',
      '--eval',
      'display.modesCovered,inceptionScore',
    ];
    expect(await main([...argv, '--sort', '-inceptionScore'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^config\s+run\s+status\s+step\s+D loss\s+G loss\s+modes\s+FD\s+modes \(display\)\s+IS\s+steps\/s$/,
    );
    expect(lines[2]).toMatch(/^decay\s+20261126-100005-0002\s.*\s-\s+7\.250\s+100\.0$/);
    expect(lines[3]).toMatch(/^decay\s+20261126-100000-0001\s.*\s4\s+2\.500\s+100\.0$/);

    const md = captureIo(io.cwd!);
    expect(await main(['--experiments', 'experiments', '--params', 'seed,train.steps', '--md'], md)).toBe(0);
    expect(md.out()).toMatch(/^\| config \| run \| .* \| steps\/s \| seed \| train\.steps \|\n/);
    expect(md.out()).toMatch(/\| 100\.0 \| 1 \| \d+ \|\n/);

    const json = captureIo(io.cwd!);
    expect(
      await main(
        ['--experiments', 'experiments', '--eval', 'inceptionScore', '--params=seed', '--json'],
        json,
      ),
    ).toBe(0);
    const doc = JSON.parse(json.out());
    expect([doc.params, doc.evalColumns]).toEqual([['seed'], ['inceptionScore']]);
  });

  it('prints Markdown', async () => {
    const { io } = await setup();
    expect(await main(['--experiments', 'experiments', '--md', '--status', 'completed'], io)).toBe(0);
    expect(io.out()).toMatch(/^\| config \| run \|/);
  });

  it('notes unreadable files but still lists the run', async () => {
    const { dir, io } = await setup();
    writeFileSync(metaPath(join(dir, 'decay', '20261126-100000-0001')), 'not json');
    expect(await main(['--experiments', 'experiments'], io)).toBe(0);
    expect(io.out()).toMatch(/20261126-100000-0001\s+unreadable/);
    expect(io.err()).toMatch(/note: \S*20261126-100000-0001\/meta\.json: invalid JSON/);
  });

  it('diffs runs', async () => {
    const { io } = await setup();
    expect(await main(['diff', 'decay@1', 'decay@latest', '--experiments', 'experiments'], io)).toBe(0);
    expect(io.out()).toMatch(/^seed\s+1\s+→\s+2$/m);
    expect(io.out()).toMatch(/^D loss\s+1\.500\s+0\.5000\s+-1\s+-66\.7%$/m);
  });

  it('writes an HTML report', async () => {
    const { cwd, io } = await setup();
    const args = ['diff', 'decay@1', 'decay@0', '--experiments', 'experiments', '--html', 'out/r.html'];
    expect(await main(args, io)).toBe(0);
    expect(io.out()).toMatch(/^wrote \S*out\/r\.html \(2 runs, [\d.]+ MiB\)\n$/);
    expect(readFileSync(join(cwd, 'out', 'r.html'), 'utf8')).toMatch(
      /^<!doctype html>[\s\S]*<h2>Config \(1 key A → B\)<\/h2>/,
    );
  });

  it('says at once why an HTML report cannot go where asked (it hung under /proc before)', async () => {
    const { cwd, io } = await setup();
    writeFileSync(join(cwd, 'file'), 'x');
    const args = ['diff', 'decay@1', 'decay@0', '--experiments', 'experiments', '--html', 'file/r.html'];
    expect(await main(args, io)).toBe(2);
    expect(io.err()).toBe(
      `--html: cannot create the folder of the HTML report ${join(cwd, 'file')}: it exists and is not a folder\n`,
    );
    if (existsSync('/proc/self')) {
      const proc = ['diff', 'decay@1', 'decay@0', '--experiments', 'experiments', '--html', '/proc/x/r.html'];
      expect(await main(proc, io)).toBe(2);
      expect(io.err()).toMatch(/\/proc does not accept new folders \(mkdir \/proc\/x: ENOENT\)\n$/);
    }
  });

  it('writes the chosen columns to the HTML report', async () => {
    const { cwd, io } = await setup();
    const args = [
      '--experiments',
      'experiments',
      '--params',
      'seed',
      '--eval',
      'inceptionScore',
      '--html',
      'r.html',
    ];
    expect(await main(args, io)).toBe(0);
    const html = readFileSync(join(cwd, 'r.html'), 'utf8');
    expect(html).toContain(
      '<th class="num">FD</th><th class="num">IS</th><th class="num">steps/s</th><th>seed</th></tr>',
    );
    expect(html).toContain(
      'After steps/s: the config keys asked for. From each run&#39;s latest evaluation: IS = inceptionScore.',
    );
  });

  it.each([
    [
      ['--params', 'sed', '--experiments', 'experiments'],
      /^--params: unknown config key "sed"; did you mean seed\?\n/,
    ],
    [['--params', 'none,seed', '--experiments', 'experiments'], /--params: "none" cannot be combined/],
    [['--all-params', '--params', 'seed'], /--all-params and --params exclude each other/],
    [['--params', ' , '], /--params: expected config keys separated by commas \(or none\)/],
    [['--eval='], /--eval: expected evaluation keys separated by commas/],
    [
      ['--eval', 'inceptionscore', '--experiments', 'experiments'],
      /no run has "inceptionscore" in its latest evaluation; did you mean inceptionScore\?/,
    ],
    [
      ['--eval', 'classHistogram', '--experiments', 'experiments'],
      /--eval: "classHistogram" is a list of values \(a histogram\)/,
    ],
    [['diff', 'decay@0', 'decay@1', '--params', 'seed'], /--params applies to the list, not to diff/],
    [['diff', 'decay@0', 'decay@1', '--eval', 'inceptionScore'], /--eval applies to the list, not to diff/],
    [['--bogus'], /unknown option --bogus\n\nusage: pnpm report/],
    [['-x'], /unknown option -x/],
    [['--json', '--md'], /choose one output format, got --json and --md/],
    [['--limit', 'ten'], /--limit: expected a whole number >= 0, got "ten"/],
    [['--sort'], /--sort needs a value/],
    [['--json=yes'], /--json takes no value/],
    [['diff', 'decay@0'], /diff needs at least two runs/],
    [['diff', 'decay@0', 'decay@1', '--sort', 'dLoss'], /--sort applies to the list, not to diff/],
    [['show'], /unknown command "show"/],
    [['--spread', 'minmax'], /--spread applies to grouped reports: add --group \(or --by keys\)/],
    [['--group', '--spread', 'range'], /--spread: expected sd or minmax, got "range"/],
    [['--by', ','], /--by: expected config keys separated by commas \(or seed-excluded\)/],
    [
      ['--group', '--by', 'sed', '--experiments', 'experiments'],
      /--by: unknown config key "sed"; did you mean seed\?/,
    ],
    [['--window', '-5'], /--window: expected a whole number of steps >= 0, got "-5"/],
    [['--window', '1.5'], /--window: expected a whole number of steps >= 0/],
    [
      ['diff', 'decay@0', 'decay@1', '--group'],
      /--group applies to the list; diff compares groups named config@all/,
    ],
    [['diff', 'decay@0', 'decay@1', '--by', 'seed'], /--by applies to the list/],
    [['diff', 'decay@0', 'decay@1', '--spread', 'sd'], /--spread applies to groups: name them config@all/],
    [
      ['diff', 'decay@all', 'decay@0', '--experiments', 'experiments'],
      /decay@0: names decay\/\S+ again \(decay@all names it too\)/,
    ],
    [['list', 'extra'], /unexpected argument "extra"/],
    [
      ['diff', 'decay@0', '2026', '--experiments', 'experiments'],
      /2026: ambiguous run reference, 2 runs match/,
    ],
    [
      ['diff', 'decay@0', 'nope@0', '--experiments', 'experiments'],
      /no runs of config "nope"; configs with runs: decay/,
    ],
  ])('exits with 2 and a message for %j', async (argv, message) => {
    const { io } = await setup();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it('groups runs with --group, and by keys with --by', async () => {
    const { io } = await setup();
    expect(await main(['--experiments', 'experiments', '--group'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^config\s+n\s+status\s+step\s+D loss\s+G loss\s+D\(x\)\s+D\(G\(z\)\)\s+modes\s+FD\s+steps\/s$/,
    );
    // D loss 1.5 and 0.5: mean 1, sd 0.71
    expect(lines[2]).toMatch(
      /^decay\s+2\s+2 completed\s+5\/\d+\s+1\.00 ± 0\.71\s+1\.00 ± 0\.71\s+-\s+-\s+-\s+-\s+100 ± 0$/,
    );
    expect(lines[3]).toBe('groups: runs whose configs are the same except for the seed; n = its runs');

    const by = captureIo(io.cwd!);
    expect(await main(['--experiments', 'experiments', '--by', 'seed', '--sort', '-dLoss', '--md'], by)).toBe(
      0,
    );
    const md = by.out().split('\n');
    expect(md[0]).toMatch(/^\| config \| n \| status \|.*\| steps\/s \| seed \|$/);
    expect(md.slice(2, 4).map((l) => l.split(' | ').at(-1))).toEqual(['1 |', '2 |']);

    const json = captureIo(io.cwd!);
    expect(
      await main(['--experiments', 'experiments', '--group', '--spread', 'minmax', '--json'], json),
    ).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ format: 'gan-report/groups', spread: 'minmax' });
  });

  it('averages the last steps with --window, and says so in the headers', async () => {
    const { io } = await setup();
    expect(await main(['--experiments', 'experiments', '--window', '1000', '--params', 'none'], io)).toBe(0);
    const [header, , , , note] = io.out().trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual([
      'config',
      'run',
      'status',
      'step',
      'D loss (mean of last 1000 steps)',
      'G loss (mean of last 1000 steps)',
      'D(x) (mean of last 1000 steps)',
      'D(G(z)) (mean of last 1000 steps)',
      'modes',
      'FD',
      'steps/s',
    ]);
    expect(note).toBe(
      "(mean of last 1000 steps): each run's mean over its metrics rows with step > its last step - 1000",
    );
    const json = captureIo(io.cwd!);
    expect(await main(['--experiments', 'experiments', '--window=1000', '--json'], json)).toBe(0);
    const doc = JSON.parse(json.out());
    expect(doc.window).toBe(1000);
    expect(doc.runs[0].window).toEqual({
      steps: 1000,
      fromStep: 5,
      toStep: 5,
      rows: 1,
      mean: { dLoss: 1.5, gLoss: 0.5 },
    });
    const diff = captureIo(io.cwd!);
    expect(
      await main(['diff', 'decay@1', 'decay@0', '--experiments', 'experiments', '--window', '10'], diff),
    ).toBe(0);
    expect(diff.out()).toMatch(/^D loss \(mean of last 10 steps\)\s+1\.500\s+0\.5000\s+-1\s+-66\.7%$/m);
    expect(diff.out()).toMatch(/^\(mean of last 10 steps\): each run's mean over its metrics rows/m);
  });

  it('diffs groups named config@all', async () => {
    const { dir, io } = await setup();
    await writeFixtureRun(dir, {
      name: 'base',
      date: at('11:00:00'),
      config: { seed: 1 },
      metrics: [{ step: 5, dLoss: 2, gLoss: 1 }],
    });
    expect(await main(['diff', 'decay@all', 'base@all', '--experiments', 'experiments'], io)).toBe(0);
    expect(io.out()).toMatch(/^A\s+decay@all\s+decay\s+2\s+2 completed\s+5\/\d+\s+1,2$/m);
    expect(io.out()).toMatch(/^D loss\s+1\.00 ± 0\.71\s+2\s+\+1\s+\+100%$/m);
    const html = captureIo(io.cwd!);
    const args = ['diff', 'decay@all', 'base@0', '--experiments', 'experiments', '--html', 'g.html'];
    expect(await main(args, html)).toBe(0);
    expect(html.out()).toMatch(/^wrote \S*g\.html \(2 groups of 3 runs, [\d.]+ MiB\)\n$/);
  });

  it('prints help', async () => {
    const { io } = await setup();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^usage: pnpm report \[list\] \[options\]/);
    expect(io.out()).toMatch(/^ {2}--params <keys> .*\n.*none for none$/m);
    expect(io.out()).toMatch(/^ {2}--eval <keys> /m);
    expect(io.out()).toMatch(
      /^ {2}--group {15}list: one row per group of runs whose configs are the same except for$/m,
    );
    expect(io.out()).toMatch(/^ {2}--by <keys> {11}list: group by these config keys instead/m);
    expect(io.out()).toMatch(/^ {2}--spread <sd\|minmax> /m);
    expect(io.out()).toMatch(/^ {2}--window <steps> [\s\S]*Default 0: the last row, as logged/m);
    expect(io.out()).toMatch(/^ {2}decay@all {32}every run of decay, as a group/m);
    expect(parseCli(['diff', '-h']).help).toBe(true);
  });
});
