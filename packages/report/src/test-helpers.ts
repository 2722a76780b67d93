import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, createSweepDir, type SweepMember, writeMemberRun } from '@gan/runs';
import { onTestFinished } from 'vitest';
import type { CliIo } from './cli.ts';
import { type FixtureRun, syntheticRow, writeFixtureRun } from './fixtures.ts';

/** A fresh experiments folder, removed when the calling test finishes. */
export function tempExperiments(): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'experiments');
}

/** A UTC date on 2026-11-26 at `hh:mm:ss`. */
export function at(time: string): Date {
  return new Date(`2026-11-26T${time}Z`);
}

/** CliIo that records what the CLI prints. */
export function captureIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    cwd,
    env: {},
    stdout: { write: (text: string) => (out += text), isTTY: false },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}

export const HOSTILE_NAME = '<script>alert(1)</script>';
export const HOSTILE_DESCRIPTION = '</script><img src=x onerror=alert(1)><!-- \u2028';

/** A long run with evaluation rows and samples, and a run whose name and description are hostile. */
export async function reportRuns() {
  const dir = tempExperiments();
  const long = await writeFixtureRun(dir, {
    name: 'long',
    date: at('10:00:00'),
    config: { description: 'ten thousand steps', train: { steps: 10_000 } },
    metrics: Array.from({ length: 10_000 }, (_, i) =>
      i === 4321 ? { ...syntheticRow(i + 1), dLoss: 99 } : syntheticRow(i + 1),
    ),
    eval: [
      { step: 5000, modesCovered: 5, frechetDistance: 0.9 },
      { step: 10_000, modesCovered: 7, frechetDistance: 0.4 },
    ],
    meta: { latestEval: { step: 10_000, modesCovered: 7, frechetDistance: 0.4 } },
    samples: [0, 5000, 10_000],
  });
  const hostile = await writeFixtureRun(dir, {
    name: 'hostile',
    date: at('11:00:00'),
    config: { description: HOSTILE_DESCRIPTION, seed: 7 },
    metrics: 50,
    meta: { name: HOSTILE_NAME },
    samples: [50],
  });
  return { dir, long, hostile };
}

/**
 * Two configs of three seeds each, logging every 10 steps to step 500, for grouped reports:
 * `wide`'s D(G(z)) is spread across its seeds (0.2 ± 0.1), `narrow`'s is not (0.8 ± 0.005);
 * each run has two evaluations and a sample grid.
 */
export async function seedGroups() {
  const dir = tempExperiments();
  for (const [c, name] of ['wide', 'narrow'].entries()) {
    for (const k of [1, 2, 3]) {
      await writeFixtureRun(dir, {
        name,
        date: at(`1${c}:0${k}:00`),
        suffix: `${c}00${k}`,
        config: { description: `${name} seeds`, seed: k, train: { steps: 500 } },
        metrics: Array.from({ length: 50 }, (_, i) => {
          const step = (i + 1) * 10;
          const row = syntheticRow(step, k);
          return { ...row, dFake: name === 'wide' ? 0.1 + 0.1 * k : 0.795 + 0.005 * k };
        }),
        eval: [
          { step: 250, modesCovered: 2 + k + c },
          { step: 500, modesCovered: 4 + k + c },
        ],
        meta: { latestEval: { step: 500, modesCovered: 4 + k + c } },
        samples: [500],
      });
    }
  }
  return dir;
}

/**
 * A sweep of `optim.generator.lr` (3 values, log-spaced) times 2 seeds, recorded as a sweep folder
 * listing its 6 member runs, beside a run of another config that is not in it. Each member has a
 * final evaluation (FD falling with the lr, modes rising) and a sample grid.
 */
