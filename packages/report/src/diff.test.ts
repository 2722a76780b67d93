import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { listRunDirs } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { delta, diffRuns } from './diff.ts';
import { ReportError } from './errors.ts';
import { writeFixtureRun } from './fixtures.ts';
import { formatDiff } from './output.ts';
import { resolveRunRef } from './refs.ts';
import { at, tempExperiments } from './test-helpers.ts';

async function runs() {
  const dir = tempExperiments();
  const a = await writeFixtureRun(dir, {
    name: 'decay',
    date: at('15:30:12'),
    suffix: 'a3f9',
    config: { seed: 1, train: { steps: 100 } },
    metrics: [{ step: 100, dLoss: 1.5, gLoss: 0.5, dReal: 0.6, dFake: 0.4 }],
    meta: { stepsPerSec: 200, latestEval: { step: 100, modesCovered: 4, frechetDistance: 0 } },
  });
  const b = await writeFixtureRun(dir, {
    name: 'decay',
    date: at('15:31:00'),
    suffix: 'b001',
    config: { seed: 2, train: { steps: 100 }, optim: { generator: { lr: 0.002 } } },
    metrics: [{ step: 100, dLoss: 1.2, gLoss: 0.75, dReal: 0.6, dFake: 0.5 }],
    meta: { stepsPerSec: 150, latestEval: { step: 100, modesCovered: 6, frechetDistance: 0.5 } },
  });
  const c = await writeFixtureRun(dir, {
    name: 'decay',
    date: at('15:31:05'),
    suffix: 'b002',
    config: { seed: 2, train: { steps: 100 }, model: { generator: { hidden: [32, 64] } } },
    metrics: [{ step: 60, dLoss: Number.NaN, gLoss: 0.5, dReal: 0.6, dFake: 0.4 }],
    meta: { status: 'diverged', divergedAt: 60 },
  });
  const d = await writeFixtureRun(dir, {
    name: 'baseline',
    date: at('15:40:00'),
    suffix: 'd00d',
    metrics: 1,
  });
  return { dir, a, b, c, d };
}

describe('resolveRunRef', () => {
  it.each([
    ['20261126-153012-a3f9', 'a'],
    ['20261126-1530', 'a'],
    ['20261126-153100', 'b'],
    ['decay/20261126-153012', 'a'],
    ['decay/20261126-153105', 'c'],
    ['decay@latest', 'c'],
    ['decay@0', 'c'],
    ['decay@2', 'a'],
    ['baseline@latest', 'd'],
  ] as const)('%s names run %s', async (ref, which) => {
    const r = await runs();
    const { runs: entries } = await listRunDirs(r.dir);
    expect((await resolveRunRef(ref, entries)).runDir).toBe(r[which]);
  });

  it('takes a run folder path, absolute or relative to cwd', async () => {
    const r = await runs();
    const { runs: entries } = await listRunDirs(r.dir);
    expect((await resolveRunRef(r.b, entries)).runId).toBe('20261126-153100-b001');
    const cwd = dirname(r.dir);
    expect((await resolveRunRef(relative(cwd, r.c), entries, cwd)).runId).toBe('20261126-153105-b002');
  });

  it.each([
    [
      '20261126-1531',
      /20261126-1531: ambiguous run reference, 2 runs match:\n {2}decay\/20261126-153105-b002\n {2}decay\/20261126-153100-b001\n/,
    ],
    ['2026', /ambiguous run reference, 4 runs match/],
    ['20261127', /20261127: no run matches[\s\S]*recent runs:\n {2}baseline\/20261126-154000-d00d/],
    ['decay@3', /decay@3: config decay has 3 runs \(decay@0 is the newest, decay@2 the oldest\)/],
    ['nope@latest', /no runs of config "nope"; configs with runs: baseline, decay/],
    ['nope/2026', /no runs of config "nope"/],
    ['', /empty run reference/],
  ])('explains %j', async (ref, message) => {
    const r = await runs();
    const { runs: entries } = await listRunDirs(r.dir);
    const error = await resolveRunRef(ref, entries).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a folder that is not a run', async () => {
    const r = await runs();
    const stray = join(r.dir, 'decay', 'stray');
    mkdirSync(stray);
    const { runs: entries } = await listRunDirs(r.dir);
    await expect(resolveRunRef(stray, entries)).rejects.toThrow(/not a run folder \(no meta\.json\)/);
  });
});

