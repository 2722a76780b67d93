/**
 * The listing benchmark's pieces, shared by `packages/report/src/bench.ts` and `pnpm bench --only
 * report`: many long synthetic runs written with @gan/training's own writers, and one listing of them
 * measured in a fresh process (so its peak RSS is the listing's alone).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JsonlWriter, metricsPath } from '@gan/runs';
import { syntheticRow, writeFixtureRun } from './fixtures.ts';
import { listRuns } from './list.ts';
import { formatList } from './output.ts';

const CONFIGS = 10;
const LRS = [1e-4, 2e-4, 5e-4, 1e-3];

/** Writes `runs` run folders of `lines` metrics rows each under `dir` (10 configs, 4 lrs). */
export async function generateRuns(
  dir: string,
  runs: number,
  lines: number,
  progress: (written: number) => void = () => {},
): Promise<void> {
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < runs; i++) {
    const runDir = await writeFixtureRun(dir, {
      name: `bench-${i % CONFIGS}`,
      date: new Date(start + i * 1000),
      config: { seed: i, optim: { generator: { lr: LRS[i % LRS.length] } }, train: { steps: lines } },
      meta: { step: lines, stepsPerSec: 100 + (i % 50) },
    });
    const log = new JsonlWriter(metricsPath(runDir), { fsyncIntervalMs: 3_600_000 });
    for (let step = 1; step <= lines; step++) log.write(syntheticRow(step, i));
    log.close();
    if ((i + 1) % 100 === 0) progress(i + 1);
  }
}

export interface ListingMeasurement {
  runs: number;
  seconds: number;
  rssMiB: number;
  params: string[];
  tableBytes: number;
}

/** Lists `dir` as `pnpm report` does (the listing and its table text), in this process. */
export async function listOnce(dir: string): Promise<ListingMeasurement> {
  const t0 = performance.now();
  const list = await listRuns(dir);
  const text = formatList(list, 'table');
  const seconds = (performance.now() - t0) / 1000;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  return { runs: list.runs.length, seconds, rssMiB, params: list.params, tableBytes: text.length };
}

/** {@link listOnce} in a fresh Node process running `bench.ts --list <dir>`. */
export function measureListing(dir: string): ListingMeasurement {
  const script = fileURLToPath(new URL('./bench.ts', import.meta.url));
  const child = spawnSync(process.execPath, [...process.execArgv, script, '--list', dir], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`listing failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
}
