/**
 * How fast `pnpm report` lists many long runs.
 *
 *   npx tsx packages/report/src/bench.ts [--runs 1000] [--lines 10000] [--keep]
 *
 * Writes `runs` synthetic run folders of `lines` metrics rows each into a temp folder, then lists
 * them twice in a fresh process with the same function `pnpm report` uses, and prints runs/s,
 * seconds and peak RSS. `pnpm bench --only report` runs the same measurement beside a peer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateRuns, listOnce, measureListing } from './bench-runs.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1000' },
      lines: { type: 'string', default: '10000' },
      keep: { type: 'boolean', default: false },
      list: { type: 'string' },
    },
  });
  if (values.list) {
    process.stdout.write(`${JSON.stringify(await listOnce(values.list))}\n`);
    return;
  }
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
    await generateRuns(dir, runs, lines, (n) => process.stderr.write(`  wrote ${n}/${runs} runs\r`));
    process.stderr.write('\n');
    console.log(`written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const pass of ['first listing', 'second listing']) {
      const r = measureListing(dir);
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
