import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffRuns } from './diff.ts';
import { writeFixtureRun } from './fixtures.ts';
import { listRuns } from './list.ts';
import { formatDiff, formatList } from './output.ts';
import { escapeMarkdown, printable, renderText, truncate } from './table.ts';
import { at, tempExperiments } from './test-helpers.ts';
import { formatNumber, formatPercent, formatSigned, formatValue } from './values.ts';

async function twoRuns() {
  const dir = tempExperiments();
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:00'),
    suffix: '000a',
    config: { description: 'first | try', seed: 1 },
    metrics: [{ step: 5, dLoss: Number.NaN, gLoss: Infinity, dReal: 0.5, dFake: 0.5 }],
    meta: { status: 'diverged', divergedAt: 5, latestEval: { step: 5, modesCovered: 3 } },
  });
  await writeFixtureRun(dir, {
    name: 'decay',
    date: at('10:00:01'),
    suffix: '000b',
    config: { description: 'second *bold* <b>', seed: 2, optim: { generator: { lr: 0.001 } } },
    metrics: [{ step: 9, dLoss: 1.25, gLoss: 0.5, dReal: 0.5, dFake: 0.5 }],
  });
  return dir;
}

describe('--json', () => {
  it('prints the documented list shape, non-finite numbers as strings', async () => {
    const dir = await twoRuns();
    const doc = JSON.parse(formatList(await listRuns(dir), 'json'));
    expect(Object.keys(doc)).toEqual([
      'format',
      'version',
      'experimentsDir',
      'params',
      'evalColumns',
      'runs',
      'skipped',
    ]);
    expect(doc.evalColumns).toEqual([]);
    expect(doc).toMatchObject({ format: 'gan-report/list', version: 2, experimentsDir: resolve(dir) });
    expect(doc.params).toEqual(['seed', 'optim.generator.lr']);
    expect(Object.keys(doc.runs[0])).toEqual([
      'name',
      'folder',
      'runId',
      'path',
      'status',
      'stale',
      'step',
      'totalSteps',
      'startedAt',
      'endedAt',
      'seed',
      'precision',
      'backend',
      'kernels',
      'kernelHistory',
      'stepsPerSec',
      'divergedAt',
      'error',
      'final',
      'eval',
      'params',
      'notes',
    ]);
    expect(doc.runs[0]).toMatchObject({
      name: 'decay',
      runId: '20261126-100000-000a',
      path: resolve(dir, 'decay', '20261126-100000-000a'),
      status: 'diverged',
      stale: false,
      step: 5,
      divergedAt: 5,
      final: { step: 5, dLoss: 'NaN', gLoss: 'Infinity' },
      eval: { modesCovered: 3 },
      params: { seed: 1, 'optim.generator.lr': 0.0002 },
      notes: [],
    });
    expect(doc.runs[1].final.dLoss).toBe(1.25);
  });

  it('lists the chosen config keys and evaluation columns', async () => {
    const dir = await twoRuns();
    const doc = JSON.parse(
      formatList(
        await listRuns(dir, { params: ['optim.generator.lr'], evalColumns: ['modesCovered'] }),
        'json',
      ),
    );
    expect(doc.params).toEqual(['optim.generator.lr']);
    expect(doc.evalColumns).toEqual(['modesCovered']);
    expect(doc.runs.map((r: { params: unknown }) => r.params)).toEqual([
      { 'optim.generator.lr': 0.0002 },
      { 'optim.generator.lr': 0.001 },
    ]);
    // the values stay in each run's eval, as written
    expect(doc.runs.map((r: { eval: unknown }) => r.eval)).toEqual([{ step: 5, modesCovered: 3 }, null]);
    const none = JSON.parse(formatList(await listRuns(dir, { params: ['none'] }), 'json'));
    expect(none.params).toEqual([]);
    expect(none.runs.map((r: { params: unknown }) => r.params)).toEqual([{}, {}]);
  });

  it('prints the documented diff shape', async () => {
    const dir = await twoRuns();
    const doc = JSON.parse(formatDiff(await diffRuns(dir, ['decay@1', 'decay@0']), 'json'));
    expect(Object.keys(doc)).toEqual(['format', 'version', 'runs', 'config', 'kernels', 'metrics']);
    expect(doc.format).toBe('gan-report/diff');
    expect(doc.kernels).toEqual([]); // both fixtures computed on the reference backend
    expect(doc.config).toEqual([
      { key: 'description', values: ['first | try', 'second *bold* <b>'] },
      { key: 'seed', values: [1, 2] },
      { key: 'optim.generator.lr', values: [0.0002, 0.001] },
    ]);
    expect(doc.runs[1].params).toEqual({
      description: 'second *bold* <b>',
      seed: 2,
      'optim.generator.lr': 0.001,
    });
    const dLoss = doc.metrics.find((m: { key: string }) => m.key === 'dLoss');
    expect(dLoss).toEqual({
      key: 'dLoss',
      label: 'D loss',
      values: ['NaN', 1.25],
      deltas: [null, { abs: 'NaN', pct: null }],
    });
    const step = doc.metrics.find((m: { key: string }) => m.key === 'step');
    expect(step.deltas[1]).toEqual({ abs: 4, pct: 80 });
  });
});

