import { describe, expect, it } from 'vitest';
import { isCI, missingError, modeFor, type Requirement, skipLine } from './requirements.ts';

const numpy: Requirement = {
  missing: 'python3 with numpy not found',
  enable: 'apt-get install python3-numpy',
};
const present: Requirement = { missing: null, enable: 'apt-get install python3-numpy' };

describe('requirements', () => {
  it('runs tests whose requirement is met, fails them in CI when missing, skips them locally', () => {
    expect(modeFor(present, true)).toBe('run');
    expect(modeFor(present, false)).toBe('run');
    expect(modeFor(numpy, true)).toBe('fail');
    expect(modeFor(numpy, false)).toBe('skip');
  });

  it('names what is missing and how to get it', () => {
    expect(missingError(numpy).message).toBe(
      'python3 with numpy not found; to fix: apt-get install python3-numpy ' +
        '(CI is set: a missing requirement fails instead of skipping)',
    );
    expect(skipLine('cross-check with numpy', numpy)).toBe(
      "skipped 'cross-check with numpy': python3 with numpy not found; to run it: apt-get install python3-numpy",
    );
  });

  for (const [value, expected] of [
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
    ['woodpecker', true],
  ] as const) {
    it(`reads CI=${String(value)} as ${expected ? 'CI' : 'not CI'}`, () => {
      expect(isCI(value === undefined ? {} : { CI: value })).toBe(expected);
    });
  }
});
