import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunOwner } from './owner.ts';
import {
  decodeJsonlLine,
  encodeJsonlLine,
  type JsonlBadLine,
  type JsonlReadOptions,
  type JsonlRow,
  type JsonlSummary,
  JsonlWriter,
  readJsonl,
  readJsonlSync,
  rewriteJsonlSync,
} from './jsonl.ts';
import { METRIC_NAMES, openMetricsLog, readMetrics } from './metrics.ts';

/** A claim of `d` by this test: every write to a run folder comes from its owner. */
const own = (d: string) => RunOwner.claim(d, 'test');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  path: string,
  options?: JsonlReadOptions,
): Promise<{ rows: JsonlRow[]; summary: JsonlSummary }> {
  const reader = readJsonl(path, options);
  const rows: JsonlRow[] = [];
  for await (const row of reader) rows.push(row);
  return { rows, summary: reader.summary };
}

// Both readers must agree on every file.
const readers = [
  ['streaming', readAll],
  ['sync', async (path: string, options?: JsonlReadOptions) => readJsonlSync(path, options)],
] as const;

describe('line encoding', () => {
  it('writes non-finite numbers as strings and reads them back as numbers', () => {
    const line = encodeJsonlLine({ step: 3, a: Number.NaN, b: Infinity, c: -Infinity, d: 1.5 });
    expect(line).toBe('{"step":3,"a":"NaN","b":"Infinity","c":"-Infinity","d":1.5}\n');
    const row = decodeJsonlLine(line.trim());
    expect(Number.isNaN(row.a)).toBe(true);
    expect(row).toEqual({ step: 3, a: Number.NaN, b: Infinity, c: -Infinity, d: 1.5 });
  });

  it('accepts only objects', () => {
    expect(() => encodeJsonlLine([1, 2] as unknown as JsonlRow)).toThrow(/must be an object, got an array/);
    expect(() => encodeJsonlLine(null as unknown as JsonlRow)).toThrow(/must be an object/);
    expect(() => decodeJsonlLine('[1]')).toThrow(/expected a JSON object/);
    expect(() => decodeJsonlLine('7')).toThrow(/expected a JSON object, got 7/);
  });
});

describe.each(readers)('reading JSONL (%s)', (_, read) => {
  it('round-trips rows written by JsonlWriter, NaN and Infinity included', async () => {
    const path = join(dir, 'metrics.jsonl');
    const rows = [
      { step: 1, dLoss: 1.386, gLoss: 0.25, note: 'start', nested: { lr: [1e-3, 2e-4] } },
      { step: 2, dLoss: Number.NaN, gLoss: Infinity, gradNormD: -Infinity },
      { step: 3, dLoss: -0.5, gLoss: 0, empty: {} },
    ];
    const writer = new JsonlWriter(path, { fsyncIntervalMs: 0 });
    for (const row of rows) writer.write(row);
    writer.close();
    const result = await read(path);
    expect(result.rows).toEqual(rows);
    expect(result.summary).toEqual({ rows: 3, lines: 3, truncated: false, badLines: [], problems: [] });
  });

  it('reports a cut-off last line as truncated and keeps the rows before it', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2}\n{"step":3}\n{"step":4,"dL');
    const result = await read(path);
    expect(result.rows).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    expect(result.summary.truncated).toBe(true);
    expect(result.summary.badLines).toEqual([4]);
  });

  it('reports a bad line in the middle without calling the file truncated', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2,,}\n[3]\n{"step":4}\n{"step":5,\n');
    const seen: JsonlBadLine[] = [];
    const result = await read(path, { onBadLine: (bad) => seen.push(bad) });
    expect(result.rows).toEqual([{ step: 1 }, { step: 4 }]);
    expect(result.summary.badLines).toEqual([2, 3, 5]);
    expect(result.summary.truncated).toBe(false); // the last bad line did end with a newline
    expect(seen.map((b) => b.line)).toEqual([2, 3, 5]);
    expect(seen[1].reason).toMatch(/expected a JSON object/);
  });

  it('skips blank lines and accepts CRLF', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, '{"step":1}\r\n\r\n\n{"step":2}\r\n');
    const result = await read(path);
    expect(result.rows).toEqual([{ step: 1 }, { step: 2 }]);
    expect(result.summary.badLines).toEqual([]);
    expect(result.summary.lines).toBe(4);
  });

  it('reads an empty file as no rows', async () => {
    const path = join(dir, 'empty.jsonl');
    writeFileSync(path, '');
    expect(await read(path)).toEqual({
      rows: [],
      summary: { rows: 0, lines: 0, truncated: false, badLines: [], problems: [] },
    });
  });

  it('lets onBadLine make bad lines fatal', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, '{"step":1}\nnope\n');
    await expect(
      read(path, {
        onBadLine: (bad) => {
          throw new Error(`line ${bad.line} is bad`);
        },
      }),
    ).rejects.toThrow('line 2 is bad');
  });
});

