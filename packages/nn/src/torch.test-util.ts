import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { commandRuns, type Requirement } from '../../../test-support/requirements.ts';

/**
 * The first Python on this machine that imports torch: `python3` on the PATH, else Debian's
 * /usr/bin/python3 (where python3-torch installs when a pyenv python3 comes first on the PATH).
 */
const TORCH_PYTHON = ['python3', '/usr/bin/python3'].find((py) =>
  // find_spec finds torch without importing it (an import takes seconds).
  commandRuns(py, ['-c', "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"]),
);

/** PyTorch, the outside oracle of the layers' forward and backward passes. */
export const torch: Requirement = {
  missing: TORCH_PYTHON === undefined ? 'python3 with torch not found' : null,
  enable: 'apt-get install python3-torch (pnpm test installs it)',
};

/**
 * Runs `script` with torch, handing it `input` as JSON on stdin, and returns what it prints as
 * JSON on stdout. Throws with Python's stderr when the script fails.
 */
export function runTorch<T>(script: string, input: unknown): T {
  const run = spawnSync(TORCH_PYTHON as string, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`python3 with torch failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * The tolerance of a float32 layer against torch in float64: the largest difference over the
 * largest magnitude (at least 1). Float32 rounding alone gives about 1e-7 (float64 sums in the
 * reference backend); a wrong index or a missing term gives O(1).
 */
export const TORCH_TOL = 1e-5;

/**
 * Expects `max |ours - theirs| / max(1, max |theirs|) < tol` over arrays of the same length, and
 * returns that scaled difference.
 */
export function expectClose(
  what: string,
  ours: ArrayLike<number>,
  theirs: ArrayLike<number>,
  tol: number,
): number {
  expect(ours.length, `${what}: length`).toBe(theirs.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < theirs.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  const scaled = diff / scale;
  expect(scaled, `${what}: largest difference ${scaled.toExponential(2)} of the largest value`).toBeLessThan(
    tol,
  );
  return scaled;
}
