import { describe, expect, it } from 'vitest';
import { aptPrefix, ensureSystem, inCI, installHint, SYSTEM_PACKAGES } from './ensure-system.mjs';
import { isCI } from './requirements.ts';

interface FakePackage {
  debian: string;
  neededBy: string;
  present: () => boolean;
}

/** A package that is missing until `installed` names it. */
function fake(debian: string, installed: Set<string>): FakePackage {
  return { debian, neededBy: `the ${debian} test`, present: () => installed.has(debian) };
}

/** ensureSystem with stand-ins for apt-get; returns the exit code, the lines and the commands run. */
function simulate(options: {
  missing: string[];
  apt: string[] | string;
  ci: boolean;
  aptInstalls?: boolean;
  failing?: string;
}) {
  const installed = new Set<string>(['git']);
  const packages = ['git', ...options.missing].map((d) => fake(d, installed));
  const lines: string[] = [];
  const commands: string[] = [];
  const code = ensureSystem({
    packages,
    env: options.ci ? { CI: 'true' } : {},
    apt: () => options.apt,
    exec: (argv: string[]) => {
      commands.push(argv.join(' '));
      if (options.failing !== undefined && argv.includes(options.failing)) return `${options.failing} failed`;
      if (argv.includes('install') && options.aptInstalls !== false)
        for (const d of options.missing) installed.add(d);
      return null;
    },
    log: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(`! ${line}`),
  });
  return { code, lines, commands };
}

describe('ensure-system', () => {
  it('lists each Debian package once, with what needs it and a presence check', () => {
    const names = SYSTEM_PACKAGES.map((p) => p.debian);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['chromium', 'python3-numpy', 'git', 'g++']));
    for (const p of SYSTEM_PACKAGES) {
      expect(p.neededBy.length).toBeGreaterThan(0);
      expect(typeof p.present()).toBe('boolean');
    }
  });

  it('does nothing when everything is there', () => {
    expect(simulate({ missing: [], apt: [], ci: true })).toEqual({ code: 0, lines: [], commands: [] });
  });

  it('installs what is missing with apt-get, as root or through sudo -n', () => {
    const root = simulate({ missing: ['chromium', 'redis-server'], apt: [], ci: true });
    expect(root.code).toBe(0);
    expect(root.commands).toEqual([
      'env DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium redis-server',
    ]);
    expect(root.lines).toEqual([
      'missing chromium (the chromium test), redis-server (the redis-server test)',
      'apt-get update',
      'apt-get install -y chromium redis-server (this can take a few minutes)',
      'installed chromium, redis-server',
    ]);
    const sudo = simulate({ missing: ['chromium'], apt: ['sudo', '-n'], ci: false });
    expect(sudo.commands[1]).toBe(
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
    );
  });

  it('says what is missing and how to install it when it cannot, and fails only in CI', () => {
    for (const ci of [true, false]) {
      const { code, lines, commands } = simulate({ missing: ['chromium'], apt: 'apt-get not found', ci });
      expect(code).toBe(ci ? 1 : 0);
      expect(commands).toEqual([]);
      expect(lines.slice(0, 3)).toEqual([
        'missing chromium (the chromium test)',
        '! cannot install them: apt-get not found',
        '! missing chromium (the chromium test); install with: ' +
          'sudo apt-get update && sudo apt-get install -y chromium',
      ]);
    }
  });

  it('reports a failing apt-get, and a package apt-get did not provide', () => {
    const failed = simulate({ missing: ['chromium'], apt: [], ci: true, failing: 'update' });
    expect(failed.code).toBe(1);
    expect(failed.commands).toHaveLength(1);
    expect(failed.lines).toContain('! update failed');
    const absent = simulate({ missing: ['chromium'], apt: [], ci: true, aptInstalls: false });
    expect(absent.code).toBe(1);
    expect(absent.lines).toContain('! still missing after apt-get: chromium (the chromium test)');
  });

  it('runs apt-get as root, through password-less sudo, or says why not', () => {
    expect(aptPrefix({ hasAptGet: true, isRoot: true, hasSudo: false })).toEqual([]);
    expect(aptPrefix({ hasAptGet: true, isRoot: false, hasSudo: true })).toEqual(['sudo', '-n']);
    expect(aptPrefix({ hasAptGet: true, isRoot: false, hasSudo: false })).toBe(
      'not root, and sudo needs a password',
    );
    expect(aptPrefix({ hasAptGet: false, isRoot: true, hasSudo: true })).toMatch(/apt-get not found/);
    expect(installHint([fake('a', new Set()), fake('b', new Set())])).toBe(
      'sudo apt-get update && sudo apt-get install -y a b',
    );
  });

  it('reads CI the same way as the test requirements', () => {
    for (const CI of [undefined, '', '0', 'false', 'true', '1', 'yes']) {
      const env = CI === undefined ? {} : { CI };
      expect(inCI(env)).toBe(isCI(env));
    }
  });
});
