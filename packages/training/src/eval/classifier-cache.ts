/**
 * The cache of trained classifiers: `<project>/.cache/classifier/<hash>/`, where the hash covers
 * everything that determines the weights (architecture, seed, epochs, batch size, learning rate,
 * and a digest of the MNIST bytes), so a changed recipe or dataset gets a new folder instead of
 * stale weights; and a per-process memo. A cache folder is built under a temporary name and
 * renamed into place, so two processes training at once never leave a half-written folder: the
 * second rename fails and that process uses the first one's folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMnistBytes, MNIST_CLASSES, MNIST_PIXELS } from '@gan/data';
import { projectRoot, readSafetensors, writeJsonAtomic, writeSafetensors } from '@gan/runs';
import {
  CLASSIFIER_FORMAT,
  type ClassifierConfig,
  type ClassifierInfo,
  checkClassifierConfig,
  DEFAULT_CLASSIFIER,
  MnistClassifier,
  type TrainingReport,
} from './classifier.ts';
import { type ProgressLog, trainClassifier } from './classifier-train.ts';

/** Bumped when the training code changes in a way that changes the weights for the same config. */
const RECIPE_VERSION = 1;
const INFO_FILE = 'classifier.json';
const WEIGHTS_FILE = 'weights.safetensors';

let digest: string | null = null;

/** sha256 (hex) of the decoded MNIST bytes: both splits' images and labels. Computed once per process. */
export function mnistDigest(): string {
  if (digest !== null) return digest;
  const h = createHash('sha256');
  for (const split of ['train', 'test'] as const) {
    const b = loadMnistBytes(split);
    h.update(`${split}:${b.count}\n`);
    h.update(b.pixels);
    h.update(b.labels);
  }
  digest = h.digest('hex');
  return digest;
}

/** A freshly trained classifier with its `classifier.json` description (hash, data digest, report). */
function describeTrained(
  config: ClassifierConfig,
  trained: { classifier: MnistClassifier; report: TrainingReport },
): MnistClassifier {
  const info: ClassifierInfo = {
    format: CLASSIFIER_FORMAT,
    hash: classifierHash(config),
    config: { ...config, hidden: [...config.hidden] },
    architecture: [MNIST_PIXELS, ...config.hidden, MNIST_CLASSES],
    dataDigest: mnistDigest(),
    ...trained.report,
  };
  const clf = new MnistClassifier(config, info);
  clf.loadTensors(trained.classifier.tensors(), 'trained classifier');
  return clf;
}

/** The cache folder name of a config: 16 hex digits of sha256 over the recipe, the config and the data. */
export function classifierHash(config: ClassifierConfig): string {
  checkClassifierConfig(config);
  const key = {
    recipe: RECIPE_VERSION,
    architecture: [MNIST_PIXELS, ...config.hidden, MNIST_CLASSES],
    activation: 'relu',
    init: 'he-normal',
    optimizer: 'adam(0.9,0.999,1e-8)+cosine',
    seed: config.seed,
    epochs: config.epochs,
    batchSize: config.batchSize,
    lr: config.lr,
    trainLimit: config.trainLimit,
    data: mnistDigest(),
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** `<project>/.cache/classifier`: where trained classifiers are kept (git-ignored). */
export function defaultClassifierCacheDir(): string {
  return join(projectRoot(), '.cache', 'classifier');
}

export interface LoadClassifierOptions {
  config?: ClassifierConfig;
  /** Default: {@link defaultClassifierCacheDir}. */
  cacheDir?: string;
  /** Where training progress goes (default: stderr). */
  log?: ProgressLog;
}

function parseInfo(text: string, file: string): ClassifierInfo {
  let info: ClassifierInfo;
  try {
    info = JSON.parse(text) as ClassifierInfo;
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message}); delete the folder to retrain`);
  }
  if (
    info === null ||
    typeof info !== 'object' ||
    info.format !== CLASSIFIER_FORMAT ||
    typeof info.testAccuracy !== 'number'
  ) {
    throw new Error(
      `${file}: not a classifier description of format ${CLASSIFIER_FORMAT}; delete the folder to retrain`,
    );
  }
  return info;
}

/** Reads a cached classifier folder, or returns null when it does not exist. */
export async function readCachedClassifier(
  dir: string,
  config: ClassifierConfig,
): Promise<MnistClassifier | null> {
  const infoFile = join(dir, INFO_FILE);
  let text: string;
  try {
    text = await readFile(infoFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const info = parseInfo(text, infoFile);
  const weightsFile = join(dir, WEIGHTS_FILE);
  const clf = new MnistClassifier(config, info);
  clf.loadTensors((await readSafetensors(weightsFile)).tensors, weightsFile);
  return clf;
}

/** Writes a trained classifier to `<cacheDir>/<hash>/` through a temporary folder and a rename. */
async function publish(clf: MnistClassifier, cacheDir: string, hash: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = join(cacheDir, `.${hash}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmp);
  try {
    await writeSafetensors(join(tmp, WEIGHTS_FILE), clf.tensors(), { format: CLASSIFIER_FORMAT, hash });
    await writeJsonAtomic(join(tmp, INFO_FILE), clf.info);
    try {
      await rename(tmp, join(cacheDir, hash));
    } catch (e) {
      // Another process published the same hash first: its folder is as good as ours.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw e;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const loaded = new Map<string, Promise<MnistClassifier>>();

/**
 * The classifier of `config` (default {@link DEFAULT_CLASSIFIER}): from this process's memory, else
 * from the cache folder, else trained now (minutes; progress on stderr) and cached.
 *
 * ```ts
 * const clf = await loadClassifier();
 * console.log(clf.info?.testAccuracy); // 0.98...
 * ```
 */
export function loadClassifier(options: LoadClassifierOptions = {}): Promise<MnistClassifier> {
  const config = options.config ?? DEFAULT_CLASSIFIER;
  const cacheDir = options.cacheDir ?? defaultClassifierCacheDir();
  const hash = classifierHash(config);
  const key = join(cacheDir, hash);
  let p = loaded.get(key);
  if (p === undefined) {
    p = (async () => {
      const cached = await readCachedClassifier(key, config);
      if (cached !== null) return cached;
      const clf = describeTrained(config, trainClassifier(config, options.log));
      await publish(clf, cacheDir, hash);
      // Whoever won the rename, the folder now holds a complete classifier: use that one so every
      // process scores with the same weights.
      return (await readCachedClassifier(key, config)) ?? clf;
    })();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

/** Forgets the classifiers held in memory (the cache folders stay). */
export function clearLoadedClassifiers(): void {
  loaded.clear();
}

/** Reads `classifier.json` of a cache folder without loading weights, or null when absent. */
export function readClassifierInfo(dir: string): ClassifierInfo | null {
  const file = join(dir, INFO_FILE);
  try {
    return parseInfo(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