export async function sweepFixture() {
  const dir = tempExperiments();
  const lrs = [1e-4, 1e-3, 1e-2];
  const members: SweepMember[] = [];
  const runs: string[] = [];
  for (const [i, lr] of lrs.entries()) {
    for (const seed of [1, 2]) {
      const index = members.length;
      const config = { seed, optim: { generator: { lr } }, train: { steps: 500 } };
      const runDir = await writeFixtureRun(dir, {
        name: 'lrs',
        date: at(`12:0${index}:00`),
        suffix: `a00${index}`,
        config,
        metrics: Array.from({ length: 50 }, (_, j) => syntheticRow((j + 1) * 10, index)),
        meta: {
          seed,
          latestEval: {
            step: 500,
            frechetDistance: 300 - 100 * i + 5 * seed,
            modesCovered: 3 + 2 * i + seed,
            inceptionScore: 2 + i,
          },
        },
        samples: [500],
      });
      members.push({
        index,
        stage: 0,
        name: 'lrs',
        seed,
        params: { seed, 'optim.generator.lr': lr },
        config: '',
      });
      runs.push(`lrs/${runDir.split('/').at(-1)}`);
    }
  }
  await writeFixtureRun(dir, { name: 'other', date: at('13:00:00'), metrics: 10 });
  const sweep = createSweepDir(
    dir,
    {
      name: 'lrs',
      description: '',
      source: 'command line',
      command: ['test'],
      swept: ['seed', 'optim.generator.lr'],
      stages: [{ steps: null, members: members.map((m) => m.index), reason: 'every member' }],
      plan: {},
    },
    '',
    members,
    at('11:59:00'),
  );
  runs.forEach((r, i) => writeMemberRun(sweep.dir, i, r));
  return { dir, sweep, runs };
}

/** The config of the article's runs: metrics.jsonl also logs the D cost its code prints. */
export const ARTICLE_PRINTED = { loss: { reportedDiscriminatorCost: 'article-printed' as const } };

/**
 * One run folder of each way the D columns have been logged, each with rows at steps 10 and 20
 * (final values in brackets):
 *
 * - `baseline`, logging the loss D descends (`dLoss` 1.25), its config.yaml written before
 *   `loss.reportedDiscriminatorCost` existed;
 * - `decay-old`, of the article's configs, recorded before `dCostPrinted` existed: its `dLoss`
 *   column holds the printed cost (-0.75), and the loss D descends was not logged;
 * - `decay-new`, of the article's configs, recorded since: `dLoss` (1.3) and `dCostPrinted` (-0.5).
 *
 * Listed in that order by config name: baseline, decay-new, decay-old.
 */
export async function dColumnRuns() {
  const dir = tempExperiments();
  const run = (name: string, time: string, rows: FixtureRun['metrics'], config = {}): FixtureRun => ({
    name,
    date: at(time),
    config: { ...config, train: { steps: 20 } },
    metrics: rows,
  });
  const d = { dReal: 0.6, dFake: 0.4 };
  const baseline = await writeFixtureRun(
    dir,
    run('baseline', '10:00:00', [
      { step: 10, dLoss: 1.38, gLoss: 0.69, ...d },
      { step: 20, dLoss: 1.25, gLoss: 0.7, ...d },
    ]),
  );
  const yaml = readFileSync(configPath(baseline), 'utf8');
  const older = yaml.replace(/^ {2}reportedDiscriminatorCost: objective\n/m, '');
  if (older === yaml) throw new Error('the fixture config has no reportedDiscriminatorCost to strip');
  writeFileSync(configPath(baseline), older);
  const old = await writeFixtureRun(
    dir,
    run(
      'decay-old',
      '10:00:01',
      [
        { step: 10, dLoss: -0.05, gLoss: 0.69, ...d },
        { step: 20, dLoss: -0.75, gLoss: 0.8, ...d },
      ],
      ARTICLE_PRINTED,
    ),
  );
  const current = await writeFixtureRun(
    dir,
    run(
      'decay-new',
      '10:00:02',
      [
        { step: 10, dLoss: 1.36, dCostPrinted: -0.04, gLoss: 0.69, ...d },
        { step: 20, dLoss: 1.3, dCostPrinted: -0.5, gLoss: 0.9, ...d },
      ],
      ARTICLE_PRINTED,
    ),
  );
  return { dir, baseline, old, current };
}
