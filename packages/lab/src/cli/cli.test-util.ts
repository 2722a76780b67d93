/**
 * What the CLI's process tests share: the scripts they start, tsx's loader, a tiny config, and
 * temporary folders removed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
export { TSX_LOADER as TSX } from '../../../../test-support/tsx.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const EXP = join(here, 'exp.ts');
export const SWEEP = join(here, 'sweep.ts');

/** A config that trains in a second: 40 steps on the 2-D ring, no evaluation. */
export const TINY = `
seed: 3
data: { dataset: gaussians8, batchSize: 16, limit: 1000 }
model:
  z: { size: 4 }
  generator: { hidden: [16], output: identity }
  discriminator: { hidden: [16] }
train: { steps: 40 }
log: { every: 5, printEvery: 10, samplesEvery: 20, checkpointEvery: 20 }
eval: { atEnd: false }
`;

/** Makes fresh temporary folders (`<tmp>/<prefix>XXXXXX`), each removed after the test that made it. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
