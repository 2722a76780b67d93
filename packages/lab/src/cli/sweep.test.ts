import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listSweepsSync, metricsPath, readMemberRuns, readMetaSync, readSweepMembers } from '@gan/runs';
import { EXP, SWEEP, TSX, tempDirs } from './cli.test-util.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..', '..', '..');
const tempDir = tempDirs('sweep-cli-');

function run(script: string, args: string[], cwd = ROOT) {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, script, ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done, output: () => out };
}

describe('pnpm exp --multirun and pnpm sweep', { timeout: 240_000 }, () => {
  it('runs configs/smoke.yaml seed=1,2,3 with --jobs 2: three ordinary runs listed in the sweep folder', async () => {
    const dir = tempDir();
    const { code, out, err } = await run(EXP, [
      'configs/smoke.yaml',
      'seed=1,2,3',
      '--multirun',
      '--jobs',
      '2',
      '--experiments',
      dir,
    ]).done;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^running 2 at once, 1 kernel thread each$/m);
    const [sweep] = listSweepsSync(dir);
    expect(sweep.id).toMatch(/-smoke$/);
    const runs = await readMemberRuns(sweep.dir);
    expect([...runs.keys()].sort()).toEqual([0, 1, 2]);
    const seeds = [...runs.values()].map((r) => readMetaSync(join(dir, r))).map((m) => [m.status, m.seed]);
    expect(seeds.sort()).toEqual([
      ['completed', 1],
      ['completed', 2],
      ['completed', 3],
    ]);
    expect(readSweepMembers(sweep.dir).map((m) => m.params)).toEqual([{ seed: 1 }, { seed: 2 }, { seed: 3 }]);
    expect(readdirSync(join(dir, 'smoke'))).toHaveLength(3);
    // A member's run is an ordinary run: the same as pnpm exp with that seed.
    const single = await run(EXP, [
      'configs/smoke.yaml',
      'seed=2',
      '--no-dashboard',
      '--experiments',
      join(dir, 'single'),
    ]).done;
    expect(single.code).toBe(0);
    const [alone] = readdirSync(join(dir, 'single', 'smoke'));
    const seed2 = [...runs.values()].find((r) => readMetaSync(join(dir, r)).seed === 2)!;
    expect(readFileSync(metricsPath(join(dir, seed2)), 'utf8')).toBe(
      readFileSync(metricsPath(join(dir, 'single', 'smoke', alone)), 'utf8'),
    );
  });

  it('stops every member on SIGINT (interrupted, exit 130); --resume continues them from their checkpoints', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'long.yaml'),
      'extends: ' +
        join(ROOT, 'configs', 'smoke.yaml') +
        '\ntrain: { steps: 400000 }\nlog: { checkpointEvery: 1000, samplesEvery: 100000, printEvery: 1000, gif: false }\neval: { atEnd: false }\n',
    );
    writeFileSync(join(dir, 's.yaml'), 'configs: [long.yaml]\nseeds: [1, 2, 3]\n');
    const first = run(
      SWEEP,
      [join(dir, 's.yaml'), '--jobs', '2', '--no-dashboard', '--experiments', join(dir, 'exp')],
      dir,
    );
    let sent = false;
    first.child.stdout?.on('data', () => {
      if (!sent && (first.output().match(/^member=\d step=/gm) ?? []).length >= 4) {
        sent = true;
        first.child.kill('SIGINT');
      }
    });
    const guard = setTimeout(() => first.child.kill('SIGKILL'), 90_000);
    const a = await first.done;
    clearTimeout(guard);
    expect(a.code, `${a.out}\n${a.err}`).toBe(130);
    expect(a.err).toMatch(/stopping every member after its step/);
    expect(a.out).toMatch(/resume with: pnpm sweep --resume \S+-s$/m);
    const [sweep] = listSweepsSync(join(dir, 'exp'));
    const runs = await readMemberRuns(sweep.dir);
    expect(runs.size).toBe(2); // the third never started
    for (const r of runs.values()) expect(readMetaSync(join(dir, 'exp', r)).status).toBe('interrupted');

    // Resume with a shorter run: the members' runs continue from their checkpoints.
    const [m0] = [...runs.values()];
    const stoppedAt = readMetaSync(join(dir, 'exp', m0)).step;
    const resumed = run(
      SWEEP,
      ['--resume', sweep.id, '--jobs', '3', '--no-dashboard', '--experiments', join(dir, 'exp')],
      dir,
    );
    let stopping = false;
    resumed.child.stdout?.on('data', () => {
      // Let each resumed member and the new one train a little, then stop again.
      if (!stopping && (resumed.output().match(/^member=2 step=/gm) ?? []).length >= 1) {
        stopping = true;
        resumed.child.kill('SIGINT');
      }
    });
    const guard2 = setTimeout(() => resumed.child.kill('SIGKILL'), 90_000);
    const b = await resumed.done;
    clearTimeout(guard2);
    expect(b.code, `${b.out}\n${b.err}`).toBe(130);
    expect(b.out).toMatch(/^member=0 resumed run=/m);
    expect(b.out).toMatch(/^member=1 resumed run=/m);
    expect(readMetaSync(join(dir, 'exp', m0)).step).toBeGreaterThan(stoppedAt);
    expect(readMetaSync(join(dir, 'exp', m0)).resumedFrom).not.toBeNull();
    expect((await readMemberRuns(sweep.dir)).size).toBe(3);
    expect(readdirSync(join(dir, 'exp', 'long'))).toHaveLength(3);
  });

  it('refuses a bad sweep with a located message and writes nothing', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `configs: [${join(ROOT, 'configs', 'smoke.yaml')}]\ngrid:\n  optim.generator.lr: [1.0e-3, -1]\n`,
    );
    const { code, err } = await run(SWEEP, ['s.yaml', '--experiments', join(dir, 'exp')], dir).done;
    expect(code).toBe(2);
    expect(err).toMatch(/s\.yaml:3:32: optim\.generator\.lr: expected a number > 0, got -1/);
    expect(() => readdirSync(join(dir, 'exp'))).toThrow();
  });
});
