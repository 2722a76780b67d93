/**
 * The trace writer (`pnpm exp --trace`): every random input of every step, appended as the run
 * goes, in the layout @gan/runs names (`TRACE_FILES`, its doc), so another implementation can
 * replay exactly the same steps.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type Dataset, loadMnistBytes, rowCount, sourceRowsOf } from '@gan/data';
import {
  encodeCheckpoint,
  ensureSubfolder,
  type RunOwner,
  TRACE_FILES,
  TRACE_FORMAT,
  TRACE_LAYOUT,
  traceDir,
  tracePath,
  writeFileAtomic,
  writeSafetensors,
} from '@gan/runs';
import type { Tensor } from '@gan/tensor';
import { checkpointOf, type ExperimentConfig, type GanTrainer, type StepInputsObserver } from '@gan/training';

function bytesOf(a: Int32Array | Uint32Array | Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Appends each step's inputs to the trace files (unbuffered: a crash loses at most the step). */
export class RunTrace implements StepInputsObserver {
  private constructor(private readonly fds: { draws: number; indices: number; z: number }) {}

  /**
   * Starts the trace of a fresh run in `<runDir>/trace/`, as its owner: the manifest, the data
   * order and the initial weights now, the inputs as `trainer` draws them (it sets itself as the
   * observer).
   */
  static async start(
    owner: RunOwner,
    trainer: GanTrainer,
    data: Dataset,
    config: ExperimentConfig,
    configText: string,
  ): Promise<RunTrace> {
    if (trainer.step !== 0) throw new Error('a trace starts with the run: it cannot be added on --resume');
    if (config.train.instanceNoise !== null || config.train.unrolledSteps > 0) {
      // Their draws come from streams the trace does not record: a replay could not reproduce them.
      throw new Error(
        'a trace records the batches and z only: it cannot be taken with train.instanceNoise or train.unrolledSteps',
      );
    }
    if (config.train.precision !== 'float32' || config.random.stream !== 'xoshiro') {
      // Its z file holds float32 values, and a numpy-stream run is checked against numpy's own
      // stream instead (pnpm parity), not replayed.
      throw new Error(
        'a trace records float32 draws of the xoshiro streams: it cannot be taken with train.precision float64 or random.stream numpy',
      );
    }
    const { runDir } = owner;
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
    await writeFileAtomic(tracePath(runDir, 'manifest'), `${JSON.stringify(manifest, null, 2)}\n`, owner);
    await writeFileAtomic(tracePath(runDir, 'sourceRows'), bytesOf(sourceRowsOf(data)), owner);
    const { tensors, metadata } = encodeCheckpoint(
      checkpointOf(trainer.snapshot(), { time: 0, config: configText }),
    );
    await writeSafetensors(tracePath(runDir, 'initial'), tensors, metadata, owner);
    const open = (file: 'draws' | 'indices' | 'z') =>
      openSync(owner.appendPath(tracePath(runDir, file)), 'a');
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
