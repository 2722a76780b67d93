import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach } from 'vitest';
import { createRunDir, OWNER_DIR, type RunEnvironment, RunOwner, writeRunConfigSync } from '@gan/runs';
import { configFromObject, type ExperimentConfig, serializeConfig } from '@gan/training';
import { createControl, requestStop } from './control.ts';
import type { RunEvent } from './events.ts';
import { runSession } from './session.ts';

/** A fixed machine description, so test runs do not shell out to git. */
export const testEnvironment: RunEnvironment = {
  command: ['test'],
  cwd: '/',
  git: { commit: null, dirty: null },
  node: process.version,
  platform: process.platform,
  host: { cpu: 'test', cores: 1, memoryGB: 1 },
};

/** A config that trains in well under a second: the 2-D ring with tiny MLPs; `overrides` replace top-level sections. */
export function ringConfig(name: string, overrides: Record<string, unknown> = {}): ExperimentConfig {
  return configFromObject(
    {
      name,
      seed: 5,
      data: { dataset: 'gaussians8', batchSize: 16, limit: 2000 },
      model: {
        z: { size: 4 },
        generator: { hidden: [16], output: 'identity' },
        discriminator: { hidden: [16] },
      },
      optim: { generator: { lr: 1e-3 }, discriminator: { lr: 1e-3 } },
      train: { steps: 60 },
      log: { every: 5, samplesEvery: 20, checkpointEvery: 20 },
      eval: { atEnd: false },
      ...overrides,
    },
    `${name}.yaml`,
  );
}

/** Temporary folders made by {@link runInTemp}, removed after each test of the file that imports this. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Runs a session in-process in a new temporary run folder (or resumes `resumeDir`), optionally
 * asking it to stop once a metrics row reaches `stopAfterStep`.
 */
export async function runInTemp(
  config: ExperimentConfig,
  opts: { stopAfterStep?: number; resumeDir?: string; backend?: string } = {},
): Promise<{ runDir: string; status: string; events: RunEvent[] }> {
  let runDir = opts.resumeDir;
  let runId = 'resumed';
  let owner: RunOwner;
  if (runDir === undefined) {
    const root = mkdtempSync(join(tmpdir(), 'session-'));
    dirs.push(root);
    ({ runDir, runId, owner } = await createRunDir(root, config.name));
  } else owner = RunOwner.claim(runDir, 'resume');
  writeRunConfigSync(owner, serializeConfig(config));
  const control = createControl();
  const events: RunEvent[] = [];
  const { status } = await runSession({
    config,
    configText: serializeConfig(config),
    runDir,
    runId,
    owner: owner.token,
    environment: testEnvironment,
    backend: opts.backend ?? 'reference',
    resume: opts.resumeDir !== undefined,
    control,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'metrics' && opts.stopAfterStep !== undefined && e.row.step >= opts.stopAfterStep) {
        requestStop(control);
      }
    },
  });
  return { runDir, status, events };
}

/**
 * Every file of a run folder but its owners' capabilities, with its bytes (base64) and mtime: two
 * snapshots are equal only if nothing was written in between.
 */
export function snapshotRun(runDir: string): Record<string, { bytes: string; mtimeMs: number }> {
  const out: Record<string, { bytes: string; mtimeMs: number }> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== OWNER_DIR) walk(path);
      } else
        out[relative(runDir, path)] = {
          bytes: readFileSync(path, 'base64'),
          mtimeMs: statSync(path).mtimeMs,
        };
    }
  };
  walk(runDir);
  return out;
}
