/**
 * `pnpm eval <run folder> [--samples N] [--step latest|N]`: score a run's checkpoint (modes
 * covered, KL from uniform, Inception Score, Fréchet distance, confidence, diversity, memorisation)
 * and append the result to its eval.jsonl. `pnpm eval --train-classifier` trains (or finds) the
 * MNIST classifier the scores use and prints its accuracy.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { readMetaSync, userPath } from '@gan/runs';
import {
  classifierHash,
  type ClassifierInfo,
  DEFAULT_CLASSIFIER,
  defaultClassifierCacheDir,
  evaluateRun,
  formatSummary,
  isMnistEval,
  loadClassifier,
  readClassifierInfo,
  useBackend,
} from '@gan/training';
import { backendFlag, fail } from './common.ts';

const USAGE = `usage: pnpm eval <run folder> [--samples N] [--step latest|N] [--backend kind]
       pnpm eval --train-classifier [--backend kind]

Scores generated samples of a run's checkpoint and appends the result to its eval.jsonl
(meta.json's latestEval is updated). MNIST runs are scored by an MNIST classifier trained with this
project's own layers (trained once, a few minutes, and cached in .cache/classifier/).

options:
  --samples N          generated samples to score (default: the run's eval.samples)
  --step latest|N      which checkpoint (default: latest)
  --train-classifier   train (or find) the classifier and print its test accuracy
  --backend <kind>     auto (default: native when built, else reference) | native | reference,
                       or native:<variant> (avx512, avx2, baseline, baseline-fast): that build of the native kernels
  -h, --help           this text

exit status: 0 done, 1 evaluation failed, 2 bad command line`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        samples: { type: 'string' },
        step: { type: 'string', default: 'latest' },
        'train-classifier': { type: 'boolean', default: false },
        backend: { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    fail(`pnpm eval: ${(e as Error).message}\n\n${USAGE}`);
  }
}

function positiveInt(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`pnpm eval: ${name} must be an integer >= ${min}, got '${text}'`);
  return n;
}

function describeClassifier(info: ClassifierInfo | null, dir: string): string {
  const where = relative(process.cwd(), dir) || dir;
  if (info === null) return `classifier: ${where}`;
  return (
    `classifier: MLP ${info.architecture.join('-')}, test accuracy ${(100 * info.testAccuracy).toFixed(2)}% ` +
    `(trained ${info.trainedAt} in ${info.trainSeconds.toFixed(0)} s on ${info.backend}) in ${where}`
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parse(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const backendKind = backendFlag('pnpm eval', values.backend);
  const backend = useBackend(backendKind);
  if (backend.note) process.stderr.write(`${backend.note}\n`);

  if (values['train-classifier']) {
    if (positionals.length > 0) fail(`pnpm eval: --train-classifier takes no run folder\n\n${USAGE}`);
    const clf = await loadClassifier();
    const dir = `${defaultClassifierCacheDir()}/${classifierHash(DEFAULT_CLASSIFIER)}`;
    process.stdout.write(`${describeClassifier(clf.info ?? readClassifierInfo(dir), dir)}\n`);
    return;
  }

  if (positionals.length !== 1) fail(`pnpm eval: expected one run folder\n\n${USAGE}`);
  const runDir = userPath(positionals[0]);
  const samples = values.samples !== undefined ? positiveInt('--samples', values.samples, 2) : undefined;
  const step = values.step === 'latest' ? 'latest' : positiveInt('--step', values.step, 0);

  try {
    const meta = readMetaSync(runDir);
    const started = performance.now();
    const {
      step: at,
      checkpoint,
      samples: n,
      result,
      notRecorded,
    } = await evaluateRun(runDir, { samples, step });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `run: ${relative(process.cwd(), runDir) || runDir} (${meta.name}, status ${meta.status})\n` +
        `checkpoint: ${relative(process.cwd(), checkpoint)} (step ${at}); ${n} samples from the 'eval' stream; ` +
        `${seconds.toFixed(1)} s on ${backend.name}\n`,
    );
    if (isMnistEval(result)) {
      const dir = `${defaultClassifierCacheDir()}/${classifierHash(DEFAULT_CLASSIFIER)}`;
      process.stdout.write(`${describeClassifier(readClassifierInfo(dir), dir)}\n`);
    }
    process.stdout.write(
      `\n${formatSummary(result)}\n\n${
        notRecorded === null
          ? 'appended to eval.jsonl; meta.json latestEval updated'
          : `not recorded in the run: ${notRecorded}; its own writes are left alone`
      }\n`,
    );
  } catch (e) {
    fail(`pnpm eval: ${(e as Error).message}`, 1);
  }
}

await main();
