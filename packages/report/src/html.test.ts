import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chartScripts } from './assets.ts';
import { Downsampler, readRunCurves } from './curves.ts';
import { diffRuns } from './diff.ts';
import { writeFixtureRun } from './fixtures.ts';
import { listGroups } from './group.ts';
import { diffGroups } from './group-diff.ts';
import { groupLabels } from './html/chart-spec.ts';
import { escapeHtml, jsonForScript, safeInlineScript } from './html/escape.ts';
import { listRuns } from './list.ts';
import { diffHtml, groupDiffHtml, groupsHtml, listHtml } from './output.ts';
import { at, HOSTILE_NAME, reportRuns, seedGroups, tempExperiments } from './test-helpers.ts';

/** The markup outside <script> elements. */
function markupOnly(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
}

function embeddedData(html: string) {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no report data in the page');
  return JSON.parse(m[1]) as {
    charts: { id: string; spec: { data: { values: { run: string; step: number; value: number }[] } } }[];
  };
}

describe('the HTML report', () => {
  it('escapes every string from the runs, so a hostile name or description stays text', async () => {
    const { dir } = await reportRuns();
    const { html } = await listHtml(await listRuns(dir, { allParams: true }));
    // (on failure, look at the markup without the libraries, which are long)
    expect(markupOnly(html)).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<!--/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--');
    // exactly our five script elements: the data, three libraries, the bootstrap
    expect(html.match(/<script\b/g)).toHaveLength(5);
    expect(html.match(/<\/script>/g)).toHaveLength(5);
    // the chart data holds the raw name, and reads back unchanged
    const data = embeddedData(html);
    expect(new Set(data.charts[0].spec.data.values.map((v) => v.run))).toEqual(
      new Set(['long/20261126-100000-0000', `${HOSTILE_NAME}/20261126-110000-0000`]),
    );
  });

  it('is self-contained: inlined chart libraries, data: images, no network', async () => {
    const { dir } = await reportRuns();
    const { html, chartIds } = await listHtml(await listRuns(dir));
    for (const lib of chartScripts()) {
      expect(lib.code.length).toBeGreaterThan(10_000);
      expect(html.includes(safeInlineScript(lib.code)), lib.name).toBe(true);
    }
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(markup).not.toMatch(/https?:\/\//i);
    expect(markup).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    expect(markup.match(/<img src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(markup.match(/<img src="data:image\/gif;base64,/g)).toHaveLength(2);
    // one container per chart: 4 metrics, the learning rates, 2 evaluation results
    expect(chartIds).toHaveLength(7);
    for (const id of chartIds) expect(markup).toContain(`<div class="chart" id="${id}"`);
    expect(markup).toMatch(/data-metric="eval\.modesCovered"/);
  });

  it('downsamples long curves, keeping the ends and the extremes', async () => {
    const { dir } = await reportRuns();
    const { html } = await listHtml(await listRuns(dir, { configs: ['long'] }));
    const dLoss = embeddedData(html).charts[0].spec.data.values;
    expect(dLoss.length).toBeLessThanOrEqual(2000);
    expect(dLoss.length).toBeGreaterThan(500);
    const steps = dLoss.map((v) => v.step);
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(10_000);
    expect(dLoss.find((v) => v.step === 4322)?.value).toBe(99);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });

  it('renders a diff with its tables, and skips unreadable curves with a note', async () => {
    const { dir, hostile } = await reportRuns();
    writeFileSync(`${hostile}/eval.jsonl`, '{"step":1,"modesCovered":2}\n{"step":2,"mo');
    const report = await diffHtml(await diffRuns(dir, ['long@0', 'hostile@0']));
    const markup = markupOnly(report.html);
    expect(markup.match(/<h2>[^<]*<\/h2>/g)).toEqual([
      '<h2>Runs</h2>',
      '<h2>Config (3 keys A → B)</h2>', // name, description, seed
      '<h2>Kernels (0 fields A → B)</h2>', // both on the reference backend
      '<h2>Metrics (final values; Δ relative to A)</h2>',
      '<h2>Training curves</h2>',
      '<h2>Evaluation</h2>',
      '<h2>Samples</h2>',
    ]);
    expect(markup).toMatch(
      /<td( class="num")?>ten thousand steps<\/td><td class="tone-muted">→<\/td><td>&lt;\/script&gt;&lt;img/,
    );
    expect(markup).toMatch(/<td>D loss<\/td><td class="num">[^<]+<\/td>/);
    expect(markup).toContain('The kernels are identical.');
    expect(report.notes).toEqual([expect.stringMatching(/eval\.jsonl: the last line is cut off/)]);
  });
});

/** A group's band row as the grouped charts hold it. */
interface BandValue {
  group: string;
  step: number;
  mean: number;
  lo: number;
  hi: number;
  sd: number | null;
  min: number;
  max: number;
  n: number;
}

function bandChart(html: string, metric: string) {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  const data = JSON.parse(m![1]) as { charts: { id: string; spec: Record<string, unknown> }[] };
  const id = new RegExp(`<div class="chart" id="([^"]+)" data-metric="${metric.replace('.', '\\.')}"`).exec(
    html,
  )![1];
  const spec = data.charts.find((c) => c.id === id)!.spec as {
    data: { values: BandValue[] };
    layer: { mark: { type: string }; encoding: Record<string, { field?: string }> }[];
  };
  return spec;
}

describe('the grouped HTML report', () => {
  it("draws each group's mean line with a ± sd band, the runs aligned by step", async () => {
    const { html, chartIds } = await groupsHtml(await listGroups(await seedGroups()));
    expect(chartIds).toHaveLength(6); // D loss, G loss, D(x), D(G(z)), lr, modesCovered
    const spec = bandChart(html, 'dFake');
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['area', 'line', 'point']);
    expect(spec.layer[0].encoding.y.field).toBe('lo');
    expect(spec.layer[0].encoding.y2.field).toBe('hi');
    expect(spec.layer[1].encoding.y.field).toBe('mean');
    const wide = spec.data.values.filter((v) => v.group === 'wide');
    expect(wide.map((v) => v.step)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 10));
    // D(G(z)) of seeds 1, 2, 3: 0.2, 0.3, 0.4
    expect(wide[0]).toMatchObject({ step: 10, n: 3, min: 0.2, max: 0.4 });
    expect(wide[0].mean).toBeCloseTo(0.3, 12);
    expect(wide[0].sd).toBeCloseTo(0.1, 12);
    expect(wide[0].lo).toBeCloseTo(0.2, 12);
    expect(wide[0].hi).toBeCloseTo(0.4, 12);
    // evaluations: a rule at each point shows the spread of a single evaluation too
    expect(bandChart(html, 'eval.modesCovered').layer.map((l) => l.mark.type)).toEqual([
      'area',
      'rule',
      'line',
      'point',
    ]);

    const markup = markupOnly(html);
    expect(markup).toContain('the band is ± one sample standard deviation');
    expect(markup).toContain(
      '<span class="label">wide</span> <span class="desc">(3 runs, seeds 1, 2, 3)</span>',
    );
    // the last sample grid of each run, no GIFs
    expect(markup.match(/<img src="data:image\/png;base64,/g)).toHaveLength(6);
    expect(markup).not.toContain('data:image/gif');
    expect(markup).toContain('<figcaption>seed 2, step 500</figcaption>');
    expect(markup).not.toMatch(/https?:\/\//i);
  });

  it('draws min..max bands with --spread minmax, also when comparing groups', async () => {
    const dir = await seedGroups();
    const { html } = await groupDiffHtml(
      await diffGroups(dir, ['wide@all', 'narrow@all'], { spread: 'minmax' }),
    );
    const wide = bandChart(html, 'dFake').data.values.filter((v) => v.group === 'wide@all');
    expect(wide[0]).toMatchObject({ lo: 0.2, hi: 0.4 });
    expect(markupOnly(html)).toContain('the band runs from the runs&#39; minimum to their maximum');
    expect(
      markupOnly(html)
        .match(/<h2>[^<]*<\/h2>/g)
        ?.slice(0, 4),
    ).toEqual([
      '<h2>Groups</h2>',
      '<h2>Config (2 keys A → B)</h2>', // name, description: the seeds are the same
      '<h2>Kernels (0 fields A → B)</h2>',
      '<h2>Metrics (final values: mean and spread over each group; Δ of the means relative to A)</h2>',
    ]);
  });

  it('tells apart groups that share a config name', () => {
    const run = (lr: number) =>
      ({ params: { name: 'smoke', seed: 1, 'optim.generator.lr': lr } }) as unknown as Parameters<
        typeof groupLabels
      >[0][number]['runs'][number];
    expect(
      groupLabels([
        { label: 'smoke', runs: [run(0.001)] },
        { label: 'smoke', runs: [run(0.002)] },
        { label: 'other', runs: [run(0.001)] },
      ]),
    ).toEqual(['smoke (optim.generator.lr=0.001)', 'smoke (optim.generator.lr=0.002)', 'other']);
  });
});

describe('escaping helpers', () => {
  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('writes JSON that cannot end its script element and reads back the same', () => {
    const value = { s: '</script><!-- & \u2028\u2029 </SCRIPT>' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<|>|&|\u2028|\u2029/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('hides </script and <!-- inside library code', () => {
    expect(safeInlineScript('var a="</script>",b="<!--";')).toBe('var a="<\\/script>",b="<\\!--";');
    expect(safeInlineScript('x="</SCRIPT"')).toBe('x="<\\/SCRIPT"');
  });
});

describe('Downsampler', () => {
  it('keeps every point of a short curve', () => {
    const d = new Downsampler(2000);
    for (let i = 0; i < 500; i++) d.push(i, Math.sin(i));
    expect(d.points()).toHaveLength(500);
  });

  it.each([6, 7, 100, 2000])('keeps at most %i points, the ends and the extremes', (maxPoints) => {
    const d = new Downsampler(maxPoints);
    const n = 100_003;
    for (let i = 1; i <= n; i++) d.push(i, i === 77_777 ? 50 : i === 12_345 ? -50 : Math.sin(i / 100));
    const points = d.points();
    expect(points.length).toBeLessThanOrEqual(maxPoints);
    expect(points[0]).toEqual([1, Math.sin(0.01)]);
    expect(points.at(-1)).toEqual([n, Math.sin(n / 100)]);
    expect(points).toContainEqual([77_777, 50]);
    expect(points).toContainEqual([12_345, -50]);
    const xs = points.map((p) => p[0]);
    expect(xs).toEqual([...new Set(xs)].sort((a, b) => a - b));
    expect(d.size).toBe(n);
  });

  it('refuses too few points', () => {
    expect(() => new Downsampler(5)).toThrow(/maxPoints must be an integer >= 6/);
  });

  it('streams curves from the store files, leaving out non-finite values', async () => {
    const dir = tempExperiments();
    const runDir = await writeFixtureRun(dir, {
      name: 'div',
      date: at('10:00:00'),
      metrics: [
        { step: 1, dLoss: 1, gLoss: 2, extra: 3 },
        { step: 2, dLoss: Number.NaN, gLoss: 2.5, extra: 4 },
      ],
    });
    const curves = await readRunCurves({ runDir, params: {} });
    expect(curves.metricRows).toBe(2);
    expect(curves.metrics).toEqual([
      { key: 'dLoss', points: [[1, 1]] },
      {
        key: 'gLoss',
        points: [
          [1, 2],
          [2, 2.5],
        ],
      },
      {
        key: 'extra',
        points: [
          [1, 3],
          [2, 4],
        ],
      },
    ]);
    expect(curves.eval).toEqual([]);
    expect(curves.notes).toEqual([]);
  });
});
