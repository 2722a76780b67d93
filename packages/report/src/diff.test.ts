import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { listRunDirs, type RunKernels } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { delta, diffRuns } from './diff.ts';
import { ReportError } from './errors.ts';
import { writeFixtureRun } from './fixtures.ts';
import { listRuns } from './list.ts';
import { formatDiff, formatList } from './output.ts';
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

// The kernels of scripts/build-native.mjs's AVX2 and AVX-512 builds, as meta.json records them.
const FLAGS =
  '-std=c++17 -O3 -fPIC -shared -pthread -ffp-contract=off -fno-math-errno -fno-trapping-math -fvisibility=hidden';
const V3 = ['cx16', 'lahf', 'popcnt', 'sse3', 'sse4_1', 'sse4_2', 'ssse3', 'avx', 'avx2', 'bmi1', 'bmi2'];
const AVX512 = ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl', 'os_avx512'];
const avx2: RunKernels = {
  backend: 'native',
  variant: 'avx2',
  simd: 'avx2',
  cpuFeatures: V3,
  compiler: 'g++ 12.2.0',
  flags: `${FLAGS} -march=x86-64-v3 -mtune=generic -DGT_EXPECT_AVX2`,
  bits: 'native a1b2c3',
};
const avx512: RunKernels = {
  ...avx2,
  variant: 'avx512',
  simd: 'avx512',
  cpuFeatures: [...V3, ...AVX512],
  flags: `${FLAGS} -march=x86-64-v4 -mtune=generic -DGT_EXPECT_AVX512`,
  bits: 'native a1b2c3',
};

