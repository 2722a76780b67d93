import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TSX_LOADER } from '../../../test-support/tsx.ts';
import { saveCheckpoint } from './checkpoints.ts';
import { readJsonlSync } from './jsonl.ts';
import { newRunMeta, readMetaSync, writeMetaSync } from './meta.ts';
import { openMetricsLog } from './metrics.ts';
import { currentClaim, currentEpoch, OWNER_DIR, type OwnerClaim, RunOwner, RunTakenOver } from './owner.ts';
import { checkpointPath, metaPath, metricsPath } from './paths.ts';
import { setAsideCheckpoint } from './resume.ts';
import { createRunDir } from './run-dir.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gan-owner-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const environment = {
  command: [],
  cwd: '/',
  git: { commit: null, dirty: null },
  node: '',
  platform: '',
  host: { cpu: '', cores: 1, memoryGB: 1 },
};

function meta(owner: RunOwner) {
  return newRunMeta({
    name: 'x',
    runId: 'r',
    seed: 1,
    totalSteps: 100,
    backend: 'reference',
    environment,
    owner: owner.token,
  });
}

/** What a superseded owner's write must throw: the takeover, naming who holds the run now. */
function takenBy(label: string, epoch: number) {
  return (e: unknown) =>
    e instanceof RunTakenOver &&
    e.phase === 'write' &&
    e.newer?.label === label &&
    e.newer.epoch === epoch &&
    new RegExp(
      `was taken over by ${label} \\(pid \\d+ on .+, epoch ${epoch}\\): stopped without writing`,
    ).test(e.message);
}

function expectThrows(f: () => unknown, match: (e: unknown) => boolean): void {
  let thrown: unknown = null;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, String(thrown)).not.toBeNull();
  expect(match(thrown), String(thrown)).toBe(true);
}

