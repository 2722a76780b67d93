/**
 * Tests that need something a machine may lack (the native addon, numpy, git, Chromium).
 *
 * Nothing is skipped silently. When the requirement is missing:
 * - in CI (`CI` set, see {@link IN_CI}) the tests are replaced by one failing test whose error names
 *   what is missing and how to get it;
 * - locally they are skipped, and one line on stderr says what was skipped and how to enable it.
 *
 * Imported by relative path from any package's tests (it depends on nothing but vitest), so no
 * package gains a dependency for it.
 *
 * ```ts
 * const git: Requirement = {
 *   missing: commandRuns('git', ['--version']) ? null : 'git not found',
 *   enable: 'apt-get install git',
 * };
 * itWith(git, 'reads the commit', async () => { ... });
 * ```
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it, type TestOptions } from 'vitest';

/** True when the CI environment variable is set to anything but '', '0' or 'false'. */
// NOTE: the same rule as inCI() in test-support/ensure-system.mjs.
export const IN_CI = isCI(process.env);

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
}

/** Something a group of tests needs. */
export interface Requirement {
  /** What is missing, e.g. 'python3 with numpy not found'; null when it is there. */
  readonly missing: string | null;
  /** How to get it, e.g. 'apt-get install python3-numpy'. */
  readonly enable: string;
}

/** Whether `cmd args` exits with status 0 (a quick probe: `git --version`). */
export function commandRuns(cmd: string, args: string[]): boolean {
  const res = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  return res.error === undefined && res.status === 0;
}

/** The error of the failing test that stands in, in CI, for tests whose requirement is missing. */
export function missingError(req: Requirement): Error {
  return new Error(
    `${req.missing}; to fix: ${req.enable} (CI is set: a missing requirement fails instead of skipping)`,
  );
}

/** The one line printed locally for skipped tests. */
export function skipLine(name: string, req: Requirement): string {
  return `skipped '${name}': ${req.missing}; to run it: ${req.enable}`;
}

type Mode = 'run' | 'fail' | 'skip';

/** What to do with tests whose requirement is `req`. */
export function modeFor(req: Requirement, inCI: boolean = IN_CI): Mode {
  if (req.missing === null) return 'run';
  return inCI ? 'fail' : 'skip';
}

function standIn(name: string, req: Requirement): Mode {
  const mode = modeFor(req);
  if (mode === 'fail') it(`${name}: requirement`, () => Promise.reject(missingError(req)));
  // stderr directly: vitest would frame console.warn with a header line.
  if (mode === 'skip') process.stderr.write(`${skipLine(name, req)}\n`);
  return mode;
}

/** `describe(name, body)` when `req` is met; otherwise a failing test in CI, a skip locally. */
export function describeWith(req: Requirement, name: string, body: () => void): void {
  const mode = standIn(name, req);
  if (mode === 'run') describe(name, body);
  else if (mode === 'skip') describe.skip(name, body);
}

/** `it(name, body)` when `req` is met; otherwise a failing test in CI, a skip locally. */
export function itWith(
  req: Requirement,
  name: string,
  body: () => unknown,
  options: TestOptions | number = {},
): void {
  const mode = standIn(name, req);
  if (mode === 'run') it(name, typeof options === 'number' ? { timeout: options } : options, body);
  else if (mode === 'skip') it.skip(name, body);
}

/** python3 with numpy, for the cross-checks against numpy. */
export const numpy: Requirement = {
  missing: commandRuns('python3', ['-c', 'import numpy']) ? null : 'python3 with numpy not found',
  enable: 'apt-get install python3-numpy (pnpm test installs it)',
};

/**
 * Why this machine's C library `log` (which numpy and python's math.log call) is not the build
 * @gan/tensor's exact-log.ts transcribes (glibc's x86-64 FMA build), or null if it is.
 */
export function glibcFmaLogMissing(): string | null {
  if (process.platform !== 'linux') return `the C library's log is not glibc's on ${process.platform}`;
  if (process.arch !== 'x64')
    return `exact-log.ts transcribes glibc's x86-64 FMA build, not checked on ${process.arch}`;
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return 'no /proc/cpuinfo to tell which build of log glibc runs';
  }
  if (!/\bfma\b/.test(flags) || !/\bavx2\b/.test(flags)) {
    return 'this CPU lacks FMA or AVX2, so glibc runs its SSE2 build of log (differs on ~1e-4 of arguments)';
  }
  return null;
}

/** Debian's python3 with scikit-learn (a pyenv python3 first on the PATH does not see it). */
export const sklearn: Requirement = {
  missing: commandRuns('/usr/bin/python3', ['-c', 'import sklearn.utils'])
    ? null
    : "Debian's /usr/bin/python3 with scikit-learn not found",
  enable: 'apt-get install python3-sklearn (pnpm test installs it)',
};

/** Linux's /proc, where the tests check that a folder /proc refuses fails at once (it once hung). */
export const procfs: Requirement = {
  missing: existsSync('/proc/self') ? null : 'no /proc (a Linux procfs) on this machine',
  enable: 'run the tests on Linux',
};

/**
 * Two or more native variants to compare on this CPU: `addonMissing` is why the addon does not
 * load (null when it does), `variants` the ones this CPU runs.
 */
export function twoVariants(addonMissing: string | null, variants: readonly string[]): Requirement {
  return {
    missing:
      addonMissing ??
      (variants.length < 2 ? `this CPU runs only ${variants.join(', ')}: nothing to compare` : null),
    enable: 'an x86-64 CPU with AVX2 (pnpm test builds the addon with g++)',
  };
}
