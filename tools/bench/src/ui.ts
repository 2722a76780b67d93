/**
 * The `ui` section: `pnpm ui` measured by tools/ui/src/bench.ts in its own process (it drives
 * Chromium): a metrics line written -> its point drawn in the page, the runs page with 1,000 runs,
 * the page's JavaScript size.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface UiBench {
  lineToPoint: { medianMs: number; maxMs: number; lines: number };
  runsPage: {
    runs: number;
    medianMs: number;
    allRowsMs: number | null;
    oneRunMs: number;
    coldListingMs: number;
    warmListingMs: number;
  };
  js: { bytes: number; gzipBytes: number; files: number };
}

export function benchUi(root: string, runs: number): UiBench {
  const res = spawnSync(
    'pnpm',
    ['-s', 'exec', 'tsx', join(root, 'tools', 'ui', 'src', 'bench.ts'), '--runs', String(runs)],
    {
      cwd: join(root, 'tools', 'ui'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 1_800_000,
    },
  );
  if (res.status !== 0) throw new Error(`the ui benchmark failed (status ${res.status})`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '') as UiBench;
}

/** The section's lines, against its goals. */
export function uiLines(r: UiBench): string[] {
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  return [
    `metrics line written -> point drawn: median ${r.lineToPoint.medianMs.toFixed(0)} ms, worst ${r.lineToPoint.maxMs.toFixed(0)} ms of ${r.lineToPoint.lines} (goal < 1000 ms)`,
    `runs page with ${r.runsPage.runs} runs: ${r.runsPage.medianMs.toFixed(0)} ms from navigation to its first 200 rows and the count of all drawn (median of 3; goal < 1000 ms)` +
      (r.runsPage.allRowsMs === null
        ? ''
        : `, all ${r.runsPage.runs} rows ${r.runsPage.allRowsMs.toFixed(0)} ms more`) +
      `; with one run the page takes ${r.runsPage.oneRunMs.toFixed(0)} ms` +
      `; server listing ${r.runsPage.warmListingMs} ms warm, ${r.runsPage.coldListingMs} ms cold (at start)`,
    `page JavaScript: ${kib(r.js.bytes)} in ${r.js.files} files, ${kib(r.js.gzipBytes)} gzipped (Vega, loaded with the first chart, is most of it)`,
  ];
}
