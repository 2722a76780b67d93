/**
 * The trace writer (`pnpm exp --trace`): every random input of every step, appended as the run
 * goes, in the layout @gan/runs names (`TRACE_FILES`, its doc), so another implementation can
 * replay exactly the same steps.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { type Dataset, loadMnistBytes, rowCount, sourceRowsOf } from '@gan/data';
import {
  encodeCheckpoint,
  ensureSubfolder,
  TRACE_FILES,
  TRACE_FORMAT,
  TRACE_LAYOUT,
  traceDir,
  tracePath,
  writeSafetensors,
} from '@gan/runs';
import type { Tensor } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';
import type { GanTrainer, StepInputsObserver } from '../train/gan.ts';
import { checkpointOf } from '../train/restore.ts';

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
    await ensureSubfolder(traceDir(runDir));
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
      files: TRACE_FILES,
      layout: TRACE_LAYOUT,
    };
    writeFileSync(tracePath(runDir, 'manifest'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(tracePath(runDir, 'sourceRows'), bytesOf(sourceRowsOf(data)));
    const { tensors, metadata } = encodeCheckpoint(
      checkpointOf(trainer.snapshot(), { time: 0, config: configText }),
    );
    await writeSafetensors(tracePath(runDir, 'initial'), tensors, metadata);
    const open = (file: 'draws' | 'indices' | 'z') => openSync(tracePath(runDir, file), 'a');
    const trace = new RunTrace({ draws: open('draws'), indices: open('indices'), z: open('z') });
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
