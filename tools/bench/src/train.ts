import { GanTrainer, layerActivations, loadConfig, loadTrainingData } from '@gan/gan-runner';
import { runPeer } from './peer.ts';

export interface TrainRow {
  config: string;
  batch: number;
  ours: number;
  numpy: number | null;
  peer: string;
}

/** Steps per second of the trainer on a config, after a warm-up, over at least `budgetMs`. */
export function oursStepsPerSec(file: string, overrides: string[], budgetMs: number): number {
  const { config } = loadConfig(file, overrides);
  const trainer = new GanTrainer(config, loadTrainingData(config));
  for (let i = 0; i < 10; i++) trainer.trainStep();
  const t0 = performance.now();
  let steps = 0;
  while (steps < 20 || performance.now() - t0 < budgetMs) {
    trainer.trainStep();
    steps++;
  }
  return (steps * 1000) / (performance.now() - t0);
}

/**
 * The numpy equivalent of a config: the article's code (float64, batch 1, its Adam) for the seed
 * configs, a standard float32 MLP GAN for the baseline.
 */
export function peerStepsPerSec(
  file: string,
  overrides: string[],
  steps: number,
): { sps: number | null; peer: string } {
  const { config } = loadConfig(file, overrides);
  const g = config.model.generator;
  const d = config.model.discriminator;
  const article = config.optim.generator.biasCorrection === 'seed-constant';
  const args = article
    ? [
        'article',
        '--z',
        String(config.model.z.size),
        '--g-hidden',
        g.hidden.join(','),
        '--g-acts',
        layerActivations(g).join(','),
        '--d-hidden',
        d.hidden.join(','),
      ]
    : [
        'standard',
        '--z',
        String(config.model.z.size),
        '--g-hidden',
        g.hidden.join(','),
        '--d-hidden',
        d.hidden.join(','),
      ];
  const res = runPeer([...args, '--batch', String(config.data.batchSize), '--steps', String(steps)]);
  return {
    sps: res === null ? null : (res.steps_per_s as number),
    peer: article ? 'article float64' : 'standard float32',
  };
}
