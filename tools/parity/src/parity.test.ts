/**
 * The article's code is the oracle: each of its eight configs is trained here for 200 steps with a
 * trace, and the same steps are computed by a numpy transcription of the reference file it
 * reproduces (py/article.py). Per-step D cost, G cost, D(x) and D(G(z)) must agree to 1e-5
 * relative, the final weights to 1e-4 of their layer's largest value, and every tensor's total
 * update to 1e-2 of its largest. (mutations.test.ts breaks each quirk on this project's side and
 * shows that the check notices.)
 *
 * python3 and numpy are part of every machine this project runs on: when they are missing, these
 * tests fail (with how to install them) rather than skip.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTICLE_CONFIGS } from '@gan/training/config';
import { encodeJsonlLine, metricsPath, projectRoot, readJsonlSync } from '@gan/runs';
import { harnessUnavailable, runHarness, tracedRun } from './parity.ts';

const STEPS = 200;
const configPath = (name: string) => join(projectRoot(), 'configs', `${name}.yaml`);

const runs: string[] = [];
afterAll(() => {
  for (const r of runs) rmSync(dirname(dirname(r)), { recursive: true, force: true });
});

async function check(config: string) {
  const runDir = await tracedRun({ config: configPath(config), steps: STEPS });
  runs.push(runDir);
  return runHarness(runDir, { reference: config });
}

// A run of each config in its own process, then numpy: seconds each.
describe("parity with the article's reference files", { timeout: 180_000 }, () => {
  it('has python3 with numpy to run the transcription', () => {
    expect(harnessUnavailable()).toBeNull();
  });

  it.each(ARTICLE_CONFIGS)('%s agrees with its reference file step by step for 200 steps', async (config) => {
    const { code, report, output } = await check(config);
    expect(report, output).not.toBeNull();
    expect(report?.problems, output).toEqual([]);
    expect(code, output).toBe(0);
    expect(report?.steps).toBe(STEPS);
    for (const key of ['D_cost', 'G_cost', 'D_real', 'D_fake'])
      expect(report?.worst[key]?.rel ?? 1, key).toBeLessThan(1e-5);
    const weights = Object.values(report?.weights ?? {});
    expect(weights.length).toBeGreaterThanOrEqual(8);
    for (const w of weights) {
      expect(w.relLayer).toBeLessThan(1e-4);
      expect(w.relUpdate).toBeLessThan(1e-2);
    }
  });

  it('reads a run logged before dCostPrinted existed, its printed D cost in dLoss', async () => {
    const runDir = await tracedRun({ config: configPath('decay'), steps: 20 });
    runs.push(runDir);
    const file = metricsPath(runDir);
    const rows = readJsonlSync(file).rows;
    // Today's run logs both: the loss D descends and, apart, the cost the file prints.
    expect(rows.every((r) => typeof r.dCostPrinted === 'number' && r.dCostPrinted !== r.dLoss)).toBe(true);
    const old = rows.map(({ step, dLoss: _, dCostPrinted, ...rest }) => ({
      step,
      dLoss: dCostPrinted,
      ...rest,
    }));
    writeFileSync(file, old.map(encodeJsonlLine).join(''));
    const { code, report, output } = await runHarness(runDir, { reference: 'decay' });
    expect(report?.problems, output).toEqual([]);
    expect(code, output).toBe(0);
    expect(report?.worst.D_cost?.rel ?? 1).toBeLessThan(1e-5);
  });
});
