/**
 * The article's own grid (its reference file on numpy's stream, py/article_grid.py) drawn as a
 * run draws its samples, against the grid a run of this project saves at the same iteration on
 * numpy's stream in float64: the same picture, pixel for pixel. So the README's pictures of the
 * article's runs are what `pnpm exp <config> train.precision=float64` shows too.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot, samplePath } from '@gan/runs';
import { decodePng } from '@gan/training/images';
import { loadConfig } from '@gan/training/config';
import { afterAll, describe, expect, it } from 'vitest';
import { runArticleGrid, writeArticleGridPng } from './article-grid.ts';
import { streamRun } from './parity.ts';

const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe("the article's own sample grid", { timeout: 120_000 }, () => {
  it.each([
    ['decay', 21],
    ['failed-1', 201],
  ] as const)(
    '%s: the file draws, at iteration %i - 1, the picture a float64 run saves',
    async (name, steps) => {
      const path = join(projectRoot(), 'configs', `${name}.yaml`);
      const { config } = loadConfig(path);
      const grid = await runArticleGrid({ reference: name, steps, seed: config.seed });
      expect(grid.iter).toBe(steps - 1);
      const png = join(tmpdir(), `article-grid-${name}-${process.pid}.png`);
      cleanup.push(png);
      await writeArticleGridPng(config, grid, png);
      const runDir = await streamRun({ config: path, steps, overrides: [`log.samplesEvery=${steps}`] });
      cleanup.push(dirname(dirname(runDir)));
      const ours = decodePng(readFileSync(samplePath(runDir, steps)));
      const file = decodePng(readFileSync(png));
      expect([file.width, file.height]).toEqual([ours.width, ours.height]);
      expect(Buffer.from(file.gray).equals(Buffer.from(ours.gray))).toBe(true);
      // Not a blank picture: the per-image stretch gives full contrast.
      expect(Math.min(...file.gray)).toBe(0);
      expect(Math.max(...file.gray)).toBe(255);
    },
  );
});
