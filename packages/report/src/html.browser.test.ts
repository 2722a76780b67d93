/**
 * Opens generated reports in a real browser (Debian's chromium, driven by playwright-core): the
 * charts must draw, nothing may error, nothing may go to the network, and a hostile run name
 * must stay text. Saves packages/report/out/report-screenshot.png (git-ignored; docs/ keeps a copy for the README).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeRunGif, writeSampleGrid } from '@gan/training/images';
import { RunOwner } from '@gan/runs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, type Requirement } from '../../../test-support/requirements.ts';
import { writeFixtureRun } from './fixtures.ts';
import { listGroups } from './group.ts';
import { RUN_COLORS } from './html/chart-spec.ts';
import { listRuns } from './list.ts';
import { groupsHtml, listHtml } from './output.ts';
import { readSweepSelection } from './sweeps.ts';
import { at, HOSTILE_NAME, reportRuns, seedGroups, sweepFixture, tempExperiments } from './test-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'report-screenshot.png');
const chromiumInstalled: Requirement = {
  missing: existsSync(CHROMIUM) ? null : `chromium missing (${CHROMIUM})`,
  enable: 'apt-get install chromium (pnpm test installs it)',
};

/** What a page did while it was open. */
interface PageLog {
  errors: string[];
  requests: string[];
  dialogs: string[];
}

let browser: Browser;

beforeAll(async () => {
  if (chromiumInstalled.missing !== null) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** An RGB colour, and how far (per channel) a pixel may be from it to count. */
interface ColourProbe {
  rgb: [number, number, number];
  tolerance: number;
}

/** Opens `file`, waits until every chart has drawn; returns what happened and the chart states. */
async function open(file: string, screenshot?: string, probe?: ColourProbe) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const log: PageLog = { errors: [], requests: [], dialogs: [] };
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('dialog', async (d) => {
    log.dialogs.push(d.message());
    await d.dismiss();
  });
  const url = pathToFileURL(file).href;
  await page.goto(url);
  await page.waitForSelector('body[data-charts-done]', { timeout: 60_000 });
  // Each chart: its state, and whether its canvas has a size and at least one painted pixel.
  // With a probe, also how many pixels of each chart have the probed colour (over white).
  const charts: {
    id: string;
    metric: string | null;
    rendered: string | null;
    canvases: number;
    painted: boolean;
    probed: number;
  }[] = await page.evaluate(`
    [...document.querySelectorAll('.chart')].map((el) => {
      const probe = ${JSON.stringify(probe ?? null)};
      const canvas = el.querySelector('canvas');
      let painted = false;
      let probed = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] !== 0) painted = true;
          if (probe && pixels[i + 3] > 0) {
            // the canvas is transparent where nothing is drawn: blend over the page's white
            const a = pixels[i + 3] / 255;
            const near = [0, 1, 2].every((c) => Math.abs(pixels[i + c] * a + 255 * (1 - a) - probe.rgb[c]) <= probe.tolerance);
            if (near) probed++;
          }
        }
      }
      return { id: el.id, metric: el.getAttribute('data-metric'), rendered: el.getAttribute('data-rendered'),
        canvases: el.querySelectorAll('canvas').length, painted, probed };
    })
  `);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  const text = (await page.textContent('body')) ?? '';
  await page.close();
  return { url, log, charts, text };
}

/** Three runs that look like real ones (curves, evaluations, sample grids), for the screenshot. */
async function showcase(): Promise<string> {
  const dir = tempExperiments();
  const lrs = [2e-4, 1e-3, 5e-3];
  for (const [k, lr] of lrs.entries()) {
    const runDir = await writeFixtureRun(dir, {
      name: 'gaussians',
      date: at(`1${k}:00:00`),
      suffix: `000${k}`,
      config: { description: `generator lr ${lr}`, optim: { generator: { lr } }, train: { steps: 3000 } },
      metrics: Array.from({ length: 300 }, (_, i) => {
        const step = (i + 1) * 10;
        const wobble = Math.sin(step / (80 + 40 * k)) * Math.exp(-step / 2000);
        return {
          step,
          dLoss: 1.386 - 0.25 * (1 - Math.exp(-step / 600)) + 0.15 * wobble * (k + 1),
          gLoss: 0.69 + 0.35 * (1 - Math.exp(-step / 500)) - 0.12 * wobble * (k + 1),
          dReal: 0.5 + 0.12 * (1 - Math.exp(-step / 700)) + 0.03 * wobble,
          dFake: 0.5 - 0.1 * (1 - Math.exp(-step / 700)) - 0.03 * wobble,
          lrD: 2e-4,
          lrG: lr * 0.5 ** Math.floor(step / 1000),
          gradNormD: 0.5,
          gradNormG: 0.3,
        };
      }),
      eval: [500, 1000, 2000, 3000].map((step, j) => ({
        step,
        modesCovered: Math.min(8, 2 + j + k),
        frechetDistance: 3 / (1 + j) / (1 + k * 0.5),
      })),
      meta: {
        latestEval: { step: 3000, modesCovered: Math.min(8, 5 + k), frechetDistance: 0.75 / (1 + k * 0.5) },
      },
    });
    const owner = RunOwner.claim(runDir, 'fixture');
    // A ring of 8 blobs, more of them found as training goes on.
    for (const [f, step] of [0, 1000, 2000, 3000].entries()) {
      const size = 64;
      const gray = new Uint8Array(size * size);
      const modes = Math.min(8, 1 + f * (k + 1));
      for (let m = 0; m < modes; m++) {
        const cx = 32 + 20 * Math.cos((m * Math.PI) / 4);
        const cy = 32 + 20 * Math.sin((m * Math.PI) / 4);
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            const v = 255 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 12);
            gray[y * size + x] = Math.max(gray[y * size + x], Math.round(v));
          }
      }
      await writeSampleGrid(owner, step, { gray, width: size, height: size });
    }
    await writeRunGif(owner);
  }
  return dir;
}

