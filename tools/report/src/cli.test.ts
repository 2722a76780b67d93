import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metaPath } from '@gan/gan-runner';
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
    [['--window', '-5'], /--window: expected a whole number of steps >= 0, got "-5"/],
    [['--window', '1.5'], /--window: expected a whole number of steps >= 0/],
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

  it('prints help', async () => {
    const { io } = await setup();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^usage: pnpm report \[list\] \[options\]/);
    expect(io.out()).toMatch(/^ {2}--params <keys> .*\n.*none for none$/m);
    expect(io.out()).toMatch(/^ {2}--eval <keys> /m);
    expect(io.out()).toMatch(/^ {2}--window <steps> [\s\S]*Default 0: the last row, as logged/m);
    expect(parseCli(['diff', '-h']).help).toBe(true);
  });
});
