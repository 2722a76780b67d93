/**
 * `pnpm exp` refuses what cannot work before it does harm, at once and saying why: an experiments
 * folder that cannot be created or written, a model too large for the machine, a resume of a run
 * that is still running. (On the code before these checks: `--experiments /proc/x` hung for good,
 * `model.generator.hidden=[100000000]` died with "RangeError: Invalid typed array length".)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itWith, procfs } from '../../../../test-support/requirements.ts';
import { EXP, TINY, TSX, tempDirs } from './cli.test-util.ts';

const newDir = tempDirs('exp-errors-');

function tempDir(): string {
  const d = newDir();
  writeFileSync(join(d, 'tiny.yaml'), TINY);
  return d;
}

/** `pnpm exp args` in `cwd`, killed after `limitMs` (a hang is a failure, not a stuck test run). */
function exp(args: string[], cwd: string, limitMs = 30_000) {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, EXP, ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const started = Date.now();
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise<{ code: number | null; out: string; err: string; ms: number }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    }),
  );
}

describe('pnpm exp refuses at once', { timeout: 60_000 }, () => {
  itWith(procfs, 'an experiments folder under /proc (it hung for good before)', async () => {
    const dir = tempDir();
    const { code, err, ms } = await exp(['tiny.yaml', '--no-dashboard', '--experiments', '/proc/x'], dir);
    expect(code).toBe(2);
    expect(err).toBe(
      'pnpm exp: cannot create the experiments folder /proc/x: /proc does not accept new folders (mkdir /proc/x: ENOENT)\n',
    );
    expect(ms).toBeLessThan(25_000);
  });

  it('an experiments folder with a file in the way', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'runs'), 'not a folder');
    const { code, err } = await exp(['tiny.yaml', '--no-dashboard', '--experiments', 'runs/x'], dir);
    expect(code).toBe(2);
    expect(err).toBe(
      `pnpm exp: cannot create the experiments folder ${join(dir, 'runs/x')}: ${join(dir, 'runs')} is a file, not a folder\n`,
    );
  });

  it('a model too large for this machine, located at the override, before writing anything (a RangeError before)', async () => {
    const dir = tempDir();
    const { code, err } = await exp(
      ['tiny.yaml', 'model.generator.hidden=[100000000]', '--no-dashboard', '--experiments', 'runs'],
      dir,
    );
    expect(code).toBe(2);
    expect(err).toMatch(
      /^command line: model\.generator\.hidden=\[100000000\]: model\.generator\.hidden: about \d+ GB for parameters, gradients and Adam state, .*: \d+ GB in all; this machine has [\d.]+ GB, and a run may plan on at most 75 % of it\n$/,
    );
    expect(err).not.toMatch(/RangeError/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('a bad --fault-inject rule', async () => {
    const dir = tempDir();
    const { code, err } = await exp(['tiny.yaml', '--fault-inject', 'EPERM:x:write:1'], dir);
    expect(code).toBe(2);
    expect(err).toMatch(/^pnpm exp: --fault-inject: fault rule "EPERM:x:write:1": unknown action "EPERM"/);
    expect(readdirSync(dir)).toEqual(['tiny.yaml']);
  });
});

describe('pnpm exp --dry-run', { timeout: 60_000 }, () => {
  it('prints the networks layer by layer and writes nothing', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'conv.yaml'),
      [
        'data: { dataset: mnist, batchSize: 8 }',
        'model:',
        '  z: { size: 16 }',
        '  generator:',
        '    layers: [{ linear: 196 }, batchNorm, relu, { reshape: [4, 7, 7] },',
        '      { convTranspose: { channels: 1, kernel: 4, stride: 4 } }, tanh]',
        '  discriminator:',
        '    layers: [{ conv: { channels: 4, kernel: 4, stride: 2, padding: 1 } }, leakyRelu, flatten, { linear: 1 }]',
        '',
      ].join('\n'),
    );
    const { code, out } = await exp(['conv.yaml', '--dry-run', '--experiments', 'runs'], dir);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.slice(1, 13)).toEqual([
      'generator (layer list): input [16], 3,789 parameters',
      '  generator.0  linear                                [196]        3,332',
      '  generator.1  batchNorm                             [196]          392',
      '  generator.2  relu                                  [196]',
      '  generator.3  reshape                               [4, 7, 7]',
      '  generator.4  convTranspose 4x4 stride 4 padding 0  [1, 28, 28]     65',
      '  generator.5  tanh                                  [1, 28, 28]',
      'discriminator (layer list): input [1, 28, 28], 853 parameters',
      '  discriminator.0  conv 4x4 stride 2 padding 1  [4, 14, 14]   68',
      '  discriminator.1  leakyRelu 0.2                [4, 14, 14]',
      '  discriminator.2  flatten                      [784]',
      '  discriminator.3  linear                       [1]          785',
    ]);
    expect(out).toContain('dry run: the config is valid; nothing was trained or written');
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('refuses a layer list that does not fit, at its line', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'model:\n  discriminator:\n    layers:\n      - conv: { channels: 4, kernel: 3 }\n      - linear: 1\n',
    );
    const { code, err } = await exp(['bad.yaml', '--dry-run'], dir);
    expect(code).toBe(2);
    expect(err).toBe(
      'bad.yaml:5:9: model.discriminator.layers[1]: linear takes flat features, got an image [4, 26, 26]: add flatten before it\n',
    );
  });
});
