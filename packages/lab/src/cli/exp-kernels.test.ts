/**
 * A run says which kernels computed it: meta.json names the backend, the native variant, the CPU
 * features it uses and its build; `--backend native:<variant>` forces a variant, refusing one this
 * machine cannot run; a resume on other kernels says so and keeps which computed which steps.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetaSync } from '@gan/runs';
import { kernelsOf, selectBackend } from '@gan/tensor';
import { BACKEND_KINDS } from '@gan/training';
import { describe, expect, it } from 'vitest';
import { describeWith, itWith, type Requirement } from '../../../../test-support/requirements.ts';
import { EXP, TINY, TSX, tempDirs } from './cli.test-util.ts';
import { backendFlagProblem } from './common.ts';

const tempDir = tempDirs('exp-kernels-');

const BUILD_HINT = 'pnpm test installs g++ (test-support/ensure-system.mjs) and its typecheck step builds it';
let why = '';
try {
  selectBackend('native');
} catch (e) {
  why = (e as Error).message;
}
const nativeBuilt: Requirement = { missing: why === '' ? null : why, enable: BUILD_HINT };

/** The `native:<variant>` values of --backend this machine takes, best first. */
const runnable =
  why === ''
    ? BACKEND_KINDS.filter((k) => k.startsWith('native:') && backendFlagProblem('t', k) === null)
    : [];
/** Two variants to resume a run on the other of: the best this CPU runs, and the baseline. */
const twoVariants: Requirement = {
  missing:
    why !== ''
      ? why
      : runnable.length < 2
        ? `this CPU runs only ${runnable.join(', ')}: no other variant to resume on`
        : null,
  enable: 'an x86-64 CPU with AVX2, and the addon built (pnpm test builds it with g++)',
};

