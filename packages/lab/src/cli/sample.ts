/**
 * `pnpm sample <run folder> --seed 42`: the article's interactive demo. A seed picks a z, the
 * run's generator turns it into an image, which is written as a PNG and shown in the terminal.
 */
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng, Tensor } from '@gan/tensor';
import { claimIdleRun, type RunOwner, seedSamplePath, userPath } from '@gan/runs';
import {
  detectTerminalMode,
  displayPixels,
  halfBlockLines,
  imageGrid,
  restoreRun,
  scatterImage,
  scatterOptions,
  useBackend,
  writeImagePng,
} from '@gan/training';
import { backendFlag } from './common.ts';

const USAGE = `usage: pnpm sample <experiments/<config>/<run-id>> --seed <n> [--step <n>] [--out <file.png>]
                   [--backend reference|native|native:<variant>|auto]

Generates one sample from the run's latest checkpoint (or --step) with z drawn from the seed:
the same seed always gives the same image. Writes a PNG (default <run>/seed-<n>.png) and shows it
in the terminal. --backend defaults to reference, the plain-TypeScript kernels \`pnpm ui\` runs in
the browser, so the image equals the page's bit for bit (the native kernels round differently).`;

async function main(): Promise<void> {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: {
        seed: { type: 'string' };
        step: { type: 'string' };
        out: { type: 'string' };
        backend: { type: 'string' };
        help: { type: 'boolean' };
      };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        step: { type: 'string' },
        out: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (e) {
    process.stderr.write(`pnpm sample: ${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const seed = Number(values.seed);
  if (positionals.length !== 1 || values.seed === undefined || !Number.isSafeInteger(seed) || seed < 0) {
    process.stderr.write(`pnpm sample: give one run folder and --seed <integer >= 0>\n\n${USAGE}\n`);
    process.exit(2);
  }
  const step = values.step === undefined ? undefined : Number(values.step);
  if (step !== undefined && (!Number.isInteger(step) || step < 0)) {
    process.stderr.write(`pnpm sample: --step must be an integer >= 0, got ${values.step}\n`);
    process.exit(2);
  }

  const backend = backendFlag('pnpm sample', values.backend ?? 'reference');
  // NOTE: reference by default: one sample is quick on it, and it is what the browser runs
  // (`pnpm ui`), so a seed gives the same picture in the terminal and in the page.
  useBackend(backend);
  const runDir = userPath(positionals[0]);
  let restored: Awaited<ReturnType<typeof restoreRun>>;
  try {
    restored = await restoreRun(runDir, step ?? 'latest');
  } catch (e) {
    process.stderr.write(`pnpm sample: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const { config, trainer } = restored;
  const isPoints = trainer.data.height === 1;
  // One z for an image; a cloud of 512 for 2-D data, where one point shows nothing.
  const z = trainer.fillZ(Rng.create(seed, 'sample'), Tensor.zeros([isPoints ? 512 : 1, trainer.zSize]));
  const out = trainer.generate(z);
  const { width, height } = trainer.data;
  const channels = trainer.data.channels ?? 1;
  const picture = isPoints
    ? scatterImage(out, scatterOptions(config))
    : imageGrid(displayPixels(config, out), {
        width,
        height,
        rows: 1,
        cols: 1,
        pad: 0,
        scale: 4,
        channels,
      });
  // Into the run only as its owner; a run training now is left alone and the PNG goes here instead.
  let file = values.out !== undefined ? userPath(values.out) : seedSamplePath(runDir, seed);
  let owner: RunOwner | undefined;
  if (values.out === undefined) {
    const claim = await claimIdleRun(runDir, 'pnpm sample');
    if (claim.owner !== null) owner = claim.owner;
    else {
      file = userPath(`${basename(runDir)}-seed-${seed}.png`);
      process.stderr.write(`note: not written into the run: ${claim.busy}\n`);
    }
  }
  await writeImagePng(file, picture, owner);

  const mode = detectTerminalMode(process.stdout.isTTY === true);
  const small = isPoints
    ? picture
    : imageGrid(displayPixels(config, out), { width, height, rows: 1, cols: 1, pad: 0, channels });
  const rgb = small.rgb !== undefined ? { rgb: small.rgb } : {};
  for (const line of halfBlockLines(small.gray, small.width, small.height, { mode, maxWidth: 56, ...rgb })) {
    process.stdout.write(`  ${line}\n`);
  }
  process.stdout.write(
    `${config.name} run ${relative(process.cwd(), runDir) || '.'} at step ${restored.step}, seed ${seed}: ${relative(process.cwd(), file)}\n`,
  );
}

await main();