describe('RunOwner', () => {
  it('a new run folder is born owned (epoch 1) and says by whom', async () => {
    const { runDir, owner } = await createRunDir(root, 'cfg', { owner: 'pnpm exp' });
    expect(owner.epoch).toBe(1);
    expect(owner.holds()).toBe(true);
    expect(currentEpoch(runDir)).toBe(1);
    expect(currentClaim(runDir)).toMatchObject({
      epoch: 1,
      label: 'pnpm exp',
      process: { pid: process.pid },
    });
    expect(readdirSync(join(runDir, OWNER_DIR))).toEqual(['epoch-000001']);
  });

  it('a takeover revokes the older owner: every kind of write it tries throws and changes nothing', async () => {
    const { runDir, owner: a } = await createRunDir(root, 'cfg', { owner: 'worker A' });
    writeMetaSync(a, meta(a));
    const log = openMetricsLog(a);
    log.write({ step: 1 });
    await saveCheckpoint(a, { step: 1, arrays: {}, state: {}, time: 0, config: '' });
    const before = {
      meta: readFileSync(metaPath(runDir), 'utf8'),
      metrics: readFileSync(metricsPath(runDir), 'utf8'),
    };

    const b = RunOwner.claim(runDir, 'worker B');
    expect(b.epoch).toBe(2);
    expect(a.holds()).toBe(false);
    expect(readdirSync(join(runDir, OWNER_DIR))).toEqual(['epoch-000002']);

    const byB = takenBy('worker B', 2);
    expectThrows(() => a.check(), byB);
    expectThrows(() => writeMetaSync(a, { ...meta(a), status: 'interrupted' }), byB);
    expectThrows(() => log.write({ step: 2 }), byB);
    await saveCheckpoint(a, { step: 2, arrays: {}, state: {}, time: 0, config: '' }).then(
      () => expect.unreachable('a revoked owner wrote a checkpoint'),
      (e) => expect(byB(e), String(e)).toBe(true),
    );
    expectThrows(() => a.remove(checkpointPath(runDir, 1)), byB);
    expectThrows(() => openMetricsLog(a), byB);
    expect(readFileSync(metaPath(runDir), 'utf8')).toBe(before.meta);
    expect(readFileSync(metricsPath(runDir), 'utf8')).toBe(before.metrics);
    expect(existsSync(checkpointPath(runDir, 1))).toBe(true);
    expect(existsSync(checkpointPath(runDir, 2))).toBe(false);

    // The new owner writes as usual, and meta.json says who it is.
    writeMetaSync(b, { ...meta(b), status: 'completed' });
    expect(readMetaSync(runDir).owner).toEqual({ epoch: 2, label: 'worker B' });
  });

  it('appends through a descriptor opened before the takeover never reach the run', async () => {
    const { runDir, owner: a } = await createRunDir(root, 'cfg');
    const path = metricsPath(runDir);
    writeFileSync(path, '{"step":1}\n');
    // A stale owner past its check, inside its write: it holds the file open already.
    const fd = openSync(a.appendPath(path), 'a');
    const inode = statSync(path).ino;
    RunOwner.claim(runDir, 'B');
    writeSync(fd, '{"step":2,"stale":true}\n');
    closeSync(fd);
    expect(statSync(path).ino).not.toBe(inode); // the run's file is a new one...
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n'); // ...with what was there at the takeover
  });

  it('a temp file written before the takeover cannot be renamed into the run after it', async () => {
    const { runDir, owner: a } = await createRunDir(root, 'cfg');
    writeMetaSync(a, meta(a));
    const before = readFileSync(metaPath(runDir), 'utf8');
    const tmp = a.tempPath(metaPath(runDir));
    writeFileSync(tmp, '{"stale": true}\n');
    RunOwner.claim(runDir, 'B');
    expect(() => renameSync(tmp, metaPath(runDir))).toThrow(/ENOENT/);
    expect(readFileSync(metaPath(runDir), 'utf8')).toBe(before);
  });

  it('claims as a compare-and-swap: a claimant that saw an older epoch loses, naming the winner', async () => {
    const { runDir } = await createRunDir(root, 'cfg');
    const seen = currentEpoch(runDir);
    const winner = RunOwner.claim(runDir, 'pnpm exp --resume', { after: seen });
    expectThrows(
      () => RunOwner.claim(runDir, 'other', { after: seen }),
      (e) =>
        e instanceof RunTakenOver &&
        e.phase === 'claim' &&
        e.newer?.epoch === 2 &&
        /was claimed meanwhile by pnpm exp --resume \(pid \d+ on .+, epoch 2\): left to it/.test(e.message),
    );
    expect(winner.holds()).toBe(true);
    expect(currentEpoch(runDir)).toBe(2);
  });

  it('a claimant whose listing is older than a revocation backs out (the epoch it takes was revoked)', async () => {
    const { runDir } = await createRunDir(root, 'cfg');
    RunOwner.claim(runDir, 'B'); // epoch 2
    const c = RunOwner.claim(runDir, 'C'); // epoch 3, epoch 2 revoked: its folder is gone
    // A claimant that listed when epoch 1 was the newest now makes epoch 2 again: it must see 3.
    expectThrows(
      () => RunOwner.claim(runDir, 'late', { after: 1 }),
      (e) => e instanceof RunTakenOver && e.phase === 'claim' && e.newer?.label === 'C',
    );
    expect(readdirSync(join(runDir, OWNER_DIR))).toEqual(['epoch-000003']);
    expect(c.holds()).toBe(true);
  });

  it('claims a run recorded before owners were kept as epoch 1, and never creates a missing run folder', () => {
    const old = join(root, 'old-run');
    mkdirSync(old);
    expect(currentEpoch(old)).toBe(0);
    expect(RunOwner.claim(old, 'pnpm eval').epoch).toBe(1);
    expect(() => RunOwner.claim(join(root, 'missing'), 'x')).toThrow(/ENOENT/);
    expect(existsSync(join(root, 'missing'))).toBe(false);
  });

  it('moves an unreadable checkpoint aside only as the owner', async () => {
    const { runDir, owner: a } = await createRunDir(root, 'cfg');
    await saveCheckpoint(a, { step: 5, arrays: {}, state: {}, time: 0, config: '' });
    const b = RunOwner.claim(runDir, 'B');
    await expect(setAsideCheckpoint(a, checkpointPath(runDir, 5))).rejects.toBeInstanceOf(RunTakenOver);
    expect(existsSync(checkpointPath(runDir, 5))).toBe(true);
    expect(await setAsideCheckpoint(b, checkpointPath(runDir, 5))).toBe(
      `${checkpointPath(runDir, 5)}.unreadable`,
    );
  });

  it('twelve processes claiming one run at once: exactly one wins, the others name it', async () => {
    const { runDir } = await createRunDir(root, 'cfg');
    const seen = currentEpoch(runDir);
    const script = `
      import { RunOwner, RunTakenOver } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
      const [runDir, label, after, go] = process.argv.slice(-4);
      while (Date.now() < Number(go)) {}
      try {
        const o = RunOwner.claim(runDir, label, { after: Number(after) });
        console.log(JSON.stringify({ won: o.epoch }));
      } catch (e) {
        if (!(e instanceof RunTakenOver)) throw e;
        console.log(JSON.stringify({ lost: e.newer }));
      }`;
    const go = Date.now() + 1500; // all of them spin until then, so the claims really overlap
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            TSX_LOADER,
            '--input-type=module',
            '-e',
            script,
            runDir,
            `p${i}`,
            String(seen),
            String(go),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        return new Promise<{ won?: number; lost?: OwnerClaim | null }>((resolve, reject) =>
          child.on('exit', (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`)),
          ),
        );
      }),
    );
    const winners = results.filter((r) => r.won !== undefined);
    expect(winners).toEqual([{ won: 2 }]);
    const claim = currentClaim(runDir);
    for (const r of results.filter((x) => x.lost !== undefined)) expect(r.lost).toEqual(claim);
    expect(readdirSync(join(runDir, OWNER_DIR))).toEqual(['epoch-000002']);
  }, 60_000);

  it('rows a revoked owner appends are not in the file the next owner keeps', async () => {
    const { runDir, owner: a } = await createRunDir(root, 'cfg');
    const log = openMetricsLog(a, { fsyncIntervalMs: 0 });
    for (let step = 1; step <= 3; step++) log.write({ step });
    RunOwner.claim(runDir, 'B');
    expect(() => log.write({ step: 4 })).toThrow(RunTakenOver);
    log.close();
    expect(readJsonlSync(metricsPath(runDir)).rows).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    rmSync(runDir, { recursive: true });
  });
});
