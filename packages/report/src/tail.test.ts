import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeJsonlLine, readJsonlSync } from '@gan/runs';
import { describe, expect, it } from 'vitest';
import { readLastRow, readTailWindow } from './tail.ts';
import { tempExperiments } from './test-helpers.ts';

function file(text: string): string {
  const path = join(tempExperiments(), 'metrics.jsonl');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const line = (step: number, extra: Record<string, unknown> = {}) =>
  encodeJsonlLine({ step, dLoss: step / 10, ...extra });

describe('readLastRow', () => {
  it.each([
    ['a final newline', `${line(1)}${line(2)}`, 2, false, 0],
    ['no final newline, last line whole', `${line(1)}${line(2).trimEnd()}`, 2, false, 0],
    ['a cut-off last line', `${line(1)}${line(2)}{"step":3,"dLo`, 2, true, 1],
    ['blank lines at the end', `${line(1)}${line(2)}\n\n  \n`, 2, false, 0],
    ['CRLF line ends', `${line(1).trimEnd()}\r\n${line(2).trimEnd()}\r\n`, 2, false, 0],
    ['a bad line before the end', `${line(1)}${line(2)}not json\n`, 2, false, 1],
    ['a row without step', `${line(1)}{"dLoss":3}\n`, 1, false, 1],
    ['nothing readable', 'garbage\n[1,2]\n', null, false, 2],
    ['an empty file', '', null, false, 0],
  ])('%s', async (_name, text, step, truncated, badLines) => {
    const last = await readLastRow(file(text));
    expect(last.row?.step ?? null).toBe(step);
    expect(last.truncated).toBe(truncated);
    expect(last.badLines).toBe(badLines);
  });

  it('reads NaN and Infinity as the store writes them', async () => {
    const last = await readLastRow(file(line(7, { gLoss: Number.NaN, dReal: -Infinity })));
    expect(last.row?.gLoss).toBeNaN();
    expect(last.row?.dReal).toBe(-Infinity);
  });

  it('gives null for a missing file', async () => {
    const last = await readLastRow(join(tempExperiments(), 'nope.jsonl'));
    expect(last).toMatchObject({ row: null, truncated: false, bytesRead: 0 });
  });

  it('agrees with the store reader whatever the chunk size (lines across chunk borders)', async () => {
    const variants = [
      `${line(1)}${line(22, { note: 'ü€😀' })}${line(333)}`,
      `${line(1)}${line(22)}{"step":4`,
      `${line(5)}\n\n${line(6).trimEnd()}`,
    ];
    for (const text of variants) {
      const path = file(text);
      const rows = readJsonlSync(path).rows;
      const expected = rows.at(-1);
      for (let chunkBytes = 1; chunkBytes <= text.length + 2; chunkBytes++) {
        const last = await readLastRow(path, { chunkBytes });
        expect(last.row, `chunk ${chunkBytes}`).toEqual(expected);
      }
    }
  });

  it('reads only the end of a long file', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => line(i + 1)).join('');
    const last = await readLastRow(file(text), { chunkBytes: 4096 });
    expect(last.row?.step).toBe(20_000);
    expect(last.bytesRead).toBe(4096);
    expect(text.length).toBeGreaterThan(100 * 4096);
  });

  it('keeps reading backwards past a last line longer than a chunk', async () => {
    const long = line(9, { note: 'x'.repeat(10_000) });
    const last = await readLastRow(file(`${line(8)}${long}`), { chunkBytes: 1000 });
    expect(last.row?.step).toBe(9);
    expect(last.bytesRead).toBeGreaterThan(10_000);
  });
});

