import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER_DIR } from './owner.ts';
import { CHECKPOINTS_DIR, META_FILE, SAMPLES_DIR } from './paths.ts';
import {
  assertConfigName,
  createRunDir,
  isRunDir,
  listRunDirs,
  newRunId,
  RUN_ID_PATTERN,
  runIdTime,
} from './run-dir.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-runs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('newRunId', () => {
  it('is UTC date-time plus four hex digits', () => {
    const id = newRunId(new Date('2026-01-02T03:04:05.999Z'));
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(id.slice(0, 16)).toBe('20260102-030405-');
    expect(newRunId(new Date('2026-11-26T15:30:12Z'), 'a3f9')).toBe('20261126-153012-a3f9');
  });

  it('sorts as strings in time order', () => {
    const times = [
      '2025-12-31T23:59:59Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:09Z',
      '2026-01-01T00:00:10Z',
      '2026-01-09T12:00:00Z',
      '2026-01-10T02:00:00Z',
      '2026-10-01T00:00:00Z',
      '2100-01-01T00:00:00Z',
    ].map((t) => new Date(t));
    const ids = times.map((t) => newRunId(t));
    expect([...ids].reverse().sort()).toEqual(ids);
    expect(ids.map((id) => runIdTime(id)?.toISOString())).toEqual(times.map((t) => t.toISOString()));
  });

  it('rejects bad input', () => {
    expect(() => newRunId(new Date('nope'))).toThrow(/invalid date/);
    expect(() => newRunId(new Date(), 'xyz1')).toThrow(/4 hex digits/);
    expect(runIdTime('2026-11-26')).toBeNull();
  });
});

describe('assertConfigName', () => {
  it.each(['seed-mlp', 'Failed_2', 'v1.2', 'a'])('accepts %s', (name) => {
    expect(() => assertConfigName(name)).not.toThrow();
  });
  it.each(['', '../x', 'a/b', 'a\\b', '.hidden', '-x', 'x.', 'a b', 'con', 'NUL.txt', 'x'.repeat(101)])(
    'rejects "%s"',
    (name) => {
      expect(() => assertConfigName(name)).toThrow(/invalid config name/);
    },
  );
});

describe('createRunDir', () => {
  it('creates the run folder with its subfolders, parents included', async () => {
    const experiments = join(dir, 'deep', 'experiments');
    const { runDir, runId } = await createRunDir(experiments, 'seed-mlp');
    expect(runDir).toBe(join(experiments, 'seed-mlp', runId));
    expect(runId).toMatch(RUN_ID_PATTERN);
    expect((await readdir(runDir)).sort()).toEqual([OWNER_DIR, CHECKPOINTS_DIR, SAMPLES_DIR].sort());
  });

  it('never collides, even for many runs in the same second', async () => {
    const date = new Date('2026-11-26T15:30:12Z');
    const created = await Promise.all(Array.from({ length: 300 }, () => createRunDir(dir, 'same', { date })));
    const ids = new Set(created.map((c) => c.runId));
    expect(ids.size).toBe(300);
    expect((await readdir(join(dir, 'same'))).sort()).toEqual([...ids].sort());
  });

  it('draws a new id when one is taken and leaves the existing folder alone', async () => {
    const date = new Date('2026-11-26T15:30:12Z');
    const suffixes = ['aaaa', 'aaaa', 'aaaa', 'bbbb'];
    const randomSuffix = () => suffixes.shift()!;
    const first = await createRunDir(dir, 'c', { date, randomSuffix });
    await writeFile(join(first.runDir, 'marker'), 'keep me');
    const second = await createRunDir(dir, 'c', { date, randomSuffix });
    expect(first.runId).toBe('20261126-153012-aaaa');
    expect(second.runId).toBe('20261126-153012-bbbb');
    expect(await readFile(join(first.runDir, 'marker'), 'utf8')).toBe('keep me');
    await expect(
      createRunDir(dir, 'c', { date, randomSuffix: () => 'aaaa', maxAttempts: 5 }),
    ).rejects.toThrow(/5 ids in a row were taken/);
  });

  it('validates the config name before touching the disk', async () => {
    await expect(createRunDir(dir, '../escape')).rejects.toThrow(/invalid config name "..\/escape"/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('listRunDirs', () => {
  it('finds runs sorted by config then id, and reports folders that are not runs', async () => {
    const run = async (config: string, id: string) => {
      await mkdir(join(dir, config, id), { recursive: true });
      await writeFile(join(dir, config, id, META_FILE), '{}');
    };
    await run('b-config', '20260101-000000-0000');
    await run('a-config', '20260102-000000-0000');
    await run('a-config', '20260101-000000-ffff');
    await mkdir(join(dir, 'a-config', 'junk'));
    await mkdir(join(dir, '.cache', 'x'), { recursive: true });
    await writeFile(join(dir, 'README.md'), '# runs');
    await writeFile(join(dir, 'a-config', 'notes.txt'), '');

    const { runs, skipped } = await listRunDirs(dir);
    expect(runs.map((r) => `${r.configName}/${r.runId}`)).toEqual([
      'a-config/20260101-000000-ffff',
      'a-config/20260102-000000-0000',
      'b-config/20260101-000000-0000',
    ]);
    expect(runs[0].runDir).toBe(join(dir, 'a-config', '20260101-000000-ffff'));
    expect(skipped).toEqual([{ path: join(dir, 'a-config', 'junk'), reason: 'not a run (no meta.json)' }]);
    expect(await isRunDir(runs[0].runDir)).toBe(true);
    expect(await isRunDir(join(dir, 'a-config', 'junk'))).toBe(false);
  });

  it('gives an empty listing for a missing folder', async () => {
    expect(await listRunDirs(join(dir, 'none'))).toEqual({ runs: [], skipped: [] });
  });
});

describe('createRunDir, all at once', () => {
  it('holds the files asked for from its first moment, made from its id', async () => {
    const { runDir, runId } = await createRunDir(dir, 'c', {
      files: (id) => ({ [META_FILE]: `{"runId":"${id}"}\n`, 'config.yaml': 'name: c\n' }),
    });
    expect(JSON.parse(await readFile(join(runDir, META_FILE), 'utf8'))).toEqual({ runId });
    expect((await readdir(runDir)).sort()).toEqual([
      OWNER_DIR,
      CHECKPOINTS_DIR,
      'config.yaml',
      META_FILE,
      SAMPLES_DIR,
    ]);
    // Nothing else in the config folder: no staging folder left behind.
    expect(await readdir(join(dir, 'c'))).toEqual([runId]);
  });

  it('writes the files again under the next id when one is taken', async () => {
    const date = new Date('2026-11-26T15:30:12Z');
    const suffixes = ['aaaa', 'aaaa', 'bbbb'];
    const randomSuffix = () => suffixes.shift()!;
    const files = (id: string) => ({ [META_FILE]: `${id}\n` });
    await createRunDir(dir, 'c', { date, randomSuffix, files });
    const second = await createRunDir(dir, 'c', { date, randomSuffix, files });
    expect(await readFile(join(second.runDir, META_FILE), 'utf8')).toBe('20261126-153012-bbbb\n');
    expect((await readdir(join(dir, 'c'))).sort()).toEqual(['20261126-153012-aaaa', '20261126-153012-bbbb']);
  });

  it('fails at once with the path and the reason when the experiments folder cannot be made', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(createRunDir(join(dir, 'file', 'experiments'), 'c')).rejects.toThrow(
      `cannot create the experiments folder ${join(dir, 'file', 'experiments')}: ${join(dir, 'file')} is a file, not a folder`,
    );
  });
});
