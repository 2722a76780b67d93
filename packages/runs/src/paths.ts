import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The layout of one run folder, `experiments/<config-name>/<run-id>/`. Every name lives here;
 * writers (the trainer's store sink) and readers (report tools) both go through these.
 *
 * ```
 * <run-id>/
 *   config.yaml                       resolved config, as written by the caller
 *   meta.json                         RunMeta (status, seed, environment, ...), rewritten atomically
 *   metrics.jsonl                     one JSON object per training step logged
 *   eval.jsonl                        one JSON object per evaluation
 *   samples/step-000500.png           sample grid at step 500 (grayscale PNG)
 *   samples.gif                       all sample grids as an animation
 *   checkpoints/step-005000.safetensors
 *   trace/                            with `pnpm exp --trace`: every step's random inputs (trace.ts)
 *   seed-42.png                       `pnpm sample --seed 42`: one generated sample
 *   .owner/epoch-000003/claim.json    who owns the run now, and since when (owner.ts)
 * ```
 *
 * Step numbers are zero padded to at least {@link STEP_DIGITS} digits; larger steps simply get
 * more digits, so readers sort by the parsed number, never by file name.
 */
export const CONFIG_FILE = 'config.yaml';
export const META_FILE = 'meta.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVAL_FILE = 'eval.jsonl';
export const SAMPLES_DIR = 'samples';
export const GIF_FILE = 'samples.gif';
export const CHECKPOINTS_DIR = 'checkpoints';
export const TRACE_DIR = 'trace';

/** Minimum number of digits of the step in sample and checkpoint file names. */
export const STEP_DIGITS = 6;
export const SAMPLE_EXT = '.png';
export const CHECKPOINT_EXT = '.safetensors';

const STEP_PREFIX = 'step-';

/** `stepFileName(500, '.png')` is `'step-000500.png'`. */
export function stepFileName(step: number, ext: string): string {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`step must be a non-negative integer, got ${step}`);
  }
  return `${STEP_PREFIX}${String(step).padStart(STEP_DIGITS, '0')}${ext}`;
}

/** The step of a file named like `step-000500.png`, or null for any other name (temp files included). */
export function parseStepFileName(name: string, ext: string): number | null {
  if (!name.startsWith(STEP_PREFIX) || !name.endsWith(ext)) return null;
  const digits = name.slice(STEP_PREFIX.length, name.length - ext.length);
  if (digits.length < STEP_DIGITS || !/^\d+$/.test(digits)) return null;
  const step = Number(digits);
  return Number.isSafeInteger(step) ? step : null;
}

export const configPath = (runDir: string): string => join(runDir, CONFIG_FILE);
export const metaPath = (runDir: string): string => join(runDir, META_FILE);
export const metricsPath = (runDir: string): string => join(runDir, METRICS_FILE);
export const evalPath = (runDir: string): string => join(runDir, EVAL_FILE);
export const samplesDir = (runDir: string): string => join(runDir, SAMPLES_DIR);
export const gifPath = (runDir: string): string => join(runDir, GIF_FILE);
export const checkpointsDir = (runDir: string): string => join(runDir, CHECKPOINTS_DIR);
export const traceDir = (runDir: string): string => join(runDir, TRACE_DIR);

/** `samplePath(runDir, 500)` is `<runDir>/samples/step-000500.png`. */
export function samplePath(runDir: string, step: number): string {
  return join(runDir, SAMPLES_DIR, stepFileName(step, SAMPLE_EXT));
}

/** `checkpointPath(runDir, 5000)` is `<runDir>/checkpoints/step-005000.safetensors`. */
export function checkpointPath(runDir: string, step: number): string {
  return join(runDir, CHECKPOINTS_DIR, stepFileName(step, CHECKPOINT_EXT));
}

/** `seedSamplePath(runDir, 42)` is `<runDir>/seed-42.png`: the picture `pnpm sample --seed 42` writes. */
export function seedSamplePath(runDir: string, seed: number): string {
  return join(runDir, `seed-${seed}${SAMPLE_EXT}`);
}

/** A file named after a step, as found on disk. */
export interface StepFile {
  step: number;
  path: string;
}

/**
 * The `step-*<ext>` files of `dir`, ascending by step. Other names are ignored; a missing folder
 * gives an empty list (a run that has not written any yet).
 */
export async function listStepFiles(dir: string, ext: string): Promise<StepFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: StepFile[] = [];
  for (const name of names) {
    const step = parseStepFileName(name, ext);
    if (step !== null) files.push({ step, path: join(dir, name) });
  }
  return files.sort((a, b) => a.step - b.step);
}

/** The sample grids of a run, ascending by step. */
export function listSamples(runDir: string): Promise<StepFile[]> {
  return listStepFiles(samplesDir(runDir), SAMPLE_EXT);
}

/**
 * Creates a run's subfolder (`samples/`, `checkpoints/`) if it is missing. Not recursive on
 * purpose: a missing run folder is an error (a wrong path), not something to create.
 */
export async function ensureSubfolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