describe('diffRuns', () => {
  it('shows the differing config keys and the metrics with deltas relative to the first run', async () => {
    const { dir } = await runs();
    const diff = await diffRuns(dir, ['decay@2', 'decay@1']);
    expect(diff.runs.map((r) => r.runId)).toEqual(['20261126-153012-a3f9', '20261126-153100-b001']);
    expect(diff.config).toEqual([
      { key: 'seed', values: [1, 2] },
      { key: 'optim.generator.lr', values: [0.0002, 0.002] },
    ]);
    const byKey = Object.fromEntries(diff.metrics.map((m) => [m.key, m]));
    expect(Object.keys(byKey)).toEqual([
      'step',
      'dLoss',
      'gLoss',
      'dReal',
      'dFake',
      'stepsPerSec',
      'eval.modesCovered',
      'eval.frechetDistance',
    ]);
    expect(byKey.dLoss.values).toEqual([1.5, 1.2]);
    expect(byKey.dLoss.deltas[0]).toBeNull();
    expect(byKey.dLoss.deltas[1]?.abs).toBeCloseTo(-0.3, 12);
    expect(byKey.dLoss.deltas[1]?.pct).toBeCloseTo(-20, 10);
    expect(byKey.gLoss.deltas[1]).toEqual({ abs: 0.25, pct: 50 });
    expect(byKey.dReal.deltas[1]).toEqual({ abs: 0, pct: 0 });
    expect(byKey['eval.frechetDistance'].deltas[1]).toEqual({ abs: 0.5, pct: null }); // from 0: no percentage

    const text = formatDiff(diff, 'table');
    expect(text).toMatch(/^A\s+decay\s+20261126-153012-a3f9\s+completed\s+100\/100$/m);
    expect(text).toMatch(/^seed\s+1\s+→\s+2$/m);
    expect(text).toMatch(/^optim\.generator\.lr\s+0\.0002\s+→\s+0\.002$/m);
    expect(text).toMatch(/^D loss\s+1\.500\s+1\.200\s+-0\.3000\s+-20\.0%$/m);
    expect(text).toMatch(/^eval frechetDistance\s+0\s+0\.5000\s+\+0\.5000\s+-$/m);
  });

  it('puts one column per run for more than two, and survives a diverged run', async () => {
    const { dir, c } = await runs();
    const diff = await diffRuns(dir, ['decay@2', 'decay@1', c]);
    expect(diff.config.map((x) => x.key)).toEqual(['seed', 'model.generator.hidden', 'optim.generator.lr']);
    expect(diff.config[1].values).toEqual([
      [256, 512, 1024],
      [256, 512, 1024],
      [32, 64],
    ]);
    const dLoss = diff.metrics.find((m) => m.key === 'dLoss')!;
    expect(dLoss.values[2]).toBeNaN();
    expect(dLoss.deltas[2]?.abs).toBeNaN();
    // the diverged run has no evaluation: missing, not zero
    expect(diff.metrics.find((m) => m.key === 'eval.modesCovered')!.values).toEqual([4, 6, null]);

    const text = formatDiff(diff, 'table');
    expect(text).toMatch(/^config key\s+A\s+B\s+C$/m);
    expect(text).toMatch(/^model\.generator\.hidden\s+\[256,512,1024\]\s+\[256,512,1024\]\s+\[32,64\]$/m);
    expect(text).toMatch(/^metric\s+A\s+B\s+Δ B\s+Δ% B\s+C\s+Δ C\s+Δ% C$/m);
    expect(text).toMatch(/^D loss\s+1\.500\s+1\.200\s+-0\.3000\s+-20\.0%\s+NaN\s+NaN\s+NaN$/m);
    expect(text).toMatch(/^C\s+decay\s+20261126-153105-b002\s+diverged\s+60\/100$/m);
  });

  it('says when the configs are identical, and lists all keys with allParams', async () => {
    const dir = tempExperiments();
    await writeFixtureRun(dir, { name: 'x', date: at('10:00:00'), suffix: '0001', metrics: 1 });
    await writeFixtureRun(dir, { name: 'x', date: at('10:00:01'), suffix: '0002', metrics: 1 });
    const diff = await diffRuns(dir, ['x@1', 'x@0']);
    expect(diff.config).toEqual([]);
    expect(formatDiff(diff, 'table')).toMatch(/The configs are identical\./);
    const all = await diffRuns(dir, ['x@1', 'x@0'], { allParams: true });
    expect(all.config.map((c) => c.key)).toContain('optim.discriminator.betas');
  });

  it('refuses the same run twice', async () => {
    const { dir } = await runs();
    await expect(diffRuns(dir, ['decay@0', '20261126-153105'])).rejects.toThrow(
      /names decay\/20261126-153105-b002 again/,
    );
  });

  it('computes deltas', () => {
    expect(delta(2, 3)).toEqual({ abs: 1, pct: 50 });
    expect(delta(-2, -3)).toEqual({ abs: -1, pct: -50 });
    expect(delta(0, 3)).toEqual({ abs: 3, pct: null });
    expect(delta(null, 3)).toBeNull();
    expect(delta(3, null)).toBeNull();
  });
});
