/**
 * A trainer and the run folder's checkpoints: a snapshot as a checkpoint's content (the layout is
 * @gan/runs'), and a recorded run's trainer as it was at one of its checkpoints.
 */
import {
  type CheckpointContent,
  configPath,
  listCheckpoints,
  loadCheckpoint,
  type StepFile,
} from '@gan/runs';
import { type ExperimentConfig, loadConfig } from '../config/index.ts';
import { loadTrainingData } from './data.ts';
import { GanTrainer, type TrainerSnapshot } from './gan.ts';

/** A trainer snapshot as a checkpoint: `time` is the seconds trained so far, `config` the resolved YAML. */
export function checkpointOf(
  snap: TrainerSnapshot,
  extra: { time: number; config: string },
): CheckpointContent {
  return { step: snap.step, arrays: snap.arrays, state: snap.state, time: extra.time, config: extra.config };
}

/** The trainer snapshot a checkpoint holds. */
export function snapshotOf(content: CheckpointContent): TrainerSnapshot {
  return { step: content.step, arrays: content.arrays, state: content.state as TrainerSnapshot['state'] };
}

/** The checkpoint of `step` among `all`, or the latest; errors name the run and what exists. */
export function pickCheckpoint(runDir: string, all: StepFile[], step: 'latest' | number): StepFile {
  if (all.length === 0) throw new Error(`${runDir}: the run has no checkpoint yet`);
  if (step === 'latest') return all[all.length - 1];
  const hit = all.find((c) => c.step === step);
  if (hit === undefined) {
    throw new Error(
      `${runDir}: no checkpoint at step ${step}; checkpoints exist for steps ${all.map((c) => c.step).join(', ')}`,
    );
  }
  return hit;
}

/** What {@link restoreRun} gives: the run's config, a trainer at the checkpoint, and which one. */
export interface RestoredRun {
  config: ExperimentConfig;
  trainer: GanTrainer;
  step: number;
  checkpoint: string;
}

/**
 * A run's trainer as it was at a checkpoint (the latest unless `step` is given), for sampling and
 * evaluation: the resolved config.yaml (names renamed since read as they were), the data and the
 * restored weights.
 *
 * ```ts
 * const { trainer, step } = await restoreRun('experiments/decay/20261126-153012-a3f9');
 * ```
 */
export async function restoreRun(runDir: string, step: 'latest' | number = 'latest'): Promise<RestoredRun> {
  const { config } = loadConfig(configPath(runDir), [], { recordedRun: true });
  const checkpoint = pickCheckpoint(runDir, await listCheckpoints(runDir), step);
  const snap = snapshotOf(await loadCheckpoint(checkpoint.path));
  const trainer = new GanTrainer(config, loadTrainingData(config));
  trainer.restore(snap);
  return { config, trainer, step: snap.step, checkpoint: checkpoint.path };
}
