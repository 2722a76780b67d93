/**
 * Successive halving at a tiny scale: 6 random members of a 2-D GAN, the best 3 continued, then
 * the best 2 afresh with 2 seeds each; the stages decided from what the runs recorded.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeJsonlLine,
  metricsPath,
  readJsonlSync,
  readMemberRuns,
  readMetaSync,
  readSweepMeta,
  writeMemberRun,
} from '@gan/runs';
import { LocalExecutor } from './local.ts';
import { memberScore } from './search.ts';
import { loadSweepFile } from './spec.ts';
import { createSweep, openSweepDir, planSweep } from './sweep.ts';
import { testEnvironment as environment, ringConfig, runInTemp } from '../run/session.test-util.ts';

const root = mkdtempSync(join(tmpdir(), 'search-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a successive-halving search', { timeout: 240_000 }, () => {
  it('continues the best of each stage, then trains the best afresh with each seed', async () => {
    writeFileSync(
      join(root, 'ring.yaml'),
      `data: { dataset: gaussians8, batchSize: 32, limit: 2000 }
model: { z: { size: 4 }, generator: { hidden: [32], output: identity }, discriminator: { hidden: [32] } }
log: { every: 10, samplesEvery: 1000, checkpointEvery: 1000, gif: false }
eval: { atEnd: true, samples: 200 }
`,
    );
    writeFileSync(
      join(root, 'search.yaml'),
      `configs: [ring.yaml]
random:
  count: 6
  seed: 3
  params:
    optim.generator.lr: { logUniform: [1.0e-4, 1.0e-2] }
    optim.discriminator.lr: { logUniform: [1.0e-4, 1.0e-2] }
search:
  metric: gLoss
  goal: minimize
  stages:
    - { steps: 60 }
    - { steps: 120, keep: 3 }
    - { steps: 150, keep: 2, seeds: [1, 2] }
`,
    );
    const experiments = join(root, 'experiments');
    const spec = loadSweepFile(join(root, 'search.yaml'));
    const sweep = createSweep(experiments, spec, planSweep(spec), ['test']);
    expect(sweep.meta.stages.map((s) => s.members?.length ?? null)).toEqual([6, null, null]);
    const executor = new LocalExecutor({
      sweep,
      jobs: 2,
      threads: 1,
      backend: 'reference',
      environment,
      onUpdate: () => {},
    });

    // Stage 1's scores, to check the decision against: record them when stage 2 is decided.
    const outcome = await executor.run();
    expect(outcome.stopped).toBe(false);
    const meta = readSweepMeta(sweep.dir);
    const [first, second, third] = meta.stages;
    expect(first.members).toEqual([0, 1, 2, 3, 4, 5]);
    expect(second.members).toHaveLength(3);
    expect(second.reason).toBe('best 3 of 6 by gLoss (minimize)');
    expect(third.members).toEqual([6, 7, 8, 9]);
    expect(third.reason).toMatch(/^best 2 of 3 by gLoss \(minimize\), afresh with seeds 1, 2$/);

    const runs = await readMemberRuns(sweep.dir);
    expect(runs.size).toBe(10);
    const metaOf = (i: number) => readMetaSync(join(experiments, runs.get(i)!));
    // Continued members went on in their own run folders; the others stopped at 60 steps.
    for (const i of first.members!) {
      const m = metaOf(i);
      expect(m.status).toBe('completed');
      expect(m.step).toBe(second.members!.includes(i) ? 120 : 60);
      expect(m.resumedFrom !== null).toBe(second.members!.includes(i));
    }
    // Stage 2 took the 3 best by G loss at step 60 (read back from each run's metrics).
    const at60 = (i: number) =>
      (
        readJsonlSync(metricsPath(join(experiments, runs.get(i)!))).rows.find((r) => r.step === 60) as {
          gLoss: number;
        }
      ).gLoss;
    const top3 = first.members!.map((i) => ({ i, s: at60(i) })).sort((a, b) => a.s - b.s || a.i - b.i);
    expect(second.members).toEqual(top3.slice(0, 3).map((x) => x.i));
    // The fresh last stage: the two best of stage 2, seeds 1 and 2, 150 steps from scratch.
    const members = openSweepDir(experiments, sweep.dir).members;
    const scores2 = second.members!.map((i) => ({ i, s: memberScore(experiments, sweep.dir, i, 'gLoss')! }));
    // (scores are now those at step 120: the stage-3 choice was made from them)
    const best = scores2
      .sort((a, b) => a.s - b.s || a.i - b.i)
      .slice(0, 2)
      .map((x) => x.i);
    expect(third.members!.map((i) => [members[i].params['optim.generator.lr'], members[i].seed])).toEqual(
      best.flatMap((b) => [1, 2].map((seed) => [members[b].params['optim.generator.lr'], seed])),
    );
    for (const i of third.members!)
      expect(metaOf(i)).toMatchObject({ status: 'completed', step: 150, resumedFrom: null });
    expect(readdirSync(join(experiments, 'ring'))).toHaveLength(10);

    // Resuming the finished search runs nothing again.
    const again = await new LocalExecutor({
      sweep: openSweepDir(experiments, sweep.dir),
      jobs: 2,
      threads: 1,
      backend: 'reference',
      environment,
      onUpdate: (u) => expect(u.type).not.toBe('opened'),
    }).run();
    expect([...again.ends.values()].every((s) => s === 'completed')).toBe(true);
  });
});

describe("a search's score from a run's last metrics row", () => {
  /** Member 0 of a sweep folder of its own is `runDir`; its score by `metric`. */
  const score = (runDir: string, metric: string) => {
    const experiments = join(runDir, '..', '..');
    const sweepDir = mkdtempSync(join(root, 'sweep-'));
    writeMemberRun(sweepDir, 0, relative(experiments, runDir));
    return memberScore(experiments, sweepDir, 0, metric);
  };
  const lastRow = (runDir: string) =>
    readJsonlSync(metricsPath(runDir)).rows.at(-1) as Record<string, number>;

  it("reads the article's printed D cost, of a run logged today and of one logged before its column", async () => {
    const config = ringConfig('printed', { loss: { reportedDiscriminatorCost: 'article-printed' } });
    const { runDir, status } = await runInTemp(config);
    expect(status).toBe('completed');
    const last = lastRow(runDir);
    expect(score(runDir, 'dLoss')).toBe(last.dLoss);
    expect(score(runDir, 'dCostPrinted')).toBe(last.dCostPrinted);
    expect(last.dCostPrinted).not.toBe(last.dLoss);

    // The same run as an older version logged it: the printed cost in `dLoss`, and nothing else.
    const old = readJsonlSync(metricsPath(runDir)).rows.map(({ dLoss: _, dCostPrinted, ...rest }) => ({
      step: rest.step,
      dLoss: dCostPrinted,
      ...rest,
    }));
    writeFileSync(metricsPath(runDir), old.map((r) => `${encodeJsonlLine(r)}\n`).join(''));
    expect(lastRow(runDir)).not.toHaveProperty('dCostPrinted');
    expect(score(runDir, 'dCostPrinted')).toBe(last.dCostPrinted);
    expect(score(runDir, 'dLoss')).toBeNull(); // such runs did not log the loss D descends
    expect(score(runDir, 'gLoss')).toBe(last.gLoss);
  });

  it('has no printed cost for a run that logs only the loss D descends', async () => {
    const { runDir } = await runInTemp(ringConfig('objective'));
    expect(lastRow(runDir)).not.toHaveProperty('dCostPrinted');
    expect(score(runDir, 'dCostPrinted')).toBeNull();
    expect(score(runDir, 'dLoss')).toBe(lastRow(runDir).dLoss);
  });
});
