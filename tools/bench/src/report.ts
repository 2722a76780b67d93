import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRuns, type ListingMeasurement, measureListing } from '@gan/report';
import { median } from './runs.ts';

export interface ReportBench {
  listing: ListingMeasurement;
  /** Seconds `cat` takes to read every metrics.jsonl once: what any whole-file reader pays. */
  catSeconds: number;
  bytes: number;
}

/**
 * Writes `runs` synthetic runs of `lines` metrics rows, lists them as `pnpm report` does in a
 * fresh process (the median of three listings), and reads every metrics file with `cat` (the
 * median of three) as the peer: a listing that read whole files could not be faster than that.
 */
export async function benchReportListing(runs: number, lines: number): Promise<ReportBench> {
  const root = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const dir = join(root, 'experiments');
  try {
    await generateRuns(dir, runs, lines);
    const files: string[] = [];
    for (const config of readdirSync(dir))
      for (const run of readdirSync(join(dir, config))) files.push(join(dir, config, run, 'metrics.jsonl'));
    const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    const listings = [0, 1, 2].map(() => measureListing(dir));
    listings.sort((a, b) => a.seconds - b.seconds);
    const cats = [0, 1, 2].map(() => {
      const t0 = performance.now();
      const r = spawnSync('sh', [
        '-c',
        'find "$1" -name metrics.jsonl -exec cat {} + > /dev/null',
        'sh',
        dir,
      ]);
      if (r.status !== 0) throw new Error(`cat of the metrics files failed: ${r.stderr}`);
      return (performance.now() - t0) / 1000;
    });
    return { listing: listings[1], catSeconds: median(cats), bytes };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
