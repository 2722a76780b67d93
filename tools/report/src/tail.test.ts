import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeJsonlLine, readJsonlSync } from '@gan/gan-runner';
import { describe, expect, it } from 'vitest';
import { readLastRow } from './tail.ts';
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
