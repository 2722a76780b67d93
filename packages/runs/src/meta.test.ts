import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunOwner } from './owner.ts';
import { commandRuns, itWith, type Requirement } from '../../../test-support/requirements.ts';
import { RunFormatError } from './errors.ts';
import {
  collectEnvironment,
  lastActivity,
  newRunMeta,
  readMeta,
  readMetaSync,
  type RunEnvironment,
  type RunMeta,
  updateMeta,
  updateMetaSync,
  writeMeta,
} from './meta.ts';
import { metaPath, metricsPath } from './paths.ts';

/** A claim of `d` by this test: every write to a run folder comes from its owner. */
const own = (d: string) => RunOwner.claim(d, 'test');

const gitInstalled: Requirement = {
  missing: commandRuns('git', ['--version']) ? null : 'git not found',
  enable: 'apt-get install git (pnpm test installs it)',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const environment: RunEnvironment = {
  command: ['node', 'exp.ts', 'configs/seed.yaml'],
  cwd: '/home/me/gan',
  git: { commit: null, dirty: null },
  node: 'v20.19.0',
  platform: 'linux',
  host: { cpu: 'Test CPU', cores: 8, memoryGB: 15.6 },
};

function sampleMeta(): RunMeta {
  return newRunMeta({
    name: 'seed-mlp',
    runId: '20261126-153012-a3f9',
    seed: 42,
    totalSteps: 1000,
    backend: 'reference',
    environment,
    startedAt: new Date('2026-11-26T15:30:12.345Z'),
    owner: { epoch: 1, label: 'test' },
  });
}

describe('newRunMeta', () => {
  it('starts a running run with nothing ended or evaluated', () => {
    const meta = sampleMeta();
    expect(meta).toMatchObject({
      formatVersion: 1,
      status: 'running',
      startedAt: '2026-11-26T15:30:12.345Z',
      endedAt: null,
      step: 0,
      resumedFrom: null,
      error: null,
      divergedAt: null,
      latestEval: null,
      stepsPerSec: null,
      host: environment.host,
    });
  });
});

describe('meta.json', () => {
  it('round-trips and updates', async () => {
    const meta = sampleMeta();
    await writeMeta(own(dir), meta);
    expect(await readMeta(dir)).toEqual(meta);
    const updated = await updateMeta(own(dir), {
      status: 'diverged',
      step: 312,
      divergedAt: 313,
      latestEval: { step: 300, modes: 1 },
      endedAt: '2026-11-26T15:31:00.000Z',
    });
    expect(updated.status).toBe('diverged');
    expect(readMetaSync(dir)).toEqual(updated);
    updateMetaSync(own(dir), { stepsPerSec: 12.5 });
    expect((await readMeta(dir)).stepsPerSec).toBe(12.5);
    expect((await readdir(dir)).sort()).toEqual(['.owner', 'meta.json']);
  });

  it('refuses to write a wrong meta and keeps the old file', async () => {
    await writeMeta(own(dir), sampleMeta());
    const before = await readFile(metaPath(dir), 'utf8');
    await expect(updateMeta(own(dir), { status: 'done' as RunMeta['status'] })).rejects.toThrow(/status/);
    expect(await readFile(metaPath(dir), 'utf8')).toBe(before);
  });

  it('names the file and the problem on bad JSON', async () => {
    await writeFile(metaPath(dir), '{"formatVersion": 1, ');
    const error = await readMeta(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFormatError);
    expect((error as RunFormatError).file).toBe(metaPath(dir));
    expect((error as Error).message).toMatch(new RegExp(`^${escapeRegExp(metaPath(dir))}: invalid JSON`));
  });

  it('lists every wrong field of a wrong shape', async () => {
    const bad = { ...sampleMeta(), status: 'done', step: -1, startedAt: 'yesterday' } as Record<
      string,
      unknown
    >;
    delete bad.git;
    await writeFile(metaPath(dir), JSON.stringify(bad));
    const message = await readMeta(dir).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toContain(`${metaPath(dir)}: not a valid run meta file`);
    for (const field of ['status:', 'step:', 'startedAt:', 'git:']) expect(message).toContain(`  ${field}`);
    expect(message).not.toContain('seed:');
  });

  it('reads a meta written before peakMemoryMB existed, and keeps only the known fields in their order', async () => {
    const { peakMemoryMB: _, ...old } = sampleMeta();
    await writeFile(metaPath(dir), JSON.stringify({ extra: 1, ...old }));
    const meta = await readMeta(dir);
    expect(meta.peakMemoryMB).toBeNull();
    expect(Object.keys(meta)).toEqual(Object.keys(sampleMeta()));
  });

  it('reads a meta written before process and heartbeatAt existed (as null), and checks them when there', async () => {
    const { process: _p, heartbeatAt: _h, ...old } = sampleMeta();
    await writeFile(metaPath(dir), JSON.stringify(old));
    expect(await readMeta(dir)).toMatchObject({ process: null, heartbeatAt: null });
    const bad = { ...sampleMeta(), process: { pid: 0, hostname: 'vm' }, heartbeatAt: 'now' };
    await writeFile(metaPath(dir), JSON.stringify(bad));
    const message = await readMeta(dir).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toContain('  process: pid: expected an integer > 0, got 0');
    expect(message).toContain('  heartbeatAt: expected an ISO 8601 UTC time or null, got "now"');
  });

  it('reads a meta written before kernels were recorded (null, no history), and checks them when there', async () => {
    const { kernels: _k, kernelHistory: _h, ...old } = sampleMeta();
    await writeFile(metaPath(dir), JSON.stringify(old));
    expect(await readMeta(dir)).toMatchObject({ backend: 'reference', kernels: null, kernelHistory: [] });
    const kernels = {
      backend: 'native',
      variant: 'avx2',
      simd: 'avx2',
      cpuFeatures: ['avx2', 'fma'],
      compiler: 'g++ 12.2.0',
      flags: '-O3 -march=x86-64-v3',
      bits: 'native a1b2c3',
    };
    const history = [{ fromStep: 0, toStep: 3000, kernels: { ...kernels, variant: 'avx512' } }];
    await writeFile(
      metaPath(dir),
      JSON.stringify({
        ...sampleMeta(),
        kernels,
        kernelHistory: [...history, { fromStep: 3000, toStep: 3000, kernels: null }],
      }),
    );
    const message = await readMeta(dir).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toContain('  kernelHistory: [1].toStep: expected an integer > fromStep, got 3000');
    await writeFile(
      metaPath(dir),
      JSON.stringify({
        ...sampleMeta(),
        kernels: { ...kernels, cpuFeatures: 'avx2' },
        kernelHistory: history,
      }),
    );
    await expect(readMeta(dir)).rejects.toThrow(
      '  kernels: cpuFeatures: expected a list of strings, got "avx2"',
    );
    await writeMeta(own(dir), { ...sampleMeta(), kernels, kernelHistory: history });
    expect(await readMeta(dir)).toMatchObject({ kernels, kernelHistory: history });
  });

  it('records the process that runs it, and its first heartbeat at the start', () => {
    const meta = sampleMeta();
    expect(meta.process).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(meta.heartbeatAt).toBe(meta.startedAt);
  });

  it('says when the format version is not one it reads', async () => {
    await writeFile(metaPath(dir), JSON.stringify({ ...sampleMeta(), formatVersion: 2 }));
    await expect(readMeta(dir)).rejects.toThrow(/unsupported formatVersion 2 \(this version reads 1\)/);
  });
});

describe('lastActivity', () => {
  it('is the newest write of meta.json and metrics.jsonl, 0 for neither', async () => {
    expect(await lastActivity(dir)).toBe(0);
    await writeMeta(own(dir), sampleMeta());
    await utimes(metaPath(dir), 1000, 1000);
    expect(await lastActivity(dir)).toBe(1_000_000);
    await writeFile(metricsPath(dir), '{"step":1}\n');
    await utimes(metricsPath(dir), 2000, 2000);
    expect(await lastActivity(dir)).toBe(2_000_000);
  });
});

describe('collectEnvironment', () => {
  it('describes this process and machine', async () => {
    const env = await collectEnvironment(dir);
    expect(env.cwd).toBe(dir);
    expect(env.command).toEqual(process.argv);
    expect(env.node).toBe(process.version);
    expect(env.platform).toBe(process.platform);
    expect(env.host.cores).toBeGreaterThanOrEqual(1);
    expect(env.host.memoryGB).toBeGreaterThan(0);
    expect(env.host.cpu.length).toBeGreaterThan(0);
  });

  it('tolerates a folder that is not a git repository', async () => {
    expect((await collectEnvironment(dir)).git).toEqual({ commit: null, dirty: null });
  });

  itWith(gitInstalled, 'reads the commit and whether the work tree is dirty', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
    git('init', '-q');
    await writeFile(join(dir, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    expect((await collectEnvironment(dir)).git).toEqual({ commit: head, dirty: false });
    await writeFile(join(dir, 'a.txt'), 'changed');
    expect((await collectEnvironment(dir)).git).toEqual({ commit: head, dirty: true });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
