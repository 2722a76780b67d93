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
  });
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:05'),
    suffix: '0002',
    config: { seed: 2 },
    metrics: [{ step: 5, dLoss: 0.5, gLoss: 1.5 }],
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

  it.each([
    [['--bogus'], /unknown option --bogus\n\nusage: pnpm report/],
    [['-x'], /unknown option -x/],
    [['--json', '--md'], /choose one output format, got --json and --md/],
    [['--limit', 'ten'], /--limit: expected a whole number >= 0, got "ten"/],
    [['--sort'], /--sort needs a value/],
    [['--json=yes'], /--json takes no value/],
    [['diff', 'decay@0'], /diff needs at least two runs/],
    [['diff', 'decay@0', 'decay@1', '--sort', 'dLoss'], /--sort applies to the list, not to diff/],
    [['show'], /unknown command "show"/],
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

  it('prints help', async () => {
    const { io } = await setup();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^usage: pnpm report \[list\] \[options\]/);
    expect(parseCli(['diff', '-h']).help).toBe(true);
  });
});