describe('diffRuns: kernels', () => {
  async function kernelRuns() {
    const dir = tempExperiments();
    const run = (suffix: string, time: string, meta: Parameters<typeof writeFixtureRun>[1]['meta']) =>
      writeFixtureRun(dir, { name: 'k', date: at(time), suffix, metrics: 1, meta });
    await run('0001', '10:00:01', { backend: 'native', kernels: avx512 });
    await run('0002', '10:00:02', { backend: 'native', kernels: avx2 });
    await run('0003', '10:00:03', { backend: 'native', kernels: { ...avx512, compiler: 'g++ 13.1.0' } });
    // Resumed at step 3000 on AVX2 after AVX-512 computed the steps before.
    await run('0004', '10:00:04', {
      backend: 'native',
      kernels: avx2,
      kernelHistory: [{ fromStep: 0, toStep: 3000, kernels: avx512 }],
    });
    // Recorded before meta.json named the kernels: only the backend is known.
    await run('0005', '10:00:05', { backend: 'native', kernels: null });
    return dir;
  }

  it('shows the variant, CPU features and flags that differ, as config keys are shown', async () => {
    const dir = await kernelRuns();
    const diff = await diffRuns(dir, ['k/20261126-100001', 'k/20261126-100002']);
    expect(diff.config).toEqual([]); // the same config: only the kernels differ
    expect(diff.kernels).toEqual([
      { key: 'variant', values: ['avx512', 'avx2'] },
      { key: 'simd', values: ['avx512', 'avx2'] },
      { key: 'cpuFeatures', values: [avx512.cpuFeatures, avx2.cpuFeatures] },
      { key: 'flags', values: [avx512.flags, avx2.flags] },
    ]);
    const text = formatDiff(diff, 'table');
    expect(text).toMatch(/^Kernels \(4 fields A → B\)$/m);
    expect(text).toMatch(/^variant\s+avx512\s+→\s+avx2$/m);
    expect(text).toMatch(
      /^cpuFeatures\s+11 shared \+ avx512f,avx512bw,avx512cd,avx512dq,avx512vl,os_avx512\s+→\s+11 shared$/m,
    );
    expect(text).toMatch(
      /^flags\s+… -march=x86-64-v4 -DGT_EXPECT_AVX512\s+→\s+… -march=x86-64-v3 -DGT_EXPECT_AVX2$/m,
    );
    const json = JSON.parse(formatDiff(diff, 'json'));
    expect(json.kernels).toEqual(diff.kernels); // whole, not shortened
    expect(json.runs.map((r: { kernels: RunKernels }) => r.kernels)).toEqual([avx512, avx2]);
  });

  it('shows a compiler, a resume on other kernels and an unrecorded run as differences', async () => {
    const dir = await kernelRuns();
    const compiler = await diffRuns(dir, ['k/20261126-100001', 'k/20261126-100003']);
    expect(compiler.kernels).toEqual([{ key: 'compiler', values: ['g++ 12.2.0', 'g++ 13.1.0'] }]);
    expect(formatDiff(compiler, 'table')).toMatch(/^compiler\s+g\+\+ 12\.2\.0\s+→\s+g\+\+ 13\.1\.0$/m);

    const resumed = await diffRuns(dir, ['k/20261126-100002', 'k/20261126-100004']);
    expect(resumed.kernels).toEqual([
      { key: 'earlier', values: [undefined, ['steps 0-3000: avx512 g++ 12.2.0']] },
    ]);
    expect(formatDiff(resumed, 'table')).toMatch(
      /^earlier\s+-\s+→\s+\[steps 0-3000: avx512 g\+\+ 12\.2\.0\]$/m,
    );

    const old = await diffRuns(dir, ['k/20261126-100001', 'k/20261126-100005']);
    expect(old.kernels.map((c) => c.key)).toEqual([
      'variant',
      'simd',
      'cpuFeatures',
      'compiler',
      'flags',
      'bits',
    ]);
    expect(old.kernels[0].values).toEqual(['avx512', undefined]);
    // Against a run that did not record them, the flags are shown whole (cut to the column).
    expect(formatDiff(old, 'table')).toMatch(/^flags\s+-std=c\+\+17 -O3 -fPIC .*…\s+→\s+-$/m);
  });

  it('says when the kernels are identical, and when the runs did not record them', async () => {
    const dir = await kernelRuns();
    await writeFixtureRun(dir, {
      name: 'k',
      date: at('10:00:06'),
      suffix: '0006',
      metrics: 1,
      meta: { backend: 'native', kernels: avx512 },
    });
    await writeFixtureRun(dir, {
      name: 'k',
      date: at('10:00:07'),
      suffix: '0007',
      metrics: 1,
      meta: { backend: 'native', kernels: null },
    });
    const same = await diffRuns(dir, ['k/20261126-100001', 'k/20261126-100006']);
    expect(same.kernels).toEqual([]);
    expect(formatDiff(same, 'table')).toMatch(/^Kernels \(0 fields A → B\)\nThe kernels are identical\.$/m);
    const all = await diffRuns(dir, ['k/20261126-100001', 'k/20261126-100006'], { allParams: true });
    expect(all.kernels.map((c) => c.key)).toEqual([
      'backend',
      'variant',
      'simd',
      'cpuFeatures',
      'compiler',
      'flags',
      'bits',
    ]);
    const unrecorded = await diffRuns(dir, ['k/20261126-100005', 'k/20261126-100007']);
    expect(formatDiff(unrecorded, 'table')).toMatch(
      /the runs did not record their variant, compiler and flags/,
    );
  });

  it('lists the kernels as a column when they differ between the runs, and only then', async () => {
    const dir = await kernelRuns();
    const lines = formatList(await listRuns(dir, { params: [] }), 'table').split('\n');
    expect(lines[0]).toMatch(/ kernels\s*$/);
    const kernelsOf = (suffix: string) =>
      lines
        .find((l) => l.includes(suffix))
        ?.match(/\S+( \S+)*\s*$/)?.[0]
        .trim();
    expect(kernelsOf('0001')).toBe('avx512 g++ 12.2.0');
    expect(kernelsOf('0002')).toBe('avx2 g++ 12.2.0');
    expect(kernelsOf('0003')).toBe('avx512 g++ 13.1.0');
    expect(kernelsOf('0004')).toBe('avx2 g++ 12.2.0 from step 3000');
    expect(kernelsOf('0005')).toBe('native');
    expect(lines.some((l) => l.startsWith('kernels: what computed each run'))).toBe(true);
    const json = JSON.parse(formatList(await listRuns(dir), 'json'));
    expect(json.runs.find((r: { runId: string }) => r.runId.endsWith('0004'))).toMatchObject({
      backend: 'native',
      kernels: avx2,
      kernelHistory: [{ fromStep: 0, toStep: 3000, kernels: avx512 }],
    });

    const same = tempExperiments();
    for (const suffix of ['0001', '0002'])
      await writeFixtureRun(same, { name: 'k', date: at(`10:00:${suffix.slice(2)}`), suffix, metrics: 1 });
    expect(formatList(await listRuns(same, { params: [] }), 'table')).not.toContain('kernels');
  });
});
