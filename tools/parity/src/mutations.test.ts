/**
 * The parity check can fail: each mutation below changes one thing the article's code does on
 * this project's side (the D gradient's sign, a reproduced typo, Adam's bias correction, the
 * sampling range, the decay schedule), and the harness, which always computes the reference
 * file's arithmetic, must notice it and say what differs.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '@gan/runs';
import { afterAll, describe, expect, it } from 'vitest';
import { runHarness, tracedRun } from './parity.ts';

// Enough for every mutation to show (the decay's second milestone is at step 41).
const STEPS = 60;

const runs: string[] = [];
afterAll(() => {
  for (const r of runs) rmSync(dirname(dirname(r)), { recursive: true, force: true });
});

describe("the parity check notices a departure from the article's code", { timeout: 120_000 }, () => {
  // Each mutation below changes one thing the article's code does; the harness, which always
  // computes the file's arithmetic, must notice it and say what differs.
  it.each([
    {
      what: "the D gradient's sign (descending the printed cost instead)",
      config: 'decay',
      overrides: ['loss.discriminator=flipped'],
      says: /per-step values agree within 1e-05 relative: first off at step 1/,
    },
    {
      what: "h_multi_last.py's output-weight gradient typo (fixed)",
      config: 'decay',
      overrides: ['model.generator.outputWeightGrad=chain-rule'],
      says: /total update .* generator\.12\.weight off by/,
    },
    {
      what: "Adam's bias correction (the standard one instead of the constant)",
      config: 'decay',
      overrides: ['optim.generator.biasCorrection=standard', 'optim.discriminator.biasCorrection=standard'],
      says: /per-step values agree within 1e-05 relative: first off at step [2-9]/,
    },
    {
      what: "the sampling range (len - 10 instead of the file's len - 5)",
      config: 'decay',
      overrides: ['data.excludeLast=10'],
      says: /per-step values agree within 1e-05 relative: first off at step 1\b/,
    },
    {
      what: "f_Generator_Multilayer.py's init typo (fixed)",
      config: 'failed-1',
      overrides: ['model.generator.outputInitFanIn=own'],
      says: /G_W3 drawn with std/,
    },
    {
      what: 'the printed D cost not logged (only the loss D descends, as other configs log)',
      config: 'decay',
      overrides: ['loss.reportedDiscriminatorCost=objective'],
      says: /metrics\.jsonl logs the D cost the file prints .*: the run's config says 'objective'/,
    },
    {
      what: 'the learning-rate decay (the milestone one step late)',
      config: 'decay',
      overrides: [
        'optim.generator.schedule={type: step, milestones: [{step: 1, factor: 0.01}, {step: 42, factor: 0.01}]}',
        'optim.discriminator.schedule={type: step, milestones: [{step: 1, factor: 0.01}, {step: 42, factor: 0.01}]}',
      ],
      says: /first off at step 42: learing_rate/,
    },
  ])('fails when $what', async ({ config, overrides, says }) => {
    const runDir = await tracedRun({
      config: join(projectRoot(), 'configs', `${config}.yaml`),
      overrides,
      steps: STEPS,
    });
    runs.push(runDir);
    const { code, report, output } = await runHarness(runDir, { reference: config });
    expect(code, output).toBe(1);
    expect(report?.passed).toBe(false);
    expect(report?.problems.join('\n'), output).toMatch(says);
  });
});
