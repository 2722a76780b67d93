/**
 * The transcription's Adam runs in place (numpy's out=) for speed; the files write a new array for
 * every operation. Both must give the same bits: replay a traced run both ways and compare.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '@gan/runs';
import { afterAll, describe, expect, it } from 'vitest';
import { HARNESS, PYTHON, tracedRun } from './parity.ts';

const runs: string[] = [];
afterAll(() => {
  for (const r of runs) rmSync(dirname(dirname(r)), { recursive: true, force: true });
});

describe("the transcription's in-place Adam", { timeout: 120_000 }, () => {
  it.each(['float32', 'float64'])("is bit-identical to the files' lines in %s", async (precision) => {
    const runDir = await tracedRun({ config: join(projectRoot(), 'configs', 'failed-1.yaml'), steps: 30 });
    runs.push(runDir);
    const res = spawnSync(PYTHON, [HARNESS, runDir, '--check-inplace-adam', '--precision', precision], {
      encoding: 'utf8',
    });
    expect(res.stdout).toContain('bit-identical');
    expect(res.status).toBe(0);
  });
});
