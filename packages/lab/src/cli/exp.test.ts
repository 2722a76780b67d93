import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetaSync } from '@gan/runs';
import { EXP, TINY, TSX, tempDirs } from './cli.test-util.ts';

const tempDir = tempDirs('exp-cli-');

/** Runs `pnpm exp` as a user would (a separate process, not a TTY). */
function exp(
  args: string[],
  cwd: string,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--import', TSX, EXP, ...args], {
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
  return { child, done };
}

// Each test starts Node processes with the TypeScript loader: seconds, not milliseconds.
describe('pnpm exp', { timeout: 60_000 }, () => {
  it('trains a tiny config end to end, with overrides, and records the run', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tiny.yaml'), TINY);
    const { code, out, err } = await exp(
      ['tiny.yaml', 'train.steps=30', 'seed=7', '--no-dashboard', '--experiments', 'runs'],
      dir,
    ).done;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^started name=tiny run=\S+ seed=7 steps=0\/30/m);
    expect(out).toMatch(
      /^step=10\/30 d_loss=\S+ g_loss=\S+ d_real=\S+ d_fake=\S+ lr_d=2\.0e-4 lr_g=2\.0e-4 steps_per_s=/m,
    );
    expect(out).toMatch(/^finished status=completed step=30/m);
    const [runId] = readdirSync(join(dir, 'runs', 'tiny'));
    const runDir = join(dir, 'runs', 'tiny', runId);
    expect(readMetaSync(runDir)).toMatchObject({ status: 'completed', step: 30, seed: 7 });
    for (const f of ['config.yaml', 'meta.json', 'metrics.jsonl', 'samples.gif'])
      expect(existsSync(join(runDir, f)), f).toBe(true);
  });

  it('rejects a bad config with a located message and writes nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), TINY.replace('train: { steps: 40 }', 'train: { stepz: 40 }'));
    const { code, err } = await exp(['bad.yaml', '--no-dashboard', '--experiments', 'runs'], dir).done;
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.yaml:\d+:\d+: train\.stepz: unknown key \(did you mean "steps"\?\)/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('stops cleanly on SIGTERM: checkpoint, status interrupted, exit 130, and resumes', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tiny.yaml'), TINY);
    const { child, done } = exp(
      ['tiny.yaml', 'train.steps=1000000', '--no-dashboard', '--experiments', 'runs'],
      dir,
    );
    child.stdout?.on('data', (d: Buffer) => {
      if (/^step=20\//m.test(d.toString())) child.kill('SIGTERM');
    });
    const { code, out } = await done;
    expect(code).toBe(130);
    expect(out).toMatch(/^finished status=interrupted/m);
    const [runId] = readdirSync(join(dir, 'runs', 'tiny'));
    const runDir = join(dir, 'runs', 'tiny', runId);
    const meta = readMetaSync(runDir);
    expect(meta.status).toBe('interrupted');
    expect(readdirSync(join(runDir, 'checkpoints'))).toContain(
      `step-${String(meta.step).padStart(6, '0')}.safetensors`,
    );

    const resumed = await exp(['--resume', runDir, `train.steps=${meta.step + 10}`, '--no-dashboard'], dir)
      .done;
    expect(resumed.code).toBe(0);
    expect(readMetaSync(runDir)).toMatchObject({ status: 'completed', step: meta.step + 10 });
    const refused = await exp(['--resume', runDir, 'seed=9', '--no-dashboard'], dir).done;
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/may only change train\.steps, log\.\* and eval\.\*; not seed/);
  });
});
