import { describe, expect, it } from 'vitest';
import { writeFixtureRun } from './fixtures.ts';
import { readGroupCurves } from './group-curves.ts';
import { loadRuns } from './runs.ts';
import { at, tempExperiments } from './test-helpers.ts';

/** Runs k = 1..`count` logging dLoss = k * step at steps `every`, 2 * every, ... `steps`. */
async function runs(count: number, steps: (k: number) => number, every = 10) {
  const dir = tempExperiments();
  for (let k = 1; k <= count; k++) {
    await writeFixtureRun(dir, {
      name: 'g',
      date: at(`10:0${k}:00`),
      suffix: `000${k}`,
      config: { seed: k },
      metrics: Array.from({ length: steps(k) / every }, (_, i) => {
        const step = (i + 1) * every;
        return { step, dLoss: k * step, gLoss: step === 20 && k === 2 ? Number.NaN : 1 };
      }),
      eval: [{ step: steps(k), modesCovered: 4 + k }],
    });
  }
  return (await loadRuns(dir)).runs;
}

describe('readGroupCurves', () => {
  it('aligns the runs by step: mean, sample sd, min, max and n at each step', async () => {
    const { metrics, eval: evals, binSteps } = await readGroupCurves(await runs(3, () => 50));
    expect(binSteps).toBe(1);
    const dLoss = metrics.find((c) => c.key === 'dLoss')!;
    expect(dLoss.points.map((p) => p.step)).toEqual([10, 20, 30, 40, 50]);
    // at step 10: 10, 20, 30
    expect(dLoss.points[0]).toEqual({ step: 10, mean: 20, sd: 10, min: 10, max: 30, n: 3 });
    // a NaN is left out of its step
    const gLoss = metrics.find((c) => c.key === 'gLoss')!;
    expect(gLoss.points[1]).toMatchObject({ step: 20, n: 2 });
    expect(evals.find((c) => c.key === 'modesCovered')!.points).toEqual([
      { step: 50, mean: 6, sd: 1, min: 5, max: 7, n: 3 },
    ]);
  });

  it('counts only the runs that reached a step', async () => {
    const dLoss = (await readGroupCurves(await runs(2, (k) => 20 * k))).metrics.find(
      (c) => c.key === 'dLoss',
    )!;
    expect(dLoss.points.map((p) => [p.step, p.n, p.sd])).toEqual([
      [10, 2, Math.SQRT2 * 5],
      [20, 2, Math.SQRT2 * 10],
      [30, 1, null],
      [40, 1, null],
    ]);
  });

  it('bins long runs so every run falls in the same bins, each run counted once per bin', async () => {
    const { metrics, binSteps } = await readGroupCurves(await runs(2, () => 1000), { maxPoints: 10 });
    expect(binSteps).toBe(100);
    const dLoss = metrics.find((c) => c.key === 'dLoss')!;
    expect(dLoss.points).toHaveLength(10);
    // bin 0 holds steps 10..100: run k's mean there is k * 55
    expect(dLoss.points[0]).toMatchObject({ step: 55, mean: 82.5, min: 55, max: 110, n: 2 });
  });
});
