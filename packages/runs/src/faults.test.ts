import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunOwner } from './owner.ts';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.ts';
import { installFaults, parseFaultSpec } from './faults.ts';
import { JsonlWriter, readJsonlSync } from './jsonl.ts';
import { newRunMeta, readMetaSync, type RunEnvironment, writeMetaSync } from './meta.ts';
import { metaPath } from './paths.ts';
import { removeStaleTempFiles } from './resume.ts';
import { TSX_LOADER as tsx } from '../../../test-support/tsx.ts';

/** A claim of `d` by this test: every write to a run folder comes from its owner. */
const own = (d: string) => RunOwner.claim(d, 'test');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-faults-'));
});
afterEach(async () => {
  installFaults([]);
  await rm(dir, { recursive: true, force: true });
});

describe('parseFaultSpec', () => {
  it('reads rules separated by commas', () => {
    expect(
      parseFaultSpec('ENOSPC:metrics.jsonl:append:20, kill:checkpoints/:rename:2,EIO:*:any:3:sticky'),
    ).toEqual([
      { action: 'ENOSPC', file: 'metrics.jsonl', op: 'append', n: 20, sticky: false },
      { action: 'kill', file: 'checkpoints/', op: 'rename', n: 2, sticky: false },
      { action: 'EIO', file: '*', op: 'any', n: 3, sticky: true },
    ]);
  });

  it.each([
    ['ENOSPC:metrics.jsonl:append', /"ENOSPC:metrics.jsonl:append": 3 fields/],
    ['EPERM:x:write:1', /unknown action "EPERM"/],
    ['EIO:x:truncate:1', /unknown op "truncate"/],
    ['EIO:x:write:0', /n must be an integer >= 1, got "0"/],
    ['EIO:x:write:1:always', /the fifth field can only be "sticky"/],
  ])('names what is wrong with "%s"', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('injected faults', () => {
  it('ENOSPC on a log line: part of the line goes out, the error names the file, earlier lines stay whole', () => {
    const path = join(dir, 'metrics.jsonl');
    installFaults(parseFaultSpec('ENOSPC:metrics.jsonl:append:3'));
    const log = new JsonlWriter(path, { fsyncIntervalMs: 0 });
    log.write({ step: 1 });
    log.write({ step: 2 });
    expect(() => log.write({ step: 3, dLoss: 0.5 })).toThrow(
      `could not write ${path}: ENOSPC: no space left on device, append '${path}' (injected)`,
    );
    log.close();
    const { rows, summary } = readJsonlSync(path);
    expect(rows).toEqual([{ step: 1 }, { step: 2 }]);
    expect(summary.truncated).toBe(true);
  });

  it('EIO on a rename: the target keeps its old content, no temp file is left', async () => {
    const path = join(dir, 'samples.gif');
    writeFileSync(path, 'old');
    installFaults(parseFaultSpec('EIO:samples.gif:rename:2'));
    await writeFileAtomic(path, 'first');
    await expect(writeFileAtomic(path, 'second')).rejects.toThrow(/could not write .*samples\.gif: EIO/);
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['samples.gif']);
  });

  it('a disk that stays full: meta.json still records the failure, rewritten in place', () => {
    const runDir = dir;
    const environment = {
      command: [],
      cwd: '/',
      git: { commit: null, dirty: null },
      node: '',
      platform: '',
      host: { cpu: '', cores: 1, memoryGB: 1 },
    } satisfies RunEnvironment;
    const meta = newRunMeta({
      name: 'x',
      runId: 'r',
      seed: 1,
      totalSteps: 10,
      backend: 'reference',
      environment,
      owner: { epoch: 1, label: 'test' },
    });
    writeMetaSync(own(runDir), meta);
    installFaults(parseFaultSpec('ENOSPC:*:any:1:sticky'));
    expect(() => writeFileAtomicSync(join(dir, 'other.json'), '{}')).toThrow(/ENOSPC/);
    const error = `could not write ${join(dir, 'metrics.jsonl')}: ENOSPC: no space left on device`;
    writeMetaSync(own(runDir), { ...meta, status: 'failed', error, endedAt: new Date().toISOString() });
    expect(readMetaSync(runDir)).toMatchObject({ status: 'failed', error });
    expect(readdirSync(dir).sort()).toEqual(['.owner', 'meta.json']);
    // An I/O error is not a full disk: nothing is overwritten in place then.
    installFaults(parseFaultSpec('EIO:meta.json:write:1'));
    expect(() => writeMetaSync(own(runDir), { ...meta, status: 'completed' })).toThrow(/EIO/);
    expect(readMetaSync(runDir).status).toBe('failed');
    expect(existsSync(metaPath(runDir))).toBe(true);
  });

  it('kill: the process dies at that very operation, and a resume clears what it left', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = [
      `import { installFaults, parseFaultSpec } from ${JSON.stringify(join(here, 'faults.ts'))};`,
      `import { writeFileAtomicSync } from ${JSON.stringify(join(here, 'atomic.ts'))};`,
      `installFaults(parseFaultSpec('kill:checkpoints/:rename:2'));`,
      `writeFileAtomicSync(${JSON.stringify(join(dir, 'checkpoints', 'a'))}, 'a');`,
      `writeFileAtomicSync(${JSON.stringify(join(dir, 'checkpoints', 'b'))}, 'b');`,
      `console.log('not killed');`,
    ].join('\n');
    writeFileSync(join(dir, 'kill.mts'), script);
    writeFileSync(join(dir, 'meta.json'), '{}');
    mkdirSync(join(dir, 'checkpoints'));
    const child = spawnSync(process.execPath, ['--import', tsx, join(dir, 'kill.mts')], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toBe('');
    const left = readdirSync(join(dir, 'checkpoints'));
    expect(left.sort()).toEqual(['a', expect.stringMatching(/^\.b\.\d+\.[0-9a-f]{12}\.tmp$/)].sort());
    expect(await removeStaleTempFiles(dir)).toEqual([join(dir, 'checkpoints', left.find((n) => n !== 'a')!)]);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['a']);
  });

  it('pause: the process stops at that very operation and goes on with it when continued', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = [
      `import { installFaults, parseFaultSpec } from ${JSON.stringify(join(here, 'faults.ts'))};`,
      `import { writeFileAtomicSync } from ${JSON.stringify(join(here, 'atomic.ts'))};`,
      `installFaults(parseFaultSpec('pause:checkpoints/:rename:2'));`,
      `writeFileAtomicSync(${JSON.stringify(join(dir, 'checkpoints', 'a'))}, 'a');`,
      `writeFileAtomicSync(${JSON.stringify(join(dir, 'checkpoints', 'b'))}, 'b');`,
      `console.log('continued');`,
    ].join('\n');
    writeFileSync(join(dir, 'pause.mts'), script);
    mkdirSync(join(dir, 'checkpoints'));
    const child = spawn(process.execPath, ['--import', tsx, join(dir, 'pause.mts')], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const state = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1][0];
    for (let i = 0; i < 200 && !(existsSync(`/proc/${child.pid}`) && state() === 'T'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(state()).toBe('T'); // stopped, with b's temp file written and not yet renamed
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(
      ['a', expect.stringMatching(/^\.b\.\d+\.[0-9a-f]{12}\.tmp$/)].sort(),
    );
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGCONT');
    expect(await exited).toBe(0);
    expect(out).toBe('continued\n');
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['a', 'b']);
  });
});
