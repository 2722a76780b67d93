/**
 * Run folders for the tests and the benchmark, written with @gan/runs' own writers: a finished
 * run with curves and sample grids, a run that keeps training while a test watches, runs of the
 * article's configs that log its printed D cost (as today's trainer does, and as runs did before
 * that column existed), and the damaged ones real life leaves (a hostile name, a cut-off
 * meta.json).
 */
import { writeFileSync } from 'node:fs';
import {
  CONFIG_FILE,
  collectEnvironment,
  createRunDir,
  JsonlWriter,
  META_FILE,
  metricsPath,
  newRunMeta,
  openEvalLog,
  type RunMeta,
  type RunOwner,
  samplePath,
} from '@gan/runs';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';

export interface FixtureRun {
  runDir: string;
  runId: string;
  key: string;
  /** Its owner (this process), for writing to it as the trainer would. */
  owner: RunOwner;
}

export interface FixtureOptions {
  name: string;
  /** Its config folder (default: `name`). */
  folder?: string;
  seed?: number;
  lr?: number;
  steps?: number;
  /** Metrics rows written at once (every 10 steps). */
  rows?: number;
  status?: RunMeta['status'];
  date?: Date;
  /** Sample grids at these steps. */
  samples?: number[];
  evals?: number[];
  description?: string;
  /**
   * Logs the article's printed D cost (`loss.reportedDiscriminatorCost: article-printed` in its
   * config): `current` as the trainer does now (`dCostPrinted` after `dLoss`); `old` as runs did
   * before that column existed (the printed cost in `dLoss`, the loss D descends not logged).
   * Default: it does not.
   */
  printedCost?: PrintedCostFormat;
}

/** How a run of an article config logged the printed D cost (see {@link FixtureOptions}). */
export type PrintedCostFormat = 'current' | 'old';

/**
 * A metrics row that looks like training: losses settling, D outputs drifting apart; with
 * `printedCost`, the printed D cost (near 0) logged in that format.
 *
 * ```ts
 * metricsRow(10, 0, 'old'); // { step: 10, dLoss: -0.0006..., gLoss: ... }: dLoss is the printed cost
 * ```
 */
export function metricsRow(step: number, k = 0, printedCost?: PrintedCostFormat): Record<string, number> {
  const w = Math.sin(step / (40 + 10 * k)) * Math.exp(-step / 2000);
  const dReal = 0.5 + 0.12 * (1 - Math.exp(-step / 700));
  const dFake = 0.5 - 0.1 * (1 - Math.exp(-step / 700)) - 0.03 * k;
  const dLoss = 1.386 - 0.25 * (1 - Math.exp(-step / 600)) + 0.15 * w;
  // -log D(x) + log(1 - D(G(z))), as the article's code prints it.
  const printed = -Math.log(dReal) + Math.log(1 - dFake);
  const losses: Record<string, number> =
    printedCost === 'old'
      ? { dLoss: printed }
      : printedCost === 'current'
        ? { dLoss, dCostPrinted: printed }
        : { dLoss };
  return {
    step,
    ...losses,
    gLoss: 0.69 + 0.35 * (1 - Math.exp(-step / 500)) - 0.12 * w,
    dReal,
    dFake,
    lrD: 2e-4,
    lrG: 2e-4,
    gradNormD: 0.5 + 0.1 * k,
    gradNormG: 0.3,
  };
}

function configYaml(o: FixtureOptions): string {
  return [
    `name: ${JSON.stringify(o.name)}`,
    `description: ${JSON.stringify(o.description ?? `fixture ${o.name}`)}`,
    `seed: ${o.seed ?? 0}`,
    'data:',
    '  dataset: gaussians8',
    ...(o.printedCost ? ['loss:', '  reportedDiscriminatorCost: article-printed'] : []),
    'optim:',
    '  generator:',
    `    lr: ${o.lr ?? 0.001}`,
    'train:',
    `  steps: ${o.steps ?? 1000}`,
    '',
  ].join('\n');
}

/** A small grey PNG (a gradient whose phase is the step), as a run's sample grid. */
export function writeGrid(runDir: string, step: number): void {
  const png = new PNG({ width: 64, height: 64, colorType: 0 });
  for (let i = 0; i < 64 * 64; i++) {
    const v = ((i % 64) * 4 + step) % 256;
    png.data.set([v, v, v, 255], i * 4);
  }
  writeFileSync(samplePath(runDir, step), PNG.sync.write(png, { colorType: 0 }));
}

/** A run folder; `running` runs belong to this process (so they are alive while it is). */
export async function writeRun(dir: string, o: FixtureOptions): Promise<FixtureRun> {
  const folder = o.folder ?? o.name;
  const steps = o.steps ?? 1000;
  const environment = await collectEnvironment();
  const { runDir, runId, owner } = await createRunDir(dir, folder, {
    date: o.date,
    files: (id, token) => {
      const meta: RunMeta = {
        ...newRunMeta({
          name: o.name,
          runId: id,
          seed: o.seed ?? 0,
          totalSteps: steps,
          backend: 'reference',
          environment,
          startedAt: o.date,
          owner: token,
        }),
      };
      const rows = o.rows ?? 0;
      if ((o.status ?? 'completed') !== 'running') {
        Object.assign(meta, {
          status: o.status ?? 'completed',
          step: rows * 10,
          endedAt: new Date().toISOString(),
          stepsPerSec: 120,
          latestEval: o.evals?.length
            ? { step: o.evals.at(-1), frechetDistance: 1 / (1 + (o.seed ?? 0)) }
            : null,
        });
      }
      return { [CONFIG_FILE]: configYaml(o), [META_FILE]: `${JSON.stringify(meta, null, 2)}\n` };
    },
  });
  const log = new JsonlWriter(metricsPath(runDir), { owner, fsyncIntervalMs: 60_000 });
  for (let i = 1; i <= (o.rows ?? 0); i++) log.write(metricsRow(i * 10, o.seed ?? 0, o.printedCost));
  log.close();
  if (o.evals?.length) {
    const ev = openEvalLog(owner, { fsyncIntervalMs: 60_000 });
    for (const step of o.evals)
      ev.write({ step, frechetDistance: 3 / (1 + step / 100), modesCovered: Math.min(8, 2 + step / 100) });
    ev.close();
  }
  for (const step of o.samples ?? []) writeGrid(runDir, step);
  return { runDir, runId, key: `${folder}/${runId}`, owner };
}

/**
 * Appends `lines` metrics rows (steps 10, 20, ...) to a run that `page` shows, each once the last
 * one is drawn, and returns how long each took from the write to its point in the losses chart
 * (ms). `gapMs` waits between lines.
 */
export async function timeLinesToPoints(
  page: Page,
  runDir: string,
  options: { lines: number; gapMs?: number; timeoutMs?: number },
): Promise<number[]> {
  const log = new JsonlWriter(metricsPath(runDir), { fsyncIntervalMs: 60_000 });
  const latencies: number[] = [];
  try {
    for (let i = 1; i <= options.lines; i++) {
      const step = i * 10;
      const t0 = performance.now();
      log.write(metricsRow(step));
      await page.waitForSelector(`[data-metric="losses"][data-last-step="${step}"]`, {
        timeout: options.timeoutMs ?? 10_000,
      });
      latencies.push(performance.now() - t0);
      if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
    }
  } finally {
    log.close();
  }
  return latencies;
}
