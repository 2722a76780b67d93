/**
 * Run folders written with the writers the trainer uses (@gan/runs, @gan/training's config and
 * image modules), for the tests and the benchmark: the report must read exactly what the trainer
 * writes.
 */
import { appendFileSync } from 'node:fs';
import { configFromObject, type ExperimentConfigInput, serializeConfig } from '@gan/training/config';
import { writeRunGif, writeSampleGrid } from '@gan/training/images';
import {
  createRunDir,
  type EvalRow,
  JsonlWriter,
  kernelsNamed,
  type MetricsRow,
  metricsPath,
  newRunMeta,
  openEvalLog,
  type RunEnvironment,
  type RunMeta,
  writeMeta,
  writeRunConfig,
} from '@gan/runs';

/** A fixed environment, so fixtures need neither git nor the real machine. */
export const FIXTURE_ENVIRONMENT: RunEnvironment = {
  command: ['node', 'exp.ts', 'configs/fixture.yaml'],
  cwd: '/fixture',
  git: { commit: null, dirty: null },
  node: 'v20.19.0',
  platform: 'linux',
  host: { cpu: 'fixture', cores: 1, memoryGB: 1 },
};

export interface FixtureRun {
  /** Config name and folder. */
  name: string;
  /** Start time; it is also in the run id. */
  date: Date;
  /** The 4 hex digits ending the run id (default `0000`). */
  suffix?: string;
  /** Config keys on top of the defaults, e.g. `{ seed: 3, optim: { generator: { lr: 0.002 } } }`. */
  config?: Partial<ExperimentConfigInput> & Record<string, unknown>;
  /** Fields of meta.json to set (status, step, latestEval, stepsPerSec, name, kernels, ...). */
  meta?: Partial<RunMeta>;
  /** metrics.jsonl rows: a number of synthetic rows (steps 1..n), or the rows themselves. */
  metrics?: number | Partial<MetricsRow>[];
  /** Append a cut-off line to metrics.jsonl, as a crash mid-write leaves it. */
  truncateMetrics?: boolean;
  /** eval.jsonl rows. */
  eval?: EvalRow[];
  /** Steps of sample grids to write (tiny PNGs), and then samples.gif. */
  samples?: number[];
}

/** A synthetic metrics row of step `step` of run number `k`: smooth, different per run. */
export function syntheticRow(step: number, k = 0): MetricsRow {
  const t = step / 1000;
  return {
    step,
    dLoss: 1.2 + 0.2 * Math.sin(t + k) + 0.05 * Math.cos(step * 0.37 + k),
    gLoss: 0.8 + 0.3 * Math.cos(t * 0.7 + k) + 0.05 * Math.sin(step * 0.11),
    dReal: 0.55 + 0.05 * Math.sin(t * 1.3 + k),
    dFake: 0.45 + 0.05 * Math.cos(t * 1.1 + k),
    lrD: 2e-4,
    lrG: 2e-4 * 0.5 ** Math.floor(step / 5000),
    gradNormD: 0.5 + 0.1 * Math.sin(step),
    gradNormG: 0.3 + 0.1 * Math.cos(step),
  };
}

/**
 * Writes a run folder under `experimentsDir` with the trainer's writers (createRunDir, serializeConfig,
 * writeMeta, JsonlWriter, writeSampleGrid, writeRunGif); returns its path.
 */
export async function writeFixtureRun(experimentsDir: string, run: FixtureRun): Promise<string> {
  const { runDir, runId, owner } = await createRunDir(experimentsDir, run.name, {
    date: run.date,
    randomSuffix: () => run.suffix ?? '0000',
    maxAttempts: 1,
  });
  const config = configFromObject({ name: run.name, ...run.config }, 'fixture');
  await writeRunConfig(owner, serializeConfig(config));
  const rows =
    typeof run.metrics === 'number'
      ? Array.from({ length: run.metrics }, (_, i) => syntheticRow(i + 1))
      : (run.metrics ?? []);
  const last = rows.at(-1)?.step ?? 0;
  const meta = {
    ...newRunMeta({
      name: run.name,
      runId,
      seed: config.seed,
      totalSteps: config.train.steps,
      precision: config.train.precision,
      backend: 'reference',
      kernels: kernelsNamed('reference'),
      environment: FIXTURE_ENVIRONMENT,
      startedAt: run.date,
      owner: owner.token,
    }),
    status: 'completed' as const,
    endedAt: new Date(run.date.getTime() + 60_000).toISOString(),
    step: last,
    stepsPerSec: 100,
    ...run.meta,
  };
  await writeMeta(owner, meta);
  const log = new JsonlWriter(metricsPath(runDir), { owner, fsyncIntervalMs: 60_000 });
  for (const row of rows) log.write(row);
  log.close();
  if (run.truncateMetrics) appendFileSync(metricsPath(runDir), '{"step":999999,"dLoss":1.2');
  if (run.eval) {
    const evalLog = openEvalLog(owner, { fsyncIntervalMs: 60_000 });
    for (const row of run.eval) evalLog.write(row);
    evalLog.close();
  }
  for (const step of run.samples ?? []) {
    const gray = new Uint8Array(8 * 8).map((_, i) => ((i * 37 + step) % 256) & 0xff);
    await writeSampleGrid(owner, step, { gray, width: 8, height: 8 });
  }
  if (run.samples && run.samples.length > 0) await writeRunGif(owner);
  return runDir;
}
