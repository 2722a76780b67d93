import { listRunDirs } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { ReportError } from './errors.ts';
import { writeFixtureRun } from './fixtures.ts';
import { diffGroups } from './group-diff.ts';
import { formatGroupDiff } from './output.ts';
import { isGroupRef, resolveRefGroups } from './refs.ts';
import { ARTICLE_PRINTED, at, tempExperiments } from './test-helpers.ts';

/**
 * `decay`: seeds 1, 2, 3 with D(G(z)) 0.4, 0.5, 0.6 (mean 0.5, sd 0.1);
 * `fixed`: seeds 1, 2 with another lr and D(G(z)) 0.2, 0.3 (mean 0.25, sd 0.0707).
 */
async function twoConfigs() {
  const dir = tempExperiments();
  for (const [i, dFake] of [0.4, 0.5, 0.6].entries()) {
    await writeFixtureRun(dir, {
      name: 'decay',
      date: at(`10:0${i}:00`),
      suffix: `d00${i}`,
      config: { seed: i + 1, train: { steps: 100 } },
      metrics: [{ step: 100, dLoss: 1 + i, gLoss: 1, dReal: 0.5, dFake }],
      meta: { stepsPerSec: 100, latestEval: { step: 100, modesCovered: 4 + i } },
    });
  }
  for (const [i, dFake] of [0.2, 0.3].entries()) {
    await writeFixtureRun(dir, {
      name: 'fixed',
      date: at(`11:0${i}:00`),
      suffix: `f00${i}`,
      config: { seed: i + 1, train: { steps: 100 }, optim: { generator: { lr: 0.001 } } },
      metrics: [{ step: 100, dLoss: 2, gLoss: 1, dReal: 0.5, dFake }],
      meta: { stepsPerSec: 50, latestEval: { step: 100, modesCovered: 9 } },
    });
  }
  return dir;
}

const lineOf = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start));

