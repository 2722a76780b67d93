/** The page's own script (it embeds the charts) and style. */

/**
 * Draws every chart listed in #report-data. Each container gets `data-rendered="true"` (or
 * `"error"` with the message shown in place), and the body `data-charts-done` when all are done.
 */
export const BOOTSTRAP = `(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var options = { renderer: 'canvas', actions: { export: true, source: false, compiled: false, editor: false } };
  var done = 0;
  function finished() {
    done += 1;
    if (done >= data.charts.length) document.body.setAttribute('data-charts-done', String(done));
  }
  if (data.charts.length === 0) document.body.setAttribute('data-charts-done', '0');
  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    vegaEmbed(el, chart.spec, options).then(
      function () { el.setAttribute('data-rendered', 'true'); finished(); },
      function (error) {
        el.setAttribute('data-rendered', 'error');
        el.textContent = 'This chart could not be drawn: ' + (error && error.message ? error.message : error);
        finished();
      }
    );
  });
})();`;

export const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 13px; margin: 0 0 6px; font-weight: 600; word-break: break-all; }
.sub, .note, .empty { color: var(--muted); margin: 2px 0 8px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--bg-alt); font-weight: 600; }
td.num, th.num { text-align: right; }
td:not(.num):not(:first-child) { white-space: normal; max-width: 36em; overflow-wrap: anywhere; }
.tone-good { color: #1a7f37; } .tone-bad { color: #cf222e; } .tone-warn { color: #9a6700; }
.tone-info { color: #0969da; } .tone-muted { color: var(--muted); }
.run-key { list-style: none; padding: 0; margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 4px 20px; }
.run-key .label { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.run-key .desc { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.chart { min-height: 280px; width: 100%; }
.samples { display: flex; flex-wrap: wrap; gap: 20px; }
.run-samples { max-width: 560px; }
.group-samples { max-width: 820px; }
.figures { display: flex; gap: 10px; }
figure { margin: 0; }
figure img { width: 256px; height: auto; image-rendering: pixelated; border: 1px solid var(--line); background: #000; }
figcaption { color: var(--muted); font-size: 12px; }
`;
