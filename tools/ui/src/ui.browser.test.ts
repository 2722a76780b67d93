/**
 * `pnpm ui` in a real browser (Debian's chromium, driven by playwright-core, as the report's
 * browser test): the runs page, a run that starts and trains while the page watches, compare,
 * the article's printed D cost under its own name (old run folders and new), the generator in the
 * page against `pnpm sample`, and hostile input. Nothing may error, nothing may go anywhere but
 * the server; scores evaluated once shown as numbers, axes labelled for people, and every page fits
 * a 1280 and a 1920 px wide window. Saves tools/ui/out/*.png (git-ignored; docs/ keeps copies).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_LABELS } from '@gan/runs/columns';
import {
  createSweepDir,
  evalPath,
  JsonlWriter,
  metaPath,
  metricsPath,
  type RunMeta,
  readMetaSync,
  writeMemberRun,
  writeMetaSync,
} from '@gan/runs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, type Requirement } from '../../../test-support/requirements.ts';
import { type FixtureRun, metricsRow, timeLinesToPoints, writeGrid, writeRun } from './fixtures.ts';
import type { ChartElement } from './page/charts.ts';
import { fmt } from './page/format.ts';
import { startUiServer, type UiServer } from './server/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OUT = join(ROOT, 'tools', 'ui', 'out');
const CHROMIUM = '/usr/bin/chromium';
const chromiumInstalled: Requirement = {
  missing: existsSync(CHROMIUM) ? null : `chromium missing (${CHROMIUM})`,
  enable: 'apt-get install chromium (pnpm test installs it)',
};
export const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';

let browser: Browser;
let server: UiServer;
let dir: string;
const runs: Record<string, FixtureRun> = {};
/** The tiny MNIST run trained by `pnpm exp` for the generator test. */
let mnistRun: string;
let dcganRun: string;
let sweepId: string;
let sweepFolder: string;

interface PageLog {
  errors: string[];
  foreign: string[];
  dialogs: string[];
}

async function open(path: string, width = 1280): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const log: PageLog = { errors: [], foreign: [], dialogs: [] };
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin) && !r.url().startsWith('data:')) log.foreign.push(r.url());
  });
  page.on('dialog', async (d) => {
    log.dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(`${server.origin}/${path}`);
  return { page, log };
}

/** Status and body of a GET with the path sent exactly as given (no `..` resolved by a client). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(server.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A step label: a whole number, thousands separated. */
const STEP_LABEL = /^-?\d{1,3}(,\d{3})*$/;
/** A value label with more than its significant digits: `0.50`, `1.0`, `2.`, `1.20e-5`. */
const TRAILING_ZEROS = /\.(\d*0)?(e|$)/;

/**
 * Once every chart in the page has drawn its points, and every sample grid has loaded (the page
 * learns of a run's grids after its rows: `no grid yet` until then).
 */
async function drawn(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLElement>('.chart')].every(
        (c) => c.dataset.rendered === 'true' && c.dataset.points !== undefined,
      ) &&
      document.querySelector('.samples .muted') === null &&
      [...document.images].every((i) => i.complete && i.naturalWidth > 0),
    null,
    { timeout: 20_000 },
  );
}

/**
 * The labels of each chart's axes (by its `data-metric`), as Vega's SVG renderer writes them from
 * the chart's own view (`view.toSVG()`); the labels hidden for overlapping too.
 */
function axisLabels(page: Page): Promise<Record<string, { x: string[]; y: string[] }>> {
  return page.evaluate(async () => {
    const out: Record<string, { x: string[]; y: string[] }> = {};
    for (const el of document.querySelectorAll<ChartElement>('.chart')) {
      if (!el.vegaView) continue;
      const svg = new DOMParser().parseFromString(await el.vegaView.toSVG(), 'image/svg+xml');
      const labels = { x: [] as string[], y: [] as string[] };
      for (const axis of svg.querySelectorAll('[aria-roledescription="axis"]')) {
        const texts = [...axis.querySelectorAll('.role-axis-label text')].map((t) => t.textContent ?? '');
        (axis.getAttribute('aria-label')?.startsWith('X') ? labels.x : labels.y).push(...texts);
      }
      out[el.dataset.metric ?? ''] = labels;
    }
    return out;
  });
}

