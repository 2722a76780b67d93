import { join } from 'node:path';
import { type ExperimentConfig, loadConfig } from '../config/index.ts';
import { CONFIG_FILE, checkpointPath, latestCheckpoint, readSafetensors } from '@gan/runs';
import { loadTrainingData } from '../train/data.ts';
import { GanTrainer } from '../train/gan.ts';
import { snapshotFromSafetensors } from './checkpoint.ts';

/**
 * A run's trainer as it was at a checkpoint (the latest unless `step` is given), for sampling and
 * evaluation: the resolved config.yaml, the data and the restored weights.
 */
export async function restoreRun(
  runDir: string,
  step?: number,
): Promise<{ config: ExperimentConfig; trainer: GanTrainer; step: number; checkpoint: string }> {
  const { config } = loadConfig(join(runDir, CONFIG_FILE), [], { recordedRun: true });
  let path: string;
  if (step === undefined) {
    const latest = await latestCheckpoint(runDir);
    if (latest === null) throw new Error(`${runDir}: the run has no checkpoint yet`);
    path = latest.path;
  } else {
    path = checkpointPath(runDir, step);
  }
  const { snap } = snapshotFromSafetensors(await readSafetensors(path), path);
  const trainer = new GanTrainer(config, loadTrainingData(config));
  trainer.restore(snap);
  return { config, trainer, step: snap.step, checkpoint: path };
}
