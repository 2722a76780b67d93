/**
 * How fast `pnpm report` lists many long runs.
 *
 *   npx tsx tools/report/src/bench.ts [--runs 1000] [--lines 10000] [--keep]
 *
 * Writes `runs` synthetic run folders of `lines` metrics rows each into a temp folder with
 * gan-runner's own writers, then lists them in a fresh process (so its peak RSS is the listing's
 * alone) with the same function `pnpm report` uses, and prints runs/s, seconds and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JsonlWriter, metricsPath } from '@gan/gan-runner';
import { syntheticRow, writeFixtureRun } from './fixtures.ts';
import { listRuns } from './list.ts';
import { formatList } from './output.ts';

const CONFIGS = 10;
const LRS = [1e-4, 2e-4, 5e-4, 1e-3];

async function generate(dir: string, runs: number, lines: number): Promise<void> {
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
    if ((i + 1) % 100 === 0) process.stderr.write(`  wrote ${i + 1}/${runs} runs\r`);
  }
  process.stderr.write('\n');
}

/** Lists `dir` as `pnpm report` does (listing and the table text); prints one JSON line. */
async function listOnce(dir: string): Promise<void> {
  const t0 = performance.now();
  const list = await listRuns(dir);
  const text = formatList(list, 'table');
  const seconds = (performance.now() - t0) / 1000;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ runs: list.runs.length, seconds, rssMiB, params: list.params, tableBytes: text.length })}\n`,
  );
}

function measure(dir: string): { runs: number; seconds: number; rssMiB: number; params: string[] } {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, self, '--list', dir], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`listing failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1000' },
      lines: { type: 'string', default: '10000' },
      keep: { type: 'boolean', default: false },
      list: { type: 'string' },
    },
  });
  if (values.list) return listOnce(values.list);
  const runs = Number(values.runs);
  const lines = Number(values.lines);
  if (!(Number.isInteger(runs) && runs > 0 && Number.isInteger(lines) && lines > 0)) {
    throw new Error('--runs and --lines must be positive integers');
  }
  const root = mkdtempSync(join(tmpdir(), 'report-bench-'));
  const dir = join(root, 'experiments');
  try {
    console.log(`writing ${runs} runs x ${lines} metrics lines to ${dir} ...`);
    const t0 = performance.now();
    await generate(dir, runs, lines);
    console.log(`written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const pass of ['first listing', 'second listing']) {
      const r = measure(dir);
      console.log(
        `${pass}: ${r.runs} runs in ${r.seconds.toFixed(2)} s = ${(r.runs / r.seconds).toFixed(0)} runs/s, ` +
          `peak RSS ${r.rssMiB.toFixed(0)} MiB (varying keys: ${r.params.join(', ')})`,
      );
    }
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

await main();
