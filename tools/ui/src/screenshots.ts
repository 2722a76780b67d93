/**
 * The README's screenshots of `pnpm ui`, taken with headless Chromium:
 * `tsx tools/ui/src/screenshots.ts <experiments dir> <run key> <other run key> <out dir>` writes
 * ui-run.png (the first run's page) and ui-compare.png (both runs compared).
 */
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startUiServer } from './server/index.ts';

const [dir, runA, runB, out] = process.argv.slice(2);
if (!out) throw new Error('usage: screenshots.ts <experiments dir> <run key> <other run key> <out dir>');
const server = await startUiServer({ experimentsDir: dir, port: 0 });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
  await page.goto(`${server.origin}/#/run/${runA}`);
  await page.waitForSelector('#gen-single[data-seed]', { timeout: 60_000 });
  await page.waitForSelector('[data-metric="losses"][data-points]');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, 'ui-run.png'), fullPage: true });
  await page.goto(`${server.origin}/#/compare?runs=${runA},${runB}`);
  // G loss: every run logs it (an old run of an article config has no D loss chart).
  await page.waitForSelector('[data-metric="gLoss"][data-points]');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, 'ui-compare.png'), fullPage: false });
} finally {
  await browser.close();
  await server.close();
}
