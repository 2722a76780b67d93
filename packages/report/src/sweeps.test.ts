import { describe, expect, it } from 'vitest';
import { main } from './cli.ts';
import { captureIo, sweepFixture } from './test-helpers.ts';

describe('pnpm report --sweep', () => {
  it("lists a sweep's members as groups (mean and spread over the seeds), its swept key as the column", async () => {
    const { dir } = await sweepFixture();
    const io = captureIo(dir);
    expect(
      await main(['--experiments', dir, '--sweep', 'lrs', '--eval', 'inceptionScore', '--json'], io),
    ).toBe(0);
    const json = JSON.parse(io.out());
    expect(json.format).toBe('gan-report/groups');
    expect(json.groups).toHaveLength(3);
    expect(json.groups.map((g: { runs: unknown[] }) => g.runs.length)).toEqual([2, 2, 2]);
    expect(json.params).toEqual(['optim.generator.lr']);
    const fd = json.groups.map(
      (g: { stats: Record<string, { mean: number; sd: number; n: number }> }) =>
        g.stats['eval.frechetDistance'],
    );
    expect(fd.map((s: { mean: number }) => s.mean)).toEqual([307.5, 207.5, 107.5]);
    expect(fd.every((s: { sd: number; n: number }) => s.n === 2 && Math.abs(s.sd - 3.5355) < 1e-3)).toBe(
      true,
    );

    const text = captureIo(dir);
    expect(await main(['--experiments', dir, '--sweep', 'lrs'], text)).toBe(0);
    expect(text.out()).toMatch(/^lrs\s+2\s+2 completed .*307\.5 ± 3\.5 .* 0\.0001$/m);
    expect(text.out()).not.toMatch(/^other/m);

    const runs = captureIo(dir);
    expect(await main(['--experiments', dir, '--sweep', 'lrs', '--ungrouped', '--json'], runs)).toBe(0);
    expect(JSON.parse(runs.out()).runs).toHaveLength(6);
  });

  it('diffs the groups of a sweep, and names what it cannot find', async () => {
    const { dir } = await sweepFixture();
    const io = captureIo(dir);
    expect(await main(['--experiments', dir, 'diff', 'sweep:lrs', '--json'], io)).toBe(0);
    const diff = JSON.parse(io.out());
    expect(diff.groups).toHaveLength(3);
    expect(diff.config.map((c: { key: string }) => c.key)).toEqual(['optim.generator.lr']);
    const bad = captureIo(dir);
    expect(await main(['--experiments', dir, '--sweep', 'nope'], bad)).toBe(2);
    expect(bad.err()).toMatch(/--sweep nope: no sweep matches[\s\S]*-lrs/);
  });
});
