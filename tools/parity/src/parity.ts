/**
 * The parity check as a library, in two modes:
 *
 * - stream (the article's configs, `random.stream: numpy`): train the config in float64 with every
 *   step logged (`pnpm exp`, the real command in its own process); `py/parity.py --stream numpy`
 *   runs the reference file's own loop on numpy's own stream with the same seed and compares every
 *   step, so the draws are checked too (1e-9 relative).
 * - trace (any config on the project's streams): make a traced run (`pnpm exp --trace`) and replay
 *   its draws through the numpy transcription of the reference file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectRoot } from '@gan/runs';

const here = dirname(fileURLToPath(import.meta.url));
export const HARNESS = join(here, '..', 'py', 'parity.py');
const EXP = join(projectRoot(), 'packages', 'lab', 'src', 'cli', 'exp.ts');
// tsx's loader by absolute URL, so the child resolves it whatever its cwd.
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

/** The Python the harness runs with: `$PYTHON`, else python3. */
export const PYTHON = process.env.PYTHON ?? 'python3';

/** Why the harness cannot run here (python3 or numpy missing), with how to fix it; null if it can. */
export function harnessUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    return `${PYTHON} not found: the parity harness is a numpy program (Debian: apt-get install -y python3 python3-numpy)`;
  }
  if (probe.status !== 0) {
    return `${PYTHON} cannot import numpy: install it (Debian: apt-get install -y python3-numpy; or pip install numpy)`;
  }
  return null;
}

/**
 * The overrides a traced run for the harness needs: every step logged, nothing slow, and the
 * project's own streams in float32 (what a trace records; the numpy stream is checked against
 * numpy itself instead, see {@link streamRun}).
 */
export function traceOverrides(steps: number): string[] {
  return [
    'random.stream=xoshiro',
    'train.precision=float32',
    `train.steps=${steps}`,
    'log.every=1',
    `log.printEvery=${steps}`,
    `log.samplesEvery=${steps}`,
    `log.checkpointEvery=${steps}`,
    'log.gif=false',
    'eval.atEnd=false',
    'eval.every=0',
  ];
}

/**
 * The overrides a run checked against numpy's own stream needs: every step logged, float64 (the
 * files' arithmetic), nothing slow.
 */
export function streamOverrides(steps: number): string[] {
  return ['random.stream=numpy', 'train.precision=float64', ...traceOverrides(steps).slice(2)];
}

export interface RunOptions {
  config: string;
  overrides?: string[];
  steps: number;
  experiments?: string;
}

/**
 * Runs `pnpm exp <config> --trace` for `steps` steps in `experiments` (a temporary folder when
 * not given) and resolves with the run folder.
 */
export function tracedRun(opts: RunOptions): Promise<string> {
  return trainRun(opts, [...traceOverrides(opts.steps), ...(opts.overrides ?? []), '--trace']);
}

/** Runs `pnpm exp <config>` on numpy's stream in float64 for `steps` steps; resolves with the run folder. */
export function streamRun(opts: RunOptions): Promise<string> {
  return trainRun(opts, [...streamOverrides(opts.steps), ...(opts.overrides ?? [])]);
}

async function trainRun(opts: RunOptions, extra: string[]): Promise<string> {
  const experiments = opts.experiments ?? mkdtempSync(join(tmpdir(), 'parity-'));
  const args = ['--import', TSX, EXP, opts.config, ...extra, '--no-dashboard', '--experiments', experiments];
  const { code, out, err } = await run(process.execPath, args, projectRoot());
  const folder = /^run folder: (.+)$/m.exec(out)?.[1];
  if (code !== 0 || folder === undefined) {
    throw new Error(`pnpm exp ${opts.config} ${extra.join(' ')} failed (exit ${code}):\n${err || out}`);
  }
  return folder;
}

/** What py/parity.py reports (its --json). */
export interface HarnessReport {
  passed: boolean;
  reference: string;
  config: string;
  precision: 'float32' | 'float64';
  steps: number;
  divergedAt: number | null;
  /** Stream mode: the first step that failed, or null. */
  firstFailure?: { step: number; value: string } | null;
  problems: string[];
  checks: string[];
  worst: Record<string, { rel: number; step: number | null }>;
  weights: Record<
    string,
    { maxAbs: number; relLayer: number; relTensor: number; relUpdate: number; relL2: number }
  >;
}

/**
 * Checks `runDir` with the harness: replays its trace, or (`stream: 'numpy'`) runs the file on
 * numpy's own stream; resolves with its exit code, report and printed summary.
 */
export async function runHarness(
  runDir: string,
  opts: {
    precision?: 'float32' | 'float64';
    reference?: string;
    steps?: number;
    stream?: 'trace' | 'numpy';
  } = {},
): Promise<{ code: number | null; report: HarnessReport | null; output: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'parity-report-'));
  const json = join(scratch, 'report.json');
  try {
    const args = [HARNESS, runDir, '--json', json];
    if (opts.stream === 'numpy') args.push('--stream', 'numpy');
    else args.push('--precision', opts.precision ?? 'float32');
    if (opts.reference !== undefined) args.push('--reference', opts.reference);
    if (opts.steps !== undefined) args.push('--steps', String(opts.steps));
    const { code, out, err } = await run(PYTHON, args, projectRoot());
    let report: HarnessReport | null = null;
    try {
      report = JSON.parse(readFileSync(json, 'utf8')) as HarnessReport;
    } catch {
      // exit 2: the inputs were unreadable, the message is in `output`
    }
    return { code, report, output: `${out}${err}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, INIT_CWD: cwd } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
