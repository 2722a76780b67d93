/**
 * The suite's checks can fail: on a copy of a completed run, spoiled one way at a time, each check
 * the suite relies on (byte-identical to the twin, readable, a true status, no temp file left)
 * reports the damage. A suite whose checks passed anything would show 0 runs lost for nothing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { currentProcess, metricsPath, readMetaSync, samplesDir } from '@gan/runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences, runFiles } from './exp.ts';
import { inspectFolder, phaseOf, unreadableFolders } from './folder.ts';
import { runTwin, type Twin } from './kills.ts';

const work = mkdtempSync(join(tmpdir(), 'fault-checks-'));
let twin: Twin;
let copies = 0;

beforeAll(async () => {
  twin = await runTwin(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the twin's run folder, in an experiments folder of its own. */
function copyOfTwin(): string {
  const to = join(work, `copy-${copies++}`, basename(dirname(twin.runDir)), basename(twin.runDir));
  cpSync(twin.runDir, to, { recursive: true });
  return to;
}

describe("the fault suite's checks", () => {
  it('pass the twin itself', async () => {
    const run = copyOfTwin();
    expect(differences(runFiles(run), twin.files)).toEqual([]);
    const state = await inspectFolder(run, true);
    expect(state).toEqual({ status: 'completed', problems: [], tempFiles: [] });
  });

  it('see one byte changed in metrics.jsonl, and a sample grid missing', () => {
    const run = copyOfTwin();
    const bytes = readFileSync(metricsPath(run));
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(metricsPath(run), bytes);
    unlinkSync(join(samplesDir(run), 'step-000300.png'));
    expect(differences(runFiles(run), twin.files)).toEqual([
      'metrics.jsonl differs from the uninterrupted twin',
      'samples/step-000300.png differs (or is missing or extra)',
    ]);
  });

  it('see a run shown running although its process is gone (a live process stands in here)', async () => {
    const run = copyOfTwin();
    const meta = { ...readMetaSync(run), status: 'running', endedAt: null, process: currentProcess() };
    writeFileSync(join(run, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    const state = await inspectFolder(run, true);
    expect(state.status).toBe('running');
    expect(state.problems.join('\n')).toMatch(/the report says running .* although its process is gone/);
  });

  it('see an unreadable meta.json, and a run folder without one', async () => {
    const run = copyOfTwin();
    writeFileSync(join(run, 'meta.json'), '{"status": "runn');
    expect((await inspectFolder(run, true)).problems.join('\n')).toMatch(/meta\.json unreadable/);
    unlinkSync(join(run, 'meta.json'));
    expect(await unreadableFolders(dirname(dirname(run)))).toEqual([`${run}: not a run (no meta.json)`]);
    expect((await inspectFolder(run, true)).problems.join('\n')).toMatch(/is not listed as a run/);
  });

  it('see a temp file left by a cut-short write, and tell its phase', async () => {
    const run = copyOfTwin();
    writeFileSync(join(samplesDir(run), '.step-000650.png.1234.tmp'), 'half a grid');
    expect((await inspectFolder(run, true)).tempFiles).toEqual(['samples/.step-000650.png.1234.tmp']);
    expect(await phaseOf(run, true, false)).toBe('sample grid write');
  });
});
