/**
 * The article's own sample grid as a picture: `py/article_grid.py` runs a config's reference file
 * (the numpy transcription, on numpy's own stream, in float64) for N iterations and keeps the last
 * 4x4 grid the file draws; it is drawn here as a run's sample grids are (the config's
 * `log.sampleScale`: for the article's configs each image stretched from its own min to its max,
 * as the files' `plt.imshow` did).
 *
 *   pnpm parity configs/decay.yaml --grid docs/article-decay.png --steps 20001
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '@gan/runs';
import { Tensor } from '@gan/tensor';
import { type ExperimentConfig, samplePicture } from '@gan/training';
import { writeImagePng } from '@gan/training/images';
import { PYTHON } from './parity.ts';

const GRID_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'py', 'article_grid.py');

/** What article_grid.py writes (its JSON output). */
export interface ArticleGrid {
  reference: string;
  file: string;
  seed: number;
  steps: number;
  /** The iteration whose grid this is (the last multiple of gridEvery below steps). */
  iter: number;
  shape: [number, number];
  samples: number[][];
}

/**
 * Runs the reference file of `reference` for `steps` iterations with `np.random.seed(seed)` and
 * resolves with its last grid; `onLine` receives the script's progress lines.
 */
export async function runArticleGrid(opts: {
  reference: string;
  steps: number;
  seed: number;
  onLine?: (line: string) => void;
}): Promise<ArticleGrid> {
  const scratch = mkdtempSync(join(tmpdir(), 'article-grid-'));
  const out = join(scratch, 'grid.json');
  try {
    const args = [
      GRID_SCRIPT,
      '--reference',
      opts.reference,
      '--steps',
      String(opts.steps),
      '--seed',
      String(opts.seed),
      '--out',
      out,
    ];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(PYTHON, args, { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line.trim() !== '') opts.onLine?.(line);
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) =>
        c === 0 ? resolve(c) : reject(new Error(`article_grid.py failed (exit ${c}): ${err}`)),
      );
    });
    if (code !== 0) throw new Error(`article_grid.py exited with ${code}`);
    return JSON.parse(readFileSync(out, 'utf8')) as ArticleGrid;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The grid as the config shows samples (28 x 28 images, 4 x 4, its `log.sampleScale`), as a PNG at `path`. */
export async function writeArticleGridPng(
  config: ExperimentConfig,
  grid: ArticleGrid,
  path: string,
): Promise<void> {
  const samples = Tensor.fromArray(grid.samples.flat(), grid.shape, 'float64');
  await writeImagePng(path, samplePicture(config, samples, 28, 28));
}