/** Runs `pnpm exp` as a user would (a separate process, not a TTY). */
function exp(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', TSX, EXP, ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** A tiny run in a fresh folder; returns its folder and the output. */
async function tinyRun(args: string[]) {
  const dir = tempDir();
  writeFileSync(join(dir, 'tiny.yaml'), TINY);
  const result = await exp(['tiny.yaml', '--no-dashboard', '--experiments', 'runs', ...args], dir);
  const [runId] = readdirSync(join(dir, 'runs', 'tiny'));
  return { dir, runDir: join(dir, 'runs', 'tiny', runId), ...result };
}

describe('--backend', () => {
  it('refuses an unknown variant, naming the flag and what it takes', () => {
    expect(backendFlagProblem('pnpm exp', 'native:sse9')).toBe(
      `pnpm exp: --backend must be one of ${BACKEND_KINDS.join(', ')}, got native:sse9`,
    );
    expect(BACKEND_KINDS).toEqual(
      expect.arrayContaining(['native:baseline', 'native:avx2', 'native:avx512']),
    );
    expect(backendFlagProblem('pnpm exp', 'reference')).toBeNull();
  });

  itWith(
    nativeBuilt,
    'refuses a variant this CPU lacks features for, naming the flag, the variant and the features',
    () => {
      const problem = backendFlagProblem('pnpm sweep', 'native:avx2', { hideCpuFeatures: ['fma', 'avx2'] });
      expect(problem).toMatch(
        /^pnpm sweep: --backend native:avx2: native variant 'avx2' refused: this CPU lacks /,
      );
      expect(problem).toContain('avx2 (hidden by hideCpuFeatures), fma (hidden by hideCpuFeatures)');
      expect(problem).toMatch(/\(this CPU runs baseline, baseline-fast\)$/);
      // What this CPU runs is accepted as it is.
      for (const kind of runnable) expect(backendFlagProblem('pnpm exp', kind)).toBeNull();
    },
  );
});

// Each test starts Node processes with the TypeScript loader: seconds, not milliseconds.
describeWith(nativeBuilt, 'pnpm exp: the kernels of a run', () => {
  it('records the backend, variant, CPU features and build of the kernels that computed the run', {
    timeout: 60_000,
  }, async () => {
    const { runDir, code, out, err } = await tinyRun(['train.steps=10']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const meta = readMetaSync(runDir);
    // What this machine loads for `auto`: the best variant it runs.
    const expected = kernelsOf(selectBackend('auto').backend);
    expect(meta.backend).toBe('native');
    expect(meta.kernels).toEqual(expected);
    expect(`native:${meta.kernels?.variant}`).toBe(runnable[0]);
    expect(meta.kernels?.compiler).toMatch(/^(g\+\+|clang\+\+) \S/);
    expect(meta.kernels?.flags).toContain('-O3');
    expect(meta.kernelHistory).toEqual([]);
    expect(out).toMatch(new RegExp(`^started .* backend=native variant=${meta.kernels?.variant} `, 'm'));
  });

  it.each(runnable)(
    'computes on the variant --backend %s forces, and records it',
    { timeout: 60_000 },
    async (kind) => {
      const variant = kind.slice('native:'.length);
      const { runDir, code, err } = await tinyRun(['train.steps=10', '--backend', kind]);
      expect(err).toBe('');
      expect(code).toBe(0);
      const { kernels } = readMetaSync(runDir);
      expect(kernels).toMatchObject({ backend: 'native', variant });
      // The variant's own instruction set: the baseline's code uses nothing beyond SSE2.
      if (variant.startsWith('baseline')) expect(kernels).toMatchObject({ simd: 'scalar', cpuFeatures: [] });
      // The reproducible variants share their bits; baseline-fast has its own.
      expect(kernels?.bits.split(' ')[0]).toBe(variant === 'baseline-fast' ? 'baseline-fast' : 'native');
      if (variant === 'avx2') expect(kernels?.cpuFeatures).toEqual(expect.arrayContaining(['avx2', 'fma']));
      if (variant === 'avx512')
        expect(kernels?.cpuFeatures).toEqual(expect.arrayContaining(['avx512f', 'fma']));
      const march = {
        baseline: '-march=x86-64 ',
        'baseline-fast': '-march=x86-64 ',
        avx2: '-march=x86-64-v3 ',
        avx512: '-march=x86-64-v4 ',
      };
      expect(`${kernels?.flags} `).toContain(march[variant as keyof typeof march]);
    },
  );

  it('refuses an unknown variant, or one this CPU cannot run, before writing anything', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tiny.yaml'), TINY);
    const { code, err } = await exp(['tiny.yaml', '--backend', 'native:sse9', '--experiments', 'runs'], dir);
    expect(code).toBe(2);
    expect(err).toMatch(/^pnpm exp: --backend must be one of .*native:baseline.*, got native:sse9$/m);
    expect(readdirSync(dir)).toEqual(['tiny.yaml']);
    // The variants this CPU lacks features for (none on an AVX-512 machine), refused the same way.
    for (const kind of BACKEND_KINDS.filter((k) => k.startsWith('native:') && !runnable.includes(k))) {
      const refused = await exp(['tiny.yaml', '--backend', kind, '--experiments', 'runs'], dir);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(
        `pnpm exp: --backend ${kind}: native variant '${kind.slice(7)}' refused: this CPU lacks `,
      );
      expect(readdirSync(dir)).toEqual(['tiny.yaml']);
    }
  });
});

describeWith(twoVariants, 'pnpm exp --resume on other kernels', () => {
  it('says which kernels computed which steps, and records it', { timeout: 90_000 }, async () => {
    const best = runnable[0];
    const first = await tinyRun(['--backend', best]); // 40 steps, checkpoints at 20 and 40
    expect(first.code).toBe(0);
    const before = readMetaSync(first.runDir).kernels!;

    // The same kernels: nothing to say.
    const same = await exp(
      ['--resume', first.runDir, 'train.steps=50', '--no-dashboard', '--backend', best],
      first.dir,
    );
    expect(same.code).toBe(0);
    expect(same.out).not.toMatch(/^warning/m);
    expect(readMetaSync(first.runDir).kernelHistory).toEqual([]);

    // Another reproducible variant: the same bits, so nothing to warn of; the history keeps it.
    const baseline = kernelsOf(selectBackend('native:baseline').backend);
    const exact = await exp(
      ['--resume', first.runDir, 'train.steps=55', '--no-dashboard', '--backend', 'native:baseline'],
      first.dir,
    );
    expect(exact.code).toBe(0);
    expect(exact.out).not.toMatch(/^warning/m);
    expect(readMetaSync(first.runDir).kernelHistory).toEqual([{ fromStep: 0, toStep: 50, kernels: before }]);

    // baseline-fast rounds its own way: said, and recorded.
    const resumed = await exp(
      ['--resume', first.runDir, 'train.steps=60', '--no-dashboard', '--backend', 'native:baseline-fast'],
      first.dir,
    );
    expect(resumed.code).toBe(0);
    const fast = kernelsOf(selectBackend('native:baseline-fast').backend);
    expect(resumed.out).toContain(
      `warning step=55 resuming on baseline-fast kernels (${fast.compiler}); steps 0-50 were computed by ` +
        `${before.variant} kernels (${before.compiler}), steps 50-55 by baseline kernels (${baseline.compiler}): ` +
        'the results can differ in their last bits from an uninterrupted run\n',
    );
    const meta = readMetaSync(first.runDir);
    expect(meta).toMatchObject({ status: 'completed', step: 60, kernels: fast });
    expect(meta.kernelHistory).toEqual([
      { fromStep: 0, toStep: 50, kernels: before },
      { fromStep: 50, toStep: 55, kernels: baseline },
    ]);
  });
});
