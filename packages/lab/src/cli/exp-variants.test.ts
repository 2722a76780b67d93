/**
 * The same bits on every x86-64: the article's `decay` and `failed-2` and the `baseline` config,
 * 300 steps each, trained with every native variant this CPU runs (forced with
 * `--backend native:<variant>`), give byte-identical metrics.jsonl, eval.jsonl, sample grids and
 * checkpoints (all of a checkpoint but the wall-clock time it records). The kernels' side of it is packages/tensor/src/backends/variants.test.ts.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, readMetaSync } from '@gan/runs';
import { loadNativeBackend, missingCpuFeatures, REPRODUCIBLE_VARIANTS } from '@gan/tensor';
import { describeWith, twoVariants } from '../../../../test-support/requirements.ts';
import { EXP, TSX, tempDirs } from './cli.test-util.ts';

const tempDir = tempDirs('exp-variants-');
const loaded = loadNativeBackend();
const variants = REPRODUCIBLE_VARIANTS.filter((v) => missingCpuFeatures(v).length === 0);
const comparable = twoVariants(loaded.backend === null ? loaded.reason : null, variants);

function exp(args: string[], cwd: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', TSX, EXP, ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

/**
 * A checkpoint's bytes but its `time` (the wall-clock seconds trained, in its metadata): the
 * tensors, their header and the training state.
 */
function checkpointBytes(path: string): Buffer {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  expect(header.__metadata__.time).toBeDefined();
  delete header.__metadata__.time;
  return Buffer.concat([Buffer.from(JSON.stringify(header)), file.subarray(8 + headerLength)]);
}

/** Every file of a run that the seed and the kernels decide: logs, sample grids, checkpoints. */
function runBytes(runDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of ['metrics.jsonl', 'eval.jsonl']) files.set(name, readFileSync(join(runDir, name)));
  for (const name of readdirSync(join(runDir, 'samples')).sort())
    files.set(`samples/${name}`, readFileSync(join(runDir, 'samples', name)));
  for (const name of readdirSync(join(runDir, 'checkpoints')).sort())
    files.set(`checkpoints/${name}`, checkpointBytes(join(runDir, 'checkpoints', name)));
  return files;
}

describeWith(comparable, `the same run on every native variant (${variants.join(', ')})`, () => {
  for (const config of ['decay', 'failed-2', 'baseline']) {
    it(`${config}, 300 steps: byte-identical metrics, evaluations, samples and checkpoints`, {
      timeout: 600_000,
    }, async () => {
      const dir = tempDir();
      const runs = new Map<string, Map<string, Buffer>>();
      for (const variant of variants) {
        const experiments = join(dir, variant);
        const args = [join(projectRoot(), 'configs', `${config}.yaml`), 'train.steps=300'];
        args.push('log.checkpointEvery=100', '--backend', `native:${variant}`);
        const r = await exp([...args, '--no-dashboard', '--experiments', experiments], dir);
        expect(r.code, r.err).toBe(0);
        const [id] = readdirSync(join(experiments, config));
        const runDir = join(experiments, config, id);
        expect(readMetaSync(runDir).kernels?.variant).toBe(variant);
        runs.set(variant, runBytes(runDir));
      }
      const [first, ...others] = variants;
      const expected = runs.get(first)!;
      expect(expected.size).toBeGreaterThan(4);
      for (const variant of others) {
        const got = runs.get(variant)!;
        expect([...got.keys()], variant).toEqual([...expected.keys()]);
        for (const [name, bytes] of expected)
          expect(got.get(name)!.equals(bytes), `${name}: ${variant} differs from ${first}`).toBe(true);
      }
    });
  }
});

describe('the variants compared', () => {
  it('are the reproducible ones: baseline-fast is left out by name', () => {
    expect(REPRODUCIBLE_VARIANTS).not.toContain('baseline-fast');
    expect(REPRODUCIBLE_VARIANTS).toContain('baseline');
  });
});
