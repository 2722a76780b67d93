/**
 * The short version of `pnpm faults` (the full one: `pnpm faults`, minutes): a few faults of
 * each kind, every one of which must be survived with no run lost.
 */
import { describe, expect, it } from 'vitest';
import { formatResult, QUICK, runSuite } from './suite.ts';

describe('the fault suite, short version', () => {
  it('survives kill -9 (at random and at file operations), a full disk, runs started together and damaged MNIST', {
    timeout: 600_000,
  }, async () => {
    const result = await runSuite(QUICK);
    const table = formatResult(result, false);
    expect(result.problems, table).toEqual([]);
    for (const row of result.rows) {
      expect(row.tried, row.fault).toBeGreaterThan(0);
      expect([row.survived, row.lost], row.fault).toEqual([row.tried, 0]);
    }
    const kills = result.kills;
    expect(kills.length).toBeGreaterThanOrEqual(
      QUICK.kills + QUICK.freshOperations.length + QUICK.resumeOperations.length,
    );
    expect(kills.some((k) => k.resume)).toBe(true);
    expect(result.phases['checkpoint write']).toBeGreaterThan(0);
    expect(result.phases['resume, opening (restore, log rewrite)']).toBeGreaterThan(0);
    // kill -9 leaves a run whose process is gone: the report says crashed, never running.
    expect(
      kills.filter((k) => k.status !== null).every((k) => k.status === 'crashed' || k.status === 'completed'),
    ).toBe(true);
  });
});
