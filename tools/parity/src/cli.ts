/**
 * `pnpm parity <config.yaml> [key=value ...] [--steps N] [--trace] [--precision float32|float64]
 *  [--reference NAME]`: trains the config and checks it against the numpy transcription of the
 * article's reference file. An article config (numpy's stream) trains in float64 and is compared
 * with the file's own loop on numpy's own stream (draws included, 1e-9); `--trace` (or a config
 * on the project's streams) trains in float32 with a trace and replays its draws through the file's
 * arithmetic. `pnpm parity --run <run folder>` checks an existing run instead.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tracePath, userPath } from '@gan/runs';
import { type ExperimentConfig, loadConfig } from '@gan/training/config';
import { runArticleGrid, writeArticleGridPng } from './article-grid.ts';
import { harnessUnavailable, runHarness, streamRun, tracedRun } from './parity.ts';

const USAGE = `usage: pnpm parity <config.yaml> [key=value ...] [options]
       pnpm parity --run <run folder> [options]
       pnpm parity <article config.yaml> [key=value ...] --grid <out.png> [--steps N]

An article config (random.stream: numpy) is trained in float64 and compared, step by step, with
its reference file run on numpy's own stream with the same seed (the draws are checked too).
With --trace, or a config on the project's streams, the run is made in float32 with a trace whose
draws the reference file's arithmetic replays.

options:
  --steps <n>             steps to train and compare (default 1000; 200 with --trace)
  --trace                 the trace mode, for any config
  --precision <p>         trace mode: float32 (default: the same arithmetic as this project) or
                          float64 (the article's own precision; looser tolerances)
  --reference <name>      whose reference file (default: the config's name), e.g. decay
  --experiments <dir>     where the run goes (default: a temporary folder)
  --grid <out.png>        no run of this project: the reference file's own last sample grid after
                          --steps iterations (default train.steps + 1, so the file's grid at
                          iteration train.steps) on numpy's stream with the config's seed, drawn
                          as the config shows samples (the article's configs: stretched per image)

exit status: 0 the run agrees with the article's arithmetic, 1 it does not, 2 bad usage or inputs`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    fail(`pnpm parity: ${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const missing = harnessUnavailable();
  if (missing !== null) fail(`pnpm parity: ${missing}`);
  if (values.grid !== undefined) {
    await grid(positionals, values.grid, values.steps, values.reference);
    return;
  }
  const precision = values.precision;
  if (precision !== 'float32' && precision !== 'float64') {
    fail(`pnpm parity: --precision: expected float32 or float64, got ${precision}`);
  }
  let runDir: string;
  let stream: 'numpy' | 'trace';
  let steps: number | undefined;
  if (values.run !== undefined) {
    runDir = userPath(values.run);
    stream = runStream(runDir);
  } else {
    const [config, ...overrides] = positionals;
    if (config === undefined) fail(`pnpm parity: no config given\n\n${USAGE}`);
    const path = userPath(config);
    let configStream: string;
    try {
      configStream = loadConfig(path, overrides).config.random.stream;
    } catch (e) {
      fail(`pnpm parity: ${(e as Error).message}`);
    }
    stream = values.trace || configStream !== 'numpy' ? 'trace' : 'numpy';
    steps = Number(values.steps ?? (stream === 'numpy' ? 1000 : 200));
    if (!Number.isInteger(steps) || steps < 1)
      fail(`pnpm parity: --steps: expected an integer >= 1, got ${values.steps}`);
    const experiments = values.experiments === undefined ? undefined : userPath(values.experiments);
    if (stream === 'numpy') {
      process.stdout.write(`training ${config} for ${steps} steps in float64 on numpy's stream ...\n`);
      runDir = await streamRun({ config: path, overrides, steps, experiments });
    } else {
      process.stdout.write(`training ${config} for ${steps} steps with a trace ...\n`);
      runDir = await tracedRun({ config: path, overrides, steps, experiments });
    }
    process.stdout.write(`run folder: ${runDir}\n`);
  }
  const { code, output } = await runHarness(runDir, { precision, reference: values.reference, stream });
  process.stdout.write(output);
  process.exitCode = code ?? 1;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      trace: { type: 'boolean', default: false },
      precision: { type: 'string', default: 'float32' },
      reference: { type: 'string' },
      experiments: { type: 'string' },
      run: { type: 'string' },
      grid: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** `--grid`: the reference file's own last sample grid, as a PNG. */
async function grid(
  positionals: string[],
  out: string,
  stepsFlag: string | undefined,
  reference: string | undefined,
): Promise<void> {
  const [file, ...overrides] = positionals;
  if (file === undefined) fail(`pnpm parity --grid: no config given\n\n${USAGE}`);
  let config: ExperimentConfig;
  try {
    config = loadConfig(userPath(file), overrides).config;
  } catch (e) {
    fail(`pnpm parity: ${(e as Error).message}`);
  }
  const steps = Number(stepsFlag ?? config.train.steps + 1);
  if (!Number.isInteger(steps) || steps < 1)
    fail(`pnpm parity: --steps: expected an integer >= 1, got ${stepsFlag}`);
  const ref = reference ?? config.name;
  process.stdout.write(
    `running ${ref}'s reference file for ${steps} iterations on numpy's stream, seed ${config.seed} ...\n`,
  );
  const result = await runArticleGrid({
    reference: ref,
    steps,
    seed: config.seed,
    onLine: (line) => process.stdout.write(`${line}\n`),
  });
  const path = userPath(out);
  await writeArticleGridPng(config, result, path);
  process.stdout.write(
    `the grid of iteration ${result.iter} (${result.file}, seed ${result.seed}) -> ${path}\n`,
  );
}

/** How an existing run is checked: by its trace when it has one, else on numpy's stream. */
function runStream(runDir: string): 'numpy' | 'trace' {
  return existsSync(tracePath(runDir, 'manifest')) ? 'trace' : 'numpy';
}

await main();
