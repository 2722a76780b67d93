/**
 * `CI=true pnpm test` with the native addon deleted fails and says why; without CI the native
 * tests are skipped with one line saying how to build it. (Before test-support/requirements.ts,
 * the 141 native-kernel tests were skipped silently, in CI too: a green run that tested nothing.)
 *
 * The tensor package's sources and its real native.test.ts are copied into a temporary folder
 * without `build/` (the addon is "deleted" there, not here, where other tests use it) and run by
 * vitest, with and without CI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tensor = join(root, 'packages/tensor');

let work = '';
let pkg = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'native-missing-'));
  pkg = join(work, 'packages/tensor');
  mkdirSync(join(work, 'test-support'), { recursive: true });
  cpSync(join(root, 'test-support/requirements.ts'), join(work, 'test-support/requirements.ts'));
  for (const f of ['package.json', 'vitest.config.ts', 'src'])
    cpSync(join(tensor, f), join(pkg, f), { recursive: true });
  // vitest alone, linked (its own dependencies resolve from its real folder); no `build/`.
  mkdirSync(join(pkg, 'node_modules'));
  const vitestDir = realpathSync(
    dirname(createRequire(join(tensor, 'package.json')).resolve('vitest/package.json')),
  );
  symlinkSync(vitestDir, join(pkg, 'node_modules/vitest'), 'dir');
});
afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** vitest on the copied native.test.ts; CI set or removed. */
function runNativeTests(ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.CI;
  if (ci) env.CI = 'true';
  const vitest = join(pkg, 'node_modules/vitest/vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', 'src/backends/native.test.ts', '--cache=false'], {
    cwd: pkg,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('the native addon deleted', { timeout: 150_000 }, () => {
  it('in CI (CI=true): the native tests fail, naming the missing addon and how to build it', () => {
    const { code, out } = runNativeTests(true);
    expect(code, out).toBe(1);
    expect(out).toContain(
      `native addon not built (${join(pkg, 'build/tensor_native-baseline.node')} is missing)`,
    );
    expect(out).toContain('CI is set: a missing requirement fails instead of skipping');
    expect(out).toMatch(/native backend: requirement/);
  });

  it('locally: skipped, with one line saying what and how to enable it', () => {
    const { code, out } = runNativeTests(false);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^skipped 'native backend': native addon not built \(.+ is missing\)/m);
    expect(out).toContain('to run it: pnpm test installs g++');
  });
});
