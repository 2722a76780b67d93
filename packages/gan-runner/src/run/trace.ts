/**
 * A run trace (`pnpm exp --trace`): every random input of every step, written as the run goes,
 * so that another implementation (the parity harness in tools/parity, a transcription of the
 * article's numpy code) can replay exactly the same steps and compare them with metrics.jsonl.
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
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, loadMnistBytes, rowCount, sourceRowsOf } from '@gan/data';
import type { Tensor } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';
import { ensureSubfolder, traceDir, writeSafetensors } from '@gan/runs';
import type { GanTrainer, StepInputsObserver } from '../train/gan.ts';
import { snapshotToSafetensors } from './checkpoint.ts';

export const TRACE_FORMAT = 'gan-lab-trace/1';

const FILES = {
  initial: 'initial.safetensors',
  sourceRows: 'source-rows.i32',
  draws: 'draws.u32',
  indices: 'indices.i32',
  z: 'z.f32',
} as const;

function bytesOf(a: Int32Array | Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Appends each step's inputs to the trace files (unbuffered: a crash loses at most the step). */
export class RunTrace implements StepInputsObserver {
  private constructor(private readonly fds: { draws: number; indices: number; z: number }) {}

  /**
   * Starts the trace of a fresh run in `<runDir>/trace/`: the manifest, the data order and the
   * initial weights now, the inputs as `trainer` draws them (it sets itself as the observer).
   */
  static async start(
    runDir: string,
    trainer: GanTrainer,
    data: Dataset,
    config: ExperimentConfig,
    configText: string,
  ): Promise<RunTrace> {
    if (trainer.step !== 0) throw new Error('a trace starts with the run: it cannot be added on --resume');
    const dir = traceDir(runDir);
    await ensureSubfolder(dir);
    const manifest = {
      format: TRACE_FORMAT,
      config,
      data: {
        dataset: config.data.dataset,
        split: config.data.split,
        scaling: config.data.scaling,
        // The IDX file the rows come from, for readers that load the data themselves.
        imagesFile: config.data.dataset === 'mnist' ? loadMnistBytes(config.data.split).imagesFile : null,
        rows: rowCount(data),
        dim: trainer.dataDim,
        sampling: config.data.sampling,
        available: rowCount(data) - config.data.excludeLast,
      },
      batch: trainer.batch,
      dSteps: config.train.dSteps,
      zSize: trainer.zSize,
      files: FILES,
      layout: {
        draws: 'uint32 [steps, dSteps, batch]: the sampler draw of each image (index = draw % available)',
        indices: 'int32 [steps, dSteps, batch]: the dataset row of each image (a row of source-rows.i32)',
        z: 'float32 [steps, dSteps + 1, batch, zSize]: the z of each D update, then of the G update',
      },
    };
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(dir, FILES.sourceRows), bytesOf(sourceRowsOf(data)));
    const { tensors, metadata } = snapshotToSafetensors(trainer.snapshot(), { time: 0, config: configText });
    await writeSafetensors(join(dir, FILES.initial), tensors, metadata);
    const open = (name: string) => openSync(join(dir, name), 'a');
    const trace = new RunTrace({ draws: open(FILES.draws), indices: open(FILES.indices), z: open(FILES.z) });
    trainer.observer = trace;
    return trace;
  }

  discriminatorInputs(indices: Int32Array, draws: Uint32Array, z: Tensor): void {
    writeSync(this.fds.draws, bytesOf(draws));
    writeSync(this.fds.indices, bytesOf(indices));
    writeSync(this.fds.z, bytesOf(z.data));
  }

  generatorInputs(z: Tensor): void {
    writeSync(this.fds.z, bytesOf(z.data));
  }

  close(): void {
    for (const fd of Object.values(this.fds)) closeSync(fd);
  }
}