describe('config@all references', () => {
  it('name every run of a config, oldest first, beside single runs', async () => {
    const dir = await twoConfigs();
    const { runs } = await listRunDirs(dir);
    const resolved = await resolveRefGroups(['decay@all', 'fixed@latest'], runs);
    expect(resolved.map((r) => [r.ref, r.entries.map((e) => e.runId.slice(-4))])).toEqual([
      ['decay@all', ['d000', 'd001', 'd002']],
      ['fixed@latest', ['f001']],
    ]);
    expect([isGroupRef('decay@all'), isGroupRef('decay@latest'), isGroupRef('all')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it.each([
    [
      ['decay@all', 'decay@latest'],
      /decay@latest: names decay\/20261126-100200-d002 again \(decay@all names it too\)/,
    ],
    [['nope@all', 'decay@all'], /nope@all: no runs of config "nope"; configs with runs: decay, fixed/],
  ])('rejects %j', async (refs, message) => {
    const { runs } = await listRunDirs(await twoConfigs());
    await expect(resolveRefGroups(refs, runs)).rejects.toThrow(ReportError);
    await expect(resolveRefGroups(refs, runs)).rejects.toThrow(message);
  });
});

describe('diffGroups', () => {
  it('compares the groups means with their spreads, and deltas of the means', async () => {
    const diff = await diffGroups(await twoConfigs(), ['decay@all', 'fixed@all']);
    expect(diff.groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['decay@all', 3],
      ['fixed@all', 2],
    ]);
    expect(diff.config).toEqual([
      { key: 'name', values: [['decay'], ['fixed']] },
      {
        key: 'seed',
        values: [
          [1, 2, 3],
          [1, 2],
        ],
      },
      { key: 'optim.generator.lr', values: [[0.0002], [0.001]] },
    ]);
    const dFake = diff.metrics.find((m) => m.key === 'dFake')!;
    expect(dFake.stats.map((s) => [s.n, s.mean, s.min, s.max])).toEqual([
      [3, expect.closeTo(0.5, 12), 0.4, 0.6],
      [2, expect.closeTo(0.25, 12), 0.2, 0.3],
    ]);
    expect(dFake.deltas[1]?.abs).toBeCloseTo(-0.25, 12);
    expect(dFake.deltas[1]?.pct).toBeCloseTo(-50, 9);

    const text = formatGroupDiff(diff, 'table');
    expect(lineOf(text, 'A  ')).toMatch(/^A\s+decay@all\s+decay\s+3\s+3 completed\s+100\/100\s+1,2,3$/);
    expect(lineOf(text, 'B  ')).toMatch(/^B\s+fixed@all\s+fixed\s+2\s+2 completed\s+100\/100\s+1,2$/);
    expect(text).toMatch(/^Config \(3 keys A → B\)$/m);
    expect(text).toMatch(/^seed\s+1,2,3\s+→\s+1,2$/m);
    expect(lineOf(text, 'D(G(z))')).toMatch(
      /^D\(G\(z\)\)\s+0\.50 ± 0\.10\s+0\.250 ± 0\.071\s+-0\.2500\s+-50\.0%$/,
    );
    expect(lineOf(text, 'D loss')).toMatch(/^D loss\s+2\.0 ± 1\.0\s+2 ± 0\s+0\s+0\.00%$/);
    expect(lineOf(text, 'eval modesCovered')).toMatch(
      /^eval modesCovered\s+5\.0 ± 1\.0\s+9 ± 0\s+\+4\s+\+80\.0%$/,
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '± = sample standard deviation (n - 1) over the runs of a group, after its mean',
    );
  });

  it('takes a single run as a group of one, and says when a group differs in more than the seed', async () => {
    const dir = await twoConfigs();
    await writeFixtureRun(dir, {
      name: 'decay',
      date: at('10:09:00'),
      suffix: 'd009',
      config: { seed: 9, train: { steps: 200 } },
      metrics: [{ step: 200, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5 }],
    });
    const diff = await diffGroups(dir, ['fixed@latest', 'decay@all'], { spread: 'minmax' });
    expect(diff.groups.map((g) => g.runs.length)).toEqual([1, 4]);
    expect(diff.notes).toEqual(['B (decay@all): its runs differ in train.steps, not only in the seed']);
    const text = formatGroupDiff(diff, 'table');
    expect(lineOf(text, 'D(G(z))')).toMatch(
      /^D\(G\(z\)\)\s+0\.3000\s+0\.50 \[0\.40\.\.0\.60\]\s+\+0\.2000\s+\+66\.7%$/,
    );
    expect(text).toMatch(
      /^\[min\.\.max\] = the range over the runs of a group, after its mean; \(n=k\) = only k /m,
    );
    expect(text).toMatch(/^B \(decay@all\): its runs differ in train\.steps, not only in the seed$/m);
  });

  it("shows the kernels that tell the groups apart, each group's distinct values", async () => {
    const dir = tempExperiments();
    const native = (variant: string, march: string) => ({
      backend: 'native',
      variant,
      simd: variant === 'baseline' ? 'scalar' : variant,
      cpuFeatures: variant === 'baseline' ? [] : ['avx', variant],
      compiler: 'g++ 12.2.0',
      flags: `-O3 -march=${march} -mtune=generic`,
      bits: 'native a1b2c3',
    });
    // Seeds 1 and 2 on an AVX-512 machine (a), on an AVX2 and a baseline one (b); c on AVX-512.
    const runs = [
      ['a', 1, native('avx512', 'x86-64-v4')],
      ['a', 2, native('avx512', 'x86-64-v4')],
      ['b', 1, native('avx2', 'x86-64-v3')],
      ['b', 2, native('baseline', 'x86-64')],
      ['c', 3, native('avx512', 'x86-64-v4')],
    ] as const;
    for (const [i, [name, seed, kernels]] of runs.entries()) {
      await writeFixtureRun(dir, {
        name,
        date: at(`10:0${i}:00`),
        suffix: `c00${i}`,
        config: { seed },
        metrics: 1,
        meta: { backend: 'native', kernels },
      });
    }
    const diff = await diffGroups(dir, ['a@all', 'b@all']);
    expect(diff.kernels.map((c) => c.key)).toEqual(['variant', 'simd', 'cpuFeatures', 'flags']);
    expect(diff.kernels[0].values).toEqual([['avx512'], ['avx2', 'baseline']]);
    const text = formatGroupDiff(diff, 'table');
    expect(text).toMatch(/^Kernels \(4 fields A → B\)$/m);
    expect(lineOf(text, 'variant')).toMatch(/^variant\s+avx512\s+→\s+avx2 \| baseline$/);
    expect(lineOf(text, 'cpuFeatures')).toMatch(/^cpuFeatures\s+avx,avx512\s+→\s+avx,avx2 \| none$/);
    expect(lineOf(text, 'flags')).toMatch(
      /^flags\s+… -march=x86-64-v4\s+→\s+… -march=x86-64-v3 \| … -march=x86-64$/,
    );
    const same = await diffGroups(dir, ['a@all', 'c@all']);
    expect(same.kernels).toEqual([]);
    expect(formatGroupDiff(same, 'table')).toMatch(/^The kernels are identical\.$/m);
  });

  it('prints the documented JSON', async () => {
    const diff = await diffGroups(await twoConfigs(), ['decay@all', 'fixed@all'], { window: 10 });
    const doc = JSON.parse(formatGroupDiff(diff, 'json'));
    expect(Object.keys(doc)).toEqual([
      'format',
      'version',
      'window',
      'spread',
      'groups',
      'config',
      'kernels',
      'metrics',
      'notes',
    ]);
    expect(doc.kernels).toEqual([]); // every fixture computed on the reference backend
    expect(doc).toMatchObject({ format: 'gan-report/group-diff', version: 2, window: 10, spread: 'sd' });
    expect(doc.groups[1]).toMatchObject({
      label: 'fixed@all',
      configs: ['fixed'],
      n: 2,
      statuses: { completed: 2 },
    });
    expect(doc.groups[1].runs.map((r: { seed: number }) => r.seed)).toEqual([1, 2]);
    const dFake = doc.metrics.find((m: { key: string }) => m.key === 'dFake');
    expect(dFake.label).toBe('D(G(z)) (mean of last 10 steps)');
    expect(dFake.stats[1]).toEqual({
      mean: expect.closeTo(0.25, 12),
      sd: expect.closeTo(Math.SQRT1_2 / 10, 12),
      min: 0.2,
      max: 0.3,
      n: 2,
      nonFinite: 0,
    });
    expect(dFake.deltas[0]).toBeNull();
    expect(doc.config[1]).toEqual({
      key: 'seed',
      values: [
        [1, 2, 3],
        [1, 2],
      ],
    });
  });

  it('compares D loss across groups, and the article printed D cost in its own row', async () => {
    const dir = await twoConfigs();
    for (const seed of [1, 2]) {
      // Recorded before dCostPrinted existed: dLoss holds the printed cost.
      await writeFixtureRun(dir, {
        name: 'art',
        date: at(`12:0${seed}:00`),
        suffix: `a00${seed}`,
        config: { seed, ...ARTICLE_PRINTED },
        metrics: [{ step: 100, dLoss: -0.1 * seed, gLoss: 1, dReal: 0.5, dFake: 0.5 }],
      });
    }
    const diff = await diffGroups(dir, ['decay@all', 'art@all', 'fixed@all']);
    const dLoss = diff.metrics.find((m) => m.key === 'dLoss')!;
    expect(dLoss.label).toBe('D loss');
    expect(dLoss.stats.map((s) => s.n)).toEqual([3, 0, 2]);
    expect(dLoss.deltas).toEqual([null, null, { abs: 0, pct: 0 }]);
    const printed = diff.metrics.find((m) => m.key === 'dCostPrinted')!;
    expect(printed.label).toBe('D cost (printed)');
    expect(printed.stats.map((s) => s.mean)).toEqual([null, expect.closeTo(-0.15, 12), null]);
    const text = formatGroupDiff(diff, 'table');
    expect(lineOf(text, 'D loss')).toMatch(/^D loss\s+2\.0 ± 1\.0\s+-\s+-\s+-\s+2 ± 0\s+0\s+0\.00%$/);
    expect(lineOf(text, 'D cost')).toMatch(/^D cost \(printed\)\s+-\s+-0\.150 ± 0\.071\s+-\s+-\s+-\s+-\s+-$/);
    expect(text).toMatch(/^D cost \(printed\): -log D\(x\) \+ log\(1 - D\(G\(z\)\)\), the D cost/m);
    // Without such a run, the rows are those of before.
    const plain = await diffGroups(dir, ['decay@all', 'fixed@all']);
    expect(plain.metrics.map((m) => m.key)).not.toContain('dCostPrinted');
    expect(formatGroupDiff(plain, 'table')).not.toMatch(/printed/);
  });
});
