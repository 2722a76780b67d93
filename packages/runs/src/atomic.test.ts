import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from './atomic.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['async', (p: string, d: string | Uint8Array) => writeFileAtomic(p, d)],
  ['sync', async (p: string, d: string | Uint8Array) => writeFileAtomicSync(p, d)],
])('writeFileAtomic (%s)', (_, write) => {
  it('writes, replaces, and leaves no temp file', async () => {
    const file = join(dir, 'meta.json');
    await write(file, 'first');
    await write(file, new Uint8Array([104, 105]));
    expect(await readFile(file, 'utf8')).toBe('hi');
    expect(await readdir(dir)).toEqual(['meta.json']);
  });

  it('fails with the target named and cleans up its temp file', async () => {
    const target = join(dir, 'occupied');
    await mkdir(target); // rename over a folder fails
    await expect(write(target, 'x')).rejects.toThrow(`could not write ${target}`);
    expect(await readdir(dir)).toEqual(['occupied']);
  });

  it('does not create missing folders', async () => {
    const file = join(dir, 'missing', 'a.txt');
    await expect(write(file, 'x')).rejects.toThrow(`could not write ${file}`);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeJsonAtomic', () => {
  it('writes pretty JSON with a final newline', async () => {
    const file = join(dir, 'a.json');
    await writeJsonAtomic(file, { a: [1, 2], b: null });
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ a: [1, 2], b: null });
    writeJsonAtomicSync(file, { c: 3 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ c: 3 });
  });

  it('rejects values JSON cannot hold', async () => {
    await expect(writeJsonAtomic(join(dir, 'u.json'), undefined)).rejects.toThrow(/not JSON-serialisable/);
  });

  it('leaves one whole version when writers race', async () => {
    const file = join(dir, 'race.json');
    await writeFile(file, 'old');
    const versions = Array.from({ length: 20 }, (_, i) => ({ writer: i, payload: 'x'.repeat(10_000 + i) }));
    await Promise.all(versions.map((v) => writeJsonAtomic(file, v)));
    const final = JSON.parse(await readFile(file, 'utf8'));
    expect(versions).toContainEqual(final);
    expect(await readdir(dir)).toEqual(['race.json']);
  });
});
