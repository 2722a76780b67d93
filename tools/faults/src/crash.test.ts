/**
 * A run killed with kill -9: `pnpm report` shows it `crashed` at once (it showed `running` for
 * the 10 minutes of its stale heuristic before), `pnpm exp --resume` says it had crashed and
 * finishes it, and `pnpm report` then shows it completed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRunDirs, projectRoot } from '@gan/runs';
import { afterAll, describe, expect, it } from 'vitest';
import { RING_CONFIG, runExp, startExp } from './exp.ts';
import { TSX_LOADER as TSX } from '../../../test-support/tsx.ts';

const work = mkdtempSync(join(tmpdir(), 'crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `pnpm report --json` over `experiments`: each run's status. */
function reportStatuses(experiments: string): string[] {
  const report = join(projectRoot(), 'packages/report/src/cli.ts');
  const r = spawnSync(process.execPath, ['--import', TSX, report, '--json', '--experiments', experiments], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { runs: { status: string }[] }).runs.map((x) => x.status);
}

describe('a run killed with kill -9', () => {
  it('is crashed in pnpm report at once, and --resume says so and finishes it', {
    timeout: 180_000,
  }, async () => {
    writeFileSync(join(work, 'ring.yaml'), RING_CONFIG);
    const p = startExp(['ring.yaml', 'train.steps=100000', '--no-dashboard', '--experiments', 'runs'], work);
    let out = ''; // whole lines: a chunk may end mid-line
    p.child.stdout?.on('data', (d: Buffer) => {
      out += d;
      if (/^step=200\//m.test(out)) p.kill();
    });
    const killed = await p.done;
    expect(killed.signal).toBe('SIGKILL');
    const experiments = join(work, 'runs');
    expect(reportStatuses(experiments)).toEqual(['crashed']);

    const [run] = (await listRunDirs(experiments)).runs;
    const resumed = await runExp(['--resume', run.runDir, 'train.steps=600', '--no-dashboard'], work);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/^the run crashed at step \d+ or later: process \d+ on \S+ is gone$/m);
    expect(resumed.out).toMatch(/^resuming from \S+step-\d+\.safetensors \(step \d+\)$/m);
    expect(reportStatuses(experiments)).toEqual(['completed']);
  });
});
