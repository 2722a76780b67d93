/**
 * `pnpm bench --only ui` runs this in its own process and reads the JSON it prints last:
 * - the time from a metrics line written to its point drawn in the page (median and worst of 20);
 * - the runs page with 1,000 runs: navigation to its first 200 rows and the count of all drawn
 *   (median of 3, the server warm, as `pnpm ui` reads every run once at start), then all 1,000
 *   rows ("show more"), and the server's first, cold listing;
 * - the page's JavaScript, raw and gzipped.
 *
 * `tsx tools/ui/src/bench.ts [--runs 1000]`
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateRuns } from '@gan/report';
import { chromium } from 'playwright-core';
import { timeLinesToPoints, writeRun } from './fixtures.ts';
import { createApp, ensurePageBuilt, PAGE_DIR, startUiServer } from './server/index.ts';

export interface UiBench {
  /** Milliseconds from a metrics line appended to its point drawn in the page. */
  lineToPoint: { medianMs: number; maxMs: number; lines: number };
  /** Navigation to the first rows and the count drawn; then every row ("show more"). */
  runsPage: {
    runs: number;
    medianMs: number;
    allRowsMs: number | null;
    /** The same page listing one run. */
    oneRunMs: number;
    coldListingMs: number;
    warmListingMs: number;
  };
  js: { bytes: number; gzipBytes: number; files: number };
}

/** The page's document, as the function run in the page sees it (no DOM library here). */
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' } } });
  const runCount = Number(values.runs);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  await ensurePageBuilt();
  const assets = readdirSync(join(PAGE_DIR, 'assets')).filter((f) => f.endsWith('.js'));
  const jsBytes = assets.map((f) => readFileSync(join(PAGE_DIR, 'assets', f)));
  const js = {
    bytes: jsBytes.reduce((s, b) => s + b.length, 0),
    gzipBytes: jsBytes.reduce((s, b) => s + gzipSync(b).length, 0),
    files: assets.length,
  };

  const root = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  try {
    // 1. A metrics line -> its point drawn.
    const liveDir = join(root, 'live');
    const live = await writeRun(liveDir, { name: 'live', status: 'running', steps: 1000 });
    const server = await startUiServer({ experimentsDir: liveDir, port: 0 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.origin}/#/run/${live.key}`);
    await page.waitForSelector('[data-metric="losses"][data-rendered="true"]');
    const latencies = await timeLinesToPoints(page, live.runDir, { lines: 20, gapMs: 100 });
    // The same page with one run: what this machine takes for the page itself, whatever the runs.
    const oneRun: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      await page.goto(`${server.origin}/`);
      await page.waitForFunction(
        () => document.querySelector('#run-count')?.textContent === '1 of 1 runs',
        null,
        {
          timeout: 60_000,
          polling: 'raf',
        },
      );
      oneRun.push(performance.now() - t0);
    }
    await page.close();
    await server.close();

    // 2. The runs page with many runs.
    const manyDir = join(root, 'many');
    say(`writing ${runCount} runs ...`);
    await generateRuns(manyDir, runCount, 100);
    const cold = createApp({ experimentsDir: manyDir, pageDir: PAGE_DIR, token: null }).store;
    const coldListingMs = (await cold.list()).listedInMs;
    const warmListingMs = (await cold.list()).listedInMs;
    const many = await startUiServer({ experimentsDir: manyDir, port: 0 });
    const loads: number[] = [];
    const alls: number[] = [];
    const firstRows = Math.min(runCount, 200); // the page's PAGE_ROWS
    for (let k = 0; k < 3; k++) {
      const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const t0 = performance.now();
      await p.goto(`${many.origin}/`);
      // A function, not a string: the page's CSP forbids evaluating strings.
      await p.waitForFunction(
        ([n, first]) =>
          document.querySelectorAll('tr[data-run]').length === first &&
          document.querySelector('#run-count')?.textContent === `${n} of ${n} runs`,
        [runCount, firstRows],
        { timeout: 60_000, polling: 'raf' },
      );
      loads.push(performance.now() - t0);
      if (runCount > firstRows) {
        const t1 = performance.now();
        await p.click('#show-more');
        await p.waitForFunction((n) => document.querySelectorAll('tr[data-run]').length === n, runCount, {
          timeout: 60_000,
          polling: 'raf',
        });
        alls.push(performance.now() - t1);
      }
      await p.close();
    }
    await many.close();
    const result: UiBench = {
      lineToPoint: { medianMs: median(latencies), maxMs: Math.max(...latencies), lines: latencies.length },
      runsPage: {
        runs: runCount,
        medianMs: median(loads),
        allRowsMs: alls.length ? median(alls) : null,
        oneRunMs: median(oneRun),
        coldListingMs,
        warmListingMs,
      },
      js,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
