/**
 * `pnpm parity <config.yaml> [key=value ...] [--steps N] [--precision float32|float64]
 *  [--reference NAME] [--keep]`: trains the config for N steps with a trace, replays the same steps
 * through the numpy transcription of the article's reference file, and says whether they agree.
 * `pnpm parity --run <run folder>` replays an existing traced run instead.
 */
import { parseArgs } from 'node:util';
import { userPath } from '@gan/runs';
import { harnessUnavailable, runHarness, tracedRun } from './parity.ts';

const USAGE = `usage: pnpm parity <config.yaml> [key=value ...] [options]
       pnpm parity --run <run folder made with --trace log.every=1> [options]

options:
  --steps <n>             steps to train and replay (default 200)
  --precision <p>         float32 (default: the same arithmetic as this project) or float64 (the
                          article's own precision; looser tolerances)
  --reference <name>      whose reference file to replay (default: the config's name), e.g. decay
  --experiments <dir>     where the traced run goes (default: a temporary folder)

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
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    fail(`pnpm parity: --steps: expected an integer >= 1, got ${values.steps}`);
  const precision = values.precision;
  if (precision !== 'float32' && precision !== 'float64') {
    fail(`pnpm parity: --precision: expected float32 or float64, got ${precision}`);
  }
  let runDir: string;
  if (values.run !== undefined) runDir = userPath(values.run);
  else {
    const [config, ...overrides] = positionals;
    if (config === undefined) fail(`pnpm parity: no config given\n\n${USAGE}`);
    process.stdout.write(`training ${config} for ${steps} steps with a trace ...\n`);
    runDir = await tracedRun({
      config: userPath(config),
      overrides,
      steps,
      experiments: values.experiments === undefined ? undefined : userPath(values.experiments),
    });
    process.stdout.write(`run folder: ${runDir}\n`);
  }
  const { code, output } = await runHarness(runDir, { precision, reference: values.reference });
  process.stdout.write(output);
  process.exitCode = code ?? 1;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      steps: { type: 'string', default: '200' },
      precision: { type: 'string', default: 'float32' },
      reference: { type: 'string' },
      experiments: { type: 'string' },
      run: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

await main();
