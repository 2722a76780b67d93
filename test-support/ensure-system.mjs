#!/usr/bin/env node
// The first step of `pnpm test`: installs the Debian packages the test suites need when they are
// missing, so the README's test command works on a fresh Debian machine with only Node and npm.
//
//   node test-support/ensure-system.mjs
//
// Plain Node, no dependencies: it runs before anything else. It installs with apt-get when that
// exists and this process is root or may use sudo without a password. Otherwise it prints what is
// missing and the command that installs it; the tests that need a missing package then skip with
// one line each locally, and fail in CI (test-support/requirements.ts), so with CI set this script
// exits 1 at once instead.
//
// NOTE: g++ is needed at build time, not test time: once it is installed here, `turbo run
// typecheck` (the next step of `pnpm test`) builds @gan/tensor, which compiles the native kernels.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const FIND_TORCH = "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)";

/**
 * What the tests need from the system: one Debian package per entry, with what needs it and how
 * to tell it is there. Add a package here and nowhere else.
 */
export const SYSTEM_PACKAGES = [
  {
    debian: 'chromium',
    neededBy: "the HTML report's browser test",
    present: () => existsSync('/usr/bin/chromium'),
  },
  {
    debian: 'python3-numpy',
    neededBy: 'the safetensors cross-check with numpy',
    present: () => commandRuns('python3', ['-c', 'import numpy']),
  },
  {
    debian: 'python3-torch',
    neededBy:
      "the layers' cross-checks with PyTorch (conv, transposed conv, batch norm, minibatch std, spectral norm)",
    // Debian's python3 may not be the first on the PATH (pyenv): the tests look at both. find_spec
    // finds torch without importing it (an import takes seconds).
    present: () => ['python3', '/usr/bin/python3'].some((py) => commandRuns(py, ['-c', FIND_TORCH])),
  },
  {
    debian: 'python3-sklearn',
    neededBy: "the check that the numpy stream shuffles MNIST as the article's sklearn.utils.shuffle does",
    // Debian's module, for Debian's python3 (a pyenv python3 first on the PATH does not see it).
    present: () => commandRuns('/usr/bin/python3', ['-c', 'import sklearn.utils']),
  },
  {
    debian: 'git',
    neededBy: "the run metadata's commit test",
    present: () => commandRuns('git', ['--version']),
  },
  {
    debian: 'redis-server',
    neededBy: "the run queue's tests (each starts its own redis-server on loopback)",
    present: () => commandRuns(process.env.REDIS_SERVER || 'redis-server', ['--version']),
  },
  {
    debian: 'tini',
    neededBy: "the stop-signal test of a container's init (docker run --init) passing SIGTERM on",
    present: () => commandRuns('tini', ['--version']),
  },
  {
    debian: 'g++',
    neededBy: 'the native tensor kernels',
    present: () => commandRuns(process.env.CXX || 'c++', ['--version']),
  },
];

/** True when the CI environment variable is set to anything but '', '0' or 'false'. */
// NOTE: the same rule as IN_CI in test-support/requirements.ts.
export function inCI(env = process.env) {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
}

/** Whether `cmd args` exits with status 0. */
export function commandRuns(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  return res.error === undefined && res.status === 0;
}

/**
 * How this process can run apt-get: `[]` as root, `['sudo', '-n']` when password-less sudo works,
 * or a string saying why it cannot.
 * @returns {string[] | string}
 */
export function aptPrefix({ hasAptGet, isRoot, hasSudo }) {
  if (!hasAptGet) return 'apt-get not found (not a Debian-like system)';
  if (isRoot) return [];
  if (hasSudo) return ['sudo', '-n'];
  return 'not root, and sudo needs a password';
}

/** The one-shot command a person can paste to install `missing`. */
export function installHint(missing) {
  const names = missing.map((p) => p.debian).join(' ');
  return `sudo apt-get update && sudo apt-get install -y ${names}`;
}

/** One line naming each missing package and what needs it. */
export function describeMissing(missing) {
  return missing.map((p) => `${p.debian} (${p.neededBy})`).join(', ');
}

/** Runs `argv` quietly; on failure returns the last lines of its output. */
function run(argv) {
  const res = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.error === undefined && res.status === 0) return null;
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
  const why = res.error?.message ?? `exit code ${res.status}`;
  return `\`${argv.join(' ')}\` failed (${why})${output ? `:\n${output}` : ''}`;
}

/**
 * Installs the missing `packages`; returns the exit code (1 only when something is still missing
 * and `env` says CI). `apt` is how apt-get can run (see aptPrefix), `exec` runs a command and
 * returns null or why it failed; both are parameters so that tests can stand in for them.
 */
export function ensureSystem({
  packages = SYSTEM_PACKAGES,
  env = process.env,
  apt = () =>
    aptPrefix({
      hasAptGet: commandRuns('apt-get', ['--version']),
      isRoot: process.getuid?.() === 0,
      hasSudo: commandRuns('sudo', ['-n', 'true']),
    }),
  exec = run,
  log = (line) => console.log(`setup: ${line}`),
  warn = (line) => console.error(`setup: ${line}`),
} = {}) {
  const missing = packages.filter((p) => !p.present());
  if (missing.length === 0) return 0;
  log(`missing ${describeMissing(missing)}`);

  const prefix = apt();
  let failure = typeof prefix === 'string' ? `cannot install them: ${prefix}` : null;
  if (failure === null) {
    const names = missing.map((p) => p.debian);
    // Through env: sudo drops the caller's environment.
    const aptGet = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
    log('apt-get update');
    failure = exec([...aptGet, 'update', '-qq']);
    if (failure === null) {
      log(`apt-get install -y ${names.join(' ')} (this can take a few minutes)`);
      failure = exec([...aptGet, 'install', '-y', '-qq', ...names]);
    }
    const still = missing.filter((p) => !p.present());
    if (failure === null && still.length > 0)
      failure = `still missing after apt-get: ${describeMissing(still)}`;
    if (failure === null) {
      log(`installed ${names.join(', ')}`);
      return 0;
    }
  }

  const left = missing.filter((p) => !p.present());
  warn(failure);
  warn(`missing ${describeMissing(left)}; install with: ${installHint(left)}`);
  if (inCI(env)) {
    warn('CI is set, so the tests that need them would fail: stopping here');
    return 1;
  }
  warn('the tests that need them will be skipped, each with one line saying so');
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = ensureSystem();