describe('--md', () => {
  it('prints a GitHub table with escaped cells', async () => {
    const dir = await twoRuns();
    const md = formatList(await listRuns(dir, { allParams: true }), 'md');
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\| config \| run \| status \| step \| D loss \| G loss \| modes \| FD \| steps\/s \| name \| description \|/,
    );
    expect(lines[1]).toMatch(/^\|---\|---\|---\|---:\|---:\|---:\|---:\|---:\|---:\|---\|---\|/);
    expect(lines).toHaveLength(4);
    // the same number of cells on every line, whatever the values hold
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    expect(new Set(lines.map(cells)).size).toBe(1);
    expect(md).toContain('first \\| try');
    expect(md).toContain('second \\*bold\\* &lt;b&gt;');
  });

  it('adds a dtype column when a run is float64, and only then', async () => {
    const dir = await twoRuns();
    expect(formatList(await listRuns(dir, { params: [] }), 'md')).not.toContain('dtype');
    await writeFixtureRun(dir, {
      name: 'decay',
      date: at('10:00:02'),
      suffix: '000c',
      config: { seed: 3, train: { precision: 'float64' } },
      metrics: [{ step: 9, dLoss: 1.25, gLoss: 0.5, dReal: 0.5, dFake: 0.5 }],
    });
    const lines = formatList(await listRuns(dir, { params: [] }), 'md')
      .trimEnd()
      .split('\n');
    expect(lines[0]).toMatch(/\| steps\/s \| dtype \|$/);
    expect(lines.slice(2).map((l) => l.split('|').at(-2)?.trim())).toEqual(['float32', 'float32', 'float64']);
  });

  it('prints only the chosen config keys and evaluation columns', async () => {
    const dir = await twoRuns();
    const list = await listRuns(dir, { params: ['seed'], evalColumns: ['modesCovered,step'] });
    const lines = formatList(list, 'md').trimEnd().split('\n');
    expect(lines[0]).toBe(
      '| config | run | status | step | D loss | G loss | modes | FD | eval step | steps/s | seed |',
    );
    expect(lines[1]).toBe('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
    expect(lines[2]).toMatch(
      /^\| decay \| 20261126-100000-000a \| diverged \| 5\/\d+ \| NaN \| Inf \| 3 \| - \| 5 \| 100\.0 \| 1 \|$/,
    );
    expect(lines[3]).toMatch(/ \| 9\/\d+ \| 1\.250 \| 0\.5000 \| - \| - \| - \| 100\.0 \| 2 \|$/);
  });

  it('prints the diff as headed tables', async () => {
    const dir = await twoRuns();
    const md = formatDiff(await diffRuns(dir, ['decay@1', 'decay@0']), 'md');
    expect(md).toMatch(/^### Runs\n\n\| {3}\| config \| run \| status \| step \|\n/);
    expect(md).toContain('### Config (3 keys A → B)');
    expect(md).toContain('| seed | 1 | → | 2 |');
    expect(md).toContain('| metric | A | B | Δ | Δ% |');
    expect(md).toContain('| D loss | NaN | 1.250 | NaN | - |');
  });
});

describe('text tables', () => {
  const table = {
    columns: [{ header: 'name' }, { header: 'value', align: 'right' as const, maxWidth: 6 }],
    rows: [[{ text: 'a', tone: 'bad' as const }, '12345678']],
  };

  it('colours only when asked', () => {
    expect(renderText(table)).not.toContain('\x1b[');
    const coloured = renderText(table, { color: true });
    expect(coloured).toContain('\x1b[31ma   \x1b[39m');
    expect(coloured).toContain('\x1b[1mname\x1b[22m');
  });

  it('cuts long cells and neutralises control characters', () => {
    expect(renderText(table)).toContain('12345…');
    const keyed = {
      columns: [{ header: 'optim.generator.schedule.type', maxWidth: 6 }],
      rows: [['constant']],
    };
    expect(renderText(keyed).split('\n').slice(0, 3)).toEqual([
      'optim.generator.schedule.type',
      '-----------------------------',
      'const…',
    ]);
    expect(truncate('optim.generator.schedule.type', 10, 'start')).toBe('…dule.type');
    expect(printable('a\nb\x1b[31mc')).toBe('a b\uFFFD[31mc');
    expect(escapeMarkdown('a|b_c')).toBe('a\\|b\\_c');
  });

  it('formats numbers for reading', () => {
    expect(
      [1.422413, 1.62, 0.0002, 300, 1234567.5, 0, Number.NaN, -Infinity, null].map((x) => formatNumber(x)),
    ).toEqual(['1.422', '1.620', '2.0e-4', '300', '1.2e6', '0', 'NaN', '-Inf', '-']);
    expect([0.1973, -0.5, 0, Infinity].map(formatSigned)).toEqual(['+0.1973', '-0.5000', '0', '+Inf']);
    expect([13.94, -0.3, 250, null].map(formatPercent)).toEqual(['+13.9%', '-0.30%', '+250%', '-']);
    expect([[64, 64], 1e-8, 'tanh', null, undefined, { type: 'constant' }].map(formatValue)).toEqual([
      '[64,64]',
      '1e-8',
      'tanh',
      'null',
      '-',
      '{type:constant}',
    ]);
  });
});