/** Every chart's axes: steps whole and thousands separated, values with no trailing zeros. */
function expectLabelsForPeople(charts: Record<string, { x: string[]; y: string[] }>): void {
  expect(Object.keys(charts).length).toBeGreaterThan(0);
  for (const [metric, { x, y }] of Object.entries(charts)) {
    expect(x.length, metric).toBeGreaterThan(0);
    expect(y.length, metric).toBeGreaterThan(0);
    for (const label of x) expect(label, `${metric}: x`).toMatch(STEP_LABEL);
    for (const label of y) expect(label, `${metric}: y`).not.toMatch(TRAILING_ZEROS);
  }
}

/**
 * What overflows the window or is cut in the page: a horizontal scrollbar, a chart, its canvas, a
 * score or a sample grid not wholly across the window, or not drawn.
 */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth > width) problems.push(`the page is ${scrollWidth} px wide in a ${width} px window`);
    for (const el of document.querySelectorAll<HTMLElement>(
      '.chart, .chart canvas, .score, #sample-grid, .samples img',
    )) {
      const r = el.getBoundingClientRect();
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}[${el.dataset.metric ?? el.closest<HTMLElement>('[data-metric]')?.dataset.metric ?? ''}]`;
      if (r.width === 0 || r.height === 0) problems.push(`${name} is not drawn`);
      else if (r.left < 0 || r.right > width)
        problems.push(`${name} spans ${r.left} to ${r.right} px of ${width}`);
    }
    return problems;
  });
}

const pnpm = (args: string[]) =>
  spawnSync('pnpm', ['-s', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });

beforeAll(async () => {
  if (chromiumInstalled.missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), 'ui-browser-'));
  mkdirSync(OUT, { recursive: true });
  const day = (h: number) => new Date(Date.UTC(2026, 10, 20, h));
  runs.alpha = await writeRun(dir, {
    name: 'alpha',
    seed: 1,
    lr: 0.001,
    rows: 60,
    samples: [200, 400, 600],
    evals: [200, 400, 600],
    date: day(1),
  });
  runs.beta = await writeRun(dir, {
    name: 'alpha',
    seed: 2,
    lr: 0.001,
    rows: 60,
    samples: [300, 600],
    evals: [300, 600],
    date: day(2),
  });
  runs.gamma = await writeRun(dir, {
    name: 'gamma',
    seed: 3,
    lr: 0.005,
    rows: 40,
    samples: [400],
    date: day(3),
  });
  runs.hostile = await writeRun(dir, {
    name: HOSTILE,
    folder: 'hostile',
    description: HOSTILE,
    rows: 5,
    date: day(4),
  });
  runs.broken = await writeRun(dir, { name: 'broken', rows: 10, date: day(5) });
  // Evaluated once, at the end (eval.atEnd only): one row in eval.jsonl. Steps past 1,000.
  for (const [seed, name] of [
    [11, 'onceA'],
    [12, 'onceB'],
  ] as const)
    runs[name] = await writeRun(dir, {
      name: 'once',
      seed,
      rows: 150,
      samples: [1500],
      evals: [1500],
      date: day(seed - 3),
    });
  // An article config's runs: one logged before dCostPrinted existed (its printed cost in dLoss),
  // one as the trainer logs it now.
  runs.printedOld = await writeRun(dir, {
    name: 'article',
    seed: 4,
    rows: 30,
    printedCost: 'old',
    date: day(6),
  });
  runs.printedNew = await writeRun(dir, {
    name: 'article',
    seed: 5,
    rows: 30,
    printedCost: 'current',
    date: day(7),
  });
  // A half-written meta.json and a cut-off metrics line: shown as unreadable, never a broken page.
  writeFileSync(metaPath(runs.broken.runDir), '{"formatVersion": 1, "name": "bro');
  writeFileSync(metricsPath(runs.broken.runDir), `${JSON.stringify(metricsRow(10))}\n{"step": 20, "dLo`);
  // A sweep over the generator's learning rate: alpha (seed 1) and gamma are its members.
  const sweep = createSweepDir(
    dir,
    {
      name: 'lrs',
      description: 'two learning rates',
      source: 'command line',
      command: ['pnpm', 'sweep'],
      swept: ['optim.generator.lr'],
      stages: [{ steps: null, members: [0, 1], reason: null }],
      plan: {},
    },
    '',
    [0.001, 0.005].map((lr, index) => ({
      index,
      stage: 0,
      name: index === 0 ? 'alpha' : 'gamma',
      seed: index === 0 ? 1 : 3,
      params: { 'optim.generator.lr': lr },
      config: '',
    })),
  );
  sweepId = sweep.id;
  sweepFolder = sweep.dir;
  writeMemberRun(sweep.dir, 0, runs.alpha.key);
  writeMemberRun(sweep.dir, 1, runs.gamma.key);
  // A real, tiny MNIST run for the generator (a checkpoint the trainer wrote).
  const exp = pnpm([
    'exp',
    'configs/baseline.yaml',
    'train.steps=10',
    'model.generator.hidden=[24]',
    'model.discriminator.hidden=[16]',
    'data.limit=1000',
    'log.every=5',
    'log.samplesEvery=10',
    'log.checkpointEvery=10',
    'eval.every=0',
    '--no-dashboard',
    '--experiments',
    dir,
  ]);
  expect(exp.status, exp.stderr).toBe(0);
  mnistRun = join(dir, 'baseline', readdirSync(join(dir, 'baseline'))[0]);
  // And a convolutional one (DCGAN: transposed convolutions and batch norm in G).
  const dcgan = pnpm([
    'exp',
    'configs/dcgan.yaml',
    'train.steps=4',
    'data.batchSize=8',
    'data.limit=1000',
    'log.every=2',
    'log.samplesEvery=4',
    'log.checkpointEvery=4',
    'eval.every=0',
    'eval.atEnd=false',
    '--no-dashboard',
    '--experiments',
    dir,
  ]);
  expect(dcgan.status, dcgan.stderr).toBe(0);
  dcganRun = join(dir, 'dcgan', readdirSync(join(dir, 'dcgan'))[0]);
  server = await startUiServer({ experimentsDir: dir, port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeWith(chromiumInstalled, 'pnpm ui in a browser', () => {
  it('lists the runs, a damaged one with its state, and groups them', async () => {
    const { page, log } = await open('');
    // The fixtures' runs, the MLP run and the DCGAN run.
    await page.waitForFunction(() => document.querySelectorAll('tr[data-run]').length === 11, null, {
      timeout: 20_000,
    });
    const text = (await page.textContent('table.runs')) ?? '';
    expect(text).toContain('alpha');
    expect(text).toContain('gamma');
    expect(await page.textContent(`tr[data-run="${runs.broken.key}"]`)).toContain('unreadable');
    // Grouped by the config but the seed: the two alpha runs are one group.
    await page.selectOption('#group-by', 'seed-excluded');
    await page.waitForSelector('tr.group-head');
    const heads = await page.$$eval('tr.group-head', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(heads.some((h) => h.includes('alpha') && h.includes('2 runs'))).toBe(true);
    await page.selectOption('#group-by', '');
    await page.fill('#filter-config', 'gam*');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-run]').length === 1);
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a run started during the test, and its curve grows live', async () => {
    const { page, log } = await open('');
    await page.waitForSelector('tr[data-run]');
    const live = await writeRun(dir, { name: 'live', status: 'running', steps: 400, date: new Date() });
    await page.waitForSelector(`tr[data-run="${live.key}"]`, { timeout: 10_000 });
    expect(await page.textContent(`tr[data-run="${live.key}"]`)).toContain('running');
    await page.goto(`${server.origin}/#/run/${live.key}`);
    await page.waitForSelector('[data-metric="losses"][data-rendered="true"]');
    const latencies = (await timeLinesToPoints(page, live.runDir, { lines: 5, timeoutMs: 5_000 })).map(
      Math.round,
    );
    // The progress follows meta.json, and a sample grid appears.
    writeMetaSync(live.owner, { ...readMetaSync(live.runDir), step: 50 } as RunMeta);
    writeGrid(live.runDir, 50);
    await page.waitForFunction(() => document.querySelector('#run-step')?.textContent === '50');
    await page.waitForSelector('#sample-grid');
    await page.screenshot({ path: join(OUT, 'ui-run.png'), fullPage: true });
    // Each line was drawn (timeLinesToPoints fails otherwise); how fast is pnpm bench's (--only ui).
    process.stderr.write(`ui: metrics line -> point drawn: ${latencies.join(', ')} ms\n`);
    expect(latencies).toHaveLength(5);
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
    await page.close();
  }, 60_000);

  it('overlays two runs on the compare page, with their config diff and grids', async () => {
    const { page, log } = await open(`#/compare?runs=${runs.alpha.key},${runs.gamma.key}`);
    await page.waitForSelector('[data-metric="dLoss"][data-points="100"]', { timeout: 20_000 });
    // Neither logs the article's printed D cost: no chart of it.
    expect(await page.locator('[data-metric="dCostPrinted"]').count()).toBe(0);
    expect(await page.textContent('#config-diff')).toContain('optim.generator.lr');
    expect(await page.locator('.samples img').count()).toBe(2);
    await page.screenshot({ path: join(OUT, 'ui-compare.png'), fullPage: true });
    // Grouped: the two alpha seeds as one mean with its band.
    await page.goto(`${server.origin}/#/compare?runs=${runs.alpha.key},${runs.beta.key}&by=seed-excluded`);
    await page.waitForSelector('[data-metric="dLoss"][data-points="60"]', { timeout: 20_000 });
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows the article's printed D cost under its own name, an old run's never as D loss", async () => {
    const { dLoss, dCostPrinted } = METRIC_LABELS;
    const { page, log } = await open('');
    await page.waitForSelector(`tr[data-run="${runs.printedNew.key}"]`);
    /** A run's cells in the listing, by column header. */
    const cells = (key: string) =>
      page.$eval(`tr[data-run="${key}"]`, (tr) => {
        const headers = [...document.querySelectorAll('table.runs thead th')].map((th) => th.textContent);
        return Object.fromEntries([...tr.children].map((td, i) => [headers[i], td.textContent]));
      });
    // Their last rows (step 300 of seeds 4 and 5, step 400 of gamma's seed 3), as today's trainer logs them.
    const last = {
      old: metricsRow(300, 4, 'current'),
      now: metricsRow(300, 5, 'current'),
      gamma: metricsRow(400, 3),
    };
    expect(await cells(runs.printedOld.key)).toMatchObject({
      [dLoss.name]: '',
      [dCostPrinted.name]: fmt(last.old.dCostPrinted),
    });
    expect(await cells(runs.printedNew.key)).toMatchObject({
      [dLoss.name]: fmt(last.now.dLoss),
      [dCostPrinted.name]: fmt(last.now.dCostPrinted),
    });
    expect(await cells(runs.gamma.key)).toMatchObject({
      [dLoss.name]: fmt(last.gamma.dLoss),
      [dCostPrinted.name]: '',
    });
    expect(await page.getAttribute(`th[title="${dCostPrinted.description}"]`, 'title')).not.toBeNull();
    // Grouped: each mean under its own name, over the runs that have it.
    await page.selectOption('#group-by', 'seed-excluded');
    await page.waitForSelector('tr.group-head');
    const heads = await page.$$eval('tr.group-head', (rows) => rows.map((r) => r.textContent ?? ''));
    const article = heads.find((h) => h.startsWith('article')) ?? '';
    expect(article).toContain(`mean ${dLoss.name} ${fmt(last.now.dLoss)} (1 of 2 runs)`);
    expect(article).toContain(
      `mean ${dCostPrinted.name} ${fmt((last.old.dCostPrinted + last.now.dCostPrinted) / 2)}`,
    );
    expect(heads.find((h) => h.startsWith('alpha'))).not.toContain(dCostPrinted.name);
    // A listing without a run that logs the printed cost has the columns it always had.
    await page.selectOption('#group-by', '');
    await page.fill('#filter-config', 'alpha');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-run]').length === 2);
    const headers = await page.$$eval('table.runs thead th', (ths) => ths.map((th) => th.textContent));
    expect(headers.slice(0, 10)).toEqual([
      '',
      'config',
      'run',
      'status',
      'step',
      'D loss',
      'G loss',
      'modes',
      'FD',
      'steps/s',
    ]);

    // A run's page: the printed cost a chart of its own; an old run's losses without a D loss.
    const series = async (metric: string) =>
      JSON.parse((await page.getAttribute(`[data-metric="${metric}"]`, 'data-series')) ?? 'null');
    await page.goto(`${server.origin}/#/run/${runs.printedOld.key}`);
    await page.waitForSelector('[data-metric="losses"][data-points="30"]');
    await page.waitForSelector('[data-metric="printed-cost"][data-points="30"]');
    expect(await series('losses')).toEqual(['G loss']);
    expect(await series('printed-cost')).toEqual([dCostPrinted.name]);
    await page.goto(`${server.origin}/#/run/${runs.printedNew.key}`);
    await page.waitForSelector('[data-metric="losses"][data-points="60"]');
    await page.waitForSelector('[data-metric="printed-cost"][data-points="30"]');
    expect(await series('losses')).toEqual([dLoss.name, 'G loss']);
    await page.goto(`${server.origin}/#/run/${runs.gamma.key}`);
    await page.waitForSelector('[data-metric="losses"][data-points="80"]');
    expect(await series('losses')).toEqual([dLoss.name, 'G loss']);
    expect(await page.locator('[data-metric="printed-cost"]').count()).toBe(0);

    // Compare: each chart with the runs that log its metric.
    const label = (r: FixtureRun, name: string) => `${name} ${r.runId}`;
    await page.goto(
      `${server.origin}/#/compare?runs=${runs.printedOld.key},${runs.printedNew.key},${runs.gamma.key}`,
    );
    await page.waitForSelector('[data-metric="dLoss"][data-points="70"]', { timeout: 20_000 });
    await page.waitForSelector('[data-metric="dCostPrinted"][data-points="60"]');
    expect(await series('dLoss')).toEqual([label(runs.printedNew, 'article'), label(runs.gamma, 'gamma')]);
    expect(await series('dCostPrinted')).toEqual([
      label(runs.printedOld, 'article'),
      label(runs.printedNew, 'article'),
    ]);
    // Grouped, the two article runs' mean: of the printed cost only (the old one has no D loss).
    await page.goto(
      `${server.origin}/#/compare?runs=${runs.printedOld.key},${runs.printedNew.key}&by=seed-excluded`,
    );
    await page.waitForSelector('[data-metric="dCostPrinted"][data-points="30"]', { timeout: 20_000 });
    expect(await page.locator('[data-metric="dLoss"]').count()).toBe(0);
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows a sweep's members and the score against its swept parameter", async () => {
    const { page, log } = await open('#/sweeps');
    await page.click(`a[href="#/sweep/${sweepId}"]`);
    await page.waitForSelector('[data-metric="param:optim.generator.lr"][data-points="2"]', {
      timeout: 20_000,
    });
    expect(await page.textContent('#sweep-status')).toBe('2/2 completed');
    expect(await page.locator('main table tbody tr').count()).toBe(2);
    // Pushed, not fetched again: member 1 moves to a run that is still training, then back.
    const rerun = await writeRun(dir, {
      name: 'gamma',
      seed: 3,
      lr: 0.005,
      status: 'running',
      date: new Date(),
    });
    writeMemberRun(sweepFolder, 1, rerun.key);
    await page.waitForFunction(
      () => document.querySelector('#sweep-status')?.textContent === '1/2 completed',
      null,
      {
        timeout: 10_000,
      },
    );
    writeMemberRun(sweepFolder, 1, runs.gamma.key);
    rmSync(rerun.runDir, { recursive: true });
    await page.waitForFunction(
      () => document.querySelector('#sweep-status')?.textContent === '2/2 completed',
      null,
      {
        timeout: 10_000,
      },
    );
    expect(log.errors).toEqual([]);
    await page.close();
  }, 60_000);

  it.each([
    ['an MLP', () => mnistRun],
    ['a DCGAN (convolutions, batch norm)', () => dcganRun],
  ])(
    "draws the same image for a seed as pnpm sample's PNG: %s",
    async (_, run) => {
      const seed = 1234;
      const out = join(dir, `sample-${seed}-${run().split('/').at(-1)}.png`);
      const sample = pnpm(['sample', run(), '--seed', String(seed), '--out', out]);
      expect(sample.status, sample.stderr).toBe(0);
      const png = PNG.sync.read(readFileSync(out));
      const key = run().split('/').slice(-2).join('/');
      const { page, log } = await open(`#/run/${key}`);
      await page.waitForSelector('#gen-single[data-seed="42"]', { timeout: 30_000 });
      await page.fill('#gen-seed', String(seed));
      await page.waitForSelector(`#gen-single[data-seed="${seed}"]`);
      const pixels: { width: number; height: number; gray: number[] } = await page.evaluate(() => {
        const c = document.querySelector('#gen-single') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        return { width: c.width, height: c.height, gray: [...d].filter((_, i) => i % 4 === 0) };
      });
      // pnpm sample writes each pixel as a 4x4 block.
      expect(png.width).toBe(pixels.width * 4);
      const fromPng: number[] = [];
      for (let y = 0; y < pixels.height; y++)
        for (let x = 0; x < pixels.width; x++) fromPng.push(png.data[(y * 4 * png.width + x * 4) * 4]);
      expect(pixels.gray).toEqual(fromPng);
      expect(new Set(fromPng).size).toBeGreaterThan(10); // a picture, not a blank
      // The grid and the interpolation draw too.
      expect(await page.$eval('#gen-grid', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(100);
      expect(await page.$eval('#gen-lerp', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(200);
      expect(log.errors).toEqual([]);
      await page.close();
    },
    120_000,
  );

  it('shows a score evaluated once as a number, and its chart from its second point', async () => {
    const { page, log } = await open(`#/run/${runs.onceA.key}`);
    await page.waitForSelector('.score[data-metric="eval-frechetDistance"]');
    // The fixture's scores at step 1,500.
    const fd = 3 / (1 + 1500 / 100);
    const card = (await page.textContent('.score[data-metric="eval-frechetDistance"]')) ?? '';
    expect(card).toContain('Fréchet distance');
    expect(card).toContain(fmt(fd));
    expect(card).toContain('step 1,500');
    const modes = (await page.textContent('.score[data-metric="eval-modesCovered"]')) ?? '';
    expect(modes).toContain('modes covered');
    expect(modes).toContain('8');
    // No chart of one point; the metrics' charts, their axes labelled for people.
    await page.waitForSelector('[data-metric="losses"][data-points="300"]');
    await drawn(page);
    expect(await page.locator('.chart[data-metric^="eval-"]').count()).toBe(0);
    const labels = await axisLabels(page);
    expect(Object.keys(labels)).toEqual(['losses', 'd-outputs', 'lrs', 'grad-norms']);
    expectLabelsForPeople(labels);
    expect(labels.losses.x).toContain('1,000');
    await page.screenshot({ path: join(OUT, 'ui-run-evaluated-once.png'), fullPage: true });

    // Its tooltip: the point under the pointer, printed as the axes print it.
    const hover = async (metric: string, step: number, value: number) => {
      const at = await page.$eval(
        `.chart[data-metric="${metric}"]`,
        (el, [s, v]) => {
          const view = (el as ChartElement).vegaView!;
          // The plot's corner in the canvas: the padding, then the room autosize made (title, axes).
          const [ox, oy] = view.origin();
          const { left, top } = view.padding() as { left: number; top: number };
          const box = el.querySelector('canvas')!.getBoundingClientRect();
          return {
            x: box.left + left + ox + view.scale('x')(s),
            y: box.top + top + oy + view.scale('y')(v),
          };
        },
        [step, value],
      );
      await page.mouse.move(at.x, at.y);
      await page.waitForSelector('.chart-tooltip:not([hidden])');
      const lines = await page.$$eval('.chart-tooltip div', (ds) => ds.map((d) => d.textContent));
      await page.mouse.move(0, 0);
      return lines;
    };
    // The last point (points 3 px apart: under the pointer, the one drawn last of those it is on).
    const gLoss = metricsRow(1500, 11).gLoss;
    expect(await hover('losses', 1500, gLoss)).toEqual(['G loss', 'step 1,500', `value ${fmt(gLoss)}`]);

    // A run evaluated three times: a chart of each score, its axes for people too.
    await page.goto(`${server.origin}/#/run/${runs.alpha.key}`);
    await page.waitForSelector('.chart[data-metric="eval-frechetDistance"][data-points="3"]');
    await drawn(page);
    expect(await page.locator('.score').count()).toBe(0);
    expectLabelsForPeople(await axisLabels(page));
    expect(await hover('eval-frechetDistance', 400, 0.6)).toEqual([
      'Fréchet distance',
      'step 400',
      'value 0.6',
    ]);

    // Compare: two runs evaluated once, a number each; beside a run evaluated three times, a chart.
    await page.goto(`${server.origin}/#/compare?runs=${runs.onceA.key},${runs.onceB.key}`);
    // Each run's rows come on their own: a line each once both have come.
    await page.waitForSelector('.score[data-metric="frechetDistance"][data-points="2"]');
    const lines = await page.$$eval('.score[data-metric="frechetDistance"] .score-line', (ls) =>
      ls.map((l) => l.textContent ?? ''),
    );
    expect(lines).toEqual([runs.onceA, runs.onceB].map((r) => `once ${r.runId}${fmt(fd)} at step 1,500`));
    expect(await page.locator('.chart[data-metric="frechetDistance"]').count()).toBe(0);
    await drawn(page);
    expectLabelsForPeople(await axisLabels(page));
    await page.goto(`${server.origin}/#/compare?runs=${runs.onceA.key},${runs.alpha.key}`);
    await page.waitForSelector('.chart[data-metric="frechetDistance"][data-points="4"]');
    expect(await page.locator('.score').count()).toBe(0);
    // Grouped, two runs evaluated once: their mean and range, a number.
    await page.goto(`${server.origin}/#/compare?runs=${runs.onceA.key},${runs.onceB.key}&by=seed-excluded`);
    await page.waitForSelector('.score[data-metric="frechetDistance"]');
    expect(await page.textContent('.score[data-metric="frechetDistance"]')).toContain(
      `${fmt(fd)} (${fmt(fd)} to ${fmt(fd)}) at step 1,500`,
    );

    // Evaluated a second time while the page watches: the number becomes a chart.
    const later = await writeRun(dir, { name: 'once', seed: 13, rows: 20, evals: [200], date: new Date() });
    await page.goto(`${server.origin}/#/run/${later.key}`);
    await page.waitForSelector('.score[data-metric="eval-frechetDistance"]');
    const evals = new JsonlWriter(evalPath(later.runDir), { fsyncIntervalMs: 60_000 });
    evals.write({ step: 210, frechetDistance: 0.9, modesCovered: 5 });
    evals.close();
    await page.waitForSelector('.chart[data-metric="eval-frechetDistance"][data-points="2"]', {
      timeout: 10_000,
    });
    expect(await page.locator('.score').count()).toBe(0);
    expect(log.errors).toEqual([]);
    expect(log.foreign).toEqual([]);
    await page.close();
  }, 60_000);

  it.each([1280, 1920])(
    'fits a %i px wide window: no horizontal scrollbar, charts and sample grids within it',
    async (width) => {
      const { page, log } = await open('', width);
      for (const [path, ready] of [
        ['', 'tr[data-run]'],
        [`#/run/${runs.alpha.key}`, '#sample-grid'],
        [`#/run/${runs.onceA.key}`, '.score'],
        [`#/compare?runs=${runs.alpha.key},${runs.gamma.key},${runs.onceA.key}`, '.samples img'],
        [`#/compare?runs=${runs.onceA.key},${runs.onceB.key}`, '.score'],
        [`#/compare?runs=${runs.alpha.key},${runs.beta.key}&by=seed-excluded`, '.chart'],
        [`#/sweep/${sweepId}`, '.chart'],
      ]) {
        await page.goto(`${server.origin}/${path}`);
        await page.waitForSelector(ready, { timeout: 20_000 });
        await drawn(page);
        expect(await layoutProblems(page), `${path || 'runs'} at ${width} px`).toEqual([]);
        if (path.startsWith('#/run/')) {
          // The sample grid drawn, and at the width of the window.
          expect(await page.$eval('#sample-grid', (img) => (img as HTMLImageElement).naturalWidth)).toBe(64);
          expect(await page.isVisible('#sample-grid')).toBe(true);
        }
      }
      await page.goto(`${server.origin}/#/run/${runs.alpha.key}`);
      await drawn(page);
      await page.screenshot({ path: join(OUT, `ui-run-${width}.png`), fullPage: true });
      expect(log.errors).toEqual([]);
      await page.close();
    },
    60_000,
  );

  it('refuses path traversal and keeps a hostile run name as text', async () => {
    const alpha = runs.alpha.key;
    for (const path of [
      '/api/runs/..%2F..%2F..%2Fetc/passwd',
      '/api/runs/../../etc/passwd',
      `/api/runs/${alpha}/samples/..%2F..%2Fconfig.yaml`,
      `/api/runs/${alpha}/checkpoints/..%2F..%2F..%2Fpasswd`,
      '/api/runs/alpha/..%2F..%2F..%2Fetc',
      '/api/runs/%2e%2e/%2e%2e/gif',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../../../package.json',
      '/api/sweeps/..%2F..%2Fetc',
    ]) {
      const res = await rawGet(path);
      expect([400, 404], path).toContain(res.status);
      expect(res.body).not.toContain('root:');
    }
    const { page, log } = await open('');
    await page.waitForSelector(`tr[data-run="${runs.hostile.key}"]`);
    expect(await page.textContent(`tr[data-run="${runs.hostile.key}"]`)).toContain(HOSTILE);
    await page.goto(`${server.origin}/#/run/${runs.hostile.key}`);
    await page.waitForFunction((h) => document.querySelector('#run-name')?.textContent === h, HOSTILE);
    expect(await page.textContent('#run-config')).toContain(HOSTILE);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    // The broken run's page says what is wrong and draws the rest.
    await page.goto(`${server.origin}/#/run/${runs.broken.key}`);
    await page.waitForSelector('#run-status');
    expect(await page.textContent('#run-status')).toBe('unreadable');
    expect(await page.textContent('.notes')).toContain('meta.json');
    await page.waitForSelector('[data-metric="losses"][data-last-step="10"]');
    expect(log.dialogs).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  }, 60_000);
});