describe('readTailWindow', () => {
  /** Every row's mean over the window, computed from the whole file with the store's reader. */
  function bruteForce(path: string, steps: number) {
    const byStep = new Map<number, Record<string, unknown>>();
    for (const row of readJsonlSync(path).rows) if (typeof row.step === 'number') byStep.set(row.step, row);
    const rows = [...byStep.values()];
    const last = rows.at(-1)?.step as number;
    const inWindow = rows.filter((r) => (r.step as number) > last - steps && (r.step as number) <= last);
    const mean = (key: string) => {
      const values = inWindow.map((r) => r[key]).filter((v) => typeof v === 'number') as number[];
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    return { rows: inWindow.length, dLoss: mean('dLoss') };
  }

  it('averages the rows of the last steps, reading only the tail of a long file', async () => {
    // 20,000 rows logged every 10 steps (to step 200,000); the last 1000 steps are 100 rows.
    const text = Array.from({ length: 20_000 }, (_, i) => line((i + 1) * 10, { dFake: (i % 7) / 10 })).join(
      '',
    );
    const path = file(text);
    const w = await readTailWindow(path, 1000, { chunkBytes: 4096 });
    expect(w.row?.step).toBe(200_000);
    expect(w).toMatchObject({ steps: 1000, fromStep: 199_010, toStep: 200_000, rows: 100 });
    const expected = bruteForce(path, 1000);
    expect(w.rows).toBe(expected.rows);
    expect(w.mean.dLoss).toBeCloseTo(expected.dLoss, 9);
    // dLoss = step / 10: the mean of 19901..20000
    expect(w.mean.dLoss).toBeCloseTo(19_950.5, 9);
    expect(w.mean.dFake).toBeCloseTo(
      Array.from({ length: 100 }, (_, i) => ((19_900 + i) % 7) / 10).reduce((a, b) => a + b) / 100,
      12,
    );
    expect(w.mean.step).toBeUndefined();
    // 100 rows of about 45 bytes: two 4 KiB chunks, not the file's 900 KB
    expect(w.bytesRead).toBeLessThanOrEqual(2 * 4096);
    expect(text.length).toBeGreaterThan(100 * 4096);
  });

  it.each([
    ['a window of one step is the last row', `${line(10)}${line(20)}`, 1, 1, 2],
    ['a window longer than the run takes every row', `${line(10)}${line(20)}${line(30)}`, 1000, 3, 2],
    ['the step on the window edge is out', `${line(10)}${line(20)}${line(30)}`, 20, 2, 2.5],
    [
      'a step logged twice counts once, its later row',
      `${line(10)}${line(20)}${line(20, { dLoss: 9 })}`,
      15,
      2,
      5,
    ],
    ['bad and blank lines are skipped', `${line(10)}not json\n\n${line(20)}{"step":3`, 100, 2, 1.5],
  ])('%s', async (_name, text, steps, rows, dLoss) => {
    const w = await readTailWindow(file(text), steps);
    expect(w.rows).toBe(rows);
    expect(w.mean.dLoss).toBeCloseTo(dLoss, 12);
  });

  it('notes a cut-off last line, and gives an empty window for a missing or empty file', async () => {
    const cut = await readTailWindow(file(`${line(10)}{"step":20,"dL`), 100);
    expect(cut).toMatchObject({ truncated: true, badLines: 1, rows: 1, fromStep: 10, toStep: 10 });
    for (const path of [join(tempExperiments(), 'nope.jsonl'), file('')]) {
      expect(await readTailWindow(path, 100)).toMatchObject({ row: null, rows: 0, fromStep: null, mean: {} });
    }
  });

  it('keeps a NaN in the window: the mean of a window that saw a divergence is NaN', async () => {
    const w = await readTailWindow(file(`${line(10)}${line(20, { gLoss: Number.NaN })}`), 100);
    expect(w.mean.gLoss).toBeNaN();
    expect(w.mean.dLoss).toBeCloseTo(1.5, 12);
  });

  it('agrees with the whole file read whatever the chunk size', async () => {
    const text = `${line(10)}${line(20, { note: 'ü€😀' })}${line(30)}\n${line(40)}${line(40, { dLoss: 7 })}{"step":5`;
    const path = file(text);
    for (const steps of [1, 15, 25, 1000]) {
      const expected = bruteForce(path, steps);
      for (let chunkBytes = 1; chunkBytes <= text.length + 2; chunkBytes++) {
        const w = await readTailWindow(path, steps, { chunkBytes });
        expect([w.rows, w.mean.dLoss], `steps ${steps}, chunk ${chunkBytes}`).toEqual([
          expected.rows,
          expected.dLoss,
        ]);
      }
    }
  });

  it('reads each row through map before keeping or averaging it', async () => {
    // Rows 1 and 2 hold their value as `old`, rows 3 and 4 as `dLoss`: map renames the old ones.
    const text = [1, 2].map((s) => encodeJsonlLine({ step: s, old: s })).join('') + line(3) + line(4);
    const map = (row: { step: number; [key: string]: unknown }) => {
      const { old, ...rest } = row;
      return old === undefined ? row : { ...rest, dLoss: old };
    };
    const w = await readTailWindow(file(text), 4, { map, chunkBytes: 7 });
    expect(w.mean).toEqual({ dLoss: expect.closeTo(0.925, 12) });
    expect((await readLastRow(file(text), { map })).row).toEqual({ step: 4, dLoss: 0.4 });
    expect((await readLastRow(file(encodeJsonlLine({ step: 1, old: 5 })), { map })).row).toEqual({
      step: 1,
      dLoss: 5,
    });
  });

  it('rejects a window that is not a whole number of steps >= 1', async () => {
    await expect(readTailWindow(file(line(1)), 0)).rejects.toThrow(RangeError);
    await expect(readTailWindow(file(line(1)), 2.5)).rejects.toThrow(/steps must be a whole number >= 1/);
  });
});
