import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunDir, listRunDirs } from './run-dir.ts';
import {
  appendSweepMembers,
  createSweepDir,
  listSweeps,
  readMemberRun,
  readMemberRuns,
  readSweepMembers,
  readSweepMeta,
  resolveSweepRef,
  type SweepMember,
  sweepIdName,
  sweepMembersPath,
  writeMemberRun,
} from './sweeps.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweeps-'));
  dirs.push(d);
  return d;
};

const member = (index: number, seed: number): SweepMember => ({
  index,
  stage: 0,
  name: 'smoke',
  seed,
  params: { seed },
  config: `name: smoke\nseed: ${seed}\n`,
});
const fields = {
  name: 'smoke',
  description: '',
  source: 'command line',
  command: ['pnpm', 'exp'],
  swept: ['seed'],
  stages: [{ steps: 100, members: [0, 1], reason: null }],
  plan: {},
};

describe('the sweep folder', () => {
  it('holds the sweep, its members and their run folders; run listings skip it', async () => {
    const root = temp();
    const { id, dir } = createSweepDir(
      root,
      fields,
      'seed: [1, 2]\n',
      [member(0, 1), member(1, 2)],
      new Date('2026-11-28T21:00:12Z'),
    );
    expect(id).toMatch(/^20261128-210012-[0-9a-f]{4}-smoke$/);
    expect(sweepIdName(id)).toBe('smoke');
    expect(readSweepMeta(dir)).toMatchObject({ id, name: 'smoke', swept: ['seed'] });
    expect(readSweepMembers(dir).map((m) => m.seed)).toEqual([1, 2]);
    appendSweepMembers(dir, [member(2, 3)]);
    expect(readSweepMembers(dir).map((m) => m.index)).toEqual([0, 1, 2]);

    expect(readMemberRun(dir, 1)).toBeNull();
    const run = await createRunDir(root, 'smoke');
    writeFileSync(join(run.runDir, 'meta.json'), '{}');
    writeMemberRun(dir, 1, `smoke/${run.runId}`);
    expect(readMemberRun(dir, 1)).toBe(`smoke/${run.runId}`);
    expect([...(await readMemberRuns(dir))]).toEqual([[1, `smoke/${run.runId}`]]);

    const listing = await listRunDirs(root);
    expect(listing.runs.map((r) => r.runId)).toEqual([run.runId]);
    expect(listing.skipped).toEqual([]);
  });

  it('ignores a cut-off last line of members.jsonl, not a bad line inside it', () => {
    const root = temp();
    const { dir } = createSweepDir(root, fields, '', [member(0, 1)]);
    writeFileSync(sweepMembersPath(dir), `${JSON.stringify(member(0, 1))}\n{"index": 1, "sta`);
    expect(readSweepMembers(dir)).toHaveLength(1);
    writeFileSync(sweepMembersPath(dir), `{"bad\n${JSON.stringify(member(0, 1))}\n`);
    expect(() => readSweepMembers(dir)).toThrow(/members\.jsonl.*line 1/);
  });

  it('finds a sweep by id, prefix, name and name@N, and names the candidates otherwise', async () => {
    const root = temp();
    const a = createSweepDir(root, fields, '', [], new Date('2026-11-28T21:00:00Z'));
    const b = createSweepDir(root, fields, '', [], new Date('2026-11-28T22:00:00Z'));
    const c = createSweepDir(root, { ...fields, name: 'article' }, '', [], new Date('2026-11-28T23:00:00Z'));
    mkdirSync(join(root, '_sweeps', 'not-a-sweep'));
    expect((await listSweeps(root)).map((s) => s.id)).toEqual([a.id, b.id, c.id]);
    expect(resolveSweepRef(root, b.id).id).toBe(b.id);
    expect(resolveSweepRef(root, 'smoke').id).toBe(b.id);
    expect(resolveSweepRef(root, 'smoke@latest').id).toBe(b.id);
    expect(resolveSweepRef(root, 'smoke@1').id).toBe(a.id);
    expect(resolveSweepRef(root, join(root, '_sweeps', c.id)).id).toBe(c.id);
    expect(resolveSweepRef(root, '20261128-23').id).toBe(c.id);
    expect(() => resolveSweepRef(root, '20261128')).toThrow(/ambiguous, 3 sweeps match/);
    expect(() => resolveSweepRef(root, 'nope')).toThrow(/no sweep matches[\s\S]*article/);
  });
});