describe('JsonlWriter', () => {
  it('ends a line cut off by a crash before appending, so only that line is lost', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2,"dLo');
    const writer = new JsonlWriter(path);
    writer.write({ step: 3 });
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2,"dLo\n{"step":3}\n');
    const { rows, summary } = readJsonlSync(path);
    expect(rows).toEqual([{ step: 1 }, { step: 3 }]);
    expect(summary).toMatchObject({ badLines: [2], truncated: false });
  });

  it('appends to an existing file', () => {
    const path = join(dir, 'm.jsonl');
    const a = new JsonlWriter(path);
    a.write({ step: 1 });
    a.close();
    const b = new JsonlWriter(path);
    b.write({ step: 2 });
    b.close();
    expect(readJsonlSync(path).rows).toEqual([{ step: 1 }, { step: 2 }]);
  });

  it('refuses writes after close, and closing twice is harmless', () => {
    const writer = new JsonlWriter(join(dir, 'm.jsonl'));
    writer.close();
    writer.close();
    expect(writer.closed).toBe(true);
    expect(() => writer.write({ step: 1 })).toThrow(/closed/);
    expect(() => new JsonlWriter(join(dir, 'm.jsonl'), { fsyncIntervalMs: -1 })).toThrow(/fsyncIntervalMs/);
  });

  it('fsyncs on a timer when writes stop before the interval is up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const writer = new JsonlWriter(join(dir, 'm.jsonl'), { fsyncIntervalMs: 1000 });
      const flush = vi.spyOn(writer, 'flush');
      writer.write({ step: 1 });
      writer.write({ step: 2 });
      expect(flush).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1000);
      expect(flush).toHaveBeenCalledTimes(1);
      writer.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('streaming a large file', () => {
  it('yields rows before reading the whole file, and ignores rows appended during the read', async () => {
    const path = join(dir, 'big.jsonl');
    const n = 200_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(encodeJsonlLine({ step: i, dLoss: i / 1000, gLoss: 1 - i / n }));
    writeFileSync(path, lines.join(''));
    const size = readFileSync(path).length;

    const reader = readJsonl(path);
    let count = 0;
    let sum = 0;
    let last = -1;
    let outOfOrder = 0;
    for await (const row of reader) {
      if (count === 0) {
        expect(reader.bytesRead).toBeLessThan(size / 10);
        appendFileSync(path, encodeJsonlLine({ step: -1 }).repeat(1000));
      }
      if (row.step !== last + 1) outOfOrder++;
      last = row.step as number;
      sum += row.step as number;
      count++;
    }
    expect(count).toBe(n);
    expect(outOfOrder).toBe(0);
    expect(sum).toBe((n * (n - 1)) / 2);
    expect(reader.summary).toMatchObject({ rows: n, truncated: false, badLines: [] });
  });

  it('stops reading when the loop breaks, and reads only once', async () => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, encodeJsonlLine({ step: 1 }).repeat(50_000));
    const reader = readJsonl(path);
    let count = 0;
    for await (const _ of reader) if (++count === 10) break;
    expect(reader.summary.rows).toBe(10);
    await expect(async () => {
      for await (const _ of reader) break;
    }).rejects.toThrow(/only once/);
    await rm(path);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('metrics.jsonl', () => {
  it('writes and reads the documented metrics of a run', async () => {
    const log = openMetricsLog(own(dir));
    const row = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i + 0.5]));
    row.step = 1;
    log.write(row);
    log.write({ ...row, step: 2, dLoss: Number.NaN });
    log.close();
    const rows: JsonlRow[] = [];
    for await (const r of readMetrics(dir)) rows.push(r);
    expect(rows.map((r) => Object.keys(r))).toEqual([[...METRIC_NAMES], [...METRIC_NAMES]]);
    expect(rows[1].dLoss).toBeNaN();
    expect(await readdir(dir)).toEqual(['.owner', 'metrics.jsonl']);
  });
});

describe('rewriteJsonlSync', () => {
  it('keeps the rows it is told to, drops bad lines, and returns the last row kept', () => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2,"x":"NaN"}\nnot json\n{"step":3}\n{"step":4');
    const last = rewriteJsonlSync(path, (row) => typeof row.step === 'number' && row.step <= 2);
    expect(last).toEqual({ step: 2, x: Number.NaN });
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2,"x":"NaN"}\n');
    expect(rewriteJsonlSync(path, () => false)).toBeNull();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('leaves a missing file missing', async () => {
    expect(rewriteJsonlSync(join(dir, 'eval.jsonl'), () => true)).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });
});
