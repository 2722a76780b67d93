/**
 * Does float32 change the article's outcomes? For each config and seed: one traced run of this
 * project (float32), then the same steps replayed by the numpy transcription of the article's
 * reference file in float32 and in float64 (same initial weights, images and z), and the three
 * final generators scored by the same evaluation. Per replay: the step it diverged at (if), mean
 * D(x) and D(G(z)) over the whole run and its last 1,000 steps, and the evaluation.
 *
 *   pnpm -s tsx tools/parity/src/precision-study.ts --out <dir> [--steps 20000] [--seeds 1,2,3]
 *       [--configs failed-1,...,decay]
 *
 * Writes <dir>/<config>-seed<s>.json per run (so a second invocation on other configs can share
 * the folder and an interrupted study resumes) and prints a table of all of them at the end.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { latestCheckpoint, projectRoot, userPath } from '@gan/runs';
import { evaluateWeights } from './eval-weights.ts';
import { HARNESS, PYTHON, tracedRun } from './parity.ts';
import { spawnSync } from 'node:child_process';

const PRECISIONS = ['float32', 'float64'] as const;

interface Replay {
  divergedAt: number | null;
  steps: number;
  dReal: number;
  dFake: number;
  dRealLast: number;
  dFakeLast: number;
  eval: Record<string, unknown>;
}

function replayStats(recordFile: string): Omit<Replay, 'eval'> {
  const rows = readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(
      (l) =>
        JSON.parse(l) as { step: number; D_real: number; D_fake: number; D_cost: number; G_cost: number },
    );
  const finite = rows.filter((r) => [r.D_real, r.D_fake, r.D_cost, r.G_cost].every(Number.isFinite));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const last = finite.slice(-1000);
  return {
    divergedAt: finite.length < rows.length ? rows[finite.length].step : null,
    steps: finite.length,
    dReal: mean(finite.map((r) => r.D_real)),
    dFake: mean(finite.map((r) => r.D_fake)),
    dRealLast: mean(last.map((r) => r.D_real)),
    dFakeLast: mean(last.map((r) => r.D_fake)),
  };
}

async function study(config: string, seed: number, steps: number, out: string): Promise<void> {
  const file = join(out, `${config}-seed${seed}.json`);
  if (existsSync(file)) return;
  const t0 = Date.now();
  const runs = join(out, 'runs');
  const runDir = await tracedRun({
    config: join(projectRoot(), 'configs', `${config}.yaml`),
    overrides: [`seed=${seed}`],
    steps,
    experiments: runs,
  });
  const result: Record<string, unknown> = { config, seed, steps, runDir };
  const weights: string[] = [];
  for (const precision of PRECISIONS) {
    const record = join(runDir, `replay-${precision}.jsonl`);
    const saved = join(runDir, `replay-${precision}.safetensors`);
    const args = [
      HARNESS,
      runDir,
      '--no-compare',
      '--quiet',
      '--precision',
      precision,
      '--record',
      record,
      '--save-weights',
      saved,
    ];
    const res = spawnSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (res.status !== 0) throw new Error(`harness ${precision} on ${runDir}: ${res.stderr}`);
    result[precision] = replayStats(record);
    weights.push(saved);
  }
  const ours = await latestCheckpoint(runDir);
  if (ours === null) throw new Error(`${runDir}: no checkpoint`);
  const [evalOurs, eval32, eval64] = await evaluateWeights(runDir, [ours.path, ...weights]);
  result.ours = { eval: evalOurs };
  (result.float32 as Replay).eval = eval32;
  (result.float64 as Replay).eval = eval64;
  result.seconds = (Date.now() - t0) / 1000;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  // The trace (z alone is 2 x zSize floats a step) is not needed once replayed.
  rmSync(join(runDir, 'trace'), { recursive: true, force: true });
  process.stdout.write(`${config} seed ${seed}: ${result.seconds} s\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      steps: { type: 'string', default: '20000' },
      seeds: { type: 'string', default: '1,2,3' },
      configs: { type: 'string', default: 'failed-1,failed-2,failed-3,failed-4,failed-5,failed-6,decay' },
    },
  });
  if (values.out === undefined) throw new Error('--out <dir> is required');
  const out = userPath(values.out);
  mkdirSync(out, { recursive: true });
  for (const config of values.configs.split(','))
    for (const seed of values.seeds.split(',').map(Number))
      await study(config, seed, Number(values.steps), out);
}

await main();