function reportFile(html: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  return file;
}

describeWith(chromiumInstalled, 'the HTML report in a browser', () => {
  it('draws every chart without errors or network, and saves the screenshot', async () => {
    const { html, chartIds } = await listHtml(await listRuns(await showcase()));
    const file = reportFile(html);
    const { url, log, charts } = await open(file, SCREENSHOT);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(chartIds).toHaveLength(7); // D loss, G loss, D(x), D(G(z)), lr, modesCovered, frechetDistance
    expect(charts.map((c) => c.id)).toEqual(chartIds);
    expect(charts.filter((c) => c.rendered === 'true' && c.canvases === 1 && c.painted)).toHaveLength(
      chartIds.length,
    );
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]); // the page itself, nothing else
    expect(existsSync(SCREENSHOT)).toBe(true);
  }, 120_000);

  it("draws each group's band around its mean curve", async () => {
    const list = await listGroups(await seedGroups());
    const { html, chartIds } = await groupsHtml(list);
    const file = reportFile(html);
    // `wide`'s colour at the band's opacity (0.22) over white.
    const hex = RUN_COLORS[list.groups.findIndex((g) => g.label === 'wide')];
    const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    const band: ColourProbe = {
      rgb: rgb.map((c) => Math.round(255 - 0.22 * (255 - c))) as [number, number, number],
      tolerance: 8,
    };
    const { url, log, charts } = await open(file, undefined, band);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    expect(charts.filter((c) => c.rendered === 'true' && c.canvases === 1 && c.painted)).toHaveLength(
      chartIds.length,
    );
    const probed = Object.fromEntries(charts.map((c) => [c.metric, c.probed]));
    // `wide`'s D(G(z)) spreads 0.2..0.4 across its seeds: a broad band of its colour...
    expect(probed.dFake).toBeGreaterThan(2000);
    // ... and the learning-rate chart, lines only, has next to none of it.
    expect(probed.lr).toBeLessThan(probed.dFake / 20);
  }, 120_000);

  it("draws a sweep's final scores against its swept parameter", async () => {
    const { dir } = await sweepFixture();
    const list = await listGroups(dir, { sweep: await readSweepSelection(dir, 'lrs') });
    const { html, chartIds } = await groupsHtml(list);
    const file = reportFile(html);
    const { url, log, charts, text } = await open(file);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    expect(text).toContain('Final scores against the swept parameters');
    const param = charts.filter((c) => c.metric === 'param:optim.generator.lr');
    expect(param).toHaveLength(1);
    expect(param[0]).toMatchObject({ rendered: 'true', canvases: 1, painted: true });
    expect(charts.filter((c) => c.rendered === 'true' && c.painted)).toHaveLength(chartIds.length);
  }, 120_000);

  it('keeps a hostile run name and description as text', async () => {
    const { dir } = await reportRuns();
    const { html, chartIds } = await listHtml(await listRuns(dir));
    const file = reportFile(html);
    const { url, log, charts, text } = await open(file);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(log.dialogs).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    expect(charts.filter((c) => c.rendered === 'true' && c.painted)).toHaveLength(chartIds.length);
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain('</script><img src=x onerror=alert(1)>');
  }, 120_000);
});
