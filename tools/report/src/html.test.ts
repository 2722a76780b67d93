import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chartScripts } from './assets.ts';
import { Downsampler, readRunCurves } from './curves.ts';
import { diffRuns } from './diff.ts';
import { writeFixtureRun } from './fixtures.ts';
import { escapeHtml, jsonForScript, safeInlineScript } from './html.ts';
import { listRuns } from './list.ts';
import { diffHtml, listHtml } from './output.ts';
import { at, HOSTILE_NAME, reportRuns, tempExperiments } from './test-helpers.ts';

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
      '<h2>Metrics (final values; Δ relative to A)</h2>',
      '<h2>Training curves</h2>',
      '<h2>Evaluation</h2>',
      '<h2>Samples</h2>',
    ]);
    expect(markup).toMatch(
      /<td( class="num")?>ten thousand steps<\/td><td class="tone-muted">→<\/td><td>&lt;\/script&gt;&lt;img/,
    );
    expect(markup).toMatch(/<td>D loss<\/td><td class="num">[^<]+<\/td>/);
    expect(report.notes).toEqual([expect.stringMatching(/eval\.jsonl: the last line is cut off/)]);
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
    const curves = await readRunCurves(runDir);
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
