import { join } from 'node:path';
import { traceDir } from './paths.ts';

/**
 * The trace of a run (`pnpm exp --trace`): every random input of every step, written as the run
 * goes, so that another implementation (the parity harness in tools/parity, a transcription of
 * the article's numpy code) can replay exactly the same steps and compare them with metrics.jsonl.
 *
 * ```
 * trace/
 *   manifest.json        format, the resolved config, the data source, and the layout below
 *   initial.safetensors  the weights at step 0, named as in checkpoints
 *   source-rows.i32      for each dataset row the trainer indexes, the row of the source file
 *   draws.u32            per D update, per batch row: the sampler's 32-bit draw (index = draw % available)
 *   indices.i32          per D update, per batch row: the index it drew
 *   z.f32                per step: each D update's z [batch, zSize], then the G update's z
 * ```
 * All binary files are little-endian arrays without a header (numpy: `np.fromfile(f, '<u4')`).
 */
export const TRACE_FORMAT = 'gan-lab-trace/1';

export const TRACE_MANIFEST = 'manifest.json';

/** The trace's data files (listed in the manifest as `files`). */
export const TRACE_FILES = {
  initial: 'initial.safetensors',
  sourceRows: 'source-rows.i32',
  draws: 'draws.u32',
  indices: 'indices.i32',
  z: 'z.f32',
} as const;

/** What each array file holds, as the manifest says it (`layout`). */
export const TRACE_LAYOUT = {
  draws: 'uint32 [steps, dSteps, batch]: the sampler draw of each image (index = draw % available)',
  indices: 'int32 [steps, dSteps, batch]: the dataset row of each image (a row of source-rows.i32)',
  z: 'float32 [steps, dSteps + 1, batch, zSize]: the z of each D update, then of the G update',
} as const;

/** `tracePath(runDir, 'z')` is `<runDir>/trace/z.f32`; `'manifest'` gives the manifest. */
export function tracePath(runDir: string, file: keyof typeof TRACE_FILES | 'manifest'): string {
  return join(traceDir(runDir), file === 'manifest' ? TRACE_MANIFEST : TRACE_FILES[file]);
}
